"""The generated docs are current: the summary table of docs/metrics.md comes from the metric
registry (regenerate with ``python -m flowgap.report.docs``)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from flowgap.engine import summary_metrics as registry
from flowgap.report import docs

ROOT = Path(__file__).resolve().parents[2]


def test_summary_table_of_the_docs_is_the_generated_one() -> None:
    text = (ROOT / "docs" / "metrics.md").read_text(encoding="utf-8")
    assert text == docs.with_summary_table(text), "regenerate: python -m flowgap.report.docs"


def test_the_table_lists_every_metric_of_the_registry_once() -> None:
    table = docs.summary_table()
    listed = re.findall(r"^\| `([a-z0-9_.]+)(?:\[name\])?` \|", table, flags=re.MULTILINE)
    assert listed == [m.path for m in registry.metrics()]
    assert len(set(listed)) == len(listed)


def test_check_mode_reports_stale_files_and_writes_nothing(tmp_path: Path, capsys) -> None:
    (tmp_path / "docs").mkdir()
    stale = "intro\n<!-- summary-metrics:start -->\nold\n<!-- summary-metrics:end -->\nrest\n"
    (tmp_path / "docs" / "metrics.md").write_text(stale, encoding="utf-8")
    (tmp_path / "docs" / "report-schema.json").write_text("{}\n", encoding="utf-8")
    assert docs.main(["--check", str(tmp_path)]) == 1
    assert (tmp_path / "docs" / "metrics.md").read_text(encoding="utf-8") == stale
    assert "stale:" in capsys.readouterr().err
    assert docs.main([str(tmp_path)]) == 0
    text = (tmp_path / "docs" / "metrics.md").read_text(encoding="utf-8")
    assert text.startswith("intro\n<!-- summary-metrics:start -->\n<!-- Generated")
    assert text.endswith("<!-- summary-metrics:end -->\nrest\n") and "\nold\n" not in text
    assert docs.main(["--check", str(tmp_path)]) == 0


def test_missing_markers_are_an_error() -> None:
    with pytest.raises(ValueError, match="summary-metrics:start"):
        docs.with_summary_table("no markers here\n")
