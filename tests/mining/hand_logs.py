"""Small hand-built tables for the mining tests: status visits, items, handoff graphs."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pyarrow as pa

from flowgap.mining import PROCESS_EDGES

T0 = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
DAY = 86400.0


def visits(paths: dict[str, list[str]]) -> pa.Table:
    """Status visits, one a day, in (item, time) order."""
    rows = []
    for item, path in paths.items():
        for day, status in enumerate(path):
            rows.append(
                {
                    "item": item,
                    "status": status,
                    "start": T0 + timedelta(days=day),
                    "end": T0 + timedelta(days=day + 1),
                }
            )
    schema = pa.schema(
        [
            ("item", pa.string()),
            ("status", pa.string()),
            ("start", pa.timestamp("us", "UTC")),
            ("end", pa.timestamp("us", "UTC")),
        ]
    )
    return pa.Table.from_pylist(rows, schema=schema)


def items(rows: list[tuple[str, bool, float | None, float | None, int]]) -> pa.Table:
    """(item, is_open, lead time in days, flow efficiency, rework) -> the items columns the
    mining layer reads."""
    return pa.table(
        {
            "item": [r[0] for r in rows],
            "is_open": [r[1] for r in rows],
            "lead_time_s": [None if r[2] is None else r[2] * DAY for r in rows],
            "flow_efficiency": pa.array([r[3] for r in rows], pa.float64()),
            "rework": pa.array([r[4] for r in rows], pa.int64()),
        }
    )


def edges(counts: dict[tuple[str, str], int]) -> pa.Table:
    rows = [
        {"source": s, "target": t, "count": n, "median_s": 1.0, "mean_s": 1.0}
        for (s, t), n in sorted(counts.items())
    ]
    return pa.Table.from_pylist(rows, schema=PROCESS_EDGES)
