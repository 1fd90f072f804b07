"""Working time: hand-computed cases (weekend, holiday, hours, DST, overnight shifts) and a
property test against a slow day-by-day reference."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import holidays
import numpy as np
import pyarrow as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from flowgap.config import CalendarConfig
from flowgap.engine.calendar import WEEKDAYS, local_dates, working_seconds

H = 3600.0


def us(*stamps: str) -> np.ndarray:
    return np.array(stamps, dtype="datetime64[us]")


def hours(start: str, end: str, calendar: CalendarConfig) -> float:
    return float(working_seconds(us(start), us(end), calendar)[0]) / H


BERLIN_DE = CalendarConfig(timezone="Europe/Berlin", holidays_country="DE")


def test_weekend_and_german_unity_day() -> None:
    # Thu 2025-10-02 08:00 CEST -> Mon 2025-10-06 12:00 CEST: Thu 9-17 (8h), Fri 3 Oct is a
    # public holiday, the weekend is off, Mon 9-12 (3h)
    assert hours("2025-10-02T06:00", "2025-10-06T10:00", BERLIN_DE) == 11.0
    # without holidays the Friday counts
    plain = CalendarConfig(timezone="Europe/Berlin")
    assert hours("2025-10-02T06:00", "2025-10-06T10:00", plain) == 19.0
    # calendar time of the same interval: 4 days 4 hours
    assert (datetime(2025, 10, 6, 10) - datetime(2025, 10, 2, 6)) / timedelta(hours=1) == 100


def test_working_hours_boundaries() -> None:
    cal = CalendarConfig()  # UTC, Mon-Fri 09:00-17:00; Wed 2025-10-08
    assert hours("2025-10-08T07:00", "2025-10-08T09:00", cal) == 0.0
    assert hours("2025-10-08T09:00", "2025-10-08T17:00", cal) == 8.0
    assert hours("2025-10-08T08:00", "2025-10-08T18:00", cal) == 8.0
    assert hours("2025-10-08T17:00", "2025-10-09T09:00", cal) == 0.0
    assert hours("2025-10-08T16:30", "2025-10-09T09:15", cal) == 0.75
    assert hours("2025-10-08T12:00", "2025-10-08T12:00", cal) == 0.0
    # Fri 16:00 -> Mon 10:00
    assert hours("2025-10-10T16:00", "2025-10-13T10:00", cal) == 2.0


def test_dst_changes_keep_local_hours() -> None:
    # Europe/Berlin springs forward on Sun 2025-03-30: Fri 09:00 CET (08:00Z) to
    # Mon 10:00 CEST (08:00Z) is 8h + 1h; a fixed UTC offset would give 8h + 2h
    assert hours("2025-03-28T08:00", "2025-03-31T08:00", BERLIN_DE) == 9.0
    # a round-the-clock calendar counts the short and the long day as they are
    always = CalendarConfig(
        timezone="Europe/Berlin", days=list(WEEKDAYS), start=time(0), end=time(0)
    )
    assert hours("2025-03-29T23:00", "2025-03-30T22:00", always) == 23.0
    assert hours("2025-10-25T22:00", "2025-10-26T23:00", always) == 25.0


def test_subdivision_and_extra_holidays() -> None:
    # Epiphany (Tue 2026-01-06) is a holiday in Bavaria, not in Berlin
    bavaria = CalendarConfig(
        timezone="Europe/Berlin", holidays_country="DE", holidays_subdivision="BY"
    )
    berlin = CalendarConfig(
        timezone="Europe/Berlin", holidays_country="DE", holidays_subdivision="BE"
    )
    assert hours("2026-01-05T23:00", "2026-01-06T23:00", bavaria) == 0.0
    assert hours("2026-01-05T23:00", "2026-01-06T23:00", berlin) == 8.0
    extra = CalendarConfig(extra_holidays=[date(2026, 1, 7)])
    assert hours("2026-01-06T00:00", "2026-01-09T00:00", extra) == 16.0


def test_overnight_shift() -> None:
    night = CalendarConfig(start=time(22), end=time(6), days=["monday", "tuesday"])
    # Monday's shift runs Mon 22:00 -> Tue 06:00, Tuesday's Tue 22:00 -> Wed 06:00
    assert hours("2025-10-06T00:00", "2025-10-09T00:00", night) == 16.0
    assert hours("2025-10-07T05:00", "2025-10-07T23:00", night) == 2.0


def test_nulls_reversed_intervals_and_arrow_input() -> None:
    cal = CalendarConfig()
    got = working_seconds(
        us("NaT", "2025-10-08T10:00", "2025-10-08T10:00"),
        us("2025-10-08T10:00", "NaT", "2025-10-08T09:00"),
        cal,
    )
    assert np.isnan(got[0]) and np.isnan(got[1]) and got[2] == 0.0
    ts = pa.array([datetime(2025, 10, 8, 9, tzinfo=UTC), None], pa.timestamp("us", tz="UTC"))
    end = pa.array([datetime(2025, 10, 9, 9, tzinfo=UTC)] * 2, pa.timestamp("us", tz="UTC"))
    got = working_seconds(ts, end, cal)
    assert got[0] == 8 * H and np.isnan(got[1])
    assert working_seconds(us(), us(), cal).shape == (0,)


def test_no_working_day_at_all() -> None:
    cal = CalendarConfig(days=["saturday"])
    assert hours("2025-10-06T00:00", "2025-10-10T00:00", cal) == 0.0


def test_bad_calendar_settings_are_config_errors() -> None:
    # an unknown zone is refused when the config is read (naming its file and key)
    with pytest.raises(ValidationError, match=r"unknown time zone 'Mars/Base'"):
        CalendarConfig(timezone="Mars/Base")
    # so is an unknown holidays country (the engine found it, naming no file)
    with pytest.raises(ValidationError, match=r"holidays_country\n.*Country XX not available"):
        CalendarConfig(holidays_country="XX")


def test_local_dates() -> None:
    ts = pa.array(
        [datetime(2026, 1, 12, 3, tzinfo=UTC), None, datetime(2026, 7, 1, 22, 30, tzinfo=UTC)],
        pa.timestamp("us", tz="UTC"),
    )
    assert local_dates(ts, None).to_pylist() == [date(2026, 1, 12), None, date(2026, 7, 1)]
    assert local_dates(ts, "Europe/Berlin").to_pylist() == [
        date(2026, 1, 12),
        None,
        date(2026, 7, 2),
    ]
    assert local_dates(ts, "America/New_York").to_pylist()[0] == date(2026, 1, 11)


# --------------------------------------------------------------------------- reference


def reference_seconds(start: datetime, end: datetime, cal: CalendarConfig) -> float:
    """Day by day, with zoneinfo: obviously correct, slow."""
    zone = ZoneInfo(cal.timezone)
    years = range(start.year - 1, end.year + 2)
    off = set(cal.extra_holidays)
    if cal.holidays_country:
        off |= set(
            holidays.country_holidays(
                cal.holidays_country, subdiv=cal.holidays_subdivision, years=years
            )
        )
    days = {WEEKDAYS.index(d) for d in cal.days}
    overnight = cal.end <= cal.start
    total = 0.0
    day = start.astimezone(zone).date() - timedelta(days=1)
    while day <= end.astimezone(zone).date() + timedelta(days=1):
        if day.weekday() in days and day not in off:
            ws = datetime.combine(day, cal.start, tzinfo=zone).astimezone(UTC)
            end_day = day + timedelta(days=1) if overnight else day
            we = datetime.combine(end_day, cal.end, tzinfo=zone).astimezone(UTC)
            total += max(0.0, (min(end, we) - max(start, ws)).total_seconds())
        day += timedelta(days=1)
    return total


CALENDARS = [
    CalendarConfig(),
    BERLIN_DE,
    CalendarConfig(
        timezone="America/New_York",
        holidays_country="US",
        start=time(8, 30),
        end=time(16, 45),
        days=["monday", "tuesday", "wednesday", "thursday", "saturday"],
        extra_holidays=[date(2024, 2, 14)],
    ),
    CalendarConfig(timezone="Australia/Sydney", start=time(22), end=time(6)),
    CalendarConfig(timezone="Europe/London", days=list(WEEKDAYS), start=time(0), end=time(0)),
]

moments = st.datetimes(
    min_value=datetime(2022, 1, 1), max_value=datetime(2027, 12, 31), timezones=st.just(UTC)
)
intervals = st.tuples(moments, st.integers(min_value=0, max_value=3 * 366 * 86400)).map(
    lambda p: (p[0], min(p[0] + timedelta(seconds=p[1]), datetime(2028, 1, 1, tzinfo=UTC)))
)


@settings(max_examples=60, deadline=None)
@given(cal_index=st.integers(0, len(CALENDARS) - 1), spans=st.lists(intervals, max_size=12))
def test_matches_the_day_by_day_reference(cal_index: int, spans: list) -> None:
    cal = CALENDARS[cal_index]
    starts = np.array([s.replace(tzinfo=None) for s, _ in spans], dtype="datetime64[us]")
    ends = np.array([e.replace(tzinfo=None) for _, e in spans], dtype="datetime64[us]")
    got = working_seconds(starts, ends, cal)
    want = [reference_seconds(s, e, cal) for s, e in spans]
    assert got.tolist() == pytest.approx(want, abs=1e-6)


def test_a_million_intervals_in_one_pass() -> None:
    rng = np.random.default_rng(7)
    base = np.datetime64("2020-01-01T00:00", "us")
    start = base + rng.integers(0, 5 * 365 * 86400, 1_000_000).astype("timedelta64[s]")
    end = start + rng.integers(0, 200 * 86400, 1_000_000).astype("timedelta64[s]")
    got = working_seconds(start, end, BERLIN_DE)
    assert got.shape == (1_000_000,)
    assert (got >= 0).all()
    # Spread across the whole array, a sample agrees with the day-by-day reference.
    for i in rng.choice(1_000_000, 60, replace=False):
        s = start[i].astype("datetime64[us]").item().replace(tzinfo=UTC)
        e = end[i].astype("datetime64[us]").item().replace(tzinfo=UTC)
        assert got[i] == pytest.approx(reference_seconds(s, e, BERLIN_DE), abs=1e-6)
    assert (got <= (end - start).astype(np.int64) / 1e6).all()
