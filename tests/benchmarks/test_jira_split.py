"""The task that splits a Jira JSON load's CPU time into its phases, on the story log."""

from __future__ import annotations

from pathlib import Path

import orjson
import pytest

from flowgap.ingest import jira_columns, jira_fields

from .tasks import jira_split

LOGS = Path(__file__).resolve().parents[2] / "sample_logs"


def test_jira_split_phases_add_up(capsys: pytest.CaptureFixture[str]) -> None:
    jira_split(LOGS / "story.jira.ndjson.gz", LOGS / "story.jira.flowgap.toml")
    out = capsys.readouterr().out
    result = orjson.loads(out.removeprefix("RESULT "))
    phases = result["phases"]
    assert result["facts"]["events"] == 2639
    assert sorted(phases) == ["flush", "load", "parse (a pass of its own)", "tables", "walk"]
    # the flushes and the tables are parts of the load
    assert 0 < phases["flush"] + phases["tables"] < phases["load"]
    # the timing wrappers are gone once the task is done
    assert jira_columns.Columns.flush.__module__ == "flowgap.ingest.jira_columns"
    assert jira_fields.People.named.__module__ == "flowgap.ingest.jira_fields"
