"""A name longer than any real one rejects its record (a 20 MB status stalled inspect)."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from flowgap.config import Config
from flowgap.ingest import load_path
from flowgap.ingest.name_length import MAX_NAME, reject_long_names
from flowgap.model import LoadResult, events_from_rows, items_from_rows


def test_a_record_naming_something_too_long_is_rejected_whole(tmp_path: Path) -> None:
    p = tmp_path / "t.csv"
    long = "B" * (MAX_NAME + 1)
    p.write_text(
        "item,from,to,timestamp,author\n"
        f"A-1,,{long},2025-01-01T10:00:00Z,x\n"
        "A-2,,Backlog,2025-01-01T10:00:00Z,x\n"
        f"A-2,Backlog,Done,2025-01-02T10:00:00Z,{'é' * MAX_NAME}\n",  # 2,000 bytes: a name
        encoding="utf-8",
    )
    result = load_path(p, Config())
    summary = result.inputs[0]
    assert (summary.records_read, summary.records_loaded, summary.records_rejected) == (3, 2, 1)
    assert [(r.source, r.reason) for r in result.rejects] == [
        ("t.csv:2", "A-1: status is longer than 1,000 characters: not a name")
    ]
    assert set(result.events.column("item").to_pylist()) == {"A-2"}
    assert result.items.column("item").to_pylist() == ["A-2"]


def test_a_long_comment_and_a_long_current_status(tmp_path: Path) -> None:
    # comments are free text and stay; a name among the item's attributes is cleared
    base = {"item": "A-1", "seq": 0, "prev": None, "actor": "x", "source": "f:1"}
    ts = datetime(2025, 1, 1, tzinfo=UTC)
    result = LoadResult(
        events=events_from_rows([{**base, "ts": ts, "field": "comment", "value": "c" * 5000}]),
        items=items_from_rows([{"item": "A-1", "current_status": "S" * 1001, "type": "Bug"}]),
    )
    out = reject_long_names(result)
    assert out.events.num_rows == 1 and out.rejects == []
    assert out.items.select(["current_status", "type"]).to_pylist() == [
        {"current_status": None, "type": "Bug"}
    ]


def test_in_a_parquet_log_only_the_long_event_goes(tmp_path: Path) -> None:
    """A Parquet record is one event: the item's other events of the same provenance stay,
    and the counts equal the rejects listed and the events loaded."""
    import shutil

    import pyarrow as pa
    import pyarrow.parquet as pq

    import flowgap

    logs = Path(__file__).resolve().parents[2] / "sample_logs"
    events = pq.read_table(logs / "sample.canonical.parquet")
    pairs = zip(events.column("item").to_pylist(), events.column("field").to_pylist(), strict=True)
    at = next(i for i, pair in enumerate(pairs) if pair == ("FLOW-1", "status"))
    values = events.column("value").to_pylist()
    values[at] = "x" * 5000
    events = events.set_column(events.schema.get_field_index("value"), "value", pa.array(values))
    pq.write_table(events, tmp_path / "log.parquet")
    shutil.copy(logs / "sample.canonical.items.parquet", tmp_path / "log.items.parquet")
    result = flowgap.load(tmp_path / "log.parquet")
    summary = result.inputs[0]
    assert (summary.records_loaded, summary.records_rejected) == (events.num_rows - 1, 1)
    assert result.events.num_rows == summary.records_loaded
    assert len(result.rejects) == 1
    assert "FLOW-1" in result.items.column("item").to_pylist()


def test_the_row_after_a_rejected_long_team_keeps_its_own_team(tmp_path: Path) -> None:
    """Line 3's team is too long: line 3 is rejected. Line 4's team change names it as the
    team before: it was rejected too, for a name it does not give; its previous value is
    cleared instead."""
    p = tmp_path / "t.csv"
    long = "T" * (MAX_NAME + 1)
    p.write_text(
        "item,from,to,timestamp,team\n"
        "A-1,,Open,2025-01-01T10:00:00Z,Dev\n"
        f"A-1,Open,Doing,2025-01-02T10:00:00Z,{long}\n"
        "A-1,Doing,Done,2025-01-03T10:00:00Z,Backend\n",
        encoding="utf-8",
    )
    result = load_path(p, Config())
    assert [(r.source, r.reason) for r in result.rejects] == [
        ("t.csv:3", "A-1: team is longer than 1,000 characters: not a name")
    ]
    rows = result.events.select(["field", "value", "prev", "source"]).to_pylist()
    team = [r for r in rows if r["field"] == "team" and r["source"] == "t.csv:4"]
    assert team == [{"field": "team", "value": "Backend", "prev": None, "source": "t.csv:4"}]
    summary = result.inputs[0]
    assert (summary.records_read, summary.records_loaded, summary.records_rejected) == (3, 2, 1)


def test_a_summary_longer_than_any_real_one_is_shortened_and_said() -> None:
    """A 200 MB Jira summary made an analysis of 2.4 GB and 600 MB of reports (report.json,
    report.html and the CSVs each copied it)."""
    from flowgap.ingest.name_length import MAX_SUMMARY

    ts = datetime(2025, 1, 1, tzinfo=UTC)
    base = {"seq": 0, "prev": None, "actor": "x", "ts": ts, "field": "status", "value": "Open"}
    result = LoadResult(
        events=events_from_rows(
            [{**base, "item": "A-1", "source": "f:1"}, {**base, "item": "A-2", "source": "f:2"}]
        ),
        items=items_from_rows(
            [
                {"item": "A-1", "summary": "s" * (MAX_SUMMARY + 5)},
                {"item": "A-2", "summary": "short"},
            ]
        ),
    )
    out = reject_long_names(result)
    assert out.items.column("summary").to_pylist() == [
        "s" * MAX_SUMMARY + "…(10,005 characters)",
        "short",
    ]
    (warning,) = out.warnings
    assert (warning.kind, warning.item) == ("long_summary", "A-1")
    assert warning.message == (
        "1 item summary longer than 10,000 characters shortened to 10,000 (the longest: A-1,"
        " 10,005 characters)"
    )
    assert out.events.num_rows == 2 and out.rejects == []
