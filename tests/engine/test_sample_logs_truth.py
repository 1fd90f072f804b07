"""Every committed sample log, in every format, gives back its own ground truth.

Each log in sample_logs/ has a ``.truth.csv`` written by the generator (never by the engine)
and the ``.flowgap.toml`` to analyse it; the truth follows what the format can express.
"""

from __future__ import annotations

import csv
import math
from pathlib import Path

import pytest

import flowgap
from flowgap.config import Config

LOGS = Path(__file__).resolve().parents[2] / "sample_logs"
CASES = {
    "story.jira.ndjson.gz": "story.jira",
    "sample.jira.json": "sample.jira",
    "sample.transitions.csv": "sample.transitions",
    "sample.events.csv": "sample.events",
    "sample.xes.gz": "sample",
    "sample.canonical.parquet": "sample.canonical",
    "sample.jira-ui.csv": "sample.jira-ui",
}
FLOAT = {
    "lead_time_s",
    "cycle_time_s",
    "window_s",
    "touch_s",
    "wait_s",
    "blocked_s",
    "flow_efficiency",
}
INT = {"handoffs", "teams_visited", "rework", "steering_touches"}


def truth_rows(stem: str) -> dict[str, dict]:
    with open(LOGS / f"{stem}.truth.csv", newline="", encoding="utf-8") as fh:
        return {row["item"]: row for row in csv.DictReader(fh)}


def same(column: str, expected: str, got: object) -> bool:
    if expected == "":
        return got is None or got == "" or (column in INT and got == 0)
    if column in FLOAT:
        return got is not None and math.isclose(float(expected), got, rel_tol=1e-9, abs_tol=1e-6)
    if column in INT:
        return int(expected) == got
    if column == "is_open":
        return (expected == "true") == got
    return expected == got


@pytest.mark.parametrize("name", sorted(CASES))
def test_sample_log_recovers_its_truth(name: str) -> None:
    stem = CASES[name]
    config = Config.load(LOGS / f"{stem}.flowgap.toml")
    analysis = flowgap.analyze(flowgap.load(LOGS / name, config), config)
    truth = truth_rows(stem)
    got = {row["item"]: row for row in analysis.items.to_pylist()}
    assert set(got) == set(truth)
    columns = [c for c in next(iter(truth.values())) if c in FLOAT | INT | {"is_open", "team_path"}]
    if not analysis.has_history:  # Jira UI CSV: lead time is all there is
        columns = ["is_open", "lead_time_s"]
    mismatches = [
        (item, column, row[column], got[item][column])
        for item, row in truth.items()
        for column in columns
        if not same(column, row[column], got[item][column])
    ]
    assert mismatches == []
