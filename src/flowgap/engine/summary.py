"""The headline numbers of an analysis: the nested dict whose groups and keys are declared,
with their units and meaning, in ``engine/summary_metrics.py``.

Values are raw (seconds, ratios 0..1) and deterministic: Python floats and ints, ``None`` where
nothing can be computed (no delivered item, no calendar, ...), ISO 8601 strings for moments.
Percentiles interpolate linearly (numpy's default, DuckDB's ``quantile_cont``).
"""

from __future__ import annotations

from datetime import UTC, datetime

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from ..config import Config
from ..units import WEEK_S, iso
from .runner import Aggregate, Scope
from .summary_metrics import nest


def build_summary(
    analysis_tables: dict[str, pa.Table],
    *,
    config: Config,
    as_of: datetime,
    has_history: bool,
    events: int,
    records: tuple[int, int] = (0, 0),
) -> dict:
    """Headline metrics from the analysis tables (keys of ``flowgap.tables.TABLES``); ``records``:
    (input records read, rejected)."""
    items = analysis_tables["items"]
    timeline = analysis_tables.get("timeline")
    touches = analysis_tables.get("steering_touches")
    meetings = analysis_tables.get("steering_meetings")
    handoffs = analysis_tables.get("handoffs")
    n_items = items.num_rows

    has_window = _valid(items, "window_s")
    delivered = _valid(items, "delivered")
    committed = _valid(items, "committed")
    is_open = _flag(items, "is_open")
    wip_mask = is_open & committed

    touch = _num(items, "touch_s")[has_window]
    wait = _num(items, "wait_s")[has_window]
    window = _num(items, "window_s")[has_window]
    handoff_counts = _num(items, "handoffs")
    rework = _num(items, "rework")
    n_touches = touches.num_rows if touches is not None else 0

    read, rejected = records
    lead = _spread(_num(items, "lead_time_s")[delivered])
    cycle = _spread(_num(items, "cycle_time_s")[delivered])
    period = _period(items, timeline, as_of)
    values: dict[str, object] = {
        "records.read": read,
        "records.rejected": rejected,
        "records.rejected_share": rejected / read if read else None,
        "items.total": n_items,
        "items.open": int(is_open.sum()),
        "items.delivered": int(delivered.sum()),
        "items.with_history": _with_history(timeline, has_history, events),
        "flow_efficiency.median": median_flow_efficiency(items),
        "flow_efficiency.pooled": _ratio(touch, window),
        "flow_efficiency.median_work": _median(_num(items, "flow_efficiency_work")),
        "flow_efficiency.pooled_work": _pooled_work(items),
        **{f"lead_time.{k}": v for k, v in lead.items()},
        **{f"cycle_time.{k}": v for k, v in cycle.items()},
        "cycle_time.uncommitted": int((delivered & ~committed).sum()),
        "touch.total_s": _sum(touch),
        "touch.median_s": _median(touch),
        "wait.total_s": _sum(wait),
        "wait.median_s": _median(wait),
        "handoffs.mean": _mean(handoff_counts),
        "handoffs.median": _median(handoff_counts),
        "handoffs.total": _int_sum(handoff_counts),
        "handoffs.ping_pongs": _int_sum(_num(handoffs, "ping_pongs"))
        if handoffs is not None
        else 0,
        "steering_touches.total": n_touches,
        "steering_touches.per_item": n_touches / n_items if n_items else None,
        "steering_touches.items": len(pc.unique(touches.column("item"))) if n_touches else 0,
        "steering_touches.meeting_minutes": _sum(_num(meetings, "cost_minutes"))
        if meetings is not None
        else 0.0,
        "rework.mean": _mean(rework),
        "rework.total": _int_sum(rework),
        # Both count from commitments, which only a status history has: without one they
        # cannot be measured (0 would read as "nothing in progress, nothing delivered").
        "wip.current": int(wip_mask.sum()) if has_history else None,
        "wip.median_age_s": _median(_num(items, "age_s")[wip_mask]),
        "throughput.per_week": _per_week(items, delivered, as_of) if has_history else None,
        "wait_share.status": _shares(analysis_tables.get("stages"), "status"),
        "wait_share.team": _shares(analysis_tables.get("teams"), "team"),
        **{f"period.{k}": v for k, v in period.items()},
    }
    return nest(values)


# --------------------------------------------------------------------------- pieces


def median_flow_efficiency(items: pa.Table) -> float | None:
    """The median of the per-item flow efficiency (items with a flow window)."""
    return _median(_num(items, "flow_efficiency"))


