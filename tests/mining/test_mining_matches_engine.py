"""The handoff graph must count exactly the handoffs the engine found, edge by edge."""

from __future__ import annotations

import pytest

import flowgap
from flowgap.engine.analysis import Analysis
from flowgap.mining import handoff_graph, status_map
from flowgap.sample import generate


@pytest.fixture(scope="module")
def analysis() -> Analysis:
    sample = generate(items=250, seed=11)
    return flowgap.analyze(sample.result, sample.config)


def test_handoff_graph_counts_equal_engine_handoffs(analysis: Analysis) -> None:
    engine = {(r["from_team"], r["to_team"]): r["count"] for r in analysis.handoffs.to_pylist()}
    mined = {(r["source"], r["target"]): r["count"] for r in analysis.handoff_graph.to_pylist()}
    assert engine, "the sample log must contain handoffs"
    assert mined == engine
    assert sum(engine.values()) == sum(analysis.items.column("handoffs").to_pylist())


def test_handoff_graph_is_rebuilt_identically_from_the_stints(analysis: Analysis) -> None:
    assert handoff_graph(analysis.stints).equals(analysis.handoff_graph)
    assert status_map(analysis.timeline).equals(analysis.status_map)


def test_status_map_counts_every_status_move(analysis: Analysis) -> None:
    # One edge traversal per change of status between consecutive segments of an item.
    moves = 0
    previous: tuple[str, str] | None = None
    for row in analysis.timeline.select(["item", "status"]).to_pylist():
        key = (row["item"], row["status"])
        if previous is not None and previous[0] == key[0] and previous[1] != key[1]:
            moves += 1
        previous = key
    assert sum(analysis.status_map.column("count").to_pylist()) == moves
