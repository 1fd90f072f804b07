"""report.html: self-contained, escaped, and every figure renders in headless Chromium with
the network blocked."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from analysis_factory import empty_analysis, make_analysis

from flowgap.report import html, json_report

if TYPE_CHECKING:
    from playwright.sync_api import Browser

FIGURES = 13


def render(analysis=None) -> str:
    a = analysis or make_analysis()
    return html.render(json_report.build_report(a), a)


def test_self_contained_and_escaped() -> None:
    page = render()
    assert "<script src=" not in page and "cdn.plot.ly" not in page.lower().split("</head>")[1]
    assert page.count('data-figure="') == FIGURES
    # the ticket's markup shows as text in the page and as \u003c inside figure data
    body = page.split("</head>", 1)[1]
    assert '<script>alert("x")</script>' not in body
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in body


def open_in_chromium(path: Path, browser: Browser) -> dict:
    errors: list[str] = []
    blocked: list[str] = []
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    try:

        def route(r):
            if r.request.url.startswith("file:"):
                r.continue_()
            else:
                blocked.append(r.request.url)
                r.abort()

        page.route("**/*", route)
        page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.goto(path.as_uri())
        page.wait_for_function(
            f"document.querySelectorAll('.js-plotly-plot .main-svg').length >= {FIGURES}",
            timeout=60_000,
        )
        rendered = page.evaluate(
            "Array.from(document.querySelectorAll('div.figure'))"
            ".filter(d => d.querySelector('.main-svg')).map(d => d.id)"
        )
        alerts = page.evaluate("typeof window.__xss")
    finally:
        page.close()
    return {"errors": errors, "blocked": blocked, "rendered": rendered, "xss": alerts}


@pytest.mark.browser
@pytest.mark.slow
def test_every_figure_renders_offline_in_chromium(tmp_path: Path, browser: Browser) -> None:
    import pyarrow as pa

    table = make_analysis().items
    items = table.to_pylist()
    items[1]["summary"] = "<img src=x onerror='window.__xss=1'>"
    a = make_analysis(items=pa.Table.from_pylist(items, schema=table.schema))
    path = tmp_path / "report.html"
    path.write_text(render(a), encoding="utf-8")
    result = open_in_chromium(path, browser)
    assert result["errors"] == []
    assert result["blocked"] == []  # nothing even tried to reach the network
    assert len(result["rendered"]) == FIGURES
    assert result["xss"] == "undefined"


def test_headline_cards_show_baseline_changes() -> None:
    from analysis_factory import DAY

    from flowgap.report.baseline import compare

    old = make_analysis()
    old.summary["lead_time"]["p85"] = 25 * DAY
    cur = make_analysis()
    tables = {n: json_report.table_rows(cur.table(n)) for n in ("stages", "teams", "handoffs")}
    section = compare(tables, json_report.normalise(cur.summary), json_report.build_report(old))
    page = html.render(json_report.build_report(cur, [], section), cur)
    assert "since baseline: 29.0 d → 29.0 d (+0.0 d, +0%) · 25.0 d → 31.7 d (+6.7 d, +27%)" in page
    assert (
        '<section id="baseline"><h2>Changes since the baseline (as of '
        "2026-03-01T00:00:00Z)</h2>" in page
    )


def test_class_warnings_and_the_team_ranking() -> None:
    from flowgap.model import Finding

    warning = Finding("efficiency_extreme", "Median flow efficiency is 100.0% <over 95%>.")
    page = render(make_analysis(warnings=[warning]))
    note = (
        '<p class="note class-warning"><strong>Check the status classes (efficiency_extreme):'
        "</strong> Median flow efficiency is 100.0% &lt;over 95%&gt;.</p>"
    )
    assert page.index(note) < page.index('<section id="headline">')
    assert (
        '<ol id="team-findings"><li>63% of all waiting happens while work sits with QA.</li></ol>'
    ) in page


def test_variants_conformance_and_team_clusters_have_a_section() -> None:
    page = render()
    section = page.split('<section id="mining">', 1)[1].split("</section>", 1)[0]
    assert "3 distinct paths through the statuses among 4 items." in section
    assert "<td>To Do → In Progress → Done</td>" in section
    assert "50% of delivered items skipped &#x27;In QA&#x27;" in section
    assert "<td>Dev, QA</td>" in section
    # Empty, each part says why instead of disappearing.
    empty = render(empty_analysis()).split('<section id="mining">', 1)[1].split("</section>")[0]
    assert empty.count("<p>No ") == 3
    assert "<p>No variant: " in empty and "<p>No team cluster: " in empty


def test_the_status_map_is_drawn_statically_when_graphviz_is_there() -> None:
    import shutil

    section = render().split('<section id="map-drawing">', 1)[1].split("</section>", 1)[0]
    if shutil.which("dot") is None:
        assert "Graphviz (<code>dot</code>) is not installed" in section
    else:
        assert section.count("<svg") == 2  # frequency, and performance in a <details>
        assert "Ready for QA" in section and "<details>" in section


def test_the_handoff_graph_is_drawn_statically_when_graphviz_is_there() -> None:
    import shutil

    html = render()
    if shutil.which("dot") is None:
        assert '<section id="handoff-drawing">' not in html
        return
    section = html.split('<section id="handoff-drawing">', 1)[1].split("</section>", 1)[0]
    assert section.count("<svg") == 2  # frequency, and performance in a <details>
    assert "Dev" in section and "QA" in section
