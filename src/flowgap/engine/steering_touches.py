"""Steering-committee touches: when an item was looked at by a steering committee.

Five kinds of touch (DESIGN section 5), each as configured in ``[steering]``:

- ``status``: entering a status that matches one of the ``statuses`` regexes;
- ``label``: one of the ``labels`` added;
- ``comment``: a comment matching ``comment_pattern``;
- ``meeting``: a row of the ``meetings_file`` (``date,items``);
- ``recurring``: a weekly rule; on each such weekday every committed, undelivered item that
  matches the rule's condition is reviewed.

The scan of the events for the first three kinds runs on the analysis' backend (Ibis: DuckDB
or Spark); what it finds is small (a few signals per item), and the rest runs on it in Arrow.
An item discussed in one meeting counts once however many signals that day carries: touches
are de-duplicated per (item, local calendar day), keeping the earliest signal.
"""

from __future__ import annotations

import csv
import json
import re
from collections.abc import Callable
from datetime import date, datetime
from pathlib import Path

import ibis
import ibis.expr.types as ir
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from ..config import Config, RecurringMeeting
from ..errors import ConfigError, InputError, quoted
from ..model import STR, TS
from .backend import Backend
from .calendar import WEEKDAYS, day_start_utc, local_dates
from .coded_events import CodedEvents
from .runner import PerItem, RunContext

STEERING_TOUCHES = pa.schema(
    [
        ("item", pa.string()),
        ("ts", TS),
        ("meeting_date", pa.date32()),
        ("kind", STR),  # status | label | comment | meeting | recurring
        ("detail", STR),
    ]
)


#: Order in which kinds win when two signals of one item share the same timestamp.
KINDS = ("status", "label", "comment", "meeting", "recurring")
#: Schema metadata key of ``steering_touches``: meeting-file keys not found in the data.
UNKNOWN_KEY = b"flowgap.unknown_meeting_items"
_DETAIL_CHARS = 120
_SPLIT_KEYS = re.compile(r"[\s,;]+")
#: A meetings file lists a few hundred meetings; past this it is not one (a device, a log).
MEETINGS_FILE_LIMIT = 10 * 1024 * 1024
_LINE_BREAK = re.compile(r"\r\n|\r|\n")

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
    """The touches of canonical ``events`` and a ``TIMELINE`` table, on a DuckDB of their own
    (the engine's step runs the same scan on the analysis' backend)."""
    from .backend import connect, to_us

    events = events.select(["item", "ts", "field", "value"])
    as_of_us = int(pa.scalar(as_of, TS).cast(pa.int64()).as_py())
    t = to_us(events.column("ts"))
    coded = pa.table(
        {
            "item": events.column("item"),
            "t": t,
            "field": events.column("field"),
            "value": events.column("value"),
        }
    ).filter(pc.less_equal(t, as_of_us))
    first_t = pc.min(coded.column("t")).as_py() if coded.num_rows else None
    be = connect("duckdb")
    try:
        return touches(
            be,
            be.register("events", coded),
            _spans(be, timeline, items, as_of) if config.steering.recurring else None,
            items,
            config,
            as_of,
            first_t=first_t,
        )
    finally:
        be.close()


def _spans(be: Backend, timeline: pa.Table, items: pa.Table, as_of: datetime) -> ir.Table | None:
    """The engine's item windows (commitment and delivery) of a ``TIMELINE`` table."""
    from .backend import to_us
    from .timeline import item_windows

    if timeline.num_rows == 0:
        return None
    tl = timeline.sort_by([("item", "ascending"), ("seg", "ascending")])
    item = tl.column("item").combine_chunks()
    cls = tl.column("class").combine_chunks()
    same_as_next = np.zeros(tl.num_rows, dtype=bool)
    same_as_next[:-1] = pc.equal(item[1:], item[:-1]).to_numpy(zero_copy_only=False)
    first = np.ones(tl.num_rows, dtype=bool)
    first[1:] = ~same_as_next[:-1]
    prev_class = pa.array(np.concatenate([[None], cls.to_pylist()[:-1]]), pa.string())
    segments = pa.table(
        {
            "item": item,
            "status": tl.column("status"),
            "cls": cls,
            "start": to_us(tl.column("start")),
            "prev_class": pc.if_else(pa.array(first), pa.scalar(None, pa.string()), prev_class),
            "is_last": pa.array(~same_as_next),
        }
    )
    created = pa.table({"item": items.column("item"), "created": to_us(items.column("created"))})
    as_of_us = int(pa.scalar(as_of, TS).cast(pa.int64()).as_py())
    windows = item_windows(
        be.register("segments", segments),
        be.register("created", created),
        as_of=as_of_us,
        flow_window="commitment",
    )
    return windows.select("item", "committed", "delivered")


