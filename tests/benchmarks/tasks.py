"""The measured work, one task per fresh process: ``python -m tests.benchmarks.tasks TASK ...``.

Each task times its own work (after imports) and prints one line ``RESULT {json}`` on stdout:
``inner_s`` (the timed work, wall clock), ``inner_cpu_s`` (CPU time of the same work, all
threads: what a loaded machine distorts least), ``phases`` (seconds per step) and ``facts``
(counts the harness checks for correctness). The parent measures the whole process' wall time,
CPU time and peak RSS.
"""

from __future__ import annotations

import gzip
import resource
import sys
import time
from pathlib import Path

import orjson

_CPU0 = [0.0]


def _cpu() -> float:
    """CPU time of this process (all threads) and of the children it waited for (the pm4py
    worker of an analysis)."""
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return time.process_time() + children.ru_utime + children.ru_stime


def start() -> float:
    """Start the timed work: remember the CPU clock, return the wall clock."""
    _CPU0[0] = _cpu()
    return time.perf_counter()


def emit(inner_s: float, phases: dict | None = None, **facts: object) -> None:
    from .measure import vm_hwm_kb

    facts["vm_hwm_kb"] = vm_hwm_kb()
    doc = {
        "inner_s": inner_s,
        "inner_cpu_s": _cpu() - _CPU0[0],
        "phases": phases or {},
        "facts": facts,
    }
    sys.stdout.write("RESULT " + orjson.dumps(doc).decode() + "\n")
    sys.stdout.flush()


def parse_orjson(path: Path) -> None:
    """Merely parse the same bytes: read the file (gunzip when .gz) and orjson.loads per line."""
    t = start()
    opener = gzip.open if path.suffix == ".gz" else open
    issues = histories = 0
    with opener(path, "rb") as fh:
        for line in fh:
            if line.strip():
                doc = orjson.loads(line)
                issues += 1
                histories += len(doc.get("changelog", {}).get("histories", ()))
    emit(time.perf_counter() - t, issues=issues, histories=histories, bytes=path.stat().st_size)


def ingest(path: Path, config_path: Path) -> None:
    import flowgap
    from flowgap.config import Config

    config = Config.load(config_path)
    t = start()
    result = flowgap.load([path], config)
    inner = time.perf_counter() - t
    emit(
        inner,
        events=result.events.num_rows,
        items=result.items.num_rows,
        records_read=sum(i.records_read for i in result.inputs),
        records_loaded=sum(i.records_loaded for i in result.inputs),
        records_rejected=sum(i.records_rejected for i in result.inputs),
        bytes=path.stat().st_size,
    )


def jira_split(path: Path, config_path: Path) -> None:
    """Where a Jira JSON load's CPU time goes: merely reading the file into Python objects
    (``jira_shapes``, a pass of its own), the rules' walk over them, turning the column lists
    into Arrow arrays (``flush``) and building the canonical tables. Phases in CPU seconds."""
    from contextlib import ExitStack
    from unittest import mock

    from flowgap.config import Config
    from flowgap.ingest import jira_columns, jira_fields, jira_json, jira_shapes

    config = Config.load(config_path)
    spent = {"flush": 0.0, "tables": 0.0}

    def timed(owner: type, name: str, phase: str):
        inner = getattr(owner, name)

        def run(*args, **kwargs):
            c = time.process_time()
            flushed = spent["flush"]
            try:
                return inner(*args, **kwargs)
            finally:
                # a flush inside a table's building counts as a flush
                spent[phase] += time.process_time() - c - (spent["flush"] - flushed)

        return mock.patch.object(owner, name, run)

    c = time.process_time()
    for _ in jira_shapes.JiraFile(path):
        pass
    parse = time.process_time() - c
    with ExitStack() as patches:
        patches.enter_context(timed(jira_columns.Columns, "flush", "flush"))
        for owner, name in (
            (jira_columns.Columns, "events_table"),
            (jira_columns.Columns, "items_table"),
            (jira_fields.People, "named"),
        ):
            patches.enter_context(timed(owner, name, "tables"))
        t = start()
        result = jira_json.load(path, config)
        inner = time.perf_counter() - t
        total = time.process_time() - _CPU0[0]
    walk = total - parse - spent["flush"] - spent["tables"]
    emit(
        inner,
        {"parse (a pass of its own)": parse, "walk": walk, **spent, "load": total},
        events=result.events.num_rows,
        bytes=path.stat().st_size,
    )


