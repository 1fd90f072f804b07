"""Where ``--engine spark`` runs: a Spark session from configuration.

The target comes from ``[engine.spark]`` in ``flowgap.toml``, overridden by the command line
(``--spark-master``, ``--spark-remote``, ``--spark-conf key=value``): a master URL
(``local[N]``, ``spark://host:port``, ``yarn``, ``k8s://...``) for a classic session whose
driver is this process, or a Spark Connect endpoint (``sc://host:15002``) whose driver is the
server. ``SPARK_REMOTE`` is honoured when neither is configured; under ``spark-submit`` its
``--master`` stands; otherwise ``local[N]`` (N = this machine's cores) is the default.

One session per process: asking for another target stops the previous one. Everything a user
can get wrong here (a bad URL, a setting without ``=``, an endpoint nobody listens on, no Java)
is one line and exit code 2, before any JVM starts where that can be checked.
"""

from __future__ import annotations

import atexit
import contextlib
import os
import re
import shutil
import socket
import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from pydantic import ValidationError

from ..config import Config
from ..config.models import SparkConfig
from ..errors import InputError, UsageError, quoted

WHERE = "--engine spark"
#: Spark Connect's port when an ``sc://`` URL names none.
CONNECT_PORT = 15002
#: Standalone master's port when a ``spark://`` URL names none.
MASTER_PORT = 7077
#: How long an endpoint may take to accept a TCP connection before it counts as unreachable.
PROBE_TIMEOUT_S = 5.0
_LOOPBACK = {"127.0.0.1", "localhost", "::1", "[::1]"}


@dataclass(frozen=True)
class SparkTarget:
    """Resolved: one of ``master`` and ``remote`` (neither under spark-submit, whose master
    stands), plus pass-through settings."""

    master: str | None
    remote: str | None
    conf: tuple[tuple[str, str], ...] = ()
    staging: str | None = None

    @property
    def is_connect(self) -> bool:
        return self.remote is not None

    @property
    def on_this_machine(self) -> bool:
        """Whether the cluster shares this machine's file system (local mode, or a master or
        Connect server on a loopback address)."""
        if self.master is not None and self.master.startswith("local"):
            return True
        return bool(self.endpoints()) and all(h in _LOOPBACK for h, _ in self.endpoints())

    def endpoints(self) -> list[tuple[str, int]]:
        """(host, port) of the standalone masters or the Connect server; empty for local,
        ``yarn`` and ``k8s://`` (which Spark itself finds)."""
        if self.remote is not None:
            parts = urlsplit(self.remote.split(";", 1)[0])
            return [(parts.hostname or "localhost", parts.port or CONNECT_PORT)]
        if self.master is not None and self.master.startswith("spark://"):
            found = []
            # (a user:password@ before the hosts is not part of any host)
            hosts = self.master[len("spark://") :].rpartition("@")[2]
            for hostport in hosts.split(","):
                host, _, port = hostport.rpartition(":")
                if not host:
                    host, port = port, str(MASTER_PORT)
                found.append((host, int(port) if port.isdigit() else MASTER_PORT))
            return found
        return []

    @property
    def session_key(self) -> tuple:
        """What a session depends on (not where the tables are staged)."""
        return (self.master, self.remote, self.conf)

    def describe(self) -> str:
        return self.remote or self.master or "the master spark-submit was given"


def resolve(spark: SparkConfig, environ: Mapping[str, str] | None = None) -> SparkTarget:
    """The target of ``[engine.spark]`` (with the command line's overrides applied already):
    its master or remote, else ``SPARK_REMOTE``, else ``local[N]``."""
    env = os.environ if environ is None else environ
    conf = tuple((k, _text(v)) for k, v in spark.conf.items())
    remote, master = spark.remote, spark.master
    if remote is None and master is None and env.get("SPARK_REMOTE"):
        try:
            remote = SparkConfig(remote=env["SPARK_REMOTE"]).remote
        except ValidationError:
            raise UsageError(
                f"SPARK_REMOTE: {env['SPARK_REMOTE']!r} is not a Spark Connect URL (sc://host:port)"
            ) from None
    if remote is None and master is None and "PYSPARK_GATEWAY_PORT" not in env:
        # (Under spark-submit, PYSPARK_GATEWAY_PORT is set: its --master stands.)
        master = f"local[{os.cpu_count() or 1}]"
    return SparkTarget(master=master, remote=remote, conf=conf, staging=spark.staging)


