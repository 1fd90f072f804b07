"""Global filters: parsed from and written to the URL query string, applied to the items.

A filter selects *items*; the dashboard then shows the analysis of those items with ``as_of``
pinned to the unfiltered analysis' so that open items are measured to the same date. That
analysis is ``Analysis.select`` of the unfiltered one: the engine's own steps over the
selected items' rows, tested equal to re-running ``flowgap.analyze`` on the selected items.

Which items a filter keeps (every given filter must hold; values within one filter are OR-ed):

- ``from``/``to`` (dates, inclusive, UTC): the item's life, from ``created`` to its delivery
  (or ``as_of`` while open), overlaps the range;
- ``project``, ``type``: the item's project / issue type is one of the values;
- ``label``: the item carries at least one of the labels;
- ``team``: some segment of the item's timeline was with one of the teams.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from urllib.parse import parse_qs, urlencode

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

LIST_KEYS = ("project", "type", "team", "label")


@dataclass(frozen=True)
class Filters:
    start: date | None = None
    end: date | None = None
    project: tuple[str, ...] = field(default_factory=tuple)
    type: tuple[str, ...] = field(default_factory=tuple)
    team: tuple[str, ...] = field(default_factory=tuple)
    label: tuple[str, ...] = field(default_factory=tuple)

    @property
    def active(self) -> bool:
        return bool(self.start or self.end or self.project or self.type or self.team or self.label)

    def key(self) -> str:
        """A stable digest for caches (same filters, same key, whatever the URL order)."""
        return hashlib.sha256(to_query(self).encode()).hexdigest()[:16]


def parse_date(text: str | None) -> date | None:
    if not text:
        return None
    try:
        return date.fromisoformat(text[:10])
    except ValueError:
        return None  # a hand-edited URL with a bad date filters nothing rather than failing


def bad_dates(search: str | None) -> list[str]:
    """``key=value`` of the date parameters of a (hand-edited) URL that are not dates: they
    filter nothing, and the page says so."""
    params = parse_qs((search or "").lstrip("?"), keep_blank_values=False)
    return [
        f"{key}={params[key][0]}"
        for key in ("from", "to")
        if key in params and parse_date(params[key][0]) is None
    ]


def from_query(search: str | None) -> Filters:
    """``?from=2026-01-01&team=QA&team=Dev`` -> Filters. Unknown keys are ignored."""
    params = parse_qs((search or "").lstrip("?"), keep_blank_values=False)

    def values(key: str) -> tuple[str, ...]:
        seen: list[str] = []
        for raw in params.get(key, []):
            if raw and raw not in seen:
                seen.append(raw)
        return tuple(sorted(seen))

    return Filters(
        start=parse_date(params.get("from", [None])[0]),
        end=parse_date(params.get("to", [None])[0]),
        **{k: values(k) for k in LIST_KEYS},
    )


def to_query(filters: Filters, extra: dict[str, str] | None = None) -> str:
    """Filters -> ``?...`` (empty string when nothing is filtered); keys in a fixed order."""
    pairs: list[tuple[str, str]] = []
    if filters.start:
        pairs.append(("from", filters.start.isoformat()))
    if filters.end:
        pairs.append(("to", filters.end.isoformat()))
    for key in LIST_KEYS:
        pairs.extend((key, v) for v in sorted(getattr(filters, key)))
    for key, value in sorted((extra or {}).items()):
        if value:
            pairs.append((key, value))
    return f"?{urlencode(pairs)}" if pairs else ""


def query_value(search: str | None, key: str) -> str | None:
    """One non-filter parameter of the query string (e.g. the journey's ``item``)."""
    values = parse_qs((search or "").lstrip("?")).get(key)
    return values[0] if values else None


def selected_mask(
    items: pa.Table, timeline: pa.Table, filters: Filters, as_of: datetime
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


def selected_items(items: pa.Table, timeline: pa.Table, filters: Filters, as_of: datetime) -> set:
    """Keys of the items the filters keep (see the module docstring for the rules)."""
    mask = selected_mask(items, timeline, filters, as_of)
    return set(pc.filter(items["item"], pa.array(mask)).to_pylist())


def _utc(day: date) -> datetime:
    return datetime.combine(day, time(0), tzinfo=UTC)


def options(items: pa.Table, timeline: pa.Table) -> dict[str, list[str]]:
    """The values each dropdown offers, from the unfiltered analysis."""

    def distinct(column: pa.ChunkedArray | pa.Array) -> list[str]:
        return sorted(v for v in pc.unique(column).to_pylist() if v)

    labels = distinct(pc.list_flatten(items["labels"])) if items.num_rows else []
    return {
        "project": distinct(items["project"]),
        "type": distinct(items["type"]),
        "team": distinct(timeline["team"]),
        "label": labels,
    }
