"""pm4py's own discovery of the process maps: the reference flowgap's maps are checked against.

The same reduction as ``flowgap.mining`` (status visits, team stints) handed to pm4py's
frequency and performance DFG (the adapter behind ``pm4py.discover_dfg`` and
``discover_performance_dfg``). pm4py traps handled here (measured on 2.7.23.x): it needs frames
sorted by case and time, and its filters break on pandas' arrow-backed strings (``object``).
"""

from __future__ import annotations

import math

import pandas as pd
import pyarrow as pa

from flowgap.mining import PROCESS_EDGES

CASE, ACTIVITY, TIMESTAMP = "case:concept:name", "concept:name", "time:timestamp"


def status_map(timeline: pa.Table) -> pa.Table:
    df = timeline.select(["item", "seg", "status", "start"]).to_pandas()
    df = df.sort_values(["item", "seg"], kind="stable")
    same_item = df["item"].eq(df["item"].shift())
    same_status = df["status"].eq(df["status"].shift())
    visits = df.loc[~(same_item & same_status), ["item", "status", "start"]]
    return discover_edges(visits, case="item", activity="status", timestamp="start")


def handoff_graph(stints: pa.Table) -> pa.Table:
    df = stints.select(["item", "stint", "team", "start"]).to_pandas()
    df = df.sort_values(["item", "stint"], kind="stable")
    return discover_edges(df, case="item", activity="team", timestamp="start")


def discover_edges(df: pd.DataFrame, *, case: str, activity: str, timestamp: str) -> pa.Table:
    """pm4py's frequency and performance DFG of ``df`` (sorted by case, then time)."""
    if df.empty:
        return PROCESS_EDGES.empty_table()
    from pm4py.algo.discovery.dfg.adapters.pandas import df_statistics

    log = pd.DataFrame(
        {
            CASE: df[case].astype(object),
            ACTIVITY: df[activity].astype(object),
            TIMESTAMP: pd.to_datetime(df[timestamp], utc=True),
        }
    ).reset_index(drop=True)
    frequency, performance = df_statistics.get_dfg_graph(
        log,
        measure="both",
        activity_key=ACTIVITY,
        case_id_glue=CASE,
        timestamp_key=TIMESTAMP,
        perf_aggregation_key="all",
        sort_caseid_required=False,
        sort_timestamp_along_case_id=False,
    )
    rows = []
    for (source, target), count in sorted(frequency.items()):
        perf = performance.get((source, target), {})
        rows.append(
            {
                "source": source,
                "target": target,
                "count": int(count),
                "median_s": float(perf["median"]),
                "mean_s": float(perf["mean"]),
            }
        )
    return pa.Table.from_pylist(rows, schema=PROCESS_EDGES)


def assert_same_map(got: pa.Table, reference: pa.Table) -> None:
    """Same edges in the same order with the same counts; times equal up to float rounding
    (pm4py sums and interpolates seconds in another order)."""
    a, b = got.to_pylist(), reference.to_pylist()
    assert [(r["source"], r["target"], r["count"]) for r in a] == [
        (r["source"], r["target"], r["count"]) for r in b
    ]
    for x, y in zip(a, b, strict=True):
        for key in ("median_s", "mean_s"):
            assert math.isclose(x[key], y[key], rel_tol=1e-12, abs_tol=1e-6), (x, y, key)
