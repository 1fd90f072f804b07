"""Working-time arithmetic in whole minutes since the Unix epoch (UTC).

Every simulated moment is a whole minute inside working hours (08:00-18:00 local, Monday to
Friday, in Europe/Berlin): whole minutes survive every export format (the Jira UI CSV and the
day-first event CSV have minute precision) and working hours keep each local calendar day equal
to its UTC day and far from the DST switch at night.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from ..units import DAY_S, US

#: The simulator's unit of time is the minute: seconds and microseconds in one of them.
MINUTE_S = 60
MINUTE_US = MINUTE_S * US
#: Minutes in an hour and in a day.
HOUR = 60
DAY = int(DAY_S) // MINUTE_S
WORK_START = 8 * HOUR
WORK_END = 18 * HOUR


class Clock:
    def __init__(self, zone: str) -> None:
        self.zone = ZoneInfo(zone)
        self._offsets: dict[int, int] = {}
        self._dates: dict[int, str] = {}

    def offset(self, day: int) -> int:
        """UTC offset in minutes at noon of a (UTC or local) day number."""
        off = self._offsets.get(day)
        if off is None:
            noon = datetime(1970, 1, 1, 12, tzinfo=UTC) + timedelta(days=day)
            delta = noon.astimezone(self.zone).utcoffset() or timedelta(0)
            off = self._offsets[day] = int(delta.total_seconds()) // MINUTE_S
        return off

    def local(self, t: int) -> int:
        return t + self.offset(t // DAY)

    def at(self, local_day: int, minute: int) -> int:
        """UTC minute of a local day and minute of day (valid on working days)."""
        return local_day * DAY + minute - self.offset(local_day)

    def align(self, t: int) -> int:
        """The first working minute at or after ``t``."""
        lt = self.local(t)
        day, minute = divmod(lt, DAY)
        wd = (day + 3) % 7  # day 0 was a Thursday
        if wd >= 5:
            return self.at(day + 7 - wd, WORK_START)
        if minute < WORK_START:
            return self.at(day, WORK_START)
        if minute >= WORK_END:
            return self.at(self._next_workday(day), WORK_START)
        return t

    def add_work(self, t: int, minutes: int) -> int:
        """``t`` (a working minute) plus ``minutes`` of working time; nights pass as they do."""
        t = self.align(t)
        while True:
            day, minute = divmod(self.local(t), DAY)
            room = WORK_END - minute
            if minutes <= room:
                return t + minutes
            minutes -= room
            t = self.at(self._next_workday(day), WORK_START)

    @staticmethod
    def _next_workday(day: int) -> int:
        day += 1
        while (day + 3) % 7 >= 5:
            day += 1
        return day

    def weekday(self, t: int) -> int:
        return (self.local(t) // DAY + 3) % 7

    def next_weekday_at(self, t: int, weekday: int, minute: int) -> int:
        """The first ``weekday`` at local ``minute`` strictly after ``t``."""
        day = self.local(t) // DAY
        while True:
            if (day + 3) % 7 == weekday:
                cand = self.at(day, minute)
                if cand > t:
                    return cand
            day += 1

    def iso(self, t: int, sep: str = "T", colon: bool = True, millis: bool = True) -> str:
        """Local time with its offset: ``2025-03-05T10:15:00.000+01:00`` (or ``+0100``)."""
        off = self.offset(t // DAY)
        day, minute = divmod(t + off, DAY)
        date_text = self._dates.get(day)
        if date_text is None:
            date_text = self._dates[day] = f"{datetime(1970, 1, 1) + timedelta(days=day):%Y-%m-%d}"
        sign = "+" if off >= 0 else "-"
        h, m = divmod(abs(off), HOUR)
        zone = f"{sign}{h:02d}:{m:02d}" if colon else f"{sign}{h:02d}{m:02d}"
        frac = ".000" if millis else ""
        return f"{date_text}{sep}{minute // HOUR:02d}:{minute % HOUR:02d}:00{frac}{zone}"

    def naive_local(self, t: int) -> datetime:
        return datetime(1970, 1, 1) + timedelta(minutes=self.local(t))


def minutes_of(dt: datetime) -> int:
    return int(dt.timestamp()) // MINUTE_S
