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
