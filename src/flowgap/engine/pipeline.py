"""The orchestrator: canonical tables -> every analysis table -> :class:`Analysis`.

Order (like staging -> intermediate -> final): status classes, event groups, segments, item
windows, timeline; then stints, items, stages, teams, handoffs, daily; then steering,
calendar, mining, summary and findings from their own modules.
"""

from __future__ import annotations

from datetime import UTC, datetime

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from ..config import Config
from ..model import Finding, LoadResult
from . import daily as daily_mod
from . import handoffs as handoffs_mod
from . import items as items_mod
from . import stages as stages_mod
from . import stints as stints_mod
from . import teams as teams_mod
from . import timeline as tl_mod
from .analysis import Analysis
from .backend import US, Backend, conform, connect, to_us
from .schemas import (
    HANDOFF_EVENTS,
    ITEMS,
    STINTS,
    TABLES,
    TIMELINE,
)
from .status_classes import build_status_classes, class_map
from .summary import iso


def resolve_as_of(result: LoadResult, config: Config) -> datetime:
    """``[flow] as_of`` (naive means UTC), else the latest timestamp of any event, else the
    latest ``created``/``resolved`` of the items."""
    if config.flow.as_of is not None:
        as_of = config.flow.as_of
        return as_of.replace(tzinfo=UTC) if as_of.tzinfo is None else as_of.astimezone(UTC)
    if result.events.num_rows:
        return pc.max(result.events.column("ts")).as_py().astimezone(UTC)
    # No events (an input without history): the latest date the items carry.
    candidates = []
    for name in ("created", "resolved"):
        if result.items.num_rows and name in result.items.column_names:
            value = pc.max(result.items.column(name)).as_py()
            if value is not None:
                candidates.append(value)
    if not candidates:
        return datetime(1970, 1, 1, tzinfo=UTC)
    return max(candidates).astimezone(UTC)


#: An ``as_of`` further than this after the last event is worth a word: open items keep
#: waiting until then, which may not be what was meant.
AS_OF_GAP_DAYS = 7


def as_of_warnings(result: LoadResult, config: Config, as_of: datetime) -> list[Finding]:
    """A given ``as_of`` before the first event, or long after the last one (without
    history: the first creation and the last creation or resolution)."""
    if config.flow.as_of is None:
        return []
    if result.events.num_rows:
        ts = result.events.column("ts")
        first, last = pc.min(ts).as_py(), pc.max(ts).as_py()
    elif result.items.num_rows:
        items = result.items
        first = pc.min(items.column("created")).as_py()
        last = max(
            (v for v in (pc.max(items.column(c)).as_py() for c in ("created", "resolved")) if v),
            default=None,
        )
    else:
        return []
    if first is None or last is None:
        return []
    when = iso(as_of)
    if as_of < first:
        return [
            Finding(
                kind="as_of_before_data",
                message=(
                    f"as_of {when} is before the first event ({iso(first)}): no item existed "
                    "yet, so nothing is measured"
                ),
            )
        ]
    gap = (as_of - last).total_seconds() / 86_400
    if gap > AS_OF_GAP_DAYS:
        return [
            Finding(
                kind="as_of_after_data",
                message=(
                    f"as_of {when} is {gap:,.0f} days after the last event ({iso(last)}): open "
                    "items count as waiting (or working) until then"
                ),
            )
        ]
    return []


def run(result: LoadResult, config: Config, engine: str = "duckdb") -> Analysis:
    """Compute every table of :mod:`flowgap.engine.schemas` for a loaded log."""
    as_of = resolve_as_of(result, config)
    as_of_us = _us(as_of)
    status_classes = build_status_classes(result, config)
    if not result.has_history:
        tables = _without_history(result, as_of_us)
    else:
        backend = connect(engine)
        try:
            tables = _with_history(backend, result, config, status_classes, as_of, as_of_us)
        finally:
            backend.close()
    tables["status_classes"] = status_classes
    _steering(tables, result, config, as_of)
    _mining(tables)
    summary = _summary(tables, config, as_of, result)
    findings = _findings(summary, tables, config)
    return Analysis(
        config=config,
        as_of=as_of,
        engine=engine,
        has_history=result.has_history,
        inputs=result.inputs,
        warnings=[
            *result.warnings,
            *as_of_warnings(result, config, as_of),
            *tables.pop("_warnings", []),
        ],
        rejects=len(result.rejects),
        summary=summary,
        findings=findings,
        ping_pong_cycles=tables.pop("_ping_pong_cycles", []),
        **{name: tables[name] for name in TABLES},
    )