def with_options(
    config: Config,
    *,
    master: str | None = None,
    remote: str | None = None,
    conf: Sequence[str] = (),
) -> Config:
    """``config`` with the command line's ``--spark-master``, ``--spark-remote`` and
    ``--spark-conf key=value`` applied over ``[engine.spark]``."""
    if master is None and remote is None and not conf:
        return config
    if master is not None and remote is not None:
        raise UsageError("give --spark-master or --spark-remote, not both")
    current = config.engine.spark
    merged = dict(current.conf)
    for pair in conf:
        key, sep, value = pair.partition("=")
        if not sep:
            # The name only: what follows may be the value of a secret ("...secret.key:X").
            name = re.match(r"[\w.-]*", pair.strip()).group()  # type: ignore[union-attr]
            raise UsageError(
                f"--spark-conf: {quoted(name)} is not key=value (e.g. spark.executor.memory=4g)"
            )
        if not key.strip():
            raise UsageError(
                "--spark-conf: '=...' names no setting (e.g. spark.executor.memory=4g)"
            )
        merged[key.strip()] = value.strip()
    raw = current.model_dump()
    raw["conf"] = merged
    if master is not None:  # the command line's choice replaces the file's, master or remote
        raw["master"], raw["remote"] = master, None
    if remote is not None:
        raw["remote"], raw["master"] = remote, None
    try:
        spark = SparkConfig.model_validate(raw)
    except ValidationError as exc:
        err = exc.errors()[0]
        option = {"master": "--spark-master", "remote": "--spark-remote", "conf": "--spark-conf"}
        where = option.get(
            str(err["loc"][0]) if err["loc"] else "", "--spark-master/--spark-remote"
        )
        raise UsageError(f"{where}: {err['msg'].removeprefix('Value error, ')}") from None
    engine = config.engine.model_copy(update={"spark": spark})
    return config.model_copy(update={"engine": engine})


# ------------------------------------------------------------------ the session

_current: tuple[SparkTarget, Any] | None = None


def session_for(target: SparkTarget) -> Any:
    """The process' Spark session for ``target``: the one already open when it is the same,
    else a new one (the previous session stopped first)."""
    global _current
    if _current is not None:
        if _current[0].session_key == target.session_key:
            return _current[1]
        stop()
    try:
        import pyspark  # noqa: F401
    except ImportError:
        raise InputError(WHERE, "PySpark is not installed (pip install 'flowgap[spark]')") from None
    _check_reachable(target)
    session = _connect_session(target) if target.is_connect else _classic_session(target)
    _current = (target, session)
    return session


def stop() -> None:
    """Stop the process' session (a classic one takes its executors with it)."""
    global _current
    if _current is None:
        return
    _target, session = _current
    _current = None
    with contextlib.suppress(Exception):
        session.stop()


def _check_reachable(target: SparkTarget) -> None:
    for host, port in target.endpoints():
        try:
            with socket.create_connection((host, port), PROBE_TIMEOUT_S):
                pass
        except OSError as exc:
            reason = exc.strerror or type(exc).__name__
            what = "Spark Connect server" if target.is_connect else "Spark master"
            raise InputError(
                WHERE, f"cannot reach the {what} at {target.describe()} ({host}:{port}: {reason})"
            ) from None


#: flowgap's own settings: results must be in UTC, and Spark's console output stays off the
#: command line's. A user's ``conf`` may change the others, never the time zone.
_FIXED = {"spark.sql.session.timeZone": "UTC"}
_DEFAULTS = {
    "spark.app.name": "flowgap",
    "spark.ui.showConsoleProgress": "false",
    "spark.sql.execution.arrow.pyspark.enabled": "true",
}


def _settings(target: SparkTarget) -> dict[str, str]:
    settings = dict(_DEFAULTS)
    if target.master is not None and target.master.startswith("local"):
        cores = _local_cores(target.master)
        # A few rows per item on one machine: Spark's 200 shuffle partitions would be 200 tasks
        # of almost nothing each.
        settings |= {
            "spark.ui.enabled": "false",
            "spark.sql.shuffle.partitions": str(cores),
            "spark.default.parallelism": str(cores),
        }
    settings |= dict(target.conf)
    settings |= _FIXED
    return settings


