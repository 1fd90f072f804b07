"""Parquet of the canonical tables: ``events.parquet`` plus its sibling
``events.items.parquet`` (and ``events.rejects.csv`` when the source had rejects).

Reading stays columnar (pyarrow, never pandas): large inputs for the Spark and DuckDB paths come
this way. One event row is one record; a row with a null key column (item, ts, seq, field) is
rejected with its row number.
"""

from __future__ import annotations

import csv
import io
import os
from collections.abc import Callable
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from ..config import Config
from ..errors import InputError
from ..model import (
    EVENTS_SCHEMA,
    ITEMS_SCHEMA,
    Finding,
    InputSummary,
    LoadResult,
    Reject,
    sort_events,
)

FORMAT = "parquet"
TABLE_KEY = b"flowgap:table"
_REQUIRED = ("item", "ts", "seq", "field")
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def stem_of(path: Path) -> str:
    name = path.name
    return name[: -len(".parquet")] if name.lower().endswith(".parquet") else path.stem


def items_path(events_path: Path) -> Path:
    return events_path.with_name(f"{stem_of(events_path)}.items.parquet")


def rejects_path(events_path: Path) -> Path:
    return events_path.with_name(f"{stem_of(events_path)}.rejects.csv")


def _read(path: Path) -> pa.Table:
    try:
        # Not pq.read_table: its dataset layer imports pandas (about a second) for one file.
        return pq.ParquetFile(path).read()
    except FileNotFoundError:
        raise InputError(path, "no such file") from None
    except (pa.ArrowException, OSError) as exc:
        msg = " ".join(str(exc).split())
        raise InputError(path, f"not a readable Parquet file: {msg}") from None


def _conform(table: pa.Table, schema: pa.Schema, path: Path, what: str) -> pa.Table:
    """Columns of ``schema`` in order, cast to its types; extra columns kept as strings."""
    missing = [name for name in schema.names if name not in table.column_names]
    if missing:
        raise InputError(path, f"{what} table lacks column {missing[0]!r}", record="schema")
    columns = []
    fields = []
    for f in schema:
        col = table.column(f.name)
        try:
            # naive timestamps are taken as UTC
            if pa.types.is_timestamp(col.type) and col.type.tz is None:
                col = pc.assume_timezone(col, "UTC")
            col = col.cast(f.type)
        except (pa.ArrowInvalid, pa.ArrowNotImplementedError) as exc:
            raise InputError(
                path, f"column {f.name!r} of type {col.type} cannot be read as {f.type}: {exc}"
            ) from None
        columns.append(col)
        fields.append(f)
    for name in table.column_names:
        if name in schema.names:
            continue
        col = table.column(name)
        if not pa.types.is_string(col.type) and not pa.types.is_large_string(col.type):
            try:
                col = col.cast(pa.string())
            except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
                raise InputError(
                    path, f"extra column {name!r} of type {col.type} is not text"
                ) from None
        columns.append(col.cast(pa.string()))
        fields.append(pa.field(name, pa.string()))
    return pa.Table.from_arrays(columns, schema=pa.schema(fields))


def load(path: Path, config: Config) -> LoadResult:
    raw = _read(path)
    kind = (raw.schema.metadata or {}).get(TABLE_KEY)
    if kind == b"items":
        raise InputError(path, "this is an items table; give its events table instead")
    events = _conform(raw, EVENTS_SCHEMA, path, "events").select(EVENTS_SCHEMA.names)
    rejects: list[Reject] = []
    warnings: list[Finding] = []
    bad = None
    for name in _REQUIRED:
        nulls = pc.is_null(events.column(name))
        bad = nulls if bad is None else pc.or_(bad, nulls)
    if bad is not None and pc.any(bad).as_py():
        indices = pc.indices_nonzero(bad).to_pylist()
        for i in indices:
            row = events.slice(i, 1).to_pylist()[0]
            gone = [n for n in _REQUIRED if row[n] is None]
            rejects.append(
                Reject(f"{path.name}:row {i + 1}", f"null {', '.join(gone)} in an event row")
            )
        events = events.filter(pc.invert(bad))
    events = canonical_order(events)

    sibling = items_path(path)
    if sibling.is_file():
        items = _conform(_read(sibling), ITEMS_SCHEMA, sibling, "items")
        if items.column("item").null_count:
            raise InputError(sibling, "null item key in the items table")
    else:
        items = derive_items(events)
        warnings.append(
            Finding(
                "items_derived",
                f"no {sibling.name} beside {path.name}: items derived from events (created,"
                " current status); project, type and other attributes are unknown",
            )
        )
    summary = InputSummary(
        path=str(path),
        format=FORMAT,
        records_read=raw.num_rows,
        records_loaded=events.num_rows,
        records_rejected=len(rejects),
        record_unit="event",
    )
    return LoadResult(
        events=events, items=items, rejects=rejects, warnings=warnings, inputs=[summary]
    )