def _us(moment: datetime) -> int:
    delta = moment - datetime(1970, 1, 1, tzinfo=UTC)
    return (delta.days * 86_400 + delta.seconds) * US + delta.microseconds


def _created(result: LoadResult, names: pa.Array) -> pa.Table:
    """item code -> created (int us): the items table's value, else the item's first event
    (only items with events: the engine reads no other)."""
    first = result.events.group_by("item").aggregate([("ts", "min")])
    first = pa.table({"item": first.column("item"), "t": to_us(first.column("ts_min"))})
    items = result.items
    if items.num_rows:
        known = pa.table({"item": items.column("item"), "c": to_us(items.column("created"))})
        first = first.join(known, "item", join_type="left outer")
        created = pc.coalesce(first.column("c"), first.column("t"))
    else:
        created = first.column("t")
    codes = pc.index_in(first.column("item"), value_set=names).cast(pa.int64())
    return pa.table({"item": codes, "created": created})


def _item_codes(items: pa.ChunkedArray) -> tuple[pa.Array, pa.Array]:
    """(codes, names): every item as an int64 code into ``names``, sorted, so that the
    engine's partitions and joins run on integers and an order by code is the order by name."""
    names = pc.unique(items)
    names = names.take(pc.sort_indices(names))
    return pc.index_in(items, value_set=names).cast(pa.int64()), names


def _value_codes(field: pa.ChunkedArray, value: pa.ChunkedArray) -> tuple[pa.Array, pa.Array]:
    """(codes, values): the values of change-point events as int64 codes into ``values``
    (null for other events and for cleared values)."""
    is_cp = pc.is_in(field, value_set=pa.array(tl_mod.CHANGE_FIELDS))
    cp_values = pc.if_else(is_cp, value, pa.scalar(None, pa.string()))
    values = pc.drop_null(pc.unique(cp_values.combine_chunks()))
    return pc.index_in(cp_values, value_set=values).cast(pa.int64()), values


def _decode_items(table: pa.Table, names: pa.Array) -> pa.Table:
    """The int item codes of an engine result back to item keys."""
    i = table.schema.get_field_index("item")
    return table.set_column(i, "item", names.take(table.column(i)))