def touches(
    be: Backend,
    events: ir.Table,
    spans: ir.Table | None,
    items: pa.Table,
    config: Config,
    as_of: datetime,
    *,
    first_t: int | None,
    decode: Callable[[pa.Table], pa.Table] = lambda table: table,
) -> pa.Table:
    """Every steering touch, one per (item, calendar day), ordered by item and time.

    ``events`` (item, t, field, value: nothing after ``as_of``) and ``spans`` (item,
    committed, delivered: the engine's item windows, which the recurring rules read) are
    tables of ``be``; ``decode`` turns their item column into keys. Like the
    rest of the analysis, nothing after ``as_of`` counts: neither signals after it nor items
    created after it."""
    steering = config.steering
    tz = _timezone(config)
    as_of_ts = pa.scalar(as_of, TS)
    if items.num_rows and "created" in items.column_names:
        created = items.column("created")
        items = items.filter(pc.or_kleene(pc.is_null(created), pc.less_equal(created, as_of_ts)))
    parts: list[pa.Table] = []
    unknown: list[str] = []
    scans = _event_scans(events, config)
    if scans is not None:
        parts.append(_collect(be.to_arrow(scans), decode))
    if steering.meetings_file is not None:
        table, unknown = _meeting_touches(steering.meetings_file, items, tz, config)
        parts.append(table)
    if steering.recurring and spans is not None:
        known = decode(be.to_arrow(spans))
        for rule in steering.recurring:
            parts.append(_recurring_touches(rule, items, known, tz, first_t, as_of))
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


# --------------------------------------------------------------------------- the event scans


def _event_scans(ev: ir.Table, config: Config) -> ir.Table | None:
    """item, t, kind, detail of the status, label and comment signals (None: none asked)."""
    steering = config.steering
    scans = []
    if steering.statuses:
        status = ev.filter(ev.field == "status", ev.value.notnull())
        status = status.filter(_matches(status.value, steering.statuses))
        scans.append(status.select("item", "t", kind=ibis.literal("status"), detail=status.value))
    if steering.labels:
        label = ev.filter(ev.field == "label", ev.value.isin(list(steering.labels)))
        scans.append(label.select("item", "t", kind=ibis.literal("label"), detail=label.value))
    if steering.comment_pattern:
        comment = ev.filter(ev.field == "comment", ev.value.notnull())
        comment = comment.filter(_matches(comment.value, [steering.comment_pattern]))
        # The whole text comes back (a few matching comments); it is cut in Arrow, whose
        # code-point slicing every backend then shares.
        scans.append(
            comment.select("item", "t", kind=ibis.literal("comment"), detail=comment.value)
        )
    if not scans:
        return None
    return ibis.union(*scans) if len(scans) > 1 else scans[0]


def _matches(value: ir.StringValue, patterns: list[str]) -> ir.BooleanValue:
    """Whether ``value`` matches any of ``patterns`` (a search, like ``re.search``).

    Patterns run in RE2 (DuckDB's engine: linear time whatever the pattern, so a pattern from
    a stranger's config cannot stall a shared server); the config refused every pattern RE2
    cannot run when it was read (``config.models.check_pattern``)."""
    hit = None
    for pattern in patterns:
        one = value.re_search(pattern)
        hit = one if hit is None else hit | one
    return hit


def _collect(found: pa.Table, decode: Callable[[pa.Table], pa.Table]) -> pa.Table:
    found = decode(found)
    detail = found.column("detail")
    is_comment = pc.equal(found.column("kind"), "comment")
    detail = pc.if_else(is_comment, pc.utf8_slice_codeunits(detail, 0, _DETAIL_CHARS), detail)
    ts = found.column("t").cast(pa.int64()).cast(TS)
    return pa.table(
        {"item": found.column("item"), "ts": ts, "kind": found.column("kind"), "detail": detail}
    ).cast(_RAW)


# --------------------------------------------------------------------------- meetings file


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
    path = Path(path)
    try:
        size = path.stat().st_size
        if not path.is_file():  # /dev/zero or a FIFO would be read without end
            raise InputError(path, "the meetings file is not a regular file")
        if size > MEETINGS_FILE_LIMIT:
            raise InputError(
                path, f"the meetings file is {size:,} bytes, over {MEETINGS_FILE_LIMIT:,}"
            )
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        where = config.source_path if config and config.source_path else "<config>"
        raise ConfigError(where, "steering.meetings_file", f"file not found: {path}") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(path, f"cannot read the meetings file: {exc}") from None
    if "\x00" in text:  # a binary or system file (/proc/self/environ): none of it is echoed
        raise InputError(path, "the meetings file is not a text CSV (it holds NUL characters)")
    rows: list[tuple[int, date, list[str]]] = []
    seen_data = False
    # Lines end at CR or LF only, as in every CSV flowgap reads (``str.splitlines`` would also
    # split inside a value at a vertical tab, \x85 or U+2028).
    for line, cells in enumerate(csv.reader(_LINE_BREAK.split(text)), start=1):
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
                path,
                # a date takes 10 characters: no more of a line than that is echoed
                f"bad date {quoted(cells[0], 20)} (expected YYYY-MM-DD)",
                record=f"line {line}",
            )
        keys = [k for k in _SPLIT_KEYS.split(" ".join(cells[1:])) if k]
        if not keys:
            raise InputError(path, "no item keys (expected date,items)", record=f"line {line}")
        rows.append((line, day, keys))
    return rows


