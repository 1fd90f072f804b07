"""A year typo in one record is a rejected record, an ``as_of`` centuries away a usage error:
never an Arrow or Python overflow with exit 1."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest
from typer.testing import CliRunner

import flowgap
from flowgap.cli import app
from flowgap.units import iso, iso_day

HEADER = "item,from,to,timestamp\n"
ROWS = [
    "A-1,,Open,2025-01-06T09:00:00Z",
    "A-1,Open,In Progress,2025-01-07T09:00:00Z",
    "A-1,In Progress,Done,2025-01-09T09:00:00Z",
    "B-1,,Open,2025-01-06T10:00:00Z",
    "B-1,Open,In Progress,2025-01-08T10:00:00Z",
    "B-1,In Progress,Done,2025-01-10T10:00:00Z",
]


def write_csv(tmp_path: Path, typo_year: str) -> Path:
    rows = list(ROWS)
    rows[4] = rows[4].replace("2025-", f"{typo_year}-")  # B-1 enters In Progress
    path = tmp_path / "t.csv"
    path.write_text(HEADER + "\n".join(rows) + "\n")
    return path


@pytest.mark.parametrize(
    ("year", "shown", "median"),
    [
        ("0025", "year 25", "2025-01-06"),
        ("1700", "1700-01-08T10:00:00Z", "2025-01-06"),
        ("2999", "2999-01-08T10:00:00Z", "2025-01-07"),
    ],
)
def test_a_year_typo_is_a_rejected_row(tmp_path: Path, year: str, shown: str, median: str) -> None:
    path = write_csv(tmp_path, year)
    result = flowgap.load(path)
    assert [(r.source, r.reason) for r in result.rejects] == [
        (
            "t.csv:6",
            f"B-1: time {shown} is more than 100 years from the median of the data "
            f"({median}): a typo in the year?",
        )
    ]
    summary = result.inputs[0]
    assert (summary.records_read, summary.records_loaded, summary.records_rejected) == (6, 5, 1)
    done = CliRunner().invoke(app, ["analyze", str(path), "-o", str(tmp_path / "out"), "-q"])
    assert done.exit_code == 0, done.output
    report = json.loads((tmp_path / "out" / "report.json").read_text())
    assert report["inputs"][0]["records_rejected"] == 1


def test_as_of_centuries_after_the_data_is_a_usage_error(tmp_path: Path) -> None:
    path = write_csv(tmp_path, "2025")
    runner = CliRunner()
    done = runner.invoke(
        app, ["analyze", str(path), "-o", str(tmp_path / "out"), "-q", "--as-of", "9999-12-31"]
    )
    assert done.exit_code == 2
    assert done.stderr == (
        "flowgap: error: as_of 9999-12-31 is more than 100 years from the median of the data "
        "(2025-01-07): durations that long cannot be measured\n"
    )
    done = runner.invoke(
        app,
        ["analyze", str(path), "-o", str(tmp_path / "o2"), "--as-of", "9999-12-31T23:59:59-14:00"],
    )
    assert done.exit_code == 2
    assert done.stderr == (
        "flowgap: error: --as-of: '9999-12-31T23:59:59-14:00' is beyond the year 9999 in UTC\n"
    )
    assert not (tmp_path / "out").exists() and not (tmp_path / "o2").exists()


@pytest.mark.parametrize("as_of", ["0001-01-01", "0999-12-31"])
def test_an_as_of_before_year_1000_shows_four_digits(tmp_path: Path, as_of: str) -> None:
    path = write_csv(tmp_path, "2025")
    done = CliRunner().invoke(
        app, ["analyze", str(path), "-o", str(tmp_path / "out"), "-q", "--as-of", as_of]
    )
    assert done.exit_code == 2
    assert done.stderr == (
        f"flowgap: error: as_of {as_of} is more than 100 years from the median of the data "
        "(2025-01-07): durations that long cannot be measured\n"
    )
    assert not (tmp_path / "out").exists()


def test_moments_and_days_are_iso_8601_with_four_digit_years() -> None:
    assert iso(datetime(1, 1, 1, tzinfo=UTC)) == "0001-01-01T00:00:00Z"
    assert iso(datetime(999, 12, 31, 23, 59, 59, 5)) == "0999-12-31T23:59:59.000005Z"
    assert iso(datetime(2026, 1, 1, 1, tzinfo=timezone(timedelta(hours=2)))) == (
        "2025-12-31T23:00:00Z"
    )
    assert iso_day(datetime(5, 3, 4, 22, tzinfo=UTC)) == "0005-03-04"


def test_jira_created_beyond_year_9999_in_utc_is_rejected(tmp_path: Path) -> None:
    issue = {
        "key": "A-1",
        "id": "1",
        "fields": {"created": "9999-12-31T23:59:59.000-1400", "status": {"name": "Open"}},
        "changelog": {"startAt": 0, "maxResults": 100, "total": 0, "histories": []},
    }
    fine = {**issue, "key": "A-2", "id": "2"}
    fine["fields"] = {**issue["fields"], "created": "2023-07-03T09:00:00.000+0000"}
    path = tmp_path / "j.ndjson"
    path.write_text(json.dumps(issue) + "\n" + json.dumps(fine) + "\n")
    result = flowgap.load(path)
    assert [(r.source, r.reason) for r in result.rejects] == [
        (
            "j.ndjson:A-1",
            "A-1: time year 10000 is more than 100 years from the median of the data "
            "(2023-07-03): a typo in the year?",
        )
    ]
    assert result.items.column("item").to_pylist() == ["A-2"]
    done = CliRunner().invoke(app, ["inspect", str(path)])
    assert done.exit_code == 0, done.output
    done = CliRunner().invoke(app, ["analyze", str(path), "-o", str(tmp_path / "out"), "-q"])
    assert done.exit_code == 0, done.output


def _canonical_with_years(tmp_path: Path, years: dict[int, int]) -> Path:
    """The sample canonical Parquet log with the year of event ``i`` set to ``years[i]``."""
    import shutil

    import pyarrow as pa
    import pyarrow.parquet as pq

    logs = Path(__file__).resolve().parents[1] / "sample_logs"
    events = pq.read_table(logs / "sample.canonical.parquet")
    ts = events.column("ts").to_pylist()
    for i, year in years.items():
        ts[i] = ts[i].replace(year=year)
    events = events.set_column(
        events.schema.get_field_index("ts"), "ts", pa.array(ts, events.schema.field("ts").type)
    )
    pq.write_table(events, tmp_path / "log.parquet")
    shutil.copy(logs / "sample.canonical.items.parquet", tmp_path / "log.items.parquet")
    return tmp_path / "log.parquet"


def test_in_a_parquet_log_only_the_far_event_goes(tmp_path: Path) -> None:
    """A Parquet input's record is one event, and its events may share a source."""
    result = flowgap.load(_canonical_with_years(tmp_path, {5: 2999}))
    summary = result.inputs[0]
    assert (summary.records_read, summary.records_loaded, summary.records_rejected) == (
        685,
        684,
        1,
    )
    assert result.events.num_rows == summary.records_read - 1
    assert [(r.source, r.reason.partition(" is more")[0]) for r in result.rejects] == [
        (
            "generated:FLOW-10 (FLOW-10 at 2999-02-18T07:00:00Z #3)",
            "FLOW-10: time 2999-02-18T07:00:00Z",
        )
    ]


