"""The dashboard in a real browser: upload, classify, filter, click the graph, journey, privacy.

One browser session ("A") uploads a generated team export and walks through the pages in
order; other sessions check the corrupt-file message and that A's upload stays private. Every
page is saved as a screenshot into docs/img/. Any browser console error fails the test.
"""

from __future__ import annotations

import json
import re
import tomllib
from pathlib import Path

import pytest

from .conftest import Console, grid_rows

pytestmark = [pytest.mark.browser, pytest.mark.slow]

SLOW = 90_000  # ms: the first analysis of an upload imports pm4py in the server
GRID_ITEMS = json.dumps({"name": "bottleneck-items", "type": "grid"}, separators=(",", ":"))
CSV_BUTTON = json.dumps({"name": "bottleneck-items", "type": "csv-button"}, separators=(",", ":"))


def expect():
    from playwright.sync_api import expect as _expect

    return _expect


def new_page(browser, console: Console):
    context = browser.new_context(viewport={"width": 1400, "height": 1000}, accept_downloads=True)
    page = context.new_page()
    console.watch(page)
    return context, page


def shot(page, img_dir, name: str) -> None:
    # AG Grid paints only the rows inside the viewport: make the viewport as tall as the page
    # so every grid is painted in the picture, then put it back.
    size = page.viewport_size
    height = page.evaluate("document.documentElement.scrollHeight")
    page.set_viewport_size({"width": size["width"], "height": height})
    page.wait_for_timeout(600)
    page.screenshot(path=str(img_dir / f"{name}.png"), full_page=True)
    page.set_viewport_size(size)


def goto(page, url: str) -> None:
    page.goto(url)
    page.wait_for_selector("#page > *", timeout=SLOW)


def figure_points(page, name: str) -> int:
    """Number of data points of a plotly figure (sum over its traces)."""
    return page.evaluate(
        """(name) => {
            const el = document.getElementById(JSON.stringify({name: name, type: 'figure'}));
            const plot = el.querySelector('.js-plotly-plot');
            return plot.data.reduce((n, t) => n + (t.x ? t.x.length : 0), 0);
        }""",
        name,
    )


@pytest.fixture(scope="module")
def session_a(browser, server, exports):
    console = Console()
    context, page = new_page(browser, console)
    goto(page, server + "/upload")
    page.set_input_files("#upload input[type=file]", str(exports["upload"]))
    expect()(page.locator("#upload-message")).to_contain_text(
        "Loaded team.jira.ndjson.gz", timeout=SLOW
    )
    yield page, console
    context.close()


@pytest.fixture
def a(session_a):
    page, console = session_a
    yield page
    assert console.errors == [], f"browser console errors: {console.errors}"
    console.errors.clear()


def test_upload_shows_what_was_detected(a, img_dir):
    ex = expect()
    ex(a.locator("#dataset-label")).to_contain_text("your upload (team.jira.ndjson.gz)")
    ex(a.locator("#detected-counts")).to_contain_text(re.compile(r"^\d+ items, \d+ events"))
    ex(a.locator(".status-row").first).to_be_visible()
    assert a.locator(".status-row", has_text="Ready for QA").count() == 1
    shot(a, img_dir, "upload")


def test_status_class_change_moves_headline_flow_efficiency(a, tmp_path):
    ex = expect()
    card = a.locator("#card-upload-fe-median")
    before = card.inner_text()
    row = a.locator(".status-row", has_text="Ready for QA")
    row.get_by_label("active").check()
    ex(card).not_to_have_text(before, timeout=SLOW)
    after = card.inner_text()
    # Queue time became touch time: flow efficiency can only go up.
    assert float(after.rstrip("%")) > float(before.rstrip("%"))
    ex(row.get_by_label("active")).to_be_checked()

    with a.expect_download() as download:
        a.click("#download-toml")
    saved = tmp_path / "flowgap.toml"
    download.value.save_as(saved)
    text = saved.read_text()
    config = tomllib.loads(text)
    assert config["statuses"]["classes"]["Ready for QA"] == "active"
    assert config["input"]["jira"]["team_field"] == "Team"

    # Back to the served classification for the pages that follow.
    a.locator(".status-row", has_text="Ready for QA").get_by_label("wait").check()
    ex(card).to_have_text(before, timeout=SLOW)


