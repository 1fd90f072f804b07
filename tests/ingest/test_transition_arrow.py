"""The transition CSV fast path (Arrow) answers exactly as the row-by-row loader, or declines.

Every comparison calls both paths directly: ``transition_arrow.try_load`` and
``transition_csv.load(..., fast=False)``, and compares the tables and the findings.
"""

from __future__ import annotations

import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import numpy as np
import pyarrow as pa
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from flowgap.config import Config
from flowgap.ingest import arrow_columns as ac
from flowgap.ingest import transition_arrow, transition_csv
from flowgap.ingest.csv_rows import parse_timestamp
from flowgap.model import LoadResult

SAMPLE = Path(__file__).resolve().parents[2] / "sample_logs"
HEADER = "item,from,to,timestamp,author,team,created"


def config(**transitions: object) -> Config:
    return Config.from_dict({"input": {"transitions": transitions}}) if transitions else Config()


def assert_same(fast: LoadResult, slow: LoadResult) -> None:
    assert fast.events.schema == slow.events.schema
    assert fast.events.to_pylist() == slow.events.to_pylist()
    assert fast.events.equals(slow.events)
    assert fast.items.schema == slow.items.schema
    assert fast.items.to_pylist() == slow.items.to_pylist()
    assert fast.items.equals(slow.items)
    assert fast.rejects == slow.rejects
    assert fast.warnings == slow.warnings
    assert fast.inputs == slow.inputs
    assert fast.status_categories == slow.status_categories
    assert fast.has_history == slow.has_history


def both(path: Path, cfg: Config, *, answers: bool = True) -> tuple[LoadResult | None, LoadResult]:
    """Both paths on one file; ``answers``: whether the fast path must answer (not decline)."""
    fast = transition_arrow.try_load(path, cfg)
    slow = transition_csv.load(path, cfg, fast=False)
    if answers:
        assert fast is not None, "the fast path declined a plain file"
        assert_same(fast, slow)
    else:
        assert fast is None, "the fast path answered a file it must leave to the Python loader"
        assert_same(transition_csv.load(path, cfg), slow)
    return fast, slow


def write(tmp_path: Path, text: str, name: str = "t.csv") -> Path:
    p = tmp_path / name
    p.write_bytes(text.encode())
    return p


# --------------------------------------------------------------------------- hand-made cases


def test_sample_log_and_fixture(tmp_path: Path) -> None:
    cfg = Config.load(SAMPLE / "sample.transitions.flowgap.toml")
    fast, _ = both(SAMPLE / "sample.transitions.csv", cfg)
    assert fast is not None and fast.events.num_rows == 453
    fixture = Path(__file__).resolve().parents[1] / "fixtures" / "csv" / "transitions.csv"
    both(fixture, Config())


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
        "A-1,Open,Doing,2024-01-02T10:00:00Z,bob,QA,\n"  # 8: duplicate of 7 (same instant)
        "A-1,Review,Done,2024-01-03T10:00:00Z,cy,QA,\n"  # 9: inconsistent (was Doing)
        "B-2,Open,Doing,2024-01-05T10:00:00Z,,Dev,2024-01-06T00:00:00Z\n"  # 10: created late
        "B-2,Doing,Done,2024-01-04T10:00:00Z,dan,,\n"  # 11: earlier than line 10
        "B-2,Doing,Done,2024-01-04T10:00:00Z,eve,,\n"  # 12: duplicate of 11
        "C-3,,Open,not a time,ann,,\n",  # 13: bad timestamp
    )
    _, slow = both(p, Config())
    assert [(r.source, r.reason) for r in slow.rejects] == [
        ("t.csv:3", "missing item key (column 'item')"),
        ("t.csv:4", "A-1: missing target status (column 'to')"),
        ("t.csv:5", "A-1: bad timestamp: unrecognised timestamp '2024-02-30T10:00:00Z'"),
        ("t.csv:6", "A-1: bad created timestamp: unrecognised timestamp 'yesterday'"),
        ("t.csv:8", "A-1: duplicate event (same transition as line 7)"),
        ("t.csv:12", "B-2: duplicate event (same transition as line 11)"),
        ("t.csv:13", "C-3: bad timestamp: unrecognised timestamp 'not a time'"),
    ]
    assert [(w.kind, w.source) for w in slow.warnings] == [
        ("inconsistent_transition", "t.csv:9"),
        ("created_after_transition", "t.csv:11"),
        ("inconsistent_transition", "t.csv:10"),
    ]
    assert slow.warnings[1].message == (
        "B-2: created 2024-01-06T00:00:00+00:00 is after its first transition;"
        " the first transition's time is used"
    )
    (summary,) = slow.inputs
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
    fast, _ = both(p, Config())
    assert fast is not None
    rows = [(r["ts"].day, r["seq"], r["field"], r["value"], r["prev"]) for r in
            fast.events.to_pylist()]  # fmt: skip
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


