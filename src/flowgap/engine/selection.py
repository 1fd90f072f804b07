"""Which items a selection keeps: the one rule behind the dashboard's filters and the
command line's ``--team``, ``--type``, ``--project`` and ``--label``.

Every given filter must hold; values within one filter are OR-ed:

- ``from``/``to`` (dates, inclusive, UTC): the item's life, from ``created`` to its delivery
  (or ``as_of`` while open), overlaps the range;
- ``project``, ``type``: the item's project / issue type is one of the values;
- ``label``: the item carries at least one of the labels;
- ``team``: some segment of the item's timeline was with one of the teams."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc


@dataclass(frozen=True)
class Selection:
    start: date | None = None
    end: date | None = None
    project: tuple[str, ...] = field(default_factory=tuple)
    type: tuple[str, ...] = field(default_factory=tuple)
    team: tuple[str, ...] = field(default_factory=tuple)
    label: tuple[str, ...] = field(default_factory=tuple)

    @property
    def active(self) -> bool:
        return bool(self.start or self.end or self.project or self.type or self.team or self.label)


def selected_mask(
    items: pa.Table, timeline: pa.Table, filters: Selection, as_of: datetime
) -> np.ndarray:
    """One bool per row of ``items``: does the item pass the filters (see the module
    docstring for the rules)."""
    mask = np.ones(items.num_rows, dtype=bool)

    def keep(condition: pa.ChunkedArray | pa.Array) -> None:
        nonlocal mask
        mask &= pc.fill_null(condition, False).to_numpy(zero_copy_only=False).astype(bool)

    if filters.project:
        keep(pc.is_in(items["project"], pa.array(filters.project)))
    if filters.type:
        keep(pc.is_in(items["type"], pa.array(filters.type)))
    if filters.label:
        labels = items["labels"].combine_chunks() if items.num_rows else None
        has = np.zeros(items.num_rows, dtype=bool)
        if labels is not None and len(labels):
            flat = pc.list_flatten(labels)
            hit = pc.fill_null(pc.is_in(flat, pa.array(filters.label)), False)
            owners = pc.filter(pc.list_parent_indices(labels), hit).to_numpy()
            has[owners] = True
        mask &= has
    if filters.start or filters.end:
        low = _utc(filters.start) if filters.start else None
        high = _utc(filters.end + timedelta(days=1)) if filters.end else None
        life_end = pc.fill_null(items["delivered"], pa.scalar(as_of, items["delivered"].type))
        if high is not None:
            keep(pc.less(items["created"], pa.scalar(high, items["created"].type)))
        if low is not None:
            keep(pc.greater_equal(life_end, pa.scalar(low, life_end.type)))
    if filters.team:
        with_team = pc.filter(
            timeline["item"],
            pc.fill_null(pc.is_in(timeline["team"], pa.array(filters.team)), False),
        )
        keep(pc.is_in(items["item"], value_set=pc.unique(with_team)))
    return mask


def selected_items(items: pa.Table, timeline: pa.Table, filters: Selection, as_of: datetime) -> set:
    """Keys of the items the filters keep (see the module docstring for the rules)."""
    mask = selected_mask(items, timeline, filters, as_of)
    return set(pc.filter(items["item"], pa.array(mask)).to_pylist())


def _utc(day: date) -> datetime:
    return datetime.combine(day, time(0), tzinfo=UTC)


def _utc(day: date) -> datetime:
    return datetime.combine(day, time(0), tzinfo=UTC)
