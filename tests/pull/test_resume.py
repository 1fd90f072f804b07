"""An interrupted pull leaves no file that looks complete, and --resume finishes it into the
same bytes an uninterrupted pull gives."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from flowgap.errors import UsageError
from flowgap.pull import run_pull

from .fake_jira import EMAIL, TOKEN, FakeJira, make_issues
from .helpers import assert_export_matches

JQL = "project = ABC"


def pull(fake: FakeJira, out: Path, **kw) -> object:
    return run_pull(fake.url, JQL, out, sleep=lambda s: None, quiet=True, **kw)


@pytest.mark.parametrize("flavor", ["cloud", "datacenter"])
def test_outage_then_resume_gives_the_same_file(
    tmp_path: Path, jira_env: None, flavor: str
) -> None:
    issues = make_issues(18)
    with FakeJira(flavor, issues=issues) as fake:
        pull(fake, tmp_path / "whole.ndjson.gz")
        fake.requests.clear()
        fake.fail_search_after = fake.search_pages_served + 2  # the third page never comes
        out = tmp_path / "abc.ndjson.gz"
        with pytest.raises(UsageError) as err:
            pull(fake, out)
        assert "8 issues saved in abc.ndjson.gz.partial" in str(err.value)
        assert "--resume" in str(err.value)
        assert not out.exists()  # nothing that looks complete
        state = json.loads((tmp_path / "abc.ndjson.gz.state.json").read_text())
        assert len(state["ids"]) == 8 and state["done"] is False
        fake.fail_search_after = None
        searches_before = len(fake.routes("search"))
        pull(fake, out, resume=True)
        resumed = fake.routes("search")[searches_before:]
        # The resume asked for the third page first, not the first again.
        first = resumed[0]["query"]
        assert first.get("startAt", "8") == "8"
        assert ("nextPageToken" in first) == (flavor == "cloud")
        assert len(resumed) == 3  # pages 3, 4, 5 of 4 issues (18 issues)
        assert_export_matches(out, fake)
        # The resumed run re-detects nothing: the flavour came from the state.
        assert len(fake.routes("serverInfo")) == 1
    assert out.read_bytes() == (tmp_path / "whole.ndjson.gz").read_bytes()
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "abc.ndjson.gz",
        "abc.statuses.json",
        "whole.ndjson.gz",
        "whole.statuses.json",
    ]


def test_half_written_page_is_cut_on_resume(tmp_path: Path, jira_env: None) -> None:
    with FakeJira("cloud") as fake:
        pull(fake, tmp_path / "whole.ndjson")
        fake.fail_search_after = fake.search_pages_served + 1
        out = tmp_path / "abc.ndjson"
        with pytest.raises(UsageError):
            pull(fake, out)
        partial = tmp_path / "abc.ndjson.partial"
        # A crash in the middle of writing the next page leaves a torn line behind.
        with partial.open("ab") as fh:
            fh.write(b'{"id": "10012", "key": "ABC-5", "fiel')
        fake.fail_search_after = None
        pull(fake, out, resume=True)
        assert_export_matches(out, fake)
    assert out.read_bytes() == (tmp_path / "whole.ndjson").read_bytes()


def test_stale_partial_needs_resume_or_cleanup(tmp_path: Path, jira_env: None) -> None:
    with FakeJira("cloud") as fake:
        fake.fail_search_after = 1
        out = tmp_path / "abc.ndjson"
        with pytest.raises(UsageError):
            pull(fake, out)
        with pytest.raises(UsageError) as err:
            pull(fake, out)
    assert str(err.value).startswith(
        "an interrupted pull of abc.ndjson exists (abc.ndjson.partial): pass --resume"
    )


def test_resume_refuses_other_options(tmp_path: Path, jira_env: None) -> None:
    with FakeJira("cloud") as fake:
        fake.fail_search_after = 1
        out = tmp_path / "abc.ndjson"
        with pytest.raises(UsageError):
            pull(fake, out)
        with pytest.raises(UsageError) as err:
            run_pull(fake.url, "project = XYZ", out, quiet=True, resume=True, max_issues=3)
    assert "--jql, --max-issues differ" in str(err.value)


def test_resume_without_state(tmp_path: Path, jira_env: None) -> None:
    with FakeJira("cloud") as fake, pytest.raises(UsageError) as err:
        pull(fake, tmp_path / "abc.ndjson", resume=True)
    assert str(err.value) == "nothing to resume: abc.ndjson.state.json does not exist"


@pytest.mark.slow
def test_killed_cli_process_resumes_to_the_same_file(tmp_path: Path, jira_env: None) -> None:
    """A real SIGKILL of ``flowgap pull`` mid-way, then ``--resume``, as a user would."""
    issues = make_issues(24)
    env = {**os.environ, "JIRA_USER": EMAIL, "JIRA_TOKEN": TOKEN}
    with FakeJira("cloud", issues=issues) as fake:
        whole = tmp_path / "whole.ndjson.gz"
        pull(fake, whole)
        fake.page_delay = 0.25
        out = tmp_path / "abc.ndjson.gz"
        cmd = [sys.executable, "-m", "flowgap", "pull", "--url", fake.url, "--jql", JQL]
        proc = subprocess.Popen([*cmd, "-o", str(out), "-q"], env=env)
        state = tmp_path / "abc.ndjson.gz.state.json"
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if state.exists() and len(json.loads(state.read_text() or "{}").get("ids", [])) >= 8:
                break
            time.sleep(0.02)
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=10)
        assert proc.returncode == -signal.SIGKILL
        assert not out.exists() and state.exists()
        fake.page_delay = 0.0
        pull(fake, out, resume=True)
        assert_export_matches(out, fake)
    assert out.read_bytes() == whole.read_bytes()
    assert not state.exists() and not (tmp_path / "abc.ndjson.gz.partial").exists()


def test_expired_cloud_token_on_resume(tmp_path: Path, jira_env: None) -> None:
    from .fake_jira import Reply

    with FakeJira("cloud") as fake:
        fake.fail_search_after = 1
        out = tmp_path / "abc.ndjson"
        with pytest.raises(UsageError):
            pull(fake, out)
        fake.fail_search_after = None
        fake.faults["search"] = [Reply(400, {"errorMessages": ["Invalid nextPageToken"]})]
        with pytest.raises(UsageError) as err:
            pull(fake, out, resume=True)
    assert str(err.value) == (
        "Jira no longer accepts the saved page token (Cloud tokens expire after 7 days): "
        "delete the .partial and .state.json files and pull again"
    )
