"""Parquet of the canonical tables: ``events.parquet`` plus its sibling
``events.items.parquet`` (and ``events.rejects.csv`` when the source had rejects).

Each of the two may be one file or a **dataset**: a directory of many Parquet files, possibly
hive-partitioned (``project=ABC/month=2024-01/part-0.parquet``), as ``flowgap convert
--dataset`` and Spark write them. A directory named ``*.parquet``, or holding ``key=value``
subdirectories, is a dataset; files and folders whose names start with ``_`` or ``.`` (Spark's
``_SUCCESS``, checksums) are not data. A partition value missing from an items file becomes
its column (text); the events' partition keys are not event columns and are left out.

Reading stays columnar (pyarrow, never pandas). One event row is one record; a row with a null
key column (:data:`REQUIRED`) is rejected with its file and row number. ``--engine spark``
reads a dataset with Spark instead, by the same rules (:mod:`flowgap.engine.parquet_source`).
"""

from __future__ import annotations

import csv
import io
import os
from pathlib import Path
from urllib.parse import unquote

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from ..config import Config
from ..errors import InputError, excerpt, quoted
from ..model import (
    EVENTS_SCHEMA,
    ITEMS_SCHEMA,
    Finding,
    InputSummary,
    LoadResult,
    Reject,
    dedupe_items,
    sort_events,
)
from ..outputs import atomic_write, check_targets
from . import inflate
from .csv_timestamps import iso_moments

FORMAT = "parquet"
TABLE_KEY = b"flowgap:table"
#: The key columns of an event row: a row with any of them null is rejected.
REQUIRED = ("item", "ts", "seq", "field")
#: A null partition value, as Hive, Spark and pyarrow write it.
HIVE_NULL = "__HIVE_DEFAULT_PARTITION__"
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def stem_of(path: Path) -> str:
    name = path.name
    return name[: -len(".parquet")] if name.lower().endswith(".parquet") else path.stem


def items_path(events_path: Path) -> Path:
    return events_path.with_name(f"{stem_of(events_path)}.items.parquet")


def rejects_path(events_path: Path) -> Path:
    return events_path.with_name(f"{stem_of(events_path)}.rejects.csv")


def is_dataset(path: Path) -> bool:
    """Whether the directory ``path`` is one Parquet dataset (not a folder of inputs)."""
    if not path.is_dir():
        return False
    if path.name.lower().endswith(".parquet"):
        return True
    return any(p.is_dir() and _partition(p.name) is not None for p in path.iterdir())


def _partition(name: str) -> tuple[str, str | None] | None:
    key, sep, value = name.partition("=")
    if not sep or not key:
        return None
    value = unquote(value)
    return key, None if value == HIVE_NULL else value


def dataset_files(path: Path) -> list[Path]:
    """The data files of a dataset, in name order (hidden and ``_`` names are not data)."""
    found = []
    for root, dirs, files in os.walk(path):
        dirs[:] = sorted(d for d in dirs if not d.startswith(("_", ".")))
        found += [Path(root) / f for f in sorted(files) if not f.startswith(("_", "."))]
    if not found:
        raise InputError(path, "a Parquet dataset without data files")
    return found


def _partition_values(path: Path, root: Path) -> dict[str, str | None]:
    values: dict[str, str | None] = {}
    for part in path.relative_to(root).parts[:-1]:
        found = _partition(part)
        if found is not None:
            values[found[0]] = found[1]
    return values


def _read_any(path: Path, partitions: bool = False) -> list[tuple[str, pa.Table]]:
    """(name for messages, table) of each file of ``path`` (one file, or a dataset); with
    ``partitions``, a partition value the file lacks as a column is added as one."""
    if not path.is_dir():
        return [(path.name, _read(path))]
    out = []
    for file in dataset_files(path):
        table = _read(file)
        for key, value in _partition_values(file, path).items() if partitions else ():
            if key not in table.column_names:
                column = pa.repeat(pa.scalar(value, pa.string()), table.num_rows)
                table = table.append_column(key, column)
        out.append((f"{path.name}/{file.relative_to(path).as_posix()}", table))
    return out


#: Bytes a value takes at least once read (an 8-byte number, or a string's offset and text).
VALUE_BYTES = 8


