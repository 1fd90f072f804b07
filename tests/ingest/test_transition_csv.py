"""Transition CSV loader: creation reconstructed from the first transition, teams, rejects,
warnings, and how odd files (dialects, encodings, ragged rows) are read."""

from __future__ import annotations

import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import flowgap
from flowgap.config import Config
from flowgap.errors import InputError
from flowgap.ingest import transition_csv
from flowgap.ingest.csv_timestamps import parse_timestamp

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "csv"


def t(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def rows_of(result, item: str) -> list[tuple]:
    return [
        (r["ts"], r["seq"], r["field"], r["value"], r["prev"], r["actor"])
        for r in result.events.to_pylist()
        if r["item"] == item
    ]


def test_fixture_events_exact() -> None:
    result = transition_csv.load(FIXTURES / "transitions.csv", Config())
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


def test_rejects_with_line_and_reason(tmp_path: Path) -> None:
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
    result = transition_csv.load(p, cfg)
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


def test_first_row_without_from_is_the_creation(tmp_path: Path) -> None:
    p = tmp_path / "t.csv"
    p.write_text(
        "item,from,to,timestamp\nA-1,,Open,2024-01-01T00:00:00Z\n"
        "A-1,Open,Closed,2024-01-02T00:00:00Z\n"
    )
    result = transition_csv.load(p, Config())
    assert rows_of(result, "A-1") == [
        (t(2024, 1, 1), 0, "created", None, None, None),
        (t(2024, 1, 1), 1, "status", "Open", None, None),
        (t(2024, 1, 2), 0, "status", "Closed", "Open", None),
    ]


def test_created_column_name_is_configurable(tmp_path: Path) -> None:
    p = tmp_path / "t.csv"
    p.write_text(
        "item,from,to,timestamp,opened\nA-1,Open,Closed,2024-01-02T00:00:00Z,2023-12-30T08:00:00Z\n"
    )
    cfg = Config.from_dict({"input": {"transitions": {"created": "opened"}}})
    result = transition_csv.load(p, cfg)
    assert rows_of(result, "A-1")[0] == (t(2023, 12, 30, 8), 0, "created", None, None, None)
    # Without the mapping the column is not read: creation is the first transition.
    default = transition_csv.load(p, Config())
    assert rows_of(default, "A-1")[0] == (t(2024, 1, 2), 0, "created", None, None, None)


def test_an_inconsistent_transition_quotes_a_long_name_shortened(tmp_path: Path) -> None:
    """A 20,000,000-character status (a name the loader then rejects) was quoted whole by this
    warning: a 20 MB line on stderr and in report.json, and two minutes for inspect."""
    long = "S" * 100_000
    p = tmp_path / "t.csv"
    p.write_text(
        "item,from,to,timestamp\nA-1,,Open,2024-01-01T00:00:00Z\n"
        f"A-1,Open,{long},2024-01-02T00:00:00Z\nA-1,Review,Done,2024-01-03T00:00:00Z\n"
    )
    result = flowgap.load([p], Config())
    (warning,) = [w for w in result.warnings if w.kind == "inconsistent_transition"]
    assert warning.message.startswith("A-1: moves from 'Review' but was in 'SSSS")
    assert warning.message.endswith("…(100,000 characters)'") and len(warning.message) < 200
    assert any("longer than 1,000 characters" in r.reason for r in result.rejects)


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


SAMPLE = Path(__file__).resolve().parents[2] / "sample_logs"
HEADER = "item,from,to,timestamp,author,team,created"


def write(tmp_path: Path, text: str, name: str = "t.csv") -> Path:
    p = tmp_path / name
    p.write_bytes(text.encode())
    return p


def test_sample_log() -> None:
    cfg = Config.load(SAMPLE / "sample.transitions.flowgap.toml")
    result = transition_csv.load(SAMPLE / "sample.transitions.csv", cfg)
    assert result.events.num_rows == 453
    assert (result.rejects, result.warnings) == ([], [])


def test_every_reject_kind_and_warning(tmp_path: Path) -> None:
    p = write(
        tmp_path,
        f"{HEADER}\n"
        "A-1,,Open,2024-01-01T10:00:00Z,ann,,\n"  # 2: creation row
        ",Open,Doing,2024-01-02T10:00:00Z,ann,,\n"  # 3: no item
        "A-1,Open,,2024-01-02T10:00:00Z,ann,,\n"  # 4: no target status
        "A-1,Open,Doing,2024-02-30T10:00:00Z,ann,,\n"  # 5: bad timestamp (Feb 30)
        "A-1,Open,Doing,2024-01-02T10:00:00Z,ann,,yesterday\n"  # 6: bad created
        "A-1,Open,Doing,2024-01-02T11:00:00+01:00,bob,Dev,\n"  # 7: loaded
        "A-1,Open,Doing,2024-01-02T10:00:00Z,bob,Dev,\n"  # 8: duplicate of 7 (same instant)
        "A-1,Review,Done,2024-01-03T10:00:00Z,cy,QA,\n"  # 9: inconsistent (was Doing)
        "B-2,Open,Doing,2024-01-05T10:00:00Z,,Dev,2024-01-06T00:00:00Z\n"  # 10: created late
        "B-2,Doing,Done,2024-01-04T10:00:00Z,dan,,\n"  # 11: earlier than line 10
        "B-2,Doing,Done,2024-01-04T10:00:00Z,eve,,\n"  # 12: duplicate of 11
        "C-3,,Open,not a time,ann,,\n",  # 13: bad timestamp
    )
    result = transition_csv.load(p, Config())
    assert [(r.source, r.reason) for r in result.rejects] == [
        ("t.csv:3", "missing item key (column 'item')"),
        ("t.csv:4", "A-1: missing target status (column 'to')"),
        ("t.csv:5", "A-1: bad timestamp: unrecognised timestamp '2024-02-30T10:00:00Z'"),
        ("t.csv:6", "A-1: bad created timestamp: unrecognised timestamp 'yesterday'"),
        ("t.csv:8", "A-1: duplicate event (same transition and team as line 7)"),
        ("t.csv:12", "B-2: duplicate event (same transition and team as line 11)"),
        ("t.csv:13", "C-3: bad timestamp: unrecognised timestamp 'not a time'"),
    ]
    assert [(w.kind, w.source) for w in result.warnings] == [
        ("inconsistent_transition", "t.csv:9"),
        ("created_after_transition", "t.csv:11"),
        ("inconsistent_transition", "t.csv:10"),
    ]
    assert result.warnings[1].message == (
        "B-2: created 2024-01-06T00:00:00+00:00 is after its first transition;"
        " the first transition's time is used"
    )
    (summary,) = result.inputs
    assert (summary.records_read, summary.records_loaded, summary.records_rejected) == (12, 5, 7)


def test_team_changes_and_created_column(tmp_path: Path) -> None:
    p = write(
        tmp_path,
        f"{HEADER}\n"
        "K-1,Open,Doing,2024-01-02T10:00:00Z,ann,Dev,2024-01-01T09:00:00Z\n"
        "K-1,Doing,Review,2024-01-03T10:00:00Z,bob,,\n"  # no team cell: no team event
        "K-1,Review,Doing,2024-01-04T10:00:00Z,cy,Dev,\n"  # same team: no event
        "K-1,Doing,Done,2024-01-04T10:00:00Z,cy,QA,2023-12-31T23:00:00Z\n",  # earliest created
    )
    result = transition_csv.load(p, Config())
    rows = [
        (r["ts"].day, r["seq"], r["field"], r["value"], r["prev"])
        for r in result.events.to_pylist()
    ]
    assert rows == [
        (31, 0, "created", None, None),
        (31, 1, "status", "Open", None),
        (2, 0, "status", "Doing", "Open"),
        (2, 1, "team", "Dev", None),
        (3, 0, "status", "Review", "Doing"),
        (4, 0, "status", "Doing", "Review"),
        (4, 1, "status", "Done", "Doing"),
        (4, 2, "team", "QA", "Dev"),
    ]


def test_rows_that_differ_only_in_team_are_a_handoff_not_a_duplicate(tmp_path: Path) -> None:
    """As in an event-log CSV, a row at the same instant with the same transition but another
    team is a team change: it adds a team event (and no second status change, nor a warning
    that the item was not in its "from"); only a row of the same team too is a duplicate."""
    p = write(
        tmp_path,
        f"{HEADER}\n"
        "H-1,,Open,2024-01-01T10:00:00Z,ann,Dev,\n"
        "H-1,,Open,2024-01-01T10:00:00Z,ann,Ops,\n"  # 3: created, handed to Ops at once
        "H-1,Open,Doing,2024-01-02T10:00:00Z,bob,Dev,\n"
        "H-1,Open,Doing,2024-01-02T10:00:00Z,bob,QA,\n"  # 5: handed to QA in the same second
        "H-1,Open,Doing,2024-01-02T10:00:00Z,cy,QA,\n",  # 6: line 5 again (the author aside)
    )
    result = transition_csv.load(p, Config())
    assert [(r.source, r.reason) for r in result.rejects] == [
        ("t.csv:6", "H-1: duplicate event (same transition and team as line 5)")
    ]
    assert result.warnings == []
    rows = [(r["ts"].day, r["field"], r["value"], r["prev"]) for r in result.events.to_pylist()]
    assert rows == [
        (1, "created", None, None),
        (1, "status", "Open", None),
        (1, "team", "Dev", None),
        (1, "team", "Ops", "Dev"),
        (2, "status", "Doing", "Open"),
        (2, "team", "Dev", "Ops"),
        (2, "team", "QA", "Dev"),
    ]
    (summary,) = result.inputs
    assert (summary.records_read, summary.records_loaded, summary.records_rejected) == (5, 4, 1)


def test_dialects_crlf_bom_quotes_semicolons(tmp_path: Path) -> None:
    text = (
        '\ufeff"item";"from";"to";"timestamp";"author";"team"\r\n'
        '"Q-1";"";"Open";"2024-01-01 10:00";"Ann ""the boss""";""\r\n'
        '"Q-1";"Open";"In; Progress";"2024-01-02T10:00:00.5Z";" Bob ";"A;B"\r\n'
        'Q-2;Open;Done;2024-01-02T10:00:00.123456+0530;x"y;\r\n'
        "Q-2;Done;Open;2024-01-03;;\r\n"
    )
    result = transition_csv.load(write(tmp_path, text), Config())
    actors = result.events.column("actor").to_pylist()
    assert 'Ann "the boss"' in actors and "Bob" in actors and 'x"y' in actors
    values = result.events.column("value").to_pylist()
    assert "In; Progress" in values and "A;B" in values
    assert result.rejects == []


def test_unicode_values_and_spaces(tmp_path: Path) -> None:
    p = write(
        tmp_path,
        "item,from,to,timestamp,author,team\n"
        "Ä-1,,Öffen,2024-01-01T10:00:00Z,\u00a0Zoë\u3000,\u2003\n"
        "Ä-1,Öffen,Fertig,2024-01-02T10:00:00Z,Zoë,Équipe\n"
        "AB-١٢,,Open,2024-01-01T10:00:00Z,x,\n"  # Arabic-Indic digits: Python's \\d takes them
        "ab_1-2,,Open, 2024-01-01T10:00:00Z ,\tx\t,\n",
    )
    result = transition_csv.load(p, Config())
    projects = dict(
        zip(*result.items.select(["item", "project"]).to_pydict().values(), strict=True)
    )
    assert projects == {"Ä-1": None, "AB-١٢": "AB", "ab_1-2": "ab_1"}
    assert set(result.events.column("actor").to_pylist()) == {"Zoë", "x"}
    assert transition_csv.project_of("ABC-123") == "ABC"
    assert transition_csv.project_of("ABC-12x") is None


def test_blank_lines_quoted_newlines_and_ragged_rows(tmp_path: Path) -> None:
    p = write(
        tmp_path,
        "item,from,to,timestamp,author\n"
        "A-1,,Open,2024-01-01\n"  # 2: no author cell
        "\n"  # 3: blank
        'A-1,Open,"In\nReview",2024-01-02,ann,extra\n'  # 4: a value spanning lines, a 6th cell
        "A-1,In Review,Done\n"  # 6: no timestamp
        "Review\n",  # 7: one cell
    )
    result = transition_csv.load(p, Config())
    assert [(r.source, r.reason) for r in result.rejects] == [
        ("t.csv:6", "A-1: bad timestamp: empty timestamp"),
        ("t.csv:7", "Review: missing target status (column 'to')"),
    ]
    status = [
        (r["value"], r["source"]) for r in result.events.to_pylist() if r["field"] == "status"
    ]
    assert status == [("Open", "t.csv:2"), ("In\nReview", "t.csv:4")]
    (summary,) = result.inputs
    assert (summary.records_read, summary.records_loaded) == (4, 2)


def test_only_cr_and_lf_end_a_row(tmp_path: Path) -> None:
    """A vertical tab or U+2028 in a value is part of it; a lone CR ends a row."""
    p = write(
        tmp_path,
        "item,from,to,timestamp\rA-1,,Op\x0ben,2024-01-01\rA-1,Op\x0ben,Do\u2028ne,2024-01-02\r",
    )
    result = transition_csv.load(p, Config())
    assert result.rejects == []
    assert result.items.column("current_status").to_pylist() == ["Do\u2028ne"]
    assert result.events.column("source").to_pylist()[-1] == "t.csv:3"


def test_header_only_is_an_empty_load(tmp_path: Path) -> None:
    result = transition_csv.load(write(tmp_path, "item,from,to,timestamp\n"), Config())
    assert (result.events.num_rows, result.items.num_rows) == (0, 0)
    assert [w.kind for w in result.warnings] == ["empty"]


def test_utf16_and_gzip(tmp_path: Path) -> None:
    import gzip

    text = "item,from,to,timestamp\nA-1,Offen,In Prüfung,2024-01-01T00:00:00Z\n\n\r\n"
    for name, data in (
        ("u.csv", text.encode("utf-16")),
        ("g.csv.gz", gzip.compress(text.encode())),
    ):
        p = tmp_path / name
        p.write_bytes(data)
        result = transition_csv.load(p, Config())
        assert result.items.column("current_status").to_pylist() == ["In Prüfung"]
        assert result.warnings == []


def test_created_at_the_first_transition_is_no_finding(tmp_path: Path) -> None:
    p = write(
        tmp_path,
        f"{HEADER}\n"
        "E-1,Open,Doing,2024-01-02T10:00:00Z,ann,,2024-01-02T11:00:00+01:00\n"  # same instant
        "E-2,Open,Doing,2024-01-02T10:00:00Z,ann,,2024-01-02T10:00:00.000001Z\n",  # 1 µs later
    )
    result = transition_csv.load(p, Config())
    assert [(w.kind, w.item) for w in result.warnings] == [("created_after_transition", "E-2")]
    assert result.warnings[0].message.startswith("E-2: created 2024-01-02T10:00:00.000001+00:00 ")


def test_an_export_grouped_by_item_out_of_key_order(tmp_path: Path) -> None:
    """Rows come per item, in time order, items not in key order."""
    lines = []
    for item in ("B-10", "A-2", "B-9", "A-10"):
        for day, (old, new) in enumerate([("", "Open"), ("Open", "Doing"), ("Doing", "Done")]):
            lines.append(f"{item},{old},{new},2024-01-0{day + 1}T10:00:00Z,ann,Dev")
    p = write(tmp_path, "item,from,to,timestamp,author,team\n" + "\n".join(lines) + "\n")
    result = transition_csv.load(p, Config())
    assert result.items.column("item").to_pylist() == ["B-10", "A-2", "B-9", "A-10"]
    assert result.events.column("item").to_pylist()[:1] == ["A-10"]


@given(
    st.lists(st.tuples(st.integers(0, 5), st.integers(0, 3)), min_size=0, max_size=60),
    st.booleans(),
)
def test_item_order_is_a_stable_sort_by_key_rank_then_time(
    rows: list[tuple[int, int]], grouped: bool
) -> None:
    if grouped:  # each item one run in time order, as exports come
        rows = sorted(rows, key=lambda x: (x[0], x[1]))
    keys = [f"K-{i}" for i, _ in rows]
    codes: dict[str, int] = {}
    code = np.array([codes.setdefault(k, len(codes)) for k in keys], dtype=np.int32)
    rank_of = {k: i for i, k in enumerate(sorted(codes))}
    rank = np.array([rank_of[k] for k in codes], dtype=np.int64)
    ts = np.array([t for _, t in rows], dtype=np.int64)
    got = transition_csv._item_order(code, rank, ts)
    expected = sorted(range(len(rows)), key=lambda i: (rank_of[keys[i]], ts[i], i))
    assert got.tolist() == expected


def test_sources_across_digit_counts(tmp_path: Path) -> None:
    rows = "".join(f"K-{i},,Open,2024-01-01\n" for i in range(120))
    result = transition_csv.load(write(tmp_path, "item,from,to,timestamp\n" + rows), Config())
    sources = {r["item"]: r["source"] for r in result.events.to_pylist()}
    assert [sources[f"K-{i}"] for i in (0, 8, 9, 98, 119)] == [
        "t.csv:2",
        "t.csv:10",
        "t.csv:11",
        "t.csv:100",
        "t.csv:121",
    ]


def test_timestamps_beyond_datetime_are_rejected_not_a_crash(tmp_path: Path) -> None:
    p = write(
        tmp_path,
        "item,from,to,timestamp\n"
        "Y-1,,Open,0001-01-01T00:00+01:00\nY-2,,Open,9999-12-31T23:59-01:00\n"
        "Y-3,,Open,2024-01-01T00:00Z\n",
    )
    result = transition_csv.load(p, Config())
    assert [(r.source, r.reason) for r in result.rejects] == [
        ("t.csv:2", "Y-1: bad timestamp: date value out of range"),
        ("t.csv:3", "Y-2: bad timestamp: date value out of range"),
    ]


def test_day_first_dates_in_a_zone(tmp_path: Path) -> None:
    p = write(
        tmp_path,
        "key;old;new;when\nX-1;Open;Doing;03/04/2024 10:00\nX-1;Doing;Done;05/04/24 6:30 PM\n",
    )
    cfg = Config.from_dict(
        {
            "input": {
                "transitions": {
                    "item": "key",
                    "from": "old",
                    "to": "new",
                    "timestamp": "when",
                    "dayfirst": True,
                    "timezone": "Europe/Berlin",
                }
            }
        }
    )
    result = transition_csv.load(p, cfg)
    assert [r["ts"] for r in result.events.to_pylist() if r["field"] == "status"] == [
        t(2024, 4, 3, 8),
        t(2024, 4, 3, 8),
        t(2024, 4, 5, 16, 30),
    ]


def test_no_pandas_import(tmp_path: Path) -> None:
    """pyarrow imports pandas (about a second) on some calls; the loader makes none."""
    p = write(
        tmp_path,
        f"{HEADER}\nA-1,,Open,2024-03-31 02:30,ann,Dev,\n"
        "A-1,Open,Done,2024-01-02T10:00,bob,QA,2023-01-01\nA-1,Open,Done,2024-01-02T10:00,,QA,\n"
        "Ä-١,Open,Done,01/02/2024 10:00,bob,QA,\n",
    )
    none = write(tmp_path, "item,from,to,timestamp\n,,Open,2024-01-01\nA-1,,Open,x\n", "none.csv")
    code = (
        "import sys; from pathlib import Path; from flowgap.config import Config;"
        "from flowgap.ingest import transition_csv as t;"
        "c = Config.from_dict({'input': {'transitions': {'timezone': 'Europe/Berlin'}}});"
        f"r = t.load(Path({str(p)!r}), c);"
        "assert r.events.num_rows == 10 and len(r.rejects) == 1, r;"
        f"r = t.load(Path({str(none)!r}), c);"
        "assert r.events.num_rows == 0 and len(r.rejects) == 2, r;"
        "print('pandas' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "False"


def test_naive_times_in_a_zone_across_daylight_saving(tmp_path: Path) -> None:
    """Each creation is the rule's reading of its cell (``parse_timestamp``), whichever way
    the column is read: Berlin's gap (02:30 on 31 March) and fold (02:30 on 27 October),
    years past Arrow's zone rules (2040) and before them (1850), an offset."""
    stamps = [
        "2024-03-31 01:59:59", "2024-03-31 02:00", "2024-03-31 02:30", "2024-03-31 03:00",
        "2024-10-27 01:59", "2024-10-27 02:00", "2024-10-27 02:30", "2024-10-27 03:00",
        "2040-07-01T12:00", "1850-01-01T00:00", "2024-06-01", "2024-06-01T12:00:00+02:00",
    ]  # fmt: skip
    lines = [f"Z-{i},,Open,{s}" for i, s in enumerate(stamps)]
    p = write(tmp_path, "item,from,to,timestamp\n" + "\n".join(lines) + "\n")
    for name in ("Europe/Berlin", "America/New_York", "Australia/Lord_Howe", "UTC"):
        result = transition_csv.load(
            p, Config.from_dict({"input": {"transitions": {"timezone": name}}})
        )
        created = {r["item"]: r["created"] for r in result.items.to_pylist()}
        zone = ZoneInfo(name)
        assert [created[f"Z-{i}"] for i in range(len(stamps))] == [
            parse_timestamp(s, None, zone) for s in stamps
        ], name
    utc = transition_csv.load(p, Config())
    created = {r["item"]: r["created"] for r in utc.items.to_pylist()}
    assert created["Z-2"] == t(2024, 3, 31, 2, 30)
