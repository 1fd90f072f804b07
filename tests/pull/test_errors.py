"""Retries on 429/5xx honouring Retry-After, and one clear error for what cannot be retried."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from flowgap.errors import FlowgapError, InputError, UsageError
from flowgap.pull import run_pull
from flowgap.pull.client import retry_after_seconds

from .fake_jira import FakeJira, Reply
from .helpers import assert_export_matches


def pull(fake: FakeJira, out: Path, slept: list[float], **kw) -> object:
    return run_pull(fake.url, "project = ABC", out, sleep=slept.append, quiet=True, **kw)


def test_429_honours_retry_after(tmp_path: Path, jira_env: None) -> None:
    slept: list[float] = []
    with FakeJira("cloud") as fake:
        fake.faults["search"] = [
            Reply(429, {"errorMessages": ["Rate limit"]}, {"Retry-After": "7"})
        ]
        fake.faults["changelog"] = [Reply(429, None, {"Retry-After": "3"})]
        pull(fake, tmp_path / "r.ndjson", slept)
        assert_export_matches(tmp_path / "r.ndjson", fake)
        assert len(fake.routes("search")) == 4  # three pages plus the refused one
    assert slept == [7.0, 3.0]


def test_retry_after_is_capped(tmp_path: Path, jira_env: None) -> None:
    slept: list[float] = []
    with FakeJira("cloud") as fake:
        fake.faults["search"] = [Reply(429, None, {"Retry-After": "86400"})]
        pull(fake, tmp_path / "r.ndjson", slept, max_sleep=30.0)
    assert slept == [30.0]


def test_500_then_success_backs_off_exponentially(tmp_path: Path, jira_env: None) -> None:
    slept: list[float] = []
    with FakeJira("datacenter") as fake:
        fake.faults["search"] = [Reply(500), Reply(502), Reply(503)]
        pull(fake, tmp_path / "r.ndjson", slept)
        assert_export_matches(tmp_path / "r.ndjson", fake)
    assert slept == [1.0, 2.0, 4.0]


def test_persistent_5xx_gives_up_with_one_line(tmp_path: Path, jira_env: None) -> None:
    slept: list[float] = []
    with FakeJira("cloud") as fake:
        fake.faults["search"] = [Reply(503, {"errorMessages": ["Down for maintenance"]})] * 8
        with pytest.raises(FlowgapError) as err:
            pull(fake, tmp_path / "r.ndjson", slept)
    message = str(err.value)
    assert "503" in message and "8 attempts" in message and "Down for maintenance" in message
    assert "\n" not in message
    assert slept == [1.0, 2.0, 4.0, 8.0, 16.0, 32.0, 64.0]
    # Nothing was saved: no partial, no state, no export.
    assert sorted(p.name for p in tmp_path.iterdir()) == []


def test_401_is_one_clear_line(tmp_path: Path, jira_env: None, monkeypatch) -> None:
    monkeypatch.setenv("JIRA_TOKEN", "wrong")
    with FakeJira("cloud") as fake, pytest.raises(UsageError) as err:
        pull(fake, tmp_path / "r.ndjson", [])
    message = str(err.value)
    assert message.startswith("Jira rejected the credentials (401) for /rest/api/3/field")
    assert "\n" not in message and err.value.exit_code == 2
    assert not (tmp_path / "r.ndjson").exists()


def test_403_names_permission_and_jira_message(tmp_path: Path, jira_env: None) -> None:
    with FakeJira("datacenter") as fake:
        fake.faults["search"] = [Reply(403, {"errorMessages": ["Browse Projects is missing"]})]
        with pytest.raises(UsageError) as err:
            pull(fake, tmp_path / "r.ndjson", [])
    assert str(err.value) == (
        "Jira refused access (403) to /rest/api/2/search: the account lacks permission: "
        "Browse Projects is missing"
    )


def test_404_wrong_base_url(tmp_path: Path, jira_env: None) -> None:
    with FakeJira("cloud") as fake, pytest.raises(UsageError) as err:
        run_pull(fake.url + "/jira", "project = ABC", tmp_path / "r.ndjson", quiet=True)
    assert str(err.value).startswith(f"not found (404): {fake.url}/jira/rest/api/2/serverInfo")


def test_bad_jql_shows_jiras_message(tmp_path: Path, jira_env: None) -> None:
    with FakeJira("cloud") as fake, pytest.raises(UsageError) as err:
        run_pull(fake.url, "project = BAD(", tmp_path / "r.ndjson", quiet=True)
    assert str(err.value) == (
        "Jira rejected the request (400): Error in the JQL Query: The character 'B' is a "
        "reserved JQL character."
    )
    assert list(tmp_path.iterdir()) == []


def test_unreachable_server(tmp_path: Path, jira_env: None) -> None:
    with FakeJira("cloud") as fake:
        url = fake.url
    slept: list[float] = []
    with pytest.raises(InputError) as err:
        run_pull(url, "project = ABC", tmp_path / "r.ndjson", quiet=True, sleep=slept.append)
    assert str(err.value) == f"{url}: cannot reach Jira after 8 attempts: ConnectError"
    assert len(slept) == 7


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"flavor": "jira"}, "--flavor must be cloud or datacenter, got 'jira'"),
        ({"max_issues": 0}, "--max-issues must be at least 1"),
        ({"since": "last week"}, "--since 'last week' is not a date"),
        ({"fields": ["No Such Field"]}, "--fields: Jira has no field with the id or name"),
    ],
)
def test_usage_errors(tmp_path: Path, jira_env: None, kwargs: dict, message: str) -> None:
    with FakeJira("cloud") as fake, pytest.raises(UsageError) as err:
        run_pull(fake.url, "project = ABC", tmp_path / "r.ndjson", quiet=True, **kwargs)
    assert str(err.value).startswith(message)


def test_missing_env_vars(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.delenv("JIRA_USER", raising=False)
    monkeypatch.setenv("JIRA_TOKEN", "x")
    with FakeJira("cloud") as fake, pytest.raises(UsageError) as err:
        run_pull(fake.url, "project = ABC", tmp_path / "r.ndjson", quiet=True)
    assert str(err.value).startswith("environment variable JIRA_USER is not set")
    monkeypatch.delenv("JIRA_TOKEN")
    with FakeJira("datacenter") as fake, pytest.raises(UsageError) as err:
        run_pull(fake.url, "project = ABC", tmp_path / "r.ndjson", quiet=True)
    assert str(err.value).startswith("environment variable JIRA_TOKEN is not set")


def test_retry_after_forms() -> None:
    now = datetime(2026, 1, 5, 10, 0, 0, tzinfo=UTC)
    assert retry_after_seconds("12") == 12.0
    assert retry_after_seconds("Mon, 05 Jan 2026 10:00:30 GMT", lambda: now) == 30.0
    assert retry_after_seconds("Mon, 05 Jan 2026 09:00:00 GMT", lambda: now) == 0.0
    assert retry_after_seconds("soon") is None
    assert retry_after_seconds(None) is None


def test_redirect_is_explained(tmp_path: Path, jira_env: None) -> None:
    with FakeJira("cloud") as fake:
        fake.faults["serverInfo"] = [
            Reply(302, None, {"Location": "https://sso.example.com/login"})
        ]
        with pytest.raises(UsageError) as err:
            pull(fake, tmp_path / "r.ndjson", [])
    assert str(err.value).startswith(
        "Jira redirected /rest/api/2/serverInfo (302) to https://sso.example.com/login: give"
    )
