"""What both Jira flavours share: a page of search results, completing what a search truncates
(comments), and checking what Jira answered: valid JSON of the wrong shape is one clear error,
and a page that brings nothing new (a repeated page token, an ignored ``startAt``, a changelog
that never says it is the last page) stops the pull instead of looping for ever."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from ..errors import InputError
from .client import JiraClient

#: Page size of the secondary endpoints (changelog, comments); Jira caps them at 100.
SUB_PAGE = 100


@dataclass
class Page:
    issues: list[dict]
    names: dict[str, str]
    #: Cursor of the next page (a Cloud token or a Data Center offset); None after the last.
    next_cursor: Any
    last: bool
    total: int | None = None


class SearchSource:
    """What the Cloud and Data Center sources share: the client, the query, the page size."""

    flavor = ""

    def __init__(
        self, client: JiraClient, jql: str, fields: Sequence[str], page_size: int = 100
    ) -> None:
        self.client = client
        self.jql = jql
        self.fields = list(fields)
        self.page_size = page_size


def complete_comments(client: JiraClient, api: str, issue: dict) -> None:
    """Replace a truncated ``fields.comment`` page with every comment of the issue."""
    fields = issue.get("fields")
    if not isinstance(fields, dict):
        return
    page = fields.get("comment")
    if not isinstance(page, dict):
        return
    comments = page.get("comments") or []
    total = page.get("total")
    if not isinstance(total, int) or total <= len(comments):
        return
    collected: list[dict] = []
    seen: set[str] = set()
    path = f"/rest/api/{api}/issue/{issue['id']}/comment"
    while True:
        body = expect_object(
            client,
            path,
            client.get(
                path, {"startAt": len(collected), "maxResults": SUB_PAGE, "orderBy": "created"}
            ),
        )
        batch = expect_list(client, path, body, "comments")
        if batch and not new_ids(batch, seen):
            raise no_progress(client, path, "Jira answered the same comments again")
        collected.extend(batch)
        more = body.get("total")
        if not batch or not isinstance(more, int) or len(collected) >= more:
            break
    fields["comment"] = {
        "comments": collected,
        "maxResults": len(collected),
        "total": len(collected),
        "startAt": 0,
    }


def changelog_of(histories: list[dict]) -> dict:
    """A complete changelog object: nothing left out, so ``total == len(histories)``."""
    return {
        "startAt": 0,
        "maxResults": len(histories),
        "total": len(histories),
        "histories": histories,
    }


def is_truncated(issue: dict) -> bool:
    changelog = issue.get("changelog")
    if not isinstance(changelog, dict):
        return True
    histories = changelog.get("histories") or []
    total = changelog.get("total", len(histories))
    return changelog.get("startAt", 0) != 0 or (isinstance(total, int) and total > len(histories))


def _kind(value: object) -> str:
    if value is None:
        return "null"
    return {dict: "an object", list: "a list", str: "a string", bool: "a boolean"}.get(
        type(value), "a number"
    )


def expect_object(client: JiraClient, path: str, body: Any) -> dict:
    """The body of an endpoint that answers with a JSON object."""
    if not isinstance(body, dict):
        raise InputError(
            client.base_url + path,
            f"Jira answered with {_kind(body)} where a JSON object was expected",
        )
    return body


def expect_list(client: JiraClient, path: str, body: Any, key: str) -> list[dict]:
    """``body[key]``: a list of objects (absent or null means an empty list)."""
    value = body.get(key)
    if value is None:
        return []
    if not isinstance(value, list) or not all(isinstance(v, dict) for v in value):
        raise InputError(
            client.base_url + path,
            f"Jira answered with {key!r} as {_kind(value)} where a list of objects was expected",
        )
    return value


def expect_names(client: JiraClient, path: str, body: dict) -> dict[str, str]:
    """``names`` (field id -> name): an object, absent or null."""
    value = body.get("names")
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise InputError(
            client.base_url + path,
            f"Jira answered with 'names' as {_kind(value)} where an object was expected",
        )
    return {str(k): str(v) for k, v in value.items()}


def no_progress(client: JiraClient, path: str, what: str) -> InputError:
    """The error that ends a loop Jira would keep going for ever."""
    return InputError(client.base_url + path, f"no progress: {what}; stopped instead of looping")


def new_ids(batch: list[dict], seen: set[str]) -> int:
    """How many entries of ``batch`` have an id not seen before (and remember them)."""
    fresh = 0
    for entry in batch:
        key = str(entry.get("id", ""))
        if not key:
            fresh += 1  # nothing to compare it by: not evidence of a repeat
        elif key not in seen:
            seen.add(key)
            fresh += 1
    return fresh
