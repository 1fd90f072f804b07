"""One status count: the engine's status table, `flowgap inspect`, its starter config and the
dashboard's class editor list the same statuses with the same entries, on every sample log."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import tomlkit

import flowgap
from flowgap.config import Config
from flowgap.dashboard.data import View
from flowgap.dashboard.filters import Filters
from flowgap.dashboard.pages.class_editor import status_rows
from flowgap.engine.status_classes import build_status_classes
from flowgap.inspection import inspect_result, starter_config
from flowgap.sample.regen import SAMPLE_LOGS
from flowgap.sample.writers import base_name

_ENTRIES = re.compile(r"entries: (\d+)")


def _starter_counts(data: dict, config: Config) -> dict[str, int]:
    classes = tomlkit.parse(starter_config(data, config))["statuses"]["classes"]
    out = {}
    for name, item in classes.items():
        found = _ENTRIES.search(item.trivia.comment)
        out[name] = int(found.group(1)) if found else 0  # "not seen in these inputs"
    return out


@pytest.mark.parametrize("configured", [True, False], ids=["own config", "no config"])
@pytest.mark.parametrize("name", [entry[0] for entry in SAMPLE_LOGS])
def test_engine_inspect_starter_and_class_editor_agree(
    sample_logs: Path, name: str, configured: bool
) -> None:
    config = (
        Config.load(sample_logs / f"{base_name(Path(name))}.flowgap.toml")
        if configured
        else Config()
    )
    result = flowgap.load(sample_logs / name, config)
    engine = {
        row["status"]: row["events"] for row in build_status_classes(result, config).to_pylist()
    }
    data = inspect_result(result, config)
    inspect = {s["name"]: s["count"] for s in data["statuses"]}
    editor = {
        r["status"]: r["count"]
        for r in status_rows(View(sid=None, config=config, filters=Filters(), result=result))
    }
    assert engine and sum(engine.values()) > 0
    assert inspect == engine
    assert editor == engine
    assert _starter_counts(data, config) == engine


def test_class_editor_lists_the_statuses_of_a_log_without_history(sample_logs: Path) -> None:
    """The Jira UI CSV has no status events: each item entered its current status once."""
    config = Config()
    result = flowgap.load(sample_logs / "sample.jira-ui.csv", config)
    rows = status_rows(View(sid=None, config=config, filters=Filters(), result=result))
    assert [(r["status"], r["count"]) for r in rows] == [
        ("Done", 32),
        ("Backlog", 6),
        ("Ready for Dev", 1),
        ("Ready for QA", 1),
    ]
