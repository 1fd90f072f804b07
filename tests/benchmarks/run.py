"""The benchmark harness: ``python -m tests.benchmarks.run [--sizes 100k,1m,10m] [--only ...]``.

Measures each piece of work in a fresh process (see ``measure.py``), checks that what it
measured is correct (same counts across formats, pm4py-only metrics equal flowgap's), merges
the numbers into ``tests/benchmarks/.cache/results.json`` and renders them into the results
block of ``docs/performance.md``. Budgets are reported (held / missed), never asserted.
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

import orjson

from . import report
from .datasets import CACHE, SIZES, Dataset, dataset
from .measure import ROOT, Measure, TaskFailed, run, task_cmd

MEASUREMENTS = ("ingest", "analyze", "pm4py", "dashboard")
RESULTS = CACHE / "results.json"
DOC = ROOT / "docs" / "performance.md"
#: pm4py-only at 10M events: its EventLog alone would hold ~7M Python event objects (tens of
#: GB on a shared 24 GiB machine); measured at 100k and 1M only.
PM4PY_SIZES = ("100k", "1m")
DASHBOARD_SIZES = ("1m",)
DASHBOARD_CHANGES = 30


class Checks:
    """Correctness of what was measured: every check is recorded, failures fail the run."""

    def __init__(self) -> None:
        self.items: list[dict] = []

    def check(self, size: str, what: str, ok: bool, detail: str = "") -> None:
        self.items.append({"size": size, "check": what, "ok": bool(ok), "detail": detail})
        mark = "ok " if ok else "FAIL"
        print(f"  [{mark}] {what}{': ' + detail if detail else ''}", flush=True)

    @property
    def failed(self) -> list[dict]:
        return [c for c in self.items if not c["ok"]]


def _load() -> float:
    return round(os.getloadavg()[0], 2)


def measured(name: str, cmd: list[str]) -> dict:
    before = _load()
    m: Measure = run(name, cmd)
    doc = m.to_dict()
    doc["load_before"], doc["load_after"] = before, _load()
    doc["at"] = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    inner = f", inner {m.inner_s:.2f} s" if m.inner_s is not None else ""
    print(
        f"  {name}: wall {m.wall_s:.2f} s{inner}, cpu {m.cpu_s:.2f} s, "
        f"peak RSS {m.peak_rss_mb:.0f} MB (load {before} -> {doc['load_after']})",
        flush=True,
    )
    return doc


# --------------------------------------------------------------------------- measurements


def bench_ingest(ds: Dataset, checks: Checks) -> dict:
    out: dict = {}
    if ds.has_json:
        for label, path in (("json", ds.ndjson), ("json.gz", ds.ndjson_gz)):
            out[f"orjson {label}"] = measured(f"orjson parse {label}", task_cmd("orjson", path))
            out[f"flowgap {label}"] = measured(
                f"flowgap load {label}", task_cmd("ingest", path, ds.config)
            )
    else:
        print(f"  (no Jira JSON at {ds.size}: JSON ingest is measured at 100k and 1m)")
    out["flowgap transition csv"] = measured(
        "flowgap load transition csv", task_cmd("ingest", ds.transitions, ds.config)
    )
    out["flowgap parquet"] = measured(
        "flowgap load parquet", task_cmd("ingest", ds.parquet, ds.config)
    )
    pq_facts = out["flowgap parquet"]["facts"]
    checks.check(
        ds.size,
        "parquet: events as generated",
        pq_facts["events"] == ds.events,
        f"{pq_facts['events']} vs {ds.events}",
    )
    checks.check(
        ds.size,
        "transition csv: same items as parquet",
        out["flowgap transition csv"]["facts"]["items"] == pq_facts["items"],
    )
    for label in ("json", "json.gz"):
        if f"flowgap {label}" not in out:
            continue
        f, o = out[f"flowgap {label}"]["facts"], out[f"orjson {label}"]["facts"]
        checks.check(
            ds.size,
            f"{label}: same events as parquet",
            f["events"] == pq_facts["events"],
            f"{f['events']} vs {pq_facts['events']}",
        )
        checks.check(
            ds.size,
            f"{label}: issues parsed by orjson = items loaded",
            o["issues"] == f["items"] == pq_facts["items"],
        )
        checks.check(
            ds.size,
            f"{label}: records read = loaded + rejected, none rejected",
            f["records_read"] == f["records_loaded"] and f["records_rejected"] == 0,
        )
    return out


def bench_analyze(
    ds: Dataset, checks: Checks, work: Path, steps: bool = True, cli: bool = True
) -> dict:
    res: dict = {}
    if cli:
        res["cli"] = bench_cli(ds, checks, work)
    if steps:
        res["phases"] = measured(
            "flowgap load/analyze/reports (in-process steps)",
            task_cmd(
                "phases",
                ds.parquet,
                ds.config,
                work / f"phases-{ds.size}",
                work / f"dump-{ds.size}",
            ),
        )
    return res


def bench_cli(ds: Dataset, checks: Checks, work: Path) -> dict:
    out_dir = work / f"report-{ds.size}"
    shutil.rmtree(out_dir, ignore_errors=True)
    cli = [
        sys.executable,
        "-m",
        "flowgap",
        "analyze",
        str(ds.parquet),
        "-c",
        str(ds.config),
        "-o",
        str(out_dir),
        "--format",
        "json,md,csv,junit",
        "--quiet",
    ]
    res = measured("flowgap analyze (CLI)", cli)
    files = sorted(p.name for p in out_dir.iterdir()) if out_dir.is_dir() else []
    checks.check(
        ds.size,
        "analyze wrote report.json, report.md, junit.xml, csv/",
        {"report.json", "report.md", "junit.xml", "csv"} <= set(files),
        ",".join(files),
    )
    if (out_dir / "report.json").is_file():
        rep = orjson.loads((out_dir / "report.json").read_bytes())
        total = rep["summary"]["items"]["total"]
        checks.check(ds.size, "report counts every item", total == ds.items, f"{total}")
    return res


#: The log ``make demo`` analyses (about 2,600 events), measured with every format.
STORY = ROOT / "sample_logs" / "story.jira.ndjson.gz"
STORY_CONFIG = ROOT / "sample_logs" / "story.jira.flowgap.toml"


def bench_story(checks: Checks, work: Path) -> dict:
    """``flowgap analyze`` of the story log as ``make demo`` runs it: every format, so
    report.html's figures and Graphviz drawings included."""
    out_dir = work / "report-story"
    shutil.rmtree(out_dir, ignore_errors=True)
    cli = [sys.executable, "-m", "flowgap", "analyze", str(STORY), "-c", str(STORY_CONFIG)]
    res = measured("flowgap analyze story log (CLI, every format)", [*cli, "-o", str(out_dir)])
    files = sorted(p.name for p in out_dir.iterdir()) if out_dir.is_dir() else []
    checks.check(
        "story",
        "analyze wrote report.json, report.md, report.html, junit.xml, csv/",
        {"report.json", "report.md", "report.html", "junit.xml", "csv"} <= set(files),
        ",".join(files),
    )
    return {"cli": res}


