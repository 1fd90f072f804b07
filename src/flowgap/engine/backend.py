"""Connect the engine to DuckDB (default, embedded) or Spark (a local session, a cluster or a
Spark Connect server), register tables, execute.

The engine's layers are Ibis expressions; this module is the only place that knows which
backend runs them. Intermediate layers are materialised once (a DuckDB temp table, a cached
Spark view) because several outputs read them.

On Spark, a table flowgap hands to the engine is written as Parquet to a staging folder the
cluster reads (``[engine.spark] staging``, or a private local folder when Spark runs on this
machine): the executors read the files themselves, nothing is pickled through the driver's
JVM or the Connect channel. Without a staging folder and with a cluster elsewhere, the table
goes over the connection as Arrow. Results come back as Arrow (``DataFrame.toArrow``), never
through pandas.
"""

from __future__ import annotations

import itertools
import os
import shutil
import weakref
from typing import TYPE_CHECKING, Any

import ibis
import pyarrow as pa

from ..errors import UsageError
from ..locations import is_uri
from ..units import US

if TYPE_CHECKING:
    from ..config.models import SparkConfig

ENGINES = ("duckdb", "spark")

_DUCKDB_TYPES = {"int64": "BIGINT", "string": "VARCHAR", "boolean": "BOOLEAN", "float64": "DOUBLE"}
_names = itertools.count()
DUCKDB_MEMORY_LIMIT = "2GB"


class Backend:
    """An Ibis backend plus the few operations the pipeline needs from it."""

    def __init__(
        self,
        name: str,
        con: Any,
        session: Any = None,
        spill_dir: str | None = None,
        staging: str | None = None,
    ):
        self.name = name
        self.con = con
        self.session = session
        self.spill_dir = spill_dir
        #: Spark: the folder (a local path or a URI the cluster reads) of registered tables.
        self.staging = staging
        self._owned: list[str] = []
        self._cached: list[Any] = []

    def register(self, name: str, table: pa.Table) -> ibis.Table:
        """Make an Arrow table queryable under ``name`` (a fresh unique name is used)."""
        unique = f"fg_{name}_{next(_names)}"
        if self.name == "duckdb":
            self.con.con.register(unique, table)
        else:
            _check_spark_types(table)
            if self.staging is not None:
                path = f"{self.staging.rstrip('/')}/{unique}.parquet"
                _write_staged(table, path)
                frame = self.session.read.parquet(path)
            else:
                frame = self.session.createDataFrame(table)
            frame.createOrReplaceTempView(unique)
        self._owned.append(unique)
        return self.con.table(unique)

    def register_frame(self, name: str, frame: Any, cache: bool = False) -> ibis.Table:
        """Make a Spark DataFrame (read by the cluster itself) queryable under ``name``."""
        unique = f"fg_{name}_{next(_names)}"
        if cache:
            frame = frame.cache()
            self._cached.append(frame)
        frame.createOrReplaceTempView(unique)
        self._owned.append(unique)
        return self.con.table(unique)

    def materialize(self, name: str, expr: ibis.Table) -> ibis.Table:
        """Compute ``expr`` once and return a table that reads the stored result."""
        unique = f"fg_{name}_{next(_names)}"
        if self.name == "duckdb":
            self.con.raw_sql(f'CREATE TEMP TABLE "{unique}" AS {self._pinned_sql(expr)}')
        else:
            frame = self.session.sql(self.con.compile(expr)).cache()
            frame.createOrReplaceTempView(unique)
            self._cached.append(frame)
        self._owned.append(unique)
        return self.con.table(unique)

    def to_arrow(self, expr: ibis.Table) -> pa.Table:
        if self.name == "duckdb":
            # DuckDB's own Arrow export of the pinned query: Ibis' to_pyarrow re-checks and
            # converts every column afterwards, which costs more than small queries themselves.
            return self.con.con.sql(self._pinned_sql(expr)).to_arrow_table()
        # Spark's own Arrow collection (Ibis' to_pyarrow goes through pandas).
        schema = expr.schema().to_pyarrow()
        table = self.session.sql(self.con.compile(expr)).toArrow()
        return pa.Table.from_arrays(
            [table.column(i).cast(f.type) for i, f in enumerate(schema)], schema=schema
        )

    def _pinned_sql(self, expr: ibis.Table) -> str:
        """The query of ``expr`` with every column cast to the type Ibis expects: DuckDB
        widens integer sums to HUGEINT."""
        cols = ", ".join(
            f'CAST("{name}" AS {_DUCKDB_TYPES[str(dtype)]}) AS "{name}"'
            for name, dtype in expr.schema().items()
        )
        return f"SELECT {cols} FROM ({self.con.compile(expr)})"

    def close(self) -> None:
        """Drop what this run registered (the Spark session itself is reused)."""
        if self.name == "duckdb":
            self.con.disconnect()  # an in-memory database: everything goes with it
            if self.spill_dir is not None:
                shutil.rmtree(self.spill_dir, ignore_errors=True)
                self.spill_dir = None
        else:
            # The session lives on (one per process): free what this run cached.
            for frame in self._cached:
                frame.unpersist()
            for name in self._owned:
                self.session.catalog.dropTempView(name)
            if self.staging is not None:
                _remove_staged(self.staging)
                self.staging = None
        self._owned.clear()
        self._cached.clear()


