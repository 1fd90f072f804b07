"""The Jira loaders on the generated sample logs: the same simulated log written as Jira JSON,
as a Jira UI CSV and as the canonical Parquet tables must load to the same rows."""

from __future__ import annotations

from pathlib import Path

import pyarrow.parquet as pq
import pytest

from flowgap.config import Config
from flowgap.ingest import jira_csv, jira_json
from flowgap.ingest.detect import detect_format

ITEM_COLUMNS = [
    "item",
    "project",
    "type",
    "priority",
    "summary",
    "created",
    "resolved",
    "current_status",
    "labels",
    "components",
    "story_points",
]


def need(sample_logs: Path, *names: str) -> None:
    for name in names:
        if not (sample_logs / name).exists():
            pytest.skip(f"sample log {name} not generated")


def test_jira_json_equals_canonical_tables(sample_logs: Path) -> None:
    need(sample_logs, "sample.jira.json", "sample.canonical.parquet")
    cfg = Config.load(sample_logs / "sample.jira.flowgap.toml")
    result = jira_json.load(sample_logs / "sample.jira.json", cfg)
    assert result.rejects == []
    cols = ["item", "ts", "seq", "field", "value", "prev", "actor"]
    expected = pq.read_table(sample_logs / "sample.canonical.parquet").select(cols)
    assert result.events.select(cols).to_pylist() == expected.to_pylist()
    items = pq.read_table(sample_logs / "sample.canonical.items.parquet").select(ITEM_COLUMNS)
    assert result.items.select(ITEM_COLUMNS).to_pylist() == items.to_pylist()


def test_jira_ui_csv_items_equal_canonical_items(sample_logs: Path) -> None:
    need(sample_logs, "sample.jira-ui.csv", "sample.canonical.items.parquet")
    cfg = Config.load(sample_logs / "sample.jira-ui.flowgap.toml")
    result = jira_csv.load(sample_logs / "sample.jira-ui.csv", cfg)
    assert result.rejects == []
    assert result.has_history is False
    items = pq.read_table(sample_logs / "sample.canonical.items.parquet").select(ITEM_COLUMNS)
    assert result.items.select(ITEM_COLUMNS).to_pylist() == items.to_pylist()


def test_story_ndjson_loads_every_record(sample_logs: Path) -> None:
    need(sample_logs, "story.jira.ndjson.gz")
    cfg = Config.load(sample_logs / "story.jira.flowgap.toml")
    result = jira_json.load(sample_logs / "story.jira.ndjson.gz", cfg)
    s = result.inputs[0]
    assert s.records_read == s.records_loaded > 0
    assert result.items.num_rows == 151
    assert "FLOW-1042" in result.items.column("item").to_pylist()


@pytest.mark.parametrize(
    ("name", "fmt"),
    [
        ("sample.jira.json", "jira-json"),
        ("story.jira.ndjson.gz", "jira-json"),
        ("sample.jira-ui.csv", "jira-csv"),
        ("sample.transitions.csv", "transition-csv"),
        ("sample.events.csv", "csv"),
        ("sample.xes.gz", "xes"),
        ("sample.canonical.parquet", "parquet"),
    ],
)
def test_detects_every_sample_format(sample_logs: Path, name: str, fmt: str) -> None:
    need(sample_logs, name)
    assert detect_format(sample_logs / name) == fmt
