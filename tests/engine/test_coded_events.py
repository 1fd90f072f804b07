"""Staging (engine/coded_events.py): the canonical events as the engine reads them, items and
change values as int64 codes, times as int64 microseconds, nothing after ``as_of``."""

from __future__ import annotations

from collections.abc import Iterator

import pyarrow as pa
import pytest
from engine_log import at

from flowgap.config import Config
from flowgap.engine.backend import Backend, connect
from flowgap.engine.coded_events import CodedEvents, coded_events
from flowgap.engine.runner import RunContext
from flowgap.model import LoadResult, events_from_rows, items_from_rows

US = 1_000_000


@pytest.fixture
def backend() -> Iterator[Backend]:
    be = connect("duckdb")
    yield be
    be.close()


def us(day: float) -> int:
    return round(at(day).timestamp() * US)


def staged(result: LoadResult, as_of_day: float, backend: Backend) -> CodedEvents:
    run = RunContext(
        result=result,
        config=Config(),
        as_of=at(as_of_day),
        as_of_us=us(as_of_day),
        backend=backend,
        classes={},
        stall_us=None,
    )
    return coded_events(run)


def event(item: str, day: float, field: str, value: str | None, seq: int = 0) -> dict:
    return {"item": item, "ts": at(day), "seq": seq, "field": field, "value": value}


def test_items_and_change_values_become_codes_and_nothing_after_as_of_is_read(backend):
    events = events_from_rows(
        [
            event("B-2", 1, "status", "Dev"),
            event("A-1", 0, "status", "Ready"),
            event("A-1", 0.5, "comment", "not a change point"),
            event("A-1", 1, "assignee", None),  # cleared
            event("C-3", 2, "status", "Ready"),
            event("A-1", 5, "status", "Done"),  # after as_of: left out
        ]
    )
    coded = staged(LoadResult(events=events, items=items_from_rows([])), 4, backend)
    # Items are numbered in sorted order, so an order by code is an order by key.
    assert coded.names.to_pylist() == ["A-1", "B-2", "C-3"]
    # Only the values of change points (status, team, assignee, flag) get a code.
    assert sorted(coded.value_names.to_pylist()) == ["Dev", "Ready"]
    rows = backend.to_arrow(coded.events).sort_by([("item", "ascending"), ("t", "ascending")])
    values = coded.value_names.to_pylist()
    got = [
        (r["item"], r["t"], r["field"], None if r["vcode"] is None else values[r["vcode"]])
        for r in rows.to_pylist()
    ]
    assert got == [
        (0, us(0), "status", "Ready"),
        (0, us(0.5), "comment", None),
        (0, us(1), "assignee", None),
        (1, us(1), "status", "Dev"),
        (2, us(2), "status", "Ready"),
    ]
    assert coded.first_t == us(0)
    assert coded.value_codes == {name: code for code, name in enumerate(values)}
    decoded = coded.decode_items(pa.table({"item": pa.array([2, 0], pa.int64()), "x": [1, 2]}))
    assert decoded.column("item").to_pylist() == ["C-3", "A-1"]


def test_created_is_the_items_table_value_else_the_first_event(backend):
    events = events_from_rows(
        [event("A-1", 2, "status", "Ready"), event("B-2", 3, "status", "Ready")]
    )
    items = items_from_rows([{"item": "A-1", "created": at(1)}])  # B-2 is not in the table
    coded = staged(LoadResult(events=events, items=items), 4, backend)
    created = backend.to_arrow(coded.created).sort_by("item").to_pylist()
    assert created == [{"item": 0, "created": us(1)}, {"item": 1, "created": us(3)}]