def _read(path: Path) -> pa.Table:
    try:
        # Not pq.read_table: its dataset layer imports pandas (about a second) for one file.
        file = pq.ParquetFile(path)
        _check_shape(file, path)
        return file.read()
    except FileNotFoundError:
        raise InputError(path, "no such file") from None
    except (pa.ArrowException, OSError) as exc:
        msg = " ".join(str(exc).split())
        raise InputError(path, f"not a readable Parquet file: {msg}") from None


def _check_shape(file: pq.ParquetFile, path: Path) -> None:
    """Refuse, before reading, a file whose columns repeat a name or whose rows would take
    more memory than ``[input] max_compression_ratio`` times its size: Parquet compresses ten
    million equal rows into 247 KB, which took 1.4 GB to read (a decompression bomb, as a
    gzip's; real canonical Parquet expands 4 to 10 times)."""
    names = file.schema_arrow.names
    seen: set[str] = set()
    for name in names:
        if name in seen:
            times = names.count(name)
            message = f"the column {quoted(name)} appears {times} times"
            raise InputError(path, message, record="schema")
        seen.add(name)
    meta = file.metadata
    rows, columns = meta.num_rows, max(meta.num_columns, 1)
    size = path.stat().st_size
    budget = inflate.current()
    if budget.too_dense(rows * columns * VALUE_BYTES, size):
        raise InputError(
            path,
            f"{rows:,} rows of {columns} columns in {size:,} bytes would take more than"
            f" {budget.max_ratio:g} times its size in memory ([input] max_compression_ratio);"
            " a decompression bomb?",
            record="metadata",
        )


def _is_text(dtype: pa.DataType) -> bool:
    return pa.types.is_string(dtype) or pa.types.is_large_string(dtype)


def _text_moments(col: pa.ChunkedArray, path: Path, name: str) -> pa.Array:
    """ISO 8601 text as UTC moments: with a zone offset as it says, without one in UTC (naive
    means UTC, as for a timestamp column without a zone, and as Spark casts text with its
    session in UTC: both paths read the same moments). The CSV loaders' ISO reading
    (``csv_timestamps.iso_moments``); the first text that is no moment is named."""
    texts = col.combine_chunks() if col.num_chunks else pa.array([], col.type)
    us, read = iso_moments(texts)
    valid = texts.is_valid().to_numpy(zero_copy_only=False)
    bad = np.flatnonzero(valid & ~read)
    if len(bad):
        raise InputError(
            path,
            f"column {quoted(name)} of type string cannot be read as a moment:"
            f" {quoted(texts[int(bad[0])].as_py())} is no ISO 8601 date or time",
            record=f"row {int(bad[0]) + 1}",
        )
    return pa.array(us, pa.timestamp("us", tz="UTC"), mask=~valid)


def conform(table: pa.Table, schema: pa.Schema, path: Path, what: str) -> pa.Table:
    """Columns of ``schema`` in order, cast to its types; extra columns kept as strings."""
    missing = [name for name in schema.names if name not in table.column_names]
    if missing:
        raise InputError(path, f"{what} table lacks column {quoted(missing[0])}", record="schema")
    columns = []
    fields = []
    for f in schema:
        col = table.column(f.name)
        try:
            # naive timestamps are taken as UTC
            if pa.types.is_timestamp(col.type) and col.type.tz is None:
                col = pc.assume_timezone(col, "UTC")
            elif pa.types.is_timestamp(f.type) and _is_text(col.type):
                col = _text_moments(col, path, f.name)
            col = col.cast(f.type)
        except (pa.ArrowInvalid, pa.ArrowNotImplementedError) as exc:
            raise InputError(
                path,
                f"column {quoted(f.name)} of type {col.type} cannot be read as {f.type}:"
                f" {excerpt(exc)}",
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
                    path, f"extra column {quoted(name)} of type {col.type} is not text"
                ) from None
        columns.append(col.cast(pa.string()))
        fields.append(pa.field(name, pa.string()))
    return pa.Table.from_arrays(columns, schema=pa.schema(fields))


