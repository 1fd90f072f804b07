"""The analysis of a selection of items, re-aggregated from an analysis of all of them.

Every dashboard filter selects whole items and pins ``as_of`` to the unfiltered analysis, and
every per-item row of the engine (timeline segments, stints, handoffs, item metrics, steering
touches) depends only on its own item and ``as_of``. So the analysis of a selection is the
per-item rows of the selected items, re-aggregated: no re-load, no timeline.

:class:`SubsetSource` prepares a full analysis once: each row's item number, the status and
team numbers, the integer microseconds the engine's builders take, the status visits, the
``is_return`` flag of each handoff, each item's status-event counts, and the directly-follows
pairs of the process maps sorted by edge and duration (``mining.DirectlyFollows``). A
selection is then a boolean mask over items, and the aggregate tables come from the engine's
own builders (stages, teams, handoffs, daily, weekly, summary, findings, process maps) fed
with the selected rows.

Computed here rather than by the engine's functions, each proven equal in the tests:

- ``steering_meetings`` and ``steering_comparison`` are the engine's own functions, given this
  source's persistent DuckDB connection (a fresh connection per call costs more CPU than the
  whole query).

Two things differ from re-running ``flowgap.analyze`` on the subset, by design:

- ``warnings``: the unfiltered analysis' warnings of the selected items (and those of no
  item); a re-run would also call meeting-file keys of unselected items "not in the data".
- without ``result``, ``status_classes.events`` counts entries into each status seen in the
  timeline (visits) instead of status events; the two differ only when status changes share a
  timestamp or happen after ``as_of``. The dashboard passes the load result.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

import duckdb
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from ..mining import DirectlyFollows, centrality, encode, ping_pong_cycles
from ..model import LoadResult
from . import daily as daily_mod
from . import handoffs as handoffs_mod
from . import stages as stages_mod
from . import teams as teams_mod
from .analysis import Analysis
from .findings import build_findings
from .pipeline import records_of
from .schemas import PROCESS_EDGES, STATUS_CLASSES, TABLES
from .steering import steering_comparison, steering_meetings
from .summary import build_summary

US = 1_000_000
DAY_US = daily_mod.DAY_US
#: Tables with one row per item or per piece of an item, filtered by the selection.
PER_ITEM = ("timeline", "stints", "items", "handoff_events", "steering_touches")


# --------------------------------------------------------------------------- column helpers


def _us(column: pa.ChunkedArray | pa.Array) -> np.ndarray:
    """Seconds (float64, as the engine wrote them from integer microseconds) -> int64 us."""
    values = pc.fill_null(column.cast(pa.float64()), 0.0).to_numpy()
    return np.rint(values * US).astype(np.int64)


def _ts(column: pa.ChunkedArray) -> np.ndarray:
    return column.cast(pa.int64()).to_numpy()


def _one(column: pa.ChunkedArray | pa.Array) -> pa.Array:
    if isinstance(column, pa.ChunkedArray):
        return column.combine_chunks() if column.num_chunks else pa.array([], column.type)
    return column


def _codes(keys: pa.Array, column: pa.ChunkedArray | pa.Array) -> np.ndarray:
    """Position of each value in ``keys`` (-1 for a value not in ``keys`` or null)."""
    if len(column) == 0:
        return np.zeros(0, dtype=np.int64)
    return pc.fill_null(pc.index_in(column, value_set=keys), -1).to_numpy().astype(np.int64)


def _int_sums(groups: np.ndarray, values: np.ndarray, n: int) -> np.ndarray:
    """Exact int64 sums of ``values`` per group 0..n-1 (numpy's bincount sums in float64,
    which rounds above 2**53 us: split each value into 32-bit halves, each sum exact)."""
    if len(groups) == 0:
        return np.zeros(n, dtype=np.int64)
    high, low = values >> 32, values & 0xFFFFFFFF
    hs = np.rint(np.bincount(groups, weights=high, minlength=n)).astype(np.int64)
    ls = np.rint(np.bincount(groups, weights=low, minlength=n)).astype(np.int64)
    return (hs << 32) + ls


@dataclass
class SubsetSource:
    """The full analysis' per-item rows, prepared once for any number of selections."""

    full: Analysis
    keys: pa.Array  # item keys, in full.items order
    codes: dict[str, np.ndarray]  # table -> item number of each row
    # timeline, per segment
    seg_status: np.ndarray
    statuses: dict[int, tuple[str, str]]  # status number -> (status, class)
    seg_team: np.ndarray
    teams: list[str]
    seg_wait: np.ndarray
    seg_start: np.ndarray
    seg_day_group: np.ndarray  # -1: counted on no day
    day_groups: pa.Table  # status, first_day, stop_day per day group
    visits: pa.Table  # build_stages' input, item as its number
    visit_item: np.ndarray
    stints: pa.Table  # build_teams' input: item number, team, touch, queue (us)
    handoffs: pa.Table  # build_handoffs' input: item number, from/to team, wait, is_return
    status_counts: pa.Table | None  # item number, status number, n; metadata: status names
    status_pairs: DirectlyFollows
    team_pairs: DirectlyFollows
    _con: duckdb.DuckDBPyConnection | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock)

    @classmethod
    def build(cls, full: Analysis, result: LoadResult | None = None) -> SubsetSource:
        keys = _one(full.items.column("item"))
        codes = {name: _codes(keys, full.table(name).column("item")) for name in PER_ITEM}
        tl = full.timeline
        as_of_us = _as_of_us(full)
        item = codes["timeline"]
        start, end = _ts(tl.column("start")), _ts(tl.column("end"))
        status, status_names = encode(tl.column("status"))
        team, team_names = encode(tl.column("team"))
        cls_idx, cls_names = encode(tl.column("class"))
        statuses = {}
        if len(status):
            first = np.unique(status, return_index=True)[1]
            for i in first:
                statuses[int(status[i])] = (
                    status_names[status[i]].as_py(),
                    cls_names[cls_idx[i]].as_py(),
                )
        day_group, day_groups = _day_groups(status, status_names, start, end, as_of_us)
        visits, visit_item = _visits(tl, item, status, start)
        status_pairs = DirectlyFollows.build(
            visit_item, *encode(visits.column("status")), visits.column("start").to_numpy()
        )
        # build_stages groups by status: rows already in status order, status as a sorted
        # dictionary, make its grouping and sorting cheap.
        names = pc.unique(visits.column("status")).sort()
        codes_v = pc.index_in(visits.column("status"), value_set=names).to_numpy()
        order = np.argsort(codes_v, kind="stable")
        by_status = visits.drop_columns(["cls"]).take(pa.array(order))
        by_status = by_status.set_column(
            by_status.schema.get_field_index("status"),
            "status",
            pa.DictionaryArray.from_arrays(pa.array(codes_v[order], pa.int32()), names),
        )
        st = full.stints
        st_item = codes["stints"]
        return cls(
            full=full,
            keys=keys,
            codes=codes,
            seg_status=status,
            statuses=statuses,
            seg_team=team,
            teams=team_names.to_pylist(),
            seg_wait=_us(tl.column("wait_s")),
            seg_start=start,
            seg_day_group=day_group,
            day_groups=day_groups,
            visits=by_status,
            visit_item=visit_item[order],
            stints=pa.table(
                {
                    "item": st_item,
                    "team": st.column("team"),
                    "touch": _us(st.column("touch_s")),
                    "queue": _us(st.column("queue_s")),
                }
            ),
            handoffs=_handoffs(full.handoff_events, st, codes["handoff_events"]),
            status_counts=_status_counts(result, keys) if result is not None else None,
            status_pairs=status_pairs,
            team_pairs=DirectlyFollows.build(
                st_item, *encode(st.column("team")), _ts(st.column("start"))
            ),
        )

    def analysis(self, items: Iterable[str]) -> Analysis:
        """The analysis of the items with these keys (keys not in the analysis are ignored)."""
        wanted = pa.array(list(items), pa.string())
        sel = np.zeros(len(self.keys), dtype=bool)
        if len(wanted):
            sel[pc.index_in(wanted, value_set=self.keys).drop_null().to_numpy()] = True
        return self.analysis_of_mask(sel)

    def analysis_of_mask(self, sel: np.ndarray) -> Analysis:
        """The analysis of the items whose rows of ``full.items`` are True in ``sel``."""
        return _analysis(self, np.asarray(sel, dtype=bool))

    def query(self, sql: str, schema: pa.Schema, **tables: pa.Table) -> pa.Table:
        """``sql`` over the Arrow ``tables`` on this source's own DuckDB connection."""
        with self._lock:
            if self._con is None:
                # Small queries: DuckDB's thread pool would cost more than it saves.
                self._con = duckdb.connect(config={"threads": 1})
                self._con.execute("SET TimeZone = 'UTC'")
            for name, table in tables.items():
                self._con.register(name, table)
            try:
                return self._con.sql(sql).to_arrow_table().cast(schema)
            finally:
                for name in tables:
                    self._con.unregister(name)


