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
