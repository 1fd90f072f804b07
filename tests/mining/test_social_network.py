"""pm4py's social-network views: handover of work with durations, working together."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pyarrow as pa

from flowgap.mining.social_network import actor_runs, handover, working_together

T0 = datetime(2026, 1, 5, tzinfo=UTC)


def timeline(rows: list[tuple[str, str | None, int]]) -> pa.Table:
    """(item, person, hour the segment starts) in order."""
    seg: dict[str, int] = {}
    out = []
    for item, person, hour in rows:
        seg[item] = seg.get(item, -1) + 1
        out.append(
            {
                "item": item,
                "seg": seg[item],
                "team": None,
                "assignee": person,
                "start": T0 + timedelta(hours=hour),
            }
        )
    return pa.Table.from_pylist(
        out,
        schema=pa.schema(
            [
                ("item", pa.string()),
                ("seg", pa.int64()),
                ("team", pa.string()),
                ("assignee", pa.string()),
                ("start", pa.timestamp("us", "UTC")),
            ]
        ),
    )


TL = timeline(
    [
        # Ann twice in a row (one run), unassigned, then Bob: one handover Ann -> Bob
        # after 4 hours with Ann.
        ("X-1", "Ann", 0),
        ("X-1", "Ann", 2),
        ("X-1", None, 3),
        ("X-1", "Bob", 4),
        # Ann -> Bob after 10 hours, Bob -> Cid after 1 hour.
        ("X-2", "Ann", 0),
        ("X-2", "Bob", 10),
        ("X-2", "Cid", 11),
        # Cid alone.
        ("X-3", "Cid", 0),
    ]
)


def test_runs_merge_one_person_and_leave_out_the_unassigned() -> None:
    runs = actor_runs(TL, "assignee")
    assert runs.column("actor").to_pylist() == ["Ann", "Bob", "Ann", "Bob", "Cid", "Cid"]


def test_handover_counts_and_how_long_the_work_stayed() -> None:
    edges = {(r["source"], r["target"]): r for r in handover(TL, "assignee").to_pylist()}
    assert set(edges) == {("Ann", "Bob"), ("Bob", "Cid")}
    assert edges[("Ann", "Bob")]["count"] == 2
    assert edges[("Ann", "Bob")]["median_s"] == 7 * 3600.0  # 4 h and 10 h
    assert edges[("Bob", "Cid")]["median_s"] == 3600.0


def test_working_together_counts_items_per_pair() -> None:
    rows = working_together(TL, "assignee").to_pylist()
    assert rows == [
        {"a": "Ann", "b": "Bob", "items": 2},
        {"a": "Ann", "b": "Cid", "items": 1},
        {"a": "Bob", "b": "Cid", "items": 1},
    ]


def test_working_together_is_computed_among_the_actors_on_most_items(monkeypatch) -> None:
    """Past TOGETHER_ACTORS actors, the pairs are those among the actors on the most items
    (ties by name), each with the count it has over the whole log."""
    from flowgap.mining import social_network

    log = timeline(
        [
            ("Y-1", "Ann", 0),
            ("Y-1", "Bob", 1),
            ("Y-1", "Dan", 2),
            ("Y-2", "Ann", 0),
            ("Y-2", "Bob", 1),
            ("Y-3", "Bob", 0),
            ("Y-3", "Cid", 1),
            ("Y-4", "Dan", 0),
            ("Y-4", "Eve", 1),
        ]
    )
    everyone = {(r["a"], r["b"]): r["items"] for r in working_together(log, "assignee").to_pylist()}
    # items per person: Bob 3, Ann 2, Dan 2, Cid 1, Eve 1: the three busiest are Bob, Ann, Dan
    monkeypatch.setattr(social_network, "TOGETHER_ACTORS", 3)
    busiest = {(r["a"], r["b"]): r["items"] for r in working_together(log, "assignee").to_pylist()}
    assert busiest == {p: n for p, n in everyone.items() if set(p) <= {"Ann", "Bob", "Dan"}}
    assert busiest[("Ann", "Bob")] == 2 and ("Bob", "Cid") in everyone