def bench_pm4py(ds: Dataset, checks: Checks, work: Path) -> dict:
    dump = work / f"dump-{ds.size}"
    res = {
        "pm4py": measured(
            "pm4py-only metrics and handoff graph", task_cmd("pm4py", ds.parquet, ds.config, dump)
        )
    }
    if (dump / "flowgap_items.parquet").is_file():
        compare(ds.size, dump, checks)
    else:
        checks.check(ds.size, "pm4py-only equals flowgap", False, "run --only analyze first")
    return res


def compare(size: str, dump: Path, checks: Checks) -> None:
    import numpy as np
    import pandas as pd

    f = pd.read_parquet(dump / "flowgap_items.parquet")
    p = pd.read_parquet(dump / "pm4py_items.parquet")
    m = f.merge(p, on="item", suffixes=("_f", "_p"), how="outer", indicator=True)
    checks.check(
        size, "pm4py-only: same items", bool((m["_merge"] == "both").all()), f"{len(f)} vs {len(p)}"
    )
    for col in ("touch_s", "wait_s", "window_s", "flow_efficiency", "handoffs"):
        a, b = m[f"{col}_f"].astype(float), m[f"{col}_p"].astype(float)
        same = np.isclose(a, b, rtol=1e-9, atol=1e-6) | (a.isna() & b.isna())
        checks.check(
            size,
            f"pm4py-only {col} = flowgap's",
            bool(same.all()),
            f"{int((~same).sum())} of {len(m)} differ",
        )
    fe = pd.read_parquet(dump / "flowgap_edges.parquet")
    pe = pd.read_parquet(dump / "pm4py_edges.parquet")
    e = fe.merge(pe, on=["from_team", "to_team"], how="outer", suffixes=("_f", "_p"))
    checks.check(
        size,
        "pm4py DFG over team stints = flowgap's handoffs table",
        bool((e["count_f"] == e["count_p"]).all()),
        f"{len(fe)} edges, {int(fe['count'].sum())} handoffs",
    )


