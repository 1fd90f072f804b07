"""The analysis of a selection of items, re-aggregated from an analysis of all of them.

Every dashboard filter selects whole items and pins ``as_of`` to the unfiltered analysis, and
every per-item row of the engine (timeline segments, stints, handoffs, item metrics, steering
touches) depends only on its own item and ``as_of``. So the analysis of a selection is the
per-item rows of the selected items, re-aggregated: no re-load, no timeline, no pm4py.

What is computed once per full analysis (:class:`SubsetSource`): each per-item row's item
number, the integer-microsecond columns the engine's builders take, the status visits, the
``is_return`` flag of each handoff and each item's status-event counts. A selection is then a
boolean mask per table, and the aggregates come from the engine's own builders (stages, teams,
handoffs, daily, steering, summary, findings). The process maps are the directly-follows edges
of the selected items' visits and stints, counted here with numpy; the tests prove them equal
to pm4py's (``flowgap.mining``), whose import and discovery alone exceed the dashboard's budget.

Two things differ from re-running ``flowgap.analyze`` on the subset, by design:

- ``warnings``: the unfiltered analysis' warnings of the selected items (and those of no
  item); a re-run would also call meeting-file keys of unselected items "not in the data".
- without ``result``, ``status_classes.events`` counts entries into each status seen in the
  timeline (visits) instead of status events; the two differ only when status changes share a
  timestamp or happen after ``as_of``. The dashboard passes the load result.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from ..mining import centrality, ping_pong_cycles, to_networkx
from ..model import LoadResult
from . import daily as daily_mod
from . import handoffs as handoffs_mod
from . import stages as stages_mod
from . import teams as teams_mod
from .analysis import Analysis
from .findings import build_findings
from .schemas import PROCESS_EDGES, STATUS_CLASSES, TABLES
from .stages import percentiles
from .steering import steering_comparison, steering_meetings
from .summary import build_summary

US = 1_000_000
#: Tables with one row per item or per piece of an item, filtered by the selection.
PER_ITEM = ("timeline", "stints", "items", "handoff_events", "steering_touches")


def _us(column: pa.ChunkedArray | pa.Array) -> np.ndarray:
    """Seconds (float64, as the engine wrote them from integer microseconds) -> int64 us."""
    values = pc.fill_null(column.cast(pa.float64()), 0.0).to_numpy()
    return np.rint(values * US).astype(np.int64)


def _ts(column: pa.ChunkedArray) -> np.ndarray:
    return column.cast(pa.int64()).to_numpy()


def _codes(keys: pa.Array, column: pa.ChunkedArray) -> np.ndarray:
    """Item number of each row (-1 for an item not in ``keys``)."""
    if len(column) == 0:
        return np.zeros(0, dtype=np.int64)
    idx = pc.index_in(column, value_set=keys)
    return pc.fill_null(idx, -1).to_numpy().astype(np.int64)


def _run_starts(item: np.ndarray, value: np.ndarray) -> np.ndarray:
    """True where a new run of ``value`` starts within rows grouped by ``item``."""
    new = np.ones(len(item), dtype=bool)
    if len(item) > 1:
        new[1:] = (item[1:] != item[:-1]) | (value[1:] != value[:-1])
    return new


@dataclass
class SubsetSource:
    """The full analysis' per-item rows, prepared once for any number of selections."""

    full: Analysis
    keys: pa.Array  # item keys, in full.items order
    codes: dict[str, np.ndarray]  # table -> item number per row
    timeline: pa.Table  # team, wait (us), status, cls, first_day, stop_day per segment
    visits: pa.Table  # item number, status, cls, start, duration, touch, wait, current (us)
    visit_codes: np.ndarray
    stints: pa.Table  # item, team, touch, queue, start (us)
    handoffs: pa.Table  # item, ts, from_team, to_team, wait (us), is_return
    status_counts: pa.Table | None  # item number, status, n (status events)

    @classmethod
    def build(cls, full: Analysis, result: LoadResult | None = None) -> SubsetSource:
        keys = full.items.column("item").combine_chunks()
        codes = {name: _codes(keys, full.table(name).column("item")) for name in PER_ITEM}
        tl = full.timeline
        as_of_us = int(_as_of_us(full))
        start = _ts(tl.column("start"))
        end = _ts(tl.column("end"))
        first_day = start // daily_mod.DAY_US
        stop_day = np.where(
            end >= as_of_us, as_of_us // daily_mod.DAY_US + 1, end // daily_mod.DAY_US
        )
        timeline = pa.table(
            {
                "team": tl.column("team"),
                "wait": _us(tl.column("wait_s")),
                "status": tl.column("status"),
                "cls": tl.column("class"),
                "first_day": first_day,
                "stop_day": stop_day,
            }
        )
        visits, visit_codes = _visits(tl, codes["timeline"], start)
        visits = visits.append_column("item", keys.take(pa.array(visit_codes)))
        return cls(
            full=full,
            keys=keys,
            codes=codes,
            timeline=timeline,
            visits=visits,
            visit_codes=visit_codes,
            stints=_stints(full.stints),
            handoffs=_handoffs(full.handoff_events, full.stints),
            status_counts=_status_counts(result, keys) if result is not None else None,
        )

    def analysis(self, items: Iterable[str]) -> Analysis:
        return _analysis(self, items)


