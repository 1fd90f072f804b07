"""What both Jira flavours share: a page of search results and completing what a search
truncates (comments)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

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
    while True:
        body = client.get(
            f"/rest/api/{api}/issue/{issue['id']}/comment",
            {"startAt": len(collected), "maxResults": SUB_PAGE, "orderBy": "created"},
        )
        batch = body.get("comments") or []
        collected.extend(batch)
        if not batch or len(collected) >= int(body.get("total", 0)):
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
