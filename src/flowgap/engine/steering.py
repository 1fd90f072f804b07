"""Steering-committee touches: when an item was looked at by a steering committee, what those
looks cost, and whether steered items flowed faster than comparable unsteered ones.

Five kinds of touch (DESIGN section 5), each as configured in ``[steering]``:

- ``status``: entering a status that matches one of the ``statuses`` regexes;
- ``label``: one of the ``labels`` added;
- ``comment``: a comment matching ``comment_pattern``;
- ``meeting``: a row of the ``meetings_file`` (``date,items``);
- ``recurring``: a weekly rule; on each such weekday every committed, undelivered item that
  matches the rule's condition is reviewed.

An item discussed in one meeting counts once however many signals that day carries: touches are
de-duplicated per (item, calendar day), keeping the earliest signal. Everything here works on
whole columns (pyarrow compute, numpy, DuckDB); regexes run through Arrow's RE2 and fall back to
Python's ``re`` on the distinct values only for patterns RE2 cannot compile.
"""

from __future__ import annotations

import csv
import json
import re
from collections.abc import Callable
from datetime import date, datetime
from pathlib import Path

import duckdb
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from ..config import Config, RecurringMeeting
from ..errors import ConfigError, InputError
from ..model import TS, Finding
from .calendar import WEEKDAYS, day_start_utc, local_dates
from .schemas import STEERING_COMPARISON, STEERING_MEETINGS, STEERING_TOUCHES

#: Runs SQL over named Arrow tables and returns a table of the given schema.
Query = Callable[..., pa.Table]

#: Order in which kinds win when two signals of one item share the same timestamp.
KINDS = ("status", "label", "comment", "meeting", "recurring")
#: Schema metadata key of ``steering_touches``: meeting-file keys not found in the data.
UNKNOWN_KEY = b"flowgap.unknown_meeting_items"
_DETAIL_CHARS = 120
_SPLIT_KEYS = re.compile(r"[\s,;]+")

_RAW = pa.schema(
    [("item", pa.string()), ("ts", TS), ("kind", pa.string()), ("detail", pa.string())]
)


def steering_touches(
    events: pa.Table,
    items: pa.Table,
    timeline: pa.Table,
    config: Config,
    as_of: datetime,
) -> pa.Table:
    """Every steering touch, one per (item, calendar day), ordered by item and time.

    Like the rest of the analysis, nothing after ``as_of`` counts: neither signals after it nor
    items created after it."""
    steering = config.steering
    tz = _timezone(config)
    as_of_ts = pa.scalar(as_of, TS)
    # Only these columns are read; filtering fewer columns copies less.
    events = events.select(["item", "ts", "field", "value"])
    if events.num_rows and pc.max(events.column("ts")).as_py() > as_of:
        events = events.filter(pc.less_equal(events.column("ts"), as_of_ts))
    if items.num_rows and "created" in items.column_names:
        created = items.column("created")
        items = items.filter(pc.or_kleene(pc.is_null(created), pc.less_equal(created, as_of_ts)))
    parts: list[pa.Table] = []
    unknown: list[str] = []
    if steering.statuses:
        parts.append(_status_touches(events, steering.statuses))
    if steering.labels:
        parts.append(_label_touches(events, steering.labels))
    if steering.comment_pattern:
        parts.append(_comment_touches(events, steering.comment_pattern))
    if steering.meetings_file is not None:
        table, unknown = _meeting_touches(steering.meetings_file, items, tz, config)
        parts.append(table)
    if steering.recurring and timeline.num_rows:
        first_ts = pc.min(events.column("ts")).as_py() if events.num_rows else None
        for rule in steering.recurring:
            parts.append(_recurring_touches(rule, items, timeline, tz, first_ts, as_of))
    raw = pa.concat_tables([p.cast(_RAW) for p in parts]) if parts else _RAW.empty_table()
    in_scope = pc.and_(
        pc.less_equal(raw.column("ts"), as_of_ts),
        pc.is_in(raw.column("item"), value_set=items.column("item").combine_chunks()),
    )
    touches = _dedupe_per_day(raw.filter(in_scope), tz)
    if unknown:
        touches = touches.replace_schema_metadata({UNKNOWN_KEY: json.dumps(unknown).encode()})
    return touches