def test_overview_headline_and_findings(a, server, img_dir):
    ex = expect()
    goto(a, server + "/overview")
    ex(a.locator("#card-items")).to_have_text(re.compile(r"^\d+$"))
    ex(a.locator("#card-fe-median")).to_have_text(re.compile(r"^\d+\.\d%$"))
    ex(a.locator("#card-fe-pooled")).to_have_text(re.compile(r"^\d+\.\d%$"))
    assert a.locator("#findings li").count() >= 1
    ex(a.locator("#stories li").first).to_contain_text("days of touch")
    ex(a.locator("#overview-actions li").first).to_contain_text("lead time p85", timeout=SLOW)
    shot(a, img_dir, "overview")


def pick_first_type(page) -> str:
    """Pick the first value of the filter bar's issue-type dropdown; returns it."""
    page.click("#f-type")
    option = page.get_by_role("option").first
    chosen = option.inner_text().strip()
    option.click()
    page.keyboard.press("Escape")
    return chosen


def test_filter_changes_url_and_figures(a, server, img_dir):
    ex = expect()
    goto(a, server + "/flow")
    a.wait_for_selector(".js-plotly-plot")
    shot(a, img_dir, "flow")
    points_before = figure_points(a, "lead-time-scatter")
    chosen = pick_first_type(a)
    ex(a).to_have_url(re.compile(r"/flow\?type=" + re.escape(chosen) + "$"), timeout=SLOW)
    ex(a.locator("#dataset-label")).to_contain_text("selected by the filters", timeout=SLOW)
    a.wait_for_function(
        """([name, before]) => {
            const el = document.getElementById(JSON.stringify({name: name, type: 'figure'}));
            const plot = el && el.querySelector('.js-plotly-plot');
            if (!plot || !plot.data) return false;
            return plot.data.reduce((n, t) => n + (t.x ? t.x.length : 0), 0) !== before;
        }""",
        arg=["lead-time-scatter", points_before],
        timeout=SLOW,
    )
    assert figure_points(a, "lead-time-scatter") < points_before
    # The filter travels with the navigation links and survives a reload (shareable URL).
    ex(a.locator("#nav-overview")).to_have_attribute("href", f"/overview?type={chosen}")
    a.reload()
    a.wait_for_selector(".js-plotly-plot", timeout=SLOW)
    ex(a.locator("#f-type")).to_contain_text(chosen, timeout=SLOW)
    ex(a).to_have_url(re.compile(r"/flow\?type=" + re.escape(chosen) + "$"))
    a.click("#f-clear")
    ex(a).to_have_url(re.compile(r"/flow$"), timeout=SLOW)


#: Whether the status map shows the performance view: every labelled edge says its median
#: time first ("2.1 d · 34"; the frequency view says its count first).
PERFORMANCE_VIEW = """() => {
    const edges = document.getElementById('cy-status')._cyreg.cy.edges()
        .filter((e) => e.data('label'));
    return edges.length > 0
        && edges.every((e) => isNaN(Number(e.data('label').split(' · ')[0])));
}"""


def test_a_bottlenecks_filter_change_updates_the_page_in_place(a, server):
    """The maps, grids and figures stay the components they were (not built afresh) and
    show the selection; the status map keeps the view the user set on it."""
    ex = expect()
    goto(a, server + "/bottlenecks")
    a.wait_for_function(f"() => {grid_rows(GRID_ITEMS)} > 0", timeout=SLOW)
    total = a.evaluate(f"() => dash_ag_grid.getApi('{GRID_ITEMS}').getDisplayedRowCount()")
    a.get_by_label("Performance (width = median time)").check()
    a.wait_for_function(PERFORMANCE_VIEW, timeout=SLOW)
    a.evaluate(
        """() => { window.__kept = ['cy-handoffs', 'cy-status', 'selection'].map(
                       (id) => document.getElementById(id)); }"""
    )
    chosen = pick_first_type(a)
    ex(a).to_have_url(re.compile(r"/bottlenecks\?type=" + re.escape(chosen) + "$"), timeout=SLOW)
    a.wait_for_function(
        f"""() => {{
            const n = {grid_rows(GRID_ITEMS)};
            return n > 0 && n < {total};
        }}""",
        timeout=SLOW,
    )
    kept = a.evaluate(
        """() => ['cy-handoffs', 'cy-status', 'selection'].map(
                     (id, i) => document.getElementById(id) === window.__kept[i])"""
    )
    assert kept == [True, True, True]
    ex(a.get_by_label("Performance (width = median time)")).to_be_checked()
    assert a.evaluate(PERFORMANCE_VIEW)


