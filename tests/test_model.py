"""The canonical model: ordering, combining inputs."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from flowgap.model import LoadResult, events_from_rows, is_sorted, items_from_rows, sort_events

T0 = datetime(2026, 3, 2, tzinfo=UTC)


def row(item: str, minutes: int, seq: int) -> dict:
    return {
        "item": item,
        "ts": T0 + timedelta(minutes=minutes),
        "seq": seq,
        "field": "status",
        "value": "x",
        "prev": None,
        "actor": None,
        "source": "t",
    }


@given(st.lists(st.tuples(st.sampled_from("ABC"), st.integers(0, 3), st.integers(0, 3))))
def test_sort_events_gives_item_ts_seq_order(keys: list[tuple[str, int, int]]) -> None:
    table = events_from_rows(row(i, m, s) for i, m, s in keys)
    got = [(r["item"], r["ts"], r["seq"]) for r in table.to_pylist()]
    assert got == sorted(got)
    assert is_sorted(table)


def test_is_sorted_detects_each_key_out_of_order() -> None:
    import pyarrow as pa

    from flowgap.model import EVENTS_SCHEMA

    def table(rows: list[dict]) -> pa.Table:
        return pa.Table.from_pylist(rows, schema=EVENTS_SCHEMA)

    assert not is_sorted(table([row("B", 0, 0), row("A", 0, 0)]))
    assert not is_sorted(table([row("A", 5, 0), row("A", 1, 0)]))
    assert not is_sorted(table([row("A", 1, 2), row("A", 1, 1)]))
    assert is_sorted(table([row("A", 1, 1), row("A", 1, 1), row("B", 0, 0)]))
    unsorted = table([row("A", 1, 2), row("A", 1, 1)])
    assert sort_events(unsorted).column("seq").to_pylist() == [1, 2]


def test_combine_keeps_first_item_and_every_reject() -> None:
    a = LoadResult(
        events=events_from_rows([row("A", 0, 0)]),
        items=items_from_rows([{"item": "A", "summary": "first"}]),
    )
    b = LoadResult(
        events=events_from_rows([row("A", 1, 0), row("B", 0, 0)]),
        items=items_from_rows([{"item": "A", "summary": "second"}, {"item": "B"}]),
    )
    both = LoadResult.combine([a, b])
    assert both.items.column("summary").to_pylist() == ["first", None]
    assert both.events.num_rows == 3 and is_sorted(both.events)


def test_combine_warns_about_keys_in_several_inputs() -> None:
    def one(*keys: str) -> LoadResult:
        return LoadResult(
            events=events_from_rows([row(k, 0, 0) for k in keys]),
            items=items_from_rows([{"item": k} for k in keys]),
        )

    both = LoadResult.combine([one("A", "B"), one("B", "C"), one("C")])
    [warning] = both.warnings
    assert warning.kind == "duplicate_items"
    assert warning.message.startswith("2 item key(s) appear in more than one input (B, C)")
    assert LoadResult.combine([one("A"), one("B")]).warnings == []


def test_nothing_loaded_names_the_commonest_reasons_without_item_keys() -> None:
    from flowgap.model import InputSummary, Reject, empty_events, empty_items

    rejects = [
        Reject("a.json:1", 'not a Jira issue: no "key"'),
        Reject("a.json:2", 'not a Jira issue: no "key"'),
        Reject("a.json:3", "A-1: fields.created is not a timestamp: None"),
        Reject("a.json:4", "A-2: fields.created is not a timestamp: None"),
        Reject("a.json:5", "malformed JSON: unexpected character"),
    ]
    result = LoadResult(
        events=empty_events(),
        items=empty_items(),
        rejects=rejects,
        inputs=[InputSummary("a.json", "jira-json", 5, 0, 5)],
    )
    assert result.nothing_loaded() == (
        "nothing to analyse: all 5 of 5 input records were rejected"
        ' (2 x not a Jira issue: no "key"; 2 x fields.created is not a timestamp: None;'
        " 1 x malformed JSON: unexpected character); `flowgap inspect` lists each with its source"
    )
    loaded = LoadResult(
        events=empty_events(),
        items=items_from_rows([{"item": "A-3"}]),
        rejects=rejects,
    )
    assert loaded.nothing_loaded() is None


def test_a_source_belongs_to_the_longest_input_name_it_starts_with() -> None:
    from flowgap.model import input_named

    labels = {"x.csv", "d1/x.csv", "a", "a:b"}
    assert input_named("x.csv:3", labels) == "x.csv"
    assert input_named("d1/x.csv:12", labels) == "d1/x.csv"
    assert input_named("a:b:7", labels) == "a:b"  # not "a"
    assert input_named("a:9", labels) == "a"
    assert input_named("x.csv", labels) == "x.csv"
    # Parquet's own provenance, whose times hold colons too: no input's.
    assert input_named("generated:FLOW-10 (FLOW-10 at 2999-02-18T07:00:00Z #3)", labels) is None
    assert input_named(None, labels) is None and input_named("", labels) is None
