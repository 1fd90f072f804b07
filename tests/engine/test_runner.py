"""The runner (engine/runner.py): steps ordered by what they need, a missing need or a cycle
refused, each per-item step computed once; an analysis computes an aggregate only when read."""

from __future__ import annotations

import inspect
from datetime import UTC, datetime
from graphlib import CycleError

import pyarrow as pa
import pyarrow.compute as pc
import pytest
from engine_log import build, config

import flowgap
from flowgap import mining
from flowgap.config import Config
from flowgap.engine import analyze as engine
from flowgap.engine.analysis import Analysis
from flowgap.engine.backend import connect
from flowgap.engine.runner import Aggregate, PerItem, RunContext, Scope, compute_rows, ordered
from flowgap.tables import TABLES

AS_OF = datetime(2026, 1, 10, tzinfo=UTC)


def names(steps) -> list[str]:
    return [step.name for step in steps]


def test_steps_come_after_everything_they_need_whatever_the_order_given() -> None:
    steps = [
        Aggregate("report", ("stats", "rows"), lambda scope, stats, rows: None),
        Aggregate("stats", ("rows",), lambda scope, rows: None),
        PerItem("rows", ("staging",), lambda run, staging: None),
        PerItem("staging", (), lambda run: None),
    ]
    order = names(ordered(steps))
    for step in steps:
        assert all(order.index(need) < order.index(step.name) for need in step.needs), order
    assert order == ["staging", "rows", "stats", "report"]


def test_a_need_no_step_makes_is_refused_by_name() -> None:
    steps = [PerItem("rows", (), lambda run: None), Aggregate("stats", ("rows", "x"), print)]
    with pytest.raises(ValueError, match=r"step 'stats' needs \['x'\], which no step makes"):
        ordered(steps)


def test_a_cycle_is_refused() -> None:
    steps = [
        PerItem("a", ("c",), lambda run, c: None),
        PerItem("b", ("a",), lambda run, a: None),
        PerItem("c", ("b",), lambda run, b: None),
    ]
    with pytest.raises(CycleError):
        ordered(steps)


def test_every_table_is_made_by_exactly_one_step_declared_in_its_module() -> None:
    steps = [*engine.STEPS, *mining.STEPS]
    made = names(steps)
    assert len(made) == len(set(made)), "two steps make the same table"
    ordered(steps)  # every need is made, and there is no cycle
    for table in TABLES:
        (step,) = [s for s in steps if s.name == table]
        module = inspect.getmodule(step.make)
        assert module is not None and table in [s.name for s in module.STEPS], table


def run_context(result, backend=None) -> RunContext:
    return RunContext(
        result=result,
        config=Config(),
        as_of=AS_OF,
        as_of_us=0,
        backend=backend,
        classes={},
        stall_us=None,
    )


def test_each_per_item_step_is_computed_once_and_only_kept_rows_are_returned() -> None:
    calls: list[str] = []

    def staging(run: RunContext) -> pa.Table:
        calls.append("staging")
        return pa.table({"item": ["A", "B"], "n": [1, 2]})

    def doubled(run: RunContext, staging: pa.Table) -> pa.Table:
        calls.append("doubled")
        return staging.set_column(1, "n", pc.multiply(staging.column("n"), 2))

    def tripled(run: RunContext, staging: pa.Table) -> pa.Table:
        calls.append("tripled")
        return staging.set_column(1, "n", pc.multiply(staging.column("n"), 3))

    steps = [
        PerItem("tripled", ("staging",), tripled),
        PerItem("doubled", ("staging",), doubled),
        PerItem("staging", (), staging, kept=False),
    ]
    log = build({"A": [(0, "status", "Ready")]})
    rows = compute_rows(steps, run_context(log))
    assert sorted(calls) == ["doubled", "staging", "tripled"] and calls[0] == "staging"
    assert sorted(rows) == ["doubled", "tripled"]  # staging is not kept
    assert rows["doubled"].column("n").to_pylist() == [2, 4]
    assert rows["tripled"].column("n").to_pylist() == [3, 6]


