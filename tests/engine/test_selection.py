"""Analysis.select: a selection's analysis (the same steps over the selected items' rows)
equals re-running flowgap.analyze on the selected items — every table, summary, finding."""

from __future__ import annotations

import math
from datetime import date

import pyarrow as pa
import pytest

import flowgap
from flowgap.config import Config
from flowgap.dashboard.filters import Filters, selected_items
from flowgap.mining import handoff_graph, status_map
from flowgap.model import Finding
from flowgap.sample import STORY_KEY, generate
from flowgap.tables import TABLES
from selection_reference import subset


def close(x: object, y: object) -> bool:
    """Equal, floats to 1e-9 relative (sums of the same values in another order)."""
    if isinstance(x, float) and isinstance(y, float):
        return math.isclose(x, y, rel_tol=1e-9, abs_tol=1e-12) or (math.isnan(x) and math.isnan(y))
    if isinstance(x, dict) and isinstance(y, dict):
        return x.keys() == y.keys() and all(close(x[k], y[k]) for k in x)
    if isinstance(x, list) and isinstance(y, list):
        return len(x) == len(y) and all(close(a, b) for a, b in zip(x, y, strict=True))
    return x == y


def assert_table_equal(name: str, got: pa.Table, want: pa.Table) -> None:
    assert got.schema.remove_metadata() == want.schema.remove_metadata(), name
    assert got.num_rows == want.num_rows, name
    for i, (a, b) in enumerate(zip(got.to_pylist(), want.to_pylist(), strict=True)):
        assert close(a, b), f"{name} row {i}: {a} != {b}"


def rerun(sample, full, keep: set) -> flowgap.Analysis:
    pinned = sample.config.model_copy(deep=True)
    pinned.flow.as_of = full.as_of
    return flowgap.analyze(subset(sample.result, keep), pinned)


@pytest.fixture(scope="module")
def sample():
    return generate(items=400, seed=5)


@pytest.fixture(scope="module")
def full(sample):
    return flowgap.analyze(sample.result, sample.config)


FILTERS = {
    "project+type": Filters(project=("FLOW",), type=("Epic",)),
    "type": Filters(type=("Bug", "Task")),
    "team": Filters(team=("QA",)),
    "label": Filters(label=("steerco", "security")),
    "dates": Filters(start=date(2025, 3, 1), end=date(2025, 4, 15)),
    "combined": Filters(type=("Story",), team=("Backend",), start=date(2025, 2, 1)),
}


def assert_same_analysis(got, want) -> None:
    for table in TABLES:
        assert_table_equal(table, got.table(table), want.table(table))
    assert close(got.summary, want.summary)
    assert close(got.findings, want.findings)
    assert got.two_way_handoffs == want.two_way_handoffs
    for name in ("variants", "conformance", "team_clusters"):
        assert close(getattr(got, name), getattr(want, name)), name
    assert got.as_of == want.as_of


@pytest.mark.parametrize("name", sorted(FILTERS))
def test_filtered_analysis_equals_a_rerun_on_the_subset(sample, full, name):
    keep = selected_items(full.items, full.timeline, FILTERS[name], full.as_of)
    assert 0 < len(keep) < full.items.num_rows, "the filter must select a proper subset"
    got = full.select(keep)
    assert_same_analysis(got, rerun(sample, full, keep))
    assert got.config.flow.as_of == full.as_of


def test_recurring_and_meeting_touches_equal_a_rerun(sample, tmp_path):
    """Every steering kind, a working calendar and stall_after: still equal to a re-run."""
    keys = sample.result.items.column("item").to_pylist()
    meetings = tmp_path / "meetings.csv"
    meetings.write_text(
        f"date,items\n2025-03-05,{keys[1]} {keys[2]} GONE-1\n2025-04-02,{keys[3]}\n"
    )
    raw = sample.config.to_toml_dict()
    raw["steering"]["meetings_file"] = str(meetings)
    raw["steering"]["recurring"] = [
        {"weekday": "wednesday", "labels_any": ["security"], "priorities": ["Highest"]}
    ]
    raw["flow"]["stall_after"] = "3d"
    raw["calendar"] = {"timezone": "Europe/Berlin", "holidays_country": "DE"}
    config = Config.from_dict(raw, "test")
    full = flowgap.analyze(sample.result, config)
    assert {"meeting", "recurring"} <= set(full.steering_touches.column("kind").to_pylist())
    keep = selected_items(full.items, full.timeline, Filters(*priority_or_label()), full.as_of)
    keep |= set(keys[:4])
    got = full.select(keep)
    pinned = config.model_copy(deep=True)
    pinned.flow.as_of = full.as_of
    assert_same_analysis(got, flowgap.analyze(subset(sample.result, keep), pinned))
    # The documented difference: only keys missing from the data are reported as unknown.
    assert [w.message.split(":")[-1].strip() for w in got.warnings] == ["GONE-1"]


