"""report.md reads as a CI job summary and never lets ticket text become markup."""

from __future__ import annotations

import re

from analysis_factory import DAY, make_analysis
from markdown_it import MarkdownIt

from flowgap.report import json_report, markdown
from flowgap.report import thresholds as th
from flowgap.report.baseline import compare


def render(**kwargs) -> str:
    a = make_analysis()
    outcomes = th.evaluate(
        [th.parse("lead_time.p85 > 30d"), th.parse("handoffs.mean > 3")], a.summary
    )
    return markdown.render(json_report.build_report(a, outcomes, **kwargs))


def test_headline_numbers() -> None:
    md = render()
    assert md.startswith("# flowgap report\n")
    assert "| Items | 4 (2 delivered, 2 open) |" in md
    assert "| Flow efficiency, median of items | 50.0% |" in md
    assert "| Flow efficiency, pooled (all touch / all window time) | 33.3% |" in md
    assert "| Lead time p50 / p85 / p95 | 29.0 d / 31.7 d / 32.6 d |" in md
    assert "| Steering touches | 2 on 1 item, 160 meeting minutes |" in md


def test_thresholds_say_which_held() -> None:
    md = render()
    assert "## Thresholds: 1 held, 1 failed" in md
    assert (
        "| ❌ failed | `lead_time.p85 > 30d` | failed: lead\\_time.p85 = 31.7 d, limit > 30.0 d |"
    ) in md
    assert "| ✅ held | `handoffs.mean > 3` |" in md


def test_findings_worst_items_and_bottlenecks() -> None:
    md = render()
    assert "1. Work waits 69% of its cycle time." in md
    assert "## Worst items: the most waiting among items worked on" in md
    worst = next(line for line in md.splitlines() if line.startswith("- ABC-2:"))
    # the summary is escaped: no HTML, no table break, no formula left intact as markup
    assert "\\<script>" in worst and re.search(r"(?<!\\)<script>", md) is None
    # rendered by a CommonMark parser: the text, not a tag
    html = MarkdownIt("commonmark").render(md)
    assert "&lt;script&gt;" in html and "<script>" not in html
    assert "| Ready for QA | 58.0 d | 92.1% | 2 | 29.0 d | 1 |" in md
    assert "| QA | 58.0 d | 92.1% | 29.0 d | 2 |" in md
    assert "| Dev → QA | 2 | 58.0 d | 29.0 d | 39.2 d | yes |" in md
    assert (
        "Status classes guessed (confirm them in flowgap.toml `[statuses.classes]`): "
        "Done, In QA, Ready for Dev, Ready for QA, To Do." in md
    )


def test_pipes_in_ticket_text_do_not_break_tables() -> None:
    assert markdown.esc("a | b <i>*x*</i> &amp;") == "a \\| b \\<i>\\*x\\*\\</i> \\&amp;"
    html = (
        MarkdownIt("commonmark")
        .enable("table")
        .render("| t |\n|---|\n| " + markdown.esc("a | <i>x</i> &amp;") + " |")
    )
    assert "a | &lt;i&gt;x&lt;/i&gt; &amp;amp;" in html


def test_baseline_changes_are_shown() -> None:
    old = make_analysis()
    old.summary["lead_time"]["p85"] = 25 * DAY
    base = json_report.build_report(old)
    cur = make_analysis()
    tables = {n: json_report.table_rows(cur.table(n)) for n in ("stages", "teams", "handoffs")}
    section = compare(tables, json_report.normalise(cur.summary), base)
    md = render(baseline_section=section)
    assert "Change since baseline" in md
    assert (
        "| Lead time p50 / p85 / p95 | 29.0 d / 31.7 d / 32.6 d | "
        "29.0 d → 29.0 d (+0.0 d, +0%)<br>25.0 d → 31.7 d (+6.7 d, +27%)<br>" in md
    )
    assert "## Changes since the baseline (as of 2026-03-01T00:00:00Z)" in md
    assert "| `lead_time.p85` | 25.0 d → 31.7 d (+6.7 d, +27%) |" in md


def test_no_history_says_so() -> None:
    a = make_analysis(has_history=False)
    md = markdown.render(json_report.build_report(a))
    assert "**No status history in the input:** only lead time can be computed." in md


def test_waiting_by_team_is_a_ranking_of_its_own() -> None:
    lines = render().splitlines()
    top = lines.index("## Top findings")
    by_team = lines.index("## Where work waits, by team (a second ranking of the same waiting)")
    assert lines[top + 2 : top + 5] == [
        "1. Work waits 69% of its cycle time.",
        "2. 92% of all waiting happens in 'Ready for QA' (median 29.0 days per visit).",
        "3. 1 open item in trouble: 1 past the service level expectation (the cycle time 85%"
        " of delivered items met), 0 with under 50% chance to finish within it. The oldest,"
        " ABC-2, is 49.0 d old against 25.0 d and waits in 'Ready for QA' (QA) for 48.0 d.",
    ]
    assert "4. 1 item went Dev -> QA -> Dev." in lines
    assert lines[by_team + 2] == "1. 63% of all waiting happens while work sits with QA."


def test_headline_says_how_many_delivered_items_have_no_cycle_time() -> None:
    row = next(line for line in render().splitlines() if "Cycle time p50" in line)
    assert row == (
        "| Cycle time p50 / p85 / p95 | 21.0 d / 23.1 d / 23.7 d (1 delivered item without a"
        " commitment: lead time only) |"
    )


