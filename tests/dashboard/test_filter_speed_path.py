"""A filter change in the data layer: the unfiltered analysis narrowed to the selected items
(the engine runs once per dataset and config), equal to re-running the engine on them."""

from __future__ import annotations

import math
from datetime import UTC, date, datetime

import numpy as np
import pyarrow as pa
import pytest

import flowgap
from flowgap.config import Config
from flowgap.dashboard.data import DataService
from flowgap.dashboard.filters import Filters, selected_mask
from flowgap.dashboard.sessions import SessionStore
from flowgap.engine import schemas
from flowgap.tables import TABLES
from selection_reference import subset


def close(x: object, y: object) -> bool:
    if isinstance(x, float) and isinstance(y, float):
        return math.isclose(x, y, rel_tol=1e-9, abs_tol=1e-12)
    if isinstance(x, dict) and isinstance(y, dict):
        return x.keys() == y.keys() and all(close(x[k], y[k]) for k in x)
    if isinstance(x, list) and isinstance(y, list):
        return len(x) == len(y) and all(close(a, b) for a, b in zip(x, y, strict=True))
    return x == y


@pytest.fixture
def service(tmp_path, sample_logs, monkeypatch) -> DataService:
    config = Config.load(sample_logs / "sample.jira.flowgap.toml")
    service = DataService(
        config, SessionStore(tmp_path / "sessions"), demo_paths=[sample_logs / "sample.jira.json"]
    )
    calls: list[int] = []
    real = flowgap.analyze

    def counting(result, config=None, **kwargs):
        calls.append(result.items.num_rows)
        return real(result, config, **kwargs)

    monkeypatch.setattr(flowgap, "analyze", counting)
    service.engine_runs = calls  # type: ignore[attr-defined]
    return service


def test_a_filter_change_does_not_run_the_engine_and_equals_a_rerun(service):
    first = service.view(None, Filters())
    assert first.error is None and len(service.engine_runs) == 1
    filters = Filters(type=("Bug",), start=date(2025, 2, 1))
    view = service.view(None, filters)
    assert len(service.engine_runs) == 1, "a filter change must not re-run the engine"
    full = view.full
    keep = set(
        pa.array(full.items["item"])
        .filter(pa.array(selected_mask(full.items, full.timeline, filters, full.as_of)))
        .to_pylist()
    )
    assert view.selected == len(keep) and 0 < len(keep) < full.items.num_rows
    assert set(view.analysis.items["item"].to_pylist()) == keep
    pinned = view.config.model_copy(deep=True)
    pinned.flow.as_of = full.as_of
    want = flowgap.analyze(subset(view.result, keep), pinned)
    for name in TABLES:
        got_rows, want_rows = view.analysis.table(name).to_pylist(), want.table(name).to_pylist()
        assert close(got_rows, want_rows), name
    assert close(view.analysis.summary, want.summary)
    assert close(view.analysis.findings, want.findings)
    # The same filters again: a cache hit, the same object.
    assert service.view(None, filters).analysis is view.analysis


def test_nothing_selected_is_no_analysis(service):
    view = service.view(None, Filters(team=("Nobody",)))
    assert view.analysis is None and view.selected == 0 and view.full is not None


def test_selected_mask_by_hand():
    rows = [
        # item, type, labels
        ("A-1", "Bug", ["x", "steerco"]),
        ("A-2", "Bug", None),
        ("A-3", None, []),
        ("A-4", "Story", ["steerco"]),
    ]
    cols = {name: [None] * len(rows) for name in schemas.ITEMS.names}
    cols["item"] = [r[0] for r in rows]
    cols["type"] = [r[1] for r in rows]
    cols["labels"] = [r[2] for r in rows]
    items = pa.table(cols, schema=schemas.ITEMS)
    timeline = schemas.TIMELINE.empty_table()
    as_of = datetime(2026, 1, 1, tzinfo=UTC)

    def mask(**kwargs) -> list[bool]:
        return selected_mask(items, timeline, Filters(**kwargs), as_of).tolist()

    assert mask(label=("steerco",)) == [True, False, False, True]
    assert mask(label=("x", "y")) == [True, False, False, False]
    assert mask(type=("Bug",), label=("steerco",)) == [True, False, False, False]
    assert mask(team=("QA",)) == [False] * 4  # no timeline: no item was with QA
    assert mask() == [True] * 4
    assert isinstance(selected_mask(items, timeline, Filters(), as_of), np.ndarray)