def priority_or_label() -> tuple[date, date]:
    return date(2025, 3, 1), date(2025, 3, 31)


def test_arbitrary_selections_equal_a_rerun(sample, full):
    keys = full.items.column("item").to_pylist()
    for keep in (set(keys[::3]), {STORY_KEY}, set(keys[5:9])):
        assert_same_analysis(full.select(keep), rerun(sample, full, keep))


def test_a_selection_of_a_selection_is_the_intersection(sample, full):
    keys = full.items.column("item").to_pylist()
    wide = full.select(keys[::2])
    narrow = wide.select(keys[::3])  # keys[::6] survive both
    assert_same_analysis(narrow, rerun(sample, full, set(keys[::6])))
    mask = [i % 3 == 0 for i in range(wide.items.num_rows)]
    import numpy as np

    by_mask = wide.select(np.array(mask))
    assert by_mask.items.column("item").to_pylist() == wide.items.column("item").to_pylist()[::3]


def test_the_whole_selection_is_the_full_analysis(full):
    assert_same_analysis(full.select(full.items.column("item").to_pylist()), full)


def test_unknown_keys_are_ignored_and_nothing_selected_is_empty(full):
    got = full.select(["NOPE-1"])
    assert got.items.num_rows == 0 and got.timeline.num_rows == 0
    assert got.summary["items"]["total"] == 0
    assert got.status_map.num_rows == 0 and got.handoff_graph.num_rows == 0


def test_warnings_of_unselected_items_are_dropped(full):
    keys = full.items.column("item").to_pylist()
    full.warnings = [
        Finding(kind="x", message="mine", item=keys[0]),
        Finding(kind="x", message="other", item=keys[1]),
        Finding(kind="y", message="global"),
    ]
    try:
        got = full.select([keys[0]])
    finally:
        full.warnings = []
    assert [w.message for w in got.warnings] == ["mine", "global"]


def test_selecting_every_item_gives_the_full_maps(full):
    everything = full.select(full.items.column("item").to_pylist())
    assert_table_equal("status_map", everything.status_map, status_map(full.timeline))
    assert_table_equal("handoff_graph", everything.handoff_graph, handoff_graph(full.stints))


def test_without_history_only_items_and_status_counts_change(sample_logs):
    import tomllib

    config = Config.from_dict(
        tomllib.loads((sample_logs / "sample.jira-ui.flowgap.toml").read_text()), "toml"
    )
    result = flowgap.load(sample_logs / "sample.jira-ui.csv", config)
    assert not result.has_history
    full = flowgap.analyze(result, config)
    keys = full.items.column("item").to_pylist()
    keep = set(keys[::2])
    got = full.select(keep)
    pinned = config.model_copy(deep=True)
    pinned.flow.as_of = full.as_of
    assert_same_analysis(got, flowgap.analyze(subset(result, keep), pinned))


def test_tables_are_computed_on_first_read_and_survive_pickling(full):
    import pickle

    keep = full.items.column("item").to_pylist()[::2]
    got = full.select(keep)
    assert got._values == {}, "nothing is computed before a page reads it"
    weekly = got.weekly  # computes what it needs: items and timeline rows, nothing else
    assert "status_map" not in got._values and "summary" not in got._values
    assert got.weekly is weekly
    again = pickle.loads(pickle.dumps(got))
    for name in ("daily", "weekly", "status_map", "handoff_graph", "two_way_handoffs"):
        value = getattr(again, name)
        want = getattr(got, name)
        assert value == want if isinstance(want, list) else value.equals(want), name


def test_a_real_log_selection_equals_a_rerun(shared_data):
    """helpdesk.xes.gz (public, 4,580 cases): XES statuses, no teams field, other classes."""
    config = Config()
    result = flowgap.load(shared_data / "helpdesk.xes.gz", config)
    full = flowgap.analyze(result, config)
    keep = set(full.items.column("item").to_pylist()[::5])
    got = full.select(keep)
    pinned = config.model_copy(deep=True)
    pinned.flow.as_of = full.as_of
    assert_same_analysis(got, flowgap.analyze(subset(result, keep), pinned))


def test_concurrent_selections_equal_sequential_ones(full):
    from concurrent.futures import ThreadPoolExecutor

    keys = full.items.column("item").to_pylist()
    selections = [set(keys[i::4]) for i in range(4)]
    with ThreadPoolExecutor(max_workers=4) as pool:
        together = list(pool.map(full.select, selections))
    for keep, got in zip(selections, together, strict=True):
        alone = full.select(keep)
        assert_same_analysis(got, alone)
