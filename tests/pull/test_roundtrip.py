"""What ``flowgap pull`` writes, ``flowgap.load`` reads unchanged: every history becomes the
events it describes, nothing rejected, no truncated-history warning."""

from __future__ import annotations

from pathlib import Path

import pytest

import flowgap
from flowgap.config import Config
from flowgap.pull import run_pull

from .fake_jira import FakeJira


@pytest.mark.parametrize("flavor", ["cloud", "datacenter"])
def test_pulled_export_loads_with_every_history(
    tmp_path: Path, jira_env: None, flavor: str
) -> None:
    config = Config.from_dict(
        {"input": {"jira": {"team_field": "Team"}}, "steering": {"comment_pattern": "steerco"}}
    )
    out = tmp_path / "abc.jira.ndjson.gz"
    with FakeJira(flavor) as fake:
        run_pull(fake.url, "project = ABC", out, config=config, quiet=True)
        stored = fake.issues
    result = flowgap.load(out, config)
    assert result.items.num_rows == 10
    assert len(result.rejects) == 0
    assert not any("truncat" in str(w).lower() for w in result.warnings)
    (summary,) = result.inputs
    n_histories = sum(len(s.histories) for s in stored)
    n_comments = sum(len(s.comments) for s in stored)
    assert summary.records_read == summary.records_loaded == 10 + n_histories + n_comments

    events = result.events.to_pylist()
    for s in stored:
        mine = [e for e in events if e["item"] == s.key]
        statuses = [e["value"] for e in mine if e["field"] == "status"]
        expected = ["To Do"] + [
            i["toString"] for h in s.histories for i in h["items"] if i["field"] == "status"
        ]
        assert statuses == expected, s.key
        teams = [e["value"] for e in mine if e["field"] == "team"]
        changes = [i["toString"] for h in s.histories for i in h["items"] if i["field"] == "Team"]
        initial = next(
            (i["fromString"] for h in s.histories for i in h["items"] if i["field"] == "Team"),
            s.fields["customfield_10042"]["value"],
        )
        assert teams == [initial, *changes], s.key
        flags = [e["value"] for e in mine if e["field"] == "flag"]
        assert flags == [
            i["toString"] for h in s.histories for i in h["items"] if i["field"] == "Flagged"
        ], s.key
        assert sum(e["field"] == "comment" for e in mine) == len(s.comments)
    points = dict(
        zip(result.items["item"].to_pylist(), result.items["story_points"].to_pylist(), strict=True)
    )
    assert points["ABC-5"] == 4.0