def test_a_typo_in_an_items_first_row_does_not_outvote_the_rest(tmp_path: Path) -> None:
    """The median is over the records' own times: the ``created`` event derived from the
    first row repeats its typo, and with it the lower median was the typo itself."""
    path = tmp_path / "m.csv"
    path.write_text(
        HEADER + "C-1,,Backlog,1700-01-01T00:00:00Z\n"
        "C-1,Backlog,In Dev,2025-01-02T00:00:00Z\nC-1,In Dev,Done,2025-01-03T00:00:00Z\n"
    )
    result = flowgap.load(path)
    assert [r.source for r in result.rejects] == ["m.csv:2"]
    assert "(2025-01-02)" in result.rejects[0].reason
    summary = result.inputs[0]
    assert (summary.records_loaded, summary.records_rejected) == (2, 1)


def test_of_two_middle_times_the_one_keeping_more_records_is_the_median(tmp_path: Path) -> None:
    path = tmp_path / "e.csv"
    path.write_text(
        HEADER
        + "".join(
            f"C-{i},,Backlog,{year}-01-0{i}T00:00:00Z\n"
            for i, year in enumerate((1700, 1800, 1890, 2025, 2025, 2025), start=1)
        )
    )
    # lower middle 1890 keeps 2 rows (1800, 1890), upper middle 2025 keeps 3
    assert [r.source for r in flowgap.load(path).rejects] == ["e.csv:2", "e.csv:3", "e.csv:4"]


def test_a_year_beyond_python_is_named_exactly(tmp_path: Path) -> None:
    path = write_csv(tmp_path, "2025")
    path.write_text(path.read_text().replace("2025-01-08T10:00:00Z", "9999-12-31T23:59:59+14:00"))
    (reject,) = flowgap.load(path).rejects
    assert reject.reason.startswith("B-1: time year 9999 is more than 100 years")


def test_a_reject_is_counted_against_its_own_input_of_a_shared_name(tmp_path: Path) -> None:
    """Two inputs named ``x.csv``: the sources name their folder, and the year typo of the
    second is not also counted against the first."""
    for folder, rows in (("d1", ROWS[:3]), ("d2", ROWS[3:])):
        (tmp_path / folder).mkdir()
        text = HEADER + "\n".join(rows) + "\n"
        if folder == "d2":
            text = text.replace("2025-01-08", "2925-01-08")
        (tmp_path / folder / "x.csv").write_text(text)
    result = flowgap.load([tmp_path / "d1" / "x.csv", tmp_path / "d2" / "x.csv"])
    assert [r.source for r in result.rejects] == ["d2/x.csv:3"]
    counts = [(s.records_read, s.records_loaded, s.records_rejected) for s in result.inputs]
    assert counts == [(3, 3, 0), (3, 2, 1)]
    sources = set(result.events.column("source").to_pylist())
    assert {"d1/x.csv:2", "d2/x.csv:2"} <= sources


def test_each_far_event_of_a_parquet_log_is_its_own_reject(tmp_path: Path) -> None:
    """Two far events of one item share their provenance: two rejects, as counted."""
    result = flowgap.load(_canonical_with_years(tmp_path, {3: 1, 4: 9999}))
    summary = result.inputs[0]
    assert (summary.records_loaded, summary.records_rejected) == (683, 2)
    assert len(result.rejects) == 2 == len({r.source for r in result.rejects})
    assert result.events.num_rows == 683
