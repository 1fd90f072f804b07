"""Team clusters: communities of teams that hand work mostly among themselves (networkx).

The handoff graph pm4py discovered, made undirected (the weight of a pair of teams is the
number of handoffs between them, both ways; self-loops left out), is split into communities by
networkx's greedy modularity maximisation (deterministic: no random seed involved), among the
:data:`CLUSTER_TEAMS` busiest teams when there are more. For each
community of two teams or more: the handoffs between its teams and the waiting after them
(the engine's ``handoff_events``, ``wait_s``): what would disappear if the community were one
team. The best candidate is the community with the most such waiting, as a question for the
organisation, not an order: the teams may be apart for good reasons.
"""

from __future__ import annotations

from typing import Any

import pyarrow as pa

from ..engine.findings import pct
from ..engine.runner import Aggregate
from .handoff_network import team_digraph
from .pm4py_frames import networkx

DAY_S = 86400.0
#: Most teams the communities are sought among: the busiest (most handoffs, both ways).
#: Greedy modularity costs about teams x edges: 3,000 teams of a hostile log took minutes,
#: 300 densely linked teams take about a second. The others belong to no cluster.
CLUSTER_TEAMS = 300
#: Teams a finding names; a bigger cluster is "A, B, C, D and 11 other teams".
NAMED = 4


#: The least share of all the waiting after handoffs a cluster must hold to be asked about.
MIN_WAIT_SHARE = 0.05


def communities(edges: pa.Table) -> list[list[str]]:
    """Communities of the handoff graph (each sorted, the list by size then names)."""
    if edges.num_rows == 0:
        return []
    nx = networkx()
    directed = team_digraph(edges)
    graph = nx.Graph()
    graph.add_nodes_from(sorted(directed.nodes))
    for source, target, data in sorted(directed.edges(data=True)):
        weight = graph.get_edge_data(source, target, {"weight": 0})["weight"]
        graph.add_edge(source, target, weight=weight + data["count"])
    if graph.number_of_nodes() > CLUSTER_TEAMS:
        busiest = sorted(graph.degree(weight="weight"), key=lambda td: (-td[1], td[0]))
        graph = graph.subgraph(sorted(t for t, _ in busiest[:CLUSTER_TEAMS])).copy()
    if graph.number_of_edges() == 0:
        return []
    found = nx.community.greedy_modularity_communities(graph, weight="weight")
    return sorted((sorted(c) for c in found), key=lambda c: (-len(c), c))


def team_clusters(edges: pa.Table, handoff_events: pa.Table) -> dict[str, Any]:
    """The communities with the handoffs and waiting inside each, best candidate first."""
    sources = handoff_events.column("from_team").to_pylist()
    targets = handoff_events.column("to_team").to_pylist()
    waits = handoff_events.column("wait_s").to_pylist()
    total = len(sources)
    teams = {t for t in sources + targets if t is not None}
    found = [members for members in communities(edges) if len(members) >= 2]
    # One pass over the handoffs, each counted in the cluster holding both its teams (a pass
    # per cluster was quadratic: thousands of clusters times every handoff).
    cluster_of = {team: i for i, members in enumerate(found) for team in members}
    counts, sums = [0] * len(found), [0.0] * len(found)
    for source, target, w in zip(sources, targets, waits, strict=True):
        i = cluster_of.get(source)
        if i is not None and cluster_of.get(target) == i:
            counts[i] += 1
            sums[i] += w or 0.0
    rows = []
    for i, members in enumerate(found):
        rows.append(
            {
                "teams": members,
                "handoffs_inside": counts[i],
                "share_of_handoffs": counts[i] / total if total else None,
                "wait_inside_s": sums[i],
                "whole_graph": set(members) >= teams,
            }
        )
    rows.sort(key=lambda r: (-r["wait_inside_s"], -r["handoffs_inside"], r["teams"]))
    ranked = [{"rank": i, **r} for i, r in enumerate(rows, start=1)]
    waited = sum(w or 0.0 for w in waits)
    return {"handoffs": total, "clusters": ranked, "finding": _finding(ranked, waited)}


def _finding(rows: list[dict[str, Any]], waited: float) -> str | None:
    """The best candidate (not the whole graph: "merge everybody" is no question), asked,
    when the waiting inside it is at least :data:`MIN_WAIT_SHARE` of all the waiting after
    handoffs (``waited``): BPI Challenge 2012 was asked whether 18 teams would deliver faster
    as one for 0.1 day of its 8.9 days of such waiting."""
    best = next((r for r in rows if not r["whole_graph"] and r["handoffs_inside"] > 0), None)
    if best is None or best["wait_inside_s"] < MIN_WAIT_SHARE * waited or not waited:
        return None
    teams = best["teams"]
    if len(teams) > NAMED:
        others = len(teams) - NAMED
        names = ", ".join(teams[:NAMED]) + f" and {others} other team{'' if others == 1 else 's'}"
    else:
        names = ", ".join(teams[:-1]) + f" and {teams[-1]}"
    return (
        f"{names} hand work mostly among themselves: {best['handoffs_inside']:,} handoffs "
        f"({pct(best['share_of_handoffs'])} of all) and {best['wait_inside_s'] / DAY_S:,.1f} "
        "days of waiting after them happen inside this group. Would they deliver faster "
        "working as one team?"
    )


STEPS = [
    Aggregate(
        "team_clusters",
        ("handoff_graph", "handoff_events"),
        lambda scope, handoff_graph, handoff_events: team_clusters(handoff_graph, handoff_events),
        columns={"handoff_events": ("from_team", "to_team", "wait_s")},
    )
]
