"""``--engine spark`` reading canonical Parquet itself: the events stay on the cluster.

A :class:`ParquetSource` names the events (one file or a dataset: a directory of files,
possibly hive-partitioned; a local path or a URI the cluster reads: ``hdfs://``, ``s3a://``,
``abfss://``, ``file://``) and its items sibling (``events.items.parquet``, a file or a
dataset). :func:`read_source` has Spark read both and applies the canonical Parquet rules
there, as the loader (:mod:`flowgap.ingest.parquet`) does in memory:

- the key columns (``REQUIRED``) must be set: a row with a null one is a rejected record,
  named by its file and row (``null_keys_reason`` words it for both);
- the time span (:mod:`flowgap.time_span`): an event more than 100 years from the median of
  the data is a rejected record, an item date that far is cleared. The median here is Spark's
  ``percentile_approx`` (a 100-year tolerance does not need an exact one).

What comes back to the driver: counts, the time range, the rejected rows, the status events
(the status rules of ``status_classes.py`` run on them in Arrow) and one row per item (the
items table). The result, a :class:`BackendLoad`, is what the engine reads instead of a
``LoadResult``: its ``events`` is a backend table (item, t in microseconds, seq, field, value),
which ``coded_events.py`` codes as it codes a loaded log.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import ibis.expr.types as ir
import pyarrow as pa
import pyarrow.compute as pc

from ..errors import InputError, UsageError, quoted
from ..ingest.parquet import (
    FORMAT,
    REQUIRED,
    conform,
    null_keys_reason,
)
from ..locations import is_uri
from ..model import (
    EVENTS_SCHEMA,
    ITEMS_SCHEMA,
    Finding,
    InputSummary,
    Reject,
    dedupe_items,
    sort_events,
)
from ..time_span import bounds, clear_far_dates, far_rejects

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
#: Spark reads partition values as text (a project "007" stays "007").
_NO_INFERENCE = ("spark.sql.sources.partitionColumnTypeInference.enabled", "false")
#: The key columns whose cast can fail (text that is no number or no moment, a number out of
#: range), the type each is cast to, and the Spark types that always cast.
_CHECKED_CASTS = {
    "ts": ("timestamp", {"timestamp", "timestamp_ntz", "date"}),
    "seq": ("bigint", {"bigint", "int", "smallint", "tinyint"}),
}


@dataclass(frozen=True)
class ParquetSource:
    """Canonical Parquet for the backend to read: ``events`` (a path or URI), ``items`` its
    sibling."""

    events: str
    #: The path as the user gave it (reports name the input so).
    given: str = ""

    @property
    def items(self) -> str:
        head, _, name = self.events.rstrip("/").rpartition("/")
        stem = name[: -len(".parquet")] if name.lower().endswith(".parquet") else name
        return f"{head}/{stem}.items.parquet" if head else f"{stem}.items.parquet"

    @property
    def name(self) -> str:
        return self.events.rstrip("/").rpartition("/")[2]


def source_of(path: str) -> ParquetSource:
    """A source for ``path``: a URI as it is, a local path made absolute (the executors do
    not share this process' working directory)."""
    if is_uri(path):
        return ParquetSource(path, path)
    if not os.path.exists(path):
        raise InputError(path, "no such file or directory")
    return ParquetSource(os.path.abspath(path), path)


@dataclass
class BackendLoad:
    """A canonical log read by the backend: the engine's input when it never was in memory."""

    backend: Any
    #: item, t (int64 us), seq, field, value: the loaded events, on the backend.
    events: ir.Table
    items: pa.Table
    events_count: int
    first: datetime | None
    last: datetime | None
    centre_us: int | None
    #: The status events (item, ts, seq, field, value), canonically ordered: what the status
    #: rules read, in Arrow on the driver.
    status_events: pa.Table
    rejects: list[Reject] = field(default_factory=list)
    warnings: list[Finding] = field(default_factory=list)
    inputs: list[InputSummary] = field(default_factory=list)
    status_categories: dict[str, str] = field(default_factory=dict)
    has_history: bool = True
    #: Tells the engine's readers of a load (as_of, status moves and counts, coded events)
    #: to query the backend.
    on_backend: bool = True

    def nothing_loaded(self) -> str | None:
        if self.items.num_rows:
            return None
        return (
            f"nothing to analyse: no item in {self.inputs[0].path} ({self.events_count:,} events)"
        )


def read_input(result: Any, backend: Any) -> Any:
    """What the engine reads: a :class:`ParquetSource` read by the backend (an error when it
    holds no item), a loaded log as it is."""
    if not isinstance(result, ParquetSource):
        return result
    read = read_source(result, backend)
    empty = read.nothing_loaded()
    if empty is not None:
        raise InputError(read.inputs[0].path, empty)
    return read


def event_count(result: Any) -> int:
    """The events of a loaded log or of a :class:`BackendLoad`."""
    return result.events_count if isinstance(result, BackendLoad) else result.events.num_rows


def read_source(source: ParquetSource, backend: Any) -> BackendLoad:
    """Read ``source`` with the backend's Spark session and apply the canonical rules there."""
    if backend.name != "spark":
        raise UsageError("canonical Parquet is read by the backend itself only with --engine spark")
    session = backend.session
    F = _functions(session)
    session.conf.set(*_NO_INFERENCE)
    raw = _read(session, source.events)
    missing = [name for name in EVENTS_SCHEMA.names if name not in raw.columns]
    if missing:
        raise InputError(
            source.events, f"events table lacks column {quoted(missing[0])}", record="schema"
        )
    _check_casts(raw, source, F)
    canon = raw.select(
        F.col("item").cast("string").alias("item"),
        F.unix_micros(F.col("ts").cast("timestamp")).alias("t"),
        F.col("seq").cast("bigint").alias("seq"),
        F.col("field").cast("string").alias("field"),
        F.col("value").cast("string").alias("value"),
        F.col("source").cast("string").alias("source"),
    )
    null_key = None
    for name in REQUIRED:
        column = F.col("t" if name == "ts" else name)
        null_key = column.isNull() if null_key is None else null_key | column.isNull()
    t = F.when(~null_key, F.col("t"))
    stats = canon.agg(
        F.count(F.lit(1)).alias("read"),
        F.sum(null_key.cast("long")).alias("null_keys"),
        F.percentile_approx(t, 0.5, 10_000).alias("centre"),
    ).collect()[0]
    rejects, rejected_items = (
        _null_key_rejects(raw, source, F) if stats["null_keys"] else ([], set())
    )
    valid = canon.filter(~null_key)
    centre = stats["centre"]
    if centre is not None:
        low, high = bounds(int(centre))
        far = F.col("t").between(low, high)
        far_rows = valid.filter(~far).select("item", "t", "source").collect()
        rejects += far_rejects(
            [r["source"] for r in far_rows],
            [r["item"] for r in far_rows],
            [r["t"] for r in far_rows],
            int(centre),
        )
        rejected_items.update(r["item"] for r in far_rows)
        if far_rows:
            valid = valid.filter(far)
    counted = valid.agg(
        F.count(F.lit(1)).alias("n"), F.min("t").alias("first"), F.max("t").alias("last")
    ).collect()[0]
    # Cached (spilling to disk past the executors' memory): the queries that follow (codes,
    # status moves and counts, first events) read it rather than the files again.
    events = backend.register_frame("events_read", valid.drop("source"), cache=True)
    # The status rules (moves, counts, names: engine/status_classes.py) run in Arrow on the
    # driver, over the status events only.
    status = valid.filter(F.col("field") == "status").select(
        "item", F.timestamp_micros("t").alias("ts"), "seq", "field", "value"
    )
    status_events = _status_table(status.toArrow())
    items = _items(session, source, centre)
    rejected_items.discard(None)
    if rejected_items and items.num_rows:
        # An item whose every event was rejected is not loaded at all (as in the loader).
        kept = valid.filter(F.col("item").isin(sorted(rejected_items))).select("item").distinct()
        gone = rejected_items - {row["item"] for row in kept.collect()}
        items = items.filter(
            pc.invert(pc.is_in(items.column("item"), pa.array(sorted(gone), pa.string())))
        )
    inputs = [
        InputSummary(
            path=source.given or source.events,
            format=FORMAT,
            records_read=int(stats["read"]),
            records_loaded=int(counted["n"]),
            records_rejected=int(stats["read"]) - int(counted["n"]),
            record_unit="event",
        )
    ]
    return BackendLoad(
        backend=backend,
        events=events,
        items=items,
        events_count=int(counted["n"]),
        first=_moment(counted["first"]),
        last=_moment(counted["last"]),
        centre_us=None if centre is None else int(centre),
        status_events=status_events,
        rejects=rejects,
        inputs=inputs,
    )


def _status_table(table: pa.Table) -> pa.Table:
    """Spark's status events in the canonical columns and order (item, ts, seq)."""
    schema = pa.schema(
        [EVENTS_SCHEMA.field(name) for name in ("item", "ts", "seq", "field", "value")]
    )
    return sort_events(table.select(schema.names).cast(schema))


def _moment(us: int | None) -> datetime | None:
    return None if us is None else _EPOCH + timedelta(microseconds=int(us))


def _read(session: Any, uri: str) -> Any:
    """The Parquet at ``uri`` as a Spark frame, its schema read (a missing path fails here)."""
    try:
        frame = session.read.parquet(uri)
        frame.columns  # noqa: B018 - resolves the schema: a missing path fails here
    except Exception as exc:  # pyspark's AnalysisException (classic or Connect)
        text = " ".join(str(exc).split())
        if "PATH_NOT_FOUND" in text or "does not exist" in text.lower():
            raise InputError(uri, "no such file or directory") from None
        raise InputError(uri, f"not a readable Parquet file or dataset: {text[:300]}") from None
    return frame


def _functions(session: Any) -> Any:
    """Spark's column functions for ``session``: a Spark Connect session has its own."""
    if type(session).__module__.startswith("pyspark.sql.connect"):
        from pyspark.sql.connect import functions
    else:
        from pyspark.sql import functions
    return functions


def _check_casts(raw: Any, source: ParquetSource, F: Any) -> None:
    """Refuse, in one line naming the file, the row and the column, the first value of a key
    column Spark cannot cast. Spark's ANSI mode fails the whole query on such a value with a
    Java stack trace that names neither; ``try_cast`` makes it null here, where it is found.
    Only a column of another type than its own costs this extra pass over the files."""
    from pyspark.errors import AnalysisException  # the base of classic's and Connect's

    types = dict(raw.dtypes)
    for name, (target, safe) in _CHECKED_CASTS.items():
        if types[name] in safe:
            continue
        try:
            bad = (
                raw.filter(F.col(name).isNotNull() & F.col(name).try_cast(target).isNull())
                .select(
                    F.col(name).cast("string").alias("v"),
                    F.col("_metadata.file_path").alias("p"),
                    F.col("_metadata.row_index").alias("i"),
                )
                .orderBy("p", "i")
                .limit(1)
                .collect()
            )
        except AnalysisException:  # no cast at all from that type
            raise InputError(
                source.events, f"column {quoted(name)} of type {types[name]} is not a {target}"
            ) from None
        if bad:
            (row,) = bad
            raise InputError(
                _place(row["p"], source),
                f"column {quoted(name)} of type {types[name]} holds {quoted(row['v'])},"
                f" which cannot be read as a {target}",
                record=f"row {row['i'] + 1}",
            )


def _place(path: str, source: ParquetSource) -> str:
    """A file of ``source`` as a reject or an error names it: from the dataset's own name."""
    marker = f"/{source.name}/"
    return path[path.rindex(marker) + 1 :] if marker in path else path.rpartition("/")[2]


def _null_key_rejects(raw: Any, source: ParquetSource, F: Any) -> tuple[list[Reject], set]:
    """One reject per event row with a null key column: ``<file>:row N`` (N from 1 in its
    file, as the loader names it)."""
    bad = None
    for name in REQUIRED:
        bad = F.col(name).isNull() if bad is None else bad | F.col(name).isNull()
    rows = (
        raw.filter(bad)
        .select(
            *REQUIRED,
            F.col("_metadata.file_path").alias("p"),
            F.col("_metadata.row_index").alias("i"),
        )
        .orderBy("p", "i")
        .collect()
    )
    out, items = [], set()
    for row in rows:
        items.add(row["item"])
        place = _place(row["p"], source)
        out.append(Reject(f"{place}:row {row['i'] + 1}", null_keys_reason(row.asDict())))
    return out, items


def _items(session: Any, source: ParquetSource, centre: Any) -> pa.Table:
    """The items table (one row per item, to the driver), conformed as the loader does."""
    try:
        frame = _read(session, source.items)
    except InputError as err:
        if err.problem != "no such file or directory":
            raise
        raise InputError(
            source.events,
            f"no {source.items.rpartition('/')[2]} beside it: --engine spark reads the items"
            " table flowgap convert writes (or analyse with DuckDB, which derives items)",
        ) from None
    table = frame.toArrow()
    items = conform(table, ITEMS_SCHEMA, source.items, "items")
    if items.column("item").null_count:
        raise InputError(source.items, "null item key in the items table")
    items = dedupe_items(items)
    return items if centre is None else clear_far_dates(items, int(centre))
