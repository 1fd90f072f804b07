"""Team stints and handoff events (engine/stints.py): a stint is a maximal run of segments with
the same team, a handoff every stint after the first; computed by hand."""

from __future__ import annotations

from engine_log import DAY, STATUS_TEAMS, at, build, config, ping_pong_analysis, row

import flowgap


def test_status_to_team_map_gives_stints_and_handoff_events():
    a = ping_pong_analysis()
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


def test_a_gap_without_a_team_inside_one_team_is_one_stint():
    log = build(
        {
            "G": [
                (0, "status", "Dev"),
                (1, "status", "Ready"),  # no team
                (2, "status", "Dev"),
                (3, "status", "Done"),  # no team
            ]
        }
    )
    cfg = config(4, teams={"source": ["status"], "status_map": STATUS_TEAMS})
    a = flowgap.analyze(log, cfg)
    (stint,) = a.stints.to_pylist()
    assert (stint["stint"], stint["team"], stint["prev_team"]) == (0, "Dev", None)
    # From the first segment's start to the last one's end, the gap included.
    assert (stint["start"], stint["end"], stint["duration_s"]) == (at(0), at(3), 3 * DAY)
    assert stint["touch_s"] == 2 * DAY and stint["queue_s"] == 0.0
    assert a.handoff_events.num_rows == 0
    assert row(a.items, "G")["team_path"] == "Dev"


def test_handoff_wait_runs_to_the_next_touch_in_any_later_stint():
    log = build(
        {
            "N": [
                (0, "status", "Dev"),
                (1, "status", "QA Queue"),  # to QA, who never works on it
                (2.5, "status", "Dev"),  # back to Dev, touched at once
                (3, "status", "Done"),
            ]
        }
    )
    cfg = config(4, teams={"source": ["status"], "status_map": STATUS_TEAMS})
    a = flowgap.analyze(log, cfg)
    waits = [(h["from_team"], h["to_team"], h["wait_s"]) for h in a.handoff_events.to_pylist()]
    assert waits == [("Dev", "QA", 1.5 * DAY), ("QA", "Dev", 0.0)]
    # Nobody touched it during QA's stint: its whole length is queue.
    assert row(a.stints, "N", team="QA")["queue_s"] == 1.5 * DAY
    assert [s["stint"] for s in a.stints.to_pylist()] == [0, 1, 2]


def test_queue_before_pickup_stops_at_delivery():
    log = build(
        {
            "D": [
                (0, "status", "Dev"),
                (0, "assignee", "ann"),
                (2, "status", "Ready"),
                (2, "assignee", "bob"),  # handed to bob, who never touches it
                (4, "status", "Done"),
            ]
        }
    )
    cfg = config(30, teams={"source": ["assignee"]})
    a = flowgap.analyze(log, cfg)
    bob = row(a.stints, "D", team="bob")
    # bob's stint runs on to as_of (day 30), but his queue ends with the item's delivery.
    assert (bob["start"], bob["end"], bob["queue_s"]) == (at(2), at(30), 2 * DAY)
    assert {t["team"]: t["median_queue_s"] for t in a.teams.to_pylist()} == {
        "ann": 0.0,
        "bob": 2 * DAY,
    }


def test_a_stint_that_starts_after_delivery_has_no_queue():
    log = build(
        {
            "Z": [
                (0, "status", "Dev"),
                (0, "assignee", "ann"),
                (1, "status", "Done"),
                (3, "assignee", "zed"),  # reassigned after delivery
            ]
        }
    )
    a = flowgap.analyze(log, config(9, teams={"source": ["assignee"]}))
    assert row(a.stints, "Z", team="zed")["queue_s"] == 0.0


def test_work_handed_on_untouched_waits_after_each_handoff_once():
    """Dev hands the item to QA at day 2; QA hands it on to Ops at day 3 without touching it;
    Ops works on it at day 9. The wait after Dev -> QA stops at QA -> Ops (1 day), that after
    QA -> Ops runs to day 9 (6 days): 7 days of waiting, as waited. Both running to day 9
    counted days 3 to 9 twice (13 days), so merging two teams or ending a ping-pong promised
    more waiting than there was."""
    log = build(
        {
            "U": [
                (0, "status", "Dev"),
                (2, "status", "QA Queue"),
                (3, "status", "Ops Queue"),
                (9, "status", "Ops Work"),
                (10, "status", "Done"),
            ]
        }
    )
    teams = {**STATUS_TEAMS, "Ops Queue": "Ops", "Ops Work": "Ops"}
    cfg = config(
        12,
        teams={"source": ["status"], "status_map": teams},
        statuses={"classes": {"Ops Queue": "wait", "Ops Work": "active"}},
    )
    a = flowgap.analyze(log, cfg)
    events = [(h["from_team"], h["to_team"], h["wait_s"]) for h in a.handoff_events.to_pylist()]
    assert events == [("Dev", "QA", 1 * DAY), ("QA", "Ops", 6 * DAY)]
    shares = {r["part"]: r["seconds"] for r in a.time_shares.to_pylist()}
    assert shares["handoff"] == 7 * DAY == sum(w for _, _, w in events)
    edges = {(h["from_team"], h["to_team"]): h["total_wait_s"] for h in a.handoffs.to_pylist()}
    assert edges == {("Dev", "QA"): 1 * DAY, ("QA", "Ops"): 6 * DAY}


def test_only_waiting_inside_the_flow_window_counts_after_a_handoff():
    """A Jira export: work handed between two people in the backlog of an item never
    committed counted 3.3 days of handoff waiting that no flow window holds, so the handoff
    waits exceeded the "waiting after a handoff" of where the time went. Item C: handed to QA
    in the backlog at day 1, committed (Dev) at day 3: its wait starts at day 3. Item N: never
    committed: no wait."""
    log = build(
        {
            "C": [
                (0, "status", "Backlog"),
                (0, "assignee", "ann"),
                (1, "assignee", "quinn"),  # a handoff in the backlog
                (3, "status", "Ready"),  # committed: the window opens
                (5, "status", "Dev"),  # touched
                (6, "status", "Done"),
            ],
            "N": [
                (0, "status", "Backlog"),
                (0, "assignee", "ann"),
                (1, "assignee", "quinn"),
            ],
        }
    )
    cfg = config(8, teams={"source": ["assignee"]})
    a = flowgap.analyze(log, cfg)
    waits = {h["item"]: h["wait_s"] for h in a.handoff_events.to_pylist()}
    assert waits == {"C": 2 * DAY, "N": 0.0}  # C: 3 -> 5 of its wait 1 -> 5
    shares = {r["part"]: r["seconds"] for r in a.time_shares.to_pylist()}
    assert shares["handoff"] == 2 * DAY