def _as_of_us(full: Analysis) -> int:
    return int(pa.scalar(full.as_of, pa.timestamp("us", tz="UTC")).cast(pa.int64()).as_py())


def _visits(tl: pa.Table, codes: np.ndarray, start: np.ndarray) -> tuple[pa.Table, np.ndarray]:
    """Maximal runs of one status per item (``stages.visits`` on the Arrow timeline); the
    timeline is ordered by item and segment."""
    status = tl.column("status").combine_chunks() if tl.num_rows else pa.array([], pa.string())
    status_codes = pc.fill_null(pc.dictionary_encode(status).indices, -1).to_numpy()
    new = _run_starts(codes, np.asarray(status_codes))
    visit = np.cumsum(new) - 1
    n = int(new.sum())
    last = np.ones(len(codes), dtype=bool)
    if len(codes) > 1:
        last[:-1] = codes[1:] != codes[:-1]

    def total(column: str) -> np.ndarray:
        return np.bincount(visit, weights=_us(tl.column(column)), minlength=n).astype(np.int64)

    heads = np.flatnonzero(new)
    cls = (
        tl.column("class").combine_chunks().take(pa.array(heads))
        if n
        else pa.array([], pa.string())
    )
    has_last = np.bincount(visit, weights=last, minlength=n) > 0
    current = has_last & np.asarray(pc.fill_null(pc.not_equal(cls, "done"), True))
    table = pa.table(
        {
            "status": status.take(pa.array(heads)) if n else status,
            "cls": cls,
            "start": start[heads],
            "duration": total("duration_s"),
            "touch": total("touch_s"),
            "wait": total("wait_s"),
            "current": current,
        }
    )
    return table, codes[heads]


def _stints(st: pa.Table) -> pa.Table:
    return pa.table(
        {
            "item": st.column("item"),
            "team": st.column("team"),
            "touch": _us(st.column("touch_s")),
            "queue": _us(st.column("queue_s")),
            "start": _ts(st.column("start")),
        }
    )


def _handoffs(events: pa.Table, st: pa.Table) -> pa.Table:
    """``stints.handoff_events`` rows with ``is_return`` (A -> B -> A) from the stints: the
    handoffs are the stints after each item's first, in the same (item, time) order."""
    item = st.column("item").combine_chunks()
    team = st.column("team").combine_chunks()
    later = pc.is_valid(st.column("prev_team")).to_numpy(zero_copy_only=False)
    same_item_2 = np.zeros(len(item), dtype=bool)
    same_team_2 = np.zeros(len(item), dtype=bool)
    if len(item) > 2:
        same_item_2[2:] = np.asarray(pc.equal(item[2:], item[:-2]).to_numpy(zero_copy_only=False))
        same_team_2[2:] = np.asarray(
            pc.fill_null(pc.equal(team[2:], team[:-2]), False).to_numpy(zero_copy_only=False)
        )
    is_return = (same_item_2 & same_team_2)[later]
    if len(is_return) != events.num_rows:
        raise ValueError("handoff events do not match the stints of the analysis")
    return pa.table(
        {
            "item": events.column("item"),
            "ts": events.column("ts"),
            "from_team": events.column("from_team"),
            "to_team": events.column("to_team"),
            "wait": _us(events.column("wait_s")),
            "is_return": pa.array(is_return, pa.bool_()),
        }
    )


def _status_counts(result: LoadResult, keys: pa.Array) -> pa.Table:
    """Status events per (item, status), as ``build_status_classes`` counts them."""
    ev = result.events
    status = ev.filter(pc.equal(ev.column("field"), "status"))
    status = status.filter(pc.is_valid(status.column("value")))
    grouped = status.group_by(["item", "value"]).aggregate([("value", "count")])
    return pa.table(
        {
            "code": _codes(keys, grouped.column("item")),
            "status": grouped.column("value"),
            "n": grouped.column("value_count").cast(pa.int64()),
        }
    )


