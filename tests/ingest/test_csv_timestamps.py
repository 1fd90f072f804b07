"""Timestamps of the CSV loaders: ``parse_column`` (Arrow on whole columns where it can) gives
exactly ``parse_timestamp``'s answer, value or reason, for every text."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from flowgap.ingest import arrow_columns as ac
from flowgap.ingest.csv_timestamps import (
    DAY_FIRST_HINT,
    isoformat,
    micros,
    parse_column,
    parse_timestamp,
)


def rule(text: str, fmt: str | None, tz: ZoneInfo | None, dayfirst: bool) -> int | str:
    try:
        return micros(parse_timestamp(text, fmt, tz, dayfirst))
    except (ValueError, OverflowError) as exc:
        return str(exc)


def same_as_rule(
    values: list[str], fmt: str | None, zone: str | None, dayfirst: bool = False
) -> None:
    tz = ZoneInfo(zone) if zone else None
    got, errors = parse_column(ac.strings(values), fmt, tz, dayfirst)
    for i, text in enumerate(values):
        assert (errors[i] if i in errors else int(got[i])) == rule(text, fmt, tz, dayfirst), text


def test_the_rule() -> None:
    berlin = ZoneInfo("Europe/Berlin")
    assert parse_timestamp("2024-03-01T09:00:00+0100", None, None) == datetime(
        2024, 3, 1, 8, tzinfo=UTC
    )
    assert parse_timestamp("03/04/2024 10:00", None, berlin, dayfirst=True) == datetime(
        2024, 4, 3, 8, tzinfo=UTC
    )
    assert parse_timestamp("05/04/24 6:30 PM", None, None) == datetime(
        2024, 5, 4, 18, 30, tzinfo=UTC
    )
    with pytest.raises(ValueError, match="empty timestamp"):
        parse_timestamp(" ", None, None)
    with pytest.raises(ValueError, match=DAY_FIRST_HINT.replace("(", r"\(")):
        parse_timestamp("13/04/2024", None, None)
    with pytest.raises(ValueError, match="does not match format"):
        parse_timestamp("2024-01-01", "%d.%m.%Y", None)
    with pytest.raises(ValueError, match="date value out of range"):
        parse_timestamp("0001-01-01T00:00+01:00", None, None)
    assert isoformat(1) == "1970-01-01T00:00:00.000001+00:00"


def test_every_iso_shape_arrow_accepts_is_read_as_the_rule_reads_it() -> None:
    """A column Arrow's cast accepts whole is taken from it: each text alone is such a column."""
    dates = ["2024-02-29", "2023-02-29", "2024-12-31", "0000-01-01", "0001-01-01", "9999-12-31",
             "2024-1-01", "20240101", "2024-W01-1", "2024-001"]  # fmt: skip
    times = ["", "T10", " 10", "T1000", "T100000", "T10:00", " 10:00:00", "T10:00:00.5",
             "T10:00:00.123456", "T10:00:00.1234567", "T10:00:00.123456789", "T10:00:00,5",
             "T10:00:00.", "T24:00", "T23:59:60", "T10:60", "t10:00", "_10:00"]  # fmt: skip
    zones = ["", "Z", "z", "+01:00", "-0530", "+2400", "+24:00", "+23:59", "+02:60", "+01",
             "-00:00", "+0100", "+01:00:30", " +01:00", "UTC"]  # fmt: skip
    for zone in (None, "Europe/Berlin"):
        for d in dates:
            for t_ in times:
                for z in zones:
                    same_as_rule([f"{d}{t_}{z}"], None, zone)


def test_a_column_of_every_kind() -> None:
    """Aware and naive texts, impossible dates, other shapes and garbage in one column."""
    values = ["2024-01-01T10:00:00+01:00", "2024-01-01 10:00", "2024-02-30T10:00:00Z",
              "2024-02-30", "2024-01-01", "03/04/2024", "x", "", "2024-01-01T10:00:00z",
              "2024-01-01T10+01", "0001-01-01T00:00+01:00"] * 3  # fmt: skip
    for zone in (None, "Europe/Berlin"):
        same_as_rule(values, None, zone)
        same_as_rule(values[::-1], None, zone)


