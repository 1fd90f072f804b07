"""The overview's answer at a glance in a real browser: where the time went, the previous
period, the worst item's story and strip, the findings by group, the status-class banner and a
reversed date range. Saves docs/img/overview.png. Any browser console error fails the test."""

from __future__ import annotations

import re

import pytest

from .conftest import Console

# a and session_a: test_dashboard's uploaded session and its page, one instance per module
from .test_dashboard import SLOW, a, expect, goto, new_page, session_a, shot  # noqa: F401
from .test_url_prefix import prefixed  # noqa: F401  # the fixture: a server under a prefix

pytestmark = [pytest.mark.browser, pytest.mark.slow]

TIME_SHARES = '{"name":"time-shares","type":"figure"}'


@pytest.fixture
def p(a):  # noqa: F811  # the fixture a, named p in this module
    """The page of test_dashboard's uploaded session (its own instance in this module)."""
    return a


def bars(page) -> list[list[float]]:
    """The x values of every bar trace of the time-shares figure (one list per part)."""
    return page.evaluate(
        """(id) => document.getElementById(id).querySelector('.js-plotly-plot').data
            .filter((t) => t.type === 'bar').map((t) => Array.from(t.x))""",
        TIME_SHARES,
    )


def test_the_answer_above_the_fold(p, server, img_dir):
    ex = expect()
    goto(p, server + "/overview")
    ex(p.locator("#overview-answer")).to_contain_text(
        re.compile(r"^Of [\d,]+ item-days elapsed, \d+(\.\d)?% was touch; the largest part")
    )
    ex(p.locator("#worst-story")).to_contain_text("days of touch")
    ex(p.locator("#worst-item .js-plotly-plot")).to_be_visible()
    # One bar of 100%.
    parts = bars(p)
    assert all(len(x) == 1 for x in parts)
    assert sum(x[0] for x in parts) == pytest.approx(100.0)
    # The picture and the worst item's story are above the fold (the 1000-pixel viewport).
    for box in ("#where-time-went .js-plotly-plot", "#worst-story"):
        top = p.locator(box).bounding_box()
        assert top is not None and top["y"] < 1000, box
    # Findings by group, each group saying what its shares are of.
    ex(p.locator("#findings-status li").first).to_contain_text("of all waiting happens in")
    ex(p.locator("#findings-team h3")).to_contain_text("the same waiting as by status")
    ex(p.locator("#findings-handoff li").first).to_contain_text(re.compile(r"^\d+(\.\d)?% "))
    ex(p.locator("#overview-actions li").first).to_contain_text("lead time p85", timeout=SLOW)
    shot(p, img_dir, "overview")


def test_the_previous_period_of_equal_length(p, server):
    ex = expect()
    goto(p, server + "/overview")
    p.click("#compare-last-weeks")
    ex(p).to_have_url(re.compile(r"/overview\?from=\d{4}-\d\d-\d\d&to=\d{4}-\d\d-\d\d$"))
    ex(p.locator("#period-change")).to_be_visible(timeout=SLOW)
    ex(p.locator("#change-items-total td").nth(3)).to_have_text(re.compile(r"^[+-]\d+$"))
    ex(p.locator("#f-from")).to_have_value(re.compile(r"^\d{4}-\d\d-\d\d$"))
    parts = bars(p)
    # Two bars (the period before, the selection), each of 100%.
    assert all(len(x) == 2 for x in parts)
    assert sum(x[0] for x in parts) == pytest.approx(100.0)
    assert sum(x[1] for x in parts) == pytest.approx(100.0)


def test_a_reversed_date_range_is_named(p, server):
    ex = expect()
    goto(p, server + "/overview")
    items = p.locator("#card-items").inner_text()
    goto(p, server + "/overview?from=2025-04-30&to=2025-02-15")
    ex(p.locator("#page .note-warning").first).to_have_text(
        "The date range is reversed: From 2025-04-30 is after To 2025-02-15, so it holds no"
        " day and is ignored. Swap the two dates.",
        timeout=SLOW,
    )
    ex(p.locator("#f-from")).to_have_value("2025-04-30")
    ex(p.locator("#f-to")).to_have_value("2025-02-15")
    # Nothing is filtered by date: the numbers of all items, and no false warning.
    ex(p.locator("#card-items")).to_have_text(items)
    assert p.locator("text=no status history").count() == 0


def status_row(page, name: str):
    """The editor's row of one status (a fresh locator: the editor redraws after a change)."""
    exact = re.compile(f"^{re.escape(name)}$")
    return page.locator(".status-row", has=page.locator(".status-name", has_text=exact))


