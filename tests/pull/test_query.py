"""The JQL sent and the field ids asked for."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from flowgap.errors import UsageError
from flowgap.pull.client import normalize_base_url
from flowgap.pull.query import (
    effective_jql,
    parse_since,
    resolve_fields,
    since_from_updated,
    split_order_by,
)

from .fake_jira import FIELD_CATALOGUE


@pytest.mark.parametrize(
    ("jql", "where", "order"),
    [
        ("project = ABC", "project = ABC", ""),
        ("project = ABC order by Rank ASC", "project = ABC", "order by Rank ASC"),
        (
            'summary ~ "sort ORDER BY later" ORDER BY key',
            'summary ~ "sort ORDER BY later"',
            "ORDER BY key",
        ),
        (
            "summary ~ 'it\\'s ORDER BY' ORDER BY created",
            "summary ~ 'it\\'s ORDER BY'",
            "ORDER BY created",
        ),
        ("ORDER BY created DESC", "", "ORDER BY created DESC"),
        ("reorder_by = 1", "reorder_by = 1", ""),
    ],
)
def test_split_order_by(jql: str, where: str, order: str) -> None:
    assert split_order_by(jql) == (where, order)


def test_effective_jql() -> None:
    assert effective_jql("project = A", None) == "project = A ORDER BY key ASC"
    assert effective_jql("project = A OR project = B ORDER BY rank", "2024-05-01") == (
        '(project = A OR project = B) AND updated >= "2024-05-01" ORDER BY rank'
    )
    assert effective_jql("ORDER BY created", "2024-05-01 10:00") == (
        'updated >= "2024-05-01 10:00" ORDER BY created'
    )
    with pytest.raises(UsageError, match="selects nothing"):
        effective_jql("  ", None)


def test_parse_since() -> None:
    assert parse_since("2024-05-01") == "2024-05-01"
    assert parse_since(" 2024/05/01 13:30 ") == "2024-05-01 13:30"
    assert parse_since("2024-05-01T13:30") == "2024-05-01 13:30"
    with pytest.raises(UsageError):
        parse_since("01.05.2024")


def test_since_from_updated_is_utc_minus_a_day() -> None:
    newest = datetime(2024, 5, 2, 1, 30, tzinfo=timezone(timedelta(hours=2)))
    assert since_from_updated(newest) == "2024-04-30 23:30"


def test_resolve_fields() -> None:
    catalogue = [*FIELD_CATALOGUE, {"id": "customfield_2", "name": "Team", "custom": True}]
    ids, warnings = resolve_fields(
        catalogue, ["story points", "customfield_10021"], ["Team", "Nope"], ["Story Points"]
    )
    assert ids == ["customfield_10016", "customfield_10021", "customfield_10042", "customfield_2"]
    assert warnings == [
        "several Jira fields are named 'Team' (customfield_10042, customfield_2); all are exported",
        "Jira has no field named 'Nope'; it is not exported",
    ]
    assert resolve_fields(catalogue, ["*all"])[0] == ["*all"]
    with pytest.raises(UsageError, match="'Sprint'"):
        resolve_fields(catalogue, ["Sprint"])


def test_normalize_base_url() -> None:
    assert normalize_base_url(" https://x.atlassian.net/ ") == "https://x.atlassian.net"
    assert normalize_base_url("http://host:8080/jira/") == "http://host:8080/jira"
    with pytest.raises(UsageError, match="http"):
        normalize_base_url("x.atlassian.net")
