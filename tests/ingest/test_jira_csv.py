"""Jira UI CSV loader: repeated columns, instance dates and zones, no-history warning."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from flowgap.config import Config
from flowgap.errors import InputError
from flowgap.ingest import jira_csv

FIX = Path(__file__).resolve().parents[1] / "fixtures" / "jira"
BERLIN = Config.from_dict(
    {"input": {"jira": {"team_field": "Team", "csv_timezone": "Europe/Berlin"}}}
)


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def test_ui_export_rows_items_and_events() -> None:
    r = jira_csv.load(FIX / "ui_export.csv", BERLIN)
    s = r.inputs[0]
    assert (s.records_read, s.records_loaded, s.records_rejected) == (5, 2, 3)
    assert s.record_unit == "row"
    assert r.has_history is False
    assert [
        (e["item"], e["field"], e["value"], e["ts"], e["seq"], e["source"])
        for e in r.events.to_pylist()
    ] == [
        # 10:15 AM in Berlin (CEST, +02:00)
        ("ABC-1", "created", None, utc(2023, 5, 2, 8, 15), 0, "ui_export.csv:2"),
        ("ABC-1", "resolution", "Done", utc(2023, 5, 10, 7, 0), 1, "ui_export.csv:2"),
        ("ABC-2", "created", None, utc(2023, 5, 9, 18, 0), 0, "ui_export.csv:3"),
    ]
    items = r.items.to_pylist()
    assert items[0]["labels"] == ["backend", "steerco"]
    assert items[0]["components"] == ["api"]
    assert items[0]["sprints"] == "ABC Sprint 1; ABC Sprint 2"
    assert items[0]["team"] == "Platform"
    assert items[0]["story_points"] == 5.0
    assert items[0]["resolved"] == utc(2023, 5, 10, 7, 0)
    assert items[1]["summary"] == "Retry, with backoff"
    assert items[1]["current_status"] == "En révision"
    assert items[1]["labels"] == []
    assert items[1]["resolved"] is None
    assert r.status_categories == {"Done": "done", "En révision": "indeterminate"}
    assert [(x.source, x.reason) for x in r.rejects] == [
        (
            "ui_export.csv:4",
            "ABC-3: Created '2023-05-09' does not match the date format '%d/%b/%y %I:%M %p'",
        ),
        ("ui_export.csv:5", 'no "Issue key"'),
        ("ui_export.csv:6", "ABC-1: duplicate issue key (first at line 2)"),
    ]
    assert [w.kind for w in r.warnings] == ["no_history"]
    assert "only lead time" in r.warnings[0].message


def test_zone_assumed_utc_warns_once() -> None:
    r = jira_csv.load(FIX / "ui_export.csv", Config())
    assert [w.kind for w in r.warnings] == ["assumed_timezone", "no_history"]
    assert r.events.column("ts").to_pylist()[0] == utc(2023, 5, 2, 10, 15)


def test_configured_date_format(tmp_path: Path) -> None:
    path = tmp_path / "export.csv"
    path.write_text("Issue key,Created,Resolved\nX-1,2023-05-02 22:15,03.05.2023 01:00\n")
    cfg = Config.from_dict({"input": {"jira": {"csv_date_format": "%Y-%m-%d %H:%M"}}})
    r = jira_csv.load(path, cfg)
    assert r.rejects[0].reason == (
        "X-1: Resolved '03.05.2023 01:00' does not match the date format '%Y-%m-%d %H:%M'"
    )


def test_latin1_file_is_read_with_a_warning(tmp_path: Path) -> None:
    path = tmp_path / "latin.csv"
    path.write_bytes("Issue key,Status,Created\nX-1,Geprüft,02/May/23 10:15 AM\n".encode("latin-1"))
    r = jira_csv.load(path, Config())
    assert r.items.column("current_status").to_pylist() == ["Geprüft"]
    assert "encoding" in [w.kind for w in r.warnings]


def test_not_a_jira_csv(tmp_path: Path) -> None:
    path = tmp_path / "other.csv"
    path.write_text("case,activity,timestamp\n1,a,2023-01-01\n")
    with pytest.raises(InputError, match='no "Issue key" column'):
        jira_csv.load(path, Config())
