"""report.json: the CI contract. Versioned (``schema_version``), described by
``docs/report-schema.json`` (generated from the models of ``schema.py``), byte-identical for
the same input and config: sorted keys, no wall-clock time, floats rounded to 6 significant
digits, NaN and infinities as null, timestamps as ISO 8601 UTC strings.
"""

from __future__ import annotations

import math
from datetime import date, datetime
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

import orjson
import pyarrow as pa
import pyarrow.compute as pc

from ..engine.analysis import Analysis
from ..locations import is_uri
from ..redaction import redacted, shareable_config
from ..tables import TABLES
from ..units import iso
from .schema import EXCLUDED_TABLES, SCHEMA_VERSION, WARNING_CAP
from .thresholds import Outcome

#: Rows kept per table in the JSON (the CSVs are complete); ``truncated`` says when cut.
ROW_CAP = 5000
SIGNIFICANT = 6


def package_version(name: str) -> str | None:
    try:
        return version(name)
    except PackageNotFoundError:
        return None


def normalise(value: object) -> object:
    """JSON-ready and deterministic: rounded floats, ISO times, NaN -> None, sorted sets."""
    if value is None or isinstance(value, bool | str):
        return value
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        if math.isnan(value) or math.isinf(value):
            return None
        rounded = float(f"{value:.{SIGNIFICANT}g}")
        return 0.0 if rounded == 0 else rounded  # no "-0.0"
    if isinstance(value, datetime):
        return iso(value)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, dict):
        return {str(k): normalise(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [normalise(v) for v in value]
    if isinstance(value, set | frozenset):
        return sorted(normalise(v) for v in value)  # type: ignore[type-var]
    if isinstance(value, Path):
        return value.as_posix()
    if hasattr(value, "item"):  # numpy scalars
        return normalise(value.item())
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return str(value)


def input_location(path: str) -> str:
    """How report.json names an input: a URI (``file:///data/x.parquet``, ``hdfs://nn/x``) as
    given, a local path with forward slashes. (A URI through ``Path`` loses the slashes of its
    authority: ``file:/data/x.parquet``.)"""
    return redacted(path) if is_uri(path) else Path(path).as_posix()


def iso_column(col: pa.ChunkedArray | pa.Array) -> pa.ChunkedArray:
    """Timestamps as ISO 8601 UTC text (like :func:`iso`), column at a time.

    Dropping the zone (the values are UTC already) and casting is several times faster than
    strftime; the literal replacements are cheaper than one regex."""
    text = pc.cast(col, pa.timestamp("us")).cast(pa.string())  # "2026-01-20 00:00:00.000000"
    text = pc.replace_substring(text, " ", "T")
    text = pc.replace_substring(text, ".000000", "")
    return pc.binary_join_element_wise(text, "Z", "")


def round_column(col: pa.ChunkedArray | pa.Array) -> pa.ChunkedArray:
    """Floats to ``SIGNIFICANT`` significant digits, NaN and infinities to null, column at a
    time (a Python pass over every cell of big tables costs seconds).

    For 1e-15 <= |x| < 1e21 the powers of ten involved are exact doubles, so n / 10**k and
    n * 10**k of an integral n are correctly rounded: the double nearest to the rounded
    decimal, as float(f"{x:.6g}") gives. The rare values outside that range take that
    Python path."""
    x = pc.cast(col, pa.float64())
    finite = pc.fill_null(pc.is_finite(x), False)
    absx = pc.abs(x)
    nonzero = pc.and_(finite, pc.not_equal(absx, 0.0))
    exponent = pc.floor(pc.log10(pc.if_else(nonzero, absx, 1.0)))
    keep = pc.subtract(float(SIGNIFICANT - 1), exponent)  # decimals to keep (may be < 0)
    up = pc.power(10.0, pc.max_element_wise(keep, 0.0))
    down = pc.power(10.0, pc.max_element_wise(pc.negate(keep), 0.0))
    small = pc.divide(pc.round(pc.multiply(x, up)), up)
    large = pc.multiply(pc.round(pc.divide(x, down)), down)
    out = pc.if_else(pc.greater_equal(keep, 0.0), small, large)
    out = pc.if_else(nonzero, out, x)
    out = pc.if_else(pc.equal(out, 0.0), 0.0, out)  # no "-0.0"
    out = pc.if_else(finite, out, pa.scalar(None, pa.float64()))
    outside = pc.and_(nonzero, pc.or_(pc.less(absx, 1e-15), pc.greater_equal(absx, 1e21)))
    if pc.any(outside).as_py():
        values = out.to_pylist()
        raw = x.to_pylist()
        for i in pc.indices_nonzero(outside).to_pylist():
            values[i] = float(f"{raw[i]:.{SIGNIFICANT}g}")
        out = pa.array(values, pa.float64())
    return out


def json_ready(table: pa.Table) -> pa.Table:
    """Every column in its JSON form (rounded floats, ISO times and dates) before to_pylist."""
    table = table.combine_chunks()
    columns = []
    for field, col in zip(table.schema, table.columns, strict=True):
        t = field.type
        if pa.types.is_floating(t):
            col = round_column(col)
        elif pa.types.is_timestamp(t):
            col = iso_column(col)
        elif pa.types.is_date(t):
            col = col.cast(pa.string())
        columns.append(col)
    return pa.Table.from_arrays(columns, names=table.schema.names)


def table_rows(table: pa.Table, cap: int | None = None) -> dict:
    """Rows as JSON data, the first ``cap`` (default ``ROW_CAP``) in the engine's order."""
    cap = ROW_CAP if cap is None else cap
    total = table.num_rows
    kept = table if total <= cap else table.slice(0, cap)
    return {
        "rows": json_ready(kept).to_pylist(),
        "total_rows": total,
        "truncated": kept.num_rows < total,
    }


def build_report(
    analysis: Analysis,
    outcomes: list[Outcome] | None = None,
    baseline_section: dict | None = None,
    decided: dict | None = None,
) -> dict:
    """The report as plain data (already normalised); ``decided`` is
    :func:`flowgap.decisions.headline.decide` of the analysis (computed when not given)."""
    outcomes = outcomes or []
    if decided is None:
        from ..decisions.headline import decide

        decided = decide(analysis)
    warnings = [
        {"kind": w.kind, "message": w.message, "item": w.item, "source": w.source}
        for w in analysis.warnings
    ]
    status_classes = analysis.status_classes.to_pylist()
    report = {
        "schema_version": SCHEMA_VERSION,
        "flowgap_version": package_version("flowgap"),
        "pm4py_version": package_version("pm4py"),
        "engine": analysis.engine,
        "as_of": analysis.as_of,
        "has_history": analysis.has_history,
        "inputs": [
            {
                "path": input_location(i.path),
                "format": i.format,
                "record_unit": i.record_unit,
                "records_read": i.records_read,
                "records_loaded": i.records_loaded,
                "records_rejected": i.records_rejected,
            }
            for i in analysis.inputs
        ],
        "rejects": analysis.rejects,
        "warnings": warnings[:WARNING_CAP],
        "warnings_total": len(warnings),
        "config": shareable_config(analysis.config.to_toml_dict()),
        "status_classes": status_classes,
        "guessed_statuses": sorted(r["status"] for r in status_classes if r["guessed"]),
        "summary": decided["summary"],
        "findings": decided["findings"],
        "service_levels": json_ready(decided["service_levels"]).to_pylist(),
        "in_trouble": table_rows(decided["in_trouble"]),
        "forecast": decided["forecast"],
        "actions": decided["actions"],
        "why_empty": decided["why_empty"],
        "two_way_handoffs": analysis.two_way_handoffs,
        "handoff_cycles": analysis.handoff_cycles,
        "variants": analysis.variants,
        "conformance": analysis.conformance,
        "team_clusters": analysis.team_clusters,
        "tables": {
            name: table_rows(analysis.table(name)) for name in TABLES if name not in EXCLUDED_TABLES
        },
        "thresholds": {
            "held": sum(o.held for o in outcomes),
            "failed": sum(not o.held for o in outcomes),
            "results": [o.to_json() for o in outcomes],
        },
        "baseline": baseline_section,
    }
    tables = report.pop("tables")  # already JSON-ready; the Python walk would be slow
    report = normalise(report)
    report["tables"] = tables  # type: ignore[index]
    return report  # type: ignore[return-value]


def dumps(report: dict) -> str:
    """Sorted keys, two-space indent, UTF-8; orjson writes tens of MB in a fraction of the
    time json.dumps needs."""
    return orjson.dumps(report, option=orjson.OPT_SORT_KEYS | orjson.OPT_INDENT_2).decode() + "\n"