# --------------------------------------------------------------------------- recurring rules


def _recurring_touches(
    rule: RecurringMeeting,
    items: pa.Table,
    spans: pa.Table,
    tz: str,
    first_t: int | None,
    as_of: datetime,
) -> pa.Table:
    """Each matching weekday between the data's first day and ``as_of``, each item committed
    by the end of that day and not delivered by then, that matches the rule, gets a touch."""
    open_items = _eligible_items(rule, items, _timestamps(spans))
    if open_items.num_rows == 0:
        return _RAW.empty_table()
    day = np.timedelta64(1, "D")
    committed = _dates(local_dates(open_items.column("committed"), tz))
    delivered = _dates(local_dates(open_items.column("delivered"), tz))
    lo = committed
    last = _day_of(as_of, tz)
    # np.minimum propagates NaT, so open items (no delivery) get the as_of day explicitly
    hi = np.where(np.isnat(delivered), last, np.minimum(delivered - day, last))
    if first_t is not None:
        first_ts = pa.scalar(first_t, pa.int64()).cast(TS).as_py()
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


def _eligible_items(rule: RecurringMeeting, items: pa.Table, spans: pa.Table) -> pa.Table:
    """The committed items matching the rule's condition (ANY of the configured ones), with
    their commitment and delivery, ordered by item."""
    spans = spans.filter(pc.is_valid(spans.column("committed"))).sort_by("item")
    # Arrow's join carries no list columns (labels): look the attributes up by position.
    at = pc.index_in(spans.column("item"), value_set=_one_chunk(items.column("item")))
    spans = spans.filter(pc.is_valid(at))
    attrs = items.select(["type", "priority", "labels"]).take(at.drop_null())
    joined = pa.table(
        {name: spans.column(name) for name in spans.column_names}
        | {name: attrs.column(name) for name in attrs.column_names}
    )
    if joined.num_rows == 0:
        return joined.select(["item", "committed", "delivered"])
    conditions = []
    if rule.labels_any:
        labels = joined.column("labels").combine_chunks()
        flat = pc.list_flatten(labels)
        parents = pc.list_parent_indices(labels)
        hit = pc.is_in(flat, value_set=pa.array(list(rule.labels_any), pa.string()))
        with_label = np.zeros(joined.num_rows, dtype=bool)
        with_label[parents.to_numpy()[hit.to_numpy(zero_copy_only=False)]] = True
        conditions.append(pa.array(with_label))
    if rule.priorities:
        allowed = pa.array(list(rule.priorities), pa.string())
        conditions.append(pc.is_in(joined.column("priority"), value_set=allowed))
    if rule.types:
        allowed = pa.array(list(rule.types), pa.string())
        conditions.append(pc.is_in(joined.column("type"), value_set=allowed))
    if conditions:
        mask = conditions[0]
        for more in conditions[1:]:
            mask = pc.or_(mask, more)
        joined = joined.filter(mask)
    return joined.select(["item", "committed", "delivered"])


def _describe(rule: RecurringMeeting) -> str:
    parts = []
    if rule.labels_any:
        parts.append("label " + " or ".join(rule.labels_any))
    if rule.priorities:
        parts.append("priority " + " or ".join(rule.priorities))
    if rule.types:
        parts.append("type " + " or ".join(rule.types))
    return f"every {rule.weekday}" + (": " + "; or ".join(parts) if parts else ": every open item")


def _timestamps(spans: pa.Table) -> pa.Table:
    return pa.table(
        {
            "item": spans.column("item"),
            "committed": spans.column("committed").cast(pa.int64()).cast(TS),
            "delivered": spans.column("delivered").cast(pa.int64()).cast(TS),
        }
    )


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


# --------------------------------------------------------------------------- the step


def _step(run: RunContext, coded_events: CodedEvents, windows: ir.Table) -> pa.Table:
    return touches(
        run.backend,  # type: ignore[arg-type]
        coded_events.events,
        windows.select("item", "committed", "delivered"),
        run.result.items,
        run.config,
        run.as_of,
        first_t=coded_events.first_t,
        decode=coded_events.decode_items,
    )


STEPS = [
    PerItem(
        "steering_touches",
        ("coded_events", "windows"),
        _step,
        empty=STEERING_TOUCHES,
        without_history=lambda run, coded_events, **_: touches(
            run.backend,  # type: ignore[arg-type]
            coded_events.events,
            None,
            run.result.items,
            run.config,
            run.as_of,
            first_t=coded_events.first_t,
            decode=coded_events.decode_items,
        ),
    )
]
