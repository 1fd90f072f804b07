"""The ``items`` table (engine/items.py): windows, touch, wait, flow efficiency, age, rework,
handoffs and team path per item, and their working-time variants; times in days from Monday
2026-01-05."""

from __future__ import annotations

import pyarrow as pa
import pytest
from engine_log import DAY, HOUR, analyze, at, build, config, ping_pong_analysis, row

from flowgap.model import LoadResult, items_from_rows


def test_backward_move_counts_rework_with_order_and_touch_in_both_visits():
    log = build(
        {
            "A": [
                (0, "status", "Backlog"),
                (1, "status", "Ready"),
                (2, "status", "Dev"),
                (4, "status", "Test"),
                (5, "status", "Dev"),  # back: Test -> Dev
                (6, "status", "Test"),
                (7, "status", "Done"),
            ]
        }
    )
    order = ["Backlog", "Ready", "Dev", "Test", "Done"]
    a = analyze(log, config(10, statuses={"order": order}))
    r = row(a.items, "A")
    assert r["committed"] == at(1) and r["delivered"] == at(7)
    assert r["lead_time_s"] == 7 * DAY  # 0 -> 7
    assert r["cycle_time_s"] == 6 * DAY  # 1 -> 7
    assert r["touch_s"] == 5 * DAY  # Dev 2 + Test 1 + Dev 1 + Test 1
    assert r["wait_s"] == 1 * DAY  # Ready 1
    assert r["flow_efficiency"] == pytest.approx(5 / 6)
    assert r["rework"] == 1
    assert r["is_open"] is False and r["age_s"] is None
    # Without an order, Test -> Dev is active -> active: not rework.
    assert row(analyze(log, config(10)).items, "A")["rework"] == 0


def test_reopen_after_done_delivers_at_last_entry_into_done_and_counts_the_time_between():
    log = build(
        {
            "R": [
                (0, "status", "Ready"),
                (1, "status", "Dev"),
                (3, "status", "Done"),
                (5, "status", "Dev"),  # reopened
                (6, "status", "Done"),
                (8, "status", "Closed"),  # done -> done: not a new entry into done
            ]
        }
    )
    a = analyze(log, config(10))
    r = row(a.items, "R")
    assert r["delivered"] == at(6)
    assert r["cycle_time_s"] == 6 * DAY  # committed 0 (Ready) -> 6
    assert r["touch_s"] == 3 * DAY  # Dev 1..3 + Dev 5..6
    assert r["wait_s"] == 3 * DAY  # Ready 0..1 + Done 3..5 inside the window
    assert r["rework"] == 1  # done -> Dev
    assert r["current_status"] == "Closed" and r["current_class"] == "done"
    tl = [s for s in a.timeline.to_pylist() if s["item"] == "R"]
    assert [s["status"] for s in tl] == ["Ready", "Dev", "Done", "Dev", "Done", "Closed"]
    assert tl[-1]["end"] == at(10)  # a delivered item's timeline continues to as_of
    assert tl[-1]["in_window_s"] == 0.0


def test_open_item_is_measured_at_as_of():
    log = build({"O": [(0, "status", "Ready"), (2, "status", "Dev")]})
    r = row(analyze(log, config(5)).items, "O")
    assert r["is_open"] is True and r["delivered"] is None
    assert r["window_end"] == at(5)
    assert r["window_s"] == 5 * DAY and r["touch_s"] == 3 * DAY  # Dev 2..5
    assert r["lead_time_s"] is None and r["cycle_time_s"] is None
    assert r["age_s"] == 5 * DAY  # as_of 5 - committed 0
    assert r["flow_efficiency"] == pytest.approx(0.6)


def test_item_that_never_left_backlog_has_no_window():
    log = build({"B": [(1, "status", "Backlog")]})
    r = row(analyze(log, config(4)).items, "B")
    assert r["committed"] is None and r["window_start"] is None
    assert r["window_s"] is None and r["touch_s"] is None and r["flow_efficiency"] is None
    assert r["age_s"] == 3 * DAY  # as_of 4 - created 1
    assert r["is_open"] is True and r["handoffs"] == 0


def test_item_created_directly_in_an_active_status():
    log = build({"D": [(0, "status", "Dev"), (2, "status", "Done")]})
    r = row(analyze(log, config(3)).items, "D")
    assert r["committed"] == at(0) and r["created"] == at(0)
    assert r["cycle_time_s"] == 2 * DAY == r["lead_time_s"]
    assert r["touch_s"] == 2 * DAY and r["flow_efficiency"] == 1.0


