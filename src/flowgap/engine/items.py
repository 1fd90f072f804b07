"""Layer 3: one row per item: windows, touch, wait, blocked, handoffs, teams, rework.

``item_metrics`` aggregates in the engine (int64 microseconds); ``assemble_items`` joins the
result with the canonical item attributes and derives the ratios in Arrow.
"""

from __future__ import annotations

from datetime import datetime

import ibis
import ibis.expr.types as ir
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from ..model import INT, STR, TS, S
from .backend import Backend, seconds, to_us, ts_array
from .coded_events import CodedEvents
from .lookups import lookup
from .runner import PerItem, RunContext
from .timeline import touch_pieces

ITEMS = pa.schema(
    [
        ("item", pa.string()),
        ("project", STR),
        ("type", STR),
        ("priority", STR),
        ("summary", STR),
        ("labels", pa.list_(STR)),
        ("created", TS),
        ("committed", TS),  # first entry into wait or active
        ("delivered", TS),  # last entry into done (null while open)
        ("is_open", pa.bool_()),
        ("current_status", STR),
        ("current_class", STR),
        ("lead_time_s", S),  # created -> delivered
        ("cycle_time_s", S),  # committed -> delivered
        ("window_start", TS),
        ("window_end", TS),  # delivered, or as_of for open items
        ("window_s", S),
        ("touch_s", S),
        ("wait_s", S),
        ("blocked_s", S),
        ("flow_efficiency", S),  # touch / window; null when the window is empty
        ("handoffs", INT),
        ("teams_visited", INT),
        ("team_path", STR),  # "Dev > QA > Dev"
        ("rework", INT),
        ("steering_touches", INT),
        ("age_s", S),  # open items: as_of - committed (or created); null when delivered
        ("touch_work_s", S),
        ("wait_work_s", S),
        ("window_work_s", S),
        ("flow_efficiency_work", S),
    ]
)


def rework(
    ev: ir.Table,
    *,
    order: list[str],
    classes: dict[str, str],
    codes: dict[str, int],
    be: Backend,
) -> ir.Table:
    """item, rework: status moves to an earlier status.

    With ``statuses.order``: a move to a status earlier in that list. Without: a move from
    done back to a non-done status, or from wait/active back to backlog. ``ev`` carries
    ``vcode``, the code of each value in ``codes`` (value -> code): the window and the
    comparisons run on integers.
    """
    st = ev.filter(ev.field == "status", ev.vcode.notnull())
    prev = st.vcode.lag().over(ibis.window(group_by=st.item, order_by=[st.t, st.seq]))
    st = st.mutate(prev=prev)
    if order:
        rank = {codes[name]: i for i, name in enumerate(order) if name in codes}
        ranks = lookup(be, "order", rank, pa.int64(), pa.int64())
        st = ranks.apply(st, "vcode", "_new", ibis.null("int64"))
        st = ranks.apply(st, "prev", "_old", ibis.null("int64"))
        # vcode is never null here: the & keeps ``back`` a column even when no status of the
        # order is in the data (the substitutions are then constants).
        back = st.vcode.notnull() & ibis.coalesce(st._new < st._old, False)
    else:
        by_code = {codes[name]: cls for name, cls in classes.items() if name in codes}
        code_classes = lookup(be, "code_classes", by_code, pa.int64(), pa.string())
        st = code_classes.apply(st, "vcode", "_new", ibis.literal("wait"))
        st = code_classes.apply(st, "prev", "_old", ibis.literal("wait"))
        new_c, old_c = st._new, st._old
        back = st.prev.notnull() & (
            ((old_c == "done") & (new_c != "done"))
            | (old_c.isin(["wait", "active"]) & (new_c == "backlog"))
        )
    return st.group_by("item").aggregate(rework=back.cast("int64").sum().cast("int64"))


def item_metrics(windows: ir.Table, tl: ir.Table, st: ir.Table, rw: ir.Table) -> ir.Table:
    sums = tl.group_by("item").aggregate(
        touch=tl.touch.sum().cast("int64"),
        blocked=ibis.ifelse(tl.blocked, tl.in_window, 0).sum().cast("int64"),
    )
    teams = st.group_by("item").aggregate(
        stints=st.count().cast("int64").cast("int64"), teams_visited=st.team.nunique().cast("int64")
    )
    j = windows.left_join(sums, "item")
    j = j.select([c for c in j.columns if not c.endswith("_right")])
    j = j.left_join(teams, "item")
    j = j.select([c for c in j.columns if not c.endswith("_right")])
    j = j.left_join(rw, "item")
    return j.select([c for c in j.columns if not c.endswith("_right")])


