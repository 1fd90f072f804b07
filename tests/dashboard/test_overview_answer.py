"""The overview's answer at a glance (no browser): where the time went against the previous
period, the worst item's story, the findings by group, the status-class banner and a reversed
date range."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest
from dash import dcc, html
from layout_walk import walk

import flowgap
from flowgap.config import Config
from flowgap.dashboard.data import Dataset, View
from flowgap.dashboard.filters import Filters, date_notes, from_query, url_dates
from flowgap.dashboard.guardrails import guardrail_banner, unconfirmed_guesses
from flowgap.dashboard.pages import overview
from flowgap.engine.findings import group_wholes, grouped_findings
from flowgap.engine.selection import selected_mask
from flowgap.report.fmt import pct
from flowgap.sample import generate


@pytest.fixture(scope="module")
def full():
    sample = generate(150, 3)
    return sample.config, sample.result, flowgap.analyze(sample.result, sample.config)


def _view(full, filters: Filters = Filters()) -> View:
    config, result, analysis = full
    part = analysis
    if filters.active:
        part = analysis.select(
            selected_mask(analysis.items, analysis.timeline, filters, analysis.as_of)
        )
    return View(
        sid=None,
        config=config,
        filters=filters,
        dataset=Dataset("k", "t", [], demo=False),
        result=result,
        full=analysis,
        analysis=part,
    )


def by_id(page, name):
    found = [n for n in walk(page) if getattr(n, "id", None) == name]
    assert len(found) == 1, name
    return found[0]


def text_of(node) -> str:
    return "".join(
        n if isinstance(n, str) else "" for n in walk(node) if not hasattr(n, "to_plotly_json")
    )


def test_the_answer_comes_first_and_adds_up(full):
    view = _view(full)
    page = overview.layout(view, "")
    sections = [getattr(n, "id", None) for n in page.children]
    # The picture and the worst item before the headline cards and the findings.
    assert sections[1:5] == ["where-time-went", "worst-item", "headline", "findings"]
    shares = view.analysis.time_shares.to_pylist()
    touch = shares[0]["share"]
    assert touch == view.analysis.summary["flow_efficiency"]["pooled"]
    answer = by_id(page, "overview-answer").children
    assert answer.startswith(f"Of {round(sum(r['seconds'] for r in shares) / 86400):,} item-days")
    assert f", {pct(touch)} was touch" in answer
    figure = by_id(page, {"type": "figure", "name": "time-shares"}).figure
    bars = [t for t in figure.data if t.type == "bar"]
    assert len(bars[0].x) == 1  # no date range: one bar
    assert sum(t.x[0] for t in bars) == pytest.approx(100.0)
    # Without a date range the page offers one: the last 28 days.
    link = by_id(page, "compare-last-weeks")
    as_of = view.full.as_of.date()
    assert link.href == f"overview?from={as_of - timedelta(days=27)}&to={as_of}"


def test_a_date_range_is_compared_with_the_period_before(full):
    as_of = full[2].as_of.date()
    filters = Filters(start=as_of - timedelta(days=27), end=as_of)
    view = _view(full, filters)
    page = overview.layout(view, "")
    table = by_id(page, "period-change")
    head = [th.children for th in table.children[0].children.children]
    before = as_of - timedelta(days=28)
    assert head[1:3] == [
        f"{filters.start} – {as_of}",
        f"{before - timedelta(days=27)} – {before} (before)",
    ]
    items_row = by_id(page, "change-items-total")
    previous = full[2].select(
        selected_mask(
            full[2].items,
            full[2].timeline,
            Filters(start=before - timedelta(days=27), end=before),
            full[2].as_of,
        )
    )
    now_n, then_n = view.analysis.summary["items"]["total"], previous.summary["items"]["total"]
    assert [td.children for td in items_row.children[1:]] == [
        f"{now_n:,}",
        f"{then_n:,}",
        f"{now_n - then_n:+,}",
    ]
    figure = by_id(page, {"type": "figure", "name": "time-shares"}).figure
    bars = [t for t in figure.data if t.type == "bar"]
    # Two bars, each 100%: the period before first (drawn bottom-up), then the selection.
    assert list(bars[0].y) == [
        f"{before - timedelta(days=27)} – {before}",
        f"{filters.start} – {as_of}",
    ]
    assert sum(t.x[0] for t in bars) == pytest.approx(100.0)
    assert sum(t.x[1] for t in bars) == pytest.approx(100.0)


def test_the_worst_item_is_the_first_story_with_its_strip_and_journey_link(full):
    view = _view(full)
    page = overview.layout(view, "")
    first = next(f for f in view.analysis.findings if f["kind"] == "worst_item")
    assert by_id(page, "worst-story").children == first["text"]
    strip = by_id(page, {"type": "figure", "name": "worst-strip"}).figure
    assert strip.layout.title.text == f"Journey of {first['item']}"
    assert by_id(page, "worst-journey-link").href == f"journey?item={first['item']}"


def test_findings_are_shown_by_group_with_their_whole(full):
    view = _view(full)
    a = view.analysis
    page = overview.layout(view, "")
    groups = grouped_findings(a.findings, group_wholes(a.stages, a.handoffs))
    shown = [g for g in groups if g["group"] != "worst_item"]
    for g in shown:
        box = by_id(page, f"findings-{g['group'].replace('_', '-')}")
        lines = [text_of(li) for li in box.children[1].children]
        if g["group"] in ("handoff", "ping_pong"):  # the sentences of the others say it
            assert lines == [f"{pct(f['share'])} {f['text']}" for f in g["findings"]]
        else:
            assert lines == [f["text"] for f in g["findings"]]
    assert {"status", "team", "handoff"} <= {g["group"] for g in shown}


def test_a_reversed_date_range_is_named_and_filters_nothing():
    search = "?from=2026-03-10&to=2026-03-01&type=Bug"
    assert from_query(search) == Filters(type=("Bug",))
    assert url_dates(search)[0].isoformat() == "2026-03-10"
    assert date_notes(search) == [
        "The date range is reversed: From 2026-03-10 is after To 2026-03-01, so it holds no day"
        " and is ignored. Swap the two dates."
    ]
    assert date_notes("?from=2026-03-01&to=2026-03-01") == []
    assert date_notes("?from=2026-13-01") == ["Not a date (YYYY-MM-DD), ignored: from=2026-13-01."]


def test_the_banner_names_unconfirmed_guesses_and_links_to_the_fix(full):
    result = full[1]
    # Without a config every status is a guess.
    bare = flowgap.analyze(result, flowgap.Config())
    view = replace(_view(full), config=flowgap.Config(), full=bare, analysis=bare)
    guesses = unconfirmed_guesses(view)
    assert guesses and all(c in ("backlog", "wait", "active", "done") for _, c in guesses)
    banner = guardrail_banner(view, "?type=Bug")
    assert banner is not None
    assert f"{len(guesses)} visited statuses are classed by a guess" in text_of(banner)
    editor = by_id(banner, "guardrail-fix-editor")
    assert isinstance(editor, dcc.Link) and editor.href == "upload?type=Bug#classification"
    assert isinstance(by_id(banner, "guardrail-fix-config"), html.A)
    # The sample's own config classes every status: no banner.
    assert unconfirmed_guesses(_view(full)) == []
    assert guardrail_banner(_view(full), "") is None


def test_the_answer_names_the_largest_part_as_the_data_spells_it():
    from flowgap.dashboard.pages.overview_answer import answer_line

    day = 86400.0
    shares = [
        {"part": "touch", "status": None, "seconds": 2 * day, "share": 0.2},
        {"part": "blocked", "status": None, "seconds": 1 * day, "share": 0.1},
        {"part": "steering", "status": None, "seconds": 0.0, "share": 0.0},
        {"part": "handoff", "status": None, "seconds": 3 * day, "share": 0.3},
        {"part": "status", "status": "Ready for QA", "seconds": 4 * day, "share": 0.4},
    ]
    assert answer_line(shares).children == (
        "Of 10 item-days elapsed, 20.0% was touch; the largest part, 40.0%, went to waiting in"
        " 'Ready for QA'."
    )
    assert answer_line([{**r, "seconds": 0.0} for r in shares]) is None


def _real_view(path) -> View:
    config = Config.from_dict({})
    result = flowgap.load([path], config)
    return _view((config, result, flowgap.analyze(result, config)))


def _lanes(fig) -> set[str]:
    return {y for trace in fig.data if trace.type == "bar" for y in trace.y}


def test_worst_journeys_are_the_worst_items_the_section_lists(shared_data):
    # Helpdesk: the four items that waited longest were never worked on; the journeys under
    # "the most waiting among items worked on" were theirs, not those of the items listed.
    view = _real_view(shared_data / "helpdesk.xes.gz")
    listed = [f["item"] for f in view.analysis.findings if f.get("kind") == "worst_item"]
    assert len(listed) == 5
    shown = overview.parts(view, "")
    assert _lanes(shown["worst-journeys"]) == set(listed)
    assert [r["item"] for r in shown["worst-items"]] == listed


def test_no_worst_journeys_when_no_item_was_worked_on(shared_data):
    # The running example: no status is active, so no item was worked on.
    view = _real_view(shared_data / "running-example.xes")
    assert not [f for f in view.analysis.findings if f.get("kind") == "worst_item"]
    shown = overview.parts(view, "")
    fig = shown["worst-journeys"]
    assert not fig.data
    assert fig.layout.annotations[0].text == "No item of the selection was worked on (no touch)."
    assert shown["worst-items"] == []
