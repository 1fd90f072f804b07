"""The pm4py boundary: process maps from the engine's reduced tables, then networkx on them.

pm4py never sees the raw event table. The engine has already reduced the log to status
segments (``timeline``) and team stints (``stints``); here pm4py discovers the directly-follows
graphs over those, with frequency and performance, and networkx finds ping-pong cycles and
centrality on the resulting small graphs.

pm4py traps handled here (measured on 2.7.23.x): it needs frames sorted by case and time, its
filters break on pandas' arrow-backed strings (cast to ``object``), and importing it costs
about 1.5 s (imported lazily, only when there is something to mine).
"""

from __future__ import annotations

import importlib
import sys
import threading
from dataclasses import dataclass, field

import networkx as nx
import numpy as np
import pandas as pd
import pyarrow as pa

from .engine.schemas import CENTRALITY, PROCESS_EDGES

CASE, ACTIVITY, TIMESTAMP = "case:concept:name", "concept:name", "time:timestamp"

_preloading: threading.Thread | None = None


def preload() -> None:
    """Start importing pm4py in a background thread (idempotent).

    Importing pm4py takes 1.5-2 s of one core. Called when an analysis starts, the import runs
    while the engine works in DuckDB (which releases the GIL) instead of after it; the first
    real use of pm4py simply waits on Python's import lock if the import is not done yet.
    """
    global _preloading
    if _preloading is None and "pm4py" not in sys.modules:
        _preloading = threading.Thread(
            target=importlib.import_module, args=("pm4py",), name="pm4py-import", daemon=True
        )
        _preloading.start()


@dataclass
class MiningResult:
    status_map: pa.Table
    handoff_graph: pa.Table
    team_centrality: pa.Table
    #: Pairs of teams that hand work back and forth (A -> B and B -> A), sorted.
    ping_pong_cycles: list[list[str]] = field(default_factory=list)


def mine(timeline: pa.Table, stints: pa.Table) -> MiningResult:
    """Status process map over status visits, handoff graph over team stints."""
    status = status_map(timeline)
    handoffs = handoff_graph(stints)
    graph = to_networkx(handoffs)
    return MiningResult(
        status_map=status,
        handoff_graph=handoffs,
        team_centrality=centrality(graph),
        ping_pong_cycles=ping_pong_cycles(graph),
    )


def status_visits(timeline: pa.Table) -> pd.DataFrame:
    """One row per visit to a status: consecutive segments of the same status are merged
    (a segment also ends when the team, assignee or flag changes, which is not a move)."""
    df = timeline.select(["item", "seg", "status", "start"]).to_pandas()
    df = df.sort_values(["item", "seg"], kind="stable")
    same_item = df["item"].eq(df["item"].shift())
    same_status = df["status"].eq(df["status"].shift())
    return df.loc[~(same_item & same_status), ["item", "status", "start"]]


def status_map(timeline: pa.Table) -> pa.Table:
    """Directly-follows graph between statuses; performance = time from entering the source
    status to entering the target (the time spent in the source on that visit)."""
    visits = status_visits(timeline)
    return discover_edges(visits, case="item", activity="status", timestamp="start")


def handoff_graph(stints: pa.Table) -> pa.Table:
    """Directly-follows graph between the teams of consecutive stints (each edge a handoff);
    performance = time from the start of the source team's stint to the start of the target's."""
    df = stints.select(["item", "stint", "team", "start"]).to_pandas()
    df = df.sort_values(["item", "stint"], kind="stable")
    return discover_edges(df, case="item", activity="team", timestamp="start")


def discover_edges(df: pd.DataFrame, *, case: str, activity: str, timestamp: str) -> pa.Table:
    """pm4py's frequency and performance DFG of ``df`` (sorted by case, then time) as a
    PROCESS_EDGES table."""
    if df.empty:
        return PROCESS_EDGES.empty_table()
    from pm4py.algo.discovery.dfg.adapters.pandas import df_statistics

    log = pm4py_frame(df, case=case, activity=activity, timestamp=timestamp)
    # The adapter behind pm4py.discover_dfg / discover_performance_dfg, called once for both
    # measures and told the frame is already in case/time order: the public functions each
    # re-check and re-sort the frame, which costs more than the discovery itself at 1M events.
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
                "median_s": _float(perf.get("median")),
                "mean_s": _float(perf.get("mean")),
            }
        )
    return pa.Table.from_pylist(rows, schema=PROCESS_EDGES)


def pm4py_frame(df: pd.DataFrame, *, case: str, activity: str, timestamp: str) -> pd.DataFrame:
    """``df`` in pm4py's column convention: ``object`` strings, datetime64 UTC, in the given
    order (the caller sorts by case and time; ties keep the engine's order)."""
    return pd.DataFrame(
        {
            CASE: df[case].astype(object),
            ACTIVITY: df[activity].astype(object),
            TIMESTAMP: pd.to_datetime(df[timestamp], utc=True),
        }
    ).reset_index(drop=True)


def to_networkx(edges: pa.Table) -> nx.DiGraph:
    """A PROCESS_EDGES table as a directed graph with count/median_s/mean_s on the edges."""
    graph = nx.DiGraph()
    for row in edges.to_pylist():
        graph.add_edge(
            row["source"],
            row["target"],
            count=row["count"],
            median_s=row["median_s"],
            mean_s=row["mean_s"],
        )
    return graph


def ping_pong_cycles(graph: nx.DiGraph) -> list[list[str]]:
    """Two-node cycles A <-> B: work that goes back to a team that already had it."""
    pairs = {
        tuple(sorted(cycle)) for cycle in nx.simple_cycles(graph, length_bound=2) if len(cycle) == 2
    }
    return [list(pair) for pair in sorted(pairs)]


def centrality(graph: nx.DiGraph) -> pa.Table:
    """Degree and betweenness of each team in the handoff graph (self-loops ignored)."""
    if graph.number_of_nodes() == 0:
        return CENTRALITY.empty_table()
    simple = nx.DiGraph(graph)
    simple.remove_edges_from(nx.selfloop_edges(simple))
    betweenness = nx.betweenness_centrality(simple, normalized=True)
    rows = [
        {
            "node": node,
            "in_degree": int(simple.in_degree(node)),
            "out_degree": int(simple.out_degree(node)),
            "betweenness": float(betweenness[node]),
        }
        for node in sorted(simple.nodes)
    ]
    return pa.Table.from_pylist(rows, schema=CENTRALITY)


def _float(value: object) -> float | None:
    if value is None:
        return None
    out = float(value)  # type: ignore[arg-type]
    return None if np.isnan(out) else out