def _with_history(
    be: Backend,
    result: LoadResult,
    config: Config,
    status_classes: pa.Table,
    as_of: datetime,
    as_of_us: int,
) -> dict[str, pa.Table]:
    t = to_us(result.events.column("ts"))
    raw = result.events.select(["item", "seq", "field", "value"]).append_column("t", t)
    del t
    if raw.num_rows and pc.max(raw.column("t")).as_py() > as_of_us:
        raw = raw.filter(pc.less_equal(raw.column("t"), as_of_us))
    item_codes, names = _item_codes(raw.column("item"))
    vcodes, values = _value_codes(raw.column("field"), raw.column("value"))
    ev_arrow = pa.table(
        {
            "item": item_codes,
            "t": raw.column("t"),
            "seq": raw.column("seq"),
            "field": raw.column("field"),
            "value": raw.column("value"),
            "vcode": vcodes,
        }
    )
    del raw, item_codes, vcodes
    classes = class_map(status_classes)
    stall = config.flow.stall_after_s
    stall_us = None if stall is None else round(stall * US)

    ev = be.register("events", ev_arrow)
    created = be.register("created", _created(result, names))
    value_table = be.register(
        "values", pa.table({"code": pa.array(range(len(values)), pa.int64()), "value": values})
    )
    # Every event is only needed to cut touch after stall_after (and for its working time).
    evg = be.materialize("evg", tl_mod.event_groups(ev)) if stall_us is not None else None
    seg = be.materialize(
        "segments",
        tl_mod.segments(
            ev,
            value_table,
            n_values=len(values),
            as_of=as_of_us,
            classes=classes,
            blocked_statuses=config.statuses.blocked,
            flagged_is_blocked=config.flow.flagged_is_blocked,
            team_sources=list(config.teams.source),
            status_map=config.teams.status_map,
            assignee_map=config.teams.assignee_map,
        ),
    )
    windows = be.materialize(
        "windows",
        tl_mod.item_windows(seg, created, as_of=as_of_us, flow_window=config.flow.flow_window),
    )
    tl = be.materialize(
        "timeline", tl_mod.timeline(seg, windows, evg, as_of=as_of_us, stall_us=stall_us)
    )
    st = be.materialize("stints", stints_mod.stints(tl))
    rw = items_mod.rework(
        ev,
        order=config.statuses.order,
        classes=classes,
        codes={value: code for code, value in enumerate(values.to_pylist())},
    )

    timeline = _timeline_table(be.to_arrow(tl.select(*_TIMELINE_COLUMNS)), names)
    # Sorting by item code is sorting by item (the codes follow the sorted names).
    stints_raw = be.to_arrow(st).sort_by([("item", "ascending"), ("stint", "ascending")])
    stints_raw = _decode_items(stints_raw, names)
    # A stint queues from its start to its first touch moment (all of it when untouched).
    stints_raw = stints_raw.append_column(
        "queue",
        pc.subtract(
            pc.coalesce(stints_raw.column("first_touch"), stints_raw.column("end")),
            stints_raw.column("start"),
        ),
    )
    stints = _stints_table(stints_raw)
    metrics = be.to_arrow(items_mod.item_metrics(windows, tl, st, rw)).sort_by("item")
    metrics = _decode_items(metrics, names)
    h_raw = be.to_arrow(stints_mod.handoff_events(st)).sort_by(
        [("item", "ascending"), ("ts", "ascending")]
    )
    h_raw = _decode_items(h_raw, names)
    # Item codes stay: the stages only count items.
    visits = be.to_arrow(stages_mod.visits(tl))
    waits = be.to_arrow(teams_mod.team_wait(tl))
    seg_days = be.to_arrow(daily_mod.segment_days(tl, as_of=as_of_us))
    working = None
    if config.calendar is not None:
        pieces = be.to_arrow(tl_mod.touch_pieces(tl, evg, as_of=as_of_us, stall_us=stall_us))
        pieces = _decode_items(pieces, names)
        working = _working_time(metrics, pieces, config)

    canon = result.items
    items = items_mod.assemble_items(
        canon,
        _all_items(metrics, canon, as_of_us),
        as_of=as_of,
        as_of_us=as_of_us,
        paths=items_mod.team_paths(stints_raw),
        steering={},
        working=working,
    )
    # All waiting inside windows: the denominator of both stage and team wait shares.
    total_wait_us = int(pc.sum(visits.column("wait")).as_py() or 0) if visits.num_rows else 0
    first_day = _first_day(timeline, as_of_us)
    return {
        "timeline": timeline,
        "stints": stints,
        "items": items,
        "stages": stages_mod.build_stages(visits, status_classes, as_of_us=as_of_us),
        "teams": teams_mod.build_teams(
            stints_raw,
            waits,
            h_raw,
            total_wait_us=total_wait_us,
        ),
        "handoffs": handoffs_mod.build_handoffs(h_raw),
        "handoff_events": conform(
            h_raw.rename_columns(["wait_s" if c == "wait" else c for c in h_raw.column_names]),
            HANDOFF_EVENTS,
        ),
        "daily": daily_mod.build_daily(
            seg_days, _timeline_statuses(timeline), first_day=first_day, as_of_us=as_of_us
        ),
        "daily_totals": daily_mod.build_daily_totals(items, first_day=first_day, as_of_us=as_of_us),
        "weekly": daily_mod.build_weekly(items, first_day=first_day, as_of_us=as_of_us),
    }