def test_dialects_crlf_bom_quotes_semicolons(tmp_path: Path) -> None:
    text = (
        '\ufeff"item";"from";"to";"timestamp";"author";"team"\r\n'
        '"Q-1";"";"Open";"2024-01-01 10:00";"Ann ""the boss""";""\r\n'
        '"Q-1";"Open";"In; Progress";"2024-01-02T10:00:00.5Z";" Bob ";"A;B"\r\n'
        'Q-2;Open;Done;2024-01-02T10:00:00.123456+0530;x"y;\r\n'
        "Q-2;Done;Open;2024-01-03;;\r\n"
    )
    p = write(tmp_path, text)
    fast, _ = both(p, Config())
    assert fast is not None
    actors = fast.events.column("actor").to_pylist()
    assert 'Ann "the boss"' in actors and "Bob" in actors and 'x"y' in actors


def test_unicode_values_and_spaces(tmp_path: Path) -> None:
    p = write(
        tmp_path,
        "item,from,to,timestamp,author,team\n"
        "Ä-1,,Öffen,2024-01-01T10:00:00Z,\u00a0Zoë\u3000,\u2003\n"
        "Ä-1,Öffen,Fertig,2024-01-02T10:00:00Z,Zoë,Équipe\n"
        "AB-١٢,,Open,2024-01-01T10:00:00Z,x,\n"  # Arabic-Indic digits: Python's \\d takes them
        "ab_1-2,,Open, 2024-01-01T10:00:00Z ,\tx\t,\n",
    )
    fast, _ = both(p, Config())
    assert fast is not None
    projects = dict(zip(*fast.items.select(["item", "project"]).to_pydict().values(), strict=True))
    assert projects == {"Ä-1": None, "AB-١٢": "AB", "ab_1-2": "ab_1"}


@pytest.mark.parametrize(
    "text",
    [
        pytest.param(
            "item,from,to,timestamp\nA-1,,Open,2024-01-01\n\nA-1,Open,Done,2024-01-02\n",
            id="blank line",
        ),
        pytest.param('item,from,to,timestamp\nA-1,,"Op\nen",2024-01-01\n', id="quoted newline"),
        pytest.param("item,from,to,timestamp\nA-1,,Open\n", id="short row"),
        pytest.param("item,from,to,timestamp\nA-1,,Open,2024-01-01,x\n", id="long row"),
        pytest.param("item,from,to,timestamp\rA-1,,Open,2024-01-01\r", id="CR line ends"),
        pytest.param("item,from,to,timestamp\nA-1,,Op\x0ben,2024-01-01\n", id="vertical tab"),
        pytest.param("item,from,to,timestamp\nA-1,,Op\u2028en,2024-01-01\n", id="U+2028"),
        pytest.param("item,from,to,timestamp\n", id="header only"),
        pytest.param('"item,from",to,timestamp\nA-1,Open,2024-01-01\n', id="missing column"),
        pytest.param('it"em,"from\nx",to,timestamp\nA,B,C,2024-01-01\n', id="header spans"),
    ],
)
def test_declines_what_it_cannot_answer_exactly(tmp_path: Path, text: str) -> None:
    p = write(tmp_path, text)
    try:
        slow = transition_csv.load(p, Config(), fast=False)
    except Exception as exc:  # the Python loader's error stands: the fast path must decline
        assert transition_arrow.try_load(p, Config()) is None
        with pytest.raises(type(exc)):
            transition_csv.load(p, Config())
        return
    assert transition_arrow.try_load(p, Config()) is None
    assert_same(transition_csv.load(p, Config()), slow)


