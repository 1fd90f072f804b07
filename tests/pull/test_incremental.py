"""An existing export (or --since) means: fetch what changed since, merge, newest wins."""

from __future__ import annotations

import copy
from datetime import UTC, timedelta
from pathlib import Path

import pytest

from flowgap.errors import InputError
from flowgap.pull import run_pull

from .fake_jira import FakeJira, jira_ts, make_issues
from .helpers import assert_export_matches, export_lines

JQL = "project = ABC ORDER BY created DESC"


def pull(fake: FakeJira, out: Path, **kw) -> object:
    return run_pull(fake.url, JQL, out, sleep=lambda s: None, quiet=True, **kw)


def evolve(issues: list, ids: list[int], later: timedelta) -> None:
    """Give the issues at these positions a new status change, ``later`` after their last."""
    for pos in ids:
        s = issues[pos]
        s.updated = s.updated + later
        s.histories.append(
            {
                "id": str(80000 + pos),
                "author": {"displayName": "Ann Example", "accountId": "acc-0"},
                "created": jira_ts(s.updated),
                "items": [
                    {
                        "field": "status",
                        "fieldtype": "jira",
                        "fieldId": "status",
                        "from": None,
                        "fromString": s.fields["status"]["name"],
                        "to": None,
                        "toString": "Reopened",
                    }
                ],
            }
        )
        s.fields["status"] = {
            "name": "Reopened",
            "id": "9",
            "statusCategory": {"key": "new", "name": "To Do"},
        }
        s.fields["updated"] = jira_ts(s.updated)


def test_existing_export_pulls_only_changes_and_merges(tmp_path: Path, jira_env: None) -> None:
    issues = make_issues(12)
    out = tmp_path / "abc.ndjson.gz"
    with FakeJira("cloud", issues=issues) as fake:
        pull(fake, out)
        newest = max(s.updated for s in issues)
        evolved = copy.deepcopy(issues)
        evolve(evolved, [1, 11], timedelta(days=5))
        evolved += make_issues(14)[12:]  # two new issues, created after all the others
        evolved[-2].updated = evolved[-1].updated = newest + timedelta(days=6)
        evolved[-2].fields["updated"] = evolved[-1].fields["updated"] = jira_ts(
            newest + timedelta(days=6)
        )
        fake.issues = evolved
        summary = pull(fake, out)
        jql = fake.routes("search")[-1]["query"]["jql"]
        bound = (newest - timedelta(days=1)).astimezone(UTC).strftime("%Y-%m-%d %H:%M")
        assert_export_matches(out, fake)
    # Bound one day before the newest update seen, the user's order kept.
    assert jql == f'(project = ABC) AND updated >= "{bound}" ORDER BY created DESC'
    fetched = {s.key for s in evolved if s.updated >= newest - timedelta(days=1)}
    assert {"ABC-2", "ABC-12", "ABC-13", "ABC-14"} <= fetched
    assert summary.fetched == len(fetched) < 14
    assert summary.issues == 14
    assert summary.kept_from_existing == 14 - len(fetched)
    lines = {line["key"]: line for line in export_lines(out)}
    assert lines["ABC-2"]["fields"]["status"]["name"] == "Reopened"
    # no scratch left, only the export and Jira's status list beside it
    assert sorted(p.name for p in tmp_path.iterdir()) == ["abc.ndjson.gz", "abc.statuses.json"]
    assert lines["ABC-2"]["changelog"]["histories"][0]["id"] == "80001"


def test_since_date_and_older_copy_never_wins(tmp_path: Path, jira_env: None) -> None:
    issues = make_issues(6)
    out = tmp_path / "abc.ndjson"
    with FakeJira("datacenter", issues=issues) as fake:
        pull(fake, out)
        original = out.read_bytes()
        # The server now holds an *older* copy of ABC-1 (a restored backup): it must not win.
        older = copy.deepcopy(issues)
        older[0].fields["updated"] = jira_ts(older[0].updated - timedelta(days=30))
        older[0].fields["summary"] = "stale"
        fake.issues = older
        summary = pull(fake, out, since="2024-01-01")
        assert fake.routes("search")[-1]["query"]["jql"] == (
            '(project = ABC) AND updated >= "2024-01-01" ORDER BY created DESC'
        )
    assert summary.fetched == 6 and summary.kept_from_existing == 1
    assert out.read_bytes() == original


def test_since_without_existing_export(tmp_path: Path, jira_env: None) -> None:
    issues = make_issues(10)
    cut = issues[6].updated
    with FakeJira("cloud", issues=issues) as fake:
        pull(fake, tmp_path / "s.ndjson", since=cut.strftime("%Y-%m-%d %H:%M"))
        selected = [s.id for s in issues if s.updated >= cut.replace(second=0, microsecond=0)]
        assert_export_matches(tmp_path / "s.ndjson", fake, ids=selected)
    assert 0 < len(selected) < 10


def test_previous_export_with_crlf_and_blank_lines(tmp_path: Path, jira_env: None) -> None:
    issues = make_issues(4)
    out = tmp_path / "abc.ndjson"
    with FakeJira("cloud", issues=issues) as fake:
        pull(fake, out)
        clean = out.read_bytes()
        # Edited on another system: CRLF endings, a blank line, an indented line.
        lines = clean.splitlines()
        out.write_bytes(b"\r\n".join([lines[0], b"", b"  " + lines[1], *lines[2:]]) + b"\r\n")
        summary = pull(fake, out, since="2030-01-01")  # nothing new: a pure rewrite
    assert summary.fetched == 0 and summary.kept_from_existing == 4
    assert out.read_bytes() == clean


def test_foreign_file_at_out_is_refused(tmp_path: Path, jira_env: None) -> None:
    out = tmp_path / "abc.ndjson"
    out.write_text('{"issues": []}\n')
    with FakeJira("cloud") as fake, pytest.raises(InputError) as err:
        pull(fake, out)
    assert str(err.value) == (
        f"{out}: line 1: not an issue object with an id; only an NDJSON export written by "
        "flowgap pull can be merged (move the file away to pull afresh)"
    )
    assert out.read_text() == '{"issues": []}\n'