def _with_history(timeline: pa.Table | None, has_history: bool, events: int) -> int:
    """Items whose status changed at least once (more than one segment in their timeline)."""
    if not has_history or not events or timeline is None or timeline.num_rows == 0:
        return 0
    counts = timeline.group_by("item").aggregate([("seg", "count")])
    return int(pc.sum(pc.greater(counts.column("seg_count"), 1)).as_py() or 0)


def _pooled_work(items: pa.Table) -> float | None:
    have = _valid(items, "window_work_s")
    if not have.any():
        return None
    return _ratio(_num(items, "touch_work_s")[have], _num(items, "window_work_s")[have])


def _per_week(items: pa.Table, delivered: np.ndarray, as_of: datetime) -> float | None:
    """Delivered items per week from the first commitment to as_of (at least one week)."""
    if items.num_rows == 0:
        return None
    first = pc.min(items.column("committed")).as_py()
    if first is None:
        return 0.0
    span = (_utc(as_of) - first).total_seconds()
    return float(delivered.sum()) / max(span / WEEK_S, 1.0)


def _shares(table: pa.Table | None, key: str) -> dict[str, float]:
    if table is None or table.num_rows == 0:
        return {}
    names = table.column(key).to_pylist()
    shares = table.column("wait_share").to_pylist()
    return {
        str(name): float(share)
        for name, share in sorted(zip(names, shares, strict=True), key=lambda p: str(p[0]))
        if name is not None and share is not None and not np.isnan(share)
    }


def _period(items: pa.Table, timeline: pa.Table | None, as_of: datetime) -> dict:
    """First and last change point (creation or segment start) and the analysis date."""
    moments = [items.column("created")] if items.num_rows else []
    if timeline is not None and timeline.num_rows:
        moments.append(timeline.column("start"))
    firsts = [pc.min(m).as_py() for m in moments]
    lasts = [pc.max(m).as_py() for m in moments]
    first = min((f for f in firsts if f is not None), default=None)
    last = max((x for x in lasts if x is not None), default=None)
    return {"first_ts": _iso(first), "last_ts": _iso(last), "as_of": _iso(as_of)}


# --------------------------------------------------------------------------- numeric helpers


def _num(table: pa.Table | None, name: str) -> np.ndarray:
    if table is None or name not in table.column_names:
        return np.full(0 if table is None else table.num_rows, np.nan)
    col = table.column(name).cast(pa.float64())
    return pc.fill_null(col, np.nan).to_numpy().astype(np.float64)


def _valid(table: pa.Table, name: str) -> np.ndarray:
    if name not in table.column_names:
        return np.zeros(table.num_rows, dtype=bool)
    return pc.is_valid(table.column(name)).to_numpy(zero_copy_only=False).astype(bool)


def _flag(table: pa.Table, name: str) -> np.ndarray:
    if name not in table.column_names:
        return np.zeros(table.num_rows, dtype=bool)
    return pc.fill_null(table.column(name), False).to_numpy(zero_copy_only=False).astype(bool)


def _clean(values: np.ndarray) -> np.ndarray:
    return values[~np.isnan(values)]


def _median(values: np.ndarray) -> float | None:
    v = _clean(values)
    return float(np.median(v)) if v.size else None


def _mean(values: np.ndarray) -> float | None:
    v = _clean(values)
    return float(v.mean()) if v.size else None


def _sum(values: np.ndarray) -> float:
    return float(_clean(values).sum())


def _int_sum(values: np.ndarray) -> int:
    return int(_clean(values).sum())


def _ratio(num: np.ndarray, den: np.ndarray) -> float | None:
    keep = ~(np.isnan(num) | np.isnan(den))
    total = float(den[keep].sum())
    return float(num[keep].sum()) / total if total > 0 else None


def _spread(values: np.ndarray) -> dict:
    v = _clean(values)
    if not v.size:
        return {"p50": None, "p85": None, "p95": None, "mean": None}
    p50, p85, p95 = np.percentile(v, [50, 85, 95])
    return {"p50": float(p50), "p85": float(p85), "p95": float(p95), "mean": float(v.mean())}


def _utc(moment: datetime) -> datetime:
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def _iso(moment: datetime | None) -> str | None:
    return None if moment is None else iso(moment)


# --------------------------------------------------------------------------- step


def _summary_step(scope: Scope, **tables: pa.Table) -> dict:
    return build_summary(
        tables,
        config=scope.config,
        as_of=scope.as_of,
        has_history=scope.has_history,
        events=scope.events,
        records=(
            sum(i.records_read for i in scope.inputs),
            sum(i.records_rejected for i in scope.inputs),
        ),
    )


STEPS = [
    Aggregate(
        "summary",
        (
            "items",
            "timeline",
            "steering_touches",
            "steering_meetings",
            "handoffs",
            "stages",
            "teams",
        ),
        _summary_step,
        columns={"timeline": ("item", "seg", "start")},
    )
]