#: DuckDB's spill folders: ``<temp>/flowgap-duckdb-<pid>-<random>``.
SPILL_PREFIX = "flowgap-duckdb-"
#: Spark's local staging folders: ``<temp>/flowgap-spark-<pid>-<random>``.
STAGING_PREFIX = "flowgap-spark-"


def connect(engine: str = "duckdb", spark: SparkConfig | None = None) -> Backend:
    """A backend for ``engine``: ``duckdb`` (in-memory, one thread per core) or ``spark``
    (the session ``spark``, the ``[engine.spark]`` section, asks for)."""
    import tempfile

    from .. import scratch

    if engine == "duckdb":
        # Bounded memory: beyond DUCKDB_MEMORY_LIMIT the intermediate tables spill to a private
        # temporary directory instead of growing the process (the 10M-event budget). Every
        # result the pipeline reads is ordered explicitly, so insertion order need not be kept.
        # A killed run cannot remove its folder: the next one removes those of dead processes.
        scratch.clean_stale(tempfile.gettempdir(), SPILL_PREFIX)
        spill_dir = str(scratch.make(tempfile.gettempdir(), SPILL_PREFIX))
        con = ibis.duckdb.connect(
            threads=os.cpu_count() or 1,
            memory_limit=DUCKDB_MEMORY_LIMIT,
            temp_directory=spill_dir,
            preserve_insertion_order=False,
        )
        backend = Backend("duckdb", con, spill_dir=spill_dir)
        # A backend dropped without close() (an exception, a caller's bug) still leaves no
        # folder behind: removed when the object goes, or at exit.
        weakref.finalize(backend, shutil.rmtree, spill_dir, ignore_errors=True)
        return backend
    if engine == "spark":
        from ..config.models import SparkConfig
        from .spark_session import resolve, session_for

        target = resolve(spark or SparkConfig())
        session = session_for(target)
        if target.staging is not None:
            staging = f"{target.staging.rstrip('/')}/{STAGING_PREFIX}{os.getpid()}-{next(_names)}"
        elif target.on_this_machine:
            scratch.clean_stale(tempfile.gettempdir(), STAGING_PREFIX)
            staging = str(scratch.make(tempfile.gettempdir(), STAGING_PREFIX))
        else:
            staging = None
        backend = Backend("spark", ibis.pyspark.connect(session), session, staging=staging)
        if staging is not None and not is_uri(staging):
            weakref.finalize(backend, shutil.rmtree, staging, ignore_errors=True)
        return backend
    raise UsageError(f"unknown engine {engine!r}: choose one of {', '.join(ENGINES)}")


def _check_spark_types(table: pa.Table) -> None:
    supported = (pa.string(), pa.large_string(), pa.int64(), pa.int32(), pa.float64(), pa.bool_())
    for f in table.schema:
        if f.type not in supported:
            raise TypeError(f"engine column {f.name} has unsupported type {f.type}")


def filesystem_of(uri: str) -> tuple[Any, str]:
    """pyarrow's file system and path of a staging location; Hadoop's ``s3a://`` is S3."""
    from pyarrow import fs

    if not is_uri(uri):
        return fs.LocalFileSystem(), uri
    if uri.startswith("s3a://"):
        uri = "s3://" + uri[len("s3a://") :]
    return fs.FileSystem.from_uri(uri)


def _write_staged(table: pa.Table, uri: str) -> None:
    import pyarrow.parquet as pq

    filesystem, path = filesystem_of(uri)
    filesystem.create_dir(path.rpartition("/")[0], recursive=True)
    pq.write_table(table, path, filesystem=filesystem, compression="zstd")


def _remove_staged(uri: str) -> None:
    if not is_uri(uri):
        shutil.rmtree(uri, ignore_errors=True)
        return
    try:
        filesystem, path = filesystem_of(uri)
        filesystem.delete_dir(path)
    except (OSError, pa.ArrowException):
        pass  # a staging folder left behind costs space, not correctness


# ----------------------------------------------------------------- Arrow at the boundary


def to_us(column: pa.ChunkedArray | pa.Array) -> pa.Array:
    """Timestamps (any unit/zone) -> int64 microseconds since the epoch."""
    arr = column.combine_chunks() if isinstance(column, pa.ChunkedArray) else column
    return arr.cast(pa.timestamp("us", tz="UTC")).cast(pa.int64())


def seconds(us: Any) -> Any:
    """int64 microseconds (numpy) -> float64 seconds."""
    import numpy as np

    return np.asarray(us, dtype=np.int64) / 1e6


def ts_array(us: Any, mask: Any = None) -> pa.Array:
    """int64 microseconds (numpy, nulls anywhere ``mask``) -> timestamp[us, UTC]."""
    import numpy as np

    return pa.array(np.asarray(us, dtype=np.int64), pa.int64(), mask=mask).cast(
        pa.timestamp("us", tz="UTC")
    )


def conform(table: pa.Table, schema: pa.Schema) -> pa.Table:
    """Columns in schema order and types (int micro -> timestamp, int micro -> seconds for
    float columns whose source is int64)."""
    cols = []
    for f in schema:
        col = table.column(f.name)
        if pa.types.is_timestamp(f.type) and pa.types.is_integer(col.type):
            col = col.cast(pa.int64()).cast(f.type)
        elif pa.types.is_floating(f.type) and pa.types.is_integer(col.type):
            import pyarrow.compute as pc

            col = pc.divide(col.cast(pa.float64()), float(US))
        else:
            col = col.cast(f.type)
        cols.append(col)
    return pa.table(cols, schema=schema)
