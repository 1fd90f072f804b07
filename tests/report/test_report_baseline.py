"""--baseline: reading previous reports and the deltas shown."""

from __future__ import annotations

from pathlib import Path

import pytest
from analysis_factory import DAY, make_analysis

from flowgap.errors import InputError
from flowgap.report import json_report
from flowgap.report.baseline import compare, describe_delta, read_baseline
from flowgap.report.thresholds import METRICS


def write(tmp_path: Path, content: str) -> Path:
    path = tmp_path / "report.json"
    path.write_text(content, encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("content", "problem"),
    [
        ("{not json", "baseline is not valid JSON"),
        ('{"items": []}', "baseline is not a flowgap report.json (no schema_version)"),
        (
            '{"schema_version": "3.0", "summary": {}, "tables": {}}',
            "baseline report has schema_version 3.0; this flowgap reads 1.x and 2.x",
        ),
        ('{"schema_version": "1.0"}', "baseline report lacks 'summary' or 'tables'"),
        # Python's parser recurses per level: this was a RecursionError traceback
        ("[" * 100_000 + "]" * 100_000, "baseline is not valid JSON (nested too deeply)"),
    ],
)
def test_unreadable_baselines_are_one_line_input_errors(tmp_path, content, problem) -> None:
    path = write(tmp_path, content)
    with pytest.raises(InputError) as err:
        read_baseline(path)
    assert str(err.value).startswith(f"{path}: {problem}")
    assert "\n" not in str(err.value)


def test_missing_baseline(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="baseline report not found"):
        read_baseline(tmp_path / "nope.json")


def test_deltas_of_headline_metrics_and_bottlenecks(tmp_path: Path) -> None:
    old = make_analysis()
    old.summary["lead_time"]["p85"] = 25 * DAY
    old.summary["flow_efficiency"]["median"] = 0.4
    old_report = json_report.build_report(old)
    path = write(tmp_path, json_report.dumps(old_report))
    base = read_baseline(path)
    cur = make_analysis()
    tables = {n: json_report.table_rows(cur.table(n)) for n in ("stages", "teams", "handoffs")}
    stages = tables["stages"]["rows"]
    stages[0]["wait_s"] = 60 * DAY  # Ready for QA got worse by 2 days
    section = compare(tables, json_report.normalise(cur.summary), base)
    metrics = {r["metric"]: r for r in section["metrics"]}
    assert metrics["lead_time.p85"]["delta"] == pytest.approx(6.7 * DAY)
    assert metrics["items.total"]["delta"] == 0
    assert describe_delta("flow_efficiency.median", metrics["flow_efficiency.median"]) == (
        "40.0% → 50.0% (+10.0 pts)"
    )
    assert describe_delta("lead_time.p85", metrics["lead_time.p85"]) == (
        "25.0 d → 31.7 d (+6.7 d, +27%)"
    )
    status = section["bottlenecks"]["status"]
    assert status[0]["name"] == "Ready for QA" and status[0]["delta_s"] == 2 * DAY
    assert [r["name"] for r in section["bottlenecks"]["handoff"]] == ["Dev -> QA", "QA -> Dev"]
    assert section["as_of"] == "2026-03-01T00:00:00Z"
    assert len(metrics) == sum(len(keys) for keys in METRICS.values())


def test_counts_and_means_read_the_same_way_in_deltas() -> None:
    row = {"current": 12_345.0, "baseline": 10_000.0, "delta": 2_345.0, "delta_pct": 0.2345}
    assert describe_delta("items.total", row) == "10,000 → 12,345 (+2,345, +23%)"
    row = {"current": 2.5, "baseline": 3.0, "delta": -0.5, "delta_pct": -1 / 6}
    assert describe_delta("handoffs.mean", row) == "3.00 → 2.50 (-0.50, -17%)"
