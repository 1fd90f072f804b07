"""The Decisions page renders what flowgap.decisions computes for the view's analysis, and its
what-if panel answers a picked change (no browser)."""

from __future__ import annotations

import pytest
from dash import html
from layout_walk import walk

import flowgap
from flowgap.dashboard.data import View
from flowgap.dashboard.filters import Filters
from flowgap.dashboard.pages import decisions
from flowgap.decisions.headline import decide
from flowgap.sample import generate


@pytest.fixture(scope="module")
def view() -> View:
    sample = generate(150, 3)
    analysis = flowgap.analyze(sample.result, sample.config)
    return View(
        sid=None,
        config=sample.config,
        filters=Filters(),
        result=sample.result,
        full=analysis,
        analysis=analysis,
    )


def by_id(page, name):
    for node in walk(page):
        ident = getattr(node, "id", None)
        if ident == name or (isinstance(ident, dict) and ident.get("name") == name):
            return node
    raise AssertionError(f"no {name!r}")


def test_page_shows_actions_trouble_and_forecast(view: View) -> None:
    from dataclasses import replace

    from flowgap.dashboard.data import Dataset
    from flowgap.report.fmt import actions_window

    page = decisions.layout(replace(view, dataset=Dataset("k", "t", [], demo=False)), "")
    decided = decide(view.analysis)
    actions = by_id(page, "actions")
    assert [li.children for li in actions.children] == [a["text"] for a in decided["actions"]]
    # The actions' "before" is the replayed window's p85, not the headline's: said above them.
    assert by_id(page, "actions-window").children == actions_window(decided["actions"])
    assert len(by_id(page, "in-trouble").rowData) == decided["in_trouble"].num_rows
    wip = decided["summary"]["wip"]
    assert by_id(page, "card-dec-over-sle").children == str(wip["over_sle"])
    assert by_id(page, "forecast-dates") is not None


def test_whatif_panel(view: View) -> None:
    answer = decisions.whatif_result(view.analysis, "Ready for QA", 50, ["Backend", "QA"])
    summary = by_id(answer, "whatif-summary")
    assert summary.children.startswith(
        "shrink 'Ready for QA' to 50%; merge teams Backend + QA: lead time p85 "
    )
    incomplete = decisions.whatif_result(view.analysis, None, 50, ["QA"])
    assert isinstance(incomplete, html.Div) and incomplete.id == "whatif-error"


def test_the_overview_leads_with_the_top_three_actions(view: View) -> None:
    from dataclasses import replace

    from flowgap.dashboard.data import Dataset
    from flowgap.dashboard.pages import overview

    page = overview.layout(replace(view, dataset=Dataset("k", "t", [], demo=False)), "")
    by_id(page, "overview-actions-box")  # filled by a callback once the page is drawn
    actions = decide(view.analysis)["actions"]
    assert len(actions) > 3
    shown = overview.top_actions(view.analysis)
    listed = by_id(shown, "overview-actions")  # below the line naming the items replayed
    assert [li.children for li in listed.children] == [a["text"] for a in actions[:3]]
    assert shown.children[0].children.startswith("Each gain replays the ")


def test_a_log_without_history_says_work_in_progress_needs_it(sample_logs) -> None:
    """A Jira UI CSV has no commitments: the cards say what is missing, not 0 or None."""
    from dataclasses import replace

    from flowgap.config import Config
    from flowgap.dashboard.data import Dataset
    from flowgap.report.fmt import NEEDS_HISTORY

    config = Config.load(sample_logs / "sample.jira-ui.flowgap.toml")
    result = flowgap.load(sample_logs / "sample.jira-ui.csv", config)
    analysis = flowgap.analyze(result, config)
    assert analysis.summary["wip"]["current"] is None
    view = View(
        sid=None, config=config, filters=Filters(), result=result, full=analysis, analysis=analysis
    )
    page = decisions.layout(replace(view, dataset=Dataset("k", "t", [], demo=False)), "")
    for name in ("card-dec-wip", "card-dec-over-sle", "card-dec-in-trouble"):
        assert by_id(page, name).children == NEEDS_HISTORY


def test_forecast_says_when_the_work_in_progress_will_be_done(view: View) -> None:
    from dataclasses import replace

    from flowgap.dashboard.data import Dataset

    page = decisions.layout(replace(view, dataset=Dataset("k", "t", [], demo=False)), "")
    fc = decide(view.analysis)["forecast"]
    lines = [li.children for li in by_id(page, "forecast-by").children]
    # The chart's dates were in no text: the page said only how many items by a date.
    when = fc["when"]
    dates = ", ".join(f"{k} {v}" for k, v in when["dates"].items())
    assert lines[0] == f"The {when['items']} items in progress: done by {dates}."
    assert lines[1].startswith(f"Items delivered by {fc['by']['by']}: p50 at least ")
    assert lines[2].startswith("Monte Carlo, ")
    # The share done has ticks of its own (0, 25, ... 100 %), not the trials axis' places.
    share = by_id(page, "forecast-dates").figure.layout.yaxis2
    assert (share.tickmode, share.tick0, share.dtick, share.range) == ("linear", 0, 25, (0, 100))


def test_forecast_chart_says_why_there_are_no_dates(view: View) -> None:
    # Only delivered items (as BPI Challenge 2013's closed problems): no work in progress.
    # The chart said "nothing delivered in the window or no WIP" beside a forecast of items
    # delivered in the window.
    from dataclasses import replace

    from flowgap.dashboard.data import Dataset

    a = view.analysis
    done = [r["item"] for r in a.items.to_pylist() if r["delivered"] is not None]
    part = a.select(done)
    page = decisions.layout(
        replace(view, analysis=part, dataset=Dataset("k", "t", [], demo=False)), ""
    )
    assert decide(part)["forecast"]["when"] is None
    assert by_id(page, "forecast-by").children  # the items delivered by a date stay
    fig = by_id(page, "forecast-dates").figure
    assert fig.layout.annotations[0].text == "No work in progress: no completion dates to forecast."
