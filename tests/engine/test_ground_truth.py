"""The engine recovers the sample generator's ground truth for every item.

The generator computes its truth by walking each simulated item's history itself (never with
the engine), so agreement on every column is an end-to-end check of the metric semantics.
"""

from __future__ import annotations

import math

import pytest

import flowgap
from flowgap import sample

COLUMNS = [
    "created",
    "committed",
    "delivered",
    "is_open",
    "lead_time_s",
    "cycle_time_s",
    "window_s",
    "touch_s",
    "wait_s",
    "blocked_s",
    "flow_efficiency",
    "handoffs",
    "teams_visited",
    "team_path",
    "rework",
    "steering_touches",
]


def same(expected, got) -> bool:
    if isinstance(expected, float) and isinstance(got, float):
        return math.isclose(expected, got, rel_tol=1e-12, abs_tol=1e-6)
    return expected == got


@pytest.fixture(scope="module")
def generated():
    s = sample.generate(items=400, seed=7)
    return s, flowgap.analyze(s.result, s.config)


def test_every_item_matches_the_generator_truth(generated):
    s, a = generated
    got = {r["item"]: r for r in a.items.to_pylist()}
    truth = s.truth.to_pylist()
    assert len(truth) == len(got) == 400
    mismatches = [
        (t["item"], col, t[col], got[t["item"]][col])
        for t in truth
        for col in COLUMNS
        if not same(t[col], got[t["item"]][col])
    ]
    assert mismatches == []
    assert a.as_of == s.as_of


def test_the_generated_log_exercises_what_it_should(generated):
    # Guard against a vacuous pass: the log has handoffs, ping-pongs, blocked time, rework,
    # steering touches and open items.
    _, a = generated
    items = a.items.to_pylist()
    assert sum(r["handoffs"] for r in items) > 100
    assert sum(1 for r in items if (r["blocked_s"] or 0) > 0) > 5
    assert sum(r["rework"] for r in items) > 5
    assert sum(1 for r in items if r["is_open"]) > 5
    assert any(h["ping_pongs"] for h in a.handoffs.to_pylist())


def test_the_story_item(generated):
    _, a = generated
    story = next(r for r in a.items.to_pylist() if r["item"] == sample.STORY_KEY)
    # A week of work took four months: about five days of touch, nine handoffs across six
    # teams, sixteen weekly steering touches.
    assert 4 * 86400 <= story["touch_s"] <= 6 * 86400
    assert 110 * 86400 <= story["lead_time_s"] <= 130 * 86400
    assert (story["handoffs"], story["teams_visited"], story["steering_touches"]) == (9, 6, 16)
    assert story["flow_efficiency"] < 0.05
