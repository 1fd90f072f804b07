"""flowgap's process maps equal pm4py's own discovery, edge by edge, on generated and public
logs (including a team missing from some stints, which pm4py's grouping leaves out)."""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pytest
from pm4py_reference import assert_same_map, discover_edges
from pm4py_reference import handoff_graph as pm4py_handoff_graph
from pm4py_reference import status_map as pm4py_status_map

import flowgap
from flowgap.config import Config
from flowgap.engine.analysis import Analysis
from flowgap.ingest import xes
from flowgap.mining import PROCESS_EDGES, directly_follows, handoff_graph, status_map
from flowgap.sample import generate


def test_directly_follows_by_hand_and_against_pm4py() -> None:
    # case a: X(t=0) -> Y(t=10 s) -> X(t=40 s); case b: X(0) -> Y(20 s); case c: X alone.
    act = pa.array(["X", "Y", "X", "X", "Y", "X"])
    start = pa.array([0, 10_000_000, 40_000_000, 0, 20_000_000, 5], pa.int64())
    start = start.cast(pa.timestamp("us", "UTC"))
    cases = np.array([0, 0, 0, 1, 1, 2])
    edges = directly_follows(cases, act, start)
    assert edges.to_pylist() == [
        {"source": "X", "target": "Y", "count": 2, "median_s": 15.0, "mean_s": 15.0},
        {"source": "Y", "target": "X", "count": 1, "median_s": 30.0, "mean_s": 30.0},
    ]
    one = directly_follows(cases[:1], act[:1], start[:1])
    assert one.schema == PROCESS_EDGES and one.num_rows == 0
    frame = pa.table({"c": ["a", "a", "a", "b", "b", "c"], "x": act, "t": start})
    assert_same_map(edges, discover_edges(frame.to_pandas(), case="c", activity="x", timestamp="t"))


@pytest.fixture(scope="module")
def sample_analysis() -> Analysis:
    sample = generate(items=400, seed=5)
    return flowgap.analyze(sample.result, sample.config)


def test_sample_maps_equal_pm4py(sample_analysis: Analysis) -> None:
    assert sample_analysis.status_map.num_rows > 10
    assert sample_analysis.handoff_graph.num_rows > 10
    assert_same_map(sample_analysis.status_map, pm4py_status_map(sample_analysis.timeline))
    assert_same_map(sample_analysis.handoff_graph, pm4py_handoff_graph(sample_analysis.stints))


def test_missing_teams_are_left_out_like_pm4py(sample_analysis: Analysis) -> None:
    st = sample_analysis.stints
    # Every fifth stint without a team: pairs touching it are no edge in either.
    team = pc.if_else(
        pa.array([i % 5 == 0 for i in range(st.num_rows)]),
        pa.scalar(None, pa.string()),
        st.column("team"),
    )
    st = st.set_column(st.schema.get_field_index("team"), "team", team)
    got = handoff_graph(st)
    assert_same_map(got, pm4py_handoff_graph(st))
    assert sum(got.column("count").to_pylist()) < sum(
        sample_analysis.handoff_graph.column("count").to_pylist()
    )


def test_unsorted_input_gives_the_same_maps(sample_analysis: Analysis) -> None:
    tl = sample_analysis.timeline
    shuffled = tl.take(pa.array(list(range(tl.num_rows - 1, -1, -1))))
    assert status_map(shuffled).equals(sample_analysis.status_map)


def test_helpdesk_maps_equal_pm4py(shared_data) -> None:
    helpdesk = xes.load(shared_data / "helpdesk.xes.gz", Config())
    analysis = flowgap.analyze(helpdesk, Config.from_dict({"teams": {"source": ["assignee"]}}))
    assert analysis.status_map.num_rows > 20
    assert_same_map(analysis.status_map, pm4py_status_map(analysis.timeline))
    assert_same_map(analysis.handoff_graph, pm4py_handoff_graph(analysis.stints))
