"""The timeline (engine/timeline.py): segments between change points, blocked and stalled
time, touch and wait inside the flow window; and random logs against a plain per-item
reference of these semantics (times in days from Monday 2026-01-05).

The reference walks one item's events in Python: the state after each distinct timestamp is a
segment (so same-instant changes collapse), committed = first wait/active segment, delivered =
start of the final run of done segments, touch = active and unflagged time inside the window.
"""

from __future__ import annotations

import itertools

from engine_log import CLASSES, DAY, T0, analyze, at, build, config, row
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import flowgap
from flowgap.model import LoadResult, events_from_rows, items_from_rows

STATUSES = sorted(CLASSES)
STEP = st.tuples(
    st.sampled_from([0.0, 0.25, 1.0, 2.0]),  # 0: same instant as the previous event
    st.sampled_from(["status", "status", "status", "flag"]),
    st.sampled_from(STATUSES),
)
ITEM = st.tuples(st.sampled_from(STATUSES), st.lists(STEP, max_size=8))
AS_OF = 30.0


def spec_of(raw_items: list) -> dict:
    spec = {}
    for n, (first, steps) in enumerate(raw_items):
        day, changes, flagged = float(n % 3), [(float(n % 3), "status", first)], False
        for dt, kind, status in steps:
            day += dt
            if kind == "flag":
                flagged = not flagged
                changes.append((day, "flag", "Impediment" if flagged else None))
            else:
                changes.append((day, "status", status))
        spec[f"I-{n:03d}"] = changes
    return spec


def reference(changes: list) -> dict:
    states, status, flag = {}, None, None
    for day, field, value in changes:  # source order = (day, seq) order
        if field == "status":
            status = value
        else:
            flag = value
        states[day] = (status, flag)
    days = sorted(states)
    segs = [
        (start, days[i + 1] if i + 1 < len(days) else AS_OF, *states[start])
        for i, start in enumerate(days)
    ]
    classes = [CLASSES[s] for _, _, s, _ in segs]
    committed = next(
        (s[0] for s, c in zip(segs, classes, strict=True) if c in ("wait", "active")), None
    )
    delivered = None
    if classes[-1] == "done":
        i = len(segs) - 1
        while i > 0 and classes[i - 1] == "done":
            i -= 1
        delivered = segs[i][0]
    touch = None
    if committed is not None:
        end = delivered if delivered is not None else AS_OF
        touch = sum(
            max(0.0, min(b, end) - max(a, committed))
            for (a, b, _, f), c in zip(segs, classes, strict=True)
            if c == "active" and not f
        )
    moves = [v for _, f, v in changes if f == "status"]
    rework = sum(
        1
        for old, new in itertools.pairwise(moves)
        if (CLASSES[old] == "done" and CLASSES[new] != "done")
        or (CLASSES[old] in ("wait", "active") and CLASSES[new] == "backlog")
    )
    return {"committed": committed, "delivered": delivered, "touch": touch, "rework": rework}


def day(ts) -> float | None:
    return None if ts is None else (ts - T0).total_seconds() / DAY


@settings(max_examples=6, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(ITEM, min_size=1, max_size=40))
def test_engine_agrees_with_the_reference_on_random_logs(raw_items):
    spec = spec_of(raw_items)
    a = flowgap.analyze(build(spec), config(AS_OF))
    for r in a.items.to_pylist():
        want = reference(spec[r["item"]])
        assert day(r["committed"]) == want["committed"], r["item"]
        assert day(r["delivered"]) == want["delivered"], r["item"]
        got_touch = None if r["touch_s"] is None else r["touch_s"] / DAY
        assert got_touch == want["touch"], r["item"]
        assert r["rework"] == want["rework"], r["item"]
        if r["window_s"] is not None:
            assert r["touch_s"] + r["wait_s"] == r["window_s"]
            assert 0.0 <= (r["flow_efficiency"] or 0.0) <= 1.0


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


def segments(analysis, item: str) -> list[tuple]:
    """(seg, status, class, team, assignee, start, end, duration, in window, touch, wait) in
    days."""
    return [
        (
            s["seg"],
            s["status"],
            s["class"],
            s["team"],
            s["assignee"],
            day(s["start"]),
            day(s["end"]),
            s["duration_s"] / DAY,
            s["in_window_s"] / DAY,
            s["touch_s"] / DAY,
            s["wait_s"] / DAY,
        )
        for s in analysis.timeline.to_pylist()
        if s["item"] == item
    ]


def test_every_change_point_starts_a_segment_and_a_cleared_value_stays_null():
    log = build(
        {
            "T": [
                (0, "status", "Ready"),
                (0.5, "team", "Dev"),
                (1, "status", "Dev"),
                (1, "assignee", "ann"),
                (2, "team", None),  # cleared: no team until it is set again
                (3, "team", "QA"),
                (3, "status", "Done"),
            ]
        }
    )
    a = analyze(log, config(4, teams={"source": ["field"]}))
    # Window [0, 3): the Done segment after delivery is outside it.
    assert segments(a, "T") == [
        (0, "Ready", "wait", None, None, 0.0, 0.5, 0.5, 0.5, 0.0, 0.5),
        (1, "Ready", "wait", "Dev", None, 0.5, 1.0, 0.5, 0.5, 0.0, 0.5),
        (2, "Dev", "active", "Dev", "ann", 1.0, 2.0, 1.0, 1.0, 1.0, 0.0),
        (3, "Dev", "active", None, "ann", 2.0, 3.0, 1.0, 1.0, 1.0, 0.0),
        (4, "Done", "done", "QA", "ann", 3.0, 4.0, 1.0, 0.0, 0.0, 0.0),
    ]


def test_a_change_at_as_of_is_the_last_segment_and_delivers_the_item():
    log = build({"L": [(0, "status", "Dev"), (4, "status", "Done")]})
    a = analyze(log, config(4))
    # The zero-length Done segment is the state at as_of: it is kept.
    assert segments(a, "L") == [
        (0, "Dev", "active", None, None, 0.0, 4.0, 4.0, 4.0, 4.0, 0.0),
        (1, "Done", "done", None, None, 4.0, 4.0, 0.0, 0.0, 0.0, 0.0),
    ]
    r = row(a.items, "L")
    assert r["delivered"] == at(4) and r["is_open"] is False and r["lead_time_s"] == 4 * DAY


def test_the_timeline_starts_with_the_first_status_event():
    events = events_from_rows(
        [
            {"item": "E", "ts": at(0), "seq": 0, "field": "assignee", "value": "bob"},
            {"item": "E", "ts": at(1), "seq": 0, "field": "status", "value": "Dev"},
        ]
    )
    a = analyze(LoadResult(events=events, items=items_from_rows([])), config(3))
    # The assignee set before it is in force in the first segment (and gives the team).
    assert segments(a, "E") == [(0, "Dev", "active", "bob", "bob", 1.0, 3.0, 2.0, 2.0, 2.0, 0.0)]
    # Without an items table, the item was created at its first event.
    assert row(a.items, "E")["created"] == at(0)
