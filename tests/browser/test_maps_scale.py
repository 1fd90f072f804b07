"""The process maps in a real browser, on the demo log and on a generated log of 60 teams and
25 statuses: no two node labels overlap, the status map reads top-down in workflow order, and
a click on the busiest edge selects that edge. The maps of the big log are saved into
docs/img/.

The positions are cytoscape's own (``renderedBoundingBox`` with labels, ``renderedMidpoint``),
read from the instance dash-cytoscape keeps on its container.
"""

from __future__ import annotations

import itertools
import json
import tomllib
from collections.abc import Iterator
from pathlib import Path

import pytest

from .conftest import Console, _flowgap, grid_rows, serving

pytestmark = [pytest.mark.browser, pytest.mark.slow]

SLOW = 120_000  # ms: the first analysis imports pm4py in the server

#: Each map's laid-out nodes: name, class, and the box of the node with its label on the page.
NODES = """(id) => {
    const el = document.getElementById(id);
    const cy = el._cyreg.cy;
    return cy.nodes(':visible').map((n) => {
        const b = n.renderedBoundingBox({includeLabels: true, includeOverlays: false});
        return {name: n.data('name'), y: n.position('y'),
                x1: b.x1, x2: b.x2, y1: b.y1, y2: b.y2};
    });
}"""
#: The visible edges: ends, count and where a click on the edge lands on the page: its middle,
#: or, where a node is drawn over the middle (an edge across a layer passes behind the nodes
#: of that layer, which take the click), the point nearest the middle that no node covers.
EDGES = """(id) => {
    const el = document.getElementById(id);
    const cy = el._cyreg.cy;
    const box = el.getBoundingClientRect();
    const zoom = cy.zoom(), pan = cy.pan();
    const boxes = cy.nodes(':visible').map((n) => n.renderedBoundingBox());
    const covered = (p) => boxes.some((b) => p.x > b.x1 && p.x < b.x2 && p.y > b.y1 && p.y < b.y2);
    const at = (e, t) => {
        const s = e.sourceEndpoint(), g = e.targetEndpoint(), c = e.controlPoints();
        let x, y;
        if (c && c.length === 1) {
            x = (1 - t) * (1 - t) * s.x + 2 * (1 - t) * t * c[0].x + t * t * g.x;
            y = (1 - t) * (1 - t) * s.y + 2 * (1 - t) * t * c[0].y + t * t * g.y;
        } else { x = s.x + t * (g.x - s.x); y = s.y + t * (g.y - s.y); }
        return {x: x * zoom + pan.x, y: y * zoom + pan.y};
    };
    return cy.edges(':visible').map((e) => {
        let m = e.renderedMidpoint();
        if (covered(m)) {
            for (const t of [0.4, 0.6, 0.3, 0.7, 0.2, 0.8, 0.15, 0.85]) {
                const p = at(e, t);
                if (!covered(p)) { m = p; break; }
            }
        }
        return {from: e.data('from'), to: e.data('to'), count: e.data('count'),
                x: box.left + window.scrollX + m.x, y: box.top + window.scrollY + m.y};
    });
}"""
#: The edges whose label is drawn: the label's box (model coordinates, as placed), and
#: the boxes of the nodes with their labels.
EDGE_LABELS = """(id) => {
    const cy = document.getElementById(id)._cyreg.cy;
    const box = (b) => ({x1: b.x1, x2: b.x2, y1: b.y1, y2: b.y2});
    const labels = cy.edges(':visible').filter((e) => e.style('label')).map((e) => ({
        name: e.data('from') + ' -> ' + e.data('to'),
        ...box(e.boundingBox({includeNodes: false, includeEdges: false, includeLabels: true,
                              includeMainLabels: true, includeSourceLabels: false,
                              includeTargetLabels: false, includeOverlays: false}))}));
    const nodes = cy.nodes(':visible').map((n) => ({name: n.data('name'),
        ...box(n.boundingBox({includeLabels: true, includeOverlays: false}))}));
    return {labels: labels, nodes: nodes};
}"""
#: True once the map has nodes and its layout has placed them (not all at one point).
LAID_OUT = """(id) => {
    const el = document.getElementById(id);
    if (!el || !el._cyreg) return false;
    const ns = el._cyreg.cy.nodes(':visible');
    return ns.length > 1 && new Set(ns.map((n) => Math.round(n.position('y')))).size > 1;
}"""


def overlaps(nodes: list[dict]) -> list[tuple[str, str]]:
    """Pairs of nodes whose boxes (with labels) intersect; touching is not overlapping."""
    found = []
    for i, a in enumerate(nodes):
        for b in nodes[i + 1 :]:
            if a["x1"] < b["x2"] and b["x1"] < a["x2"] and a["y1"] < b["y2"] and b["y1"] < a["y2"]:
                found.append((a["name"], b["name"]))
    return found


def out_of_order(nodes: list[dict], edges: list[dict], order: list[str]) -> list[str]:
    """What breaks "top-down in workflow order": a status of the workflow not below the one
    before it, or a move forward in the workflow that does not point down."""
    y = {n["name"]: n["y"] for n in nodes}
    chain = [s for s in order if s in y]
    rank = {s: i for i, s in enumerate(chain)}
    wrong = [f"{a} above {b}" for a, b in itertools.pairwise(chain) if y[a] >= y[b]]
    wrong += [
        f"{e['from']} -> {e['to']} points up"
        for e in edges
        if e["from"] in rank and e["to"] in rank and rank[e["from"]] < rank[e["to"]]
        if y[e["from"]] >= y[e["to"]]
    ]
    return wrong