def test_declines_latin1_and_utf16(tmp_path: Path) -> None:
    text = "item,from,to,timestamp\nA-1,Offen,In Prüfung,2024-01-01T00:00:00Z\n"
    for encoding in ("latin-1", "utf-16"):
        p = tmp_path / f"{encoding}.csv"
        p.write_bytes(text.encode(encoding))
        both(p, Config(), answers=False)


def test_gzip_and_a_trailing_blank_line(tmp_path: Path) -> None:
    import gzip

    p = tmp_path / "t.csv.gz"
    p.write_bytes(gzip.compress(b"item,from,to,timestamp\nA-1,,Open,2024-01-01\n\n\r\n"))
    both(p, Config())


def test_naive_times_in_a_zone_across_daylight_saving(tmp_path: Path) -> None:
    # Berlin: 2024-03-31 02:30 does not exist, 2024-10-27 02:30 happens twice; 2040 is past
    # the years Arrow's zone rules cover; 1850 before them.
    stamps = [
        "2024-03-31 01:59:59", "2024-03-31 02:00", "2024-03-31 02:30", "2024-03-31 03:00",
        "2024-10-27 01:59", "2024-10-27 02:00", "2024-10-27 02:30", "2024-10-27 03:00",
        "2040-07-01T12:00", "1850-01-01T00:00", "2024-06-01", "2024-06-01T12:00:00+02:00",
    ]  # fmt: skip
    lines = [f"Z-{i},,Open,{s}" for i, s in enumerate(stamps)]
    p = write(tmp_path, "item,from,to,timestamp\n" + "\n".join(lines) + "\n")
    for name in ("Europe/Berlin", "America/New_York", "Australia/Lord_Howe", "UTC"):
        fast, _ = both(p, config(timezone=name))
        assert fast is not None
    created = {r["item"]: r["created"] for r in fast.items.to_pylist()}
    assert created["Z-2"] == datetime(2024, 3, 31, 2, 30, tzinfo=UTC)  # UTC itself


