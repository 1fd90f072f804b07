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


def test_dot_lines_get_stable_names_and_the_workflow_order() -> None:
    from flowgap.mining.map_drawings import in_order

    body = [
        "\tnode [shape=box]\n",
        '\t-5100000001 [label="In Dev (3)" fontsize=12]\n',
        "\t7200000002 [label=Done fontsize=12]\n",
        "\t3300000003 [label=Blocked fontsize=12]\n",
        "\t-5100000001 -> 7200000002 [label=3 fontsize=12]\n",
        "\t7200000002 -> -5100000001 [label=1 fontsize=12]\n",
        "\t3300000003 -> -5100000001 [label=1 fontsize=12]\n",
        '\t"@@startnode" -> -5100000001 [label=3]\n',
    ]
    got = in_order(body, ["In Dev", "Done"])
    # Names by status name: Blocked s0, Done s1, In Dev s2.
    assert got == [
        "\tnode [shape=box]\n",
        '\ts2 [label="In Dev (3)" fontsize=12]\n',
        "\ts1 [label=Done fontsize=12]\n",
        "\ts0 [label=Blocked fontsize=12]\n",
        "\ts2 -> s1 [label=3 fontsize=12]\n",
        "\ts1 -> s2 [label=1 fontsize=12 constraint=false]\n",  # back up the workflow
        "\ts0 -> s2 [label=1 fontsize=12 constraint=false]\n",  # back from a side trip
        '\t"@@startnode" -> s2 [label=3]\n',
        "\ts2 -> s1 [style=invis weight=10]\n",  # the workflow, top-down
    ]
