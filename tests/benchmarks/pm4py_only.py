"""The same item metrics and handoff graph as flowgap, computed the pm4py-only way.

What a competent pm4py user would write without flowgap's engine, with the sample's
flowgap.toml as the definition of status classes and blocked time (DESIGN section 5):

1. read the canonical events (the same Parquet flowgap reads) into pandas, keep the status,
   team and flag changes, sort them by item, time and sequence (pm4py needs sorted input);
2. ``pm4py.format_dataframe`` and ``pm4py.convert_to_event_log``;
3. walk every trace of the EventLog (pm4py's object model) to rebuild the piecewise-constant
   state and sum touch (active, not flagged, not in a blocked status) inside the flow window
   [first entry into wait/active, last entry into done or as_of), and the team stints;
4. the handoff graph with pm4py's discovery over the team stints: ``pm4py.discover_dfg``
   (frequency), ``pm4py.discover_performance_dfg`` (performance) and
   ``pm4py.discover_handover_of_work_network`` (pm4py's social network; it returns fractions).

Assignee changes are change points of flowgap's timeline too, but they change neither the
class nor the team of a segment, so leaving them out gives the same sums.
"""

from __future__ import annotations

import time
import tomllib
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

CASE, ACT, TS = "case:concept:name", "concept:name", "time:timestamp"


def rules(config_path: Path) -> tuple[dict[str, str], set[str], bool]:
    cfg = tomllib.loads(config_path.read_text(encoding="utf-8"))
    statuses = cfg.get("statuses", {})
    flow = cfg.get("flow", {})
    return (
        dict(statuses.get("classes", {})),
        set(statuses.get("blocked", [])),
        bool(flow.get("flagged_is_blocked", True)),
    )


def compute(events_path: Path, config_path: Path) -> tuple[pd.DataFrame, pd.DataFrame, dict]:
    """(items: item, touch_s, wait_s, window_s, flow_efficiency, handoffs;
    edges: from_team, to_team, count, mean_s; phase timings in seconds, plus
    ``handover_edges``: the number of edges of pm4py's handover-of-work network)."""
    phases: dict[str, float] = {}
    t = time.perf_counter()
    import pm4py  # flowgap imports it lazily inside its timed work too

    phases["import_pm4py"] = time.perf_counter() - t
    t = time.perf_counter()
    classes, blocked_statuses, flag_blocks = rules(config_path)
    table = pq.read_table(events_path, columns=["item", "ts", "seq", "field", "value"])
    as_of = pc.max(table["ts"]).as_py()
    table = table.filter(
        pc.is_in(table["field"].cast(pa.string()), value_set=pa.array(["status", "team", "flag"]))
    )
    df = table.to_pandas(types_mapper=None)
    for col in ("item", "field", "value"):
        df[col] = df[col].astype(object)  # pm4py trips on pandas' arrow strings
    df = df.sort_values(["item", "ts", "seq"], kind="stable")
    phases["read"] = time.perf_counter() - t

    t = time.perf_counter()
    df = pm4py.format_dataframe(df, case_id="item", activity_key="field", timestamp_key="ts")
    df = df.sort_values([CASE, TS, "seq"], kind="stable")
    phases["format_dataframe"] = time.perf_counter() - t

    t = time.perf_counter()
    log = pm4py.convert_to_event_log(df)
    phases["convert_to_event_log"] = time.perf_counter() - t

    t = time.perf_counter()
    as_of = pd.Timestamp(as_of)
    rows = []
    stint_rows = []
    for trace in log:
        case = trace.attributes["concept:name"]
        status = team = None
        flagged = False
        start = None
        committed = last_done = None
        segs = []  # (start, end, status, team, flagged): positive length, but the last
        for e in trace:
            ts = e[TS]
            if start is not None and ts > start:
                segs.append((start, ts, status, team, flagged))
            if start is None or ts > start:
                start = ts
            kind, value = e[ACT], e.get("value")
            if not isinstance(value, str):  # a cleared value arrives as NaN (truthy!)
                value = None
            if kind == "status":
                status = value
                cls = classes.get(value)
                if committed is None and cls in ("wait", "active"):
                    committed = ts
                if cls == "done":
                    last_done = ts
            elif kind == "team":
                team = value
            elif kind == "flag":
                flagged = bool(value)
        if start is not None and as_of >= start:
            # flowgap keeps the state in force at as_of even when it began at as_of itself
            # (an item handed over by the log's very last event has that handoff)
            segs.append((start, as_of, status, team, flagged))
        delivered = last_done if classes.get(status) == "done" else None
        touch = 0.0
        window = None
        if committed is not None:
            w_end = delivered if delivered is not None else as_of
            window = max((w_end - committed).total_seconds(), 0.0)
            for s, e_, st, _tm, fl in segs:
                if classes.get(st) != "active" or st in blocked_statuses or (fl and flag_blocks):
                    continue
                lo, hi = max(s, committed), min(e_, w_end)
                if hi > lo:
                    touch += (hi - lo).total_seconds()
        stints = 0
        last_team = None
        for s, _e, _st, tm, _fl in segs:
            if tm is not None and tm != last_team:
                stint_rows.append((case, tm, s, stints))
                stints += 1
                last_team = tm
        rows.append(
            (
                case,
                touch if window is not None else None,
                (window - touch) if window is not None else None,
                window,
                (touch / window) if window else None,
                max(stints - 1, 0),
            )
        )
    items = pd.DataFrame(
        rows, columns=["item", "touch_s", "wait_s", "window_s", "flow_efficiency", "handoffs"]
    )
    phases["trace_walk"] = time.perf_counter() - t

    t = time.perf_counter()
    stint_df = pd.DataFrame(stint_rows, columns=["item", "team", "start", "stint"])
    stint_df = pm4py.format_dataframe(
        stint_df, case_id="item", activity_key="team", timestamp_key="start"
    )
    stint_df = stint_df.sort_values([CASE, TS, "stint"], kind="stable")
    freq, _starts, _ends = pm4py.discover_dfg(stint_df)
    perf, _s, _e = pm4py.discover_performance_dfg(stint_df)
    # its pandas variant fails on pandas 3 (variants become arrow lists); the EventLog one works
    handover = pm4py.discover_handover_of_work_network(
        pm4py.convert_to_event_log(stint_df), resource_key=ACT
    )
    edges = pd.DataFrame(
        [
            (
                a,
                b,
                n,
                perf.get((a, b), {}).get("mean")
                if isinstance(perf.get((a, b)), dict)
                else perf.get((a, b)),
            )
            for (a, b), n in freq.items()
        ],
        columns=["from_team", "to_team", "count", "mean_s"],
    )
    phases["handoff_graph"] = time.perf_counter() - t
    phases["handover_edges"] = len(handover.connections)
    return items, edges, phases