def set_class(page, name: str, cls: str) -> None:
    """Choose a class in the editor and wait until the re-analysis it starts has answered
    (the editor is redrawn from the session's classes: a second choice made before that
    could be drawn over)."""

    def saves_classes(response) -> bool:
        body = response.request.post_data or ""
        return "_dash-update-component" in response.url and "class-radio" in body

    with page.expect_response(saves_classes, timeout=SLOW):
        status_row(page, name).get_by_label(cls).check()
    expect()(status_row(page, name).get_by_label(cls)).to_be_checked(timeout=SLOW)


def classify(page, names: list[str], cls: str) -> None:
    """Give every status of ``names`` the class ``cls`` in the editor (a choice the redrawn
    editor lost is made again)."""
    for _ in range(3):
        missing = [n for n in names if not status_row(page, n).get_by_label(cls).is_checked()]
        if not missing:
            return
        for name in missing:
            set_class(page, name, cls)
        page.wait_for_timeout(1000)
    assert not [n for n in names if not status_row(page, n).get_by_label(cls).is_checked()]


def active_statuses(page) -> list[str]:
    return [
        row.locator(".status-name").inner_text()
        for row in page.locator(".status-row").all()
        if row.get_by_label("active").is_checked()
    ]


def test_the_banner_links_to_the_classification_editor(p, server):
    ex = expect()
    goto(p, server + "/upload")
    ex(p.locator(".status-row").first).to_be_visible(timeout=SLOW)
    active = active_statuses(p)
    assert active
    classify(p, active, "wait")  # nothing active: flow efficiency is 0 by construction
    assert active_statuses(p) == []
    goto(p, server + "/overview")
    banner = p.locator("#guardrail-banner-content")
    ex(banner).to_contain_text("no_active_status", timeout=SLOW)
    ex(p.locator("#guardrail-fix-config")).to_have_attribute("href", re.compile("docs/config.md"))
    p.click("#guardrail-fix-editor")
    ex(p).to_have_url(re.compile(r"/upload#classification$"), timeout=SLOW)
    ex(p.locator(".status-row").first).to_be_visible(timeout=SLOW)
    ex(p.locator("#guardrail-banner-content")).to_have_count(0)  # the editor is the fix
    classify(p, active, "active")
    assert sorted(active_statuses(p)) == sorted(active)
    goto(p, server + "/overview")
    ex(p.locator("#overview-answer")).to_be_visible(timeout=SLOW)
    ex(p.locator("#guardrail-banner-content")).to_have_count(0)


def test_the_overview_links_stay_under_the_url_prefix(browser, prefixed, console: Console):  # noqa: F811
    ex = expect()
    context, page = new_page(browser, console)
    goto(page, prefixed + "/flowgap/")
    ex(page.locator("#worst-journey-link")).to_be_visible(timeout=SLOW)
    page.click("#compare-last-weeks")
    ex(page).to_have_url(re.compile(r"/flowgap/overview\?from=\d{4}-\d\d-\d\d&to="))
    ex(page.locator("#period-change")).to_be_visible(timeout=SLOW)
    page.click("#worst-journey-link")
    ex(page).to_have_url(re.compile(r"/flowgap/journey\?from=.*&item="), timeout=SLOW)
    ex(page.locator("#page h1")).to_contain_text("journey", timeout=SLOW)
    context.close()


#: Each legend entry of a figure (by its Dash id, or a selector) and the legend's box.
LEGEND = """(where) => {
    const holder = document.getElementById(where) || document.querySelector(where);
    const plot = holder.querySelector('.js-plotly-plot') || holder;
    // The legend's background is the part of it on screen: a legend too long scrolls
    // inside it, its entries beyond it cut off.
    const box = plot.querySelector('.legend .bg').getBoundingClientRect();
    const entries = Array.from(plot.querySelectorAll('.legend .traces')).map((n) => {
        const r = n.getBoundingClientRect();
        return {text: n.textContent, top: r.top, bottom: r.bottom};
    });
    return {top: box.top, bottom: box.bottom, entries};
}"""


def test_the_worst_items_journeys_show_their_whole_legends(p, server):
    """Beside the one-lane strip the legend had room for five entries and scrolled the rest
    out of sight (the story item's sixth team and its steering touches); five lanes of ten
    teams did the same."""
    goto(p, server + "/overview")
    for where in ("#worst-item", '{"name":"worst-journeys","type":"figure"}'):
        p.wait_for_function(
            "(w) => (document.getElementById(w) || document.querySelector(w))"
            "?.querySelector('.legend .traces')",
            arg=where,
            timeout=SLOW,
        )
        drawn = p.evaluate(LEGEND, where)
        assert len(drawn["entries"]) >= 2, drawn
        hidden = [
            e["text"]
            for e in drawn["entries"]
            if e["top"] < drawn["top"] or e["bottom"] > drawn["bottom"]
        ]
        assert not hidden, (where, drawn)