def bench_dashboard(ds: Dataset, checks: Checks) -> dict:
    res = measured(
        f"dashboard filter change x{DASHBOARD_CHANGES}",
        task_cmd("dashboard", ds.parquet, ds.config, DASHBOARD_CHANGES),
    )
    f = res["facts"]
    checks.check(
        ds.size,
        "dashboard: every filter change was a cache miss",
        f["cache_misses"] >= DASHBOARD_CHANGES + 2,
        f"{f['cache_misses']} misses",
    )
    checks.check(
        ds.size,
        "dashboard: filters selected a strict subset each time",
        all(0 < k < f["total_items"] for k in f["selected"]),
    )
    return {"filter_change": res}


# --------------------------------------------------------------------------- driver


def machine() -> dict:
    import duckdb
    import pandas
    import pyarrow

    import flowgap

    cpu = "unknown"
    with open("/proc/cpuinfo", encoding="utf-8") as fh:
        for line in fh:
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    mem_kb = 0
    with open("/proc/meminfo", encoding="utf-8") as fh:
        for line in fh:
            if line.startswith("MemTotal"):
                mem_kb = int(line.split()[1])
    from importlib.metadata import version

    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "ram_gib": round(mem_kb / 1024 / 1024, 1),
        "os": f"{platform.system()} {platform.release()}",
        "python": platform.python_version(),
        "flowgap": flowgap.__version__,
        "duckdb": duckdb.__version__,
        "pm4py": version("pm4py"),
        "ibis": version("ibis-framework"),
        "pyarrow": pyarrow.__version__,
        "pandas": pandas.__version__,
        "orjson": version("orjson"),
        "bytecode": bytecode(),
    }


def bytecode() -> dict[str, bool]:
    """Whether each heavy package's modules were compiled ahead of time: without ``.pyc``
    files every process compiles them anew (pm4py's import costs ~2x more CPU)."""
    import importlib.util

    out = {}
    for name in ("flowgap", "pm4py", "pandas", "networkx", "ibis"):
        spec = importlib.util.find_spec(name)
        origin = spec.origin if spec else None
        out[name] = bool(origin) and Path(importlib.util.cache_from_source(origin)).is_file()
    return out


def save(results: dict, size: str, checks: Checks) -> dict:
    """Merge this run's numbers for ``size`` into results.json as it is on disk now (another
    targeted run may have written other sizes meanwhile) and return the merged document."""
    on_disk = orjson.loads(RESULTS.read_bytes()) if RESULTS.is_file() else {"sizes": {}}
    on_disk["machine"] = results["machine"]
    if "story" in results:
        on_disk["story"] = results["story"]
    on_disk.setdefault("sizes", {})[size] = results["sizes"][size]
    mine = {(c["size"], c["check"]) for c in checks.items}
    on_disk["checks"] = [
        c for c in on_disk.get("checks", []) if (c["size"], c["check"]) not in mine
    ] + checks.items
    tmp = RESULTS.with_suffix(".tmp")
    tmp.write_bytes(orjson.dumps(on_disk, option=orjson.OPT_INDENT_2))
    tmp.replace(RESULTS)
    # this size alone as well, to re-merge by hand should an older harness overwrite it
    (CACHE / f"results-{size}.json").write_bytes(
        orjson.dumps(
            {
                "size": size,
                "entry": on_disk["sizes"][size],
                "checks": [c for c in checks.items if c["size"] == size],
            },
            option=orjson.OPT_INDENT_2,
        )
    )
    return on_disk


