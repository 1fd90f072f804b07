"""The XES lifecycle model of one case (``ingest/xes_lifecycle.py``): the status after each
event, checked against the plain rule on random cases, and a case of many open instances in
time proportional to its events."""

from __future__ import annotations

import random

import pytest

from flowgap.ingest.xes_lifecycle import CaseLifecycle


def plain_steps(started: set[str], events: list[tuple[str, str]]) -> list[str | None]:
    """The rule as the module's docstring states it, with a list of the open instances."""
    open_: list[str] = []
    reached: str | None = None
    out: list[str | None] = []
    for activity, tr in events:
        if activity not in started:
            if tr != "complete":
                out.append(None)
            elif open_:
                reached = activity
                out.append(None)
            else:
                out.append(activity)
        elif tr == "start":
            open_.append(activity)
            out.append(activity)
        elif tr != "complete" or activity not in open_:
            out.append(None)
        else:
            del open_[len(open_) - 1 - open_[::-1].index(activity)]
            if open_:
                out.append(open_[-1])
            else:
                out.append(reached or "waiting after " + activity)
                reached = None
    return out


@pytest.mark.parametrize("seed", range(200))
def test_random_cases_follow_the_rule(seed: int) -> None:
    rng = random.Random(seed)
    started = {"W1", "W2", "W3"}
    events = [
        (
            rng.choice(["W1", "W2", "W3", "A_X", "O_Y"]),
            rng.choice(["start", "complete", "schedule"]),
        )
        for _ in range(rng.randrange(1, 40))
    ]
    case = CaseLifecycle(started, "waiting after ")
    assert [case.step(a, t) for a, t in events] == plain_steps(started, events)


@pytest.mark.timeout(60)
def test_a_case_of_many_open_instances_is_linear() -> None:
    """200,000 starts then their completes: each complete copied the list of open instances
    to search it, quadratic in a case's events (a stranger's file could hold the loader)."""
    n = 200_000
    case = CaseLifecycle({"W"}, "waiting after ")
    for _ in range(n):
        case.step("W", "start")
    statuses = [case.step("W", "complete") for _ in range(n)]
    assert statuses[-1] == "waiting after W" and statuses[0] == "W"
