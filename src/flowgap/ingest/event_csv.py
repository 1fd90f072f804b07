"""Generic event-log CSV mapped by ``[input.csv]``: every row is a status change of one item.

The status may be composed of several columns (joined by ``status_separator``); team and
resource columns give ``team`` and ``assignee`` events when they change. Rows are sorted by
timestamp, then the ``order_by`` column (numerically when every value is a number), then the
line, so out-of-order files load correctly and same-timestamp events keep a defined order.

Rows of one item at one timestamp are not duplicates as such: an audit log of minute resolution
has many rows per minute that differ in team, resource or sub-state (a handoff, or a status
left and re-entered within the minute). A row is a duplicate, and rejected, only when every
mapped column (item, each status column, timestamp, team, resource, ``created`` and the
``order_by`` column) equals an earlier row's.

An optional ``created`` column gives the item's creation time: its earliest cell, unless that
is after the item's first event (warned; the first event's time is used).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import numpy as np

from ..config import Config
from ..errors import InputError, excerpt, quoted
from ..model import TS, LoadResult
from . import arrow_columns as ac
from .columns import EventColumns
from .common import LoadBuilder, zone
from .csv_table import column_index, open_csv
from .csv_timestamps import parse_column
from .transition_csv import projects

FORMAT = "csv"


@dataclass
class _Row:
    line: int
    item: str
    ts: datetime
    status: str
    team: str | None
    resource: str | None
    order: str
    #: every mapped value, as read: equal keys make a duplicate
    key: tuple
    created: datetime | None = None


def load(path: Path, config: Config) -> LoadResult:
    cfg = config.input.csv
    tz = zone(cfg.timezone, path, "input.csv.timezone")
    if cfg.delimiter is not None and len(cfg.delimiter) != 1:
        raise InputError(path, f"input.csv.delimiter must be one character, got {cfg.delimiter!r}")
    if not cfg.status:
        raise InputError(path, "input.csv.status names no column")
    csv = open_csv(path, cfg.delimiter)
    header = csv.header
    b = LoadBuilder(path, FORMAT, record_unit="row")
    if csv.warning:
        b.warn("encoding", csv.warning)
    i_item = column_index(header, cfg.item, path, "input.csv.item")
    i_status = [column_index(header, c, path, "input.csv.status") for c in cfg.status]
    i_ts = column_index(header, cfg.timestamp, path, "input.csv.timestamp")
    i_team = column_index(header, cfg.team, path, "input.csv.team") if cfg.team else None
    i_res = column_index(header, cfg.resource, path, "input.csv.resource") if cfg.resource else None
    i_order = (
        column_index(header, cfg.order_by, path, "input.csv.order_by") if cfg.order_by else None
    )
    i_created = (
        column_index(header, cfg.created, path, "input.csv.created") if cfg.created else None
    )
    wanted = [i_item, *i_status, i_ts, i_team, i_res, i_order, i_created]
    records = csv.read(i for i in wanted if i is not None)
    del csv
    missing = {m.strip() for m in cfg.missing_values}

    def column(index: int | None) -> list[str | None]:
        values = records.values(index).to_pylist()
        return [None if v in missing or not v else v for v in values]

    items, ts_texts = column(i_item), column(i_ts)
    statuses = [column(i) for i in i_status]
    teams, resources, orders = column(i_team), column(i_res), column(i_order)
    lines = records.lines.tolist()
    # the timestamps of the rows with an item and a status, each distinct text read once
    complete = [
        k
        for k, item in enumerate(items)
        if item is not None and ts_texts[k] is not None and all(s[k] is not None for s in statuses)
    ]
    instants, errors = parse_column(
        records.values(i_ts), cfg.timestamp_format, tz, cfg.dayfirst, np.array(complete, int)
    )
    times = ac.int_array(instants).view(TS).to_pylist()
    created_texts = column(i_created)
    with_created = [k for k in complete if k not in errors and created_texts[k] is not None]
    born, created_errors = parse_column(
        records.values(i_created),
        cfg.timestamp_format,
        tz,
        cfg.dayfirst,
        np.array(with_created, int),
    )
    born_at = ac.int_array(born).view(TS).to_pylist()

    rows: list[_Row] = []
    for k, line in enumerate(lines):
        b.read()
        item = items[k]
        if item is None:
            b.reject(line, f"missing item key (column {quoted(cfg.item)})")
            continue
        parts = [s[k] for s in statuses]
        if any(p is None for p in parts):
            gone = [c for c, p in zip(cfg.status, parts, strict=True) if p is None]
            columns = ", ".join(map(quoted, gone))
            b.reject(line, f"{excerpt(item)}: missing status (column {columns})")
            continue
        if ts_texts[k] is None:
            b.reject(line, f"{excerpt(item)}: missing timestamp (column {quoted(cfg.timestamp)})")
            continue
        if k in errors:
            b.reject(line, f"{excerpt(item)}: bad timestamp: {errors[k]}")
            continue
        if k in created_errors:
            b.reject(line, f"{excerpt(item)}: bad created timestamp: {created_errors[k]}")
            continue
        rows.append(
            _Row(
                line,
                item,
                times[k],
                cfg.status_separator.join(p for p in parts if p is not None),
                teams[k],
                resources[k],
                orders[k] or "",
                (times[k], *parts, teams[k], resources[k], orders[k], created_texts[k]),
                born_at[k] if created_texts[k] is not None else None,
            )
        )

    if not lines:
        b.warn("empty", "the file has a header but no rows")
    numeric = _all_numeric(r.order for r in rows)

    def sort_key(r: _Row) -> tuple:
        order: object = float(r.order) if numeric and r.order else r.order
        if numeric and not r.order:
            order = float("inf")
        return (r.ts, order, r.line)

    by_item: dict[str, list[_Row]] = {}
    for row in rows:
        by_item.setdefault(row.item, []).append(row)
    cols = EventColumns()
    for item, item_rows in by_item.items():
        item_rows.sort(key=sort_key)
        _emit_item(b, cols, item, item_rows)
    keys = ac.strings([it["item"] for it in b.items])
    for it, project in zip(b.items, projects(keys).to_pylist(), strict=True):
        it["project"] = project
    return cols.into(b.result())


def _all_numeric(values: Iterable[str]) -> bool:
    any_value = False
    for v in values:
        if not v:
            continue
        any_value = True
        try:
            float(v)
        except ValueError:
            return False
    return any_value


def _emit_item(b: LoadBuilder, cols: EventColumns, item: str, rows: list[_Row]) -> None:
    seen: dict[tuple, int] = {}
    prefix = f"{b.path.name}:"

    def add(row: _Row, field: str, value: str | None, prev: str | None) -> None:
        cols.add(item, row.ts, field, value, prev, row.resource, f"{prefix}{row.line}")

    status: str | None = None
    team: str | None = None
    resource: str | None = None
    first = True
    # creation: the earliest ``created`` cell of the item, unless after its first event
    cells = [r.created for r in rows if r.created is not None]
    born = min(cells) if cells else rows[0].ts
    if born > rows[0].ts:
        b.warn(
            "created_after_event",
            f"{item}: created {born.isoformat()} is after its first event;"
            " the first event's time is used",
            item,
            rows[0].line,
        )
        born = rows[0].ts
    for row in rows:
        if row.key in seen:
            b.reject(
                row.line,
                f"{excerpt(item)}: duplicate event"
                f" (every mapped column equal to line {seen[row.key]})",
            )
            continue
        seen[row.key] = row.line
        b.loaded()
        if first:
            cols.add(item, born, "created", None, None, None, f"{prefix}{row.line}")
        add(row, "status", row.status, status)
        status = row.status
        if row.team != team and (row.team is not None or not first):
            add(row, "team", row.team, team)
            team = row.team
        if row.resource != resource and (row.resource is not None or not first):
            add(row, "assignee", row.resource, resource)
            resource = row.resource
        first = False
    b.items.append(
        {
            "item": item,
            "created": born,
            "current_status": status,
        }
    )
