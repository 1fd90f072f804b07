"""Histories and comments in (created, id) order, whatever order the export holds them in."""

from __future__ import annotations

import random
from datetime import UTC, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from flowgap.ingest.jira_order import ordered, timestamp


def ids(rows: list[tuple]) -> list[object]:
    return [r[1] for r in rows]


def test_timestamp_shapes() -> None:
    assert timestamp("2023-05-02T10:15:30.000+0200") == datetime(2023, 5, 2, 8, 15, 30, tzinfo=UTC)
    assert timestamp("2023-05-02T10:15:30") == datetime(2023, 5, 2, 10, 15, 30, tzinfo=UTC)
    for bad in ("yesterday", None, 5, ""):
        with pytest.raises((TypeError, ValueError)):
            timestamp(bad)


def test_newest_first_oldest_first_and_shuffled() -> None:
    rows = [(f"2023-05-0{d}T10:00:00.000+0200", str(d)) for d in range(1, 8)]
    assert ids(ordered(list(rows))) == ids(rows)
    assert ids(ordered(rows[::-1])) == ids(rows)
    shuffled = rows[1::2] + rows[0::2]
    assert ids(ordered(shuffled)) == ids(rows)


def test_same_time_orders_by_id_as_an_integer() -> None:
    t = "2023-06-04T09:00:00.000+0200"
    rows = [(t, "1000"), (t, "900"), (t, None), (t, "x"), ("2023-06-03T09:00:00.000+0200", "5")]
    # a missing or non-numeric id counts as -1; equal keys keep their (reversed) order
    assert ids(ordered(rows)) == ["5", "x", None, "900", "1000"]


def test_offsets_that_differ_are_compared_as_instants() -> None:
    # 01:30+0100 is 00:30Z, after 00:15Z written as 02:15+0200: the text alone would lie
    rows = [
        ("2023-10-29T01:30:00.000+0100", "3"),
        ("2023-10-28T12:00:00.000+0200", "1"),
        ("2023-10-29T02:15:00.000+0200", "2"),
    ]
    assert ids(ordered(rows)) == ["1", "2", "3"]
    mixed = [("2023-01-01T10:00:00Z", "b"), ("2023-01-01T09:00:00.000+0000", "a")]
    assert ids(ordered(mixed)) == ["a", "b"]


@given(st.lists(st.tuples(st.integers(0, 5), st.integers(0, 3), st.booleans()), max_size=9))
def test_the_order_is_the_instants_then_the_ids(keys: list[tuple[int, int, bool]]) -> None:
    """Whatever the input order and offsets, the result is sorted on (instant, integer id)."""
    rows = []
    for hour, hid, plus_two in keys:
        shown = hour + 2 if plus_two else hour
        offset = "+0200" if plus_two else "+0000"
        rows.append((f"2023-01-01T{shown:02d}:00:00.000{offset}", str(hid)))
    random.Random(len(rows)).shuffle(rows)
    got = ordered(list(rows))
    keyed = [(timestamp(c), int(i)) for c, i in got]
    assert keyed == sorted(keyed)
    assert sorted(got) == sorted(rows)