def unknown_meeting_items(touches: pa.Table) -> list[str]:
    """Item keys of the meetings file that are not in the data (ignored, sorted)."""
    meta = touches.schema.metadata or {}
    return json.loads(meta[UNKNOWN_KEY]) if UNKNOWN_KEY in meta else []


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


def steering_meetings(touches: pa.Table, config: Config, *, query: Query | None = None) -> pa.Table:
    """Per meeting day: items discussed, touches, and the meeting time they cost.

    ``query`` runs the SQL (default: a fresh DuckDB connection); the dashboard passes its
    persistent one."""
    per_touch = float(config.steering.minutes_per_item) * float(config.steering.attendees)
    sql = f"""
        SELECT meeting_date, count(DISTINCT item) AS items, count(*) AS touches,
               count(*) * {per_touch!r}::DOUBLE AS cost_minutes
        FROM touches GROUP BY meeting_date ORDER BY meeting_date
    """
    return (query or _query)(
        sql, STEERING_MEETINGS, touches=touches.select(["item", "meeting_date"])
    )


def steering_comparison(
    items: pa.Table, touches: pa.Table, *, query: Query | None = None
) -> pa.Table:
    """Steered versus unsteered delivered items of the same type and delivery quarter.

    ``items`` is the analysis ``ITEMS`` table. One row per (type, quarter) that has at least
    one steered delivered item; medians are linear-interpolated (DuckDB ``quantile_cont``).
    """
    sql = """
        WITH steered AS (SELECT DISTINCT item FROM touches),
        delivered AS (
            SELECT i.type, i.lead_time_s, i.flow_efficiency, s.item IS NOT NULL AS steered,
                   CAST(year(i.delivered) AS VARCHAR) || '-Q'
                       || CAST(quarter(i.delivered) AS VARCHAR) AS period
            FROM items i LEFT JOIN steered s ON s.item = i.item
            WHERE i.delivered IS NOT NULL
        )
        SELECT type, period,
               count(*) FILTER (WHERE steered) AS steered_items,
               count(*) FILTER (WHERE NOT steered) AS unsteered_items,
               quantile_cont(lead_time_s, 0.5) FILTER (WHERE steered) AS steered_lead_median_s,
               quantile_cont(lead_time_s, 0.5) FILTER (WHERE NOT steered)
                   AS unsteered_lead_median_s,
               quantile_cont(flow_efficiency, 0.5) FILTER (WHERE steered)
                   AS steered_flow_efficiency_median,
               quantile_cont(flow_efficiency, 0.5) FILTER (WHERE NOT steered)
                   AS unsteered_flow_efficiency_median
        FROM delivered
        GROUP BY type, period
        HAVING count(*) FILTER (WHERE steered) > 0
        ORDER BY period, type NULLS LAST
    """
    return (query or _query)(
        sql,
        STEERING_COMPARISON,
        items=items.select(["item", "type", "delivered", "lead_time_s", "flow_efficiency"]),
        touches=touches.select(["item"]),
    )


# --------------------------------------------------------------------------- the five kinds


def _status_touches(events: pa.Table, patterns: list[str]) -> pa.Table:
    status = events.filter(pc.equal(events.column("field"), "status"))
    status = status.filter(pc.is_valid(status.column("value")))
    values = status.column("value")
    hit = _regex_any(values, patterns)
    chosen = status.filter(hit)
    return _raw(chosen.column("item"), chosen.column("ts"), "status", chosen.column("value"))


def _label_touches(events: pa.Table, labels: list[str]) -> pa.Table:
    label = events.filter(pc.equal(events.column("field"), "label"))
    chosen = label.filter(pc.is_in(label.column("value"), value_set=pa.array(labels, pa.string())))
    return _raw(chosen.column("item"), chosen.column("ts"), "label", chosen.column("value"))


def _comment_touches(events: pa.Table, pattern: str) -> pa.Table:
    comment = events.filter(pc.equal(events.column("field"), "comment"))
    comment = comment.filter(pc.is_valid(comment.column("value")))
    chosen = comment.filter(_regex_any(comment.column("value"), [pattern]))
    detail = pc.utf8_slice_codeunits(chosen.column("value"), 0, _DETAIL_CHARS)
    return _raw(chosen.column("item"), chosen.column("ts"), "comment", detail)


