"""The time units every layer shares: one definition of a second, a day and a week.

Durations are integer microseconds inside the engine (exact sums at any scale) and seconds
(float) in its output tables and reports; days are for display only.
"""

from __future__ import annotations

#: Microseconds in a second: the engine's integer time unit.
US = 1_000_000
#: Seconds in a day and a week (calendar time).
DAY_S = 86_400.0
WEEK_S = 7 * DAY_S
#: Microseconds in a day.
DAY_US = 86_400 * US
