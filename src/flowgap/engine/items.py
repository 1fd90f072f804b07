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

from .backend import seconds, ts_array
from .schemas import ITEMS


def rework(
    ev: ir.Table, *, order: list[str], classes: dict[str, str], codes: dict[str, int]
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
        new_r = st.vcode.substitute(rank, else_=ibis.null("int64"))
        old_r = st.prev.substitute(rank, else_=ibis.null("int64"))
        # vcode is never null here: the & keeps ``back`` a column even when no status of the
        # order is in the data (the substitutions are then constants).
        back = st.vcode.notnull() & ibis.coalesce(new_r < old_r, False)
    else:
        by_code = {codes[name]: cls for name, cls in classes.items() if name in codes}
        new_c = st.vcode.substitute(by_code, else_=ibis.literal("wait"))
        old_c = st.prev.substitute(by_code, else_=ibis.literal("wait"))
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
