"""Layer 3: per-day cumulative-flow counts, WIP, arrivals/departures and weekly trends.

Days are UTC calendar days from the first day of the timeline to the day of ``as_of``. The
state "at the end of day D" is the one in force just before ``D + 1 00:00``, and on the day
of ``as_of`` the one in force at ``as_of``. Each segment is counted from the day it starts to
the day before the one it ends on (an item's last segment through the day of ``as_of``); the
engine only groups those day numbers, and the dense day x status grid is a cumulative sum in
numpy.
"""

from __future__ import annotations

import ibis
import ibis.expr.types as ir
import numpy as np
import pyarrow as pa

from ..model import INT, STR, S
from ..units import DAY_US
from .backend import to_us
from .coded_events import ITEM_KEY, CodedEvents
from .runner import Aggregate, PerItem, RunContext, Scope

DAILY = pa.schema(
    [
        ("date", pa.date32()),
        ("status", STR),
        ("class", STR),
        ("items", INT),  # items in this status at the end of the day (CFD)
    ]
)

DAILY_TOTALS = pa.schema(
    [
        ("date", pa.date32()),
        ("wip", INT),  # committed, not delivered, at the end of the day
        ("arrivals", INT),  # committed that day
        ("departures", INT),  # delivered that day
    ]
)

WEEKLY = pa.schema(
    [
        ("week", pa.date32()),  # Monday
        ("throughput", INT),
        ("lead_p50_s", S),
        ("lead_p85_s", S),
        ("lead_p95_s", S),
        ("flow_efficiency_median", S),
        ("flow_efficiency_pooled", S),
    ]
)