def test_class_warnings_stand_above_the_headline() -> None:
    from flowgap.model import Finding

    warning = Finding(
        "no_active_status",
        "No status is classed active, so flow efficiency is 0 by construction.",
    )
    report = json_report.build_report(make_analysis(warnings=[warning]))
    lines = markdown.render(report).splitlines()
    quote = (
        "> **Check the status classes (no\\_active\\_status):** No status is classed active, so"
        " flow efficiency is 0 by construction."
    )
    assert lines.index(quote) < lines.index("## Headline")
    assert not [line for line in render().splitlines() if "Check the status classes" in line]


def test_variants_conformance_and_team_clusters() -> None:
    md = render()
    assert "3 distinct paths through the statuses among 4 items; the most frequent:" in md
    assert "| To Do → In Progress → Done | 1 | 25.0% | 2.0 d | 50.0% |" in md
    assert "Workflow (config): To Do → In Progress → Ready for QA → In QA → Done" in md
    assert (
        "50% of delivered items skipped 'In QA'; their median lead time was 2.0 days "
        "against 20.0 days for the others."
    ) in md
    assert "| skipped In QA | 1 | 50.0% | 2.0 d | 20.0 d |" in md
    assert "| Dev, QA | 3 | 100.0% | 15.0 d |" in md


def test_cycles_of_teams_are_listed() -> None:
    a = make_analysis(handoff_cycles=[{"teams": ["Dev", "QA", "Ops"], "handoffs": 1200}])
    md = markdown.render(json_report.build_report(a))
    assert "- Dev → QA → Ops → Dev (at least 1,200 handoffs a step)" in md


def test_a_done_status_is_no_bottleneck_and_the_headers_say_what_they_cover() -> None:
    """A reopened item's time in 'Done' is wait inside its window, but 'Done' is not ranked
    (the DevLake log ranked 'Resolved' with 0.6 d of wait beside a median visit of 124 d)."""
    from flowgap.engine.findings import bottleneck_statuses

    rows = [
        {"status": "Done", "class": "done", "wait_s": 5 * DAY},
        {"status": "Ready", "class": "wait", "wait_s": 1 * DAY},
        {"status": "Dev", "class": "active", "wait_s": 0.0},
    ]
    assert [r["status"] for r in bottleneck_statuses(rows)] == ["Ready"]
    md = render()
    assert "| Status | Wait in flow windows | Share of wait | Visits | Median visit (whole) |" in md


def test_a_log_without_history_shows_no_false_zero_and_says_why_sections_are_empty(
    sample_logs,
) -> None:
    """The Jira UI CSV export (no status history) showed "Work in progress 0" with 8 open
    items and "Throughput per week 0" with 32 delivered, and dropped the forecast and the
    actions without a word."""
    import flowgap
    from flowgap.config import Config

    config = Config.load(sample_logs / "sample.jira-ui.flowgap.toml")
    result = flowgap.load(sample_logs / "sample.jira-ui.csv", config)
    md = markdown.render(json_report.build_report(flowgap.analyze(result, config)))
    assert "| Items | 40 (32 delivered, 8 open) |" in md
    assert "| Work in progress | – (needs status history) |" in md
    assert "| Throughput per week | – (needs status history) |" in md
    why = "it needs status history (when work was committed and delivered)."
    for heading, line in [
        ("## Recommended actions", f"No recommended action: {why}"),
        ("## Items in trouble", f"No item in trouble: {why}"),
        ("## Service level expectations", f"No service level expectation: {why}"),
        ("## Forecast", f"No forecast: {why}"),
        ("## Top bottlenecks", f"No bottleneck: {why}"),
    ]:
        lines = md.splitlines()
        assert lines[lines.index(heading) + 2] == line


def test_empty_process_mining_sections_say_why() -> None:
    from analysis_factory import empty_analysis

    md = markdown.render(json_report.build_report(empty_analysis(), []))
    for heading, what in (
        ("## Variants", "No variant: "),
        ("## Conformance to the workflow", "No conformance check: "),
        ("## Team clusters", "No team cluster: "),
    ):
        after = md.split(heading + "\n\n", 1)[1]
        assert after.startswith(what), after[:120]


def test_a_forecast_for_work_in_trouble_says_whose_pace_it_is() -> None:
    """A throughput forecast draws from the pace of past deliveries: for 406 items in
    progress, every one past its SLE or unlikely to make it, "done by 2012-03-20" was a date
    for some 406 items, not these (BPI Challenge 2012)."""
    from flowgap.report.fmt import forecast_lines

    window = {"start": "2012-01-01", "end": "2012-03-14", "delivered": 900}
    fc = {
        "when": {"items": 10, "dates": {"p50": "2012-03-20", "p85": "2012-03-21"}},
        "by": {"by": "2012-04-11", "items": {"p50": 50}, "trials": 1000, "window": window},
    }
    plain = forecast_lines(fc, in_trouble=4)[2]
    assert plain == "- The 10 items in progress: done by p50 2012-03-20, p85 2012-03-21."
    warned = forecast_lines(fc, in_trouble=5)[2]
    assert warned.startswith(
        "- 10 items delivered at the pace of 2012-01-01 to 2012-03-14: done by p50 2012-03-20"
    )
    assert "But 5 of the 10 items in progress are in trouble" in warned
    assert "not necessarily these" in warned
