"""Jira Server / Data Center: ``/rest/api/2/search`` paged by ``startAt`` with
``expand=changelog``.

Data Center has no paged changelog endpoint; when a search returns a partial changelog the issue
itself is fetched with ``expand=changelog``, which carries every history.
"""

from __future__ import annotations

from ..errors import InputError
from .pages import (
    Page,
    SearchSource,
    complete_comments,
    expect_list,
    expect_names,
    expect_object,
    is_truncated,
    no_progress,
)

API = "2"
SEARCH = "/rest/api/2/search"


class DataCenterSource(SearchSource):
    flavor = "datacenter"

    def first_cursor(self) -> int:
        return 0

    def total(self) -> int | None:
        return None  # the first search page says it

    def page(self, cursor: int, limit: int) -> Page:
        start = int(cursor or 0)
        answer = self.client.get(
            SEARCH,
            {
                "jql": self.jql,
                "startAt": start,
                "maxResults": min(limit, self.page_size),
                "fields": ",".join(self.fields),
                "expand": "changelog,names",
            },
        )
        body = expect_object(self.client, SEARCH, answer)
        issues = expect_list(self.client, SEARCH, body, "issues")
        names = expect_names(self.client, SEARCH, body)
        said = body.get("startAt")
        if isinstance(said, int) and said != start:
            # A search that ignores startAt answers the first page for ever.
            raise no_progress(
                self.client, SEARCH, f"Jira answered startAt {said} when asked for {start}"
            )
        total = body.get("total")
        nxt = start + len(issues)
        last = not issues or (isinstance(total, int) and nxt >= total)
        return Page(
            issues=issues,
            names=names,
            next_cursor=None if last else nxt,
            last=last,
            total=total if isinstance(total, int) else None,
        )

    def complete(self, issue: dict) -> None:
        if is_truncated(issue):
            path = f"/rest/api/2/issue/{issue['id']}"
            full = expect_object(
                self.client,
                path,
                self.client.get(path, {"fields": ",".join(self.fields), "expand": "changelog"}),
            )
            changelog = full.get("changelog") if isinstance(full, dict) else None
            if not isinstance(changelog, dict) or is_truncated(full):
                raise InputError(
                    self.client.base_url,
                    "Jira returned an incomplete changelog even for the single issue",
                    record=str(issue.get("key", issue.get("id"))),
                )
            issue["changelog"] = changelog
        # Whenever comments came back (asked by name or by *all), they must be complete.
        complete_comments(self.client, API, issue)
