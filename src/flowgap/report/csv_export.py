"""csv/<table>.csv: every table of the analysis, complete, at full precision, with cells that
a spreadsheet would evaluate neutralised (``csv_safe.neutralise``)."""

from __future__ import annotations

import csv
import math
from datetime import date, datetime
from pathlib import Path

from ..engine.analysis import Analysis
from ..engine.schemas import TABLES
from .csv_safe import neutralise
from .json_report import iso


def cell(value: object) -> object:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return "" if math.isnan(value) else repr(value)
    if isinstance(value, datetime):
        return iso(value)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, list):
        return neutralise(";".join("" if v is None else str(v) for v in value))
    return neutralise(value)


def write_csvs(analysis: Analysis, directory: Path) -> list[Path]:
    directory.mkdir(parents=True, exist_ok=True)
    written = []
    for name in TABLES:
        table = analysis.table(name)
        path = directory / f"{name}.csv"
        with path.open("w", encoding="utf-8", newline="") as fh:
            writer = csv.writer(fh, lineterminator="\n")
            writer.writerow(table.schema.names)
            # Batch by batch: the timeline of a big log is never held as Python rows at once.
            for batch in table.to_batches(max_chunksize=50_000):
                cols = [batch.column(i).to_pylist() for i in range(batch.num_columns)]
                writer.writerows([cell(v) for v in row] for row in zip(*cols, strict=True))
        written.append(path)
    return written
