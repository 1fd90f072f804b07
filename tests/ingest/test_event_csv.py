"""Generic event CSV loader: composed status, day-first dates, zone, missing markers, order_by,
team/resource changes, duplicates and out-of-order rows."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

import flowgap
from flowgap.config import Config
from flowgap.errors import InputError
from flowgap.ingest import event_csv

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "csv"


def t(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def rows_of(result, item: str) -> list[tuple]:
    return [
        (r["ts"], r["seq"], r["field"], r["value"], r["prev"], r["actor"], r["source"])
        for r in result.events.to_pylist()
        if r["item"] == item
    ]


@pytest.fixture
def mapped() -> Config:
    return Config.load(FIXTURES / "flowgap_events_mapped.toml")


def test_mapped_fixture_exact(mapped: Config) -> None:
    result = event_csv.load(FIXTURES / "events_mapped.csv", mapped)
    f = "events_mapped.csv"
    # Europe/Rome is UTC+1 in February; 01/02/2024 is the 1st of February (day first).
    assert rows_of(result, "T-1") == [
        (t(2024, 2, 1, 9), 0, "created", None, None, None, f"{f}:4"),
        (t(2024, 2, 1, 9), 1, "status", "Open: new", None, None, f"{f}:4"),
        (t(2024, 2, 1, 9), 2, "team", "L1", None, None, f"{f}:4"),
        (t(2024, 2, 1, 9), 3, "status", "In Work: analysis", "Open: new", "carla", f"{f}:3"),
        (t(2024, 2, 1, 9), 4, "team", "L2", "L1", "carla", f"{f}:3"),
        (t(2024, 2, 1, 9), 5, "assignee", "carla", None, "carla", f"{f}:3"),
        # line 5 repeats line 3 but for its order key (n = 4): a row of its own, not a duplicate
        (
            t(2024, 2, 1, 9),
            6,
            "status",
            "In Work: analysis",
            "In Work: analysis",
            "carla",
            f"{f}:5",
        ),
        (
            t(2024, 2, 3, 13, 30),
            0,
            "status",
            "Waiting: customer",
            "In Work: analysis",
            "carla",
            f"{f}:6",
        ),
        (t(2024, 2, 3, 13, 30), 1, "team", None, "L2", "carla", f"{f}:6"),
        (t(2024, 2, 13, 16, 45), 0, "status", "Closed: done", "Waiting: customer", "dan", f"{f}:8"),
        (t(2024, 2, 13, 16, 45), 1, "team", "L2", None, "dan", f"{f}:8"),
        (t(2024, 2, 13, 16, 45), 2, "assignee", "dan", "carla", "dan", f"{f}:8"),
    ]
    assert rows_of(result, "T-2") == [
        (t(2024, 1, 2, 8), 0, "created", None, None, None, f"{f}:2"),
        (t(2024, 1, 2, 8), 1, "status", "Open: new", None, None, f"{f}:2"),
        (t(2024, 1, 2, 8), 2, "team", "L1", None, None, f"{f}:2"),
        (t(2024, 1, 3, 11), 0, "status", "Closed: done", "Open: new", "ed", f"{f}:9"),
        (t(2024, 1, 3, 11), 1, "assignee", "ed", None, "ed", f"{f}:9"),
    ]
    assert [(r.source, r.reason) for r in result.rejects] == [
        (f"{f}:7", "T-1: missing status (column 'state')"),
    ]
    (summary,) = result.inputs
    assert (summary.records_read, summary.records_loaded, summary.records_rejected) == (8, 7, 1)
    items = {r["item"]: r for r in result.items.to_pylist()}
    assert items["T-1"]["current_status"] == "Closed: done"
    assert items["T-2"]["created"] == t(2024, 1, 2, 8)


def test_month_first_and_strptime_format(tmp_path: Path) -> None:
    p = tmp_path / "e.csv"
    p.write_text("case,activity,timestamp\nc1,A,01/02/2024 10:00 PM\nc1,B,01/03/2024 07:05 AM\n")
    result = event_csv.load(p, Config())
    ts = [r["ts"] for r in result.events.to_pylist() if r["field"] == "status"]
    assert ts == [t(2024, 1, 2, 22), t(2024, 1, 3, 7, 5)]  # month first by default
    cfg = Config.from_dict({"input": {"csv": {"timestamp_format": "%d/%m/%Y %I:%M %p"}}})
    result = event_csv.load(p, cfg)
    ts = [r["ts"] for r in result.events.to_pylist() if r["field"] == "status"]
    assert ts == [t(2024, 2, 1, 22), t(2024, 3, 1, 7, 5)]


def test_a_day_first_date_read_month_first_says_how_to_fix_it(tmp_path: Path) -> None:
    p = tmp_path / "e.csv"
    p.write_text("case,activity,timestamp\nc1,A,02/01/2024 10:00\nc1,B,13/01/2024 09:00\n")
    result = event_csv.load(p, Config())
    assert [r.reason for r in result.rejects] == [
        "c1: bad timestamp: invalid date '13/01/2024 09:00': month must be in 1..12"
        " (read month first; if the day comes first, set dayfirst = true)"
    ]
    # Through flowgap.load, one warning says the loaded 02/01 is probably 2 January too.
    loaded = flowgap.load(p, Config())
    (warning,) = [w for w in loaded.warnings if w.kind == "date_order"]
    assert warning.message == (
        "e.csv: 1 date(s) parse only day first and were rejected; the dates that were loaded"
        " are probably read the wrong way round too: set dayfirst = true"
    )
    dayfirst = Config.from_dict({"input": {"csv": {"dayfirst": True}}})
    assert event_csv.load(p, dayfirst).rejects == []
    assert not [w for w in flowgap.load(p, dayfirst).warnings if w.kind == "date_order"]
    p.write_text("case,activity,timestamp\nc1,A,01/13/2024\n")
    (reject,) = event_csv.load(p, dayfirst).rejects
    assert reject.reason.endswith(
        "(read day first; if the month comes first, set dayfirst = false)"
    )


def test_bad_timestamps_rejected(tmp_path: Path) -> None:
    p = tmp_path / "e.csv"
    p.write_text(
        "case,activity,timestamp\nc1,A,2024-01-01T00:00:00Z\nc1,B,yesterday\nc1,C,\n"
        "c1,D,2024-13-01T00:00:00Z\n"
    )
    result = event_csv.load(p, Config())
    assert [r.source for r in result.rejects] == ["e.csv:3", "e.csv:4", "e.csv:5"]
    assert result.rejects[0].reason == "c1: bad timestamp: unrecognised timestamp 'yesterday'"
    assert result.rejects[1].reason == "c1: missing timestamp (column 'timestamp')"
    assert result.inputs[0].records_loaded == 1


def test_timestamp_beyond_datetime_range_is_a_reject(tmp_path: Path) -> None:
    p = tmp_path / "e.csv"
    p.write_text(
        "case,activity,timestamp\nc1,A,2024-01-01T00:00:00Z\nc1,B,0001-01-01T00:00+01:00\n"
    )
    result = event_csv.load(p, Config())
    assert [(r.source, r.reason) for r in result.rejects] == [
        ("e.csv:3", "c1: bad timestamp: date value out of range")
    ]
    assert result.inputs[0].records_loaded == 1


def test_order_by_text_when_not_numeric(tmp_path: Path) -> None:
    p = tmp_path / "e.csv"
    p.write_text(
        "case\tactivity\ttimestamp\tk\n"
        "c\tX\t2024-01-01 10:00\tb\nc\tY\t2024-01-01 10:00\ta\nc\tZ\t2024-01-01 09:00\tz\n"
    )
    cfg = Config.from_dict({"input": {"csv": {"order_by": "k"}}})
    result = event_csv.load(p, cfg)
    status = [(r["seq"], r["value"]) for r in result.events.to_pylist() if r["field"] == "status"]
    assert status == [(1, "Z"), (0, "Y"), (1, "X")]


def test_numeric_order_by_is_numeric(tmp_path: Path) -> None:
    p = tmp_path / "e.csv"
    p.write_text("case,activity,timestamp,n\nc,A,2024-01-01,10\nc,B,2024-01-01,9\n")
    cfg = Config.from_dict({"input": {"csv": {"order_by": "n"}}})
    result = event_csv.load(p, cfg)
    status = [r["value"] for r in result.events.to_pylist() if r["field"] == "status"]
    assert status == ["B", "A"]  # 9 < 10 numerically, "10" < "9" as text


def test_missing_mapped_column(tmp_path: Path) -> None:
    p = tmp_path / "e.csv"
    p.write_text("case,activity,time\nc,A,2024-01-01\n")
    with pytest.raises(InputError, match=r"missing column 'timestamp' \(config key input.csv"):
        event_csv.load(p, Config())


def test_bom_is_dropped(tmp_path: Path) -> None:
    p = tmp_path / "e.csv"
    p.write_bytes(b"\xef\xbb\xbfcase,activity,timestamp\nc,A,2024-01-01\n")
    result = event_csv.load(p, Config())
    assert result.inputs[0].records_loaded == 1
    assert result.warnings == []


def test_delimiter_from_header_not_free_text(tmp_path: Path) -> None:
    p = tmp_path / "e.csv"
    p.write_text('case,activity,timestamp,note\nc,A,2024-01-01,"a;b;c;d"\nc,B,2024-01-02,";;;;"\n')
    result = event_csv.load(p, Config())
    assert result.inputs[0].records_loaded == 2


AUDIT = Config.from_dict(
    {
        "input": {
            "csv": {
                "item": "number",
                "status": "incident_state",
                "timestamp": "sys_updated_at",
                "dayfirst": True,
                "team": "assignment_group",
                "order_by": "sys_mod_count",
            }
        }
    }
)


def test_same_minute_rows_of_an_audit_log_are_changes_not_duplicates(tmp_path: Path) -> None:
    # minute resolution: the order key orders the rows of one minute (file order is shuffled)
    p = tmp_path / "audit.csv"
    p.write_text(
        "number,incident_state,sys_updated_at,assignment_group,sys_mod_count\n"
        "INC1,Active,23/03/2016 11:43,Group 70,4\n"
        "INC1,New,23/03/2016 11:40,Group 5,1\n"
        "INC1,Active,23/03/2016 11:43,Group 5,3\n"
        "INC2,Active,23/03/2016 12:00,Group 5,7\n"
        "INC2,Awaiting User Info,23/03/2016 12:00,Group 5,6\n"
        "INC2,Active,23/03/2016 12:00,Group 5,5\n"
        "INC2,Active,23/03/2016 12:00,Group 5,7\n"
    )
    result = event_csv.load(p, AUDIT)
    f = "audit.csv"
    assert rows_of(result, "INC1") == [
        (t(2016, 3, 23, 11, 40), 0, "created", None, None, None, f"{f}:3"),
        (t(2016, 3, 23, 11, 40), 1, "status", "New", None, None, f"{f}:3"),
        (t(2016, 3, 23, 11, 40), 2, "team", "Group 5", None, None, f"{f}:3"),
        (t(2016, 3, 23, 11, 43), 0, "status", "Active", "New", None, f"{f}:4"),
        # the handoff from Group 5 to Group 70 within the minute
        (t(2016, 3, 23, 11, 43), 1, "status", "Active", "Active", None, f"{f}:2"),
        (t(2016, 3, 23, 11, 43), 2, "team", "Group 70", "Group 5", None, f"{f}:2"),
    ]
    status = [(r[3], r[6]) for r in rows_of(result, "INC2") if r[2] == "status"]
    assert status == [
        ("Active", f"{f}:7"),
        ("Awaiting User Info", f"{f}:6"),
        ("Active", f"{f}:5"),
    ]
    items = {r["item"]: r["current_status"] for r in result.items.to_pylist()}
    assert items == {"INC1": "Active", "INC2": "Active"}  # not left waiting
    # only a row equal in every mapped column, order key included, is a duplicate
    assert [(r.source, r.reason) for r in result.rejects] == [
        (f"{f}:8", "INC2: duplicate event (every mapped column equal to line 5)")
    ]
    (summary,) = result.inputs
    assert (summary.records_read, summary.records_loaded, summary.records_rejected) == (7, 6, 1)


def test_same_timestamp_rows_without_order_key_apply_in_file_order(tmp_path: Path) -> None:
    p = tmp_path / "e.csv"
    p.write_text(
        "case,activity,timestamp,team\n"
        "c,A,2024-01-01 10:00,T1\nc,B,2024-01-01 10:00,T1\nc,A,2024-01-01 10:00,T2\n"
        "c,A,2024-01-01 10:00,T2\n"
    )
    cfg = Config.from_dict({"input": {"csv": {"team": "team"}}})
    result = event_csv.load(p, cfg)
    assert [(r[2], r[3]) for r in rows_of(result, "c")] == [
        ("created", None),
        ("status", "A"),
        ("team", "T1"),
        ("status", "B"),
        ("status", "A"),
        ("team", "T2"),
    ]
    assert [(r.source, r.reason) for r in result.rejects] == [
        ("e.csv:5", "c: duplicate event (every mapped column equal to line 4)")
    ]


def test_created_column_gives_the_creation_time(tmp_path: Path) -> None:
    p = tmp_path / "e.csv"
    p.write_text(
        "case,activity,timestamp,opened\n"
        "a,Open,2024-01-03 10:00,2024-01-01 09:00\n"
        "a,Done,2024-01-04 10:00,2024-01-02 09:00\n"
        "b,Open,2024-01-03 10:00,2024-01-05 09:00\n"
        "c,Open,2024-01-03 10:00,\n"
        "c,Done,2024-01-04 10:00,soon\n"
    )
    cfg = Config.from_dict({"input": {"csv": {"created": "opened"}}})
    result = event_csv.load(p, cfg)
    assert [r[:4] for r in rows_of(result, "a")] == [
        (t(2024, 1, 1, 9), 0, "created", None),
        (t(2024, 1, 3, 10), 0, "status", "Open"),
        (t(2024, 1, 4, 10), 0, "status", "Done"),
    ]
    items = {r["item"]: r["created"] for r in result.items.to_pylist()}
    # b: created after its first event, which wins; c: no created cell, its first event
    assert items == {"a": t(2024, 1, 1, 9), "b": t(2024, 1, 3, 10), "c": t(2024, 1, 3, 10)}
    assert [(w.kind, w.message, w.source) for w in result.warnings] == [
        (
            "created_after_event",
            "b: created 2024-01-05T09:00:00+00:00 is after its first event;"
            " the first event's time is used",
            "e.csv:4",
        )
    ]
    assert [(r.source, r.reason) for r in result.rejects] == [
        ("e.csv:6", "c: bad created timestamp: unrecognised timestamp 'soon'")
    ]