def _all_items(metrics: pa.Table, canon: pa.Table, as_of_us: int) -> pa.Table:
    """Engine metrics for every item that exists at as_of, including items without a
    timeline segment (items created after as_of are not part of the analysis)."""
    if canon.num_rows == 0:
        return metrics
    created = to_us(canon.column("created"))
    missing = canon.filter(
        pc.and_(
            pc.invert(pc.is_in(canon.column("item"), value_set=metrics.column("item"))),
            pc.fill_null(pc.less_equal(created, as_of_us), True),
        )
    )
    if missing.num_rows == 0:
        return metrics
    extra = {
        name: pa.nulls(missing.num_rows, metrics.schema.field(name).type)
        for name in metrics.column_names
    }
    extra["item"] = missing.column("item").combine_chunks()
    extra["created"] = to_us(missing.column("created"))
    return pa.concat_tables([metrics, pa.table(extra, schema=metrics.schema)]).sort_by("item")


def _timeline_statuses(timeline: pa.Table) -> dict[str, str]:
    pairs = timeline.group_by(["status", "class"]).aggregate([])
    return dict(
        zip(pairs.column("status").to_pylist(), pairs.column("class").to_pylist(), strict=True)
    )


def _first_day(timeline: pa.Table, as_of_us: int) -> int:
    if timeline.num_rows == 0:  # nothing to count: the daily tables stay empty
        return as_of_us // daily_mod.DAY_US + 1
    return int(to_us(timeline.column("start")).to_numpy().min()) // daily_mod.DAY_US


# The engine columns the TIMELINE table is made of (only these leave the engine).
_TIMELINE_COLUMNS = (
    "item", "seg", "status", "cls", "team", "assignee", "flagged", "blocked",
    "start", "end", "duration", "in_window", "touch", "wait",
)  # fmt: skip


def _timeline_table(raw: pa.Table, names: pa.Array) -> pa.Table:
    raw = _decode_items(raw.sort_by([("item", "ascending"), ("seg", "ascending")]), names)
    renamed = {
        "class": raw.column("cls"),
        "duration_s": raw.column("duration"),
        "in_window_s": raw.column("in_window"),
        "touch_s": raw.column("touch"),
        "wait_s": raw.column("wait"),
    }
    cols = {
        f.name: renamed.get(f.name, raw.column(f.name) if f.name in raw.column_names else None)
        for f in TIMELINE
    }
    return conform(pa.table(cols), TIMELINE)


def _stints_table(raw: pa.Table) -> pa.Table:
    duration = pc.subtract(raw.column("end"), raw.column("start"))
    queue = raw.column("queue")
    cols = {
        "item": raw.column("item"),
        "stint": raw.column("stint"),
        "team": raw.column("team"),
        "prev_team": raw.column("prev_team"),
        "start": raw.column("start"),
        "end": raw.column("end"),
        "duration_s": duration,
        "touch_s": raw.column("touch"),
        "queue_s": queue,
    }
    return conform(pa.table(cols), STINTS)


def _without_history(result: LoadResult, as_of_us: int) -> dict[str, pa.Table]:
    """Jira UI CSV: lead time from created/resolved only; every flow table empty.

    Like the flow analysis, nothing after ``as_of`` counts: an item created later does not
    exist yet, and one resolved later was still open (its status then is unknown)."""
    canon = result.items
    if canon.num_rows:
        born = pc.fill_null(pc.less_equal(to_us(canon.column("created")), as_of_us), True)
        canon = canon.filter(born)
        later = pc.fill_null(pc.greater(to_us(canon.column("resolved")), as_of_us), False)
        if pc.any(later).as_py():
            for name in ("resolved", "current_status"):
                i = canon.schema.get_field_index(name)
                col = canon.column(i)
                canon = canon.set_column(
                    i, canon.schema.field(i), pc.if_else(later, pa.scalar(None, col.type), col)
                )
    n = canon.num_rows
    created = to_us(canon.column("created")) if n else pa.array([], pa.int64())
    resolved = to_us(canon.column("resolved")) if n else pa.array([], pa.int64())
    null_i = pa.nulls(n, pa.int64())
    metrics = pa.table(
        {
            "item": canon.column("item").combine_chunks() if n else pa.array([], pa.string()),
            "committed": null_i,
            "last_status": pa.nulls(n, pa.string()),
            "last_class": pa.nulls(n, pa.string()),
            "created": created,
            "delivered": resolved,
            "ws": null_i,
            "we": null_i,
            "touch": null_i,
            "blocked": null_i,
            "stints": null_i,
            "teams_visited": null_i,
            "rework": null_i,
        }
    )
    items = items_mod.assemble_items(
        canon,
        metrics,
        as_of=None,
        as_of_us=as_of_us,
        paths={},
        steering={},
        working=None,
        has_history=False,
    )
    # Without history nothing is measured beyond lead time: these are unknown, not zero.
    for name in ("handoffs", "teams_visited", "rework"):
        i = items.schema.get_field_index(name)
        items = items.set_column(i, ITEMS.field(name), pa.nulls(n, pa.int64()))
    tables = {name: schema.empty_table() for name, schema in TABLES.items()}
    tables["items"] = items
    return tables