def _meeting_touches(
    path: Path, items: pa.Table, tz: str, config: Config
) -> tuple[pa.Table, list[str]]:
    rows = read_meetings_file(path, config)
    keys = [key for _, _, row_keys in rows for key in row_keys]
    days = [day for _, day, row_keys in rows for _ in row_keys]
    details = [f"{path.name}:{line}" for line, _, row_keys in rows for _ in row_keys]
    key_arr = pa.array(keys, pa.string())
    known = pc.is_in(key_arr, value_set=_one_chunk(items.column("item")))
    unknown = sorted(set(pc.filter(key_arr, pc.invert(known)).to_pylist()))
    ts = day_start_utc(np.array(days, dtype="datetime64[D]"), tz)
    table = _raw(
        key_arr,
        pa.array(ts, pa.timestamp("us")).cast(TS),
        "meeting",
        pa.array(details, pa.string()),
    ).filter(known)
    return table, unknown


def read_meetings_file(
    path: Path, config: Config | None = None
) -> list[tuple[int, date, list[str]]]:
    """Rows ``(line, date, item keys)`` of a meetings CSV (``date,items``, header optional).

    Keys are separated by spaces, commas or semicolons, so an unquoted ``2026-01-07,A-1,A-2``
    works too. A bad row raises an :class:`InputError` naming the file and the line.
    """
    try:
        text = Path(path).read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        where = config.source_path if config and config.source_path else "<config>"
        raise ConfigError(where, "steering.meetings_file", f"file not found: {path}") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(path, f"cannot read the meetings file: {exc}") from None
    rows: list[tuple[int, date, list[str]]] = []
    seen_data = False
    for line, cells in enumerate(csv.reader(text.splitlines()), start=1):
        cells = [c.strip() for c in cells]
        if not any(cells):
            continue
        if not seen_data and cells[0].lower() == "date":
            seen_data = True
            continue
        seen_data = True
        day = _parse_day(cells[0])
        if day is None:
            raise InputError(
                path, f"bad date {cells[0]!r} (expected YYYY-MM-DD)", record=f"line {line}"
            )
        keys = [k for k in _SPLIT_KEYS.split(" ".join(cells[1:])) if k]
        if not keys:
            raise InputError(path, "no item keys (expected date,items)", record=f"line {line}")
        rows.append((line, day, keys))
    return rows


