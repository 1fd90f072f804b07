"""Scale benchmarks: ``python -m tests.benchmarks.scale [--spark 10m] [--duckdb 30m]``.

- **Spark standalone**: ``flowgap analyze --engine spark`` on a standalone cluster of two
  workers started on this machine from the PySpark distribution (``tests/spark/
  local_cluster.py``), beside ``flowgap analyze`` on DuckDB over the same Parquet. Spark's event
  log gives what the executors spent (task run time, executor CPU time, JVM GC time); the CLI
  process (the driver: Python and its JVM) is measured from outside as every other benchmark
  (wall, CPU, peak RSS).
- **DuckDB beyond 10M**: the embedded default on 30M events, its peak RSS next to the
  machine's memory, DuckDB's own memory limit and the bytes it spilled.

The logs are Parquet only (``log.parquet`` and its items, the config beside them), generated
once per size with ``flowgap sample`` and cached as the other benchmark logs are. Results go
to ``tests/benchmarks/.cache/scale.json`` and are printed; docs/scale.md quotes them with the
command, the load average and the date.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

from .datasets import SEED, version_dir
from .measure import ROOT, run

#: Events per size; items follow from the calibrated events per item.
SCALE_SIZES = {"100k": 100_000, "1m": 1_000_000, "10m": 10_000_000, "30m": 30_000_000}
RESULTS = ROOT / "tests" / "benchmarks" / ".cache" / "scale.json"
#: The standalone cluster: two workers sharing this machine's cores and most of its memory.
WORKER_CORES = 1
WORKER_MEMORY = "3584m"
EXECUTOR_MEMORY = "3g"
DRIVER_MEMORY = "2g"


def log_dir(size: str) -> Path:
    return version_dir() / f"scale-{size}-seed{SEED}"


def parquet_log(size: str) -> Path:
    """The Parquet log of ``size`` (generated when missing; complete once its manifest is)."""
    from .datasets import events_per_item

    d = log_dir(size)
    manifest = d / "manifest.json"
    if manifest.is_file():
        return d / "log.parquet"
    if d.exists():
        shutil.rmtree(d)
    d.mkdir(parents=True)
    items = max(1, round(SCALE_SIZES[size] / events_per_item()))
    print(f"[data] {size}: generating {items} items (Parquet only)", flush=True)
    t0 = time.perf_counter()
    from flowgap.sample import write_sample

    write_sample(d / "log.parquet", items, SEED, "parquet", True)
    import pyarrow.parquet as pq

    events = pq.ParquetFile(d / "log.parquet").metadata.num_rows
    gen_s = round(time.perf_counter() - t0, 1)
    manifest.write_text(json.dumps({"items": items, "events": events, "generate_s": gen_s}))
    print(f"[data] {size}: {events} events in {gen_s:.0f} s", flush=True)
    return d / "log.parquet"


def _events(size: str) -> int:
    return json.loads((log_dir(size) / "manifest.json").read_text())["events"]


def _analyze_cmd(parquet: Path, out: Path, *extra: str) -> list[str]:
    return [
        sys.executable,
        "-m",
        "flowgap",
        "analyze",
        str(parquet),
        "-c",
        str(parquet.with_name("log.flowgap.toml")),
        "--format",
        "json,md,csv,junit",
        "--quiet",
        "-o",
        str(out),
        *extra,
    ]


def _load() -> float:
    return round(os.getloadavg()[0], 2)


def _tree_cpu(pid: int, seen: dict[int, float]) -> None:
    """Record the CPU seconds so far of every descendant of ``pid`` (the driver's JVM is a
    child of the flowgap process that is never waited for: ``wait4`` does not count it)."""
    tick = os.sysconf("SC_CLK_TCK")
    stack = [pid]
    while stack:
        parent = stack.pop()
        try:
            tasks = os.listdir(f"/proc/{parent}/task")
        except OSError:
            continue
        for task in tasks:
            try:
                with open(f"/proc/{parent}/task/{task}/children", encoding="ascii") as fh:
                    children = [int(c) for c in fh.read().split()]
            except OSError:
                continue
            for child in children:
                try:
                    with open(f"/proc/{child}/stat", encoding="ascii") as fh:
                        fields = fh.read().rsplit(")", 1)[1].split()
                    seen[child] = (int(fields[11]) + int(fields[12])) / tick
                except (OSError, IndexError, ValueError):
                    pass
                stack.append(child)


def _measured(name: str, cmd: list[str]) -> dict:
    import threading

    before = _load()
    seen: dict[int, float] = {}
    done = threading.Event()
    holder: dict = {}

    def measure() -> None:
        holder["m"] = run(name, cmd, timeout=4 * 3600)
        done.set()

    thread = threading.Thread(target=measure)
    thread.start()
    while not done.wait(0.5):
        for pid in _children(os.getpid()):  # the flowgap process, not the cluster's
            if _is_analyze(pid):
                _tree_cpu(pid, seen)
    thread.join()
    m = holder["m"]
    doc = {k: v for k, v in m.to_dict().items() if k in ("wall_s", "cpu_s", "peak_rss_mb")}
    # The process' own CPU (wait4) plus its descendants' (the driver JVM), last seen.
    doc["descendants_cpu_s"] = round(sum(seen.values()), 2)
    doc |= {
        "load_before": before,
        "load_after": _load(),
        "at": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
    }
    print(f"  {name}: {doc}", flush=True)
    return doc


def _children(pid: int) -> list[int]:
    found: list[int] = []
    try:
        tasks = os.listdir(f"/proc/{pid}/task")
    except OSError:
        return found
    for task in tasks:
        try:
            with open(f"/proc/{pid}/task/{task}/children", encoding="ascii") as fh:
                found += [int(c) for c in fh.read().split()]
        except OSError:
            continue
    return found


def _is_analyze(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as fh:
            return b"\0analyze\0" in fh.read()
    except OSError:
        return False


def executor_totals(event_dir: Path) -> dict:
    """What the executors spent, from Spark's event log: task run time, executor CPU time
    and JVM GC time over every finished task, in seconds; the executors that ran them."""
    run_ms = cpu_ns = gc_ms = tasks = 0
    executors: set[str] = set()
    # Spark 4 writes a folder of rolling event files per application.
    for path in sorted(p for p in event_dir.rglob("*") if p.is_file()):
        with path.open(encoding="utf-8", errors="replace") as fh:
            for line in fh:
                if '"SparkListenerTaskEnd"' not in line:
                    continue
                event = json.loads(line)
                metrics = event.get("Task Metrics") or {}
                run_ms += metrics.get("Executor Run Time", 0)
                cpu_ns += metrics.get("Executor CPU Time", 0)
                gc_ms += metrics.get("JVM GC Time", 0)
                tasks += 1
                executors.add(str(event.get("Task Info", {}).get("Executor ID")))
    return {
        "tasks": tasks,
        "executors": len(executors),
        "task_run_s": round(run_ms / 1e3, 2),
        "executor_cpu_s": round(cpu_ns / 1e9, 2),
        "gc_s": round(gc_ms / 1e3, 2),
    }


def bench_spark(size: str, work: Path, beside: bool = True) -> dict:
    sys.path.insert(0, str(ROOT / "tests" / "spark"))
    from local_cluster import LocalCluster

    parquet = parquet_log(size)
    entry: dict = {"events": _events(size), "cluster": {}}
    if beside:
        entry["duckdb"] = _measured(f"{size} duckdb", _analyze_cmd(parquet, work / "duckdb"))
    events_dir = work / "spark-events"
    events_dir.mkdir(parents=True, exist_ok=True)
    with LocalCluster(
        work / "cluster", workers=2, worker_cores=WORKER_CORES, worker_memory=WORKER_MEMORY
    ) as cluster:
        cluster.start(connect=False)
        conf = {
            "spark.executor.memory": EXECUTOR_MEMORY,
            "spark.executor.cores": str(WORKER_CORES),
            "spark.driver.memory": DRIVER_MEMORY,
            "spark.sql.shuffle.partitions": str(2 * 2 * WORKER_CORES),
            "spark.eventLog.enabled": "true",
            "spark.eventLog.dir": events_dir.as_uri(),
            "spark.eventLog.compress": "false",
        }
        entry["cluster"] = {
            "workers": 2,
            "worker_cores": WORKER_CORES,
            "worker_memory": WORKER_MEMORY,
            **conf,
        }
        extra = ["--engine", "spark", "--spark-master", cluster.master_url]
        for key, value in conf.items():
            extra += ["--spark-conf", f"{key}={value}"]
        entry["spark"] = _measured(
            f"{size} spark standalone", _analyze_cmd(parquet, work / "spark", *extra)
        )
    entry["spark"]["executors"] = executor_totals(events_dir)
    if not beside:  # the report DuckDB writes, for the comparison only
        import subprocess

        subprocess.run(_analyze_cmd(parquet, work / "duckdb"), cwd=ROOT, check=True)
    same = _same_summary(work / "duckdb" / "report.json", work / "spark" / "report.json")
    entry["same_summary"] = same
    print(f"  executors: {entry['spark']['executors']}; same summary as DuckDB: {same}", flush=True)
    return entry


def _same_summary(a: Path, b: Path) -> bool:
    """Whether two JSON reports agree in everything but the engine that made them (and the
    config, which names it)."""
    da, db = json.loads(a.read_text()), json.loads(b.read_text())
    for doc in (da, db):
        doc.pop("engine", None)
        doc.pop("config", None)
    return da == db


def bench_duckdb(size: str, work: Path) -> dict:
    parquet = parquet_log(size)
    entry: dict = {"events": _events(size)}
    entry["duckdb"] = _measured(f"{size} duckdb", _analyze_cmd(parquet, work / "duckdb"))
    entry["memory_total_gib"] = round(
        os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30, 1
    )
    from flowgap.engine.backend import DUCKDB_MEMORY_LIMIT

    entry["duckdb_memory_limit"] = DUCKDB_MEMORY_LIMIT
    return entry


def merge(kind: str, size: str, entry: dict) -> None:
    doc = json.loads(RESULTS.read_text()) if RESULTS.is_file() else {}
    doc.setdefault(kind, {})[size] = entry
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(doc, indent=2))


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m tests.benchmarks.scale")
    parser.add_argument(
        "--spark", default="10m", help="sizes on the standalone cluster ('' for none)"
    )
    parser.add_argument("--duckdb", default="30m", help="sizes on DuckDB alone ('' for none)")
    parser.add_argument("--generate-only", action="store_true", help="only write the logs")
    parser.add_argument(
        "--no-beside",
        action="store_true",
        help="do not measure DuckDB beside Spark (its report is still compared)",
    )
    args = parser.parse_args(argv)
    import signal

    # Stopped from outside: unwind, so that the cluster's processes are stopped too.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    spark = [s for s in args.spark.split(",") if s]
    duck = [s for s in args.duckdb.split(",") if s]
    for size in (*spark, *duck):
        if size not in SCALE_SIZES:
            raise SystemExit(f"unknown size {size!r}: one of {', '.join(SCALE_SIZES)}")
    if args.generate_only:
        for size in dict.fromkeys((*spark, *duck)):
            parquet_log(size)
        return
    import tempfile

    for size in spark:
        with tempfile.TemporaryDirectory(prefix="flowgap-scale-") as tmp:
            merge("spark_standalone", size, bench_spark(size, Path(tmp), not args.no_beside))
    for size in duck:
        with tempfile.TemporaryDirectory(prefix="flowgap-scale-") as tmp:
            merge("duckdb", size, bench_duckdb(size, Path(tmp)))
    print(f"results in {RESULTS.relative_to(ROOT)}", flush=True)


if __name__ == "__main__":
    main()
