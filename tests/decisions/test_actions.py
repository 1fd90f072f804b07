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