def test_handoff_edge_click_filters_items_and_opens_a_journey(a, server, img_dir):
    ex = expect()
    goto(a, server + "/bottlenecks")
    a.wait_for_function(
        "() => { const el = document.getElementById('cy-handoffs');"
        " return el && el._cyreg && el._cyreg.cy.edges().length > 0; }",
        timeout=SLOW,
    )
    # The status map reads top-down along the workflow: backlog above done.
    a.wait_for_function(
        "() => { const el = document.getElementById('cy-status');"
        " return el && el._cyreg && el._cyreg.cy.nodes().length > 0; }",
        timeout=SLOW,
    )
    xs = a.evaluate(
        """() => {
            const cy = document.getElementById('cy-status')._cyreg.cy;
            const mean = (cls) => {
                const ns = cy.nodes().filter((n) => n.data('class') === cls);
                return ns.reduce((s, n) => s + n.position('y'), 0) / ns.length;
            };
            return {backlog: mean('backlog'), done: mean('done'), n: cy.nodes().length};
        }"""
    )
    assert xs["n"] >= 10 and xs["backlog"] < xs["done"], xs
    shot(a, img_dir, "bottlenecks")
    a.wait_for_function(f"() => {grid_rows(GRID_ITEMS)} > 0", timeout=SLOW)
    total = a.evaluate(f"() => {grid_rows(GRID_ITEMS)}")
    edge = a.evaluate(
        """() => {
            const cy = document.getElementById('cy-handoffs')._cyreg.cy;
            const edges = cy.edges().sort((x, y) => y.data('count') - x.data('count'));
            const e = edges[0];
            e.emit('tap');
            return {from: e.data('from'), to: e.data('to'), count: e.data('count')};
        }"""
    )
    ex(a.locator("#selection")).to_contain_text(
        f"handed off {edge['from']} -> {edge['to']}", timeout=SLOW
    )
    shown = int(a.locator("#selection").inner_text().split()[0])
    assert 0 < shown <= edge["count"]
    assert shown < total
    a.wait_for_function(
        f"() => {grid_rows(GRID_ITEMS)} === {shown}",
        timeout=SLOW,
    )
    first = a.evaluate(
        f"() => dash_ag_grid.getApi('{GRID_ITEMS}').getDisplayedRowAtIndex(0).data.item"
    )
    # The CSV export holds the rows the grid shows: the clicked edge's items.
    button = a.locator(f"[id='{CSV_BUTTON}']")
    with a.expect_download() as download:
        button.click()
    assert download.value.suggested_filename == "flowgap-bottleneck-items.csv"
    lines = Path(download.value.path()).read_text(encoding="utf-8").splitlines()
    assert lines[0].startswith("Item,Type,Summary,Status,")
    assert len(lines) == 1 + shown
    assert lines[1].split(",")[0] == first
    grid = a.locator(f"[id='{GRID_ITEMS}']")
    grid.locator(".ag-row[row-index='0'] [col-id='item']").click()
    ex(a).to_have_url(re.compile(r"/journey\?item=" + re.escape(first) + "$"), timeout=SLOW)
    ex(a.locator("#journey-key")).to_have_text(first, timeout=SLOW)
    a.wait_for_selector(".js-plotly-plot")
    shot(a, img_dir, "journey")


