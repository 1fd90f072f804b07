"""Transition CSV: one row per status change (item, from, to, timestamp, optional author and
team, optional ``created``), as "time in status" apps and Jira's data pipeline export it.

A row is one record. The rules, each applied once, to whole columns:

- **Rejected**, with ``file:line`` and the reason, checked in this order: no item key; no
  target status; a timestamp ``parse_timestamp`` refuses; a ``created`` cell it refuses; the
  same item, time, from, to and team as an earlier line (that line stays). A row that differs
  from an earlier one only in its team is no duplicate: it is a team change at that moment
  (a handoff), as in an event-log CSV.
- **Order**: an item's rows by time, then line.
- **Creation**: the earliest ``created`` cell of the item's rows, unless it is after the first
  transition (warned: the first transition's time is used), else the first transition's time;
  the initial status (the first row's from, else its to) at that time.
- **Events**: each row is a status change to its ``to`` from its ``from`` (from the status the
  item was in when ``from`` is empty), except a first row without ``from``, which is the
  creation itself, and a row repeating an earlier transition of the item at the same time
  (with another team), which adds its team change only; a ``from`` other than the status the
  item is in is warned. A team cell that
  differs from the item's last team cell is a team change. The author is the actor of every
  event of the row.
- **Items** in order of first appearance: key, project (``ABC`` of ``ABC-123``), creation and
  the last row's ``to``.

Reading is ``csv_table``'s (Arrow's CSV reader), timestamps ``csv_timestamps``' rule; the rules
above run on numpy arrays: statuses, teams and authors are codes of one small dictionary, the
text columns are freed before the events are built, and the events are built one column at a
time. Measured with bytecode compiled, load average 2 on 2 cores: the benchmarks' 1M log
(36 MB, 463k rows, 677k events) loads in 0.5 s with a 325 MB peak (read row by row, it took
12 s and 880 MB), ten times it (365 MB, 6.8M events) in 6 s with a 1.9 GB peak.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from ..config import Config
from ..errors import excerpt, quoted
from ..model import EVENTS_SCHEMA, ITEMS_SCHEMA, TS, Finding, InputSummary, LoadResult, Reject
from . import arrow_columns as ac
from .common import zone
from .csv_table import (
    S,
    column_index,
    index_array,
    open_csv,
    optional_index,
    string_lengths,
)
from .csv_timestamps import isoformat, parse_column

FORMAT = "transition-csv"
#: A Jira-like key: project, dash, number (any script's digits, as Python's ``\\d``).
_KEY = r"^(?P<project>[A-Za-z][A-Za-z0-9_]*)-\p{Nd}+$"
_NO_TIME = np.iinfo(np.int64).max
_CREATED, _INITIAL, _STATUS, _TEAM = 0, 1, 2, 3


def project_of(key: str) -> str | None:
    """The project of one item key (``ABC`` of ``ABC-123``), None for other keys."""
    return projects(ac.strings([key]))[0].as_py()


def projects(keys: pa.Array) -> pa.Array:
    """The project of each item key, null where a key is not ``PROJECT-NUMBER``."""
    return pc.struct_field(pc.extract_regex(keys, pattern=_KEY), "project")


def load(path: Path, config: Config) -> LoadResult:
    """Load a transition CSV."""
    cfg = config.input.transitions
    tz = zone(cfg.timezone, path, "input.transitions.timezone")
    csv = open_csv(path)
    header = csv.header
    i_item = column_index(header, cfg.item, path, "input.transitions.item")
    i_from = column_index(header, cfg.from_status, path, "input.transitions.from")
    i_to = column_index(header, cfg.to_status, path, "input.transitions.to")
    i_ts = column_index(header, cfg.timestamp, path, "input.transitions.timestamp")
    i_author = optional_index(header, cfg.author, path)
    i_team = optional_index(header, cfg.team, path)
    i_created = optional_index(header, cfg.created, path)
    records = csv.read(
        i for i in (i_item, i_from, i_to, i_ts, i_author, i_team, i_created) if i is not None
    )
    warning = csv.warning
    del csv
    n = len(records)
    item, frm, to, ts_text = (records.values(i) for i in (i_item, i_from, i_to, i_ts))
    author, team = records.values(i_author), records.values(i_team)
    created_text = records.values(i_created)
    lines = records.lines
    del records

    # ---- rejects, in the order of the checks
    no_item = string_lengths(item) == 0
    no_to = ~no_item & (string_lengths(to) == 0)
    alive = ~no_item & ~no_to
    when = (cfg.timestamp_format, tz, cfg.dayfirst)
    ts, ts_errors = parse_column(ts_text, *when, rows=np.flatnonzero(alive))
    alive[_rows(ts_errors)] = False
    created = np.full(n, _NO_TIME, dtype=np.int64)
    created_errors: dict[int, str] = {}
    if i_created is not None:
        has = alive & (string_lengths(created_text) > 0)
        values, created_errors = parse_column(created_text, *when, rows=np.flatnonzero(has))
        alive[_rows(created_errors)] = False
        has[_rows(created_errors)] = False
        created = np.where(has, values, _NO_TIME)

    # ---- codes: items in order of first appearance; statuses, teams, authors in one pool
    surv = np.flatnonzero(alive)
    item_enc = pc.dictionary_encode(item.take(index_array(surv)))
    item_code = ac.ints(item_enc.indices)
    keys = item_enc.dictionary
    rank = np.empty(len(keys), dtype=np.int64)
    rank[ac.ints(pc.sort_indices(keys), wide=True)] = np.arange(len(keys), dtype=np.int64)
    # the four columns as chunks of one array: one dictionary for all, without a copy
    pool = pc.dictionary_encode(pa.chunked_array([frm, to, team, author], type=S))
    if pool.num_chunks == 4:
        names = pool.chunk(0).dictionary
        from_code, to_code, team_code, author_code = (ac.ints(p.indices) for p in pool.chunks)
    else:  # no rows: no chunks
        names = ac.strings([])
        from_code = to_code = team_code = author_code = np.zeros(0, dtype=np.int32)
    empty_name = np.flatnonzero(string_lengths(names) == 0)
    empty = int(empty_name[0]) if len(empty_name) else -2

    # ---- per item by (ts, line); duplicates (same item, ts, from, to, team): the first line
    # wins; a row repeating a transition with another team is a team change only
    order = _item_order(item_code, rank, ts[surv])
    r, c = surv[order], item_code[order]
    r, c, dup, original = _drop_duplicates(r, c, ts[r], (from_code, to_code, team_code))
    repeats = np.isin(r, _drop_duplicates(r, c, ts[r], (from_code, to_code))[2])

    rejects = [
        (row, f"missing item key (column {quoted(cfg.item)})")
        for row in np.flatnonzero(no_item).tolist()
    ]
    bad = np.flatnonzero(no_to)
    rejects += [
        (row, f"{key}: missing target status (column {quoted(cfg.to_status)})")
        for row, key in zip(bad.tolist(), _keys(item, bad), strict=True)
    ]
    for errors, what in ((ts_errors, "bad timestamp"), (created_errors, "bad created timestamp")):
        bad = _rows(errors)
        rejects += [
            (row, f"{key}: {what}: {errors[row]}")
            for row, key in zip(bad.tolist(), _keys(item, bad), strict=True)
        ]
    rejects += [
        (row, f"{key}: duplicate event (same transition and team as line {lines[first]})")
        for row, first, key in zip(dup.tolist(), original.tolist(), _keys(item, dup), strict=True)
    ]
    rejects.sort()
    if n != len(r) + len(rejects):  # a loader bug, never the user's fault
        raise AssertionError(f"{path}: {n} read != {len(r)} loaded + {len(rejects)} rejected")
    del item, frm, to, ts_text, author, team, created_text, pool

    codes = (from_code, to_code, team_code, author_code)
    events, items, found = _emit(
        r, c, ts[r], created[r], keys, names, codes, empty, lines, f"{path.name}:", repeats
    )
    warnings = [Finding("encoding", warning)] if warning else []
    if n == 0:
        warnings.append(Finding("empty", "the file has a header but no rows"))
    return LoadResult(
        events=events,
        items=items,
        rejects=[Reject(f"{path.name}:{lines[row]}", reason) for row, reason in rejects],
        warnings=warnings + found,
        inputs=[InputSummary(str(path), FORMAT, n, len(r), len(rejects), record_unit="row")],
        status_categories={},
        has_history=True,
    )


def _rows(errors: dict[int, str]) -> np.ndarray:
    return np.array(sorted(errors), dtype=np.int64)


def _keys(item: pa.Array, rows: np.ndarray) -> list[str]:
    """The item keys of ``rows``, as a reject reason names them."""
    return [excerpt(key) for key in item.take(index_array(rows)).to_pylist()]


def _item_order(code: np.ndarray, rank: np.ndarray, ts: np.ndarray) -> np.ndarray:
    """The rows (in line order) ordered by (their item's rank, ts, line)."""
    m = len(code)
    if m < 2:
        return np.arange(m)
    step = code[1:] != code[:-1]
    if np.all(step | (ts[1:] >= ts[:-1])) and np.all(code[1:] >= code[:-1]):
        # each item one run of rows in time order (how exports come): the runs are moved whole
        starts = np.flatnonzero(np.concatenate([[True], step]))
        sizes = np.diff(np.append(starts, m))
        order = np.argsort(rank[code[starts]], kind="stable")
        moved = np.concatenate([[0], np.cumsum(sizes[order])[:-1]]) - starts[order]
        return np.arange(m) - np.repeat(moved, sizes[order])
    rk = rank[code]
    if np.all((rk[:-1] < rk[1:]) | ((rk[:-1] == rk[1:]) & (ts[:-1] <= ts[1:]))):
        return np.arange(m)
    return ac.lexsort(ts, rk)  # stable: ties keep the line order


def _drop_duplicates(
    r: np.ndarray, c: np.ndarray, t: np.ndarray, parts: tuple[np.ndarray, ...]
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Rows ``r`` (item codes ``c``, instants ``t``, ordered by item, ts, line) without the
    repeats of an earlier line's item, ts and codes in each of ``parts`` (indexed by row); and
    the repeated rows with the row each repeats."""
    none = np.zeros(0, dtype=np.int64)
    tie = (c[1:] == c[:-1]) & (t[1:] == t[:-1])
    if not tie.any():
        return r, c, none, none
    run = np.cumsum(np.concatenate([[True], ~tie])) - 1
    tied = np.flatnonzero(np.concatenate([[False], tie]) | np.concatenate([tie, [False]]))
    o = tied[ac.lexsort(r[tied], *(p[r[tied]] for p in reversed(parts)), run[tied])]
    same = np.ones(len(o) - 1, dtype=bool)
    for part in (run[o], *(p[r[o]] for p in parts)):
        same &= part[1:] == part[:-1]
    new = np.concatenate([[True], ~same])
    head = o[np.maximum.accumulate(np.where(new, np.arange(len(o)), 0))]
    dup = o[~new]
    if len(dup) == 0:
        return r, c, none, none
    keep = np.ones(len(r), dtype=bool)
    keep[dup] = False
    return r[keep], c[keep], r[dup], r[head[~new]]


def _emit(
    r: np.ndarray,
    c: np.ndarray,
    t: np.ndarray,
    created: np.ndarray,
    keys: pa.Array,
    names: pa.Array,
    codes: tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray],
    empty: int,
    lines: np.ndarray,
    prefix: str,
    repeats: np.ndarray,
) -> tuple[pa.Table, pa.Table, list[Finding]]:
    """Events, items and warnings from the loaded rows ``r`` ordered by (item, ts, line), with
    their item codes ``c`` (codes of ``keys`` in first-appearance order), instants ``t`` and
    ``created`` cells. From, to, team and author are codes of ``names`` (``empty`` is "").
    Each row's source is ``prefix`` and its line; ``repeats`` marks the rows that repeat an
    earlier transition at the same time (another team's): they add no status change."""
    m = len(r)
    if m == 0:
        return _empty(EVENTS_SCHEMA), _empty(ITEMS_SCHEMA), []
    from_code, to_code, team_code, author_code = codes
    first = np.empty(m, dtype=bool)
    first[0] = True
    first[1:] = c[1:] != c[:-1]
    g_start = np.flatnonzero(first)
    g_last = np.append(g_start[1:] - 1, m - 1)
    f_code, s_code, tm = from_code[r], to_code[r], team_code[r]
    from_empty = f_code == empty
    # creation: the earliest ``created`` cell, unless it is after the first transition
    c_min = np.minimum.reduceat(created, g_start)
    first_ts = t[g_start]
    has_created = c_min != _NO_TIME
    late = has_created & (c_min > first_ts)
    born = np.where(has_created & ~late, c_min, first_ts)
    prev_to = np.empty_like(s_code)
    prev_to[0] = -1
    prev_to[1:] = s_code[:-1]
    emit_status = ~(first & from_empty) & ~repeats
    inconsistent = ~first & ~from_empty & (f_code != prev_to) & ~repeats
    # a team cell starts an event when it differs from the item's last non-empty team cell
    with_team = np.flatnonzero(tm != empty)
    team_prev = np.full(m, -1, dtype=np.int64)
    emit_team = np.zeros(m, dtype=bool)
    if len(with_team):
        group = np.cumsum(first) - 1
        before = np.concatenate([[0], with_team[:-1]])
        linked = group[before] == group[with_team]
        linked[0] = False
        team_prev[with_team] = np.where(linked, tm[before], -1)
        emit_team[with_team] = ~linked | (tm[with_team] != tm[before])

    # ---- events: per row [created, initial status] (an item's first row), status, team;
    # each kind is written to its positions at once, in 32-bit positions while they fit, and
    # each column is built and its inputs dropped before the next (peak memory at 10M events)
    per_row = 2 * first.astype(np.int32) + emit_status + emit_team
    base = np.cumsum(per_row, dtype=np.int64) - per_row
    e_total = int(base[-1] + per_row[-1])
    pos = np.int32 if e_total < 1 << 31 else np.int64
    base = base.astype(pos)
    e_row = np.repeat(np.arange(m, dtype=pos), per_row)
    s_rows = np.flatnonzero(emit_status)
    t_rows = np.flatnonzero(emit_team)
    p_created = base[g_start]
    p_status = base[s_rows] + 2 * first[s_rows]
    p_team = base[t_rows] + 2 * first[t_rows] + emit_status[t_rows]
    null = len(names)
    kind = np.empty(e_total, dtype=np.uint8)
    value = np.empty(e_total, dtype=np.uint32)
    prev = np.empty(e_total, dtype=np.uint32)
    kind[p_created], kind[p_created + 1] = _CREATED, _INITIAL
    kind[p_status], kind[p_team] = _STATUS, _TEAM
    value[p_created] = null
    value[p_created + 1] = np.where(from_empty[g_start], s_code[g_start], f_code[g_start])
    value[p_status] = s_code[s_rows]
    value[p_team] = tm[t_rows]
    prev[p_created] = prev[p_created + 1] = null
    prev[p_status] = np.where(from_empty[s_rows], prev_to[s_rows], f_code[s_rows])
    prev[p_team] = np.where(team_prev[t_rows] >= 0, team_prev[t_rows], null)
    del s_rows, t_rows, p_status, p_team, base, per_row
    e_ts = t[e_row]
    e_ts[p_created] = e_ts[p_created + 1] = born
    # seq: the rank among the item's events at the same instant
    new_run = np.empty(e_total, dtype=bool)
    new_run[0] = True
    np.not_equal(e_ts[1:], e_ts[:-1], out=new_run[1:])
    new_run[p_created] = True
    at = np.arange(e_total, dtype=pos)
    run_start = np.where(new_run, at, 0)
    np.maximum.accumulate(run_start, out=run_start)
    seq = (at - run_start).astype(np.int64)
    del at, run_start, new_run
    actor = author_code[r].astype(np.uint32)
    actor[actor == empty] = null
    pool = pa.concat_arrays([names, pa.nulls(1, S)])
    fields = ac.strings(["created", "status", "status", "team"])
    columns = [keys.take(index_array(c[e_row])), ac.int_array(e_ts).view(TS), ac.int_array(seq)]
    del e_ts, seq
    columns.append(
        fields.take(pa.Array.from_buffers(pa.uint8(), e_total, [None, pa.py_buffer(kind)]))
    )
    del kind
    for codes_of_event in (value, prev):
        columns.append(pool.take(index_array(codes_of_event)))
    del value, prev
    columns.append(pool.take(index_array(actor[e_row])))
    event_lines = lines[r][e_row]
    del e_row
    columns.append(
        pc.binary_join_element_wise(
            ac.scalar(prefix), pc.cast(ac.int_array(event_lines), S), ac.scalar("")
        )
    )
    del event_lines
    events = pa.Table.from_arrays(columns, schema=EVENTS_SCHEMA)
    del columns

    # ---- items, in order of first appearance
    g_code = c[g_start]
    by_code = np.empty(len(keys), dtype=np.int64)
    by_code[g_code] = np.arange(len(g_start))
    nulls = {f.name: pa.nulls(len(keys), f.type) for f in ITEMS_SCHEMA}
    items = pa.Table.from_arrays(
        [
            keys,
            projects(keys),
            nulls["type"],
            nulls["priority"],
            nulls["summary"],
            ac.int_array(born[by_code]).view(TS),
            nulls["resolved"],
            pool.take(index_array(s_code[g_last][by_code])),
            nulls["labels"],
            nulls["components"],
            nulls["story_points"],
        ],
        schema=ITEMS_SCHEMA,
    )

    # ---- warnings: per item (first appearance), its creation first, then its rows in order
    found: list[tuple[int, int, Finding]] = []
    for g in np.flatnonzero(late).tolist():
        key = keys[int(g_code[g])].as_py()
        found.append(
            (
                int(g_code[g]),
                -1,
                Finding(
                    "created_after_transition",
                    f"{key}: created {isoformat(int(c_min[g]))} is after its first transition;"
                    " the first transition's time is used",
                    key,
                    f"{prefix}{lines[r[g_start[g]]]}",
                ),
            )
        )
    odd = np.flatnonzero(inconsistent)
    texts = zip(
        odd.tolist(),
        keys.take(index_array(c[odd])).to_pylist(),
        names.take(index_array(f_code[odd])).to_pylist(),
        names.take(index_array(prev_to[odd])).to_pylist(),
        strict=True,
    )
    for i, key, moved, was in texts:
        found.append(
            (
                int(c[i]),
                i,
                Finding(
                    "inconsistent_transition",
                    f"{excerpt(key)}: moves from {quoted(moved)} but was in {quoted(was)}",
                    key,
                    f"{prefix}{lines[r[i]]}",
                ),
            )
        )
    found.sort(key=lambda x: (x[0], x[1]))
    return events, items, [f for _, _, f in found]


def _empty(schema: pa.Schema) -> pa.Table:
    """``schema.empty_table()`` without its pandas import."""
    return pa.Table.from_arrays([pa.nulls(0, f.type) for f in schema], schema=schema)