def test_only_the_asked_rows_are_read() -> None:
    values = ac.strings(["2024-01-01", "x", "2024-01-02", "y"])
    got, errors = parse_column(values, None, None, False, rows=np.array([0, 2]))
    assert errors == {}
    assert got.tolist()[1::2] == [0, 0]
    assert got[2] - got[0] == 86_400_000_000


def test_daylight_saving_gaps_and_folds_and_far_years() -> None:
    # Berlin: 2024-03-31 02:30 does not exist, 2024-10-27 02:30 happens twice; 2040 is past
    # the years Arrow's zone rules cover; 1850 before them.
    stamps = [
        "2024-03-31 01:59:59",
        "2024-03-31 02:00",
        "2024-03-31 02:30",
        "2024-03-31 03:00",
        "2024-10-27 01:59",
        "2024-10-27 02:00",
        "2024-10-27 02:30",
        "2024-10-27 03:00",
        "2040-07-01T12:00",
        "1850-01-01T00:00",
        "2024-06-01",
        "2024-06-01T12:00:00+02:00",
    ]
    for zone in ("Europe/Berlin", "America/New_York", "Australia/Lord_Howe", "UTC", None):
        same_as_rule(stamps, None, zone)
    got, _ = parse_column(ac.strings(stamps), None, None, False)
    assert got[2] == micros(datetime(2024, 3, 31, 2, 30, tzinfo=UTC))  # no zone: UTC


def test_explicit_formats() -> None:
    values = [
        "01.02.2024 10:00",
        "31.12.2023 23:59",
        "30.02.2024 10:00",
        "1.2.2024 10:00",
        "01.13.2024 10:00",
        "01.02.2024 24:00",
        "01.02.2024 10:00 ",
        "x",
        "01.02.24 10:00",
        "01.02.68 10:00",
        "01.02.69 10:00",
    ]
    for fmt in ("%d.%m.%Y %H:%M", "%d.%m.%y %H:%M", "%d.%m.%Y %I:%M", "%d.%m.%Y %H:%M:%S"):
        same_as_rule(values, fmt, "Europe/Berlin")
    zoned = [
        "2024-02-01T10:00:00+0100",
        "2024-02-01T10:00:00+01:00",
        "2024-02-01T10:00:00Z",
        "2024-02-01T10:00:00z",
        "2024-02-01T10:00:00+2400",
        "2024-02-01T10:00:00",
        "0001-01-01T00:00:00+0100",
        "2024-02-01T10:00:00-00:30",
    ]
    for fmt in ("%Y-%m-%dT%H:%M:%S%z", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%dT%H:%M:%S.%f%z", "%j %z"):
        same_as_rule(zoned, fmt, None)


def test_day_first_numeric_dates() -> None:
    values = ["03/04/2024 10:00", "31/02/2024 10:00", "05/04/24 6:30 PM", "13/04/2024", "4/3/24"]
    for dayfirst in (True, False):
        same_as_rule(values, None, "Europe/Berlin", dayfirst)


def test_naive_zone_hours() -> None:
    """Every quarter hour around many transitions, in zones with odd rules."""
    values = []
    for year in (1916, 1945, 1970, 1996, 2011, 2024, 2037):
        start = datetime(year, 1, 1)
        values += [(start + timedelta(minutes=15 * i)).isoformat() for i in range(0, 35040, 7)]
    for zone in ("Europe/Berlin", "America/New_York", "Australia/Lord_Howe", "Pacific/Apia"):
        same_as_rule(values, None, zone)


iso_like = st.builds(
    lambda y, mo, d, sep, h, mi, s, frac, tz: f"{y}-{mo}-{d}{sep}{h}:{mi}{s}{frac}{tz}",
    st.sampled_from(["2024", "1999", "0000", "2038", "1899", "9999", "0001", "24", "1000"]),
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
    st.sampled_from(["UTC", "Europe/Berlin", "America/Sao_Paulo", None]),
)
@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow])
def test_iso_timestamps(values: list[str], zone: str | None) -> None:
    same_as_rule([v.strip() or "x" for v in values], None, zone)


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
def test_format_timestamps(values: list[str], fmt: str, zone: str) -> None:
    same_as_rule([v.strip() or "x" for v in values], fmt, zone)