def test_explicit_formats(tmp_path: Path) -> None:
    rows = [
        "01.02.2024 10:00", "31.12.2023 23:59", "30.02.2024 10:00", "1.2.2024 10:00",
        "01.13.2024 10:00", "01.02.2024 24:00", "01.02.2024 10:00 ", "x",
    ]  # fmt: skip
    p = write(tmp_path, "item,from,to,timestamp\n" + "".join(
        f"F-{i},,Open,{s}\n" for i, s in enumerate(rows)))  # fmt: skip
    for fmt in ("%d.%m.%Y %H:%M", "%d.%m.%y %H:%M"):
        both(p, config(timestamp_format=fmt, timezone="Europe/Berlin"))
    zoned = ["2024-02-01T10:00:00+0100", "2024-02-01T10:00:00+01:00", "2024-02-01T10:00:00Z",
             "2024-02-01T10:00:00z", "2024-02-01T10:00:00+2400", "2024-02-01T10:00:00"]  # fmt: skip
    p = write(tmp_path, "item,from,to,timestamp\n" + "".join(
        f"F-{i},,Open,{s}\n" for i, s in enumerate(zoned)))  # fmt: skip
    for fmt in ("%Y-%m-%dT%H:%M:%S%z", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%dT%H:%M:%S.%f%z", "%j %z"):
        both(p, config(timestamp_format=fmt))


def test_day_first_numeric_dates(tmp_path: Path) -> None:
    p = write(
        tmp_path,
        "key;old;new;when\n"
        "X-1;Open;Doing;03/04/2024 10:00\n"
        "X-1;Doing;Done;31/02/2024 10:00\n"
        "X-1;Doing;Done;05/04/24 6:30 PM\n",
    )
    cfg = config(item="key", **{"from": "old", "to": "new"}, timestamp="when", dayfirst=True,
                 timezone="Europe/Berlin")  # fmt: skip
    both(p, cfg)


def test_no_pandas_import(tmp_path: Path) -> None:
    """pyarrow imports pandas (about a second) on some calls; the fast path makes none."""
    p = write(
        tmp_path,
        f"{HEADER}\nA-1,,Open,2024-03-31 02:30,ann,Dev,\n"
        "A-1,Open,Done,2024-01-02T10:00,bob,QA,2023-01-01\nA-1,Open,Done,2024-01-02T10:00,,,\n"
        "Ä-١,Open,Done,01/02/2024 10:00,bob,QA,\n",
    )
    none = write(tmp_path, "item,from,to,timestamp\n,,Open,2024-01-01\nA-1,,Open,x\n", "none.csv")
    code = (
        "import sys; from pathlib import Path; from flowgap.config import Config;"
        "from flowgap.ingest import transition_arrow as t;"
        "c = Config.from_dict({'input': {'transitions': {'timezone': 'Europe/Berlin'}}});"
        f"r = t.try_load(Path({str(p)!r}), c);"
        "assert r is not None and r.events.num_rows == 10 and len(r.rejects) == 1;"
        f"r = t.try_load(Path({str(none)!r}), c);"
        "assert r is not None and r.events.num_rows == 0 and len(r.rejects) == 2;"
        "print('pandas' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "False"


# --------------------------------------------------------------------------- timestamps


def _python_micros(text: str, fmt: str | None, tz: ZoneInfo, dayfirst: bool) -> int | str:
    try:
        return (parse_timestamp(text, fmt, tz, dayfirst) - datetime(1970, 1, 1, tzinfo=UTC)) // (
            timedelta(microseconds=1)
        )
    except (ValueError, OverflowError) as exc:
        return str(exc)


def _strings(values: list[str]) -> pa.Array:
    return ac.strings(values)


def _compare_timestamps(values: list[str], fmt: str | None, zone: str) -> None:
    tz = ZoneInfo(zone)
    got, errors = transition_arrow._timestamps(
        _strings(values), np.arange(len(values)), fmt, tz, False
    )
    for i, text in enumerate(values):
        expected = _python_micros(text, fmt, tz, False)
        assert (errors[i] if i in errors else int(got[i])) == expected, text


digits = st.text(alphabet="0123456789", min_size=1, max_size=3)
iso_like = st.builds(
    lambda y, mo, d, sep, h, mi, s, frac, tz: f"{y}-{mo}-{d}{sep}{h}:{mi}{s}{frac}{tz}",
    st.sampled_from(["2024", "1999", "0000", "2038", "1899", "9999", "0001", "24"]),
    st.sampled_from(["01", "02", "12", "13", "00", "1"]),
    st.sampled_from(["01", "28", "29", "30", "31", "32", "00", "1"]),
    st.sampled_from(["T", " ", "t", "_"]),
    st.sampled_from(["00", "02", "03", "23", "24", "9"]),
    st.sampled_from(["00", "30", "59", "60", "5"]),
    st.sampled_from(["", ":00", ":59", ":60", ":5"]),
    st.sampled_from(["", ".1", ".123", ".123456", ".1234567", ",5", "."]),
    st.sampled_from(
        [
            "",
            "Z",
            "z",
            "+01:00",
            "-0530",
            "+2400",
            "+23:59",
            "+02:60",
            "+01",
            "-00:00",
            "+0100",
            "+01:00:30",
        ]
    ),
)
dates = st.builds(
    lambda y, mo, d: f"{y}-{mo}-{d}",
    st.sampled_from(["2024", "2023", "1900"]),
    st.sampled_from(["02", "12", "13"]),
    st.sampled_from(["28", "29", "31", "3"]),
)
garbage = st.text(alphabet="0123456789-:T +Zz./", max_size=26)


@given(
    st.lists(st.one_of(iso_like, dates, garbage), min_size=1, max_size=40),
    st.sampled_from(["UTC", "Europe/Berlin", "America/Sao_Paulo"]),
)
@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow])
def test_iso_timestamps_equal_python(values: list[str], zone: str) -> None:
    _compare_timestamps([v.strip() or "x" for v in values], None, zone)


