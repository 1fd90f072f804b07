"""Process maps from the engine's reduced tables, then the analysis of the handoff graph.

The engine has already reduced the log to status segments (``timeline``) and team stints
(``stints``). The process maps are directly-follows graphs with frequency and performance, as
pm4py defines them (``pm4py.discover_dfg`` and ``discover_performance_dfg``): an edge A -> B
for each case where B directly follows A, its count, and the median and mean time from A to B.
The status map is built over status visits (consecutive segments of one status merged), the
handoff graph over team stints. Two-way handoffs (pairs of teams with edges both ways, on any
items; a *ping-pong* is A -> B -> A within one item, counted by the engine) and centrality (degrees,
betweenness) are then read off the handoff graph.

Why not pm4py and networkx themselves: importing pm4py (with pandas and scipy) costs about 3 s
of CPU, half of the budget for a whole analysis of a million events, and its discovery another
second; these are a sort and a group-by over arrays the engine already holds. networkx's import
(0.4 s) cost more than Brandes' algorithm on a graph of a dozen teams. Both remain the
reference: the tests compare every edge with pm4py's own discovery on generated and public
logs, and the centrality and cycles with networkx on random graphs.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from .engine.runner import Aggregate
from .units import US

# Process mining (pm4py, in mining.py): directly-follows edges with frequency and performance.
PROCESS_EDGES = pa.schema(
    [
        ("source", pa.string()),
        ("target", pa.string()),
        ("count", pa.int64()),
        ("median_s", pa.float64()),  # performance: time between leaving source and entering target
        ("mean_s", pa.float64()),
    ]
)

CENTRALITY = pa.schema(
    [
        ("node", pa.string()),
        ("in_degree", pa.int64()),
        ("out_degree", pa.int64()),
        ("betweenness", pa.float64()),
    ]
)

#: The mining layer's tables of an analysis, by name.
TABLES: dict[str, pa.Schema] = {
    "status_map": PROCESS_EDGES,
    "handoff_graph": PROCESS_EDGES,
    "team_centrality": CENTRALITY,
}


@dataclass
class MiningResult:
    status_map: pa.Table
    handoff_graph: pa.Table
    team_centrality: pa.Table
    #: Pairs of teams that hand work to each other both ways (A -> B and B -> A on any
    #: items), sorted.
    two_way_handoffs: list[list[str]] = field(default_factory=list)


def mine(timeline: pa.Table, stints: pa.Table) -> MiningResult:
    """Status process map over status visits, handoff graph over team stints."""
    status = status_map(timeline)
    handoffs = handoff_graph(stints)
    return MiningResult(
        status_map=status,
        handoff_graph=handoffs,
        team_centrality=centrality(handoffs),
        two_way_handoffs=two_way_pairs(handoffs),
    )


def status_map(timeline: pa.Table) -> pa.Table:
    """Directly-follows graph between statuses; performance = time from entering the source
    status to entering the target (the time spent in the source on that visit).

    A segment also ends when the team, assignee or flag changes, which is not a move: runs of
    one status are merged into one visit first."""
    tl = in_order(timeline, "seg")
    case = case_numbers(tl.column("item"))
    status, names = encode(tl.column("status"))
    new = np.ones(len(case), dtype=bool)
    new[1:] = (case[1:] != case[:-1]) | (status[1:] != status[:-1])
    start = _us(tl.column("start"))
    return directly_follows(case[new], status[new], names, start[new])


def handoff_graph(stints: pa.Table) -> pa.Table:
    """Directly-follows graph between the teams of consecutive stints (each edge a handoff);
    performance = time from the start of the source team's stint to the start of the target's."""
    st = in_order(stints, "stint")
    team, names = encode(st.column("team"))
    return directly_follows(case_numbers(st.column("item")), team, names, _us(st.column("start")))


def in_order(table: pa.Table, within: str) -> pa.Table:
    """``table`` in (item, ``within``) order. The engine writes its tables so: checking costs
    a fraction of sorting millions of rows by a text key."""
    n = table.num_rows
    if n < 2:
        return table
    item, key = table.column("item"), table.column(within)
    a, b = item.slice(0, n - 1), item.slice(1)
    back = pc.or_(
        pc.less(b, a), pc.and_(pc.equal(a, b), pc.less(key.slice(1), key.slice(0, n - 1)))
    )
    if not pc.any(back).as_py():
        return table
    return table.sort_by([("item", "ascending"), (within, "ascending")])


def case_numbers(item: pa.ChunkedArray) -> np.ndarray:
    """A number per row, shared by consecutive rows of one item (rows in item order)."""
    n = len(item)
    new = np.ones(n, dtype=bool)
    if n > 1:
        same = pc.equal(item.slice(1), item.slice(0, n - 1))
        new[1:] = ~pc.fill_null(same, False).to_numpy(zero_copy_only=False)
    return np.cumsum(new) - 1


def directly_follows(
    case: np.ndarray, activity: np.ndarray, names: pa.Array, start_us: np.ndarray
) -> pa.Table:
    """The process map (PROCESS_EDGES) of rows ordered by case, then time: ``case`` numbers,
    ``activity`` numbers into ``names`` (-1 for none), start times in microseconds."""
    return DirectlyFollows.build(case, activity, names, start_us).edges()


@dataclass
class DirectlyFollows:
    """The directly-follows pairs of one process map, sorted by (edge, seconds): the map of any
    selection of cases is then a mask away (the dashboard's filtered views use this)."""

    sources: list[str]  # per edge number
    targets: list[str]
    edge: np.ndarray  # per pair
    seconds: np.ndarray
    case: np.ndarray

    @classmethod
    def build(
        cls, case: np.ndarray, activity: np.ndarray, names: pa.Array, start_us: np.ndarray
    ) -> DirectlyFollows:
        case = np.asarray(case, dtype=np.int64)
        activity = np.asarray(activity, dtype=np.int64)
        start_us = np.asarray(start_us, dtype=np.int64)
        follows = np.flatnonzero(case[1:] == case[:-1]) if len(case) > 1 else np.zeros(0, int)
        # pm4py groups pairs by (source, target) with pandas, which drops missing activities.
        follows = follows[(activity[follows] >= 0) & (activity[follows + 1] >= 0)]
        n = len(names)
        pairs, edge = _numbered(activity[follows] * n + activity[follows + 1], n * n)
        order = _order_within(edge, start_us[follows + 1] - start_us[follows], len(pairs))
        labels = names.to_pylist()
        return cls(
            sources=[labels[p // n] for p in pairs],
            targets=[labels[p % n] for p in pairs],
            edge=edge[order],
            seconds=(start_us[follows + 1] - start_us[follows])[order] / US,
            case=case[follows][order],
        )

    def edges(self, selected: np.ndarray | None = None) -> pa.Table:
        """Count, median and mean seconds of each edge, over the cases where ``selected``
        (a boolean per case number) is true, or over all of them."""
        if selected is None:
            edge, seconds = self.edge, self.seconds
        else:
            keep = selected[self.case]
            edge, seconds = self.edge[keep], self.seconds[keep]
        n = len(self.sources)
        if len(edge) == 0:
            return PROCESS_EDGES.empty_table()
        count = np.bincount(edge, minlength=n)
        mean = np.bincount(edge, weights=seconds, minlength=n) / np.maximum(count, 1)
        median = median_sorted(seconds, edge, n)
        rows = [
            {
                "source": self.sources[e],
                "target": self.targets[e],
                "count": int(count[e]),
                "median_s": float(median[e]),
                "mean_s": float(mean[e]),
            }
            for e in np.flatnonzero(count)
        ]
        rows.sort(key=lambda r: (r["source"], r["target"]))
        return pa.Table.from_pylist(rows, schema=PROCESS_EDGES)


def median_sorted(values: np.ndarray, groups: np.ndarray, n: int) -> np.ndarray:
    """Per group 0..n-1, the median (linear interpolation, as pandas) of ``values`` sorted by
    (group, value); NaN for an empty group."""
    counts = np.bincount(groups, minlength=n)
    offset = np.cumsum(counts) - counts
    pos = (counts - 1) * 0.5
    lo = np.floor(pos).astype(np.int64)
    hi = np.ceil(pos).astype(np.int64)
    ok = counts > 0
    a = np.where(ok, values[np.where(ok, offset + lo, 0)], np.nan)
    b = np.where(ok, values[np.where(ok, offset + hi, 0)], np.nan)
    return a + (b - a) * (pos - lo)


def _numbered(pair: np.ndarray, bound: int) -> tuple[np.ndarray, np.ndarray]:
    """(the distinct values of ``pair`` in order, each value's number among them), like
    ``np.unique(pair, return_inverse=True)``; a table lookup instead of a sort when the values
    are below a small ``bound`` (pairs of a few dozen statuses or teams)."""
    if bound > 4 * len(pair) + (1 << 20):
        distinct, number = np.unique(pair, return_inverse=True)
        return distinct, number.astype(np.int64)
    present = np.flatnonzero(np.bincount(pair, minlength=bound))
    lookup = np.zeros(bound, dtype=np.int64)
    lookup[present] = np.arange(len(present))
    return present, lookup[pair]


def _order_within(edge: np.ndarray, duration_us: np.ndarray, n_edges: int) -> np.ndarray:
    """The order of the pairs by (edge, duration): one sort of an int64 key when it fits."""
    if len(edge) == 0:
        return np.zeros(0, dtype=np.int64)
    low, span = int(duration_us.min()), int(duration_us.max() - duration_us.min()) + 1
    if n_edges * span < (1 << 62):
        return np.argsort(edge * span + (duration_us - low))
    return np.lexsort((duration_us, edge))


def encode(column: pa.ChunkedArray | pa.Array) -> tuple[np.ndarray, pa.Array]:
    """(number of each value, -1 for null; the distinct values)."""
    if isinstance(column, pa.ChunkedArray):
        column = column.combine_chunks() if column.num_chunks else pa.array([], column.type)
    encoded = pc.dictionary_encode(column)
    return pc.fill_null(encoded.indices, -1).to_numpy().astype(np.int64), encoded.dictionary


def _us(column: pa.ChunkedArray) -> np.ndarray:
    """Timestamps (us) as int64 microseconds since the epoch."""
    return column.cast(pa.int64()).to_numpy()


def _adjacency(edges: pa.Table) -> dict[str, list[str]]:
    """Each node's successors, self-loops left out, nodes in order of first appearance and
    successors in edge order: the order networkx iterates a graph built edge by edge, so that
    betweenness sums run in the same order and give the same floats."""
    adjacency: dict[str, list[str]] = {}
    sources = edges.column("source").to_pylist()
    targets = edges.column("target").to_pylist()
    for source, target in zip(sources, targets, strict=True):
        adjacency.setdefault(source, [])
        adjacency.setdefault(target, [])
        if source != target:
            adjacency[source].append(target)
    return adjacency


def two_way_pairs(edges: pa.Table) -> list[list[str]]:
    """Two-node cycles A <-> B of a PROCESS_EDGES graph: work that goes back to a team that
    already had it."""
    adjacency = _adjacency(edges)
    pairs = {(s, t) for s, targets in adjacency.items() for t in targets}
    return [list(pair) for pair in sorted({tuple(sorted(p)) for p in pairs if p[::-1] in pairs})]


def centrality(edges: pa.Table) -> pa.Table:
    """In- and out-degree and normalised betweenness of each node of a PROCESS_EDGES graph
    (self-loops ignored), as networkx's ``betweenness_centrality`` computes it."""
    adjacency = _adjacency(edges)
    if not adjacency:
        return CENTRALITY.empty_table()
    betweenness = _betweenness(adjacency)
    in_degree = dict.fromkeys(adjacency, 0)
    for successors in adjacency.values():
        for target in successors:
            in_degree[target] += 1
    rows = [
        {
            "node": node,
            "in_degree": in_degree[node],
            "out_degree": len(adjacency[node]),
            "betweenness": betweenness[node],
        }
        for node in sorted(adjacency)
    ]
    return pa.Table.from_pylist(rows, schema=CENTRALITY)


def _betweenness(adjacency: dict[str, list[str]]) -> dict[str, float]:
    """Brandes' algorithm on an unweighted directed graph, normalised by (n - 1)(n - 2): the
    steps (and float operations) of networkx 3's ``betweenness_centrality``. A dozen teams
    need no library; importing networkx took longer than everything else in this module."""
    betweenness = dict.fromkeys(adjacency, 0.0)
    for s in adjacency:
        order: list[str] = []
        preds: dict[str, list[str]] = {v: [] for v in adjacency}
        sigma = dict.fromkeys(adjacency, 0.0)
        sigma[s] = 1.0
        dist = {s: 0}
        queue = deque([s])
        while queue:  # breadth first: count the shortest paths from s
            v = queue.popleft()
            order.append(v)
            for w in adjacency[v]:
                if w not in dist:
                    queue.append(w)
                    dist[w] = dist[v] + 1
                if dist[w] == dist[v] + 1:
                    sigma[w] += sigma[v]
                    preds[w].append(v)
        delta = dict.fromkeys(order, 0)
        while order:  # back from the farthest: each node's share of the paths through it
            w = order.pop()
            coeff = (1 + delta[w]) / sigma[w]
            for v in preds[w]:
                delta[v] += sigma[v] * coeff
            if w != s:
                betweenness[w] += delta[w]
    n = len(adjacency)
    if n > 2:
        scale = 1 / ((n - 1) * (n - 2))
        for v in betweenness:
            betweenness[v] *= scale
    return betweenness


#: The mining layer's tables of an analysis, computed from the engine's reduced tables of
#: the analysis' selection of items.
STEPS = [
    Aggregate("status_map", ("timeline",), lambda scope, timeline: status_map(timeline)),
    Aggregate("handoff_graph", ("stints",), lambda scope, stints: handoff_graph(stints)),
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
