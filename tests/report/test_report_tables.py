"""One specification of each table's columns: every view takes its headers and formats from
it, the Markdown and HTML reports and the dashboard's grids alike."""

from __future__ import annotations

import pytest
from analysis_factory import DAY, make_analysis

from flowgap.report import html, json_report, markdown, tables
from flowgap.report.tables import GRID, HTML, MD, Fmt

SPECS = [v for v in vars(tables).values() if isinstance(v, tables.TableSpec)]


@pytest.mark.parametrize("spec", SPECS, ids=[s.name for s in SPECS])
def test_headers_are_unique_and_every_column_is_shown_somewhere(spec) -> None:
    for view in (MD, HTML, GRID):
        headers = spec.headers(view)
        assert len(headers) == len(set(headers)), (spec.name, view)
    assert all(c.views for c in spec.columns)


def test_the_reports_show_the_specified_headers_in_order() -> None:
    report = json_report.build_report(make_analysis())
    md = markdown.render(report)
    page = html.render(report, make_analysis())
    for spec in (tables.STAGES, tables.TEAMS, tables.HANDOFFS, tables.INPUTS):
        assert "| " + " | ".join(spec.headers(MD)) + " |" in md
        assert "".join(f"<th>{h}</th>" for h in spec.headers(HTML)) in page


def test_text_formats() -> None:
    assert tables.text(Fmt.DAYS, 1.5 * DAY) == "1.5 d"
    assert tables.text(Fmt.DAYS, None) == "–"
    assert tables.text(Fmt.DAYS_DELTA, -2 * DAY) == "-2.0 d"
    assert tables.text(Fmt.PERCENT, 0.1234) == "12.3%"
    assert tables.text(Fmt.COUNT, 12345) == "12,345"
    assert tables.text(Fmt.COUNT, 2.345) == "2.35"
    assert tables.text(Fmt.FLAG, True) == "yes" and tables.text(Fmt.FLAG, None) == ""
    assert tables.text(Fmt.HOURS, 1.25) == "1.2 h"


def test_grid_cells_are_numbers_with_the_unit_in_the_header() -> None:
    spec = tables.ITEMS.select("item", "lead_time_s", "flow_efficiency", "handoffs")
    assert tables.grid_columns(spec) == [
        ("item", "Item"),
        ("lead_time_days", "Lead time (d)"),
        ("flow_efficiency_pct", "Flow efficiency (%)"),
        ("handoffs", "Handoffs"),
    ]
    rows = [{"item": "A-1", "lead_time_s": 1.234 * DAY, "flow_efficiency": 0.12345, "handoffs": 3}]
    assert tables.grid_rows(spec, rows) == [
        {"item": "A-1", "lead_time_days": 1.23, "flow_efficiency_pct": 12.3, "handoffs": 3}
    ]
    assert tables.grid_rows(spec, [{"item": "A-2"}])[0]["lead_time_days"] is None


def test_bottlenecks_rank_by_wait_then_name() -> None:
    rows = [{"s": "b", "w": 1.0}, {"s": "a", "w": 1.0}, {"s": "c", "w": None}, {"s": "d", "w": 5}]
    assert [r["s"] for r in tables.by_wait(rows, "w", "s")] == ["d", "a", "b", "c"]
