"""Transition CSV: one row per status change (item, from, to, timestamp, optional author and
team, optional ``created``), as "time in status" apps and Jira's data pipeline export it.

A row is one record. The earliest row of an item also gives its creation: ``created`` plus the
initial status (the ``from`` of that row) at the ``created`` cell when there is one, else at the
row's timestamp. The ``team`` cell is the team in charge from that transition on.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from ..config import Config
from ..model import LoadResult
from .columns import EventColumns
from .common import LoadBuilder, zone
from .csv_rows import cell, column_index, optional_index, parse_timestamp, read_csv

FORMAT = "transition-csv"
_JIRA_KEY = re.compile(r"^([A-Za-z][A-Za-z0-9_]*)-\d+$")


@dataclass
class _Row:
    line: int
    item: str
    ts: datetime
    from_status: str
    to_status: str
    author: str | None
    team: str | None
    created: datetime | None


def project_of(key: str) -> str | None:
    m = _JIRA_KEY.match(key)
    return m.group(1) if m else None


def load(path: Path, config: Config, *, fast: bool = True) -> LoadResult:
    """Load a transition CSV.

    A plain file goes through Arrow's CSV reader (``transition_arrow``), which answers only
    when its answer is exactly this module's; everything else is read here row by row.
    ``fast=False`` forces the row-by-row reading (the tests compare both).
    """
    if fast:
        from .transition_arrow import try_load

        result = try_load(path, config)
        if result is not None:
            return result
    cfg = config.input.transitions
    tz = zone(cfg.timezone, path, "input.transitions.timezone")
    csv_file = read_csv(path)
    header = csv_file.header
    b = LoadBuilder(path, FORMAT, record_unit="row")
    if csv_file.warning:
        b.warn("encoding", csv_file.warning)
    i_item = column_index(header, cfg.item, path, "input.transitions.item")
    i_from = column_index(header, cfg.from_status, path, "input.transitions.from")
    i_to = column_index(header, cfg.to_status, path, "input.transitions.to")
    i_ts = column_index(header, cfg.timestamp, path, "input.transitions.timestamp")
    i_author = optional_index(header, cfg.author)
    i_team = optional_index(header, cfg.team)
    i_created = optional_index(header, cfg.created)

    rows: list[_Row] = []
    seen: dict[tuple[str, datetime, str, str], int] = {}
    for line, raw in csv_file.rows:
        b.read()
        item = cell(raw, i_item)
        if not item:
            b.reject(line, f"missing item key (column {cfg.item!r})")
            continue
        to_status = cell(raw, i_to)
        if not to_status:
            b.reject(line, f"{item}: missing target status (column {cfg.to_status!r})")
            continue
        try:
            ts = parse_timestamp(cell(raw, i_ts), cfg.timestamp_format, tz, cfg.dayfirst)
        except (ValueError, OverflowError) as exc:  # year 1 with an offset overflows
            b.reject(line, f"{item}: bad timestamp: {exc}")
            continue
        created: datetime | None = None
        if cell(raw, i_created):
            try:
                created = parse_timestamp(
                    cell(raw, i_created), cfg.timestamp_format, tz, cfg.dayfirst
                )
            except (ValueError, OverflowError) as exc:
                b.reject(line, f"{item}: bad created timestamp: {exc}")
                continue
        from_status = cell(raw, i_from)
        key = (item, ts, from_status, to_status)
        if key in seen:
            b.reject(line, f"{item}: duplicate event (same transition as line {seen[key]})")
            continue
        seen[key] = line
        rows.append(
            _Row(
                line,
                item,
                ts,
                from_status,
                to_status,
                cell(raw, i_author) or None,
                cell(raw, i_team) or None,
                created,
            )
        )
        b.loaded()

    if not csv_file.rows:
        b.warn("empty", "the file has a header but no rows")

    by_item: dict[str, list[_Row]] = {}
    for row in rows:
        by_item.setdefault(row.item, []).append(row)
    cols = EventColumns()
    for item, item_rows in by_item.items():
        item_rows.sort(key=lambda r: (r.ts, r.line))
        _emit_item(b, cols, item, item_rows)
    return cols.into(b.result())


def _emit_item(b: LoadBuilder, cols: EventColumns, item: str, rows: list[_Row]) -> None:
    prefix = f"{b.path.name}:"

    def add(
        ts: datetime,
        field: str,
        value: str | None,
        prev: str | None,
        actor: str | None,
        line: int,
    ) -> None:
        cols.add(item, ts, field, value, prev, actor, f"{prefix}{line}")

    first = rows[0]
    created = min((r.created for r in rows if r.created is not None), default=None)
    if created is None or created > first.ts:
        if created is not None:
            b.warn(
                "created_after_transition",
                f"{item}: created {created.isoformat()} is after its first transition;"
                " the first transition's time is used",
                item,
                first.line,
            )
        created = first.ts
    initial = first.from_status or first.to_status
    add(created, "created", None, None, first.author, first.line)
    add(created, "status", initial, None, first.author, first.line)
    status = initial
    team: str | None = None
    for row in rows:
        if row.from_status and row.from_status != status:
            b.warn(
                "inconsistent_transition",
                f"{item}: moves from {row.from_status!r} but was in {status!r}",
                item,
                row.line,
            )
        if row is not first or first.from_status:
            add(row.ts, "status", row.to_status, row.from_status or status, row.author, row.line)
        status = row.to_status
        if row.team is not None and row.team != team:
            add(row.ts, "team", row.team, team, row.author, row.line)
            team = row.team
    b.items.append(
        {
            "item": item,
            "project": project_of(item),
            "created": created,
            "current_status": status,
        }
    )
