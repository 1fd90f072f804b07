"""build_summary on the hand-computed tables of hand_tables.py."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pyarrow as pa
import pytest

sys.path.insert(0, str(Path(__file__).parent))
import hand_tables as ht

from flowgap.config import Config
from flowgap.engine.summary import build_summary
from flowgap.tables import TABLES

DAY = ht.DAY


def summary(tables: dict[str, pa.Table] | None = None, **kw) -> dict:
    args = {"config": Config(), "as_of": ht.AS_OF, "has_history": True, "events": 40}
    args.update(kw)
    return build_summary(tables or ht.tables(), **args)


def test_records_read_and_rejected() -> None:
    s = summary(records=(1228, 819))
    assert s["records"] == {"read": 1228, "rejected": 819, "rejected_share": 819 / 1228}
    assert summary()["records"] == {"read": 0, "rejected": 0, "rejected_share": None}


def test_keys_are_exactly_the_documented_ones() -> None:
    s = summary()
    assert {k: sorted(v) for k, v in s.items()} == {
        "records": sorted(["read", "rejected", "rejected_share"]),
        "items": sorted(["total", "open", "delivered", "with_history"]),
        "flow_efficiency": sorted(["median", "pooled", "median_work", "pooled_work"]),
        "lead_time": sorted(["p50", "p85", "p95", "mean"]),
        "cycle_time": sorted(["p50", "p85", "p95", "mean", "uncommitted"]),
        "touch": sorted(["total_s", "median_s"]),
        "wait": sorted(["total_s", "median_s"]),
        "handoffs": sorted(["mean", "median", "total", "ping_pongs"]),
        "steering_touches": sorted(["total", "per_item", "items", "meeting_minutes"]),
        "rework": sorted(["mean", "total"]),
        "wip": sorted(["current", "median_age_s"]),
        "throughput": ["per_week"],
        "wait_share": ["status", "team"],
        "period": sorted(["first_ts", "last_ts", "as_of"]),
    }


def test_values_on_the_hand_computed_tables() -> None:
    s = summary()
    approx = pytest.approx
    assert s["items"] == {"total": 5, "open": 2, "delivered": 3, "with_history": 4}
    assert s["flow_efficiency"] == {
        "median": 0.2,
        "pooled": approx(16.8 / 69, rel=1e-12),
        "median_work": None,
        "pooled_work": None,
    }
    # delivered leads 11, 22, 33 days: linear interpolation at 0.85 * 2 = 1.7 and 1.9
    assert s["lead_time"] == approx(
        {"p50": 22 * DAY, "p85": 29.7 * DAY, "p95": 31.9 * DAY, "mean": 22 * DAY}, rel=1e-12
    )
    assert s["cycle_time"] == approx(
        {
            "p50": 20 * DAY,
            "p85": 20 * DAY,
            "p95": 20 * DAY,
            "mean": 50 / 3 * DAY,
            "uncommitted": 0,
        },
        rel=1e-12,
    )
    assert s["touch"] == approx({"total_s": 16.8 * DAY, "median_s": 2.9 * DAY}, rel=1e-12)
    assert s["wait"] == approx({"total_s": 52.2 * DAY, "median_s": 12.6 * DAY}, rel=1e-12)
    assert s["handoffs"] == {"mean": 1.4, "median": 1.0, "total": 7, "ping_pongs": 1}
    assert s["steering_touches"] == {
        "total": 4,
        "per_item": 0.8,
        "items": 2,
        "meeting_minutes": 320.0,
    }
    assert s["rework"] == {"mean": 0.6, "total": 3}
    assert s["wip"] == {"current": 1, "median_age_s": 19 * DAY}
    # 3 deliveries in the 58 days from the first commitment (Jan 2) to as_of (Mar 1)
    assert s["throughput"] == {"per_week": approx(3 / (58 / 7), rel=1e-12)}
    assert s["wait_share"] == {
        "status": {"Backlog": 0.0, "In Progress": 0.1, "Ready for QA": 0.6, "Review": 0.3},
        "team": {"Dev": 0.3, "QA": 0.7},
    }
    assert list(s["wait_share"]["status"]) == ["Backlog", "In Progress", "Ready for QA", "Review"]
    assert s["period"] == {
        "first_ts": "2026-01-01T00:00:00Z",
        "last_ts": "2026-02-20T00:00:00Z",
        "as_of": "2026-03-01T00:00:00Z",
    }


def test_plain_python_types_and_deterministic_json() -> None:
    first = json.dumps(summary(), sort_keys=True)
    assert first == json.dumps(summary(), sort_keys=True)

    def walk(value: object) -> None:
        if isinstance(value, dict):
            for v in value.values():
                walk(v)
        else:
            assert value is None or type(value) in (int, float, str), (value, type(value))

    walk(summary())


def test_working_time_variants() -> None:
    tables = ht.tables()
    items = tables["items"]
    work = {
        "touch_work_s": [1.0, 2.0, 3.0, 4.0, None],
        "window_work_s": [10.0, 10.0, 10.0, 20.0, None],
        "flow_efficiency_work": [0.1, 0.2, 0.3, 0.2, None],
    }
    for name, values in work.items():
        i = items.schema.get_field_index(name)
        items = items.set_column(i, name, pa.array(values, pa.float64()))
    tables["items"] = items
    fe = summary(tables)["flow_efficiency"]
    assert fe["median_work"] == 0.2
    assert fe["pooled_work"] == 10.0 / 50.0


def test_without_history() -> None:
    s = summary(has_history=False)
    assert s["items"]["with_history"] == 0
    assert s["items"]["total"] == 5
    # Counted from commitments, which only a status history has: not measured, not 0.
    assert s["wip"]["current"] is None and s["throughput"]["per_week"] is None
    assert summary()["wip"]["current"] is not None


def test_empty_analysis() -> None:
    empty = {name: schema.empty_table() for name, schema in TABLES.items()}
    s = summary(empty, events=0)
    assert s["items"] == {"total": 0, "open": 0, "delivered": 0, "with_history": 0}
    assert s["flow_efficiency"] == {
        "median": None,
        "pooled": None,
        "median_work": None,
        "pooled_work": None,
    }
    assert s["lead_time"] == {"p50": None, "p85": None, "p95": None, "mean": None}
    assert s["handoffs"] == {"mean": None, "median": None, "total": 0, "ping_pongs": 0}
    assert s["steering_touches"] == {
        "total": 0,
        "per_item": None,
        "items": 0,
        "meeting_minutes": 0.0,
    }
    assert s["throughput"] == {"per_week": None}
    assert s["wait_share"] == {"status": {}, "team": {}}
    assert s["period"] == {"first_ts": None, "last_ts": None, "as_of": "2026-03-01T00:00:00Z"}


def test_summary_is_the_registry_in_its_order() -> None:
    from flowgap.engine import summary_metrics as registry

    s = summary()
    assert list(s) == [g.name for g in registry.GROUPS]
    for group in registry.GROUPS:
        assert tuple(s[group.name]) == group.keys
        for metric in group.metrics:
            value = s[group.name][metric.key]
            if group.named:
                assert isinstance(value, dict)
            elif metric.kind is registry.Kind.TIMESTAMP:
                assert value is None or isinstance(value, str)
            else:
                assert value is None or isinstance(value, int | float)


def test_nest_refuses_a_metric_the_registry_lacks_or_a_missing_one() -> None:
    from flowgap.engine.summary_metrics import metrics, nest

    values = {m.path: 0 for m in metrics()}
    assert nest(values)["items"]["total"] == 0
    with pytest.raises(KeyError, match="not in the registry"):
        nest({**values, "items.extra": 1})
    del values["lead_time.p85"]
    with pytest.raises(KeyError, match=r"missing: \['lead_time.p85'\]"):
        nest(values)


def test_delivered_items_without_a_commitment_are_counted() -> None:
    from engine_log import at, build, config

    import flowgap

    log = build(
        {
            # first seen already done (e.g. closed before the export's history starts)
            "X": [(3, "status", "Done")],
            "Y": [(0, "status", "Backlog"), (1, "status", "Dev"), (2, "status", "Done")],
        },
        X={"created": at(0)},
    )
    s = flowgap.analyze(log, config(5)).summary
    assert s["items"]["delivered"] == 2
    # X has a lead time (3 days) and no cycle time: the cycle-time p50 is Y's alone
    assert s["lead_time"]["p50"] == 2.5 * DAY
    assert s["cycle_time"]["p50"] == 1 * DAY
    assert s["cycle_time"]["uncommitted"] == 1