# --------------------------------------------------------------------------- per selection


def _analysis(src: SubsetSource, items: Iterable[str]) -> Analysis:
    full = src.full
    wanted = pa.array(list(items) if not isinstance(items, pa.Array) else items, pa.string())
    sel = np.zeros(len(src.keys), dtype=bool)
    if len(wanted):
        idx = pc.index_in(wanted, value_set=src.keys).drop_null().to_numpy()
        sel[idx.astype(np.int64)] = True

    def pick(table: pa.Table, codes: np.ndarray) -> pa.Table:
        return table.filter(pa.array(_mask(sel, codes)))

    tables = {name: pick(full.table(name), src.codes[name]) for name in PER_ITEM}
    if not full.has_history:
        return _finish(src, sel, tables, {"status_map", "handoff_graph"})
    as_of_us = _as_of_us(full)
    tl = pick(src.timeline, src.codes["timeline"])
    visits = pick(src.visits, src.visit_codes)
    stints_raw = pick(src.stints, src.codes["stints"])
    h_raw = pick(src.handoffs, src.codes["handoff_events"])
    timeline = tables["timeline"]
    total_wait_us = int(pc.sum(visits.column("wait")).as_py() or 0) if visits.num_rows else 0
    tables["stages"] = stages_mod.build_stages(
        visits, _status_classes(src, sel, tables), as_of_us=as_of_us
    )
    with_team = tl.filter(pc.is_valid(tl.column("team")))
    waits = with_team.group_by("team").aggregate([("wait", "sum")]).rename_columns(["team", "wait"])
    tables["teams"] = teams_mod.build_teams(stints_raw, waits, h_raw, total_wait_us=total_wait_us)
    tables["handoffs"] = handoffs_mod.build_handoffs(h_raw)
    first_day = (
        int(pc.min(tables["timeline"].column("start").cast(pa.int64())).as_py()) // daily_mod.DAY_US
        if timeline.num_rows
        else as_of_us // daily_mod.DAY_US + 1
    )
    counted = tl.filter(pc.greater(tl.column("stop_day"), tl.column("first_day")))
    seg_days = (
        counted.group_by(["status", "first_day", "stop_day"])
        .aggregate([("status", "count")])
        .rename_columns(["status", "first_day", "stop_day", "n"])
    )
    statuses = tl.group_by(["status", "cls"]).aggregate([])
    tables["daily"] = daily_mod.build_daily(
        seg_days,
        dict(
            zip(
                statuses.column("status").to_pylist(),
                statuses.column("cls").to_pylist(),
                strict=True,
            )
        ),
        first_day=first_day,
        as_of_us=as_of_us,
    )
    tables["daily_totals"] = daily_mod.build_daily_totals(
        tables["items"], first_day=first_day, as_of_us=as_of_us
    )
    tables["weekly"] = daily_mod.build_weekly(
        tables["items"], first_day=first_day, as_of_us=as_of_us
    )
    tables["status_map"] = directly_follows(
        visits.column("status"), visits.column("start"), _selected(sel, src.visit_codes)
    )
    tables["handoff_graph"] = directly_follows(
        stints_raw.column("team"), stints_raw.column("start"), _selected(sel, src.codes["stints"])
    )
    return _finish(src, sel, tables, set())


def _mask(sel: np.ndarray, codes: np.ndarray) -> np.ndarray:
    return sel[codes] & (codes >= 0)


def _selected(sel: np.ndarray, codes: np.ndarray) -> np.ndarray:
    return codes[_mask(sel, codes)]


def _finish(src: SubsetSource, sel: np.ndarray, tables: dict, empty: set[str]) -> Analysis:
    full = src.full
    config = full.config.model_copy(deep=True)
    config.flow.as_of = full.as_of  # what the dashboard pins for a filtered re-run
    if not full.has_history:
        for name, schema in TABLES.items():
            if name not in tables:
                tables[name] = schema.empty_table()
        tables["status_classes"] = _status_classes(src, sel, tables)
    for name in empty:
        tables[name] = PROCESS_EDGES.empty_table()
    touches = tables["steering_touches"]
    tables["steering_meetings"] = steering_meetings(touches, config)
    tables["steering_comparison"] = steering_comparison(tables["items"], touches)
    if "status_classes" not in tables:
        tables["status_classes"] = _status_classes(src, sel, tables)
    graph = to_networkx(tables["handoff_graph"])
    tables["team_centrality"] = centrality(graph)
    ordered = {name: tables[name] for name in TABLES}
    summary = build_summary(
        ordered,
        config=config,
        as_of=full.as_of,
        has_history=full.has_history,
        events=tables["timeline"].num_rows,
    )
    kept = set(src.keys.filter(pa.array(sel)).to_pylist()) if full.warnings else set()
    return Analysis(
        config=config,
        as_of=full.as_of,
        engine=full.engine,
        has_history=full.has_history,
        inputs=full.inputs,
        warnings=[w for w in full.warnings if w.item is None or w.item in kept],
        rejects=full.rejects,
        summary=summary,
        findings=build_findings(summary, ordered, config),
        ping_pong_cycles=ping_pong_cycles(graph),
        **ordered,
    )


