"""Monte Carlo forecasts on hand-built delivery histories with known answers."""

from __future__ import annotations

import math
from datetime import UTC, date, datetime, timedelta

import numpy as np
import pyarrow as pa
import pytest

from flowgap.config import Config
from flowgap.decisions.forecast import (
    MAX_DRAWS,
    MAX_HORIZON_DAYS,
    at_least_share,
    daily_throughput,
    days_to_finish,
    forecast_by,
    forecast_when,
    horizon_days,
    items_by,
    within_share,
)
from flowgap.errors import UsageError

AS_OF = datetime(2026, 3, 1, 12, tzinfo=UTC)


def delivered_items(per_day: list[int]) -> pa.Table:
    """Items delivered ``per_day[i]`` times in day ``i`` of the window before AS_OF."""
    start = AS_OF - timedelta(days=len(per_day))
    moments = [
        start + timedelta(days=i, hours=1 + k) for i, n in enumerate(per_day) for k in range(n)
    ]
    # One item still open: it never counts.
    moments.append(None)
    return pa.table({"delivered": pa.array(moments, pa.timestamp("us", tz="UTC"))})


def config(days: int, trials: int = 10_000) -> Config:
    return Config.from_dict({"forecast": {"window": f"{days}d", "trials": trials, "seed": 7}})


def test_daily_throughput_counts_zero_days_and_ignores_older_deliveries() -> None:
    items = delivered_items([0, 3, 0, 1])
    history = daily_throughput(items, AS_OF, 4)
    assert history.per_day.tolist() == [0, 3, 0, 1]
    assert history.delivered == 4
    # A shorter window leaves the first two days out.
    assert daily_throughput(items, AS_OF, 2).per_day.tolist() == [0, 1]


def test_a_delivery_at_as_of_is_history_one_a_window_earlier_is_not() -> None:
    """The window is (as_of - window, as_of]: as_of is by default the data's last event, often
    a delivery, which the half-open [start, as_of) left out."""
    moments = [AS_OF - timedelta(days=2), AS_OF - timedelta(hours=1), AS_OF]
    items = pa.table({"delivered": pa.array(moments, pa.timestamp("us", tz="UTC"))})
    assert daily_throughput(items, AS_OF, 2).per_day.tolist() == [0, 2]
    # a day ends at its end: the delivery two days before as_of is the first day's last
    assert daily_throughput(items, AS_OF, 3).per_day.tolist() == [1, 0, 2]


def test_constant_throughput_is_exact() -> None:
    items = delivered_items([2] * 10)
    cfg = config(10)
    when = forecast_when(items, AS_OF, cfg, 10)
    # Two a day: ten items take five days, whatever the trial.
    assert when["items"] == 10
    assert when["start"] == "2026-03-01"
    assert when["dates"] == {"p50": "2026-03-06", "p85": "2026-03-06", "p95": "2026-03-06"}
    assert when["days"] == {"p50": 5, "p85": 5, "p95": 5}
    assert when["distribution"] == [{"date": "2026-03-06", "trials": 10_000, "cumulative": 1.0}]
    assert forecast_when(items, AS_OF, cfg, 11)["days"]["p95"] == 6
    by = forecast_by(items, AS_OF, cfg, date(2026, 3, 8))
    assert by["by"] == "2026-03-08"
    assert by["days"] == 7
    assert by["items"] == {"p50": 14, "p85": 14, "p95": 14}
    assert by["window"] == {
        "start": "2026-02-19",
        "end": "2026-03-01",
        "days": 10,
        "delivered": 20,
        "mean_per_day": 2.0,
    }


def _binomial_at_least(days: int, c: int) -> float:
    return sum(math.comb(days, k) for k in range(c, days + 1)) / 2**days


def test_zero_or_one_a_day_matches_the_binomial() -> None:
    """Half the days deliver one item: the count in D days is Binomial(D, 1/2), and N items
    are done within k days when Binomial(k, 1/2) >= N."""
    history = daily_throughput(delivered_items([0, 1] * 10), AS_OF, 20)
    counts = items_by(history, 30, 20_000, seed=3)
    for share in (0.5, 0.85, 0.95):
        exact = max(c for c in range(31) if _binomial_at_least(30, c) >= share)
        assert abs(at_least_share(counts, share) - exact) <= 1
    days = days_to_finish(history, 10, 20_000, seed=3)
    for share in (0.5, 0.85, 0.95):
        exact = min(k for k in range(10, 200) if _binomial_at_least(k, 10) >= share)
        assert abs(within_share(days, share) - exact) <= 1


