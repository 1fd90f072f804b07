"""Recommended actions on the hand-built log of test_whatif: each top finding's change, its
simulated gain, ranked by days saved."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from flowgap.decisions.actions import recommended_actions
from flowgap.decisions.headline import decide

sys.path.insert(0, str(Path(__file__).parent))
from test_whatif import two_items

DAY = 86400.0


def test_actions_are_ranked_by_days_saved() -> None:
    actions = recommended_actions(two_items())
    assert [(a["rank"], a["kind"], a["subject"]) for a in actions] == [
        (1, "merge_teams", "Dev -> QA"),
        (2, "shrink_status", "QA Queue"),
        (3, "shrink_status", "Ready"),
    ]
    merge, qa, ready = actions
    # Lead times 9 and 5 days: p85 = 5 + 0.85 * 4 = 8.4 days before.
    assert merge["lead_time_p85_before_s"] == pytest.approx(8.4 * DAY)
    # Merged: A loses its four days between the handoff and QA's first touch: 5 and 5.
    assert merge["lead_time_p85_after_s"] == pytest.approx(5 * DAY)
    assert merge["days_saved"] == pytest.approx(3.4)
    assert merge["handoffs_per_quarter"] == pytest.approx(91 / 84)
    assert merge["text"] == (
        "Dev and QA as one team: 1 fewer handoff a quarter, lead time p85 8.4 d -> 5.0 d (-40%)"
    )
    # Halving QA Queue: A 7 days, B 5: p85 6.7 days.
    assert qa["text"] == "Halve the waiting in 'QA Queue': lead time p85 8.4 d -> 6.7 d (-20%)"
    # Halving Ready: A 8 days, B 4.5: p85 4.5 + 0.85 * 3.5 = 7.475 days.
    assert ready["lead_time_p85_after_s"] == pytest.approx(7.475 * DAY)
    assert qa["finding"] is not None and qa["changes"] == ["shrink 'QA Queue' to 50%"]


def test_decide_adds_the_summary_metrics_and_the_trouble_finding() -> None:
    decided = decide(two_items())
    assert decided["summary"]["wip"] == {
        "current": 0, "median_age_s": None, "over_sle": 0, "in_trouble": 0,
    }  # fmt: skip
    assert [a["rank"] for a in decided["actions"]] == [1, 2, 3]
    assert decided["in_trouble"].num_rows == 0


def fast_item_waits(teams: bool = True):
    """Only C, the fastest of three delivered items, waits (two days in QA Queue after a
    handoff from Dev): halving that queue or merging Dev and QA leaves the lead time p85 of
    9, 8 and 5 days where it is. Without ``teams`` no handoff (nobody's team is known)."""
    from test_whatif import STATUS_TEAMS, analyze, build, config

    log = build(
        {
            "A": [(0, "status", "Backlog"), (1, "status", "Dev"), (9, "status", "Done")],
            "B": [(0, "status", "Backlog"), (1, "status", "Dev"), (8, "status", "Done")],
            "C": [
                (0, "status", "Backlog"),
                (1, "status", "Dev"),
                (2, "status", "QA Queue"),
                (4, "status", "Test"),
                (5, "status", "Done"),
            ],
        }
    )
    if not teams:
        return analyze(log, config(10))
    return analyze(log, config(10, teams={"source": ["status"], "status_map": STATUS_TEAMS}))


def test_a_change_that_gains_nothing_is_no_action() -> None:
    """Halving 'QA Queue' saves no day on the p85: no action (it was listed as "8.8 d ->
    8.8 d (+0%)"). Merging Dev and QA saves no day either, but a handoff a quarter: kept."""
    actions = recommended_actions(fast_item_waits())
    assert [(a["kind"], a["subject"]) for a in actions] == [("merge_teams", "Dev -> QA")]
    assert actions[0]["days_saved"] == pytest.approx(0.0)
    assert actions[0]["handoffs_per_quarter"] >= 1


def test_each_action_names_the_items_it_replays() -> None:
    """The p85 "before" is the window's, not the headline's: the window is in every action
    and in the one line each report shows above the actions."""
    from flowgap.report.fmt import actions_window

    actions = recommended_actions(two_items())
    assert {tuple(sorted(a["window"].items())) for a in actions} == {
        (("days", 84), ("end", "2026-01-15"), ("items", 2), ("start", "2025-10-23"))
    }
    assert actions_window(actions) == (
        "Each gain replays the 2 items committed and delivered from 2025-10-23 to 2026-01-15 (the"
        " last 84 days, [whatif] window), so its lead time p85 before the change is theirs, not"
        " the headline's p85 of every delivered item."
    )


def test_no_action_says_why() -> None:
    from flowgap.decisions.actions import NO_GAIN

    decided = decide(fast_item_waits(teams=False))
    assert decided["actions"] == []
    assert decided["why_empty"]["actions"] == NO_GAIN


def test_a_merge_must_remove_a_share_of_the_handoffs_to_be_advice() -> None:
    """One handoff a quarter fewer is advice among 50 handoffs, not among 51,670 (BPI Challenge
    2012 was told to merge teams for one handoff a quarter and no day off the p85)."""
    from flowgap.decisions.actions import MIN_HANDOFF_SHARE, _gains

    merge = {"days_saved": 0.0, "handoffs_per_quarter": 1.2}
    assert _gains(merge, removed=1, handoffs=50)
    assert not _gains(merge, removed=1, handoffs=51_670)
    enough = round(MIN_HANDOFF_SHARE * 51_670) + 1
    assert _gains(merge, removed=enough, handoffs=51_670)
    # A day off the p85 is advice whatever the handoffs.
    assert _gains({"days_saved": 0.4, "handoffs_per_quarter": 0.0}, removed=0, handoffs=51_670)
