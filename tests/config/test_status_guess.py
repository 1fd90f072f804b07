"""The status-class heuristics: the name first (a queue is wait even under Jira's "In
Progress" category), then Jira's status category."""

from __future__ import annotations

import pytest

from flowgap.config import Config, StatusMoves, guess_status_class
from flowgap.config.status_guess import guess_classes


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
        # Bugzilla's RESOLVED -> VERIFIED -> CLOSED: checked after delivery (helpdesk)
        ("VERIFIED", None, "done"),
        ("INVALID", None, "done"),  # Bugzilla's other resolutions, as DUPLICATE
        ("WONTFIX", None, "done"),
        ("WORKSFORME", None, "done"),
        ("Verification", None, "active"),
        ("Ready for verification", None, "wait"),
    ],
)
def test_guess(status: str, category: str | None, expected: str) -> None:
    assert guess_status_class(status, category) == expected


@pytest.mark.parametrize(
    ("status", "expected"),
    [
        # BPI Challenge 2012's activities: "_" separates words
        ("A_DECLINED", "done"),
        ("A_CANCELLED", "done"),
        ("O_CANCELLED", "done"),
        ("W_Wijzigen contractgegevens", "wait"),  # no word known: the fallback
        ("In-Progress", "active"),
        ("Code.Review", "active"),
        ("Dev/Test", "active"),
        # BPI Challenge 2013: a status and its sub-status; the sub-status decides
        ("Accepted / In Progress", "active"),
        ("Accepted / Wait", "wait"),
        ("Accepted / Assigned", "wait"),  # the sub-status tells nothing: "Accepted" does
        ("Queued / Awaiting Assignment", "wait"),
        ("Completed / Closed", "done"),
        ("Completed / Cancelled", "done"),
        # flowgap's own status after a completed activity, whatever the activity is called
        ("waiting after Done", "wait"),
        ("waiting after W_Completeren aanvraag", "wait"),
    ],
)
def test_word_separators_composed_statuses_and_waits_after(status: str, expected: str) -> None:
    assert guess_status_class(status) == expected


def test_active_is_a_work_status() -> None:
    # ServiceNow's state of an incident being worked on
    assert guess_status_class("Active") == "active"
    assert guess_status_class("Inactive") == "wait"


def dev_done_moves(to_test: int, visits: int = 10) -> StatusMoves:
    """In Development -> Dev Done -> In Test for ``to_test`` of Dev Done's visits, the rest
    of them reopened to Backlog."""
    return StatusMoves(
        visits={"In Development": visits, "Dev Done": visits, "In Test": to_test},
        moves={
            ("In Development", "Dev Done"): visits,
            ("Dev Done", "In Test"): to_test,
            ("Dev Done", "Backlog"): visits - to_test,
        },
    )


def test_a_done_that_items_leave_for_work_is_a_queue() -> None:
    names = ["In Development", "Dev Done", "In Test", "Backlog"]
    assert guess_status_class("Dev Done") == "done"  # by its name alone
    assert guess_classes(names, {}, dev_done_moves(8)) == {
        "In Development": "active",
        "Dev Done": "wait",
        "In Test": "active",
        "Backlog": "backlog",
    }
    # left for work in 5 of 10 visits: not most of them, a done it stays
    assert guess_classes(names, {}, dev_done_moves(5))["Dev Done"] == "done"
    # too few visits to tell
    assert guess_classes(names, {}, dev_done_moves(2, visits=2))["Dev Done"] == "done"
    # the classes of the statuses it moves to may come from the config
    fixed = {"In Test": "wait"}
    assert guess_classes(names, {}, dev_done_moves(8), fixed)["Dev Done"] == "done"


def test_the_config_decides_before_the_shape() -> None:
    config = Config.from_dict({"statuses": {"classes": {"Dev Done": "done"}}})
    names = ["In Development", "Dev Done", "In Test", "Backlog"]
    got = config.status_classes(names, {}, dev_done_moves(8))
    assert got["Dev Done"] == ("done", False)
    assert got["In Test"] == ("active", True)


def outcome_moves(ended: int, visits: int = 10) -> StatusMoves:
    """Review -> Granted in ``visits`` visits, ``ended`` of them the item's last status, the
    rest back to Review."""
    return StatusMoves(
        visits={"Review": visits + (visits - ended), "Granted": visits},
        moves={("Review", "Granted"): visits, ("Granted", "Review"): visits - ended},
    )


def test_a_status_items_end_in_is_an_outcome_when_nothing_else_tells() -> None:
    names = ["Review", "Granted"]
    assert guess_status_class("Granted") == "wait"  # its name and category tell nothing
    assert guess_classes(names, {}, outcome_moves(9))["Granted"] == "done"
    # left again in 2 of 10 visits: not an end state
    assert guess_classes(names, {}, outcome_moves(8))["Granted"] == "wait"
    # too few visits to tell
    assert guess_classes(names, {}, outcome_moves(2, visits=2))["Granted"] == "wait"
    # a name or a category that tells a class decides, end state or not
    assert guess_classes(names, {"Granted": "indeterminate"}, outcome_moves(10)) == {
        "Review": "active",
        "Granted": "active",
    }
    queue = StatusMoves(visits={"Ready for QA": 10}, moves={})
    assert guess_classes(["Ready for QA"], {}, queue) == {"Ready for QA": "wait"}


def test_an_outcome_named_like_a_queue_is_done_where_items_end() -> None:
    """BPI Challenge 2012's A_APPROVED and O_ACCEPTED: named like Jira's "Approved" queue,
    outcomes where items end. Only such a word yields to the shape: a queue items end in
    ("Ready for Dev" filling up) stays a wait."""
    for name in ("A_APPROVED", "O_ACCEPTED", "Approved"):
        assert guess_status_class(name) == "wait"
        moves = StatusMoves(
            visits={"Review": 10, name: 10}, moves={("Review", name): 10, (name, "Review"): 1}
        )
        assert guess_classes(["Review", name], {}, moves)[name] == "done"
        # left again in 2 of 10 visits: the queue its name says
        moves = StatusMoves(
            visits={"Review": 10, name: 10}, moves={("Review", name): 10, (name, "Review"): 2}
        )
        assert guess_classes(["Review", name], {}, moves)[name] == "wait"
    for queue in ("Ready for Dev", "Waiting for approval", "Queued", "Blocked"):
        moves = StatusMoves(visits={"Review": 10, queue: 10}, moves={("Review", queue): 10})
        assert guess_classes(["Review", queue], {}, moves)[queue] == "wait", queue
