"""networkx on the handoff graph pm4py discovered: centrality, two-way pairs of teams and
longer cycles.

The graph is small (one node per team, one edge per pair of teams with a handoff), never
event-level: networkx's algorithms run on it in milliseconds. Cycles are the exception: a
dense graph of hundreds of teams has millions of short cycles, so they are looked for among
the busiest :data:`CYCLE_TEAMS` teams only.
"""

from __future__ import annotations

from typing import Any

import pyarrow as pa
import pyarrow.compute as pc

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


#: The most work (source teams x edges) exact betweenness may take. Brandes' algorithm walks
#: every edge once per source: 6,000 teams took 66 s, a hostile log of 75,000 hours.
BETWEENNESS_WORK = 1_000_000
#: The fewest source teams an estimate samples.
BETWEENNESS_MIN_SOURCES = 32


def betweenness_sources(nodes: int, edges: int) -> int | None:
    """How many source teams betweenness samples (networkx's ``k``), None for all (exact):
    exact while nodes x edges <= :data:`BETWEENNESS_WORK`, else as many as that work allows,
    at least :data:`BETWEENNESS_MIN_SOURCES`."""
    if nodes * max(edges, 1) <= BETWEENNESS_WORK:
        return None
    return min(nodes, max(BETWEENNESS_MIN_SOURCES, BETWEENNESS_WORK // max(edges, 1)))


def centrality(edges: pa.Table) -> pa.Table:
    """In- and out-degree and normalised betweenness (networkx's ``betweenness_centrality``,
    unweighted) of each node of a PROCESS_EDGES graph, self-loops ignored; past
    :data:`BETWEENNESS_WORK`, estimated from :func:`betweenness_sources` source teams
    sampled with a fixed seed (the same graph gives the same numbers)."""
    if edges.num_rows == 0:
        return CENTRALITY.empty_table()
    nx = networkx()
    graph = team_digraph(edges)
    k = betweenness_sources(graph.number_of_nodes(), graph.number_of_edges())
    betweenness = nx.betweenness_centrality(graph, k=k, normalized=True, seed=0)
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


#: Cycles are looked for among this many teams, the busiest by handoffs in and out.
CYCLE_TEAMS = 30
#: Cycles listed.
TOP_CYCLES = 10
#: The fewest handoffs on a cycle's weakest step for it to be listed: a step taken once is a
#: one-off, not work that comes back around (BPI Challenge 2013 listed cycles resting on one
#: handoff, "at least 1 handoffs a step").
MIN_CYCLE_HANDOFFS = 2


def handoff_cycles(edges: pa.Table, longest: int = 4, top: int = TOP_CYCLES) -> list[dict]:
    """Cycles of three to ``longest`` teams (A -> B -> C -> A: work that comes back around,
    on any items) whose weakest step has at least :data:`MIN_CYCLE_HANDOFFS` handoffs, ranked
    by the handoffs on that step; each starts at its first team in name order. Two-team
    cycles are :func:`two_way_pairs`.

    A dense graph of 30 teams has hundreds of thousands of such cycles (4 s to list them
    all). The busiest edges are taken first, in growing batches: once the edges with at
    least c handoffs hold ``top`` cycles, no cycle through a lighter edge can rank above
    them."""
    if edges.num_rows == 0:
        return []
    nx = networkx()
    graph = team_digraph(edges)
    busy = sorted(graph.nodes, key=lambda n: (-graph.degree(n, weight="count"), n))
    graph = graph.subgraph(busy[:CYCLE_TEAMS])
    weighted = sorted(graph.edges(data="count"), key=lambda e: -e[2])
    if not weighted:
        return []
    size = 4 * top
    while True:
        cut = weighted[min(size, len(weighted)) - 1][2]
        heavy = nx.DiGraph()
        heavy.add_weighted_edges_from([e for e in weighted if e[2] >= cut], weight="count")
        found = _cycles(nx, heavy, longest)
        if len(found) >= top or size >= len(weighted):
            return found[:top]
        size *= 2


def _cycles(nx: Any, graph: Any, longest: int) -> list[dict]:
    found = []
    for cycle in nx.simple_cycles(graph, length_bound=longest):
        if len(cycle) < 3:
            continue
        start = cycle.index(min(cycle))
        cycle = cycle[start:] + cycle[:start]
        steps = zip(cycle, cycle[1:] + cycle[:1], strict=True)
        weakest = min(graph.edges[a, b]["count"] for a, b in steps)
        if weakest >= MIN_CYCLE_HANDOFFS:
            found.append({"teams": cycle, "handoffs": weakest})
    found.sort(key=lambda c: (-c["handoffs"], len(c["teams"]), c["teams"]))
    return found


#: The team all but the busiest teams are folded into, where a map shows only those.
OTHER = "other"


def folded_handoffs(handoff_rows: pa.Table, keep: list[str]) -> pa.Table:
    """The handoff edges (the engine's rule, ``build_handoffs``) with every team not in
    ``keep`` renamed :data:`OTHER`; handoffs between two folded teams are left out."""
    # Imported here: the engine's handoff module brings Ibis, which pm4py's worker process
    # (importing this package for its functions) has no use for.
    from ..engine.handoffs import build_handoffs

    kept = pa.array(keep, pa.string())

    def fold(column: pa.ChunkedArray) -> pa.ChunkedArray:
        if pa.types.is_dictionary(column.type):
            column = column.cast(pa.string())
        inside = pc.fill_null(pc.is_in(column, value_set=kept), False)
        return pc.if_else(inside, column, pa.scalar(OTHER))

    rows = handoff_rows.select(["item", "from_team", "to_team", "wait", "is_return"])
    source, target = fold(rows.column("from_team")), fold(rows.column("to_team"))
    rows = rows.set_column(1, "from_team", source).set_column(2, "to_team", target)
    both_folded = pc.and_(pc.equal(source, OTHER), pc.equal(target, OTHER))
    return build_handoffs(rows.filter(pc.invert(both_folded)))


def team_layers(
    timeline: pa.Table, workflow: list[str], keep: list[str] | None = None
) -> dict[str, int]:
    """Each team's layer in the workflow: the position, in ``workflow``, of the median
    status its segments were in (a team that analyses sits above one that tests), so that
    a layered drawing of the handoff graph reads top-down like the status map. Teams never
    in a workflow status come last. With ``keep``, the other teams are one :data:`OTHER`."""
    rank = {status: i for i, status in enumerate(workflow)}
    rows = timeline.select(["team", "status"])
    counts = rows.group_by(["team", "status"]).aggregate([([], "count_all")])
    by_team: dict[str, list[tuple[int, int]]] = {}
    kept = set(keep) if keep is not None else None
    for team, status, n in zip(
        counts["team"].to_pylist(),
        counts["status"].to_pylist(),
        counts["count_all"].to_pylist(),
        strict=True,
    ):
        if team is None:
            continue
        if kept is not None and team not in kept:
            team = OTHER
        entry = by_team.setdefault(team, [])
        if status in rank:
            entry.append((rank[status], n))
    last = len(workflow)
    out = {}
    for team, ranks in by_team.items():
        ranks.sort()
        half, seen, layer = sum(n for _, n in ranks) / 2, 0, last
        for r, n in ranks:
            seen += n
            if seen >= half:
                layer = r
                break
        out[team] = layer
    return out


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
    Aggregate(
        "handoff_cycles",
        ("handoff_graph",),
        lambda scope, handoff_graph: handoff_cycles(handoff_graph),
    ),
]
