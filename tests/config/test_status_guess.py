"""The status-class heuristics: the name first (a queue is wait even under Jira's "In
Progress" category), then Jira's status category."""

from __future__ import annotations

import pytest

from flowgap.config import guess_status_class


@pytest.mark.parametrize(
    ("status", "category", "expected"),
    [
        ("Ready for QA", "In Progress", "wait"),
        ("In QA", None, "active"),
        ("Releasing", None, "active"),
        ("Releasing", "In Progress", "active"),
        ("Merging", None, "active"),
        ("Ready for Release", "In Progress", "wait"),
        ("Released", None, "done"),
        ("Backlog", "To Do", "backlog"),
        ("Steering Review", "In Progress", "wait"),
        ("Frobnicating", "In Progress", "active"),
        ("Frobnicating", "Done", "done"),
        ("Frobnicating", None, "wait"),
    ],
)
def test_guess(status: str, category: str | None, expected: str) -> None:
    assert guess_status_class(status, category) == expected
