"""The time units every layer shares: one definition of a second, a day and a week.

Durations are integer microseconds inside the engine (exact sums at any scale) and seconds
(float) in its output tables and reports; days are for display only.
"""

from __future__ import annotations

from datetime import UTC, datetime

#: Microseconds in a second: the engine's integer time unit.
US = 1_000_000
#: Seconds in a day and a week (calendar time).
DAY_S = 86_400.0
WEEK_S = 7 * DAY_S
#: Microseconds in a day.
DAY_US = 86_400 * US


def iso(moment: datetime) -> str:
    """ISO 8601 in UTC with a ``Z`` and a four-digit year (``0001-01-01T00:00:00Z``),
    microseconds only when there are any: the one form of every moment in messages and
    reports; a naive moment is UTC. (``strftime("%Y")`` does not pad years before 1000 on
    every platform.)"""
    if moment.tzinfo is not None:
        moment = moment.astimezone(UTC)
    moment = moment.replace(tzinfo=None)
    return moment.isoformat(timespec="microseconds" if moment.microsecond else "seconds") + "Z"


def iso_day(moment: datetime) -> str:
    """The UTC day of ``moment`` as ISO 8601, ``YYYY-MM-DD``: the one form of an as-of date."""
    return iso(moment)[:10]
