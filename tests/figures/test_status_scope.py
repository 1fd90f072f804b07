"""figures/statuses.py: statuses in workflow order, a distinct colour each; count axes."""

from __future__ import annotations

import random

import pandas as pd

from flowgap import figures
from flowgap.figures.process_maps import status_layers
from flowgap.figures.statuses import CHART_STATUSES, chart_labels, status_colours, workflow_order
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


def _layers_by_scanning(classes: dict, moves: dict) -> dict:
    """status_layers' definition, scanning every status and move at each step (as it was
    written before the heap): the reference the fast one must equal."""
    rank = {"backlog": 0, "wait": 1, "active": 1, "done": 2}
    moves = {(a, b): n for (a, b), n in moves.items() if a != b and a in classes and b in classes}
    out, into = dict.fromkeys(classes, 0), dict.fromkeys(classes, 0)
    for (a, b), n in moves.items():
        out[a] += n
        into[b] += n
    order, left = [], set(classes)
    while left:
        best = min(left, key=lambda s: (rank.get(classes[s], 1), into[s] - out[s], s))
        order.append(best)
        left.remove(best)
        for (a, b), n in moves.items():
            if a == best and b in left:
                into[b] -= n
            if b == best and a in left:
                out[a] -= n
    index = {s: i for i, s in enumerate(order)}
    column = dict.fromkeys(order, 0)
    for s in order:
        for (a, b), n in moves.items():
            if b == s and index[a] < index[s] and n > 0:
                column[s] = max(column[s], column[a] + 1)
    stacks: dict = {}
    for s in order:
        stacks.setdefault(column[s], []).append(s)
    return {s: (c, r - (len(ss) - 1) / 2) for c, ss in stacks.items() for r, s in enumerate(ss)}


def test_the_layered_order_is_its_definition_on_random_maps() -> None:
    rng = random.Random(3)
    for _ in range(500):
        names = [f"s{i}" for i in range(rng.randint(1, 14))]
        classes = {s: rng.choice(["backlog", "wait", "active", "done", "odd"]) for s in names}
        moves = {
            (rng.choice(names), rng.choice([*names, "unknown"])): rng.randint(0, 6)
            for _ in range(rng.randint(0, 40))
        }
        assert status_layers(classes, moves) == _layers_by_scanning(classes, moves)


def test_a_chart_names_its_busiest_statuses_and_folds_the_rest_by_class() -> None:
    weights = {f"Q{i:03}": float(i) for i in range(CHART_STATUSES + 5)} | {"Build": 1000.0}
    classes = {s: "wait" for s in weights} | {"Build": "active", "Q000": "done"}
    labels = chart_labels(weights, classes)
    named = [s for s, label in labels.items() if label == s]
    assert len(named) == CHART_STATUSES and "Build" in named
    assert labels["Q000"] == "other done statuses" and labels["Q001"] == "other wait statuses"
    assert chart_labels({"A": 1.0}, {"A": "wait"}) == {"A": "A"}
    # The cumulative flow diagram: one band per named status, one per folded class; no
    # item-day is lost.
    daily = pd.DataFrame(
        [
            {"date": d, "status": s, "class": classes[s], "items": int(w) + 1}
            for d in pd.date_range("2026-01-01", periods=2)
            for s, w in weights.items()
        ]
    )
    fig = figures.cumulative_flow(daily)
    names = [t.name for t in fig.data]
    assert len(names) == CHART_STATUSES + 2
    assert {"other done statuses", "other wait statuses"} <= set(names)
    assert sum(sum(t.y) for t in fig.data) == daily["items"].sum()


def test_a_folded_band_sits_after_the_last_named_status_of_its_class() -> None:
    scope = figures.StatusScope(tuple(CLASSES), CLASSES)  # Backlog, Build, Ready, Test, Done
    chart = {"Backlog": "backlog", "Ready": "wait", "Done": "done"}
    chart |= {"other wait statuses": "wait", "other backlog statuses": "backlog", "New": "wait"}
    assert scope.arrange(chart) == [
        "Backlog",
        "other backlog statuses",
        "Ready",
        "other wait statuses",
        "Done",
        "New",
    ]