def test_without_history_a_step_gives_its_own_rows_its_empty_table_or_nothing() -> None:
    schema = pa.schema([("item", pa.string()), ("n", pa.int64())])
    steps = [
        PerItem("counted", (), lambda run: pa.table({"item": ["A"], "n": [1]}), empty=schema),
        PerItem(
            "plain",
            (),
            lambda run: None,
            without_history=lambda run: pa.table({"item": ["X"], "n": [7]}),
        ),
        PerItem("internal", (), lambda run: pa.table({"item": ["A"]})),
    ]
    log = build({"A": [(0, "status", "Ready")]})
    no_history = flowgap.LoadResult(events=log.events, items=log.items, has_history=False)
    rows = compute_rows(steps, run_context(no_history))
    assert rows["counted"] == schema.empty_table()
    assert rows["plain"].column("item").to_pylist() == ["X"]
    assert rows["internal"] is None


def test_an_ibis_result_is_stored_in_the_backend_once_for_the_steps_after_it() -> None:
    backend = connect("duckdb")
    try:
        seen = []

        def staging(run: RunContext):
            return run.backend.register("t", pa.table({"item": ["A", "B"], "n": [1, 2]}))

        def total(run: RunContext, staging) -> pa.Table:
            seen.append(staging)
            return run.backend.to_arrow(staging.aggregate(n=staging.n.sum()))

        steps = [PerItem("total", ("staging",), total), PerItem("staging", (), staging)]
        log = build({"A": [(0, "status", "Ready")]})
        rows = compute_rows(steps, run_context(log, backend))
        # The step after it reads the stored table, not the expression.
        assert seen[0].get_name().startswith("fg_staging_")
        assert rows["total"].to_pylist() == [{"n": 3}]
    finally:
        backend.close()


def test_an_aggregate_is_computed_when_first_read_and_once() -> None:
    calls: list[str] = []

    def total(scope: Scope, rows: pa.Table) -> int:
        calls.append("total")
        return pc.sum(rows.column("n")).as_py()

    def doubled(scope: Scope, total: int) -> int:
        calls.append("doubled")
        return 2 * total

    items = pa.table({"item": ["A", "B"]})
    rows = {"items": items, "rows": pa.table({"item": ["A", "A", "B"], "n": [1, 2, 4]})}
    steps = [Aggregate("doubled", ("total",), doubled), Aggregate("total", ("rows",), total)]
    scope = Scope(
        config=Config(),
        as_of=AS_OF,
        as_of_us=0,
        has_history=True,
        inputs=[],
        events=3,
        status_categories={},
    )
    analysis = Analysis.of_rows(rows, steps, scope, engine="duckdb", warnings=[], rejects=0)
    assert calls == []  # nothing computed before it is read
    assert analysis.total == 7 and calls == ["total"]
    assert analysis.doubled == 14 and analysis.total == 7
    assert calls == ["total", "doubled"]  # the need was read from the first result
    # A selection computes its own aggregates over its rows, from the same per-item rows.
    only_a = analysis.select(["A"])
    assert only_a.doubled == 6 and calls == ["total", "doubled", "total", "doubled"]
    assert analysis.value("rows") is rows["rows"]


def test_an_engine_analysis_computes_nothing_but_its_rows_until_read() -> None:
    log = build({"A": [(0, "status", "Ready"), (1, "status", "Dev")]})
    a = flowgap.analyze(log, config(2))
    assert a._values == {}
    assert a.stages.num_rows == 2
    # What stages needs (the visits rows, and status_classes from the status_counts rows),
    # nothing else: no summary, no daily tables, no process maps. Rows are read in the
    # columns each step declares.
    computed = sorted(k if isinstance(k, str) else k[0] for k in a._parts)
    assert computed == ["stages", "status_classes", "status_counts", "visits"]
    assert (
        "visits",
        ("item", "status", "start", "duration", "touch", "wait", "current"),
    ) in a._parts
