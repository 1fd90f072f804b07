"""The process maps: pm4py's directly-follows graphs over the engine's reduced tables.

The engine has already reduced the log to status segments (``timeline``) and team stints
(``stints``), one to two orders of magnitude fewer rows than events. pm4py discovers the
directly-follows graph with frequency and performance from them, as ``pm4py.discover_dfg``
and ``discover_performance_dfg`` define it: an edge A -> B for each case where B directly
follows A, its count, and the median and mean time from A to B.

The status map is built over status visits (consecutive segments of one status merged), the
handoff graph over team stints. Both go through pm4py's pandas DFG adapter (the function
behind those two) once:

- the simplified interface would sort the frame twice and compute the graph twice, and its
  sort does not know the engine's sequence number (:mod:`.pm4py_frames` hands pm4py frames
  already in order, and pm4py is told not to sort);
- the adapter's frequency measure builds an activity x activity pivot table and walks it
  row by row in Python: quadratic in the number of teams (0.7-0.85 s for the 442 teams of
  the BPI Challenge 2013 log, measured on a loaded 2-core machine). Its performance measure
  aggregates pm4py's directly-follows pairs with the pandas aggregations it is given; asking
  it for ``count``, ``median`` and ``mean`` gives the same counts and times in one group-by
  (0.04 s there).

Checked against the hand-written discovery this replaced, on the sample logs, the story log
and the public helpdesk, running-example, BPI Challenge 2012 and 2013 logs: the same edges,
counts and medians; the means the same up to the last bits (pandas sums in another order).
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from ..engine.runner import Aggregate
from . import pm4py_worker
from .pm4py_frames import (
    ACTIVITY,
    CASE,
    TIMESTAMP,
    case_numbers,
    event_frame,
    in_order,
    pm4py,
)

PROCESS_EDGES = pa.schema(
    [
        ("source", pa.string()),
        ("target", pa.string()),
        ("count", pa.int64()),
        ("median_s", pa.float64()),  # performance: time between entering source and target
        ("mean_s", pa.float64()),
    ]
)


def status_map(timeline: pa.Table) -> pa.Table:
    """Directly-follows graph between statuses; performance = time from entering the source
    status to entering the target (the time spent in the source on that visit).

    A segment also ends when the team, assignee or flag changes, which is not a move: runs of
    one status are merged into one visit first."""
    return visits_map(status_visits(timeline))


def visits_map(visits: pa.Table) -> pa.Table:
    """The status map of :func:`status_visits` rows."""
    return directly_follows(visits.column("item"), visits.column("status"), visits.column("start"))


def status_visits(timeline: pa.Table) -> pa.Table:
    """item, status, start, end of each status visit, in (item, time) order: the segments of
    the timeline with consecutive segments of one status merged."""
    tl = in_order(timeline.select(["item", "seg", "status", "start", "end"]), "seg")
    n = tl.num_rows
    if n == 0:
        return pa.table(
            {
                "item": pa.array([], pa.string()),
                "status": pa.array([], pa.string()),
                "start": pa.array([], pa.timestamp("us", "UTC")),
                "end": pa.array([], pa.timestamp("us", "UTC")),
            }
        )
    case = case_numbers(tl.column("item"))
    status = tl.column("status")
    new = np.ones(n, dtype=bool)
    same_status = pc.fill_null(pc.equal(status.slice(1), status.slice(0, n - 1)), False)
    new[1:] = (case[1:] != case[:-1]) | ~same_status.to_numpy(zero_copy_only=False)
    first = np.flatnonzero(new)
    last = np.append(first[1:] - 1, n - 1)
    item = tl.column("item")
    if pa.types.is_dictionary(item.type):
        item = item.cast(pa.string())
    return pa.table(
        {
            "item": item.take(first),
            "status": status.take(first),
            "start": tl.column("start").take(first),
            "end": tl.column("end").take(last),
        }
    )


def start_end(visits: pa.Table) -> tuple[dict[str, int], dict[str, int]]:
    """How many items' paths begin, and end, at each status (visits in item, time order)."""
    n = visits.num_rows
    if n == 0:
        return {}, {}
    item = visits.column("item")
    status = visits.column("status")
    other = pc.invert(pc.fill_null(pc.equal(item.slice(1), item.slice(0, n - 1)), False))
    changes = other.to_numpy(zero_copy_only=False)
    first = np.concatenate([[True], changes])  # an item's first visit: the path begins
    last = np.concatenate([changes, [True]])  # its last: the path ends
    return _counts(status.filter(pa.array(first))), _counts(status.filter(pa.array(last)))


def _counts(values: pa.ChunkedArray) -> dict[str, int]:
    """value -> count, in the order of first appearance (Arrow's value_counts keeps it)."""
    counted = pc.value_counts(values)
    return dict(
        zip(counted.field("values").to_pylist(), counted.field("counts").to_pylist(), strict=True)
    )


