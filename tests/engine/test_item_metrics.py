"""Per-item flow metrics on hand-computed timelines (times in days from Monday 2026-01-05)."""

from __future__ import annotations

import pytest
from engine_log import CLASSES, DAY, HOUR, at, build, config, row

import flowgap
from flowgap.config import Config


def analyze(log, cfg):
    return flowgap.analyze(log, cfg)


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


def test_flagged_time_inside_an_active_status_is_blocked_wait():
    log = build(
        {
            "F": [
                (0, "status", "Ready"),
                (1, "status", "Dev"),
                (2.5, "flag", "Impediment"),
                (3, "flag", None),
                (4, "status", "Done"),
            ]
        }
    )
    r = row(analyze(log, config(5)).items, "F")
    assert r["window_s"] == 4 * DAY
    assert r["touch_s"] == 2.5 * DAY  # Dev 1..2.5 + 3..4
    assert r["blocked_s"] == 0.5 * DAY  # 2.5..3
    assert r["wait_s"] == 1.5 * DAY  # 4 - 2.5
    unblocked = analyze(log, config(5, flow={"flagged_is_blocked": False}))
    r2 = row(unblocked.items, "F")
    assert r2["touch_s"] == 3 * DAY and r2["blocked_s"] == 0.0
    segs = analyze(log, config(5)).timeline.to_pylist()
    flagged = [s for s in segs if s["flagged"]]
    assert len(flagged) == 1 and flagged[0]["blocked"] and flagged[0]["touch_s"] == 0.0
    assert flagged[0]["wait_s"] == 0.5 * DAY


def test_events_at_the_same_timestamp_apply_in_seq_order_and_drop_zero_length_segments():
    log = build(
        {
            "S": [
                (0, "status", "Backlog"),
                (1, "status", "Ready"),  # seq 0
                (1, "status", "Dev"),  # seq 1, same instant: Ready lasts zero time
                (3, "status", "Done"),
            ]
        }
    )
    a = analyze(log, config(4))
    tl = a.timeline.to_pylist()
    assert [(s["seg"], s["status"]) for s in tl] == [(0, "Backlog"), (1, "Dev"), (2, "Done")]
    r = row(a.items, "S")
    assert r["committed"] == at(1)
    assert r["touch_s"] == 2 * DAY and r["wait_s"] == 0.0 and r["flow_efficiency"] == 1.0
    # The status entries are still counted as events of the status classes table.
    classes = {c["status"]: c["events"] for c in a.status_classes.to_pylist()}
    assert classes["Ready"] == 1


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


def test_unknown_status_is_guessed_and_reported_as_a_guess():
    log = build({"U": [(0, "status", "Ready"), (1, "status", "Limbo"), (3, "status", "Done")]})
    a = analyze(log, config(4))
    classes = {c["status"]: c for c in a.status_classes.to_pylist()}
    # "Limbo" matches no heuristic and has no Jira category: guessed as a queue (wait).
    assert classes["Limbo"]["class"] == "wait" and classes["Limbo"]["guessed"] is True
    assert classes["Ready"]["guessed"] is False
    stage = next(s for s in a.stages.to_pylist() if s["status"] == "Limbo")
    assert stage["guessed"] is True and stage["wait_s"] == 2 * DAY
    r = row(a.items, "U")
    assert r["wait_s"] == 3 * DAY and r["touch_s"] == 0.0 and r["flow_efficiency"] == 0.0


def test_stall_after_caps_touch_after_each_event_inside_an_active_segment():
    log = build(
        {
            "K": [
                (0, "status", "Dev"),
                (2, "comment", "still on it"),  # any field restarts the clock
                (5, "status", "Done"),
            ]
        }
    )
    a = analyze(log, config(6, flow={"stall_after": "1d"}))
    r = row(a.items, "K")
    assert r["touch_s"] == 2 * DAY  # min(2, 1) + min(3, 1)
    assert r["wait_s"] == 3 * DAY  # window 5 - 2
    dev = row(a.timeline, "K", status="Dev")
    assert dev["touch_s"] == 2 * DAY and dev["wait_s"] == 3 * DAY
    # Without stall_after the whole Dev segment is touch.
    assert row(analyze(log, config(6)).items, "K")["touch_s"] == 5 * DAY


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


def test_blocked_status_is_never_touch():
    log = build(
        {
            "X": [
                (0, "status", "Dev"),
                (1, "status", "Dev (blocked)"),
                (3, "status", "Dev"),
                (4, "status", "Done"),
            ]
        }
    )
    cfg = config(
        5,
        statuses={
            "classes": {"Dev (blocked)": "active"},
            "blocked": ["Dev (blocked)"],
        },
    )
    r = row(analyze(log, cfg).items, "X")
    assert r["touch_s"] == 2 * DAY  # Dev 0..1 + 3..4
    assert r["blocked_s"] == 2 * DAY and r["wait_s"] == 2 * DAY


def test_status_classes_table_counts_entries_and_keeps_config_only_statuses():
    log = build({"A": [(0, "status", "Ready"), (1, "status", "Dev"), (2, "status", "Ready")]})
    a = analyze(log, config(3))
    counts = {c["status"]: (c["events"], c["class"]) for c in a.status_classes.to_pylist()}
    assert counts["Ready"] == (2, "wait") and counts["Dev"] == (1, "active")
    assert counts["Closed"] == (0, "done")  # named in the config, never seen


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