@given(
    st.lists(st.one_of(iso_like, garbage), min_size=1, max_size=30),
    st.sampled_from(
        [
            "%Y-%m-%dT%H:%M:%S%z",
            "%Y-%m-%d %H:%M",
            "%Y-%m-%dT%H:%M:%S",
            "%y-%m-%dT%H:%M%z",
            "%Y-%m-%d",
            "%%%Y-%m-%d",
            "%Y-%d-%mT%H:%M:%S%z",
        ]
    ),
    st.sampled_from(["UTC", "Europe/Berlin"]),
)
@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow])
def test_format_timestamps_equal_python(values: list[str], fmt: str, zone: str) -> None:
    _compare_timestamps([v.strip() or "x" for v in values], fmt, zone)


def test_naive_zone_hours_equal_python() -> None:
    """Every quarter hour around many transitions, in zones with odd rules."""
    values = []
    for year in (1916, 1945, 1970, 1996, 2011, 2024, 2037):
        start = datetime(year, 1, 1)
        values += [(start + timedelta(minutes=15 * i)).isoformat() for i in range(0, 35040, 7)]
    for zone in ("Europe/Berlin", "America/New_York", "Australia/Lord_Howe", "Pacific/Apia"):
        _compare_timestamps(values, None, zone)


# --------------------------------------------------------------------------- generated files

ITEMS = ["A-1", "A-2", "B-10", "x y", "Ä-3", "", " A-1 ", "Z_9-1"]
STATUSES = ["Open", "Doing", "Done", "", " Doing ", "In, Review", 'Say "hi"']
PEOPLE = ["ann", "", "Bob B", "zoë"]
STAMPS = [
    "2024-01-01T10:00:00Z", "2024-01-01T10:00:00Z", "2024-01-01T11:00:00+01:00",
    "2024-01-02T09:30:00.250000Z", "2024-01-02 09:30", "2024-01-03", "2024-02-30T10:00:00Z",
    "not a time", "", "2024-03-31T02:30:00", "03/04/2024 10:00", "2024-10-27T02:30:00",
]  # fmt: skip

row = st.tuples(
    st.sampled_from(ITEMS),
    st.sampled_from(STATUSES),
    st.sampled_from(STATUSES),
    st.sampled_from(STAMPS),
    st.sampled_from(PEOPLE),
    st.sampled_from(["", "", "Dev", "QA"]),
    st.sampled_from(
        ["", "", "", "2023-12-31T00:00:00Z", "2024-01-01T10:00:00Z", "2024-01-05", "bad"]
    ),
)


def _cell(value: str, delimiter: str, quote_all: bool) -> str:
    if quote_all or delimiter in value or '"' in value:
        return '"' + value.replace('"', '""') + '"'
    return value


@given(
    rows=st.lists(row, min_size=1, max_size=30),
    delimiter=st.sampled_from([",", ";", "\t"]),
    newline=st.sampled_from(["\n", "\r\n"]),
    bom=st.booleans(),
    quote_all=st.booleans(),
    with_created=st.booleans(),
    zone=st.sampled_from(["UTC", "Europe/Berlin"]),
    dayfirst=st.booleans(),
    fmt=st.sampled_from([None, None, None, "%Y-%m-%dT%H:%M:%S%z", "%Y-%m-%d %H:%M"]),
)
@settings(max_examples=150, suppress_health_check=[HealthCheck.function_scoped_fixture])
def test_generated_files_equal_python(
    tmp_path: Path,
    rows: list[tuple[str, ...]],
    delimiter: str,
    newline: str,
    bom: bool,
    quote_all: bool,
    with_created: bool,
    zone: str,
    dayfirst: bool,
    fmt: str | None,
) -> None:
    names = ["item", "from", "to", "timestamp", "author", "team", "created"]
    width = 7 if with_created else 6
    lines = [delimiter.join(_cell(v, delimiter, quote_all) for v in names[:width])]
    lines += [delimiter.join(_cell(v, delimiter, quote_all) for v in r[:width]) for r in rows]
    text = ("\ufeff" if bom else "") + newline.join(lines) + newline
    p = tmp_path / "gen.csv"
    p.write_bytes(text.encode())
    both(p, config(timezone=zone, dayfirst=dayfirst, timestamp_format=fmt))