def filtered_map(
    status_map: pa.Table, visits: pa.Table, activities: float = 1.0, paths: float = 1.0
) -> pa.Table:
    """The status map with pm4py's own DFG filtering (the sliders of process-mining tools):
    the most frequent ``activities`` share of statuses, then the most frequent ``paths``
    share of edges, each keeping every status reachable from a start and able to reach an
    end. 1.0 and 1.0 keep everything."""
    if status_map.num_rows == 0 or (activities >= 1.0 and paths >= 1.0):
        return status_map
    pm4py()  # the preloaded module, or its import now
    from pm4py.algo.filtering.dfg import dfg_filtering

    rows = status_map.to_pylist()
    dfg = {(r["source"], r["target"]): r["count"] for r in rows}
    starts, ends = start_end(visits)
    counts: dict[str, int] = {}
    for status in visits.column("status").to_pylist():
        counts[status] = counts.get(status, 0) + 1
    if activities < 1.0:
        dfg, starts, ends, counts = dfg_filtering.filter_dfg_on_activities_percentage(
            dfg, starts, ends, counts, activities
        )
    if paths < 1.0:
        dfg, starts, ends, counts = dfg_filtering.filter_dfg_on_paths_percentage(
            dfg, starts, ends, counts, paths
        )
    keep = pa.array([(r["source"], r["target"]) in dfg for r in rows])
    return status_map.filter(keep)


#: The most statuses a drawn status map shows. A log can have thousands of statuses: a map of
#: them reads as a hairball, and Graphviz takes minutes to lay it out.
MAP_STATUSES = 50


def busiest_map(status_map: pa.Table, limit: int = MAP_STATUSES) -> pa.Table:
    """The edges of ``status_map`` among its ``limit`` busiest statuses (most moves in and
    out, ties by name): what every drawing of the map shows. The map itself when it has no
    more statuses than that."""
    weight: dict[str, int] = {}
    rows = status_map.select(["source", "target", "count"]).to_pylist()
    for r in rows:
        for status in (r["source"], r["target"]):
            weight[status] = weight.get(status, 0) + int(r["count"] or 0)
    if len(weight) <= limit:
        return status_map
    kept = set(sorted(weight, key=lambda s: (-weight[s], s is None, s or ""))[:limit])
    return status_map.filter(pa.array([r["source"] in kept and r["target"] in kept for r in rows]))


def map_statuses(status_map: pa.Table) -> int:
    """How many statuses ``status_map`` connects."""
    ends = pa.concat_arrays([status_map.column(c).combine_chunks() for c in ("source", "target")])
    return len(pc.unique(ends))


def handoff_graph(stints: pa.Table) -> pa.Table:
    """Directly-follows graph between the teams of consecutive stints (each edge a handoff);
    performance = time from the start of the source team's stint to the start of the target's."""
    st = in_order(stints.select(["item", "stint", "team", "start"]), "stint")
    return directly_follows(st.column("item"), st.column("team"), st.column("start"))


def directly_follows(
    case: np.ndarray | pa.ChunkedArray | pa.Array,
    activity: pa.ChunkedArray | pa.Array,
    start: pa.ChunkedArray | pa.Array,
) -> pa.Table:
    """The process map (PROCESS_EDGES) of rows ordered by case, then time: pm4py's frequency
    and performance DFG. A null activity makes no edge (pm4py's grouping leaves it out)."""
    if len(activity) < 2:
        return PROCESS_EDGES.empty_table()
    if not isinstance(case, np.ndarray):
        case = case_numbers(case)
    return pm4py_worker.call(_discover, np.asarray(case, dtype=np.int64), activity, start)


def _discover(
    case: np.ndarray, activity: pa.ChunkedArray | pa.Array, start: pa.ChunkedArray | pa.Array
) -> pa.Table:
    """pm4py's frequency and performance DFG of :func:`directly_follows`' rows (where pm4py
    runs: :mod:`.pm4py_worker`)."""
    frame = event_frame(case, activity, start)
    pm4py()  # the preloaded module, or its import now
    from pm4py.algo.discovery.dfg.adapters.pandas import df_statistics

    performance = df_statistics.get_dfg_graph(
        frame,
        measure="performance",
        activity_key=ACTIVITY,
        case_id_glue=CASE,
        timestamp_key=TIMESTAMP,
        perf_aggregation_key=["count", "median", "mean"],
        sort_caseid_required=False,
        sort_timestamp_along_case_id=False,
    )
    median, mean = performance["median"], performance["mean"]
    rows = [
        {
            "source": source,
            "target": target,
            "count": int(count),
            "median_s": float(median[(source, target)]),
            "mean_s": float(mean[(source, target)]),
        }
        for (source, target), count in sorted(performance["count"].items())
    ]
    return pa.Table.from_pylist(rows, schema=PROCESS_EDGES)


STEPS = [
    # The visits are shared by the status map, the variants and the conformance check.
    Aggregate(
        "status_visits",
        ("timeline",),
        lambda scope, timeline: status_visits(timeline),
        columns={"timeline": ("item", "seg", "status", "start", "end")},
    ),
    Aggregate(
        "status_map",
        ("status_visits",),
        lambda scope, status_visits: visits_map(status_visits),
    ),
    Aggregate(
        "handoff_graph",
        ("stints",),
        lambda scope, stints: handoff_graph(stints),
        columns={"stints": ("item", "stint", "team", "start")},
    ),
]