def run_bench(
    sizes: list[str],
    only: list[str],
    command: str,
    render: bool = True,
    steps: bool = True,
    cli: bool = True,
) -> Checks:
    checks = Checks()
    results = orjson.loads(RESULTS.read_bytes()) if RESULTS.is_file() else {"sizes": {}}
    results["machine"] = machine()
    work = CACHE / "work"
    work.mkdir(parents=True, exist_ok=True)
    if "analyze" in only and cli:
        print("== story", flush=True)
        try:
            results["story"] = {"analyze": bench_story(checks, work), "command": command}
        except TaskFailed as exc:
            checks.check("story", "analyze ran", False, str(exc))
    for size in sizes:
        print(f"== {size}", flush=True)
        ds = dataset(size)
        entry = results["sizes"].setdefault(size, {})
        entry["data"] = {"items": ds.items, "events": ds.events, "files": ds.files()}
        jobs = {
            "ingest": lambda ds=ds: bench_ingest(ds, checks),
            "analyze": lambda ds=ds: bench_analyze(ds, checks, work, steps, cli),
            "pm4py": lambda ds=ds: (
                bench_pm4py(ds, checks, work) if ds.size in PM4PY_SIZES else None
            ),
            "dashboard": lambda ds=ds: (
                bench_dashboard(ds, checks) if ds.size in DASHBOARD_SIZES else None
            ),
        }
        for name in MEASUREMENTS:
            if name not in only:
                continue
            try:
                got = jobs[name]()
            except TaskFailed as exc:
                checks.check(size, f"{name} ran", False, str(exc))
                continue
            if got is not None:
                entry[name] = {**entry.get(name, {}), **got, "command": command}
                if name == "analyze":
                    for key in got:
                        entry[name][key]["command"] = command
        results = save(results, size, checks)
    if render:
        report.render_into(DOC, results)
        print(
            f"results: {RESULTS.relative_to(ROOT)}; tables rendered into {DOC.relative_to(ROOT)}",
            flush=True,
        )
    return checks


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    ap = argparse.ArgumentParser(prog="python -m tests.benchmarks.run", description=__doc__)
    ap.add_argument(
        "--sizes",
        default=",".join(SIZES),
        help=f"comma-separated, of {','.join(SIZES)} (default: all)",
    )
    ap.add_argument(
        "--only",
        default=",".join(MEASUREMENTS),
        help=f"comma-separated, of {','.join(MEASUREMENTS)} (default: all)",
    )
    ap.add_argument(
        "--no-steps",
        action="store_true",
        help="analyze: only the CLI run, not the in-process step-by-step one",
    )
    ap.add_argument(
        "--no-cli",
        action="store_true",
        help="analyze: only the in-process step-by-step run, not the CLI one",
    )
    ap.add_argument(
        "--no-render",
        action="store_true",
        help="only write results.json, leave docs/performance.md alone",
    )
    args = ap.parse_args(argv)
    args.sizes = [s.strip().lower() for s in args.sizes.split(",") if s.strip()]
    args.only = [s.strip().lower() for s in args.only.split(",") if s.strip()]
    bad = [s for s in args.sizes if s not in SIZES] + [
        m for m in args.only if m not in MEASUREMENTS
    ]
    if bad:
        ap.error(f"unknown: {', '.join(bad)}")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    command = "python -m tests.benchmarks.run " + " ".join(
        f"--{k} {','.join(getattr(args, k))}" for k in ("sizes", "only")
    )
    t = time.perf_counter()
    command += " --no-steps" * args.no_steps + " --no-cli" * args.no_cli
    checks = run_bench(
        args.sizes,
        args.only,
        command,
        render=not args.no_render,
        steps=not args.no_steps,
        cli=not args.no_cli,
    )
    print(
        f"done in {time.perf_counter() - t:.0f} s; "
        f"{len(checks.items) - len(checks.failed)} checks ok, {len(checks.failed)} failed"
    )
    return 1 if checks.failed else 0


if __name__ == "__main__":
    sys.exit(main())
