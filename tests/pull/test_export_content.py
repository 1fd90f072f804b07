"""The export, issue by issue, against the fake Jira: Cloud and Data Center, several pages,
truncated changelogs and comments completed, names, order, gzip, --max-issues."""

from __future__ import annotations

import gzip
from pathlib import Path

import pytest

from flowgap.config import Config
from flowgap.pull import run_pull

from .fake_jira import FakeJira, make_issues
from .helpers import assert_export_matches, export_lines, requested_fields


def pull(fake: FakeJira, out: Path, slept: list[float] | None = None, **kw) -> object:
    return run_pull(fake.url, "project = ABC", out, sleep=(slept or []).append, quiet=True, **kw)


def test_cloud_export_complete_issue_by_issue(tmp_path: Path, jira_env: None) -> None:
    with FakeJira("cloud") as fake:
        summary = pull(fake, tmp_path / "abc.ndjson")
        assert_export_matches(tmp_path / "abc.ndjson", fake)
        searches = fake.routes("search")
    assert summary.flavor == "cloud" and summary.issues == 10
    # 10 issues, at most 4 per page: three pages, each after the first with the token.
    assert len(searches) == 3
    assert "nextPageToken" not in searches[0]["query"]
    assert all("nextPageToken" in s["query"] for s in searches[1:])
    assert searches[0]["query"]["expand"] == "changelog,names"
    assert searches[0]["query"]["jql"] == "project = ABC ORDER BY key ASC"
    # Issues with more than 3 histories were completed from the changelog endpoint in pages
    # of 2: an issue with 6 histories needs 3 requests.
    counts = {s.key: len(s.histories) for s in fake.issues}
    expected_calls = sum(-(-n // 2) for n in counts.values() if n > 3)
    assert len(fake.routes("changelog")) == expected_calls
    assert {r["auth"] for r in fake.requests if r["route"] != "serverInfo"} == {
        fake.expected_auth()
    }


def test_cloud_histories_newest_first_after_completion(tmp_path: Path, jira_env: None) -> None:
    with FakeJira("cloud") as fake:
        pull(fake, tmp_path / "abc.ndjson")
    line = next(x for x in export_lines(tmp_path / "abc.ndjson") if x["key"] == "ABC-2")
    ids = [h["id"] for h in line["changelog"]["histories"]]
    assert ids == ["70015", "70014", "70013", "70012", "70011", "70010"]


def test_datacenter_export_complete_issue_by_issue(tmp_path: Path, jira_env: None) -> None:
    with FakeJira("datacenter") as fake:
        summary = pull(fake, tmp_path / "abc.ndjson.gz")
        assert_export_matches(tmp_path / "abc.ndjson.gz", fake)
        searches = fake.routes("search")
        singles = fake.routes("issue")
    assert summary.flavor == "datacenter"
    assert [s["query"]["startAt"] for s in searches] == ["0", "4", "8"]
    # Truncated changelogs (more than 3 histories) came from the issue itself.
    assert len(singles) == sum(1 for s in fake.issues if len(s.histories) > 3)
    assert all(s["query"]["expand"] == "changelog" for s in singles)
    assert {r["auth"] for r in fake.requests if r["route"] != "serverInfo"} == {
        f"Bearer {fake.expected_auth().split()[1]}"
    }


def test_flavor_override_skips_detection(tmp_path: Path, jira_env: None) -> None:
    with FakeJira("datacenter") as fake:
        pull(fake, tmp_path / "x.ndjson", flavor="datacenter")
        assert fake.routes("serverInfo") == []


def test_flavor_detected_when_server_info_needs_auth(tmp_path: Path, jira_env: None) -> None:
    with FakeJira("cloud", anonymous_server_info=False) as fake:
        summary = pull(fake, tmp_path / "x.ndjson")
        infos = fake.routes("serverInfo")
    assert summary.flavor == "cloud"
    assert [r["auth"] is None for r in infos] == [True, False]


@pytest.mark.parametrize("flavor", ["cloud", "datacenter"])
def test_comments_completed_when_requested(tmp_path: Path, jira_env: None, flavor: str) -> None:
    with FakeJira(flavor) as fake:
        pull(fake, tmp_path / "c.ndjson", fields=["comment"])
        assert "comment" in requested_fields(fake)
        assert_export_matches(tmp_path / "c.ndjson", fake)
        # Issues with 2 or 3 comments (search shows 1) needed the comment endpoint.
        needing = sum(1 for s in fake.issues if len(s.comments) > 1)
        assert len({r["path"] for r in fake.routes("comment")}) == needing
    line = export_lines(tmp_path / "c.ndjson")[3]  # ABC-4: three comments
    assert line["fields"]["comment"]["total"] == 3
    assert len(line["fields"]["comment"]["comments"]) == 3
    body = line["fields"]["comment"]["comments"][2]["body"]
    if flavor == "cloud":
        assert body["type"] == "doc"  # Atlassian Document Format on v3
    else:
        assert body == "Comment 2 on ABC-4: steerco é"


def test_config_adds_team_field_and_comments(tmp_path: Path, jira_env: None) -> None:
    config = Config.from_dict(
        {"input": {"jira": {"team_field": "Team"}}, "steering": {"comment_pattern": "steerco"}}
    )
    with FakeJira("cloud") as fake:
        pull(fake, tmp_path / "t.ndjson", config=config)
        fields = requested_fields(fake)
    assert "customfield_10042" in fields and "customfield_10021" in fields
    assert "comment" in fields
    first = export_lines(tmp_path / "t.ndjson")[0]
    assert first["names"]["customfield_10042"] == "Team"
    assert first["names"]["customfield_10021"] == "Flagged"
    assert first["fields"]["customfield_10042"] == {"value": "Team A"}


def test_fields_by_name_and_id(tmp_path: Path, jira_env: None) -> None:
    with FakeJira("cloud") as fake:
        pull(fake, tmp_path / "f.ndjson", fields=["story points", "customfield_10042"])
        fields = requested_fields(fake)
    assert fields[-3:] == ["customfield_10016", "customfield_10042", "customfield_10021"]
    assert export_lines(tmp_path / "f.ndjson")[4]["fields"]["customfield_10016"] == 4.0


def test_sorted_by_id_whatever_the_server_order(tmp_path: Path, jira_env: None) -> None:
    issues = make_issues(7)
    with FakeJira("cloud", issues=issues) as fake:
        fake.issues = list(reversed(fake.issues))  # the server answers newest id first
        pull(fake, tmp_path / "s.ndjson")
    ids = [line["id"] for line in export_lines(tmp_path / "s.ndjson")]
    assert ids == [str(10000 + 3 * i) for i in range(7)]


def test_gzip_is_byte_deterministic(tmp_path: Path, jira_env: None) -> None:
    with FakeJira("cloud") as fake:
        pull(fake, tmp_path / "a.ndjson.gz")
        pull(fake, tmp_path / "b.ndjson.gz", since="2024-01-01")
        pull(fake, tmp_path / "plain.ndjson")
    a, b = (tmp_path / "a.ndjson.gz").read_bytes(), (tmp_path / "b.ndjson.gz").read_bytes()
    assert a[:2] == b"\x1f\x8b" and a == b  # no time stamp or file name in the header
    assert gzip.decompress(a) == (tmp_path / "plain.ndjson").read_bytes()
    assert gzip.decompress(a).count(b"\n") == 10


def test_max_issues_stops_early_with_a_complete_file(tmp_path: Path, jira_env: None) -> None:
    with FakeJira("cloud") as fake:
        summary = pull(fake, tmp_path / "m.ndjson", max_issues=6)
        assert_export_matches(tmp_path / "m.ndjson", fake, ids=[s.id for s in fake.issues[:6]])
        sizes = [int(r["query"]["maxResults"]) for r in fake.routes("search")]
    assert summary.issues == 6
    assert sizes == [6, 2]  # asked for what was left; the server gave at most 4
    assert not (tmp_path / "m.ndjson.partial").exists()
    assert not (tmp_path / "m.ndjson.state.json").exists()


def test_empty_result_writes_an_empty_export(tmp_path: Path, jira_env: None) -> None:
    with FakeJira("datacenter", issues=[]) as fake:
        summary = pull(fake, tmp_path / "e.ndjson")
    assert summary.issues == 0
    assert (tmp_path / "e.ndjson").read_bytes() == b""


def test_all_fields_shorthand_completes_comments(tmp_path: Path, jira_env: None) -> None:
    with FakeJira("datacenter") as fake:
        pull(fake, tmp_path / "all.ndjson", fields=["*all"])
        assert "*all" in requested_fields(fake)
        assert_export_matches(tmp_path / "all.ndjson", fake)
    line = export_lines(tmp_path / "all.ndjson")[3]
    assert len(line["fields"]["comment"]["comments"]) == 3
    assert line["fields"]["customfield_10016"] == 3.0


@pytest.mark.parametrize(
    ("flavor", "name"), [("cloud", "abc.ndjson"), ("datacenter", "abc.ndjson.gz")]
)
def test_the_status_list_is_saved_beside_the_export_and_loads_with_it(
    tmp_path: Path, jira_env: None, flavor: str, name: str
) -> None:
    import orjson

    import flowgap
    from flowgap.config import Config

    from .fake_jira import STATUS_LIST

    with FakeJira(flavor) as fake:
        summary = pull(fake, tmp_path / name)
        (request,) = fake.routes("status")
    assert request["auth"] is not None
    assert summary.statuses == tmp_path / "abc.statuses.json"
    assert orjson.loads(summary.statuses.read_bytes()) == STATUS_LIST
    result = flowgap.load([tmp_path / name, summary.statuses], Config())
    assert [(i.format, i.records_read, i.records_loaded) for i in result.inputs][1:] == [
        ("jira-statuses", 5, 5)
    ]
    # the list and the issues agree
    assert result.status_categories["Ready for QA"] == "indeterminate"
    assert not [w for w in result.warnings if w.kind == "category_conflict"]


def test_a_status_list_jira_refuses_leaves_the_export_standing(
    tmp_path: Path, jira_env: None, capsys: pytest.CaptureFixture[str]
) -> None:
    from .fake_jira import Reply

    with FakeJira("cloud") as fake:
        fake.faults["status"] = [Reply(403, {"errorMessages": ["No permission"], "errors": {}})]
        summary = run_pull(fake.url, "project = ABC", tmp_path / "abc.ndjson", sleep=[].append)
    assert summary.statuses is None and summary.issues == 10
    assert not (tmp_path / "abc.statuses.json").exists()
    err = capsys.readouterr().err
    assert "flowgap: warning: the status list was not saved: " in err
    assert err.strip().splitlines()[-1].startswith("flowgap: wrote 10 issues to ")
