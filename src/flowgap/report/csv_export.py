"""csv/<table>.csv: every table of the analysis, complete, at full precision, with cells that
a spreadsheet would evaluate neutralised (the rule of ``csv_safe.neutralise``).

Columns are converted with Arrow compute kernels and written by Arrow's CSV writer: the
timeline of a million-event log has hundreds of thousands of rows, and a Python loop over
them would cost more than the whole analysis.
"""

from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

from ..engine.analysis import Analysis
from ..tables import TABLES
from .csv_safe import TRIGGERS
from .json_report import iso_column

# Same characters as csv_safe.TRIGGERS, as a regex anchored at the start of the cell.
_TRIGGER_RE = "^[" + "".join("\\" + c if c in "-\\]^" else c for c in TRIGGERS) + "]"
_TRIGGER_RE = _TRIGGER_RE.replace("\t", "\\t").replace("\r", "\\r")


def _neutralise(col: pa.ChunkedArray) -> pa.ChunkedArray:
    risky = pc.fill_null(pc.match_substring_regex(col, _TRIGGER_RE), False)
    if not pc.any(risky).as_py():
        return col
    return pc.if_else(risky, pc.binary_join_element_wise("'", col, ""), col)


def csv_ready(table: pa.Table) -> pa.Table:
    """Every column as text the way the CSV shows it; nulls stay null (empty cells)."""
    # Kernels and the writer pay per chunk; engines may hand over many small ones.
    table = table.combine_chunks()
    columns = []
    for field, col in zip(table.schema, table.columns, strict=True):
        t = field.type
        if pa.types.is_timestamp(t):
            col = iso_column(col)
        elif pa.types.is_list(t) or pa.types.is_large_list(t):
            col = _neutralise(pc.binary_join(col.cast(pa.list_(pa.string())), ";"))
        elif pa.types.is_string(t) or pa.types.is_large_string(t):
            col = _neutralise(col)
        elif pa.types.is_floating(t):
            # NaN is not a number a spreadsheet understands: an empty cell, like null.
            col = pc.if_else(pc.is_nan(col), pa.scalar(None, t), col)
        columns.append(col)
    return pa.Table.from_arrays(columns, names=table.schema.names)


def write_csv(table: pa.Table, directory: Path, name: str) -> Path:
    """``directory/name.csv`` of one table."""
    directory.mkdir(parents=True, exist_ok=True)
    options = pacsv.WriteOptions(include_header=True, quoting_style="needed")
    path = directory / f"{name}.csv"
    pacsv.write_csv(csv_ready(table), path, write_options=options)
    return path


def write_csvs(analysis: Analysis, directory: Path) -> list[Path]:
    directory.mkdir(parents=True, exist_ok=True)

    def write(name: str) -> Path:
        return write_csv(analysis.table(name), directory, name)

    # Arrow's kernels and writer release the GIL: the tables are written side by side.
    with ThreadPoolExecutor(max_workers=os.cpu_count() or 1) as pool:
        return list(pool.map(write, TABLES))