def phases(parquet: Path, config_path: Path, out: Path, dump: Path) -> None:
    """flowgap in-process, step by step: load, analyze, build and write the reports
    (json, md, csv, junit), then dump the per-item metrics and handoff edges for comparison.
    pm4py runs in its worker process as in the CLI (its CPU time counted)."""
    import pyarrow.parquet as pq

    import flowgap
    from flowgap.config import Config
    from flowgap.mining import PM4PY_STEPS, pm4py_worker
    from flowgap.report import json_report
    from flowgap.report.run import write_reports

    from .measure import vm_hwm_kb

    config = Config.load(config_path)
    steps: dict[str, float] = {}
    t0 = t = start()
    pm4py_worker.start()
    result = flowgap.load([parquet], config)
    steps["load"] = time.perf_counter() - t
    peaks = {"load": vm_hwm_kb() / 1e3}
    t = time.perf_counter()
    analysis = flowgap.analyze(result, config)
    analysis.prefetch(PM4PY_STEPS)
    analysis.complete()  # every table, not only the rows
    steps["analyze"] = time.perf_counter() - t
    peaks["analyze"] = vm_hwm_kb() / 1e3
    t = time.perf_counter()
    report = json_report.build_report(analysis, [], None)
    write_reports(analysis, report, out, ["json", "md", "csv", "junit"])
    pm4py_worker.stop()
    steps["reports"] = time.perf_counter() - t
    peaks["reports"] = vm_hwm_kb() / 1e3
    inner = time.perf_counter() - t0
    dump.mkdir(parents=True, exist_ok=True)
    cols = ["item", "touch_s", "wait_s", "window_s", "flow_efficiency", "handoffs"]
    pq.write_table(analysis.items.select(cols), dump / "flowgap_items.parquet")
    pq.write_table(
        analysis.handoffs.select(["from_team", "to_team", "count"]), dump / "flowgap_edges.parquet"
    )
    emit(
        inner,
        steps,
        events=result.events.num_rows,
        items=analysis.items.num_rows,
        handoff_edges=analysis.handoffs.num_rows,
        peak_mb_after={k: round(v * 1.024) for k, v in peaks.items()},
    )


def pm4py_only(parquet: Path, config_path: Path, dump: Path) -> None:
    from .pm4py_only import compute

    t = start()
    items, edges, steps = compute(parquet, config_path)
    inner = time.perf_counter() - t
    handover_edges = steps.pop("handover_edges")
    dump.mkdir(parents=True, exist_ok=True)
    items.to_parquet(dump / "pm4py_items.parquet")
    edges.to_parquet(dump / "pm4py_edges.parquet")
    emit(inner, steps, items=len(items), handoff_edges=len(edges), handover_edges=handover_edges)


def dashboard(parquet: Path, config_path: Path, n: int) -> None:
    """A filter change, server side: what the router and filter-option callbacks run when the
    URL's filters change (DataService.view -> filtered analyze, the overview page's layout,
    the filter options) and the JSON encoding of the page Dash sends back. ``n`` distinct date
    windows, each a cache miss."""
    import json
    import tempfile
    from datetime import timedelta

    import plotly.utils

    from flowgap.config import Config
    from flowgap.dashboard import create_app
    from flowgap.dashboard.filters import Filters, options, to_query
    from flowgap.dashboard.pages import overview

    config = Config.load(config_path)
    with tempfile.TemporaryDirectory() as tmp:
        app = create_app(config, [parquet], session_root=tmp)
        service = app._flowgap_service  # type: ignore[attr-defined]

        cpu: list[float] = []

        def change(filters: Filters) -> tuple[float, int]:
            c = time.process_time()  # all threads of the process (DuckDB's too)
            t = time.perf_counter()
            view = service.view(None, filters)  # route callback
            page = overview.layout(view, to_query(filters))
            json.dumps(page, cls=plotly.utils.PlotlyJSONEncoder)
            again = service.view(None, filters)  # filter-options callback (cache hit)
            options(again.full.items, again.full.timeline)
            cpu.append(time.process_time() - c)
            return time.perf_counter() - t, view.selected

        first_s, total = change(Filters())  # first page: load + unfiltered analysis
        created = service.view(None, Filters()).full.items["created"].to_pylist()
        lo, hi = min(created).date(), max(created).date()
        span = (hi - lo).days
        width = max(span // 4, 1)
        step = max((span - width) / max(n - 1, 1), 1)
        times, selected = [], []
        for i in range(n):
            start = lo + timedelta(days=round(i * step))
            f = Filters(start=start, end=start + timedelta(days=width))
            dt, kept = change(f)
            times.append(dt)
            selected.append(kept)
        hits, misses = service.cache.hits, service.cache.misses
    emit(
        sum(times),
        {"first_page": first_s},
        times=times,
        cpu_times=cpu[1:],
        selected=selected,
        total_items=total,
        window_days=width,
        cache_hits=hits,
        cache_misses=misses,
    )


def main(argv: list[str]) -> None:
    task, *args = argv
    if task == "orjson":
        parse_orjson(Path(args[0]))
    elif task == "ingest":
        ingest(Path(args[0]), Path(args[1]))
    elif task == "jira-split":
        jira_split(Path(args[0]), Path(args[1]))
    elif task == "phases":
        phases(Path(args[0]), Path(args[1]), Path(args[2]), Path(args[3]))
    elif task == "pm4py":
        pm4py_only(Path(args[0]), Path(args[1]), Path(args[2]))
    elif task == "dashboard":
        dashboard(Path(args[0]), Path(args[1]), int(args[2]))
    else:
        raise SystemExit(f"unknown task {task!r}")


if __name__ == "__main__":
    main(sys.argv[1:])
