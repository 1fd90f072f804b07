"""Connect the engine to DuckDB (default, embedded) or Spark (local), register tables, execute.

The engine's layers are Ibis expressions; this module is the only place that knows which
backend runs them. Intermediate layers are materialised once (a DuckDB temp table, a cached
Spark view) because several outputs read them.
"""

from __future__ import annotations

import itertools
import os
import shutil
import weakref
from typing import Any

import ibis
import pyarrow as pa

from ..errors import InputError, UsageError
from ..units import US

ENGINES = ("duckdb", "spark")

_spark_session: Any = None
_DUCKDB_TYPES = {"int64": "BIGINT", "string": "VARCHAR", "boolean": "BOOLEAN", "float64": "DOUBLE"}
_names = itertools.count()
DUCKDB_MEMORY_LIMIT = "2GB"


class Backend:
    """An Ibis backend plus the few operations the pipeline needs from it."""

    def __init__(self, name: str, con: Any, session: Any = None, spill_dir: str | None = None):
        self.name = name
        self.con = con
        self.session = session
        self.spill_dir = spill_dir
        self._owned: list[str] = []
        self._cached: list[Any] = []

    def register(self, name: str, table: pa.Table) -> ibis.Table:
        """Make an Arrow table queryable under ``name`` (a fresh unique name is used)."""
        unique = f"fg_{name}_{next(_names)}"
        if self.name == "duckdb":
            self.con.con.register(unique, table)
        else:
            frame = self.session.createDataFrame(table.to_pandas(), schema=_spark_schema(table))
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
        return expr.to_pyarrow()

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
        self._owned.clear()
        self._cached.clear()


#: DuckDB's spill folders: ``<temp>/flowgap-duckdb-<pid>-<random>``.
SPILL_PREFIX = "flowgap-duckdb-"


def connect(engine: str = "duckdb") -> Backend:
    """A backend for ``engine``: ``duckdb`` (in-memory, one thread per core) or ``spark``."""
    if engine == "duckdb":
        import tempfile

        from .. import scratch

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
        session = spark_session()
        return Backend("spark", ibis.pyspark.connect(session), session)
    raise UsageError(f"unknown engine {engine!r}: choose one of {', '.join(ENGINES)}")


def spark_session() -> Any:
    """One local[2] SparkSession per process, UTC, small shuffles, quiet."""
    global _spark_session
    if _spark_session is not None:
        return _spark_session
    try:
        from pyspark.sql import SparkSession
    except ImportError:
        raise InputError(
            "--engine spark", "PySpark is not installed (pip install 'flowgap[spark]')"
        ) from None
    if not (os.environ.get("JAVA_HOME") or shutil.which("java")):
        raise InputError(
            "--engine spark", "no Java runtime found (install Java 17 or set JAVA_HOME)"
        )
    # Spark warns when the host name resolves to loopback; local mode needs nothing else.
    os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")
    try:
        session = (
            SparkSession.builder.master("local[2]")
            .appName("flowgap")
            .config("spark.sql.shuffle.partitions", "2")
            .config("spark.default.parallelism", "2")
            .config("spark.sql.session.timeZone", "UTC")
            .config("spark.ui.enabled", "false")
            .config("spark.ui.showConsoleProgress", "false")
            .config("spark.sql.execution.arrow.pyspark.enabled", "true")
            .config("spark.driver.extraJavaOptions", f"-Dlog4j2.configurationFile={_quiet_log4j()}")
            .getOrCreate()
        )
    except Exception as exc:  # the JVM failed to start: one line, not a Java stack trace
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise InputError("--engine spark", f"cannot start Spark: {first}") from None
    session.sparkContext.setLogLevel("ERROR")
    _spark_session = session
    return session


def _quiet_log4j() -> str:
    """A log4j2 configuration that only lets errors through (written once per process)."""
    import tempfile

    path = os.path.join(tempfile.gettempdir(), f"flowgap-log4j2-{os.getpid()}.properties")
    with open(path, "w", encoding="utf-8") as fh:
        fh.write(
            "rootLogger.level = error\n"
            "rootLogger.appenderRef.stderr.ref = console\n"
            "appender.console.type = Console\n"
            "appender.console.name = console\n"
            "appender.console.target = SYSTEM_ERR\n"
            "appender.console.layout.type = PatternLayout\n"
            "appender.console.layout.pattern = %d{HH:mm:ss} %p %c{1}: %m%n\n"
        )
    return path


def _spark_schema(table: pa.Table) -> Any:
    from pyspark.sql import types as T

    mapping = {
        pa.string(): T.StringType(),
        pa.large_string(): T.StringType(),
        pa.int64(): T.LongType(),
        pa.int32(): T.IntegerType(),
        pa.float64(): T.DoubleType(),
        pa.bool_(): T.BooleanType(),
    }
    fields = []
    for f in table.schema:
        if f.type not in mapping:
            raise TypeError(f"engine column {f.name} has unsupported type {f.type}")
        fields.append(T.StructField(f.name, mapping[f.type], True))
    return T.StructType(fields)


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
