"""Team stints, handoffs, handoff wait, ping-pong and the teams table, computed by hand."""

from __future__ import annotations

from engine_log import DAY, at, build, config, row

import flowgap

STATUS_TEAMS = {"Dev": "Dev", "QA Queue": "QA", "Test": "QA"}


def ping_pong_log():
    # Ready (no team) 0..1, Dev 1..3, QA Queue 3..4, Test 4..5, Dev 5..6, Done 6..7
    return build(
        {
            "P": [
                (0, "status", "Ready"),
                (1, "status", "Dev"),
                (3, "status", "QA Queue"),
                (4, "status", "Test"),
                (5, "status", "Dev"),
                (6, "status", "Done"),
            ]
        }
    )


def test_status_to_team_map_gives_stints_handoffs_and_ping_pong():
    cfg = config(7, teams={"source": ["status"], "status_map": STATUS_TEAMS})
    a = flowgap.analyze(ping_pong_log(), cfg)
    r = row(a.items, "P")
    assert r["handoffs"] == 2 and r["teams_visited"] == 2
    assert r["team_path"] == "Dev > QA > Dev"
    stints = [(s["team"], s["prev_team"], s["start"], s["end"]) for s in a.stints.to_pylist()]
    assert stints == [
        ("Dev", None, at(1), at(3)),
        ("QA", "Dev", at(3), at(5)),
        ("Dev", "QA", at(5), at(6)),
    ]
    # QA's stint starts in the queue at 3 and is first touched at 4 (Test).
    assert [s["queue_s"] for s in a.stints.to_pylist()] == [0.0, 1 * DAY, 0.0]
    events = [
        (h["from_team"], h["to_team"], h["ts"], h["wait_s"]) for h in a.handoff_events.to_pylist()
    ]
    assert events == [("Dev", "QA", at(3), 1 * DAY), ("QA", "Dev", at(5), 0.0)]
    edges = {(h["from_team"], h["to_team"]): h for h in a.handoffs.to_pylist()}
    assert edges[("Dev", "QA")]["count"] == 1 and edges[("Dev", "QA")]["median_wait_s"] == DAY
    assert edges[("Dev", "QA")]["ping_pong"] is True and edges[("Dev", "QA")]["ping_pongs"] == 0
    assert edges[("QA", "Dev")]["ping_pong"] is True and edges[("QA", "Dev")]["ping_pongs"] == 1
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


def test_assignee_map_then_assignee_and_a_gap_without_team_keep_one_stint():
    log = build(
        {
            "Q": [
                (0, "status", "Ready"),
                (0, "assignee", "ann"),
                (1, "status", "Dev"),
                (2, "assignee", "quinn"),
                (2, "status", "Test"),
                (3, "assignee", None),  # nobody: no team 3..4
                (4, "assignee", "quinn"),
                (5, "status", "Done"),
                (6, "assignee", "zed"),  # unmapped: the assignee itself is the team
            ]
        }
    )
    cfg = config(
        7,
        teams={
            "source": ["assignee_map", "assignee"],
            "assignee_map": {"ann": "Dev", "quinn": "QA"},
        },
    )
    a = flowgap.analyze(log, cfg)
    teams = [(s["status"], s["assignee"], s["team"]) for s in a.timeline.to_pylist()]
    assert teams == [
        ("Ready", "ann", "Dev"),
        ("Dev", "ann", "Dev"),
        ("Test", "quinn", "QA"),  # the zero-length (Dev, quinn) at day 2 is dropped
        ("Test", None, None),
        ("Test", "quinn", "QA"),
        ("Done", "quinn", "QA"),
        ("Done", "zed", "zed"),
    ]
    r = row(a.items, "Q")
    assert r["team_path"] == "Dev > QA > zed" and r["handoffs"] == 2 and r["teams_visited"] == 3
    qa = row(a.stints, "Q", team="QA")
    assert (qa["start"], qa["end"], qa["touch_s"]) == (at(2), at(6), 2 * DAY)  # Test 2..3, 4..5
    # Handoff to zed after delivery: nobody touches it again, the window ended at 5.
    assert row(a.handoff_events, "Q", to_team="zed")["wait_s"] == 0.0


def test_handoff_wait_runs_to_the_window_end_when_nobody_touches_again():
    log = build(
        {
            "H": [
                (0, "status", "Dev"),
                (2, "status", "QA Queue"),  # handed to QA, never picked up
            ]
        }
    )
    cfg = config(5, teams={"source": ["status"], "status_map": STATUS_TEAMS})
    a = flowgap.analyze(log, cfg)
    assert row(a.handoff_events, "H")["wait_s"] == 3 * DAY  # 2 -> as_of 5
    assert row(a.stints, "H", team="QA")["queue_s"] == 3 * DAY
    assert a.handoffs.to_pylist()[0]["ping_pong"] is False