def test_journey_search_by_key(a, server):
    ex = expect()
    goto(a, server + "/journey")
    a.fill("#journey-item", "FLOW-1042")
    a.click("#journey-go")
    ex(a.locator("#journey-key")).to_have_text("FLOW-1042", timeout=SLOW)
    ex(a.locator("#card-j-steering")).to_have_text(re.compile(r"^\d+$"))
    touches = int(a.locator("#card-j-steering").inner_text())
    a.wait_for_selector(".js-plotly-plot")
    # Steering touches are diamonds on the swimlane, one per touch.
    diamonds = a.evaluate(
        """() => {
            const el = document.getElementById(
                JSON.stringify({name: 'journey-swimlane', type: 'figure'}));
            const plot = el.querySelector('.js-plotly-plot');
            return plot.data.filter(t => t.name === 'steering touch')
                .reduce((n, t) => n + t.x.length, 0);
        }"""
    )
    assert touches > 0 and diamonds == touches
    a.fill("#journey-item", "NOPE-1")
    a.press("#journey-item", "Enter")
    ex(a.locator("#journey-missing")).to_contain_text("No item 'NOPE-1'", timeout=SLOW)


def test_steering_page(a, server, img_dir):
    ex = expect()
    goto(a, server + "/steering")
    ex(a.locator("#card-st-total")).to_have_text(re.compile(r"^[1-9]\d*$"), timeout=SLOW)
    shot(a, img_dir, "steering")


def test_corrupt_upload_gives_a_readable_message(browser, server, exports, console):
    ex = expect()
    context, page = new_page(browser, console)
    goto(page, server + "/upload")
    page.set_input_files("#upload input[type=file]", str(exports["corrupt"]))
    message = page.locator("#upload-message")
    ex(message).to_contain_text("Nothing was loaded", timeout=SLOW)
    ex(message).to_contain_text("broken.jira.ndjson.gz")
    assert "Traceback" not in page.inner_text("body")
    # The session falls back to the shared demo data.
    ex(page.locator("#dataset-label")).to_contain_text("demo data")
    context.close()


def test_second_browser_session_cannot_see_the_upload(browser, server, session_a, console):
    ex = expect()
    page_a, _ = session_a
    context, page = new_page(browser, console)
    goto(page, server + "/upload")
    ex(page.locator("#dataset-label")).to_contain_text("demo data (demo.jira.ndjson.gz)")
    assert "team.jira.ndjson.gz" not in page.inner_text("body")
    cookie_a = {c["name"]: c["value"] for c in page_a.context.cookies()}["flowgap_session"]
    cookie_b = {c["name"]: c["value"] for c in context.cookies()}["flowgap_session"]
    assert cookie_a != cookie_b and len(cookie_b) == 43
    # A's session id is an HttpOnly cookie: page scripts cannot read it.
    assert "flowgap_session" not in page_a.evaluate("document.cookie")
    ex(page_a.locator("#dataset-label")).to_contain_text("your upload")
    context.close()


def test_home_is_the_overview_of_the_served_data(browser, server, console):
    ex = expect()
    context, page = new_page(browser, console)
    goto(page, server + "/")
    ex(page.locator("#page h1")).to_have_text("Overview", timeout=SLOW)
    ex(page.locator("#dataset-label")).to_contain_text("demo data")
    page.click("#nav-upload")
    ex(page.locator("#page h1")).to_have_text("Upload ticket history", timeout=SLOW)
    assert page.url.endswith("/upload")
    context.close()


def test_upload_over_the_limit_says_so(browser, server, exports, console):
    ex = expect()
    context, page = new_page(browser, console)
    goto(page, server + "/upload")
    page.set_input_files("#upload input[type=file]", str(exports["huge"]))
    ex(page.locator("#upload-message")).to_have_text(
        "Nothing was loaded: huge.jira.ndjson: upload is 1.5 MB, the limit is 1 MB"
        " ([dashboard] upload_limit_mb)",
        timeout=SLOW,
    )
    context.close()


