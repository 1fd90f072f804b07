"""What steering-committee touches cost, and whether steered items flowed faster than
comparable unsteered ones: aggregates of the touches of a selection of items.

The touches themselves (one per item and local day) are :mod:`.steering_touches`.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from ..config import Config
from ..model import INT, STR, Finding, S
from .runner import Aggregate
from .steering_touches import (
    KINDS,
    read_meetings_file,
    steering_touches,
    unknown_meeting_items,
)

STEERING_MEETINGS = pa.schema(
    [
        ("meeting_date", pa.date32()),
        ("items", INT),
        ("touches", INT),
        ("cost_minutes", S),  # touches x minutes_per_item x attendees
    ]
)

STEERING_COMPARISON = pa.schema(
    [
        ("type", STR),
        ("period", STR),  # calendar quarter of delivery, "2026-Q1"
        ("steered_items", INT),
        ("unsteered_items", INT),
        ("steered_lead_median_s", S),
        ("unsteered_lead_median_s", S),
        ("steered_flow_efficiency_median", S),
        ("unsteered_flow_efficiency_median", S),
    ]
)


__all__ = [
    "KINDS",
    "read_meetings_file",
    "steering_comparison",
    "steering_meetings",
    "steering_touches",
    "steering_warnings",
    "touches_per_item",
    "unknown_meeting_items",
]


def steering_warnings(touches: pa.Table, config: Config) -> list[Finding]:
    """Data-quality findings of the steering inputs (unknown keys in the meetings file)."""
    unknown = unknown_meeting_items(touches)
    if not unknown:
        return []
    shown = ", ".join(unknown[:10]) + (
        f" and {len(unknown) - 10} more" if len(unknown) > 10 else ""
    )
    return [
        Finding(
            kind="steering_unknown_items",
            message=(
                f"{len(unknown)} item key(s) of the meetings file are not in the data and were "
                f"ignored: {shown}"
            ),
            source=str(config.steering.meetings_file),
        )
    ]


def touches_per_item(touches: pa.Table) -> pa.Table:
    """``item, steering_touches`` (int64) for every steered item."""
    if touches.num_rows == 0:
        return pa.table(
            {"item": pa.array([], pa.string()), "steering_touches": pa.array([], pa.int64())}
        )
    grouped = touches.group_by("item").aggregate([("item", "count")])
    return pa.table(
        {
            "item": grouped.column("item"),
            "steering_touches": grouped.column("item_count").cast(pa.int64()),
        }
    ).sort_by("item")


def steering_meetings(touches: pa.Table, config: Config) -> pa.Table:
    """Per meeting day: items discussed, touches, and the meeting time they cost."""
    if touches.num_rows == 0:
        return STEERING_MEETINGS.empty_table()
    per_touch = float(config.steering.minutes_per_item) * float(config.steering.attendees)
    days = touches.group_by("meeting_date").aggregate(
        [("item", "count_distinct"), ("item", "count")]
    )
    n = days.column("item_count").cast(pa.int64())
    return pa.table(
        {
            "meeting_date": days.column("meeting_date"),
            "items": days.column("item_count_distinct").cast(pa.int64()),
            "touches": n,
            "cost_minutes": pc.multiply(n.cast(pa.float64()), per_touch),
        },
        schema=STEERING_MEETINGS,
    ).sort_by("meeting_date")


def steering_comparison(items: pa.Table, touches: pa.Table) -> pa.Table:
    """Steered versus unsteered delivered items of the same type and delivery quarter.

    ``items`` is the analysis ``ITEMS`` table. One row per (type, quarter, UTC) that has at
    least one steered delivered item; medians interpolate linearly (as every percentile of
    the engine), over the items that have the value.
    """
    delivered = items.filter(pc.is_valid(items.column("delivered")))
    if delivered.num_rows == 0 or touches.num_rows == 0:
        return STEERING_COMPARISON.empty_table()
    steered = pc.is_in(delivered.column("item"), value_set=pc.unique(touches.column("item")))
    steered = np.asarray(steered.to_numpy(zero_copy_only=False), dtype=bool)
    when = delivered.column("delivered")
    period = pc.binary_join_element_wise(
        pc.cast(pc.year(when), pa.string()),
        pc.cast(pc.quarter(when), pa.string()),
        "-Q",
    )
    types = delivered.column("type").to_pylist()
    periods = period.to_pylist()
    groups: dict[tuple, list[int]] = {}
    for row, key in enumerate(zip(types, periods, strict=True)):
        groups.setdefault(key, []).append(row)
    lead = _floats(delivered.column("lead_time_s"))
    fe = _floats(delivered.column("flow_efficiency"))
    rows = []
    for (kind, quarter), members in groups.items():
        at = np.asarray(members)
        mine, others = at[steered[at]], at[~steered[at]]
        if len(mine) == 0:
            continue
        rows.append(
            {
                "type": kind,
                "period": quarter,
                "steered_items": len(mine),
                "unsteered_items": len(others),
                "steered_lead_median_s": _median(lead[mine]),
                "unsteered_lead_median_s": _median(lead[others]),
                "steered_flow_efficiency_median": _median(fe[mine]),
                "unsteered_flow_efficiency_median": _median(fe[others]),
            }
        )
    # By period, then type (items without a type last).
    rows.sort(key=lambda r: (r["period"], r["type"] is None, r["type"] or ""))
    return pa.Table.from_pylist(rows, schema=STEERING_COMPARISON)


def _floats(column: pa.ChunkedArray) -> np.ndarray:
    return np.asarray(pc.fill_null(column.cast(pa.float64()), np.nan).to_numpy(), dtype=float)


def _median(values: np.ndarray) -> float | None:
    values = values[~np.isnan(values)]
    if len(values) == 0:
        return None
    # Linear interpolation, numpy's default: the engine's one percentile rule.
    return float(np.percentile(values, 50))


STEPS = [
    Aggregate(
        "steering_meetings",
        ("steering_touches",),
        lambda scope, steering_touches: steering_meetings(steering_touches, scope.config),
    ),
    Aggregate(
        "steering_comparison",
        ("items", "steering_touches"),
        lambda scope, items, steering_touches: steering_comparison(items, steering_touches),
    ),
]
