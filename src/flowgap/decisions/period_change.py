"""The change against the previous period of equal length.

A selection with a date range (``from``/``to``, inclusive) is compared with the same selection
shifted back by the range's own length: ``from = 2026-03-01, to = 2026-03-14`` (14 days) with
``2026-02-15`` to ``2026-02-28``. The other filters stay as they are, and the items of the
earlier period are picked by the same rule as every selection
(:func:`flowgap.engine.selection.selected_mask`: an item's life overlaps the range) from the
same unfiltered analysis, so both sides are measured to the same ``as_of``. A missing ``to``
is the day of ``as_of``; a missing ``from`` the first day of the data. Without a date range,
or with a reversed one, there is no period to compare.

Each side's numbers are the engine's summary of its items, plus ``delivered``: the items whose
delivery falls inside the period (the summary's ``items.delivered`` counts every selected item
delivered by ``as_of``, also those delivered after the period).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, time, timedelta

import pyarrow as pa
import pyarrow.compute as pc

from ..engine.analysis import Analysis
from ..engine.selection import Selection, selected_mask


@dataclass(frozen=True)
class Metric:
    path: tuple[str, ...]  # in the summary; ("delivered_in_period",) is computed here
    label: str
    unit: str  # "count" | "ratio" | "seconds" | "average"
    better: str | None  # "higher", "lower" or None (neither is better)


#: The numbers compared, in the order shown.
METRICS = (
    Metric(("items", "total"), "Items", "count", None),
    Metric(("delivered_in_period",), "Delivered in the period", "count", "higher"),
    Metric(("flow_efficiency", "pooled"), "Flow efficiency (pooled)", "ratio", "higher"),
    Metric(("flow_efficiency", "median"), "Flow efficiency (median)", "ratio", "higher"),
    Metric(("lead_time", "p50"), "Lead time p50", "seconds", "lower"),
    Metric(("lead_time", "p85"), "Lead time p85", "seconds", "lower"),
    Metric(("handoffs", "mean"), "Handoffs per item", "average", "lower"),
    Metric(("steering_touches", "per_item"), "Steering touches per item", "average", "lower"),
)


@dataclass
class PeriodChange:
    current: Selection
    previous: Selection
    #: The analysis of the earlier period's items; None when no item was alive then.
    before: Analysis | None
    #: One row per metric: metric (dotted path), label, unit, better, current, previous,
    #: change (current - previous; null when either is null).
    rows: list[dict]


def period_bounds(selection: Selection, first_day: date, as_of: datetime) -> tuple[date, date]:
    """The selection's date range with its open ends filled (``from``: the first day of the
    data; ``to``: the day of ``as_of``)."""
    start = selection.start or first_day
    end = selection.end or as_of.astimezone(UTC).date()
    return start, end


def previous_period(selection: Selection, first_day: date, as_of: datetime) -> Selection | None:
    """The selection shifted back by the length of its date range; None without a range or
    with a reversed one."""
    if selection.start is None and selection.end is None:
        return None
    start, end = period_bounds(selection, first_day, as_of)
    if start > end:
        return None
    length = (end - start).days + 1
    return replace(
        selection, start=start - timedelta(days=length), end=end - timedelta(days=length)
    )


def delivered_between(items: pa.Table, start: date, end: date) -> int:
    """Items delivered from ``start`` 00:00 UTC up to the end of ``end`` (inclusive days)."""
    if items.num_rows == 0:
        return 0
    low = datetime.combine(start, time(0), tzinfo=UTC)
    high = datetime.combine(end + timedelta(days=1), time(0), tzinfo=UTC)
    delivered = items.column("delivered")
    inside = pc.and_(
        pc.greater_equal(delivered, pa.scalar(low, delivered.type)),
        pc.less(delivered, pa.scalar(high, delivered.type)),
    )
    return int(pc.sum(pc.fill_null(inside, False).cast(pa.int64())).as_py() or 0)


def _value(analysis: Analysis | None, metric: Metric, bounds: tuple[date, date]) -> float | None:
    if analysis is None:
        return 0 if metric.path[0] in ("items", "delivered_in_period") else None
    if metric.path == ("delivered_in_period",):
        return delivered_between(analysis.value("items", ("delivered",)), *bounds)
    value: object = analysis.summary
    for key in metric.path:
        value = value.get(key) if isinstance(value, dict) else None
    return value  # type: ignore[return-value]


def period_change(
    full: Analysis, current: Analysis, selection: Selection, first_day: date
) -> PeriodChange | None:
    """``current`` (the analysis of ``selection`` narrowed from ``full``) against the previous
    period of equal length; None when the selection has no date range to shift."""
    previous = previous_period(selection, first_day, full.as_of)
    if previous is None:
        return None
    mask = selected_mask(full.items, full.timeline, previous, full.as_of)
    before = full.select(mask) if mask.any() else None
    now_bounds = period_bounds(selection, first_day, full.as_of)
    then_bounds = (previous.start, previous.end)
    rows = []
    for metric in METRICS:
        now = _value(current, metric, now_bounds)
        then = _value(before, metric, then_bounds)  # type: ignore[arg-type]
        rows.append(
            {
                "metric": ".".join(metric.path),
                "label": metric.label,
                "unit": metric.unit,
                "better": metric.better,
                "current": now,
                "previous": then,
                "change": None if now is None or then is None else now - then,
            }
        )
    return PeriodChange(
        current=replace(selection, start=now_bounds[0], end=now_bounds[1]),
        previous=previous,
        before=before,
        rows=rows,
    )
