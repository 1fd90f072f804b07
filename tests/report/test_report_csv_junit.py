"""CSV neutralisation and completeness; JUnit cases per threshold."""

from __future__ import annotations

import csv
import xml.etree.ElementTree as ET
from pathlib import Path

import pyarrow as pa
import pytest
from analysis_factory import EVIL, make_analysis

from flowgap.report import csv_export, json_report, junit
from flowgap.report import thresholds as th
from flowgap.report.csv_safe import neutralise
from flowgap.tables import TABLES


@pytest.mark.parametrize(
    ("raw", "safe"),
    [
        ("=1+1", "'=1+1"),
        ("+SUM(A1)", "'+SUM(A1)"),
        ("-2+3", "'-2+3"),
        ("@cmd", "'@cmd"),
        ("\t=x", "'\t=x"),
        ("\r=x", "'\r=x"),
        ("ABC-1", "ABC-1"),
        ("a=b", "a=b"),
        ("", ""),
        (-2.5, -2.5),
        (None, None),
        (3, 3),
    ],
)
def test_neutralise(raw: object, safe: object) -> None:
    assert neutralise(raw) == safe


def test_every_table_is_written_complete_and_neutralised(tmp_path: Path) -> None:
    items = make_analysis().items
    summaries = items.column("summary").to_pylist()
    summaries[0] = '=HYPERLINK("http://evil","x")'
    items = items.set_column(
        items.schema.get_field_index("summary"), "summary", pa.array(summaries, pa.string())
    )
    a = make_analysis(items=items)
    written = csv_export.write_csvs(a, tmp_path)
    assert sorted(p.name for p in written) == sorted(f"{n}.csv" for n in TABLES)
    with (tmp_path / "items.csv").open(encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert [r["item"] for r in rows] == ["ABC-1", "ABC-2", "ABC-3", "ABC-4"]
    assert rows[0]["summary"] == '\'=HYPERLINK("http://evil","x")'
    assert rows[1]["summary"] == EVIL  # starts with '<': not a formula
    assert rows[0]["labels"] == "steerco"
    assert rows[0]["delivered"] == "2026-01-20T00:00:00Z"
    assert rows[3]["committed"] == "" and rows[3]["flow_efficiency"] == ""
    assert float(rows[0]["flow_efficiency"]) == 3 / 18  # full precision, not rounded
    assert rows[0]["is_open"] == "false"
    with (tmp_path / "timeline.csv").open(encoding="utf-8") as fh:
        assert sum(1 for _ in fh) == 1 + a.timeline.num_rows


def _report(outcomes=None) -> dict:
    return json_report.build_report(make_analysis(), outcomes or [])


def test_junit_without_thresholds_has_one_passing_case() -> None:
    root = ET.fromstring(junit.render(_report()).split("\n", 1)[1])
    cases = root.findall("./testsuite/testcase")
    assert [c.get("name") for c in cases] == ["analysis completed"]
    assert root.get("failures") == "0" and root.find(".//failure") is None


def test_junit_one_case_per_threshold_with_actual_and_limit() -> None:
    a = make_analysis()
    ts = [th.parse("lead_time.p85 > 30d"), th.parse("handoffs.mean > 3")]
    report = json_report.build_report(a, th.evaluate(ts, a.summary))
    root = ET.fromstring(junit.render(report).split("\n", 1)[1])
    suite = root.find("testsuite")
    assert (suite.get("tests"), suite.get("failures")) == ("2", "1")
    cases = suite.findall("testcase")
    assert [c.get("name") for c in cases] == ["lead_time.p85 > 30d", "handoffs.mean > 3"]
    failure = cases[0].find("failure")
    assert failure.get("message") == "failed: lead_time.p85 = 31.7 d, limit > 30.0 d"
    assert "actual: 2738880.0" in failure.text and "limit: 2592000.0" in failure.text
    assert cases[1].find("failure") is None
