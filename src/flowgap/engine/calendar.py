"""Working time: the part of an interval that falls inside working hours on working days.

The calendar is turned into a sorted array of disjoint working windows (one per working local
date, in UTC microseconds) and their cumulative length. The working time elapsed since the first
window is then a monotone step-and-ramp function ``F(t)``, found for millions of timestamps with
one ``searchsorted``; the working time of ``[start, end)`` is ``F(end) - F(start)``. Only the
calendar (a few thousand days) is built day by day; the intervals are never looped over.

Windows are built from *local* wall-clock hours and then converted to UTC, so a day on which
daylight saving time changes keeps its 09:00-17:00 in local time.
"""

from __future__ import annotations

from datetime import date, datetime, time
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from ..config import CalendarConfig
from ..errors import ConfigError
from ..units import DAY_US, US

WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")


def working_seconds(start: np.ndarray, end: np.ndarray, calendar: CalendarConfig) -> np.ndarray:
    """Seconds of each ``[start, end)`` (UTC ``datetime64[us]``) inside working time.

    Null/NaT bounds give NaN; an interval that ends before it starts gives 0.
    """
    s = _as_us(start)
    e = _as_us(end)
    if s.shape != e.shape:
        raise ValueError("start and end must have the same shape")
    out = np.full(s.shape, np.nan, dtype=np.float64)
    valid = ~(np.isnat(s) | np.isnat(e))
    if not valid.any():
        return out
    sv = s[valid].astype(np.int64)
    ev = e[valid].astype(np.int64)
    lo = int(min(sv.min(), ev.min()))
    hi = int(max(sv.max(), ev.max()))
    ws, we = working_windows(lo, hi, calendar)
    if ws.size == 0:
        out[valid] = 0.0
        return out
    length = we - ws
    cum = np.concatenate([np.zeros(1, dtype=np.int64), np.cumsum(length)])

    def elapsed(t: np.ndarray) -> np.ndarray:
        idx = np.searchsorted(ws, t, side="right") - 1
        at = np.clip(idx, 0, None)
        inside = np.clip(t - ws[at], 0, length[at])
        return np.where(idx < 0, 0, cum[at] + inside)

    worked = elapsed(ev) - elapsed(sv)
    out[valid] = np.maximum(worked, 0) / 1e6
    return out


def working_windows(
    lo_us: int, hi_us: int, calendar: CalendarConfig
) -> tuple[np.ndarray, np.ndarray]:
    """Working windows ``[ws, we)`` in UTC microseconds covering ``lo_us..hi_us``, sorted."""
    zone = _zone(calendar.timezone)
    first = _local_date(lo_us, zone) - np.timedelta64(1, "D")
    last = _local_date(hi_us, zone) + np.timedelta64(1, "D")
    days = np.arange(first, last + np.timedelta64(1, "D"), dtype="datetime64[D]")
    weekday = (days.astype(np.int64) + 3) % 7  # 1970-01-01 was a Thursday; Monday = 0
    wanted = np.array([WEEKDAYS.index(d) for d in set(calendar.days)], dtype=np.int64)
    keep = np.isin(weekday, wanted)
    off = non_working_dates(calendar, int(str(first)[:4]), int(str(last)[:4]))
    if off.size:
        keep &= ~np.isin(days, off)
    days = days[keep]
    if days.size == 0:
        empty = np.zeros(0, dtype=np.int64)
        return empty, empty
    start_us = _time_us(calendar.start)
    end_us = _time_us(calendar.end)
    # A window that ends at or before it starts runs overnight into the next day.
    end_day = np.timedelta64(1 if end_us <= start_us else 0, "D")
    ws = _localize(days.astype("datetime64[us]") + np.timedelta64(start_us, "us"), zone)
    we = _localize((days + end_day).astype("datetime64[us]") + np.timedelta64(end_us, "us"), zone)
    return ws, we


def non_working_dates(calendar: CalendarConfig, first_year: int, last_year: int) -> np.ndarray:
    """Public holidays of the configured country/subdivision plus ``extra_holidays``."""
    dates: list[date] = list(calendar.extra_holidays)
    if calendar.holidays_country:
        import holidays

        # the country and subdivision were checked when the config was read
        found = holidays.country_holidays(
            calendar.holidays_country,
            subdiv=calendar.holidays_subdivision,
            years=range(first_year, last_year + 1),
        )
        dates.extend(found.keys())
    return np.array(sorted(set(dates)), dtype="datetime64[D]")


def local_dates(ts: pa.Array | pa.ChunkedArray | np.ndarray, timezone: str | None) -> pa.Array:
    """Calendar date (``date32``) of each UTC timestamp in ``timezone`` (UTC when None)."""
    arr = ts if isinstance(ts, (pa.Array, pa.ChunkedArray)) else pa.array(_as_us(ts))
    if isinstance(arr, pa.ChunkedArray):
        arr = arr.combine_chunks() if arr.num_chunks else pa.array([], arr.type)
    arr = arr.cast(pa.timestamp("us", tz="UTC"))
    if timezone and timezone != "UTC":
        _zone(timezone)
        arr = pc.local_timestamp(arr.cast(pa.timestamp("us", tz=timezone)))
    else:
        arr = arr.cast(pa.timestamp("us"))
    return arr.cast(pa.date32())


def day_start_utc(days: np.ndarray, timezone: str | None) -> np.ndarray:
    """Local midnight of each date (``datetime64[D]``) as UTC ``datetime64[us]``."""
    naive = days.astype("datetime64[us]")
    if not timezone or timezone == "UTC":
        return naive
    # many touches share few days: localize each distinct day once
    distinct, back = np.unique(naive, return_inverse=True)
    return _localize(distinct, _zone(timezone)).astype("datetime64[us]")[back.reshape(-1)]


def _localize(naive_us: np.ndarray, zone: str) -> np.ndarray:
    """Local wall-clock times -> UTC microseconds (int64).

    A wall time that occurs twice (autumn) is taken at its first occurrence, one that does not
    exist (spring gap) is moved forward to the end of the gap.
    """
    if zone == "UTC":
        return naive_us.astype(np.int64)
    idx = pd.DatetimeIndex(naive_us).tz_localize(
        zone, ambiguous=np.ones(len(naive_us), dtype=bool), nonexistent="shift_forward"
    )
    return idx.tz_convert("UTC").as_unit("us").asi8.copy()


def _local_date(us: int, zone: str) -> np.datetime64:
    moment = datetime.fromtimestamp(us / 1e6, ZoneInfo(zone)) if zone != "UTC" else None
    if moment is None:
        return np.datetime64(us // DAY_US, "D")
    return np.datetime64(moment.date(), "D")


def _time_us(t: time) -> int:
    return ((t.hour * 60 + t.minute) * 60 + t.second) * US + t.microsecond


def _zone(name: str) -> str:
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ConfigError("<config>", "calendar.timezone", f"unknown time zone {name!r}") from None
    return name


def _as_us(values: object) -> np.ndarray:
    if isinstance(values, (pa.Array, pa.ChunkedArray)):
        values = values.cast(pa.timestamp("us", tz="UTC")).to_numpy(zero_copy_only=False)
    arr = np.asarray(values)
    if arr.dtype.kind == "M":
        return arr.astype("datetime64[us]")
    if arr.dtype == object:
        # datetimes (aware or naive UTC) or None; vectorised through pandas
        parsed = pd.to_datetime(arr.ravel(), utc=True).tz_localize(None).as_unit("us")
        return parsed.to_numpy().reshape(arr.shape)
    return arr.astype("datetime64[us]")