def test_date_range_filter(a, server):
    ex = expect()
    goto(a, server + "/overview?to=2025-02-15")
    ex(a.locator("#dataset-label")).to_contain_text("selected by the filters", timeout=SLOW)
    ex(a.locator("#f-to")).to_have_value("2025-02-15")
    few = int(a.locator("#card-items").inner_text())
    a.fill("#f-to", "2025-04-30")
    a.press("#f-to", "Enter")
    ex(a).to_have_url(re.compile(r"/overview\?to=2025-04-30$"), timeout=SLOW)
    ex(a.locator("#card-items")).not_to_have_text(str(few), timeout=SLOW)
    assert int(a.locator("#card-items").inner_text()) > few
    a.click("#f-clear")
    ex(a).to_have_url(re.compile(r"/overview$"), timeout=SLOW)
    # A hand-edited date that is not one filters nothing, and the page says so.
    goto(a, server + "/overview?from=2025-13-01")
    ex(a.locator("#page .note-warning")).to_have_text(
        "Not a date (YYYY-MM-DD), ignored: from=2025-13-01.", timeout=SLOW
    )


def test_map_controls_fold_teams_filter_statuses_and_switch_views(a, server):
    goto(a, server + "/bottlenecks")
    count = (
        "(id) => { const el = document.getElementById(id);"
        " return el && el._cyreg ? el._cyreg.cy.nodes().length : 0; }"
    )
    a.wait_for_function(f"() => ({count})('cy-status') > 0", timeout=SLOW)
    statuses = a.evaluate(f"() => ({count})('cy-status')")
    teams = a.evaluate(f"() => ({count})('cy-handoffs')")
    # Two teams shown by name (the filter bar's box, shared by every team chart): the two
    # busiest and one node for the others.
    a.fill("#f-teams", "2")
    a.press("#f-teams", "Enter")
    a.wait_for_function(f"() => ({count})('cy-handoffs') === 3", timeout=SLOW)
    assert teams > 3
    # pm4py's activity filter at its lowest: fewer statuses.
    a.locator("#status-activities [role=slider]").first.focus()
    a.keyboard.press("Home")
    a.wait_for_function(f"() => ({count})('cy-status') < {statuses}", timeout=SLOW)
    # The performance view labels edges with the median time first.
    a.get_by_text("Performance (width = median time)").click()
    a.wait_for_function(
        "() => document.getElementById('cy-status')._cyreg.cy.edges()"
        ".some((e) => /^[0-9.]+d · [0-9]+/.test(e.data('label')))",
        timeout=SLOW,
    )


def test_every_page_comes_to_rest(a, server):
    """No page keeps redrawing itself once drawn (a responsive plot in a grid column that
    grows with it resized itself without end, at full CPU, on Bottlenecks). Each page must
    go a whole second without a change to its DOM within 20 s: a loaded machine may take
    seconds to draw, a page that redraws itself never goes quiet."""
    quiet = """() => new Promise((resolve) => {
        const start = performance.now();
        let last = start;
        const seen = new MutationObserver(() => { last = performance.now(); });
        seen.observe(document.body,
            {subtree: true, childList: true, attributes: true, characterData: true});
        const check = () => {
            const now = performance.now();
            if (now - last >= 1000 || now - start > 20000) {
                seen.disconnect();
                resolve(now - last >= 1000);
            } else {
                setTimeout(check, 100);
            }
        };
        check();
    })"""
    for page in ("overview", "bottlenecks", "flow", "journey", "steering", "decisions"):
        goto(a, f"{server}/{page}")
        a.wait_for_load_state("networkidle", timeout=SLOW)
        assert a.evaluate(quiet), f"/{page} still changes its page after 20 s"


def test_forecast_share_axis_reads_in_quarters(a, server):
    """The forecast's "% done" axis took the places of the trials axis' ticks (13, 26,
    38.9 ...): plotly synchronises an overlaying axis' ticks unless told otherwise."""
    goto(a, server + "/decisions")
    name = json.dumps({"name": "forecast-dates", "type": "figure"}, separators=(",", ":"))
    a.wait_for_function(
        """(id) => document.getElementById(id)?.querySelectorAll('.y2tick text').length > 0""",
        arg=name,
        timeout=SLOW,
    )
    ticks = a.evaluate(
        """(id) => Array.from(document.getElementById(id).querySelectorAll('.y2tick text'))
            .map((t) => t.textContent)""",
        name,
    )
    assert ticks == ["0%", "25%", "50%", "75%", "100%"]
