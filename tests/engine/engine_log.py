"""Build small canonical logs for engine tests: times in days from a fixed Monday."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import flowgap
from flowgap.config import Config
from flowgap.engine.analysis import Analysis
from flowgap.model import LoadResult, events_from_rows, items_from_rows

T0 = datetime(2026, 1, 5, tzinfo=UTC)  # a Monday
DAY = 86400.0
HOUR = 3600.0

CLASSES = {
    "Backlog": "backlog",
    "Ready": "wait",
    "Dev": "active",
    "QA Queue": "wait",
    "Test": "active",
    "Done": "done",
    "Closed": "done",
}


#: A status -> team map for the ping-pong log.
STATUS_TEAMS = {"Dev": "Dev", "QA Queue": "QA", "Test": "QA"}


def at(day: float) -> datetime:
    return T0 + timedelta(days=day)


def build(spec: dict[str, list[tuple]], **item_attrs: dict) -> LoadResult:
    """``spec``: item -> [(day, field, value), ...] in source order; the first entry must be
    the initial status: it becomes ``created`` (seq 0) + ``status`` (seq 1) at that day."""
    rows, items = [], []
    for item, changes in spec.items():
        first_day, field, value = changes[0]
        assert field == "status"
        rows.append(_row(item, first_day, 0, "created", None))
        rows.append(_row(item, first_day, 1, "status", value))
        seq_at: dict[float, int] = {first_day: 2}
        for day, field, value in changes[1:]:
            seq = seq_at.get(day, 0)
            seq_at[day] = seq + 1
            rows.append(_row(item, day, seq, field, value))
        items.append({"item": item, "created": at(first_day), **item_attrs.get(item, {})})
    return LoadResult(events=events_from_rows(rows), items=items_from_rows(items))


def _row(item: str, day: float, seq: int, field: str, value: str | None) -> dict:
    return {"item": item, "ts": at(day), "seq": seq, "field": field, "value": value, "source": "t"}


def config(as_of_day: float, **sections: dict) -> Config:
    raw: dict = {"statuses": {"classes": dict(CLASSES)}, "flow": {"as_of": at(as_of_day)}}
    for name, values in sections.items():
        raw.setdefault(name, {}).update(values)
    return Config.from_dict(raw)


def row(table, item: str, **where) -> dict:
    """The one row of ``table`` for ``item`` (and other equal columns)."""
    rows = [
        r
        for r in table.to_pylist()
        if r["item"] == item and all(r[k] == v for k, v in where.items())
    ]
    assert len(rows) == 1, rows
    return rows[0]


def analyze(log: LoadResult, cfg: Config) -> Analysis:
    return flowgap.analyze(log, cfg)


def three_items() -> LoadResult:
    """The stages and daily example of docs/metrics.md (as_of = day 3.5, Thursday noon)."""
    return build(
        {
            "A": [(0, "status", "Ready"), (1, "status", "Dev"), (2.5, "status", "Done")],
            "B": [(1, "status", "Ready"), (3, "status", "Dev")],
            "C": [
                (0, "status", "Ready"),
                (0.5, "status", "QA Queue"),
                (2, "status", "Test"),
                (3, "status", "Done"),
            ],
        }
    )


def ping_pong_log() -> LoadResult:
    """The teams example of docs/metrics.md: with ``STATUS_TEAMS``, Ready (no team) 0..1,
    Dev 1..3, QA Queue 3..4, Test 4..5, Dev 5..6, Done 6..7."""
    return build(
        {
            "P": [
                (0, "status", "Ready"),
                (1, "status", "Dev"),
                (3, "status", "QA Queue"),
                (4, "status", "Test"),
                (5, "status", "Dev"),
                (6, "status", "Done"),
            ]
        }
    )


def ping_pong_analysis() -> Analysis:
    cfg = config(7, teams={"source": ["status"], "status_map": STATUS_TEAMS})
    return flowgap.analyze(ping_pong_log(), cfg)
