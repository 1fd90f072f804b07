"""figures/statuses.py: statuses in workflow order, a distinct colour each; count axes."""

from __future__ import annotations

import pandas as pd

from flowgap import figures
from flowgap.figures.statuses import status_colours, workflow_order
from flowgap.figures.style import CLASS_COLOURS, base_figure, count_axis

CLASSES = {
    "Backlog": "backlog",
    "Build": "active",
    "Ready": "wait",
    "Test": "active",
    "Done": "done",
}


def test_the_maps_order_with_the_configured_statuses_in_their_order() -> None:
    moves = {
        ("Backlog", "Build"): 5,
        ("Build", "Ready"): 5,
        ("Ready", "Test"): 5,
        ("Test", "Done"): 5,
    }
    assert workflow_order(CLASSES, moves) == ["Backlog", "Build", "Ready", "Test", "Done"]
    # the configured statuses follow the configured order in the places they hold
    assert workflow_order(CLASSES, moves, ["Test", "Nope", "Build"]) == [
        "Backlog",
        "Test",
        "Ready",
        "Build",
        "Done",
    ]
    # no moves: by class (backlog, wait, active, done), then name
    assert workflow_order(CLASSES) == ["Backlog", "Ready", "Build", "Test", "Done"]


def test_every_status_its_own_colour_in_its_class_family() -> None:
    many = {f"Queue {i}": "wait" for i in range(20)} | {"Build": "active"}
    colours = status_colours(list(many), many)
    assert len(set(colours.values())) == len(colours)
    assert colours["Queue 0"] == CLASS_COLOURS["wait"]
    assert colours["Build"] == CLASS_COLOURS["active"]


def test_cumulative_flow_stacks_done_at_the_bottom_in_workflow_order() -> None:
    daily = pd.DataFrame(
        [
            {"date": d, "status": s, "class": c, "items": 1}
            for d in pd.date_range("2026-01-01", periods=3)
            for s, c in CLASSES.items()
        ]
    )
    moves = {
        ("Backlog", "Build"): 1,
        ("Build", "Ready"): 1,
        ("Ready", "Test"): 1,
        ("Test", "Done"): 1,
    }
    scope = figures.StatusScope(tuple(workflow_order(CLASSES, moves)), CLASSES)
    fig = figures.cumulative_flow(daily, scope)
    assert [t.name for t in fig.data] == ["Done", "Test", "Ready", "Build", "Backlog"]
    assert fig.layout.legend.traceorder == "reversed"
    assert fig.layout.yaxis.dtick == 1 and fig.layout.yaxis.tickformat == ",d"


def test_counts_get_whole_number_ticks() -> None:
    small, large = base_figure("s"), base_figure("l")
    count_axis(small, 3)
    count_axis(large, 250)
    assert small.layout.yaxis.dtick == 1
    assert large.layout.yaxis.dtick is None and large.layout.yaxis.tickformat == ",d"


def test_done_comes_last_even_when_a_side_status_is_reached_later() -> None:
    classes = {**CLASSES, "Steering Review": "wait"}
    moves = {
        ("Backlog", "Build"): 5,
        ("Build", "Done"): 5,
        ("Done", "Steering Review"): 1,
        ("Steering Review", "Test"): 1,
    }
    order = workflow_order(classes, moves)
    assert order[0] == "Backlog" and order[-1] == "Done"