def team_paths(stints: pa.Table) -> dict[str, str]:
    """item -> "Dev > QA > Dev" from a stints Arrow table sorted by item, stint."""
    if stints.num_rows == 0:
        return {}
    grouped = (
        stints.select(["item", "team"])
        .group_by("item", use_threads=False)
        .aggregate([("team", "list")])
    )
    joined = pc.binary_join(grouped.column("team_list"), " > ")
    return dict(zip(grouped.column("item").to_pylist(), joined.to_pylist(), strict=True))


def assemble_items(
    canon: pa.Table,
    metrics: pa.Table,
    *,
    as_of: datetime,
    as_of_us: int,
    paths: dict[str, str],
    steering: dict[str, int],
    working: dict[str, np.ndarray] | None,
    has_history: bool = True,
) -> pa.Table:
    """The ITEMS table: canonical attributes + engine metrics + derived ratios."""
    keys = metrics.column("item")
    idx = pc.index_in(keys, value_set=canon.column("item"))
    attrs = canon.take(idx) if canon.num_rows else None

    def attr(name: str) -> pa.Array:
        if attrs is None or name not in attrs.column_names:
            return pa.nulls(len(keys), ITEMS.field(name).type)
        return attrs.column(name).combine_chunks().cast(ITEMS.field(name).type)

    n = len(keys)

    def i64(name: str) -> np.ndarray:
        col = metrics.column(name)
        return np.asarray(col.fill_null(0).to_numpy(zero_copy_only=False), dtype=np.int64)

    def mask(name: str) -> np.ndarray:
        return np.asarray(metrics.column(name).is_null().to_numpy(zero_copy_only=False))

    created, committed, delivered = i64("created"), i64("committed"), i64("delivered")
    no_created, no_commit, no_deliv = mask("created"), mask("committed"), mask("delivered")
    no_ws = mask("ws")
    ws, we = i64("ws"), i64("we")
    window = np.where(no_ws, 0, we - ws)
    touch = i64("touch")
    blocked = i64("blocked")
    lead = pa.array(seconds(i64("delivered") - i64("created")), mask=no_deliv | no_created)
    cycle = pa.array(seconds(i64("delivered") - i64("committed")), mask=no_deliv | no_commit)
    has_window = ~no_ws & (window > 0)
    fe = pa.array(
        np.divide(touch, np.where(has_window, window, 1), dtype=np.float64), mask=~has_window
    )
    age_from = np.where(no_commit, i64("created"), i64("committed"))
    age = pa.array(seconds(as_of_us - age_from), mask=~no_deliv | (no_commit & no_created))
    stints = i64("stints")
    item_list = keys.to_pylist()
    cols: dict[str, pa.Array] = {
        "item": keys,
        "project": attr("project"),
        "type": attr("type"),
        "priority": attr("priority"),
        "summary": attr("summary"),
        "labels": attr("labels"),
        "created": ts_array(created, no_created),
        "committed": ts_array(committed, no_commit),
        "delivered": ts_array(delivered, no_deliv),
        "is_open": pa.array(no_deliv),
        "current_status": pc.coalesce(metrics.column("last_status"), attr("current_status")),
        "current_class": metrics.column("last_class"),
        "lead_time_s": lead,
        "cycle_time_s": cycle,
        "window_start": ts_array(ws, no_ws),
        "window_end": ts_array(we, no_ws),
        "window_s": pa.array(seconds(window), mask=no_ws),
        "touch_s": pa.array(seconds(touch), mask=no_ws),
        "wait_s": pa.array(seconds(window - touch), mask=no_ws),
        "blocked_s": pa.array(seconds(blocked), mask=no_ws),
        "flow_efficiency": fe,
        "handoffs": pa.array(np.maximum(stints - 1, 0)),
        "teams_visited": pa.array(i64("teams_visited")),
        # An item with history but no team anywhere has an empty path, not an unknown one.
        "team_path": pa.array(
            [paths.get(k, "") if has_history else None for k in item_list], pa.string()
        ),
        "rework": pa.array(i64("rework")),
        "steering_touches": pa.array([steering.get(k, 0) for k in item_list], pa.int64()),
        "age_s": age,
    }
    for name in ("touch_work_s", "wait_work_s", "window_work_s", "flow_efficiency_work"):
        if working is None:
            cols[name] = pa.nulls(n, pa.float64())
        else:
            cols[name] = pa.array(working[name], mask=no_ws | np.isnan(working[name]))
    return pa.table([cols[f.name] for f in ITEMS], schema=ITEMS)


