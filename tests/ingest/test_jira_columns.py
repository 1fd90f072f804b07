"""The column lists of a Jira JSON load become the canonical tables: runs expanded, seq
numbered (initial events first), events in (item, ts, seq) order."""

from __future__ import annotations

from datetime import UTC, datetime

from flowgap.ingest.jira_columns import Columns
from flowgap.model import EVENTS_SCHEMA, ITEMS_SCHEMA


def _issue(cols: Columns, key: str, hist: list[tuple], initial: list[tuple], comments: list[tuple]):
    """One issue as the walk appends it: histories, then initial events, then comments."""
    n_hist = sum(len(fields) for _, fields in hist)
    cols.r_item.append(key)
    cols.r_item_n.append(n_hist + len(initial) + len(comments))
    cols.r_hist_n.append(n_hist)
    cols.r_init_n.append(len(initial))
    for ts, fields in hist:
        cols.g_ts.append(ts)
        cols.g_actor.append("Ann")
        cols.g_source.append(f"f:{key}#{ts}")
        cols.g_n.append(len(fields))
        for field, value in fields:
            cols.e_field.append(field)
            cols.e_value.append(value)
            cols.e_prev.append(None)
    created = initial[0][0]
    cols.g_ts.append(created)
    cols.g_actor.append(None)
    cols.g_source.append(f"f:{key}")
    cols.g_n.append(len(initial))
    for _, field, value in initial:
        cols.e_field.append(field)
        cols.e_value.append(value)
        cols.e_prev.append(None)
    for ts, text in comments:
        cols.g_ts.append(ts)
        cols.g_actor.append("Bob")
        cols.g_source.append(f"f:{key}#c")
        cols.g_n.append(1)
        cols.e_field.append("comment")
        cols.e_value.append(text)
        cols.e_prev.append(None)


def test_events_in_canonical_order_with_seq() -> None:
    cols = Columns()
    day = "2023-05-0{}T10:00:00.000+0000"
    _issue(
        cols,
        "B-1",
        [(day.format(3), [("status", "Doing"), ("assignee", "Ann")])],
        [(day.format(1), "created", None), (day.format(1), "status", "To Do")],
        [(day.format(2), "hello")],
    )
    _issue(cols, "A-9", [], [(day.format(5), "created", None)], [])
    events = cols.events_table()
    assert events.schema == EVENTS_SCHEMA
    got = [(e["item"], e["ts"].day, e["seq"], e["field"], e["actor"]) for e in events.to_pylist()]
    assert got == [
        ("A-9", 5, 0, "created", None),
        ("B-1", 1, 0, "created", None),
        ("B-1", 1, 1, "status", None),
        ("B-1", 2, 4, "comment", "Bob"),
        ("B-1", 3, 2, "status", "Ann"),
        ("B-1", 3, 3, "assignee", "Ann"),
    ]


def test_empty_load_and_items() -> None:
    cols = Columns()
    assert cols.events_table().num_rows == 0
    assert cols.items_table().schema == ITEMS_SCHEMA
    for name, value in {
        "item": "K-1",
        "project": "K",
        "type": None,
        "priority": None,
        "summary": "s",
        "created": "2023-05-02T10:15:30.000+0200",
        "resolved": None,
        "current_status": "Done",
        "labels": ["a"],
        "components": [],
        "story_points": 3.0,
    }.items():
        cols.items[name].append(value)
    row = cols.items_table().to_pylist()[0]
    assert row["created"] == datetime(2023, 5, 2, 8, 15, 30, tzinfo=UTC)
    assert (row["labels"], row["components"], row["story_points"]) == (["a"], [], 3.0)
