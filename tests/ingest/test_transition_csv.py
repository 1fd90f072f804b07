"""Transition CSV loader: creation reconstructed from the first transition, teams, rejects."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from flowgap.config import Config
from flowgap.errors import InputError
from flowgap.ingest import transition_csv

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "csv"


def t(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def rows_of(result, item: str) -> list[tuple]:
    return [
        (r["ts"], r["seq"], r["field"], r["value"], r["prev"], r["actor"])
        for r in result.events.to_pylist()
        if r["item"] == item
    ]


# ``fast``: the Arrow path (it answers for these plain files) or the row-by-row one
BOTH_PATHS = pytest.mark.parametrize("fast", [True, False], ids=["arrow", "rows"])


@BOTH_PATHS
def test_fixture_events_exact(fast: bool) -> None:
    result = transition_csv.load(FIXTURES / "transitions.csv", Config(), fast=fast)
    assert rows_of(result, "ABC-1") == [
        (t(2024, 2, 28, 10), 0, "created", None, None, "Ann"),
        (t(2024, 2, 28, 10), 1, "status", "To Do", None, "Ann"),
        (t(2024, 3, 1, 8), 0, "status", "In Progress", "To Do", "Ann"),  # +01:00 -> 08:00 UTC
        (t(2024, 3, 1, 8), 1, "team", "Dev", None, "Ann"),
        (t(2024, 3, 2, 12), 0, "status", "Ready for QA", "In Progress", "Ann"),
        (t(2024, 3, 4, 8, 30), 0, "status", "Testing", "Ready for QA", "Quinn"),
        (t(2024, 3, 4, 8, 30), 1, "team", "QA", "Dev", "Quinn"),
        (t(2024, 3, 4, 17), 0, "status", "Done", "Testing", "Quinn"),
    ]
    # ABC-2's rows are out of order in the file; no created column value: first transition.
    assert rows_of(result, "ABC-2") == [
        (t(2024, 3, 5, 9), 0, "created", None, None, "Bob"),
        (t(2024, 3, 5, 9), 1, "status", "To Do", None, "Bob"),
        (t(2024, 3, 5, 9), 2, "status", "In Progress", "To Do", "Bob"),
        (t(2024, 3, 5, 9), 3, "team", "Dev", None, "Bob"),
        (t(2024, 3, 5, 16), 0, "status", "Done", "In Progress", "Bob"),
        (t(2024, 3, 5, 16), 1, "team", "QA", "Dev", "Bob"),
    ]
    src = {r["source"] for r in result.events.to_pylist() if r["item"] == "ABC-2"}
    assert src == {"transitions.csv:2", "transitions.csv:6"}
    items = {r["item"]: r for r in result.items.to_pylist()}
    assert items["ABC-1"]["current_status"] == "Done"
    assert items["ABC-1"]["created"] == t(2024, 2, 28, 10)
    assert items["ABC-1"]["project"] == "ABC"
    (summary,) = result.inputs
    assert (summary.records_read, summary.records_loaded, summary.records_rejected) == (6, 6, 0)
    assert summary.record_unit == "row"
    assert result.rejects == []


@BOTH_PATHS
def test_rejects_with_line_and_reason(tmp_path: Path, fast: bool) -> None:
    p = tmp_path / "t.csv"
    p.write_text(
        "key;old;new;when;who\n"
        "X-1;Open;Doing;03/04/2024 10:00;ann\n"
        ";Open;Doing;03/04/2024 10:00;ann\n"
        "X-1;Doing;;04/04/2024 10:00;ann\n"
        "X-1;Doing;Done;31/02/2024 10:00;ann\n"
        "X-1;Open;Doing;03/04/2024 10:00;ann\n"
        "X-1;Doing;Done;05/04/2024 18:30;bob\n",
        encoding="utf-8",
    )
    cfg = Config.from_dict(
        {
            "input": {
                "transitions": {
                    "item": "key",
                    "from": "old",
                    "to": "new",
                    "timestamp": "when",
                    "author": "who",
                    "dayfirst": True,
                    "timezone": "Europe/Berlin",
                }
            }
        }
    )
    result = transition_csv.load(p, cfg, fast=fast)
    reasons = [(r.source, r.reason.split(":")[0]) for r in result.rejects]
    assert reasons == [
        ("t.csv:3", "missing item key (column 'key')"),
        ("t.csv:4", "X-1"),
        ("t.csv:5", "X-1"),
        ("t.csv:6", "X-1"),
    ]
    assert "missing target status" in result.rejects[1].reason
    assert "invalid date" in result.rejects[2].reason
    assert "duplicate event" in result.rejects[3].reason
    (summary,) = result.inputs
    assert (summary.records_read, summary.records_loaded, summary.records_rejected) == (6, 2, 4)
    status = [
        (r["ts"], r["value"], r["actor"])
        for r in result.events.to_pylist()
        if r["field"] == "status"
    ]
    # day first, Berlin summer time (+02:00)
    assert status == [
        (t(2024, 4, 3, 8), "Open", "ann"),
        (t(2024, 4, 3, 8), "Doing", "ann"),
        (t(2024, 4, 5, 16, 30), "Done", "bob"),
    ]


def test_missing_column_names_it(tmp_path: Path) -> None:
    p = tmp_path / "t.csv"
    p.write_text("item,from,timestamp\nA,x,2024-01-01\n")
    with pytest.raises(InputError, match="missing column 'to'"):
        transition_csv.load(p, Config())


def test_empty_file_is_input_error(tmp_path: Path) -> None:
    p = tmp_path / "t.csv"
    p.write_bytes(b"")
    with pytest.raises(InputError, match="empty file"):
        transition_csv.load(p, Config())


@BOTH_PATHS
def test_first_row_without_from_is_the_creation(tmp_path: Path, fast: bool) -> None:
    p = tmp_path / "t.csv"
    p.write_text(
        "item,from,to,timestamp\nA-1,,Open,2024-01-01T00:00:00Z\n"
        "A-1,Open,Closed,2024-01-02T00:00:00Z\n"
    )
    result = transition_csv.load(p, Config(), fast=fast)
    assert rows_of(result, "A-1") == [
        (t(2024, 1, 1), 0, "created", None, None, None),
        (t(2024, 1, 1), 1, "status", "Open", None, None),
        (t(2024, 1, 2), 0, "status", "Closed", "Open", None),
    ]


@BOTH_PATHS
def test_created_column_name_is_configurable(tmp_path: Path, fast: bool) -> None:
    p = tmp_path / "t.csv"
    p.write_text(
        "item,from,to,timestamp,opened\nA-1,Open,Closed,2024-01-02T00:00:00Z,2023-12-30T08:00:00Z\n"
    )
    cfg = Config.from_dict({"input": {"transitions": {"created": "opened"}}})
    result = transition_csv.load(p, cfg, fast=fast)
    assert rows_of(result, "A-1")[0] == (t(2023, 12, 30, 8), 0, "created", None, None, None)
    # Without the mapping the column is not read: creation is the first transition.
    default = transition_csv.load(p, Config(), fast=fast)
    assert rows_of(default, "A-1")[0] == (t(2024, 1, 2), 0, "created", None, None, None)


def test_latin1_and_inconsistent_transition_warned(tmp_path: Path) -> None:
    p = tmp_path / "t.csv"
    p.write_bytes(
        "item,from,to,timestamp\nA-1,Offen,In Prüfung,2024-01-01T00:00:00Z\n"
        "A-1,Geschlossen,Erledigt,2024-01-02T00:00:00Z\n".encode("latin-1")
    )
    result = transition_csv.load(p, Config())
    kinds = sorted(w.kind for w in result.warnings)
    assert kinds == ["encoding", "inconsistent_transition"]
    values = [r["value"] for r in result.events.to_pylist() if r["field"] == "status"]
    assert values == ["Offen", "In Prüfung", "Erledigt"]
