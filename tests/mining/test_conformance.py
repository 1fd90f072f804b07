"""Conformance to the intended workflow: skipped steps, backward moves, paths outside it."""

from __future__ import annotations

from hand_logs import DAY, items, visits

from flowgap.mining.conformance import conformance
from flowgap.mining.variants import item_variants

ORDER = ["Ready", "Dev", "Review", "Done"]
PATHS = {
    "A": ["Ready", "Dev", "Review", "Done"],  # follows the workflow
    "B": ["Ready", "Dev", "Done"],  # skipped Review
    "C": ["Ready", "Dev", "Blocked", "Dev", "Review", "Done"],  # outside: Blocked
    "E": ["Ready", "Dev", "Ready", "Dev", "Review", "Done"],  # backward (the engine's rework)
    "F": ["Ready", "Dev", "Review", "Done"],
    "O": ["Ready"],  # open: not judged
}
ITEMS = items(
    [
        ("A", False, 10, None, 0),
        ("B", False, 4, None, 0),
        ("C", False, 20, None, 0),
        ("E", False, 30, None, 1),
        ("F", False, 12, None, 0),
        ("O", True, None, None, 0),
    ]
)


def test_deviations_against_the_configured_order() -> None:
    got = conformance(item_variants(visits(PATHS)), ITEMS, ORDER)
    assert got["workflow"] == ORDER and got["workflow_source"] == "config"
    assert got["delivered"] == 5
    assert got["conforming"] == 2 and got["conforming_share"] == 0.4
    assert got["median_lead_time_s_conforming"] == 11 * DAY  # A and F
    assert got["deviations"] == [
        # One item each: skipped, backward, outside.
        {
            "kind": "skipped",
            "status": "Review",
            "items": 1,
            "share": 0.2,
            "median_lead_time_s": 4 * DAY,
            "median_lead_time_s_without": 16 * DAY,  # median of 10, 12, 20, 30
        },
        {
            "kind": "backward",
            "status": None,
            "items": 1,
            "share": 0.2,
            "median_lead_time_s": 30 * DAY,
            "median_lead_time_s_without": 11 * DAY,  # median of 4, 10, 12, 20
        },
        {
            "kind": "outside",
            "status": "Blocked",
            "items": 1,
            "share": 0.2,
            "median_lead_time_s": 20 * DAY,
            "median_lead_time_s_without": 11 * DAY,  # median of 4, 10, 12, 30
        },
    ]
    assert got["finding"] == (
        "20% of delivered items skipped 'Review'; their median lead time was 4.0 days "
        "against 16.0 days for the others."
    )


def test_without_an_order_the_most_frequent_delivered_path_is_the_workflow() -> None:
    got = conformance(item_variants(visits(PATHS)), ITEMS, [])
    assert got["workflow"] == ORDER and got["workflow_source"] == "inferred"
    assert [(d["kind"], d["status"]) for d in got["deviations"]] == [
        ("skipped", "Review"),
        ("backward", None),
        ("outside", "Blocked"),
    ]


def test_skipping_is_only_between_visited_steps() -> None:
    # Starting at Dev skips nothing before it; stopping early is no skip either.
    got = conformance(
        item_variants(visits({"X": ["Dev", "Review", "Done"], "Y": ["Ready", "Dev"]})),
        items([("X", False, 3, None, 0), ("Y", False, 2, None, 0)]),
        ORDER,
    )
    assert got["deviations"] == [] and got["conforming"] == 2 and got["finding"] is None


def _with_touch(table, touched: set[str]):
    import pyarrow as pa

    touch = [1.0 if k in touched else 0.0 for k in table.column("item").to_pylist()]
    return table.append_column("touch_s", pa.array(touch, pa.float64()))


def test_the_inferred_workflow_is_that_of_items_someone_worked_on() -> None:
    """BPI Challenge 2012's most frequent delivered path was a loan declined on arrival,
    untouched: every application worked on then "deviated" from it."""
    paths = {
        **{f"X{i}": ["Submitted", "Declined"] for i in range(4)},  # untouched
        **{f"W{i}": ["Submitted", "Dev", "Review", "Done"] for i in range(3)},
        "V": ["Submitted", "Dev", "Done"],
    }
    rows = [(k, False, 1.0, None, 0) for k in paths]
    worked = {k for k in paths if not k.startswith("X")}
    classes = {"Declined": "done", "Done": "done"}
    got = conformance(item_variants(visits(paths)), _with_touch(items(rows), worked), [], classes)
    assert got["workflow"] == ["Submitted", "Dev", "Review", "Done"]
    # the declined items end in another outcome: no deviation; V skipped Review
    assert [(d["kind"], d["status"], d["items"]) for d in got["deviations"]] == [
        ("skipped", "Review", 1)
    ]
    assert got["conforming"] == 7
    # without touch the most frequent delivered path decides, as before
    got = conformance(item_variants(visits(paths)), items(rows), [], classes)
    assert got["workflow"] == ["Submitted", "Declined"]


def test_an_inferred_path_few_items_follow_is_said_to_be_one_among_many() -> None:
    paths = {
        "A": ["Ready", "Dev", "Done"],
        "B": ["Ready", "Dev", "Done"],
        "C": ["Ready", "Test", "Done"],
        "D": ["Ready", "Ops", "Done"],
        "E": ["Ready", "Sec", "Done"],
        "F": ["Ready", "Legal", "Done"],
        "G": ["Ready", "Docs", "Done"],
        "H": ["Ready", "UX", "Done"],
        "I": ["Ready", "QA", "Done"],
    }
    rows = [(k, False, 1.0, None, 0) for k in paths]
    got = conformance(item_variants(visits(paths)), items(rows), [])
    assert got["conforming"] == 2
    assert got["finding"].startswith(
        "No path dominates: the most frequent path of the delivered items someone worked on"
        " without moving back is followed by 22% of delivered items (2 of 9)"
    )
    assert "Set [statuses] order" in got["finding"]
    # a configured order is the user's own: its deviations are named
    got = conformance(item_variants(visits(paths)), items(rows), ["Ready", "Dev", "Done"])
    assert got["finding"].startswith("78% of delivered items skipped 'Dev'")


def test_the_inferred_workflow_is_a_path_without_a_backward_move() -> None:
    """A Jira export's most frequent path moved back ("Resolved -> Open"): its own items
    deviated from it (backward), and the section said 0% followed the workflow it showed."""
    paths = {
        **{f"R{i}": ["Open", "Dev", "Resolved", "Open", "Closed"] for i in range(3)},
        **{f"S{i}": ["Open", "Dev", "Resolved", "Closed"] for i in range(2)},
    }
    rows = [(k, False, 1.0, None, 1 if k.startswith("R") else 0) for k in paths]
    got = conformance(item_variants(visits(paths)), items(rows), [])
    assert got["workflow"] == ["Open", "Dev", "Resolved", "Closed"]
    assert got["conforming"] == 2