def load(path: Path, config: Config) -> LoadResult:
    parts = _read_any(path)
    rejects: list[Reject] = []
    tables = []
    read = 0
    for name, raw in parts:
        kind = (raw.schema.metadata or {}).get(TABLE_KEY)
        if kind == b"items":
            raise InputError(path, "this is an items table; give its events table instead")
        events = conform(raw, EVENTS_SCHEMA, path, "events").select(EVENTS_SCHEMA.names)
        events, bad = _without_null_keys(events, name)
        rejects += bad
        tables.append(events.replace_schema_metadata(None))
        read += raw.num_rows
    events = tables[0] if len(tables) == 1 else pa.concat_tables(tables)
    events = canonical_order(events)

    warnings: list[Finding] = []
    sibling = items_path(path)
    if sibling.exists():
        pieces = [
            conform(raw, ITEMS_SCHEMA, sibling, "items").replace_schema_metadata(None)
            for _, raw in _read_any(sibling, partitions=True)
        ]
        items = pieces[0]
        if len(pieces) > 1:
            items = pa.concat_tables(pieces, promote_options="permissive")
        if items.column("item").null_count:
            raise InputError(sibling, "null item key in the items table")
        items = dedupe_items(items)
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
        records_read=read,
        records_loaded=events.num_rows,
        records_rejected=len(rejects),
        record_unit="event",
    )
    return LoadResult(
        events=events, items=items, rejects=rejects, warnings=warnings, inputs=[summary]
    )


def _without_null_keys(events: pa.Table, name: str) -> tuple[pa.Table, list[Reject]]:
    """The rows of ``events`` with every :data:`REQUIRED` column set, and a reject for each
    other row (``name:row N``, N counted from 1 in its file)."""
    bad = None
    for column in REQUIRED:
        nulls = pc.is_null(events.column(column))
        bad = nulls if bad is None else pc.or_(bad, nulls)
    if bad is None or not pc.any(bad).as_py():
        return events, []
    rejects = []
    for i in pc.indices_nonzero(bad).to_pylist():
        row = events.slice(i, 1).to_pylist()[0]
        rejects.append(Reject(f"{name}:row {i + 1}", null_keys_reason(row)))
    return events.filter(pc.invert(bad)), rejects


def null_keys_reason(row: dict) -> str:
    """The reject reason of an event row with null key columns (both engines word it so)."""
    gone = [n for n in REQUIRED if row.get(n) is None]
    return f"null {', '.join(gone)} in an event row"


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


def with_kind(table: pa.Table, kind: str) -> pa.Table:
    meta = dict(table.schema.metadata or {})
    meta[TABLE_KEY] = kind.encode()
    return table.replace_schema_metadata(meta)


def _safe_cell(text: str) -> str:
    # A spreadsheet would run a cell starting with = + - @ as a formula.
    return "'" + text if text.startswith(_FORMULA_START) else text


def rejects_csv(rejects: list[Reject]) -> str:
    """The rejects list written beside the events: source, reason (formulas neutralised)."""
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(["source", "reason"])
    for r in rejects:
        writer.writerow([_safe_cell(r.source), _safe_cell(r.reason)])
    return buf.getvalue()


def write_rejects(out: Path, rejects: list[Reject]) -> list[Path]:
    """The rejects CSV beside the events at ``out`` (the file written, if any). Without
    rejects an older list is removed: a stale list would claim rejects this run lacks."""
    rpath = rejects_path(out)
    check_targets([rpath])
    if not rejects:
        rpath.unlink(missing_ok=True)
        return []
    text = rejects_csv(rejects)
    atomic_write(rpath, lambda p: p.write_text(text, encoding="utf-8"))
    return [rpath]


def write_parquet(result: LoadResult, out: Path) -> list[Path]:
    """Write events to ``out``, items to ``<stem>.items.parquet`` and, when the inputs had
    rejects, those to ``<stem>.rejects.csv``. Each file appears complete or not at all."""
    out = Path(out)
    check_targets([out, items_path(out), rejects_path(out)])
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise InputError(out.parent, f"cannot create output directory: {exc.strerror}") from None
    events = with_kind(canonical_order(result.events.cast(EVENTS_SCHEMA)), "events")
    items = with_kind(result.items, "items")
    written: list[Path] = []
    try:
        atomic_write(out, lambda p: pq.write_table(events, p, compression="zstd"))
        written.append(out)
        ipath = items_path(out)
        atomic_write(ipath, lambda p: pq.write_table(items, p, compression="zstd"))
        written.append(ipath)
        written += write_rejects(out, result.rejects)
    except OSError as exc:
        raise InputError(out, f"cannot write: {exc.strerror or exc}") from None
    return written
