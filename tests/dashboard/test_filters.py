"""URL query <-> filters, and which items each filter keeps, on hand-made tables."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pyarrow as pa

from flowgap.dashboard.filters import Filters, from_query, options, selected_items, to_query
from flowgap.engine import schemas
from flowgap.model import LoadResult, events_from_rows, items_from_rows
from selection_reference import subset

AS_OF = datetime(2026, 3, 31, tzinfo=UTC)


def ts(month: int, day: int) -> datetime:
    return datetime(2026, month, day, 12, tzinfo=UTC)


def items_table() -> pa.Table:
    rows = [
        # item, project, type, labels, created, delivered
        ("A-1", "A", "Story", ["steerco"], ts(1, 5), ts(1, 20)),
        ("A-2", "A", "Bug", [], ts(2, 1), None),  # open until as_of
        ("B-1", "B", "Story", ["x", "steerco"], ts(3, 10), ts(3, 12)),
        ("B-2", None, None, None, ts(1, 1), ts(1, 2)),
    ]
    cols = {name: [] for name in schemas.ITEMS.names}
    for key, project, type_, labels, created, delivered in rows:
        for name in schemas.ITEMS.names:
            cols[name].append(None)
        cols["item"][-1], cols["project"][-1], cols["type"][-1] = key, project, type_
        cols["labels"][-1], cols["created"][-1], cols["delivered"][-1] = labels, created, delivered
    return pa.table(cols, schema=schemas.ITEMS)


def timeline_table() -> pa.Table:
    rows = [("A-1", "Dev"), ("A-1", "QA"), ("A-2", "Dev"), ("B-1", None), ("B-2", "Ops")]
    cols = {name: [None] * len(rows) for name in schemas.TIMELINE.names}
    cols["item"] = [r[0] for r in rows]
    cols["team"] = [r[1] for r in rows]
    cols["seg"] = list(range(len(rows)))
    return pa.table(cols, schema=schemas.TIMELINE)


def keep(query: str) -> list[str]:
    return sorted(selected_items(items_table(), timeline_table(), from_query(query), AS_OF))


def test_query_round_trip_is_canonical():
    f = from_query("?team=QA&from=2026-01-01&team=Dev&bogus=1&type=Bug&team=QA")
    assert f == Filters(start=date(2026, 1, 1), team=("Dev", "QA"), type=("Bug",))
    assert to_query(f) == "?from=2026-01-01&type=Bug&team=Dev&team=QA"
    assert to_query(f, {"item": "A-1"}) == "?from=2026-01-01&type=Bug&team=Dev&team=QA&item=A-1"
    assert to_query(Filters()) == ""
    assert from_query("?from=not-a-date").start is None
    assert f.key() == from_query(to_query(f)).key()
    assert not Filters().active and f.active


def test_each_filter_keeps_the_right_items():
    assert keep("") == ["A-1", "A-2", "B-1", "B-2"]
    assert keep("?project=A") == ["A-1", "A-2"]
    assert keep("?project=A&project=B") == ["A-1", "A-2", "B-1"]  # null project never matches
    assert keep("?type=Story") == ["A-1", "B-1"]
    assert keep("?label=steerco") == ["A-1", "B-1"]
    assert keep("?label=x&label=nothing") == ["B-1"]
    assert keep("?team=QA") == ["A-1"]
    assert keep("?team=Dev") == ["A-1", "A-2"]
    assert keep("?team=Dev&type=Bug") == ["A-2"]


def test_date_range_keeps_items_alive_in_it():
    # Life = [created, delivered or as_of]; the range is inclusive of both days.
    assert keep("?from=2026-01-21") == ["A-2", "B-1"]  # A-1 delivered on the 20th
    assert keep("?from=2026-01-20") == ["A-1", "A-2", "B-1"]
    assert keep("?to=2026-01-04") == ["B-2"]
    assert keep("?to=2026-01-05") == ["A-1", "B-2"]
    assert keep("?from=2026-03-11&to=2026-03-11") == ["A-2", "B-1"]  # A-2 open until as_of
    assert keep("?from=2026-04-01") == []


def test_subset_keeps_only_selected_items():
    events = events_from_rows(
        [{"item": k, "ts": ts(1, 1), "seq": 0, "field": "created"} for k in ("A-1", "A-2", "B-1")]
    )
    items = items_from_rows([{"item": k} for k in ("A-1", "A-2", "B-1")])
    result = LoadResult(events=events, items=items)
    part = subset(result, {"A-2", "B-1"})
    assert part.events["item"].to_pylist() == ["A-2", "B-1"]
    assert part.items["item"].to_pylist() == ["A-2", "B-1"]
    assert part.events.schema == events.schema


def test_options_are_distinct_the_most_used_first():
    opts = options(items_table(), timeline_table())
    assert opts == {
        "project": ["A", "B"],
        "type": ["Story", "Bug"],
        "team": ["Dev", "Ops", "QA"],  # Dev has two segments; Ops and QA one, by name
        "label": ["steerco", "x"],
    }


def test_a_dropdown_lists_the_most_used_values_and_finds_the_rest_when_typed():
    from flowgap.dashboard.filters import OPTIONS_SHOWN, shown_options

    values = [f"Team {i:05}" for i in range(OPTIONS_SHOWN * 3)]  # ranked: most used first
    listed = shown_options(values, [])
    assert listed == values[:OPTIONS_SHOWN]
    # A value asked for by the URL stays listed, even one the data lacks.
    assert shown_options(values, ["Team 00899", "Gone"]) == sorted(
        [*values[:OPTIONS_SHOWN], "Team 00899", "Gone"]
    )
    assert shown_options(values, [], "team 0089") == [f"Team {i:05}" for i in range(890, 900)]
    assert len(shown_options(values, [], "TEAM")) == OPTIONS_SHOWN
    assert shown_options(values, [], "nobody") == []


def test_bad_dates_in_the_url_are_named() -> None:
    from flowgap.dashboard.filters import bad_dates

    assert bad_dates("?from=2025-13-01&to=2025-02-01&team=QA") == ["from=2025-13-01"]
    assert bad_dates("?from=2025-01-01&to=yesterday") == ["to=yesterday"]
    assert bad_dates("?team=QA") == [] and bad_dates(None) == []
