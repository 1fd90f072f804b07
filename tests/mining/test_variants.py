"""Variants from pm4py, with their share and the medians of their delivered items."""

from __future__ import annotations

from hand_logs import DAY, items, visits

from flowgap.mining.variants import item_variants, variants

PATHS = {
    "A": ["Ready", "Dev", "Done"],
    "B": ["Ready", "Dev", "Done"],
    "C": ["Ready", "Dev", "Ready", "Dev", "Done"],
    "D": ["Ready", "Dev"],
}
ITEMS = items(
    [
        ("A", False, 10, 0.25, 0),
        ("B", False, 20, 0.75, 0),
        ("C", False, 30, 0.1, 1),
        ("D", True, None, None, 0),
    ]
)


def test_each_item_gets_its_path_of_visits() -> None:
    assert item_variants(visits(PATHS)) == {k: tuple(v) for k, v in PATHS.items()}


def test_variants_ranked_by_items_with_medians_of_delivered_items() -> None:
    got = variants(item_variants(visits(PATHS)), ITEMS)
    assert got["items"] == 4 and got["distinct"] == 3 and got["top_share"] == 1.0
    assert got["top"] == [
        {
            "rank": 1,
            "path": ["Ready", "Dev", "Done"],
            "items": 2,
            "share": 0.5,
            "delivered": 2,
            "median_lead_time_s": 15 * DAY,
            "median_flow_efficiency": 0.5,
        },
        # One item each: in path order, so the open item's shorter path comes first.
        {
            "rank": 2,
            "path": ["Ready", "Dev"],
            "items": 1,
            "share": 0.25,
            "delivered": 0,
            "median_lead_time_s": None,
            "median_flow_efficiency": None,
        },
        {
            "rank": 3,
            "path": ["Ready", "Dev", "Ready", "Dev", "Done"],
            "items": 1,
            "share": 0.25,
            "delivered": 1,
            "median_lead_time_s": 30 * DAY,
            "median_flow_efficiency": 0.1,
        },
    ]
    top_one = variants(item_variants(visits(PATHS)), ITEMS, top=1)
    assert top_one["distinct"] == 3 and top_one["top_share"] == 0.5


def test_no_visits_no_variants() -> None:
    got = variants(item_variants(visits({})), ITEMS)
    assert got == {"items": 0, "distinct": 0, "top_share": None, "top": []}