def _as_of_us(full: Analysis) -> int:
    return int(pa.scalar(full.as_of, pa.timestamp("us", tz="UTC")).cast(pa.int64()).as_py())


def _day_groups(
    status: np.ndarray, names: pa.Array, start: np.ndarray, end: np.ndarray, as_of_us: int
) -> tuple[np.ndarray, pa.Table]:
    """``daily.segment_days`` as numbers: each segment's (status, first day, stop day) group,
    -1 when it counts on no day; and the groups."""
    first = start // DAY_US
    stop = np.where(end >= as_of_us, as_of_us // DAY_US + 1, end // DAY_US)
    counted = stop > first
    group = np.full(len(status), -1, dtype=np.int64)
    empty = pa.table(
        {
            "status": pa.array([], pa.string()),
            "first_day": pa.array([], pa.int64()),
            "stop_day": pa.array([], pa.int64()),
        }
    )
    if not counted.any():
        return group, empty
    low = int(first[counted].min())
    span = int(stop[counted].max()) - low + 1
    key = (status[counted] * span + (first[counted] - low)) * span + (stop[counted] - low)
    keys, inverse = np.unique(key, return_inverse=True)
    group[counted] = inverse
    return group, pa.table(
        {
            "status": names.take(pa.array(keys // (span * span))),
            "first_day": keys // span % span + low,
            "stop_day": keys % span + low,
        }
    )


def _visits(
    tl: pa.Table, item: np.ndarray, status: np.ndarray, start: np.ndarray
) -> tuple[pa.Table, np.ndarray]:
    """``stages.visits``: maximal runs of one status per item of the timeline (ordered by
    item and segment), with item numbers for keys."""
    new = np.ones(len(item), dtype=bool)
    if len(item) > 1:
        new[1:] = (item[1:] != item[:-1]) | (status[1:] != status[:-1])
    visit = np.cumsum(new) - 1
    n = int(new.sum())
    last = np.ones(len(item), dtype=bool)
    if len(item) > 1:
        last[:-1] = item[1:] != item[:-1]
    heads = pa.array(np.flatnonzero(new))

    def total(column: str) -> np.ndarray:
        return _int_sums(visit, _us(tl.column(column)), n)

    cls = _one(tl.column("class")).take(heads)
    current = (np.bincount(visit, weights=last, minlength=n) > 0) & np.asarray(
        pc.fill_null(pc.not_equal(cls, "done"), True)
    )
    visit_item = item[np.flatnonzero(new)]
    table = pa.table(
        {
            "item": visit_item,
            "status": _one(tl.column("status")).take(heads),
            "cls": cls,
            "start": start[np.flatnonzero(new)],
            "duration": total("duration_s"),
            "touch": total("touch_s"),
            "wait": total("wait_s"),
            "current": current,
        }
    )
    return table, visit_item


def _handoffs(events: pa.Table, st: pa.Table, item: np.ndarray) -> pa.Table:
    """``stints.handoff_events`` rows with ``is_return`` (A -> B -> A) from the stints: the
    handoffs are the stints after each item's first, in the same (item, time) order."""
    st_item = _one(st.column("item"))
    team = _one(st.column("team"))
    later = pc.is_valid(st.column("prev_team")).to_numpy(zero_copy_only=False)
    back = np.zeros(len(st_item), dtype=bool)
    if len(st_item) > 2:
        same_item = pc.equal(st_item[2:], st_item[:-2])
        same_team = pc.fill_null(pc.equal(team[2:], team[:-2]), False)
        back[2:] = pc.and_(same_item, same_team).to_numpy(zero_copy_only=False)
    is_return = back[later]
    if len(is_return) != events.num_rows:
        raise ValueError("handoff events do not match the stints of the analysis")
    return pa.table(
        {
            "item": item,
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
    number, names = encode(grouped.column("value"))
    return pa.table(
        {
            "code": _codes(keys, grouped.column("item")),
            "number": number,
            "n": grouped.column("value_count").cast(pa.int64()),
        }
    ).replace_schema_metadata({"names": "\x1f".join(names.to_pylist())})


# --------------------------------------------------------------------------- per selection


def _mask(sel: np.ndarray, codes: np.ndarray) -> np.ndarray:
    return sel[codes] & (codes >= 0)


_PENDING = object()


class _Deferred:
    """A table of :class:`SubsetAnalysis` computed on first read (with its group)."""

    def __set_name__(self, owner: type, name: str) -> None:
        self.name = name

    def __get__(self, obj: object, owner: type | None = None) -> object:
        if obj is None:
            return self
        value = obj.__dict__.get(self.name, _PENDING)
        if value is _PENDING:
            obj._complete(self.name)  # type: ignore[attr-defined]
            value = obj.__dict__[self.name]
        return value

    def __set__(self, obj: object, value: object) -> None:
        obj.__dict__[self.name] = value


#: Tables no summary or finding reads, each computed with the others of its group when a
#: page first reads one (the overview page never needs them).
DEFERRED = {
    "daily": "daily",
    "daily_totals": "daily",
    "weekly": "daily",
    "status_map": "maps",
    "handoff_graph": "maps",
    "team_centrality": "maps",
    "ping_pong_cycles": "maps",
    "steering_comparison": "comparison",
}


class SubsetAnalysis(Analysis):
    """An :class:`Analysis` of a selection whose tables in :data:`DEFERRED` are computed on
    first read; reading it otherwise is reading an Analysis."""

    daily = _Deferred()
    daily_totals = _Deferred()
    weekly = _Deferred()
    status_map = _Deferred()
    handoff_graph = _Deferred()
    team_centrality = _Deferred()
    ping_pong_cycles = _Deferred()
    steering_comparison = _Deferred()

    def _complete(self, name: str) -> None:
        with self.__dict__["_deferred_lock"]:
            if self.__dict__.get(name, _PENDING) is not _PENDING:
                return
            group = DEFERRED[name]
            self.__dict__.update(self.__dict__["_deferred"][group]())

    def __getstate__(self) -> dict:
        for name in DEFERRED:
            getattr(self, name)
        state = dict(self.__dict__)
        state.pop("_deferred", None)
        state.pop("_deferred_lock", None)
        return state

    def __setstate__(self, state: dict) -> None:
        self.__dict__.update(state)


def _analysis(src: SubsetSource, sel: np.ndarray) -> Analysis:
    full = src.full
    tables: dict = {}

    def pick(*names: str) -> None:
        for name in names:
            rows = pa.array(_mask(sel, src.codes[name]))
            tables[name] = full.table(name).filter(rows)

    pick("items", "steering_touches")
    touches = tables["steering_touches"]
    # Independent groups on two threads: Arrow and numpy release the GIL in their kernels.
    # The longest first (teams and handoffs, then stages), so that neither thread idles.
    jobs = _flow_jobs(src, sel, tables) if full.has_history else []
    jobs += [
        lambda: pick("timeline", "stints", "handoff_events"),
        lambda: tables.update(
            steering_meetings=steering_meetings(touches, src.full.config, query=src.query)
        ),
    ]
    if not full.has_history:
        tables["status_classes"] = _status_classes(src, sel, tables["items"])
    for job in [_POOL.submit(job) for job in jobs]:
        job.result()
    for name, schema in TABLES.items():
        if name not in DEFERRED:
            tables.setdefault(name, schema.empty_table())
    return _finish(src, sel, tables)


_POOL = ThreadPoolExecutor(max_workers=2, thread_name_prefix="flowgap-subset")


def _flow_jobs(src: SubsetSource, sel: np.ndarray, tables: dict) -> list:
    as_of_us = _as_of_us(src.full)
    seg = _mask(sel, src.codes["timeline"])
    items = tables["items"]

    def stages() -> None:
        visits = src.visits.filter(pa.array(sel[src.visit_item]))
        tables["status_classes"] = _status_classes(src, sel, items)
        tables["stages"] = stages_mod.build_stages(
            visits, tables["status_classes"], as_of_us=as_of_us
        )

    def teams() -> None:
        stints_raw = src.stints.filter(pa.array(_mask(sel, src.codes["stints"])))
        h_raw = src.handoffs.filter(pa.array(_mask(sel, src.codes["handoff_events"])))
        team = src.seg_team[seg]
        with_team = team >= 0
        waits = _int_sums(team[with_team], src.seg_wait[seg][with_team], len(src.teams))
        present = np.flatnonzero(np.bincount(team[with_team], minlength=len(src.teams)))
        waits_table = pa.table(
            {"team": [src.teams[i] for i in present], "wait": pa.array(waits[present], pa.int64())}
        )
        # All waiting inside windows, the denominator of both wait shares (as the pipeline).
        total_wait_us = int(src.seg_wait[seg].sum())
        tables["teams"] = teams_mod.build_teams(
            stints_raw, waits_table, h_raw, total_wait_us=total_wait_us
        )
        tables["handoffs"] = handoffs_mod.build_handoffs(h_raw)

    return [teams, stages]


def _daily(src: SubsetSource, sel: np.ndarray, items: pa.Table) -> dict:
    as_of_us = _as_of_us(src.full)
    if not src.full.has_history:
        return {name: TABLES[name].empty_table() for name in ("daily", "daily_totals", "weekly")}
    seg = _mask(sel, src.codes["timeline"])
    starts = src.seg_start[seg]
    first_day = int(starts.min()) // DAY_US if len(starts) else as_of_us // DAY_US + 1
    groups = src.seg_day_group[seg]
    n_days = np.bincount(groups[groups >= 0], minlength=src.day_groups.num_rows)
    used = np.flatnonzero(n_days)
    seg_days = src.day_groups.take(pa.array(used)).append_column(
        "n", pa.array(n_days[used], pa.int64())
    )
    in_use = np.flatnonzero(np.bincount(src.seg_status[seg], minlength=len(src.statuses)))
    statuses = dict(src.statuses[int(i)] for i in in_use)
    return {
        "daily": daily_mod.build_daily(seg_days, statuses, first_day=first_day, as_of_us=as_of_us),
        "daily_totals": daily_mod.build_daily_totals(items, first_day=first_day, as_of_us=as_of_us),
        "weekly": daily_mod.build_weekly(items, first_day=first_day, as_of_us=as_of_us),
    }


def _maps(src: SubsetSource, sel: np.ndarray) -> dict:
    if not src.full.has_history:
        status_map = handoff_graph = PROCESS_EDGES.empty_table()
    else:
        status_map, handoff_graph = src.status_pairs.edges(sel), src.team_pairs.edges(sel)
    return {
        "status_map": status_map,
        "handoff_graph": handoff_graph,
        "team_centrality": centrality(handoff_graph),
        "ping_pong_cycles": ping_pong_cycles(handoff_graph),
    }


def _finish(src: SubsetSource, sel: np.ndarray, tables: dict) -> Analysis:
    full = src.full
    config = full.config.model_copy(deep=True)
    config.flow.as_of = full.as_of  # what the dashboard pins for a filtered re-run
    # The summary reads the timeline's item, seg and start only: item numbers group faster.
    seg = _mask(sel, src.codes["timeline"])
    narrow = pa.table(
        {
            "item": src.codes["timeline"][seg],
            "seg": tables["timeline"].column("seg"),
            "start": tables["timeline"].column("start"),
        }
    )
    summary = build_summary(
        {**tables, "timeline": narrow},
        config=config,
        as_of=full.as_of,
        has_history=full.has_history,
        events=tables["timeline"].num_rows,
        # The inputs are the full analysis': a filter selects items, not records.
        records=records_of(full.inputs),
    )
    kept = set(src.keys.filter(pa.array(sel)).to_pylist()) if full.warnings else set()
    items, touches = tables["items"], tables["steering_touches"]
    analysis = SubsetAnalysis(
        config=config,
        as_of=full.as_of,
        engine=full.engine,
        has_history=full.has_history,
        inputs=full.inputs,
        warnings=[w for w in full.warnings if w.item is None or w.item in kept],
        rejects=full.rejects,
        summary=summary,
        findings=build_findings(summary, tables, config),
        ping_pong_cycles=_PENDING,
        **{name: tables.get(name, _PENDING) for name in TABLES},
    )
    analysis.__dict__["_deferred_lock"] = threading.Lock()
    analysis.__dict__["_deferred"] = {
        "daily": lambda: _daily(src, sel, items),
        "maps": lambda: _maps(src, sel),
        "comparison": lambda: {
            "steering_comparison": steering_comparison(items, touches, query=src.query)
        },
    }
    return analysis


def _status_classes(src: SubsetSource, sel: np.ndarray, items: pa.Table) -> pa.Table:
    """``build_status_classes`` for the selection: statuses entered (with their count), the
    current statuses of the selected items, and the configured ones."""
    full = src.full
    counts: dict[str, int] = {}
    if full.has_history:
        if src.status_counts is not None:
            sc = src.status_counts
            chosen = _mask(sel, sc.column("code").to_numpy())
            names = sc.schema.metadata[b"names"].decode().split("\x1f")
            sums = np.bincount(
                sc.column("number").to_numpy()[chosen],
                weights=sc.column("n").to_numpy()[chosen],
                minlength=len(names),
            )
            ns = np.rint(sums).astype(np.int64).tolist()
        else:
            entered = src.visits.filter(pa.array(sel[src.visit_item]))
            vc = pc.value_counts(entered.column("status"))
            names, ns = vc.field("values").to_pylist(), vc.field("counts").to_pylist()
        counts = {name: int(n) for name, n in zip(names, ns, strict=True) if n}
    current = pc.value_counts(items.column("current_status").drop_null())
    for name, n in zip(
        current.field("values").to_pylist(), current.field("counts").to_pylist(), strict=True
    ):
        counts[name] = counts.get(name, 0) + (0 if full.has_history else int(n))
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
