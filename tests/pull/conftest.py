from __future__ import annotations

import pytest

from .fake_jira import EMAIL, TOKEN


@pytest.fixture
def jira_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("JIRA_USER", EMAIL)
    monkeypatch.setenv("JIRA_TOKEN", TOKEN)


@pytest.fixture
def no_sleep() -> list[float]:
    """Sleeps the client asked for, recorded instead of taken (HTTP stays real)."""
    return []
