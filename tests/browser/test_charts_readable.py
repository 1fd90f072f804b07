"""Charts that stay readable on a real log with hundreds of teams, in a real browser.

``flowgap serve`` runs on BPI Challenge 2013 (closed problems, Volvo IT) with each person
(``org:resource``) as the team: 585 teams. The bottlenecks page keeps a normal height (the
busiest 15 teams and one "other" bar), the "Teams shown" box changes that and travels in the
URL, lead and cycle time switch to a log scale, grids show a page of rows, item keys look like
links and a key typed in lower case finds its item. Any browser console error fails a test.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from .conftest import Console, serving

pytestmark = [pytest.mark.browser, pytest.mark.slow]

SLOW = 90_000
LOG = "BPI_Challenge_2013_closed_problems.xes.gz"
CONFIG = """\
[input.xes]
status_attribute = ["concept:name", "lifecycle:transition"]
team_attribute = "org:resource"
"""
STAGES = json.dumps({"name": "bottleneck-items", "type": "grid"}, separators=(",", ":"))
VARIANTS = json.dumps({"name": "variants", "type": "grid"}, separators=(",", ":"))


def expect():
    from playwright.sync_api import expect as _expect

    return _expect


@pytest.fixture(scope="module")
def bpi_server(shared_data: Path, tmp_path_factory) -> str:
    d = tmp_path_factory.mktemp("bpi2013")
    config = d / "flowgap.toml"
    config.write_text(CONFIG)
    with serving({"demo": shared_data / LOG}, config, d / "sessions") as url:
        yield url


@pytest.fixture
def page(browser, console: Console):
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    p = context.new_page()
    console.watch(p)
    yield p
    context.close()


def goto(page, url: str) -> None:
    page.goto(url)
    page.wait_for_selector("#page > *", timeout=SLOW)


def figure(page, name: str) -> dict:
    """The drawn figure's data and layout (plotly's own, after rendering)."""
    return page.evaluate(
        """(name) => {
            const el = document.getElementById(JSON.stringify({name: name, type: 'figure'}));
            const plot = el && el.querySelector('.js-plotly-plot');
            if (!plot || !plot.data) return null;
            return {
                y: plot.data.length ? Array.from(plot.data[0].y || []) : [],
                names: plot.data.map((t) => t.name),
                height: plot.getBoundingClientRect().height,
                yaxis: plot._fullLayout.yaxis.type,
            };
        }""",
        name,
    )


def wait_figure(page, name: str) -> dict:
    page.wait_for_function(
        """(name) => {
            const el = document.getElementById(JSON.stringify({name: name, type: 'figure'}));
            const plot = el && el.querySelector('.js-plotly-plot');
            return plot && plot.data && plot.data.length > 0;
        }""",
        arg=name,
        timeout=SLOW,
    )
    return figure(page, name)


def test_hundreds_of_teams_give_a_page_of_normal_height(page, bpi_server):
    goto(page, bpi_server + "/bottlenecks")
    teams = wait_figure(page, "wait-by-team")
    assert len(teams["y"]) == 16, teams["y"]  # the busiest 15 and "other"
    assert teams["y"][0] == "other (570 teams)"
    assert teams["height"] < 700
    height = page.evaluate("document.documentElement.scrollHeight")
    # One bar per team (585) would make the chart alone 16,000 px tall; the rest of the page
    # is its grids, whose long cells wrap (a cluster lists up to 30 teams): about 9,500 px.
    assert height < 11_000, height

    # Five teams: the URL carries it, the chart follows, the page links keep it.
    box = page.locator("#f-teams")
    box.fill("5")
    box.press("Enter")
    expect()(page).to_have_url(re.compile(r"/bottlenecks\?teams=5$"), timeout=SLOW)
    page.wait_for_function(
        """() => {
            const id = JSON.stringify({name: 'wait-by-team', type: 'figure'});
            const plot = document.getElementById(id).querySelector('.js-plotly-plot');
            return plot && plot.data && plot.data[0].y.length === 6;
        }""",
        timeout=SLOW,
    )
    assert figure(page, "wait-by-team")["y"][0] == "other (580 teams)"
    expect()(page.locator("#nav-flow")).to_have_attribute("href", "/flow?teams=5")
    page.click("#nav-flow")
    expect()(page).to_have_url(re.compile(r"/flow\?teams=5$"), timeout=SLOW)
    expect()(page.locator("#f-teams")).to_have_value("5", timeout=SLOW)
    wait_figure(page, "cumulative-flow")


def test_grids_show_a_page_of_rows_and_keys_look_like_links(page, bpi_server):
    goto(page, bpi_server + "/bottlenecks")
    wait_figure(page, "wait-by-status")  # plotly loaded before the page is left
    grid = page.locator(f"[id='{STAGES}']")
    grid.locator(".ag-row").first.wait_for(timeout=SLOW)
    rows = grid.locator(".ag-center-cols-container .ag-row").count()
    assert rows == 15, rows  # a page of 15 rows, not a box of five
    expect()(grid.locator(".ag-paging-panel")).to_be_visible()
    key = grid.locator(".ag-row[row-index='0'] [col-id='item']")
    style = key.evaluate(
        "(el) => [getComputedStyle(el).textDecorationLine, getComputedStyle(el).cursor,"
        " getComputedStyle(el).color]"
    )
    assert style[0] == "underline" and style[1] == "pointer", style
    assert style[2] == "rgb(28, 126, 214)", style
    text = key.inner_text().strip()

    # A key typed in another case finds its item.
    goto(page, bpi_server + f"/journey?item={text.lower()}")
    expect()(page.locator("#journey-key")).to_have_text(text, timeout=SLOW)
    wait_figure(page, "journey-swimlane")


def test_grid_cells_and_headers_show_their_whole_text(page, bpi_server):
    """A variant's path (a dozen statuses) wraps in its cell, and a header wraps too: with the
    columns sized to the page, both were cut after a few words ("Accepted / In Progress ->
    Complete...", "Lead ti...")."""
    goto(page, bpi_server + "/bottlenecks")
    grid = page.locator(f"[id='{VARIANTS}']")
    grid.locator(".ag-row").first.wait_for(timeout=SLOW)
    cells = grid.locator(".ag-center-cols-container [col-id='path']")
    headers = grid.locator(".ag-header-cell-text")
    cut = cells.evaluate_all(
        "(els) => els.filter((el) => el.scrollWidth > el.clientWidth + 1"
        " || el.scrollHeight > el.clientHeight + 1).map((el) => el.innerText)"
    )
    assert cells.count() >= 5 and not cut, cut
    longest = max(cells.all_inner_texts(), key=len)
    assert longest.count("→") >= 4, longest  # a long path, shown whole
    cut = headers.evaluate_all(
        "(els) => els.filter((el) => el.scrollWidth > el.clientWidth + 1).map((el) => el.innerText)"
    )
    assert not cut, cut


def test_lead_and_cycle_time_switch_to_a_log_scale(page, bpi_server):
    goto(page, bpi_server + "/flow")
    assert wait_figure(page, "lead-time-scatter")["yaxis"] == "linear"
    assert wait_figure(page, "cycle-time-scatter")["yaxis"] == "linear"
    page.get_by_label("Log scale for lead and cycle time").check()
    page.wait_for_function(
        """() => ['lead-time-scatter', 'cycle-time-scatter'].every((name) => {
            const el = document.getElementById(JSON.stringify({name: name, type: 'figure'}));
            const plot = el && el.querySelector('.js-plotly-plot');
            return plot && plot._fullLayout && plot._fullLayout.yaxis.type === 'log';
        })""",
        timeout=SLOW,
    )
    # The cumulative flow diagram stacks every status once, done at the bottom.
    cfd = wait_figure(page, "cumulative-flow")
    assert len(cfd["names"]) == len(set(cfd["names"])) >= 5
    assert cfd["names"][0].startswith("Completed")


#: The boxes of a figure's percentile labels and of its y-axis tick labels, as drawn.
LABEL_BOXES = """(name) => {
    const el = document.getElementById(JSON.stringify({name: name, type: 'figure'}));
    const plot = el.querySelector('.js-plotly-plot');
    const box = (n) => { const r = n.getBoundingClientRect();
        return {text: n.textContent, left: r.left, right: r.right, top: r.top, bottom: r.bottom}; };
    const labels = Array.from(plot.querySelectorAll('.annotation-text'))
        .filter((n) => /^p\\d+ /.test(n.textContent)).map(box);
    const ticks = Array.from(plot.querySelectorAll('.ytick text')).map(box);
    const points = plot.querySelector('.nsewdrag').getBoundingClientRect();
    return {labels, ticks, plotRight: points.right, xRange: plot._fullLayout.xaxis.range};
}"""


def _overlap(a: dict, b: dict) -> bool:
    return not (
        a["right"] <= b["left"]
        or b["right"] <= a["left"]
        or a["bottom"] <= b["top"]
        or b["bottom"] <= a["top"]
    )


def test_time_percentile_labels_clear_and_weekly_charts_start_with_deliveries(page, bpi_server):
    """The p50/p85/p95 labels sat over the y-axis tick labels and the points; the weekly
    charts spanned 2006-2012 with every delivery in 2012."""
    goto(page, bpi_server + "/flow")
    for name in ("lead-time-scatter", "cycle-time-scatter"):
        wait_figure(page, name)
        drawn = page.evaluate(LABEL_BOXES, name)
        labels, ticks = drawn["labels"], drawn["ticks"]
        assert len(labels) == 3 and ticks, drawn
        assert all(label["left"] >= drawn["plotRight"] for label in labels), drawn
        clashes = [
            (a["text"], b["text"])
            for i, a in enumerate(labels)
            for b in labels[i + 1 :] + ticks
            if _overlap(a, b)
        ]
        assert not clashes, clashes
    for name in ("throughput-trend", "flow-efficiency-trend"):
        wait_figure(page, name)
        start = page.evaluate(LABEL_BOXES, name)["xRange"][0]
        assert start >= "2011-12-01", start  # the first delivery is in the first week of 2012
