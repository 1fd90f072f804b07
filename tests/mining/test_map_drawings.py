"""The static drawing of the status map: pm4py's DFG visualiser through Graphviz."""

from __future__ import annotations

import itertools
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


@needs_dot
def test_names_graphviz_would_read_otherwise_are_drawn_as_they_are() -> None:
    """A status ending in a backslash escaped the closing quote of its DOT label, and one
    shaped like ``<none>`` was read as an HTML label: ``dot`` failed, and the analysis with a
    traceback. Both are drawn as written, in the workflow's order."""
    paths = {"A": ["Open\\", "<a>>", "Done"], "B": ["Open\\", "Done"]}
    status_map = edges({("Open\\", "<a>>"): 1, ("<a>>", "Done"): 1, ("Open\\", "Done"): 1})
    for view in ("frequency", "performance"):
        svg = status_map_svg(status_map, visits(paths), view, order=["Open\\", "<a>>", "Done"])
        assert svg is not None and svg.startswith("<svg")
        assert ">Open\\" in svg and ">&lt;a&gt;&gt;\u200b" in svg


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


# --------------------------------------------------------------------------- at scale

#: Graphviz's SVG: a node is a ``<g class="node">`` with a box (polygon) or a marker
#: (ellipse) and its label, ``<text>``, "Status (visits)".
SVG = "{http://www.w3.org/2000/svg}"


def svg_nodes(svg: str) -> list[dict]:
    """Each node of a Graphviz SVG: its label's status and its box (x1, y1, x2, y2), y down."""
    import xml.etree.ElementTree as ET

    nodes = []
    for g in ET.fromstring(svg).iter(f"{SVG}g"):
        if g.get("class") != "node":
            continue
        xs: list[float] = []
        ys: list[float] = []
        for shape in g:
            if shape.tag == f"{SVG}polygon":
                for point in shape.get("points", "").split():
                    x, y = point.split(",")
                    xs.append(float(x))
                    ys.append(float(y))
            elif shape.tag == f"{SVG}ellipse":
                cx, cy = float(shape.get("cx", 0)), float(shape.get("cy", 0))
                rx, ry = float(shape.get("rx", 0)), float(shape.get("ry", 0))
                xs += [cx - rx, cx + rx]
                ys += [cy - ry, cy + ry]
        text = g.find(f"{SVG}text")
        label = "" if text is None else (text.text or "")
        nodes.append(
            {
                "name": label.rsplit(" (", 1)[0],
                "x1": min(xs),
                "x2": max(xs),
                "y1": min(ys),
                "y2": max(ys),
                "text_x": None if text is None else float(text.get("x", 0)),
                "text_y": None if text is None else float(text.get("y", 0)),
            }
        )
    return nodes


def overlapping(nodes: list[dict]) -> list[tuple[str, str]]:
    return [
        (a["name"], b["name"])
        for i, a in enumerate(nodes)
        for b in nodes[i + 1 :]
        if a["x1"] < b["x2"] and b["x1"] < a["x2"] and a["y1"] < b["y2"] and b["y1"] < a["y2"]
    ]


def test_the_overlap_check_sees_overlapping_boxes() -> None:
    a = {"name": "a", "x1": 0, "x2": 10, "y1": 0, "y2": 10}
    assert overlapping([a, {**a, "name": "b", "x1": 5, "x2": 15}]) == [("a", "b")]
    assert overlapping([a, {**a, "name": "b", "x1": 10, "x2": 20}]) == []  # touching


@pytest.fixture(scope="module")
def wide(tmp_path_factory):
    """The analysis of a generated log with 60 teams and 25 statuses."""
    import flowgap
    from flowgap.config import Config
    from flowgap.sample import write_sample
    from flowgap.sample.scale import Shape

    out = tmp_path_factory.mktemp("wide") / "wide.jira.ndjson.gz"
    log, _, toml = write_sample(out, items=300, seed=3, shape=Shape(teams=60, statuses=25))
    config = Config.load(toml)
    return flowgap.analyze(flowgap.load(log, config), config), config.statuses.order


@needs_dot
@pytest.mark.parametrize("view", ["frequency", "performance"])
def test_the_drawing_of_25_statuses_is_top_down_in_workflow_order_without_overlaps(
    wide, view
) -> None:
    a, order = wide
    svg = status_map_svg(a.status_map, a.status_visits, view, a.conformance["workflow"])
    assert svg is not None
    nodes = svg_nodes(svg)
    # The statuses, without pm4py's start (●) and end (■) markers.
    by_name = {n["name"]: n for n in nodes if n["name"] not in ("●", "■")}
    assert len(by_name) == 25 and len(nodes) == 27
    assert overlapping(nodes) == []
    # Each label sits inside its own box.
    for n in nodes:
        assert n["x1"] < n["text_x"] < n["x2"] and n["y1"] < n["text_y"] < n["y2"], n
    # The workflow top-down: each of its statuses below the one before it.
    ys = [(by_name[s]["y1"] + by_name[s]["y2"]) / 2 for s in order if s in by_name]
    assert len(ys) == len(order)
    assert all(a < b for a, b in itertools.pairwise(ys)), ys


@needs_dot
def test_the_handoff_graph_drawing_has_its_teams_and_handoffs() -> None:
    import pyarrow as pa

    from flowgap.mining.map_drawings import handoff_graph_svg

    handoffs = pa.table(
        {
            "from_team": ["Dev", "QA", "Dev"],
            "to_team": ["QA", "Dev", "other"],
            "count": [5, 2, 1],
            "median_wait_s": [86400.0, 2 * 86400.0, None],
        }
    )
    frequency = handoff_graph_svg(handoffs, "frequency")
    assert frequency is not None and frequency.startswith("<svg")
    # Teams are nodes labelled with the handoffs they received; edges count the handoffs.
    assert ">QA (5)<" in frequency and ">Dev (2)<" in frequency and ">other (1)<" in frequency
    assert ">5<" in frequency and ">2<" in frequency
    performance = handoff_graph_svg(handoffs, "performance")
    assert performance is not None and ">1D<" in performance and ">2D<" in performance
    assert handoff_graph_svg(handoffs.slice(0, 0)) is None