def test_created_at_the_first_transition_is_no_finding(tmp_path: Path) -> None:
    p = write(
        tmp_path,
        f"{HEADER}\n"
        "E-1,Open,Doing,2024-01-02T10:00:00Z,ann,,2024-01-02T11:00:00+01:00\n"  # same instant
        "E-2,Open,Doing,2024-01-02T10:00:00Z,ann,,2024-01-02T10:00:00.000001Z\n",  # 1 µs later
    )
    fast, _ = both(p, Config())
    assert fast is not None
    assert [(w.kind, w.item) for w in fast.warnings] == [("created_after_transition", "E-2")]
    assert fast.warnings[0].message.startswith("E-2: created 2024-01-02T10:00:00.000001+00:00 ")


# --------------------------------------------------------------------------- building blocks


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
    got = transition_arrow._item_order(code, rank, ts)
    expected = sorted(range(len(rows)), key=lambda i: (rank_of[keys[i]], ts[i], i))
    assert got.tolist() == expected


@pytest.mark.parametrize("n", [0, 1, 7, 8, 9, 97, 98, 99, 1000, 10_050])
def test_line_sources_across_digit_counts(n: int) -> None:
    got = transition_arrow._line_sources("dä.csv:".encode(), n).to_pylist()
    assert got == [f"dä.csv:{line}" for line in range(2, n + 2)]


def test_an_export_grouped_by_item_out_of_key_order(tmp_path: Path) -> None:
    """Rows come per item, in time order, items not in key order: runs are moved whole."""
    lines = []
    for item in ("B-10", "A-2", "B-9", "A-10"):
        for day, (old, new) in enumerate([("", "Open"), ("Open", "Doing"), ("Doing", "Done")]):
            lines.append(f"{item},{old},{new},2024-01-0{day + 1}T10:00:00Z,ann,Dev")
    p = write(tmp_path, "item,from,to,timestamp,author,team\n" + "\n".join(lines) + "\n")
    fast, _ = both(p, Config())
    assert fast is not None
    assert fast.items.column("item").to_pylist() == ["B-10", "A-2", "B-9", "A-10"]
    assert fast.events.column("item").to_pylist()[:1] == ["A-10"]


def test_timestamps_beyond_datetime_are_rejected_not_a_crash(tmp_path: Path) -> None:
    p = write(
        tmp_path,
        "item,from,to,timestamp\n"
        "Y-1,,Open,0001-01-01T00:00+01:00\nY-2,,Open,9999-12-31T23:59-01:00\n"
        "Y-3,,Open,2024-01-01T00:00Z\n",
    )
    _, slow = both(p, Config())
    assert [(r.source, r.reason) for r in slow.rejects] == [
        ("t.csv:2", "Y-1: bad timestamp: date value out of range"),
        ("t.csv:3", "Y-2: bad timestamp: date value out of range"),
    ]


raw_cell = st.text(alphabet='ab "\t,;', max_size=6)


@given(
    st.lists(st.tuples(raw_cell, raw_cell, raw_cell), min_size=1, max_size=8),
    st.sampled_from([",", ";"]),
)
@settings(max_examples=200, suppress_health_check=[HealthCheck.function_scoped_fixture])
def test_stray_quotes_are_read_alike_or_left_to_python(
    tmp_path: Path, cells: list[tuple[str, str, str]], delimiter: str
) -> None:
    """Cells written without quoting rules (stray quotes, delimiters, spaces): Arrow's reading
    equals Python's csv, or the fast path declines."""
    header = delimiter.join(["item", "from", "to", "timestamp", "author"])
    lines = [
        delimiter.join([f"K-{i}", old, new, "2024-01-01T00:00Z", who])
        for i, (old, new, who) in enumerate(cells)
    ]
    p = tmp_path / "raw.csv"
    p.write_bytes((header + "\n" + "\n".join(lines) + "\n").encode())
    slow = transition_csv.load(p, Config(), fast=False)
    fast = transition_arrow.try_load(p, Config())
    if fast is not None:
        assert_same(fast, slow)
