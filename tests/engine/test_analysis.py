"""The Analysis (engine/analysis.py): tables by name, computed on first read and kept;
fixtures built from tables; pickling. What a selection computes is in test_selection.py."""

from __future__ import annotations

import pickle
from datetime import UTC, datetime

import numpy as np
import pyarrow as pa
import pytest
from engine_log import build, config

import flowgap
from flowgap.config import Config
from flowgap.engine.analysis import Analysis


def fixture_analysis(**tables: object) -> Analysis:
    return Analysis(
        config=Config(),
        as_of=datetime(2026, 1, 10, tzinfo=UTC),
        engine="duckdb",
        has_history=True,
        inputs=[],
        warnings=[],
        rejects=0,
        **tables,
    )


def test_a_fixture_analysis_reads_its_tables_by_name_and_nothing_else() -> None:
    items = pa.table({"item": ["A", "B"]})
    a = fixture_analysis(items=items)
    assert a.items is items and a.table("items") is items and a.value("items") is items
    assert a.two_way_handoffs == []  # the one value every analysis has
    assert a.keys.to_pylist() == ["A", "B"]
    with pytest.raises(AttributeError, match="an analysis has no table 'stages'"):
        a.stages  # noqa: B018
    with pytest.raises(ValueError, match="only an analysis computed by the engine"):
        a.select(["A"])


@pytest.fixture(scope="module")
def analysis() -> Analysis:
    log = build(
        {
            "A": [(0, "status", "Ready"), (1, "status", "Dev"), (2, "status", "Done")],
            "B": [(0, "status", "Ready"), (2, "status", "Dev")],
            "C": [(1, "status", "Backlog")],
        }
    )
    return flowgap.analyze(log, config(3))


def test_unknown_names_are_attribute_errors(analysis: Analysis) -> None:
    with pytest.raises(AttributeError, match="an analysis has no table 'nope'"):
        analysis.value("nope")
    assert not hasattr(analysis, "nope") and not hasattr(analysis, "_private")


def test_a_table_once_read_is_the_same_object(analysis: Analysis) -> None:
    assert analysis.stages is analysis.stages
    assert analysis.summary is analysis.value("summary")


def test_a_boolean_mask_selects_by_position_in_the_items_rows(analysis: Analysis) -> None:
    assert analysis.keys.to_pylist() == ["A", "B", "C"]
    picked = analysis.select(np.array([True, False, True]))
    assert picked.keys.to_pylist() == ["A", "C"]
    # A mask over a selection picks among its own rows.
    assert picked.select(np.array([False, True])).keys.to_pylist() == ["C"]


def test_complete_computes_every_table_and_a_pickled_analysis_keeps_them(
    analysis: Analysis,
) -> None:
    selected = analysis.select(["A", "B"]).complete()
    again = pickle.loads(pickle.dumps(selected))
    assert again.items.equals(selected.items) and again.summary == selected.summary
    assert again.status_map.equals(selected.status_map)
    # The rows it came from stay behind: an unpickled analysis cannot be narrowed further.
    with pytest.raises(ValueError, match="only an analysis computed by the engine"):
        again.select(["A"])


def test_the_size_counts_each_table_once_it_is_computed(analysis: Analysis) -> None:
    narrowed = analysis.select(["A", "B"])
    before = narrowed.nbytes()
    assert before == 0  # nothing computed yet: the rows belong to the full analysis
    stages = narrowed.stages
    assert narrowed.nbytes() == sum(
        v.get_total_buffer_size()
        for v in [*narrowed._values.values(), *narrowed._parts.values()]
        if isinstance(v, pa.Table)
    )
    assert narrowed.nbytes() >= stages.get_total_buffer_size() > 0


def test_prefetched_tables_are_those_a_read_computes(analysis: Analysis) -> None:
    narrowed = analysis.select(["A", "B"])
    narrowed.prefetch(["status_map", "stages"]).join()
    assert "status_map" in narrowed._values and "stages" in narrowed._values
    fresh = analysis.select(["A", "B"])
    assert narrowed.status_map.equals(fresh.status_map) and narrowed.stages.equals(fresh.stages)


def test_a_prefetch_that_fails_leaves_the_read_to_raise(
    analysis: Analysis, monkeypatch: pytest.MonkeyPatch
) -> None:
    from flowgap.engine import analysis as module

    def broken(name, steps, get, scope):
        raise RuntimeError(f"{name} failed")

    narrowed = analysis.select(["A"])
    monkeypatch.setattr(module, "compute", broken)
    narrowed.prefetch(["stages", "teams"]).join()  # no exception escapes the thread
    with pytest.raises(RuntimeError, match="stages failed"):
        narrowed.stages  # noqa: B018
