"""The process maps from the engine's reduced tables; numbers checked by hand."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pyarrow as pa
import pytest

from flowgap.engine.schemas import STINTS, TIMELINE
from flowgap.mining import mine

T0 = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
H = timedelta(hours=1)
DAY = 86400.0


def at(hours: float) -> datetime:
    return T0 + hours * H


def timeline_table(rows: list[tuple[str, str, float, float]]) -> pa.Table:
    """(item, status, start_h, end_h) -> TIMELINE rows (only the columns mining reads matter)."""
    out, seg = [], {}
    for item, status, start, end in rows:
        n = seg.get(item, 0)
        seg[item] = n + 1
        duration = (end - start) * 3600.0
        out.append(
            {
                "item": item,
                "seg": n,
                "status": status,
                "class": "wait",
                "team": None,
                "assignee": None,
                "flagged": False,
                "blocked": False,
                "start": at(start),
                "end": at(end),
                "duration_s": duration,
                "in_window_s": duration,
                "touch_s": 0.0,
                "wait_s": duration,
            }
        )
    return pa.Table.from_pylist(out, schema=TIMELINE)


def stints_table(rows: list[tuple[str, str, float, float]]) -> pa.Table:
    out, n, prev = [], {}, {}
    for item, team, start, end in rows:
        k = n.get(item, 0)
        n[item] = k + 1
        out.append(
            {
                "item": item,
                "stint": k,
                "team": team,
                "prev_team": prev.get(item),
                "start": at(start),
                "end": at(end),
                "duration_s": (end - start) * 3600.0,
                "touch_s": 0.0,
                "queue_s": 0.0,
            }
        )
        prev[item] = team
    return pa.Table.from_pylist(out, schema=STINTS)


def edges(table: pa.Table) -> dict[tuple[str, str], tuple[int, float, float]]:
    return {
        (r["source"], r["target"]): (r["count"], r["median_s"], r["mean_s"])
        for r in table.to_pylist()
    }


def test_status_map_merges_repeated_segments_and_measures_time_in_source() -> None:
    timeline = timeline_table(
        [
            # A: Ready(0-24) -> In Dev(24-30) split by a team change at 27 -> Done(30-..)
            ("A", "Ready", 0, 24),
            ("A", "In Dev", 24, 27),
            ("A", "In Dev", 27, 30),
            ("A", "Done", 30, 40),
            # B: Ready(0-48) -> In Dev(48-50) -> Ready(50-52) -> In Dev(52-60)
            ("B", "Ready", 0, 48),
            ("B", "In Dev", 48, 50),
            ("B", "Ready", 50, 52),
            ("B", "In Dev", 52, 60),
        ]
    )
    got = edges(mine(timeline, STINTS.empty_table()).status_map)
    # Ready -> In Dev: A after 24 h, B after 48 h and 2 h: median 24 h, mean (24+48+2)/3 h.
    assert got[("Ready", "In Dev")] == (3, 24 * 3600.0, (24 + 48 + 2) / 3 * 3600.0)
    # In Dev -> Done only for A, after 6 h in In Dev (the split at 27 is not a move).
    assert got[("In Dev", "Done")] == (1, 6 * 3600.0, 6 * 3600.0)
    assert got[("In Dev", "Ready")] == (1, 2 * 3600.0, 2 * 3600.0)
    assert ("In Dev", "In Dev") not in got
    assert len(got) == 3


def test_handoff_graph_counts_equal_stint_changes_and_finds_ping_pong() -> None:
    stints = stints_table(
        [
            ("A", "Dev", 0, 10),
            ("A", "QA", 10, 30),
            ("A", "Dev", 30, 34),
            ("A", "QA", 34, 40),
            ("B", "Dev", 0, 5),
            ("B", "QA", 5, 8),
            ("B", "Ops", 8, 9),
            ("C", "Ops", 0, 1),
        ]
    )
    result = mine(timeline_table([]), stints)
    got = edges(result.handoff_graph)
    # Dev -> QA: A twice (after 10 h and 4 h), B once (after 5 h) -> median 5 h, mean 19/3 h.
    assert got[("Dev", "QA")] == (3, 5 * 3600.0, 19 / 3 * 3600.0)
    assert got[("QA", "Dev")] == (1, 20 * 3600.0, 20 * 3600.0)
    assert got[("QA", "Ops")] == (1, 3 * 3600.0, 3 * 3600.0)
    assert sum(c for c, _, _ in got.values()) == 5  # = stints (8) - items (3)
    assert result.two_way_handoffs == [["Dev", "QA"]]
    table = {r["node"]: r for r in result.team_centrality.to_pylist()}
    assert table["QA"]["in_degree"] == 1 and table["QA"]["out_degree"] == 2
    # QA lies on the only shortest path Dev -> Ops: betweenness 1 / ((3-1)(3-2)) = 0.5.
    assert table["QA"]["betweenness"] == pytest.approx(0.5)
    assert table["Dev"]["betweenness"] == 0.0


def test_empty_inputs_give_empty_tables() -> None:
    result = mine(timeline_table([]), STINTS.empty_table())
    assert result.status_map.num_rows == 0
    assert result.handoff_graph.num_rows == 0
    assert result.team_centrality.num_rows == 0
    assert result.two_way_handoffs == []


def us(values) -> pa.Array:
    """Microseconds since the epoch as UTC timestamps."""
    return pa.array(values, pa.int64()).cast(pa.timestamp("us", "UTC"))


def test_directly_follows_paths_for_many_activities_and_huge_durations() -> None:
    import numpy as np

    from flowgap.mining import directly_follows

    # 3,000 distinct activities: numbered by np.unique instead of a lookup table.
    names = pa.array([f"T{i:04d}" for i in range(3000)])
    case = np.array([0, 0, 0, 1, 1])
    act = np.array([2999, 5, 2999, 2999, 5])
    start = np.array([0, 4_000_000, 10_000_000, 0, 2_000_000])
    got = edges(directly_follows(case, names.take(act), us(start)))
    assert got == {("T2999", "T0005"): (2, 3.0, 3.0), ("T0005", "T2999"): (1, 6.0, 6.0)}
    # Durations spanning more than 2**62 us in total: sorted by (edge, duration) all the same.
    big = 1 << 61
    case = np.array([0, 0, 1, 1, 2, 2, 3, 3])
    act = np.array([0, 1, 0, 1, 1, 0, 0, 1])
    start = np.array([0, big, 0, 1, 0, 7, 0, 3])
    got = edges(directly_follows(case, pa.array(["A", "B"]).take(act), us(start)))
    assert got[("A", "B")] == (3, 3e-6, (big + 1 + 3) / 3 / 1e6)
    assert got[("B", "A")] == (1, 7e-6, 7e-6)


def test_activity_and_path_sliders_are_pm4py_dfg_filtering() -> None:
    from hand_logs import edges as edge_table
    from hand_logs import visits

    from flowgap.mining.process_maps import filtered_map, visits_map

    paths = visits(
        {
            "A": ["Ready", "Dev", "Done"],
            "B": ["Ready", "Dev", "Done"],
            "C": ["Ready", "Dev", "Review", "Done"],
            "D": ["Ready", "Blocked", "Dev", "Done"],
        }
    )
    status_map = visits_map(paths)

    def pairs(table: pa.Table) -> set[tuple[str, str]]:
        return set(zip(table["source"].to_pylist(), table["target"].to_pylist(), strict=True))

    assert filtered_map(status_map, paths) is status_map
    # pm4py keeps ceil((5 - 1) x 0.4) + 1 = 3 statuses, the most visited: the three every item
    # visits; the side trips through Review and Blocked go with their edges.
    assert pairs(filtered_map(status_map, paths, activities=0.4)) == {
        ("Ready", "Dev"),
        ("Dev", "Done"),
    }
    # Of 6 edges, the busiest share (the two taken 3 times); the statuses left without an
    # edge go too.
    assert pairs(filtered_map(status_map, paths, paths=0.3)) == {("Ready", "Dev"), ("Dev", "Done")}
    assert pairs(filtered_map(status_map, paths, activities=0.6)) == {
        ("Ready", "Dev"),
        ("Dev", "Done"),
        ("Dev", "Review"),  # ceil(4 x 0.6) + 1 = 4 statuses: Review wins the tie by name
        ("Review", "Done"),
    }
    assert filtered_map(edge_table({}), paths, 0.5, 0.5).num_rows == 0


def test_a_drawn_map_keeps_its_busiest_statuses() -> None:
    from flowgap.mining.process_maps import PROCESS_EDGES, busiest_map, map_statuses

    def edges(rows):
        return pa.Table.from_pylist(
            [
                {"source": s, "target": t, "count": n, "median_s": 1.0, "mean_s": 1.0}
                for s, t, n in rows
            ],
            schema=PROCESS_EDGES,
        )

    chain = edges([("A", "B", 5), ("B", "C", 4), ("C", "D", 1), ("B", "E", 2)])
    assert busiest_map(chain, limit=5) is chain  # no more statuses than the limit: as it is
    # weights (moves in and out): A 5, B 11, C 5, D 1, E 2; three kept: B, then A and C by name
    kept = busiest_map(chain, limit=3)
    assert kept.select(["source", "target"]).to_pylist() == [
        {"source": "A", "target": "B"},
        {"source": "B", "target": "C"},
    ]
    assert (map_statuses(chain), map_statuses(kept)) == (5, 3)
