"""Communities of teams (networkx) and the handoffs and waiting inside each."""

from __future__ import annotations

import pyarrow as pa
from hand_logs import DAY, edges

from flowgap.mining.team_clusters import communities, team_clusters

#: Handoffs (from, to, wait in days): A and B pass work back and forth, so do C and D; one
#: handoff B -> C joins the pairs.
HANDOFFS = [
    *[("A", "B", 1.0)] * 3,
    *[("B", "A", 2.0)] * 2,
    *[("C", "D", 1.0)] * 2,
    ("D", "C", 1.0),
    ("B", "C", 5.0),
]


def events() -> pa.Table:
    return pa.table(
        {
            "from_team": [h[0] for h in HANDOFFS],
            "to_team": [h[1] for h in HANDOFFS],
            "wait_s": [h[2] * DAY for h in HANDOFFS],
        }
    )


def graph() -> pa.Table:
    counts: dict[tuple[str, str], int] = {}
    for source, target, _ in HANDOFFS:
        counts[(source, target)] = counts.get((source, target), 0) + 1
    return edges(counts)


def test_pairs_that_hand_work_among_themselves_are_communities() -> None:
    assert communities(graph()) == [["A", "B"], ["C", "D"]]


def test_handoffs_and_waiting_inside_each_cluster_best_first() -> None:
    got = team_clusters(graph(), events())
    assert got["handoffs"] == 9
    assert got["clusters"] == [
        {
            "rank": 1,
            "teams": ["A", "B"],
            "handoffs_inside": 5,
            "share_of_handoffs": 5 / 9,
            "wait_inside_s": 7 * DAY,  # 3 x 1 day + 2 x 2 days
            "whole_graph": False,
        },
        {
            "rank": 2,
            "teams": ["C", "D"],
            "handoffs_inside": 3,
            "share_of_handoffs": 3 / 9,
            "wait_inside_s": 3 * DAY,
            "whole_graph": False,
        },
    ]
    assert got["finding"] == (
        "A and B hand work mostly among themselves: 5 handoffs (56% of all) and 7.0 days of "
        "waiting after them happen inside this group. Would they deliver faster working as "
        "one team?"
    )


def test_self_loops_only_make_no_cluster() -> None:
    loops = edges({("A", "A"): 2})
    no_events = pa.table(
        {
            "from_team": pa.array([], pa.string()),
            "to_team": pa.array([], pa.string()),
            "wait_s": pa.array([], pa.float64()),
        }
    )
    assert communities(loops) == []
    assert team_clusters(loops, no_events) == {"handoffs": 0, "clusters": [], "finding": None}


def test_a_big_cluster_is_named_by_its_first_teams() -> None:
    # A ring of six teams and a separate pair: the ring is the candidate.
    ring = ["A", "B", "C", "D", "E", "F"]
    hops = [(ring[i], ring[(i + 1) % 6]) for i in range(6)] + [("X", "Y"), ("Y", "X")]
    counts = {hop: 3 for hop in hops}
    handoff_events = pa.table(
        {
            "from_team": [a for a, _ in hops for _ in range(3)],
            "to_team": [b for _, b in hops for _ in range(3)],
            "wait_s": [DAY] * (3 * len(hops)),
        }
    )
    got = team_clusters(edges(counts), handoff_events)
    assert got["clusters"][0]["teams"] == ring
    assert got["finding"].startswith("A, B, C, D and 2 other teams hand work mostly among")


def test_one_team_past_the_named_ones_is_one_other_team() -> None:
    # A ring of five teams: four named and "1 other team", not "1 other teams".
    ring = ["A", "B", "C", "D", "E"]
    hops = [(ring[i], ring[(i + 1) % 5]) for i in range(5)] + [("X", "Y"), ("Y", "X")]
    handoff_events = pa.table(
        {
            "from_team": [a for a, _ in hops for _ in range(3)],
            "to_team": [b for _, b in hops for _ in range(3)],
            "wait_s": [DAY] * (3 * len(hops)),
        }
    )
    got = team_clusters(edges({hop: 3 for hop in hops}), handoff_events)
    assert got["clusters"][0]["teams"] == ring
    assert got["finding"].startswith("A, B, C, D and 1 other team hand work mostly among")


def test_past_the_cap_communities_are_sought_among_the_busiest_teams() -> None:
    """A log of thousands of teams is clustered among its busiest: greedy modularity over
    every team took minutes."""
    from flowgap.mining import team_clusters as module

    counts = {("A", "B"): 9, ("B", "A"): 9, ("C", "D"): 9}
    counts |= {(f"T{i:04d}", f"T{i + 1:04d}"): 1 for i in range(0, 2 * module.CLUSTER_TEAMS, 2)}
    found = communities(edges(counts))
    assert found[:2] == [["A", "B"], ["C", "D"]]
    clustered = {team for members in found for team in members}
    assert len(clustered) <= module.CLUSTER_TEAMS


def test_a_cluster_holding_little_of_the_waiting_is_not_asked_about() -> None:
    """BPI Challenge 2012 was asked whether 18 teams would deliver faster as one for 0.1 day
    of its 8.9 days of waiting after handoffs: the question needs 5% of that waiting."""
    little = [("A", "B", 0.01), ("B", "A", 0.01), ("C", "D", 0.5), ("D", "C", 0.5)]
    table = pa.table(
        {
            "from_team": [h[0] for h in little] + ["B"],
            "to_team": [h[1] for h in little] + ["C"],
            "wait_s": [h[2] * DAY for h in little] + [50 * DAY],
        }
    )
    counts = {(s, t): 1 for s, t, _ in little} | {("B", "C"): 1}
    got = team_clusters(edges(counts), table)
    assert [c["teams"] for c in got["clusters"]] == [["C", "D"], ["A", "B"]]
    assert got["clusters"][0]["wait_inside_s"] == 1.0 * DAY  # 2% of 51.02 days
    assert got["finding"] is None
    # the same cluster holding 5% of the waiting is asked about
    table = table.set_column(2, "wait_s", pa.array([h[2] * DAY for h in little] + [18 * DAY]))
    assert team_clusters(edges(counts), table)["finding"].startswith("C and D hand work")