def _working_time(metrics: pa.Table, pieces: pa.Table, config: Config) -> dict[str, np.ndarray]:
    """touch/wait/window in working time (calendar module), per item in ``metrics`` order."""
    from .calendar import working_seconds

    keys = metrics.column("item")
    n = len(keys)
    ws = metrics.column("ws").cast(pa.int64())
    we = metrics.column("we").cast(pa.int64())
    has = np.asarray(ws.is_valid())
    window = np.full(n, np.nan)
    if has.any():
        a = np.asarray(ws.filter(ws.is_valid())).astype("datetime64[us]")
        b = np.asarray(we.filter(ws.is_valid())).astype("datetime64[us]")
        window[has] = working_seconds(a, b, config.calendar)
    touch = np.zeros(n)
    if pieces.num_rows:
        idx = np.asarray(pc.index_in(pieces.column("item"), value_set=keys))
        a = np.asarray(pieces.column("a")).astype("datetime64[us]")
        b = np.asarray(pieces.column("b")).astype("datetime64[us]")
        touch = np.bincount(idx, weights=working_seconds(a, b, config.calendar), minlength=n)
    touch = np.where(has, touch, np.nan)
    with np.errstate(invalid="ignore", divide="ignore"):
        fe = np.where(window > 0, touch / np.where(window > 0, window, 1), np.nan)
    return {
        "touch_work_s": touch,
        "wait_work_s": window - touch,
        "window_work_s": window,
        "flow_efficiency_work": fe,
    }


# ------------------------------------------------------------ modules of other layers


def _steering(tables: dict, result: LoadResult, config: Config, as_of: datetime) -> None:
    from . import steering

    touches = steering.steering_touches(
        result.events, result.items, tables["timeline"], config, as_of
    )
    tables["steering_touches"] = touches
    tables["_warnings"] = steering.steering_warnings(touches, config)
    tables["steering_meetings"] = steering.steering_meetings(touches, config)
    items = tables["items"]
    if touches.num_rows and items.num_rows:
        vc = pc.value_counts(touches.column("item"))
        counts = dict(
            zip(vc.field("values").to_pylist(), vc.field("counts").to_pylist(), strict=True)
        )
        col = pa.array([counts.get(k, 0) for k in items.column("item").to_pylist()], pa.int64())
        i = items.schema.get_field_index("steering_touches")
        tables["items"] = items = items.set_column(i, ITEMS.field("steering_touches"), col)
    tables["steering_comparison"] = steering.steering_comparison(items, touches)


def _mining(tables: dict) -> None:
    from ..mining import mine

    mined = mine(tables["timeline"], tables["stints"])
    tables["status_map"] = mined.status_map
    tables["handoff_graph"] = mined.handoff_graph
    tables["team_centrality"] = mined.team_centrality
    tables["_ping_pong_cycles"] = list(mined.ping_pong_cycles)


def _summary(tables: dict, config: Config, as_of: datetime, result: LoadResult) -> dict:
    from .summary import build_summary

    return build_summary(
        {name: tables[name] for name in TABLES},
        config=config,
        as_of=as_of,
        has_history=result.has_history,
        events=result.events.num_rows,
        records=records_of(result.inputs),
    )


def records_of(inputs: list) -> tuple[int, int]:
    """(records read, records rejected) over every input."""
    return (sum(i.records_read for i in inputs), sum(i.records_rejected for i in inputs))


def _findings(summary: dict, tables: dict, config: Config) -> list[dict]:
    from .findings import build_findings

    return build_findings(summary, {name: tables[name] for name in TABLES}, config)