def _status_classes(src: SubsetSource, sel: np.ndarray, tables: dict) -> pa.Table:
    """``build_status_classes`` for the selection: statuses entered (with their count), the
    current statuses of the selected items, and the configured ones."""
    full = src.full
    counts: dict[str, int] = {}
    if full.has_history:
        if src.status_counts is not None:
            sc = src.status_counts
            chosen = sc.filter(pa.array(_mask(sel, sc.column("code").to_numpy())))
            grouped = chosen.group_by("status").aggregate([("n", "sum")])
            names, ns = grouped.column("status").to_pylist(), grouped.column("n_sum").to_pylist()
        else:
            entered = src.visits.filter(pa.array(_mask(sel, src.visit_codes)))
            vc = pc.value_counts(entered.column("status"))
            names, ns = vc.field("values").to_pylist(), vc.field("counts").to_pylist()
        counts = {name: int(n) for name, n in zip(names, ns, strict=True) if n}
    items = tables["items"]
    for name in items.column("current_status").drop_null().to_pylist():
        if full.has_history:
            counts.setdefault(name, 0)
        else:
            counts[name] = counts.get(name, 0) + 1
    for name in full.config.statuses.classes:
        counts.setdefault(name, 0)
    known = full.status_classes
    rows = known.filter(
        pc.is_in(known.column("status"), value_set=pa.array(sorted(counts), pa.string()))
    )
    return rows.set_column(
        rows.schema.get_field_index("events"),
        STATUS_CLASSES.field("events"),
        pa.array([counts[s] for s in rows.column("status").to_pylist()], pa.int64()),
    )


def directly_follows(
    activity: pa.ChunkedArray, start: pa.ChunkedArray, codes: np.ndarray
) -> pa.Table:
    """pm4py's frequency and performance DFG (``mining.discover_edges``) of rows ordered by
    case and time: each pair of consecutive rows of one case is an edge; its performance is
    the time between the two rows' starts, in seconds."""
    if len(codes) < 2:
        return PROCESS_EDGES.empty_table()
    act = activity.combine_chunks() if isinstance(activity, pa.ChunkedArray) else activity
    t = np.asarray(start.to_numpy() if hasattr(start, "to_numpy") else start, dtype=np.int64)
    follows = np.flatnonzero(codes[1:] == codes[:-1])
    if len(follows) == 0:
        return PROCESS_EDGES.empty_table()
    src = act.take(pa.array(follows))
    tgt = act.take(pa.array(follows + 1))
    seconds = (t[follows + 1] - t[follows]) / US
    edge = pc.binary_join_element_wise(src, tgt, "\x1f")
    medians = percentiles(edge, seconds, (0.5,))
    encoded = pc.dictionary_encode(edge)
    idx = encoded.indices.to_numpy().astype(np.int64)
    n = len(encoded.dictionary)
    count = np.bincount(idx, minlength=n)
    mean = np.bincount(idx, weights=seconds, minlength=n) / count
    rows = []
    for i, name in enumerate(encoded.dictionary.to_pylist()):
        source, target = name.split("\x1f")
        rows.append(
            {
                "source": source,
                "target": target,
                "count": int(count[i]),
                "median_s": medians[name][0],
                "mean_s": float(mean[i]),
            }
        )
    rows.sort(key=lambda r: (r["source"], r["target"]))
    return pa.Table.from_pylist(rows, schema=PROCESS_EDGES)


# --------------------------------------------------------------------------- entry point


def analysis_subset(
    full: Analysis, items: Iterable[str], *, result: LoadResult | None = None
) -> Analysis:
    """The analysis of ``items`` (keys of ``full.items``) with ``full``'s config and as_of.

    ``result`` (the load result ``full`` was computed from) makes ``status_classes.events``
    count status events exactly as ``flowgap.analyze`` does; see the module docstring. For
    many selections of one analysis, build a :class:`SubsetSource` once and call its
    ``analysis`` (what the dashboard caches).
    """
    return SubsetSource.build(full, result).analysis(items)
