"""Where the time went in report.json, report.md and report.html: the same rows, the same
numbers, adding up to all elapsed item time (the story log, with its steering status)."""

from __future__ import annotations

import math
from pathlib import Path

import flowgap
from flowgap.engine.time_shares import part_label
from flowgap.report import html, json_report, markdown
from flowgap.report.fmt import days, pct

ROOT = Path(__file__).resolve().parents[2] / "sample_logs"


def test_every_report_shows_the_same_partition() -> None:
    config = flowgap.Config.load(ROOT / "story.jira.flowgap.toml")
    a = flowgap.analyze(flowgap.load([ROOT / "story.jira.ndjson.gz"], config), config)
    report = json_report.build_report(a)
    rows = report["tables"]["time_shares"]["rows"]
    assert math.isclose(sum(a.time_shares.column("share").to_pylist()), 1.0, abs_tol=1e-12)
    # report.json rounds ratios (docs/ci.md, Precision): the sum stays within the rounding.
    assert math.isclose(sum(r["share"] for r in rows), 1.0, abs_tol=1e-5)
    assert rows[0]["share"] == report["summary"]["flow_efficiency"]["pooled"]
    md = markdown.render(report)
    page = html.render(report, a)
    shown = [r for r in rows if r["seconds"]]
    assert {r["part"] for r in shown} >= {"touch", "handoff", "status"}
    for r in shown:
        line = f"| {part_label(r)} | {days(r['seconds'])} | {pct(r['share'])} |"
        assert line in md
        cells = f"<td>{days(r['seconds'])}</td><td>{pct(r['share'])}</td>"
        assert cells in page
