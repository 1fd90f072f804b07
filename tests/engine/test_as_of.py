"""The moment of an analysis (engine/as_of.py): ``[flow] as_of`` or the latest timestamp of the
data, the warnings a given one earns, and that nothing after it counts."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from engine_log import CLASSES, DAY, analyze, at, build, config, row

from flowgap.config import Config
from flowgap.engine.as_of import resolve_as_of
from flowgap.model import LoadResult, empty_events, items_from_rows


def test_as_of_before_the_end_of_the_data_ignores_later_events_and_items():
    log = build(
        {
            "A": [(0, "status", "Ready"), (1, "status", "Dev"), (5, "status", "Done")],
            "LATE": [(4, "status", "Ready")],  # created after as_of
        }
    )
    a = analyze(log, config(3))
    assert a.items.column("item").to_pylist() == ["A"]
    r = row(a.items, "A")
    assert r["is_open"] is True and r["current_status"] == "Dev"
    assert r["window_s"] == 3 * DAY and r["touch_s"] == 2 * DAY  # Dev 1..3
    assert max(s["end"] for s in a.timeline.to_pylist()) == at(3)


def test_as_of_outside_the_data_is_reported():
    log = build({"A": [(0, "status", "Ready"), (1, "status", "Dev")]})

    def kinds(analysis):
        return [(w.kind, w.message) for w in analysis.warnings if w.kind.startswith("as_of")]

    assert kinds(analyze(log, config(8))) == []  # 7 days after the last event: fine
    assert kinds(analyze(log, config(9))) == [
        (
            "as_of_after_data",
            "as_of 2026-01-14T00:00:00Z is 8 days after the last event (2026-01-06T00:00:00Z): "
            "open items count as waiting (or working) until then",
        )
    ]
    assert kinds(analyze(log, config(-1))) == [
        (
            "as_of_before_data",
            "as_of 2026-01-04T00:00:00Z is before the first event (2026-01-05T00:00:00Z): "
            "no item existed yet, so nothing is measured",
        )
    ]
    # Without a given as_of (the latest event) there is nothing to say.
    assert kinds(analyze(log, Config.from_dict({"statuses": {"classes": CLASSES}}))) == []


def test_as_of_before_the_data_with_a_workflow_order_measures_nothing():
    log = build({"A": [(0, "status", "Ready"), (1, "status", "Dev"), (2, "status", "Done")]})
    cfg = config(-1, statuses={"order": ["Ready", "Dev", "Done"]})
    a = analyze(log, cfg)
    assert a.items.num_rows == 0 and a.timeline.num_rows == 0
    assert [w.kind for w in a.warnings] == ["as_of_before_data"]


def test_a_given_as_of_is_taken_in_utc_and_a_naive_one_means_utc():
    log = build({"A": [(0, "status", "Ready")]})
    naive = Config.from_dict({"flow": {"as_of": "2026-01-07T12:00:00"}})
    assert resolve_as_of(log, naive) == datetime(2026, 1, 7, 12, tzinfo=UTC)
    plus_two = Config.from_dict({"flow": {"as_of": "2026-01-07T12:00:00+02:00"}})
    got = resolve_as_of(log, plus_two)
    assert got == datetime(2026, 1, 7, 10, tzinfo=UTC) and got.utcoffset() == timedelta(0)


def test_by_default_the_latest_event_else_the_latest_date_of_the_items():
    log = build(
        {"A": [(0, "status", "Ready"), (2.5, "status", "Dev")], "B": [(1, "status", "Dev")]}
    )
    assert resolve_as_of(log, Config()) == at(2.5)
    items = items_from_rows(
        [
            {"item": "X-1", "created": at(0), "resolved": at(4)},
            {"item": "X-2", "created": at(6)},
        ]
    )
    no_history = LoadResult(events=empty_events(), items=items, has_history=False)
    assert resolve_as_of(no_history, Config()) == at(6)  # the latest created or resolved
    nothing = LoadResult(events=empty_events(), items=items_from_rows([]))
    assert resolve_as_of(nothing, Config()) == datetime(1970, 1, 1, tzinfo=UTC)
