"""A real Spark cluster on this machine, from the PySpark distribution: a standalone master,
workers and a Spark Connect server, each its own process, bound to 127.0.0.1, stopped by
process id.

Used by the Spark tests (one cluster per test session, ``conftest.py``) and by the benchmarks
(``python -m tests.benchmarks.run --only spark``). Each process writes its log to a file in
the cluster's folder; nothing reaches the console.
"""

from __future__ import annotations

import contextlib
import importlib.util
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

#: What every application on the test cluster asks for: it fits two workers of 2 cores and
#: 1 GiB beside the Connect server's own application.
APP_CONF = {
    "spark.executor.memory": "512m",
    "spark.executor.cores": "1",
    "spark.cores.max": "2",
    "spark.sql.shuffle.partitions": "2",
}


def needs_spark() -> None:
    """Skip, with the reason, when this machine cannot run Spark."""
    import pytest

    if importlib.util.find_spec("pyspark") is None:
        pytest.skip("PySpark is not installed (flowgap[spark])")
    if not shutil.which("java"):
        pytest.skip("no Java runtime: make test installs one as root")


def spark_home() -> Path:
    """The Spark distribution inside the PySpark package (``bin/spark-class`` and the jars)."""
    import pyspark

    return Path(pyspark.__file__).resolve().parent


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait_port(port: int, proc: subprocess.Popen, what: str, log: Path, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"{what} exited ({proc.returncode}); see {log}")
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 1):
            return
        time.sleep(0.5)
    raise RuntimeError(f"{what} did not listen on port {port} within {timeout:.0f} s; see {log}")


@dataclass
class LocalCluster:
    """A standalone master and ``workers`` workers (each ``worker_cores`` cores and
    ``worker_memory``), optionally a Spark Connect server running its jobs on them."""

    folder: Path
    workers: int = 2
    worker_cores: int = 2
    worker_memory: str = "1g"
    master_port: int = 0
    connect_port: int = 0
    procs: list[tuple[str, subprocess.Popen]] = field(default_factory=list)

    @property
    def master_url(self) -> str:
        return f"spark://127.0.0.1:{self.master_port}"

    @property
    def remote_url(self) -> str:
        return f"sc://127.0.0.1:{self.connect_port}"

    def _env(self) -> dict[str, str]:
        env = dict(os.environ)
        home = spark_home()
        env.update(
            SPARK_HOME=str(home),
            SPARK_LOCAL_IP="127.0.0.1",
            SPARK_LOG_DIR=str(self.folder),
            SPARK_WORKER_DIR=str(self.folder / "work"),
            PYSPARK_PYTHON=sys.executable,
            PYSPARK_DRIVER_PYTHON=sys.executable,
        )
        env.pop("SPARK_REMOTE", None)  # the server itself is a classic Spark application
        return env

    def _start(self, what: str, cmd: list[str]) -> subprocess.Popen:
        log = self.folder / f"{what}.log"
        with open(log, "wb") as out:
            proc = subprocess.Popen(
                cmd,
                env=self._env(),
                stdout=out,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                start_new_session=True,  # its own process group: stopped as one, by its id
            )
        self.procs.append((what, proc))
        return proc

    def start(self, *, connect: bool = True, connect_conf: dict[str, str] | None = None) -> None:
        """Start the master, the workers and (``connect``) a Connect server; wait for each."""
        self.folder.mkdir(parents=True, exist_ok=True)
        (self.folder / "work").mkdir(exist_ok=True)
        spark_class = str(spark_home() / "bin" / "spark-class")
        self.master_port = self.master_port or free_port()
        try:
            master = self._start(
                "master",
                [
                    spark_class,
                    "org.apache.spark.deploy.master.Master",
                    "--host",
                    "127.0.0.1",
                    "--port",
                    str(self.master_port),
                    "--webui-port",
                    str(free_port()),
                ],
            )
            _wait_port(self.master_port, master, "master", self.folder / "master.log", 120)
            for i in range(self.workers):
                port = free_port()
                worker = self._start(
                    f"worker{i + 1}",
                    [
                        spark_class,
                        "org.apache.spark.deploy.worker.Worker",
                        "--host",
                        "127.0.0.1",
                        "--port",
                        str(port),
                        "--webui-port",
                        str(free_port()),
                        "--cores",
                        str(self.worker_cores),
                        "--memory",
                        self.worker_memory,
                        "--work-dir",
                        str(self.folder / "work"),
                        self.master_url,
                    ],
                )
                _wait_port(port, worker, f"worker{i + 1}", self.folder / f"worker{i + 1}.log", 120)
            self._wait_workers_registered(180)
            if connect:
                self.connect_port = self.connect_port or free_port()
                conf = {
                    "spark.connect.grpc.binding.address": "127.0.0.1",
                    "spark.connect.grpc.binding.port": str(self.connect_port),
                    "spark.ui.enabled": "false",
                    **(connect_conf or {}),
                }
                cmd = [
                    str(spark_home() / "bin" / "spark-submit"),
                    "--class",
                    "org.apache.spark.sql.connect.service.SparkConnectServer",
                    "--name",
                    "flowgap-connect",
                    "--master",
                    self.master_url,
                ]
                for key, value in conf.items():
                    cmd += ["--conf", f"{key}={value}"]
                server = self._start("connect", cmd)
                _wait_port(self.connect_port, server, "connect", self.folder / "connect.log", 240)
        except BaseException:
            self.stop()
            raise

    def _wait_workers_registered(self, timeout: float) -> None:
        """Until the master's log says every worker registered (a job sent earlier would
        wait for resources)."""
        log = self.folder / "master.log"
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            text = log.read_text(errors="replace") if log.exists() else ""
            if text.count("Registering worker") >= self.workers:
                return
            time.sleep(0.5)
        raise RuntimeError(f"workers did not register within {timeout:.0f} s; see {log}")

    def stop(self) -> None:
        """Stop every process this cluster started, by its id (its own process group),
        newest first; kill what does not end within 20 s."""
        for _what, proc in reversed(self.procs):
            if proc.poll() is None:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(proc.pid, signal.SIGTERM)
        for _what, proc in reversed(self.procs):
            try:
                proc.wait(20)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(proc.pid, signal.SIGKILL)
                proc.wait(10)
        self.procs.clear()

    def __enter__(self) -> LocalCluster:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()
