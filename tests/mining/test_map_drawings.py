"""The static drawing of the status map: pm4py's DFG visualiser through Graphviz."""

from __future__ import annotations

import shutil

import pytest
from hand_logs import edges, visits

from flowgap.mining.map_drawings import status_map_svg
from flowgap.mining.process_maps import start_end

PATHS = {
    "A": ["Ready", "Dev", "Done"],
    "B": ["Ready", "Dev"],
    "C": ["Dev", "Done"],
}
needs_dot = pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz (dot) not installed")


def test_start_and_end_markers_count_where_paths_begin_and_end() -> None:
    assert start_end(visits(PATHS)) == ({"Ready": 2, "Dev": 1}, {"Done": 2, "Dev": 1})
    assert start_end(visits({})) == ({}, {})


@needs_dot
def test_both_views_are_inline_svg_with_the_edges() -> None:
    status_map = edges({("Ready", "Dev"): 2, ("Dev", "Done"): 7})
    frequency = status_map_svg(status_map, visits(PATHS), "frequency")
    assert frequency is not None
    assert frequency.startswith("<svg") and frequency.endswith("</svg>")
    assert ">Ready (" in frequency and ">7<" in frequency  # node and edge labels
    performance = status_map_svg(status_map, visits(PATHS), "performance")
    assert performance is not None and performance.startswith("<svg")


def test_no_edges_no_drawing() -> None:
    empty = edges({})
    assert status_map_svg(empty, visits({})) is None
    with pytest.raises(ValueError):
        status_map_svg(empty, None, "colour")
