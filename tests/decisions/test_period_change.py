"""The change against the previous period of equal length (decisions/period_change.py), on a
hand-computed log (docs/metrics.md, *Change against the previous period*)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

import flowgap
from flowgap.config import Config
from flowgap.decisions.period_change import period_change, previous_period
from flowgap.engine.selection import Selection
from flowgap.model import LoadResult, events_from_rows, items_from_rows

T0 = datetime(2026, 1, 5, tzinfo=UTC)  # a Monday: day 7 is 2026-01-12, day 14 2026-01-19
DAY = 86400.0
CLASSES = {"Backlog": "backlog", "Ready": "wait", "Dev": "active", "Done": "done"}


def _log() -> LoadResult:
    spec = {
        # Alive only in the previous period (2026-01-12 .. 01-18, days 7 to 13).
        "P1": [(7, "Ready"), (8, "Dev"), (10, "Done")],  # window 3 d, touch 2 d
        "P2": [(8, "Ready"), (12, "Dev"), (13, "Done")],  # window 5 d, touch 1 d
        # Alive only in the current period (2026-01-19 .. 01-25, days 14 to 20).
        "C1": [(15, "Ready"), (16, "Dev"), (17, "Done")],  # window 2 d, touch 1 d
        # Alive in both; delivered on day 22, after the current period.
        "C2": [(13, "Ready"), (14, "Dev"), (22, "Done")],  # window 9 d, touch 8 d
        # Never committed, open: alive in both, no window.
        "O": [(0, "Backlog")],
    }
    rows, items = [], []
    for item, changes in spec.items():
        first = T0 + timedelta(days=changes[0][0])
        rows.append({"item": item, "ts": first, "seq": 0, "field": "created", "value": None})
        for day, status in changes:
            ts = T0 + timedelta(days=day)
            rows.append({"item": item, "ts": ts, "seq": 1, "field": "status", "value": status})
        items.append({"item": item, "created": first})
    for r in rows:
        r["source"] = "t"
    return LoadResult(events=events_from_rows(rows), items=items_from_rows(items))


def _analysis():
    config = Config.from_dict(
        {"statuses": {"classes": CLASSES}, "flow": {"as_of": T0 + timedelta(days=28)}}
    )
    return flowgap.analyze(_log(), config)


def test_the_previous_period_is_the_range_shifted_back_by_its_length():
    as_of = datetime(2026, 2, 2, 12, tzinfo=UTC)
    first = date(2026, 1, 5)
    week = Selection(start=date(2026, 1, 19), end=date(2026, 1, 25), team=("QA",))
    assert previous_period(week, first, as_of) == Selection(
        start=date(2026, 1, 12), end=date(2026, 1, 18), team=("QA",)
    )
    # A missing "to" is as_of's day: 2026-01-20 .. 02-02 is 14 days.
    assert previous_period(Selection(start=date(2026, 1, 20)), first, as_of) == Selection(
        start=date(2026, 1, 6), end=date(2026, 1, 19)
    )
    # A missing "from" is the data's first day: 2026-01-05 .. 01-11 is 7 days.
    assert previous_period(Selection(end=date(2026, 1, 11)), first, as_of) == Selection(
        start=date(2025, 12, 29), end=date(2026, 1, 4)
    )
    assert previous_period(Selection(team=("QA",)), first, as_of) is None
    reversed_range = Selection(start=date(2026, 1, 25), end=date(2026, 1, 19))
    assert previous_period(reversed_range, first, as_of) is None


def test_both_periods_are_the_engine_numbers_of_the_items_alive_in_them():
    full = _analysis()
    week = Selection(start=date(2026, 1, 19), end=date(2026, 1, 25))
    from flowgap.engine.selection import selected_mask

    current = full.select(selected_mask(full.items, full.timeline, week, full.as_of))
    assert sorted(current.keys.to_pylist()) == ["C1", "C2", "O"]
    change = period_change(full, current, week, date(2026, 1, 5))
    assert change is not None
    assert change.previous == Selection(start=date(2026, 1, 12), end=date(2026, 1, 18))
    assert sorted(change.before.keys.to_pylist()) == ["C2", "O", "P1", "P2"]
    got = {r["metric"]: (r["current"], r["previous"]) for r in change.rows}
    assert got["items.total"] == (3, 4)
    # C1 delivered on day 17 (inside); C2 on day 22 (after). P1 and P2 inside theirs.
    assert got["delivered_in_period"] == (1, 2)
    assert got["flow_efficiency.pooled"] == (pytest.approx(9 / 11), pytest.approx(11 / 17))
    assert got["flow_efficiency.median"] == (pytest.approx(25 / 36), pytest.approx(2 / 3))
    # Lead times: now 2 and 9 days, before 3, 5 and 9 days.
    assert got["lead_time.p50"] == (5.5 * DAY, 5 * DAY)
    assert got["lead_time.p85"] == (pytest.approx(7.95 * DAY), pytest.approx(7.8 * DAY))
    rows = {r["metric"]: r for r in change.rows}
    assert rows["delivered_in_period"]["change"] == -1
    assert rows["lead_time.p50"]["change"] == 0.5 * DAY
    assert rows["lead_time.p50"]["better"] == "lower"


def test_a_period_before_every_item_has_nothing_to_compare():
    full = _analysis()
    first_week = Selection(start=date(2026, 1, 5), end=date(2026, 1, 11))
    change = period_change(full, full, first_week, date(2026, 1, 5))
    assert change is not None and change.before is None
    got = {r["metric"]: r for r in change.rows}
    assert got["items.total"]["previous"] == 0
    assert got["flow_efficiency.pooled"]["previous"] is None
    assert got["flow_efficiency.pooled"]["change"] is None
