"""The teams table (engine/teams.py): per team, items, stints, touch, wait inside flow windows
and its share, queue before pickup and handoffs in and out; computed by hand."""

from __future__ import annotations

from engine_log import DAY, STATUS_TEAMS, build, config, ping_pong_analysis

import flowgap
from flowgap.engine.schemas import TEAMS


def test_status_to_team_map_gives_the_teams_table():
    a = ping_pong_analysis()
    teams = {t["team"]: t for t in a.teams.to_pylist()}
    # Dev: touch 2 + 1 = 3 days, no wait; QA: Test 1 day touch, QA Queue 1 day wait.
    assert (teams["Dev"]["stints"], teams["Dev"]["touch_s"], teams["Dev"]["wait_s"]) == (
        2,
        3 * DAY,
        0.0,
    )
    assert (teams["QA"]["touch_s"], teams["QA"]["wait_s"], teams["QA"]["queue_s"]) == (
        DAY,
        DAY,
        DAY,
    )
    # All waiting in the window: Ready 1 day (no team) + QA Queue 1 day -> QA has half.
    assert teams["QA"]["wait_share"] == 0.5
    assert (teams["Dev"]["handoffs_in"], teams["Dev"]["handoffs_out"]) == (1, 1)
    assert (teams["QA"]["handoffs_in"], teams["QA"]["handoffs_out"]) == (1, 1)


def test_two_items_queue_median_and_the_wait_share_of_all_waiting():
    log = build(
        {
            # Dev 0..1, handed to QA: QA Queue 1..3, Test 3..4, Done.
            "A": [
                (0, "status", "Dev"),
                (1, "status", "QA Queue"),
                (3, "status", "Test"),
                (4, "status", "Done"),
            ],
            # Ready (no team) 0..1, then QA from the start: QA Queue 1..2, Test 2..4, Done.
            "B": [
                (0, "status", "Ready"),
                (1, "status", "QA Queue"),
                (2, "status", "Test"),
                (4, "status", "Done"),
            ],
        }
    )
    cfg = config(5, teams={"source": ["status"], "status_map": STATUS_TEAMS})
    teams = flowgap.analyze(log, cfg).teams
    assert teams.schema == TEAMS
    got = [tuple(t.values()) for t in teams.to_pylist()]
    # All waiting inside windows: A's QA Queue 2 days, B's Ready 1 day and QA Queue 1 day.
    assert got == [
        # team, items, stints, touch, wait, wait_share, queue, median queue, in, out
        ("Dev", 1, 1, 1 * DAY, 0.0, 0.0, 0.0, 0.0, 0, 1),
        # QA queued 2 days (A: 1 -> 3) and 1 day (B: 1 -> 2): median 1.5 days.
        ("QA", 2, 2, 3 * DAY, 3 * DAY, 0.75, 3 * DAY, 1.5 * DAY, 1, 0),
    ]
