"""Steering touches as the engine's step finds them (engine/steering_touches.py): every kind
of signal on the analysis' own backend, one touch per item and day, the count per item.

The rules of each kind, the meetings file and the de-duplication are checked on hand-built
tables in test_steering.py; here the same log runs through ``flowgap.analyze``."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

from engine_log import at, build, config, row

import flowgap
from flowgap.engine.schemas import STEERING_TOUCHES

RULE = "every wednesday: priority Highest"


def steered_log():
    # Committed Tuesday 6 January (day 1), delivered Thursday 15 January (day 10).
    return build(
        {
            "A": [
                (0, "status", "Backlog"),
                (1, "status", "Ready"),
                (3.25, "status", "Steering Review"),  # Thursday 8 January, 06:00
                (3.5, "label", "steerco"),  # the same day: no second touch
                (4, "status", "Dev"),
                (7.5, "comment", "SteerCo: go ahead"),  # Monday 12 January, 12:00
                (8, "label", None),  # removing the label is no touch
                (10, "status", "Done"),
            ],
            "B": [(0, "status", "Ready"), (2, "comment", "no steering here")],
        },
        A={"priority": "Highest"},
        B={"priority": "Low"},
    )


def steered_config(tmp_path: Path):
    meetings = tmp_path / "meetings.csv"
    meetings.write_text("date,items\n2026-01-14,A\n", encoding="utf-8")
    return config(
        12,
        statuses={"classes": {"Steering Review": "wait"}},
        steering={
            "statuses": ["^Steering"],
            "labels": ["steerco"],
            "comment_pattern": "(?i)steerco",
            "meetings_file": str(meetings),
            "recurring": [{"weekday": "wednesday", "priorities": ["Highest"]}],
        },
    )


def test_every_kind_once_per_item_and_day_through_the_engine(tmp_path: Path) -> None:
    a = flowgap.analyze(steered_log(), steered_config(tmp_path))
    touches = a.steering_touches
    assert touches.schema.remove_metadata() == STEERING_TOUCHES
    assert [tuple(r.values()) for r in touches.to_pylist()] == [
        # Wednesday 7 January: committed the day before, not yet delivered.
        ("A", datetime(2026, 1, 7, tzinfo=UTC), date(2026, 1, 7), "recurring", RULE),
        ("A", at(3.25), date(2026, 1, 8), "status", "Steering Review"),
        ("A", at(7.5), date(2026, 1, 12), "comment", "SteerCo: go ahead"),
        # Wednesday 14 January: the meeting row and the rule at the same moment; meeting wins.
        ("A", datetime(2026, 1, 14, tzinfo=UTC), date(2026, 1, 14), "meeting", "meetings.csv:2"),
    ]
    assert row(a.items, "A")["steering_touches"] == 4
    assert row(a.items, "B")["steering_touches"] == 0
    assert a.warnings == []


def test_a_selection_keeps_the_touches_of_its_items(tmp_path: Path) -> None:
    a = flowgap.analyze(steered_log(), steered_config(tmp_path))
    assert a.select(["B"]).steering_touches.num_rows == 0
    assert a.select(["A"]).steering_touches.equals(a.steering_touches)


def test_a_meetings_file_splits_lines_at_cr_and_lf_only(tmp_path) -> None:
    """A vertical tab or U+2028 inside a row is no line break (it was, with str.splitlines)."""
    from flowgap.engine.steering_touches import read_meetings_file

    path = tmp_path / "meetings.csv"
    path.write_text("date,items\r\n2026-01-07,A-1\x0bA-2\n2026-01-14,B-1\u2028B-2\r", "utf-8")
    rows = read_meetings_file(path)
    assert [(line, str(day), keys) for line, day, keys in rows] == [
        (2, "2026-01-07", ["A-1", "A-2"]),
        (3, "2026-01-14", ["B-1", "B-2"]),
    ]
