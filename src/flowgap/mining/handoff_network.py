"""networkx on the handoff graph pm4py discovered: centrality and two-way pairs of teams.

The graph is small (one node per team, one edge per pair of teams with a handoff), never
event-level: networkx's algorithms run on it in milliseconds.
"""

from __future__ import annotations

from typing import Any

import pyarrow as pa

from ..engine.runner import Aggregate
from .pm4py_frames import networkx

CENTRALITY = pa.schema(
    [
        ("node", pa.string()),
        ("in_degree", pa.int64()),
        ("out_degree", pa.int64()),
        ("betweenness", pa.float64()),
    ]
)


def team_digraph(edges: pa.Table) -> Any:
    """The handoff graph as a networkx ``DiGraph`` without self-loops (a team handing work to
    itself is no path between teams), edges carrying ``count``; a team seen only on a
    self-loop stays a node."""
    nx = networkx()
    graph = nx.DiGraph()
    sources = edges.column("source").to_pylist()
    targets = edges.column("target").to_pylist()
    counts = edges.column("count").to_pylist()
    # Built edge by edge in the table's (sorted) order: the iteration order, and so the
    # floating-point sums of betweenness, do not depend on anything else.
    for source, target, count in zip(sources, targets, counts, strict=True):
        graph.add_edge(source, target, count=count)
    graph.remove_edges_from(list(nx.selfloop_edges(graph)))
    return graph


def centrality(edges: pa.Table) -> pa.Table:
    """In- and out-degree and normalised betweenness (networkx's ``betweenness_centrality``,
    unweighted) of each node of a PROCESS_EDGES graph, self-loops ignored."""
    if edges.num_rows == 0:
        return CENTRALITY.empty_table()
    nx = networkx()
    graph = team_digraph(edges)
    betweenness = nx.betweenness_centrality(graph, normalized=True)
    rows = [
        {
            "node": node,
            "in_degree": graph.in_degree(node),
            "out_degree": graph.out_degree(node),
            "betweenness": betweenness[node],
        }
        for node in sorted(graph.nodes)
    ]
    return pa.Table.from_pylist(rows, schema=CENTRALITY)


def two_way_pairs(edges: pa.Table) -> list[list[str]]:
    """Two-node cycles A <-> B of a PROCESS_EDGES graph (networkx's ``simple_cycles`` with a
    length bound of 2): teams that hand work to each other both ways, on any items."""
    if edges.num_rows == 0:
        return []
    nx = networkx()
    cycles = nx.simple_cycles(team_digraph(edges), length_bound=2)
    return [list(pair) for pair in sorted({tuple(sorted(c)) for c in cycles if len(c) == 2})]


STEPS = [
    Aggregate(
        "team_centrality",
        ("handoff_graph",),
        lambda scope, handoff_graph: centrality(handoff_graph),
    ),
    Aggregate(
        "two_way_handoffs",
        ("handoff_graph",),
        lambda scope, handoff_graph: two_way_pairs(handoff_graph),
    ),
]