def test_percentile_reading_keeps_its_promise() -> None:
    values = np.array([1, 2, 3, 4, 5, 6, 7, 8, 9, 10])
    # At least 85% of the values are >= 2 (nine of ten); not >= 3 (eight of ten).
    assert at_least_share(values, 0.85) == 2
    # At least 85% are <= 9.
    assert within_share(values, 0.85) == 9


def test_the_same_seed_gives_the_same_forecast() -> None:
    items = delivered_items([0, 1, 4, 0, 2, 0, 0, 3])
    cfg = config(8, trials=500)
    assert forecast_when(items, AS_OF, cfg, 25) == forecast_when(items, AS_OF, cfg, 25)


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda i, c: forecast_when(i, AS_OF, c, 0), "at least 1"),
        (lambda i, c: forecast_by(i, AS_OF, c, date(2026, 3, 1)), "not after"),
        (lambda i, c: forecast_by(i, AS_OF, c, date(2025, 1, 1)), "not after"),
    ],
)
def test_bad_requests_are_usage_errors(call, message: str) -> None:
    with pytest.raises(UsageError, match=message):
        call(delivered_items([1, 1]), config(2))


@pytest.mark.parametrize(
    ("call", "message"),
    [
        # each ran until killed: one draw per trial and simulated day, without end
        (lambda i, c: forecast_when(i, AS_OF, c, 100_000_000_000), "cannot be delivered within"),
        (lambda i, c: forecast_by(i, AS_OF, c, date(9999, 12, 31)), "too far"),
        # reachable on the best days only: some trials run past the horizon
        (lambda i, c: forecast_when(i, AS_OF, c, 3 * MAX_HORIZON_DAYS), "not delivered within"),
    ],
)
def test_a_forecast_beyond_the_horizon_is_a_usage_error(call, message: str) -> None:
    with pytest.raises(UsageError, match=message) as err:
        call(delivered_items([0, 4, 0]), config(3, trials=100))
    assert "the longest forecast horizon is 3,650 days" in str(err.value)


def test_more_trials_shorten_the_horizon() -> None:
    trials = 1_000_000
    assert horizon_days(trials) == MAX_DRAWS // trials == 40
    items = delivered_items([1, 1])
    assert forecast_by(items, AS_OF, config(2, trials), date(2026, 4, 10))["items"]["p50"] == 40
    with pytest.raises(UsageError, match="horizon is 40 days at 1,000,000 trials"):
        forecast_by(items, AS_OF, config(2, trials), date(2026, 4, 11))


def test_no_delivery_in_the_window_is_a_usage_error() -> None:
    with pytest.raises(UsageError, match="nothing to forecast from"):
        forecast_when(delivered_items([0, 0, 0]), AS_OF, config(3), 5)


def test_worked_example_of_the_docs() -> None:
    """docs/metrics.md, Forecasts: every other day of ten delivered two items."""
    items = delivered_items([2, 0] * 5)
    cfg = Config.from_dict({"forecast": {"window": "10d"}})
    when = forecast_when(items, AS_OF, cfg, 4)
    assert when["dates"] == {"p50": "2026-03-04", "p85": "2026-03-07", "p95": "2026-03-09"}
    assert when["days"] == {"p50": 3, "p85": 6, "p95": 8}
    # Within k days: P(Binomial(k, 1/2) >= 2) = 1 - (k + 1) / 2**k.
    for point in when["distribution"][:6]:
        k = (date.fromisoformat(point["date"]) - date(2026, 3, 1)).days
        assert point["cumulative"] == pytest.approx(1 - (k + 1) / 2**k, abs=0.015)
    by = forecast_by(items, AS_OF, cfg, date(2026, 3, 8))
    assert by["items"] == {"p50": 8, "p85": 4, "p95": 2}