def is_canonically_sorted(events: pa.Table) -> bool:
    """Whether rows are already in (item, ts, seq) order: one vectorised pass over neighbours."""
    n = events.num_rows
    if n < 2:
        return True
    pairs = []
    for name in ("item", "ts", "seq"):
        col = events.column(name)
        pairs.append((col.slice(0, n - 1), col.slice(1)))
    (i0, i1), (t0, t1), (s0, s1) = pairs
    in_order = pc.or_(
        pc.less(i0, i1),
        pc.and_(
            pc.equal(i0, i1),
            pc.or_(pc.less(t0, t1), pc.and_(pc.equal(t0, t1), pc.less_equal(s0, s1))),
        ),
    )
    return bool(pc.all(in_order).as_py())


def canonical_order(events: pa.Table) -> pa.Table:
    # What flowgap wrote is sorted already; checking is ~100x cheaper than sorting again.
    return events if is_canonically_sorted(events) else sort_events(events)


def derive_items(events: pa.Table) -> pa.Table:
    """Minimal items from events: created (its event, else the first event) and last status."""
    if events.num_rows == 0:
        return ITEMS_SCHEMA.empty_table()
    first = events.group_by("item", use_threads=False).aggregate([("ts", "min")])
    created_ev = events.filter(pc.equal(events.column("field"), "created"))
    created = created_ev.group_by("item", use_threads=False).aggregate([("ts", "min")])
    status_ev = events.filter(pc.equal(events.column("field"), "status"))
    # events are sorted by item, ts, seq: the last status row of an item is its current one
    last = status_ev.group_by("item", use_threads=False).aggregate([("value", "last")])
    table = first.join(
        created.rename_columns(["item", "created_ts"]), "item", join_type="left outer"
    )
    table = table.join(last, "item", join_type="left outer").sort_by("item")
    created_col = pc.coalesce(table.column("created_ts"), table.column("ts_min"))
    n = table.num_rows
    arrays = {
        "item": table.column("item"),
        "created": created_col,
        "current_status": table.column("value_last"),
    }
    columns = [arrays[f.name] if f.name in arrays else pa.nulls(n, f.type) for f in ITEMS_SCHEMA]
    return pa.Table.from_arrays(columns, schema=ITEMS_SCHEMA)


def _with_kind(table: pa.Table, kind: str) -> pa.Table:
    meta = dict(table.schema.metadata or {})
    meta[TABLE_KEY] = kind.encode()
    return table.replace_schema_metadata(meta)


def _atomic_write(target: Path, write: Callable[[Path], object]) -> None:
    tmp = target.with_name(f".{target.name}.tmp-{os.getpid()}")
    try:
        write(tmp)
        os.replace(tmp, target)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def _safe_cell(text: str) -> str:
    # A spreadsheet would run a cell starting with = + - @ as a formula.
    return "'" + text if text.startswith(_FORMULA_START) else text


def write_parquet(result: LoadResult, out: Path) -> list[Path]:
    """Write events to ``out``, items to ``<stem>.items.parquet`` and, when the inputs had
    rejects, those to ``<stem>.rejects.csv``. Each file appears complete or not at all."""
    out = Path(out)
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise InputError(out.parent, f"cannot create output directory: {exc.strerror}") from None
    events = _with_kind(canonical_order(result.events.cast(EVENTS_SCHEMA)), "events")
    items = _with_kind(result.items, "items")
    written: list[Path] = []
    try:
        _atomic_write(out, lambda p: pq.write_table(events, p, compression="zstd"))
        written.append(out)
        ipath = items_path(out)
        _atomic_write(ipath, lambda p: pq.write_table(items, p, compression="zstd"))
        written.append(ipath)
        rpath = rejects_path(out)
        if result.rejects:
            buf = io.StringIO()
            writer = csv.writer(buf, lineterminator="\n")
            writer.writerow(["source", "reason"])
            for r in result.rejects:
                writer.writerow([_safe_cell(r.source), _safe_cell(r.reason)])
            _atomic_write(rpath, lambda p: p.write_text(buf.getvalue(), encoding="utf-8"))
            written.append(rpath)
        else:
            rpath.unlink(missing_ok=True)  # a stale list would claim rejects this run lacks
    except OSError as exc:
        raise InputError(out, f"cannot write: {exc.strerror or exc}") from None
    return written
