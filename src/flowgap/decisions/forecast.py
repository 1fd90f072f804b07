"""Monte Carlo forecasts from daily throughput: when will N more items be delivered, and how
many items will be delivered by a date.

The history is the daily throughput of the ``window`` days before ``as_of``: day ``i`` is the
24 hours ``(as_of - (window - i) days, as_of - (window - i - 1) days]``, and its throughput
is the number of items whose delivery (the engine's ``delivered``) falls in it, zero days
included. Ends are in, starts out (:func:`delivered_within`, the what-if's window too): a
delivery at ``as_of`` itself, the last event of the data by default, is history. Days are
counted from ``as_of`` rather than from midnight so that no time zone has to be guessed and the
last day of history is complete.

Each trial draws one past day per future day (with replacement, seeded ``numpy`` generator):

- *when*: the number of future days until the running sum reaches N; forecast day ``k`` ends
  ``k`` days after ``as_of``, so the date shown is the calendar date (UTC) of that end;
- *how many*: the sum over the whole days from ``as_of`` to the date (``by - as_of``).

Percentiles are read so that the promise holds: ``p85`` of *when* is the earliest date by
which N items were done in at least 85% of trials, ``p85`` of *how many* is the largest count
reached or exceeded in at least 85% of trials. With a constant daily throughput every trial is
the same and both are exact (``tests/decisions/test_forecast.py`` checks it, and checks a
two-valued throughput against the binomial distribution).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from ..config import Config
from ..errors import UsageError
from ..units import DAY_US, iso_day

#: Most days simulated at once per trial (bounds the memory of a chunk of draws).
_CHUNK_DAYS = 256
#: Most draws (trials x days) in one chunk: 32 MB of int64, whatever ``trials`` is.
_CHUNK_DRAWS = 1 << 22
#: The longest forecast horizon, in days (ten years): a date further out, or N items that
#: take longer in some trial, is a usage error. A forecast from a few weeks of history says
#: nothing about the next decade, and each simulated day costs one draw per trial.
MAX_HORIZON_DAYS = 3_650
#: Most draws (trials x horizon days) of one forecast: a few seconds on one core (about
#: 1 s for the default 10,000 trials over ten years). More trials shorten the horizon.
MAX_DRAWS = 40_000_000


def horizon_days(trials: int) -> int:
    """The longest horizon a forecast of ``trials`` trials may simulate."""
    return max(1, min(MAX_HORIZON_DAYS, MAX_DRAWS // trials))


def _horizon_note(trials: int) -> str:
    horizon = horizon_days(trials)
    if horizon == MAX_HORIZON_DAYS:
        return f"the longest forecast horizon is {horizon:,} days"
    return (
        f"the longest forecast horizon is {horizon:,} days at {trials:,} trials "
        f"(trials x days at most {MAX_DRAWS:,})"
    )


@dataclass(frozen=True)
class History:
    """The daily throughput a forecast samples from."""

    start: datetime
    end: datetime  # as_of
    per_day: np.ndarray  # int64, one count per day, oldest first

    @property
    def delivered(self) -> int:
        return int(self.per_day.sum())


def daily_throughput(items: pa.Table, as_of: datetime, window_days: int) -> History:
    """Delivered items per day over the ``window_days`` days before ``as_of``."""
    if window_days <= 0:
        raise UsageError("the forecast window must be at least one day")
    end = _utc(as_of)
    start = end - timedelta(days=window_days)
    delivered = items.column("delivered") if items.num_rows else pa.array([], pa.timestamp("us"))
    inside = pc.filter(delivered, delivered_within(delivered, end, window_days))
    moments = inside.cast(pa.timestamp("us", tz="UTC")).cast(pa.int64())
    offset = moments.to_numpy(zero_copy_only=False).astype(np.int64) - _epoch_us(start)
    counts = np.bincount((offset - 1) // DAY_US, minlength=window_days).astype(np.int64)
    return History(start=start, end=end, per_day=counts)


def delivered_within(
    delivered: pa.Array | pa.ChunkedArray, as_of: datetime, window_days: int
) -> pa.Array | pa.ChunkedArray:
    """Whether each delivery falls in the window of ``window_days`` before ``as_of``:
    ``(as_of - window_days, as_of]``, false for none. The end is in: ``as_of`` is by default
    the data's last event, often a delivery (the forecast left it out of the history the
    what-if replayed: 132 items against 133 on the helpdesk log)."""
    start = pa.scalar(_utc(as_of) - timedelta(days=window_days), pa.timestamp("us", tz="UTC"))
    end = pa.scalar(_utc(as_of), pa.timestamp("us", tz="UTC"))
    moments = pc.cast(delivered, pa.timestamp("us", tz="UTC"))
    inside = pc.and_(pc.greater(moments, start), pc.less_equal(moments, end))
    return pc.fill_null(inside, False)


def _check(history: History) -> None:
    if history.delivered == 0:
        raise UsageError(
            f"no item was delivered in the {len(history.per_day)} days before "
            f"{iso_day(history.end)}: nothing to forecast from"
        )


def days_to_finish(history: History, n: int, trials: int, seed: int) -> np.ndarray:
    """For each trial, the number of future days until ``n`` items are delivered."""
    if n <= 0:
        raise UsageError(f"--items: must be at least 1, got {n}")
    _check(history)
    horizon = horizon_days(trials)
    if n > int(history.per_day.max()) * horizon:  # not even the best day every day gets there
        raise UsageError(
            f"--items: {n:,} items cannot be delivered within {horizon:,} days at the "
            f"throughput of the last {len(history.per_day)} days; {_horizon_note(trials)}"
        )
    rng = np.random.default_rng(seed)
    days = np.zeros(trials, dtype=np.int64)
    done = np.zeros(trials, dtype=np.int64)
    pending = np.arange(trials)
    elapsed = 0
    # Simulate in chunks of days until every trial has reached n: the number of days needed is
    # not known in advance (a window with few deliveries needs many days).
    # Days per chunk: enough for most trials at the mean rate, so one chunk usually does.
    chunk = min(max(int(1.5 * n / history.per_day.mean()) + 8, 16), _CHUNK_DAYS)
    while pending.size and elapsed < horizon:
        width = min(chunk, horizon - elapsed, max(1, _CHUNK_DRAWS // pending.size))
        draws = rng.choice(history.per_day, size=(pending.size, width))
        running = done[pending][:, None] + np.cumsum(draws, axis=1)
        reached = running >= n
        hit = reached.any(axis=1)
        first = np.argmax(reached, axis=1)
        days[pending[hit]] = elapsed + first[hit] + 1
        done[pending] = running[:, -1]
        pending = pending[~hit]
        elapsed += width
    if pending.size:
        raise UsageError(
            f"--items: {n:,} items are not delivered within {horizon:,} days in "
            f"{pending.size / trials:.1%} of trials; {_horizon_note(trials)}"
        )
    return days


def items_by(history: History, days: int, trials: int, seed: int) -> np.ndarray:
    """For each trial, the items delivered in ``days`` future days."""
    _check(history)
    if days > horizon_days(trials):
        raise UsageError(f"--by: {days:,} days ahead is too far; {_horizon_note(trials)}")
    rng = np.random.default_rng(seed)
    totals = np.zeros(trials, dtype=np.int64)
    step = max(1, min(_CHUNK_DAYS, _CHUNK_DRAWS // trials))
    for offset in range(0, days, step):
        width = min(step, days - offset)
        totals += rng.choice(history.per_day, size=(trials, width)).sum(axis=1)
    return totals


def at_least_share(values: np.ndarray, share: float) -> int:
    """The largest value reached or exceeded in at least ``share`` of ``values``."""
    ordered = np.sort(values)[::-1]
    return int(ordered[max(math.ceil(share * len(ordered)) - 1, 0)])


def within_share(values: np.ndarray, share: float) -> int:
    """The smallest value that at least ``share`` of ``values`` do not exceed."""
    ordered = np.sort(values)
    return int(ordered[max(math.ceil(share * len(ordered)) - 1, 0)])


def forecast_when(
    items: pa.Table, as_of: datetime, config: Config, n: int, *, distribution: bool = True
) -> dict:
    """``{"items": n, "start": DATE, "dates": {"p50": DATE, ...}, ...}``."""
    fc = config.forecast
    history = daily_throughput(items, as_of, fc.window_days)
    days = days_to_finish(history, n, fc.trials, fc.seed)
    start = history.end
    out = {
        "items": n,
        "start": iso_day(start),
        "dates": {f"p{p}": _date(start, within_share(days, p / 100)) for p in fc.percentiles},
        "days": {f"p{p}": within_share(days, p / 100) for p in fc.percentiles},
        **_common(history, fc.trials, fc.seed),
    }
    if distribution:
        values, counts = np.unique(days, return_counts=True)
        cumulative = np.cumsum(counts) / len(days)
        out["distribution"] = [
            {"date": _date(start, int(v)), "trials": int(c), "cumulative": float(s)}
            for v, c, s in zip(values, counts, cumulative, strict=True)
        ]
    return out


def forecast_by(
    items: pa.Table, as_of: datetime, config: Config, by: date, *, distribution: bool = True
) -> dict:
    """``{"by": DATE, "items": {"p50": n, ...}, ...}``."""
    fc = config.forecast
    history = daily_throughput(items, as_of, fc.window_days)
    start = history.end
    days = (by - start.date()).days
    if days <= 0:
        raise UsageError(f"--by: {by.isoformat()} is not after the analysis date {iso_day(start)}")
    totals = items_by(history, days, fc.trials, fc.seed)
    out = {
        "by": by.isoformat(),
        "start": iso_day(start),
        "days": days,
        "items": {f"p{p}": at_least_share(totals, p / 100) for p in fc.percentiles},
        **_common(history, fc.trials, fc.seed),
    }
    if distribution:
        values, counts = np.unique(totals, return_counts=True)
        # Share of trials reaching at least each count: what "p85" is read from.
        at_least = np.cumsum(counts[::-1])[::-1] / len(totals)
        out["distribution"] = [
            {"items": int(v), "trials": int(c), "at_least": float(s)}
            for v, c, s in zip(values, counts, at_least, strict=True)
        ]
    return out


def _common(history: History, trials: int, seed: int) -> dict:
    return {
        "trials": trials,
        "seed": seed,
        "window": {
            "start": history.start.date().isoformat(),
            "end": iso_day(history.end),
            "days": len(history.per_day),
            "delivered": history.delivered,
            "mean_per_day": float(history.per_day.mean()),
        },
    }


def _date(start: datetime, days: int) -> str:
    return (start + timedelta(days=days)).date().isoformat()


def _epoch_us(moment: datetime) -> int:
    delta = moment - datetime(1970, 1, 1, tzinfo=UTC)
    return (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds


def _utc(moment: datetime) -> datetime:
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)
