"""Where the time went (engine/time_shares.py): every second of the flow windows in exactly
one part, on a timeline computed by hand (docs/metrics.md, *Where the time went*)."""

from __future__ import annotations

import numpy as np
from engine_log import DAY, build, config

import flowgap
from flowgap.engine.schemas import TIME_SHARES
from flowgap.engine.time_shares import after_handoff

#: QA Queue and Test belong to QA, Dev to Dev; Ready and Steering Review have no team.
TEAMS = {"source": ["status"], "status_map": {"Dev": "Dev", "QA Queue": "QA", "Test": "QA"}}
CLASSES = {"Steering Review": "wait"}


def _log():
    return build(
        {
            # Window [0, 9). Ready 0..1 (1 d, status); Dev 1..3 with a flag 2..2.5 (touch
            # 1.5 d, blocked 0.5 d); handed to QA at 3, QA Queue 3..5 (handoff 2 d, picked up
            # when Test starts); Test 5..6 (touch 1 d); Steering Review 6..8 (steering 2 d);
            # back to Ready 8..9 (status 1 d: the handoff's wait ended at 5); Done at 9.
            "A": [
                (0, "status", "Ready"),
                (1, "status", "Dev"),
                (2, "flag", "Impediment"),
                (2.5, "flag", None),
                (3, "status", "QA Queue"),
                (5, "status", "Test"),
                (6, "status", "Steering Review"),
                (8, "status", "Ready"),
                (9, "status", "Done"),
            ],
            # Window [0, 5): every waiting second is after the handoff Dev -> QA at 1 (next
            # touch at 4), and the rule decides: QA Queue 1..2 handoff, QA Queue flagged
            # 2..3 blocked, Steering Review 3..4 steering. Touch: Dev 0..1 and Test 4..5.
            "B": [
                (0, "status", "Dev"),
                (1, "status", "QA Queue"),
                (2, "flag", "Waiting for the vendor"),
                (3, "flag", None),
                (3, "status", "Steering Review"),
                (4, "status", "Test"),
                (5, "status", "Done"),
            ],
            # Never committed: no window, no part of the elapsed time.
            "D": [(0, "status", "Backlog")],
            # Open: window [10, 20), Ready 10..12 (status 2 d), Dev 12..20 (touch 8 d).
            "E": [(10, "status", "Ready"), (12, "status", "Dev")],
        }
    )


def _config(**extra):
    cfg = config(20, teams=TEAMS, steering={"statuses": ["^Steering"]}, **extra)
    cfg.statuses.classes.update(CLASSES)
    return cfg


def _rows(table) -> list[tuple]:
    return [(r["part"], r["status"], r["seconds"] / DAY) for r in table.to_pylist()]


def test_every_second_of_the_windows_is_in_one_part():
    a = flowgap.analyze(_log(), _config())
    shares = a.time_shares
    assert shares.schema == TIME_SHARES
    # Elapsed: 9 + 5 + 10 = 24 days. Touch 2.5 + 2 + 8; blocked 0.5 + 1; steering 2 + 1;
    # after handoffs 2 + 1; Ready 2 (A) + 2 (E).
    assert _rows(shares) == [
        ("touch", None, 12.5),
        ("blocked", None, 1.5),
        ("steering", None, 3.0),
        ("handoff", None, 3.0),
        ("status", "Ready", 4.0),
    ]
    assert shares.column("share").to_pylist() == [12.5 / 24, 1.5 / 24, 3 / 24, 3 / 24, 4 / 24]
    assert sum(shares.column("seconds").to_pylist()) == 24 * DAY
    # The touch part is the pooled flow efficiency.
    assert shares.column("share")[0].as_py() == a.summary["flow_efficiency"]["pooled"]


def test_a_selection_splits_its_own_windows():
    a = flowgap.analyze(_log(), _config())
    assert _rows(a.select(["B"]).time_shares) == [
        ("touch", None, 2.0),
        ("blocked", None, 1.0),
        ("steering", None, 1.0),
        ("handoff", None, 1.0),
    ]
    assert a.select(["B"]).time_shares.column("share").to_pylist() == [0.4, 0.2, 0.2, 0.2]
    # Only the item that never left backlog: nothing elapsed, no share.
    only_d = a.select(["D"]).time_shares
    assert _rows(only_d) == [
        ("touch", None, 0.0),
        ("blocked", None, 0.0),
        ("steering", None, 0.0),
        ("handoff", None, 0.0),
    ]
    assert only_d.column("share").to_pylist() == [None] * 4


def test_without_steering_statuses_the_steering_status_is_a_status_like_any():
    cfg = config(20, teams=TEAMS)
    cfg.statuses.classes.update(CLASSES)
    a = flowgap.analyze(_log(), cfg)
    # B's Steering Review 3..4 lies after its handoff; A's 6..8 does not.
    assert _rows(a.time_shares) == [
        ("touch", None, 12.5),
        ("blocked", None, 1.5),
        ("steering", None, 0.0),
        ("handoff", None, 4.0),
        ("status", "Ready", 4.0),
        ("status", "Steering Review", 2.0),
    ]


def test_stalled_work_waits_in_its_status():
    # stall_after 1 day: E's Dev 12..20 has one event (its start): 1 day of touch, 7 waiting.
    a = flowgap.analyze(_log(), _config(flow={"stall_after": "1d"}))
    rows = dict(((p, s), d) for p, s, d in _rows(a.time_shares))
    # A's and B's segments are shorter than a day after each event: their touch stays.
    assert rows[("touch", None)] == 2.5 + 2 + 1
    assert rows[("status", "Dev")] == 7.0
    assert sum(rows.values()) == 24.0


def test_window_time_before_the_first_status_event():
    # Created at day 0, first status event at day 2: with flow_window = "created" the window
    # is [0, 4): 2 days before any status, Ready 2..3, Dev 3..4.
    log = build(
        {"F": [(2, "status", "Ready"), (3, "status", "Dev"), (4, "status", "Done")]},
        F={"created": build({"X": [(0, "status", "Ready")]}).items.column("created")[0].as_py()},
    )
    a = flowgap.analyze(log, config(5, flow={"flow_window": "created"}))
    assert _rows(a.time_shares) == [
        ("touch", None, 1.0),
        ("blocked", None, 0.0),
        ("steering", None, 0.0),
        ("handoff", None, 0.0),
        ("status", "Ready", 1.0),
        ("before_status", None, 2.0),
    ]


def test_the_latest_handoff_before_a_segment_decides():
    # Item 0: handoffs at 10 (waits to 30) and 20 (waits to 30); segments at 5, 10, 25, 30.
    # Item 1: a handoff at 0 that waits 0; a segment at 0.
    inside = after_handoff(
        np.array([0, 0, 0, 0, 1]),
        np.array([5, 10, 25, 30, 0]),
        np.array([0, 0, 1]),
        np.array([10, 20, 0]),
        np.array([30, 30, 0]),
    )
    assert inside.tolist() == [False, True, True, False, False]