def test_flow_window_created_measures_from_creation():
    log = build(
        {
            "W": [
                (0, "status", "Backlog"),
                (2, "status", "Ready"),
                (3, "status", "Dev"),
                (4, "status", "Done"),
            ]
        }
    )
    commitment = row(analyze(log, config(5)).items, "W")
    assert commitment["window_s"] == 2 * DAY and commitment["flow_efficiency"] == 0.5  # 1 / 2
    created = row(analyze(log, config(5, flow={"flow_window": "created"})).items, "W")
    assert created["window_start"] == at(0)
    assert created["window_s"] == 4 * DAY and created["flow_efficiency"] == 0.25  # 1 / 4
    assert created["wait_s"] == 3 * DAY  # Backlog 2 + Ready 1


def test_working_time_columns_are_null_without_a_calendar_and_filled_with_one():
    log = build({"C": [(0, "status", "Dev"), (7, "status", "Done")]})  # Mon 0h .. next Mon
    plain = row(analyze(log, config(8)).items, "C")
    assert plain["touch_work_s"] is None and plain["flow_efficiency_work"] is None
    cal = {"timezone": "UTC", "start": "09:00:00", "end": "17:00:00"}
    r = row(analyze(log, config(8, calendar=cal)).items, "C")
    assert r["touch_work_s"] == 5 * 8 * HOUR  # Mon-Fri, 8 h a day
    assert r["window_work_s"] == 5 * 8 * HOUR and r["wait_work_s"] == 0.0
    assert r["flow_efficiency_work"] == 1.0


def test_working_time_across_a_weekend_and_a_holiday():
    # Ready from Friday 12:00 (day 4.5) to Tuesday 12:00 (day 8.5), then Dev to Thursday 12:00
    # (day 10.5); Wednesday 2026-01-14 is a holiday.
    log = build({"W": [(4.5, "status", "Ready"), (8.5, "status", "Dev"), (10.5, "status", "Done")]})
    cal = {"start": "09:00:00", "end": "17:00:00", "extra_holidays": ["2026-01-14"]}
    r = row(analyze(log, config(11, calendar=cal)).items, "W")
    assert r["window_s"] == 6 * DAY and r["touch_s"] == 2 * DAY  # calendar time
    # Working time: Ready = Fri 12-17 (5 h) + Mon 8 h + Tue 9-12 (3 h) = 16 h;
    # Dev = Tue 12-17 (5 h) + Wed holiday 0 + Thu 9-12 (3 h) = 8 h.
    assert r["touch_work_s"] == 8 * HOUR
    assert r["wait_work_s"] == 16 * HOUR
    assert r["window_work_s"] == 24 * HOUR
    assert r["flow_efficiency_work"] == pytest.approx(1 / 3)


def test_status_to_team_map_gives_handoffs_teams_visited_and_team_path():
    a = ping_pong_analysis()
    r = row(a.items, "P")
    assert r["handoffs"] == 2 and r["teams_visited"] == 2
    assert r["team_path"] == "Dev > QA > Dev"


def test_rework_without_an_order_counts_reopens_and_returns_to_backlog():
    log = build(
        {
            "A": [
                (0, "status", "Ready"),
                (1, "status", "Backlog"),  # wait -> backlog: rework
                (2, "status", "Dev"),
                (3, "status", "Done"),
                (4, "status", "Dev"),  # done -> active (a reopen): rework
            ]
        }
    )
    assert row(analyze(log, config(5)).items, "A")["rework"] == 2
    # With an order, only moves between listed statuses count: Backlog is not listed.
    order = ["Ready", "Dev", "Done"]
    assert row(analyze(log, config(5, statuses={"order": order})).items, "A")["rework"] == 1


def test_attributes_come_from_the_items_table_and_items_without_events_have_a_row():
    log = build(
        {"A": [(0, "status", "Ready"), (1, "status", "Dev")]},
        A={"project": "P", "type": "Story", "priority": "High", "summary": "s", "labels": ["x"]},
    )
    extra = items_from_rows(
        [
            {"item": "N", "created": at(1), "current_status": "Open", "type": "Bug"},
            {"item": "Z", "created": at(9)},  # created after as_of: not part of the analysis
        ]
    )
    items = pa.concat_tables([log.items, extra.cast(log.items.schema)])
    a = analyze(LoadResult(events=log.events, items=items), config(5))
    assert a.items.column("item").to_pylist() == ["A", "N"]
    r = row(a.items, "A")
    assert (r["project"], r["type"], r["priority"], r["summary"], r["labels"]) == (
        "P",
        "Story",
        "High",
        "s",
        ["x"],
    )
    assert r["current_status"] == "Dev" and r["current_class"] == "active"
    # N has no event: no timeline, no window; its current status is the items table's.
    n = row(a.items, "N")
    assert n["created"] == at(1) and n["committed"] is None and n["window_s"] is None
    assert n["current_status"] == "Open" and n["current_class"] is None
    assert n["is_open"] is True and n["age_s"] == 4 * DAY  # as_of 5 - created 1
    assert (n["handoffs"], n["teams_visited"], n["team_path"], n["rework"]) == (0, 0, "", 0)
    assert n["steering_touches"] == 0