# --------------------------------------------------------------------------- steps


def _rework(run: RunContext, coded_events: CodedEvents) -> ir.Table:
    assert run.backend is not None
    return rework(
        coded_events.events,
        order=run.config.statuses.order,
        classes=run.classes,
        codes=coded_events.value_codes,
        be=run.backend,
    )


def _items(
    run: RunContext,
    coded_events: CodedEvents,
    windows: ir.Table,
    timeline_segments: ir.Table,
    stint_segments: ir.Table,
    rework: ir.Table,
    event_groups: ir.Table | None,
    stint_rows: pa.Table,
    steering_touches: pa.Table,
) -> pa.Table:
    be = run.backend
    assert be is not None
    metrics = be.to_arrow(item_metrics(windows, timeline_segments, stint_segments, rework))
    metrics = coded_events.decode_items(metrics.sort_by("item"))
    working = None
    if run.config.calendar is not None:
        pieces = touch_pieces(
            timeline_segments, event_groups, as_of=run.as_of_us, stall_us=run.stall_us
        )
        pieces = coded_events.decode_items(be.to_arrow(pieces))
        working = _working_time(metrics, pieces, run)
    canon = run.result.items
    return assemble_items(
        canon,
        _all_items(metrics, canon, run.as_of_us),
        as_of=run.as_of,
        as_of_us=run.as_of_us,
        paths=team_paths(stint_rows),
        steering=_touch_counts(steering_touches),
        working=working,
    )


def _touch_counts(touches: pa.Table) -> dict[str, int]:
    if touches.num_rows == 0:
        return {}
    vc = pc.value_counts(touches.column("item"))
    return dict(zip(vc.field("values").to_pylist(), vc.field("counts").to_pylist(), strict=True))


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


def _items_without_history(run: RunContext, steering_touches: pa.Table, **_: object) -> pa.Table:
    """Jira UI CSV: lead time from created/resolved only.

    Like the flow analysis, nothing after ``as_of`` counts: an item created later does not
    exist yet, and one resolved later was still open (its status then is unknown)."""
    as_of_us = run.as_of_us
    canon = run.result.items
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
    items = assemble_items(
        canon,
        metrics,
        as_of=None,
        as_of_us=as_of_us,
        paths={},
        steering=_touch_counts(steering_touches),
        working=None,
        has_history=False,
    )
    # Without history nothing is measured beyond lead time: these are unknown, not zero.
    for name in ("handoffs", "teams_visited", "rework"):
        i = items.schema.get_field_index(name)
        items = items.set_column(i, ITEMS.field(name), pa.nulls(n, pa.int64()))
    return items


def _working_time(metrics: pa.Table, pieces: pa.Table, run: RunContext) -> dict[str, np.ndarray]:
    """touch/wait/window in working time (calendar module), per item in ``metrics`` order."""
    from .calendar import working_seconds

    calendar = run.config.calendar
    keys = metrics.column("item")
    n = len(keys)
    ws = metrics.column("ws").cast(pa.int64())
    we = metrics.column("we").cast(pa.int64())
    has = np.asarray(ws.is_valid())
    window = np.full(n, np.nan)
    if has.any():
        a = np.asarray(ws.filter(ws.is_valid())).astype("datetime64[us]")
        b = np.asarray(we.filter(ws.is_valid())).astype("datetime64[us]")
        window[has] = working_seconds(a, b, calendar)
    touch = np.zeros(n)
    if pieces.num_rows:
        idx = np.asarray(pc.index_in(pieces.column("item"), value_set=keys))
        a = np.asarray(pieces.column("a")).astype("datetime64[us]")
        b = np.asarray(pieces.column("b")).astype("datetime64[us]")
        touch = np.bincount(idx, weights=working_seconds(a, b, calendar), minlength=n)
    touch = np.where(has, touch, np.nan)
    with np.errstate(invalid="ignore", divide="ignore"):
        fe = np.where(window > 0, touch / np.where(window > 0, window, 1), np.nan)
    return {
        "touch_work_s": touch,
        "wait_work_s": window - touch,
        "window_work_s": window,
        "flow_efficiency_work": fe,
    }


STEPS = [
    PerItem("rework", ("coded_events",), _rework, kept=False),
    PerItem(
        "items",
        (
            "coded_events",
            "windows",
            "timeline_segments",
            "stint_segments",
            "rework",
            "event_groups",
            "stint_rows",
            "steering_touches",
        ),
        _items,
        empty=ITEMS,
        without_history=_items_without_history,
    ),
]