def segment_days(tl: ir.Table, *, as_of: int) -> ir.Table:
    """item, status, first_day, stop_day (exclusive), n: how many of the item's segments
    share them."""
    first = tl.start // DAY_US
    # The item's last segment is in force at as_of: counted through the as_of day. An earlier
    # one that ends at as_of (the next starts there, e.g. a delivery at the data's last
    # event) is not: it counted the item twice on the last day (4,581 of helpdesk's 4,580).
    stop = ibis.ifelse(tl.is_last, as_of // DAY_US + 1, tl.end // DAY_US)
    t = tl.select("item", "status", first_day=first.cast("int64"), stop_day=stop.cast("int64"))
    t = t.filter(t.stop_day > t.first_day)
    return t.group_by(["item", "status", "first_day", "stop_day"]).aggregate(
        n=t.count().cast("int64")
    )


def build_daily(
    days: pa.Table, statuses: dict[str, str], *, first_day: int, as_of_us: int
) -> pa.Table:
    """``statuses``: status -> class of every status of the timeline (each gets a row per
    day, zero when no item is in it at the end of that day)."""
    last_day = as_of_us // DAY_US
    if not statuses or first_day > last_day:
        return DAILY.empty_table()
    n_days = last_day - first_day + 1
    names = sorted(statuses)
    pos = {s: i for i, s in enumerate(names)}
    cls_of = statuses
    grid = np.zeros((len(names), n_days + 1), dtype=np.int64)
    rows = np.array([pos[s] for s in days.column("status").to_pylist()], dtype=np.int64)
    n = days.column("n").to_numpy()
    start = np.clip(days.column("first_day").to_numpy() - first_day, 0, n_days)
    stop = np.clip(days.column("stop_day").to_numpy() - first_day, 0, n_days)
    np.add.at(grid, (rows, start), n)
    np.add.at(grid, (rows, stop), -n)
    counts = np.cumsum(grid, axis=1)[:, :n_days]
    # Built in (date, status) order: names are sorted, so no sort of the table is needed, and
    # each text column is a take of one small array (np.repeat of the names, then a sort, of
    # 20,000 statuses x 270 days held 450 MB for seconds).
    dates = np.arange(first_day, last_day + 1, dtype=np.int32)
    status_at = np.tile(np.arange(len(names), dtype=np.int32), n_days)
    classes = pa.array([cls_of[s] for s in names], pa.string())
    return pa.table(
        {
            "date": pa.array(np.repeat(dates, len(names)), pa.int32()).cast(pa.date32()),
            "status": pa.array(names, pa.string()).take(status_at),
            "class": classes.take(status_at),
            "items": pa.array(counts.T.reshape(-1), pa.int64()),
        },
        schema=DAILY,
    )


def build_daily_totals(items: pa.Table, *, first_day: int, as_of_us: int) -> pa.Table:
    """WIP = committed and not delivered at the end of the day; items delivered without ever
    being committed (backlog straight to done) are neither arrivals nor departures."""
    last_day = as_of_us // DAY_US
    if first_day > last_day:
        return DAILY_TOTALS.empty_table()
    n_days = last_day - first_day + 1
    committed = items.column("committed").cast(pa.int64())
    delivered = items.column("delivered").cast(pa.int64())
    has_c = np.asarray(committed.is_valid())
    has_d = np.asarray(delivered.is_valid())
    c_day = np.asarray(committed.fill_null(0)) // DAY_US - first_day
    d_day = np.asarray(delivered.fill_null(0)) // DAY_US - first_day
    arrivals = np.bincount(np.clip(c_day[has_c], 0, n_days), minlength=n_days + 1)[:n_days]
    dep_days = np.clip(d_day[has_c & has_d], 0, n_days)
    departures = np.bincount(dep_days, minlength=n_days + 1)[:n_days]
    wip = np.cumsum(arrivals - departures)
    dates = np.arange(first_day, last_day + 1, dtype=np.int32)
    return pa.table(
        {
            "date": pa.array(dates, pa.int32()).cast(pa.date32()),
            "wip": pa.array(wip, pa.int64()),
            "arrivals": pa.array(arrivals, pa.int64()),
            "departures": pa.array(departures, pa.int64()),
        },
        schema=DAILY_TOTALS,
    )


def monday(day: np.ndarray | int) -> np.ndarray | int:
    """Day number of the Monday of the week (1970-01-01, day 0, was a Thursday)."""
    return day - (day + 3) % 7


def build_weekly(items: pa.Table, *, first_day: int, as_of_us: int) -> pa.Table:
    """Per ISO week (Monday): items delivered, their lead-time percentiles and flow efficiency
    (median of per-item values and pooled touch / window)."""
    last_day = as_of_us // DAY_US
    if first_day > last_day:
        return WEEKLY.empty_table()
    first_w, last_w = monday(first_day), monday(last_day)
    delivered = items.column("delivered").cast(pa.int64())
    has_d = np.asarray(delivered.is_valid())
    d_week = monday(np.asarray(delivered.fill_null(0)) // DAY_US)
    lead = np.asarray(items.column("lead_time_s").to_numpy(zero_copy_only=False), dtype=float)
    fe = np.asarray(items.column("flow_efficiency").to_numpy(zero_copy_only=False), dtype=float)
    touch = np.asarray(items.column("touch_s").to_numpy(zero_copy_only=False), dtype=float)
    window = np.asarray(items.column("window_s").to_numpy(zero_copy_only=False), dtype=float)
    rows = []
    for week in range(first_w, last_w + 1, 7):
        sel = has_d & (d_week == week)
        leads = lead[sel][~np.isnan(lead[sel])]
        fes = fe[sel][~np.isnan(fe[sel])]
        ok = sel & ~np.isnan(window) & (np.nan_to_num(window) > 0)
        pooled_window = window[ok].sum()
        rows.append(
            {
                "week": int(week),
                "throughput": int(sel.sum()),
                "lead_p50_s": _pct(leads, 50),
                "lead_p85_s": _pct(leads, 85),
                "lead_p95_s": _pct(leads, 95),
                "flow_efficiency_median": float(np.median(fes)) if len(fes) else None,
                "flow_efficiency_pooled": (
                    float(touch[ok].sum() / pooled_window) if pooled_window > 0 else None
                ),
            }
        )
    table = pa.Table.from_pylist(rows, schema=WEEKLY.set(0, pa.field("week", pa.int32())))
    return table.set_column(0, "week", table.column("week").cast(pa.date32()))


def _pct(values: np.ndarray, q: float) -> float | None:
    return float(np.percentile(values, q)) if len(values) else None


# --------------------------------------------------------------------------- steps

SEGMENT_DAYS = pa.schema(
    [
        ("item", ITEM_KEY),
        ("status", pa.string()),
        ("first_day", pa.int64()),
        ("stop_day", pa.int64()),
        ("n", pa.int64()),
    ]
)


def _segment_days(
    run: RunContext, timeline_segments: ir.Table, coded_events: CodedEvents
) -> pa.Table:
    days = segment_days(timeline_segments, as_of=run.as_of_us)
    order = ["item", "first_day", "stop_day", "status"]
    return coded_events.rows(run.backend, days, order, SEGMENT_DAYS)


def first_day(timeline: pa.Table, as_of_us: int) -> int:
    """The first day the daily tables count: the day the timeline starts."""
    if timeline.num_rows == 0:  # nothing to count: the daily tables stay empty
        return as_of_us // DAY_US + 1
    return int(to_us(timeline.column("start")).to_numpy().min()) // DAY_US


def _timeline_statuses(timeline: pa.Table) -> dict[str, str]:
    pairs = timeline.group_by(["status", "class"], use_threads=False).aggregate([])
    return dict(
        zip(pairs.column("status").to_pylist(), pairs.column("class").to_pylist(), strict=True)
    )


def _daily(scope: Scope, segment_days: pa.Table, timeline: pa.Table) -> pa.Table:
    days = segment_days.group_by(["status", "first_day", "stop_day"], use_threads=False).aggregate(
        [("n", "sum")]
    )
    days = pa.table(
        {
            "status": days.column("status"),
            "first_day": days.column("first_day"),
            "stop_day": days.column("stop_day"),
            "n": days.column("n_sum"),
        }
    )
    return build_daily(
        days,
        _timeline_statuses(timeline),
        first_day=first_day(timeline, scope.as_of_us),
        as_of_us=scope.as_of_us,
    )


def _daily_totals(scope: Scope, items: pa.Table, timeline: pa.Table) -> pa.Table:
    return build_daily_totals(
        items, first_day=first_day(timeline, scope.as_of_us), as_of_us=scope.as_of_us
    )


def _weekly(scope: Scope, items: pa.Table, timeline: pa.Table) -> pa.Table:
    return build_weekly(
        items, first_day=first_day(timeline, scope.as_of_us), as_of_us=scope.as_of_us
    )


#: The daily totals and weeks read the timeline only for its first day.
_STARTS = {"timeline": ("start",)}

STEPS = [
    PerItem(
        "segment_days", ("timeline_segments", "coded_events"), _segment_days, empty=SEGMENT_DAYS
    ),
    Aggregate(
        "daily",
        ("segment_days", "timeline"),
        _daily,
        columns={"timeline": ("status", "class", "start")},
    ),
    Aggregate("daily_totals", ("items", "timeline"), _daily_totals, columns=_STARTS),
    Aggregate("weekly", ("items", "timeline"), _weekly, columns=_STARTS),
]