#: The same nodes crowded into a small grid: a layout whose labels do overlap.
CROWD = """(id) => {
    const cy = document.getElementById(id)._cyreg.cy;
    cy.layout({name: 'grid', animate: false, fit: false, avoidOverlap: false,
               boundingBox: {x1: 0, y1: 0, w: 240, h: 240}}).run();
}"""


def open_maps(page, url: str) -> None:
    page.goto(url + "/bottlenecks")
    for id in ("cy-status", "cy-handoffs"):
        page.wait_for_function(f"() => ({LAID_OUT})('{id}')", timeout=SLOW)
    page.wait_for_timeout(500)  # the layout's fit, and its last frame


def crowded_labels(page, id: str, least: int) -> list[tuple[str, str]]:
    """Edge labels drawn over another edge label or over a node; at least ``least`` edges
    carry their label."""
    drawn = page.evaluate(EDGE_LABELS, id)
    labels = drawn["labels"]
    assert len(labels) >= least, (id, len(labels))
    covered = [
        (label["name"], node["name"]) for label in labels for node in drawn["nodes"]
        if overlaps([label, node])
    ]  # fmt: skip
    return overlaps(labels) + covered


def check_maps(page, order: list[str], min_statuses: int, min_teams: int) -> None:
    statuses = page.evaluate(NODES, "cy-status")
    teams = page.evaluate(NODES, "cy-handoffs")
    assert len(statuses) >= min_statuses and len(teams) >= min_teams
    assert overlaps(statuses) == []
    assert overlaps(teams) == []
    # Edge labels neither pile up nor hide a node's name (assets/maps.js); the busiest
    # edges keep theirs.
    for id in ("cy-status", "cy-handoffs"):
        assert crowded_labels(page, id, least=8) == [], id
    moves = page.evaluate(EDGES, "cy-status")
    assert out_of_order(statuses, moves, order) == []


def click_busiest(page, id: str, what: str) -> None:
    """Click the map's busiest edge (its middle, or the visible point nearest it): the item
    list names that edge."""
    page.locator(f"#{id}").scroll_into_view_if_needed()

    def where() -> tuple[dict, list[float]]:
        edges = page.evaluate(EDGES, id)
        scroll = page.evaluate("() => [window.scrollX, window.scrollY]")
        return max(edges, key=lambda e: e["count"]), scroll

    # Grids above the map still growing to fit their rows move it down the page: click only
    # once the edge stays where it is (a loaded machine measured it before the last move).
    busiest, scroll = where()
    for _ in range(50):
        page.wait_for_timeout(200)
        again = where()
        if again == (busiest, scroll):
            break
        busiest, scroll = again
    page.mouse.click(busiest["x"] - scroll[0], busiest["y"] - scroll[1])
    from playwright.sync_api import expect

    expect(page.locator("#selection")).to_contain_text(
        f"{what} {busiest['from']} -> {busiest['to']}.", timeout=SLOW
    )


@pytest.fixture
def page(browser) -> Iterator:
    console = Console()
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    p = context.new_page()
    console.watch(p)
    yield p
    context.close()
    assert console.errors == [], f"browser console errors: {console.errors}"


@pytest.fixture(scope="module")
def wide(tmp_path_factory) -> Iterator[tuple[str, list[str]]]:
    """``flowgap serve`` of a generated log with 60 teams and 25 statuses."""
    d = tmp_path_factory.mktemp("wide")
    args = ["--items", "400", "--seed", "3", "--teams", "60", "--statuses", "25"]
    _flowgap("sample", *args, "-o", "wide.jira.ndjson.gz", cwd=d)
    config = d / "wide.jira.flowgap.toml"
    order = tomllib.loads(config.read_text())["statuses"]["order"]
    (d / "sessions").mkdir()
    with serving({"demo": d / "wide.jira.ndjson.gz"}, config, d / "sessions") as url:
        yield url, order


def _order(config: Path) -> list[str]:
    return tomllib.loads(config.read_text())["statuses"]["order"]


def test_demo_maps_are_legible_and_in_workflow_order(page, server, exports) -> None:
    open_maps(page, server)
    check_maps(page, _order(exports["config"]), min_statuses=8, min_teams=4)
    # The social network beside them: handovers between people, people and teams together.
    for name in ("people-handover", "people-together", "teams-together"):
        grid_id = json.dumps({"name": name, "type": "grid"}, separators=(",", ":"))
        page.wait_for_function(f"() => {grid_rows(grid_id)} > 0", timeout=SLOW)


def test_wide_maps_are_legible_and_in_workflow_order(page, wide, img_dir) -> None:
    url, order = wide
    open_maps(page, url)
    check_maps(page, order, min_statuses=25, min_teams=16)
    page.locator("#cy-status").screenshot(path=str(img_dir / "status-map-25-statuses.png"))
    page.locator("#cy-handoffs").screenshot(path=str(img_dir / "handoff-graph-60-teams.png"))
    # The check sees overlapping labels where there are some.
    for id in ("cy-status", "cy-handoffs"):
        page.evaluate(CROWD, id)
        assert overlaps(page.evaluate(NODES, id)) != []


@pytest.mark.parametrize(("id", "what"), [("cy-handoffs", "handed off"), ("cy-status", "moved")])
def test_a_click_on_the_busiest_edge_selects_it(page, wide, id, what) -> None:
    url, _ = wide
    open_maps(page, url)
    click_busiest(page, id, what)