def _recurring_touches(
    rule: RecurringMeeting,
    items: pa.Table,
    timeline: pa.Table,
    tz: str,
    first_ts: datetime | None,
    as_of: datetime,
) -> pa.Table:
    """Each matching weekday between the data's first day and ``as_of``, each item committed
    by the end of that day and not delivered by then, that matches the rule, gets a touch."""
    open_items = _eligible_items(rule, items, timeline)
    if open_items.num_rows == 0:
        return _RAW.empty_table()
    day = np.timedelta64(1, "D")
    committed = _dates(local_dates(open_items.column("committed"), tz))
    delivered = _dates(local_dates(open_items.column("delivered"), tz))
    lo = committed
    last = _day_of(as_of, tz)
    # np.minimum propagates NaT, so open items (no delivery) get the as_of day explicitly
    hi = np.where(np.isnat(delivered), last, np.minimum(delivered - day, last))
    if first_ts is not None:
        lo = np.maximum(lo, _day_of(first_ts, tz))
    if rule.start is not None:
        lo = np.maximum(lo, np.datetime64(rule.start, "D"))
    if rule.end is not None:
        hi = np.minimum(hi, np.datetime64(rule.end, "D"))
    weekday = WEEKDAYS.index(rule.weekday)
    first = lo + ((weekday - (lo.astype(np.int64) + 3) % 7) % 7).astype("timedelta64[D]")
    count = np.where(hi >= first, (hi - first).astype(np.int64) // 7 + 1, 0)
    total = int(count.sum())
    if total == 0:
        return _RAW.empty_table()
    owner = np.repeat(np.arange(len(count)), count)
    step = np.arange(total) - np.repeat(np.cumsum(count) - count, count)
    days = first[owner] + (7 * step).astype("timedelta64[D]")
    # every day of a rule is start + 7k: localize the few candidate days, then index
    origin = first.min()
    week = (days - origin).astype(np.int64) // 7
    weeks = origin + (7 * np.arange(int(week.max()) + 1)).astype("timedelta64[D]")
    ts = day_start_utc(weeks, tz)[week]
    keys = _one_chunk(open_items.column("item")).take(pa.array(owner))
    return _raw(keys, pa.array(ts, pa.timestamp("us")).cast(TS), "recurring", _describe(rule))


def _eligible_items(rule: RecurringMeeting, items: pa.Table, timeline: pa.Table) -> pa.Table:
    """Items matching the rule's condition with their commitment and delivery (from the
    timeline's classes: committed = first wait/active segment, delivered = start of the final
    run of done segments). An item matches when it meets ANY of the configured conditions."""
    conditions = []
    if rule.labels_any:
        conditions.append("list_has_any(coalesce(i.labels, []::VARCHAR[]), $labels)")
    if rule.priorities:
        conditions.append("i.priority IN (SELECT unnest($priorities))")
    if rule.types:
        conditions.append("i.type IN (SELECT unnest($types))")
    where = " OR ".join(conditions) if conditions else "TRUE"
    sql = f"""
        WITH agg AS (
            SELECT item,
                   min(start) FILTER (WHERE "class" IN ('wait', 'active')) AS committed,
                   max("end") FILTER (WHERE "class" <> 'done') AS last_not_done_end,
                   min(start) AS first_start,
                   arg_max("class", start) AS last_class
            FROM timeline GROUP BY item
        )
        SELECT a.item, a.committed,
               CASE WHEN a.last_class = 'done'
                    THEN coalesce(a.last_not_done_end, a.first_start) END AS delivered
        FROM agg a JOIN items i ON i.item = a.item
        WHERE a.committed IS NOT NULL AND ({where})
        ORDER BY a.item
    """
    params = {}
    if rule.labels_any:
        params["labels"] = list(rule.labels_any)
    if rule.priorities:
        params["priorities"] = list(rule.priorities)
    if rule.types:
        params["types"] = list(rule.types)
    con = _connect()
    try:
        con.register("timeline", timeline.select(["item", "class", "start", "end"]))
        con.register("items", items.select(["item", "type", "priority", "labels"]))
        return con.sql(sql, params=params).to_arrow_table()
    finally:
        con.close()


def _describe(rule: RecurringMeeting) -> str:
    parts = []
    if rule.labels_any:
        parts.append("label " + " or ".join(rule.labels_any))
    if rule.priorities:
        parts.append("priority " + " or ".join(rule.priorities))
    if rule.types:
        parts.append("type " + " or ".join(rule.types))
    return f"every {rule.weekday}" + (": " + "; or ".join(parts) if parts else ": every open item")


# --------------------------------------------------------------------------- helpers


def _dedupe_per_day(raw: pa.Table, tz: str) -> pa.Table:
    """One touch per (item, local calendar day): the earliest, ties by kind order then detail.

    Sorted with numpy on integer codes (item and detail ranks, day, timestamp, kind), which is
    several times faster than a multi-key sort on the strings themselves.
    """
    raw = raw.combine_chunks()
    day = local_dates(raw.column("ts"), tz)
    if raw.num_rows == 0:
        return (
            raw.append_column("meeting_date", day)
            .select(STEERING_TOUCHES.names)
            .cast(STEERING_TOUCHES)
        )
    item_rank = _sort_rank(raw.column("item"))
    detail_rank = _sort_rank(raw.column("detail"))
    kind_rank = pc.index_in(raw.column("kind"), value_set=pa.array(KINDS)).to_numpy()
    day_num = day.cast(pa.int32()).to_numpy(zero_copy_only=False).astype(np.int64)
    ts_num = raw.column("ts").cast(pa.int64()).to_numpy(zero_copy_only=False)
    group = item_rank * (day_num.max() - day_num.min() + 1) + (day_num - day_num.min())
    tie = kind_rank.astype(np.int64) * (detail_rank.max() + 1) + detail_rank
    order = np.lexsort((tie, ts_num, group))
    grouped = group[order]
    first = np.ones(len(order), dtype=bool)
    first[1:] = grouped[1:] != grouped[:-1]
    # within an item, days follow each other in time: (item, day) order is (item, ts) order
    keep = pa.array(order[first])
    touches = raw.take(keep).append_column("meeting_date", day.take(keep))
    return touches.select(STEERING_TOUCHES.names).cast(STEERING_TOUCHES)


def _sort_rank(values: pa.ChunkedArray | pa.Array) -> np.ndarray:
    """Integer codes whose order is the values' sort order (nulls last)."""
    encoded = pc.dictionary_encode(_one_chunk(values))
    dictionary = encoded.dictionary
    position = np.empty(len(dictionary), dtype=np.int64)
    position[pc.sort_indices(dictionary).to_numpy()] = np.arange(len(dictionary))
    indices = encoded.indices.to_numpy(zero_copy_only=False)
    if encoded.indices.null_count:
        nulls = pc.is_null(encoded.indices).to_numpy(zero_copy_only=False)
        indices = np.where(nulls, 0, indices).astype(np.int64)
        return np.where(nulls, len(dictionary), position[indices] if len(dictionary) else 0)
    return position[indices.astype(np.int64)]


def _regex_any(values: pa.ChunkedArray | pa.Array, patterns: list[str]) -> pa.ChunkedArray:
    """Whether each value matches any of ``patterns`` (null: no).

    When values repeat (a log has a few dozen statuses but millions of status events) the
    patterns run over the distinct values only, and map back by value."""
    distinct = pc.unique(values)
    repeated = len(distinct) * 2 < len(values)
    target = distinct if repeated else values
    mask = None
    for pattern in patterns:
        try:
            hit = pc.match_substring_regex(target, pattern)
        except (pa.ArrowInvalid, NotImplementedError):
            # RE2 rejects some Python syntax (look-arounds, back-references): Python's re then.
            compiled = re.compile(pattern)
            matched = [v for v in distinct.to_pylist() if v is not None and compiled.search(v)]
            hit = pc.is_in(target, value_set=pa.array(matched, pa.string()))
        hit = pc.fill_null(hit, False)
        mask = hit if mask is None else pc.or_(mask, hit)
    if repeated:
        mask = pc.fill_null(pc.is_in(values, value_set=distinct.filter(mask)), False)
    return mask


def _raw(item: object, ts: object, kind: str, detail: object) -> pa.Table:
    item_arr, ts_arr = _one_chunk(item), _one_chunk(ts)
    n = len(item_arr)
    kinds = pa.repeat(pa.scalar(kind, pa.string()), n)
    details = pa.repeat(pa.scalar(detail, pa.string()), n) if isinstance(detail, str) else detail
    return pa.Table.from_arrays([item_arr, ts_arr, kinds, _one_chunk(details)], schema=_RAW)


def _one_chunk(values: object) -> pa.Array:
    if isinstance(values, pa.ChunkedArray):
        return values.combine_chunks() if values.num_chunks else pa.array([], values.type)
    return values


def _query(sql: str, schema: pa.Schema, **tables: pa.Table) -> pa.Table:
    """``sql`` over the Arrow ``tables`` on a fresh DuckDB connection."""
    con = _connect()
    try:
        for name, table in tables.items():
            con.register(name, table)
        return con.sql(sql).to_arrow_table().cast(schema)
    finally:
        con.close()


def _connect() -> duckdb.DuckDBPyConnection:
    con = duckdb.connect()
    con.execute("SET TimeZone = 'UTC'")
    return con


def _timezone(config: Config) -> str:
    return config.calendar.timezone if config.calendar is not None else "UTC"


def _dates(arr: pa.Array) -> np.ndarray:
    return arr.to_numpy(zero_copy_only=False).astype("datetime64[D]")


def _day_of(moment: datetime, tz: str) -> np.datetime64:
    ts = pa.array([moment], pa.timestamp("us", tz="UTC"))
    return _dates(local_dates(ts, tz))[0]


def _parse_day(text: str) -> date | None:
    try:
        if len(text) > 10:
            return datetime.fromisoformat(text).date()
        return date.fromisoformat(text)
    except ValueError:
        return None