def _local_cores(master: str) -> int:
    m = re.match(r"local\[(\d+)", master)
    if m:
        return max(1, int(m.group(1)))
    return 1 if master == "local" else os.cpu_count() or 1


def _connect_session(target: SparkTarget) -> Any:
    # The Connect client's builder, not pyspark.sql.SparkSession.builder: that one switches
    # the whole process to Connect mode (an environment variable) for every later session.
    from pyspark.sql.connect.session import SparkSession as RemoteSession

    try:
        session = RemoteSession.builder.remote(target.remote).create()
        for key, value in _settings(target).items():
            if key.startswith("spark.sql."):  # the server's session settings; the rest is its own
                session.conf.set(key, value)
    except Exception as exc:
        raise InputError(WHERE, f"Spark Connect at {target.remote}: {_first_line(exc)}") from None
    return session


def _classic_session(target: SparkTarget) -> Any:
    if not (os.environ.get("JAVA_HOME") or shutil.which("java")):
        raise InputError(WHERE, "no Java runtime found (install Java 17 or set JAVA_HOME)")
    from pyspark import SparkConf, SparkContext
    from pyspark.sql import SparkSession

    # Spark warns when the host name resolves to loopback; a driver on a real cluster must be
    # reachable by its executors, which SPARK_LOCAL_IP (the user's) or Spark's default gives.
    if target.on_this_machine:
        os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")
    conf = SparkConf(loadDefaults=True)
    if target.master is not None:  # else spark-submit's --master (in the JVM's defaults)
        conf.setMaster(target.master)
    for key, value in _settings(target).items():
        conf.set(key, value)
    java_options = f"-Dlog4j2.configurationFile={_quiet_log4j()}"
    given = dict(target.conf).get("spark.driver.extraJavaOptions")
    conf.set("spark.driver.extraJavaOptions", f"{given} {java_options}" if given else java_options)
    try:
        # Not SparkSession.builder: it would turn into a Connect client when SPARK_REMOTE is
        # set, whatever master was asked for.
        if SparkContext._active_spark_context is None:
            context = SparkContext(conf=conf, gateway=_gateway(conf))
        else:
            context = SparkContext.getOrCreate(conf)
        session = SparkSession(context)
        session.sparkContext.setLogLevel("ERROR")
    except Exception as exc:  # the JVM or the cluster refused: one line, not a stack trace
        raise InputError(
            WHERE, f"cannot start Spark on {target.describe()}: {_first_line(exc)}"
        ) from None
    return session


def _gateway(conf: Any) -> Any:
    """The driver's JVM (first session of the process), its console output in a log file:
    the JVM's and Spark's start-up lines stay off the command line's output."""
    from pyspark import SparkContext
    from pyspark.java_gateway import launch_gateway

    if SparkContext._gateway is not None:
        return None
    path = driver_log()
    log = open(path, "ab")  # noqa: SIM115 - the JVM writes to it for the process' lifetime
    atexit.register(_remove, path)
    return launch_gateway(conf, popen_kwargs={"stdout": log, "stderr": log})


def driver_log() -> str:
    """Where the driver JVM of this process writes its console output."""
    return os.path.join(tempfile.gettempdir(), f"flowgap-spark-driver-{os.getpid()}.log")


def _remove(path: str) -> None:
    with contextlib.suppress(OSError):
        os.unlink(path)


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


def _quiet_log4j() -> str:
    """A log4j2 configuration that only lets errors through (written once per process)."""
    path = os.path.join(tempfile.gettempdir(), f"flowgap-log4j2-{os.getpid()}.properties")
    if not os.path.exists(path):
        atexit.register(_remove, path)  # read once, when the driver's JVM starts
        with open(path, "w", encoding="utf-8") as fh:
            fh.write(
                "rootLogger.level = error\n"
                "rootLogger.appenderRef.stderr.ref = console\n"
                "appender.console.type = Console\n"
                "appender.console.name = console\n"
                "appender.console.target = SYSTEM_ERR\n"
                "appender.console.layout.type = PatternLayout\n"
                "appender.console.layout.pattern = %d{HH:mm:ss} %p %c{1}: %m%n\n"
            )
    return path


def _text(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)
