"""Jira Cloud: the enhanced search (``/rest/api/3/search/jql``, paged by ``nextPageToken``) and
the changelog endpoint for the histories a search leaves out.

A search with ``expand=changelog`` returns only the newest histories of an issue (about 100);
``changelog.total`` says how many exist. Those issues get their whole changelog from
``/rest/api/3/issue/{id}/changelog``, paged by ``startAt``.
"""

from __future__ import annotations

from typing import Any

from ..errors import InputError
from .client import JiraError
from .export import parse_jira_ts
from .pages import (
    SUB_PAGE,
    Page,
    SearchSource,
    changelog_of,
    complete_comments,
    expect_list,
    expect_names,
    expect_object,
    is_truncated,
    new_ids,
    no_progress,
)

API = "3"
SEARCH = "/rest/api/3/search/jql"


class CloudSource(SearchSource):
    flavor = "cloud"

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        #: Every page token Jira gave: one given again means the search is going round.
        self._tokens: set[str] = set()

    def first_cursor(self) -> str | None:
        return None

    def total(self) -> int | None:
        """Jira Cloud's approximate count, for the progress bar; None when unavailable."""
        try:
            body = self.client.post("/rest/api/3/search/approximate-count", {"jql": self.jql})
        except (JiraError, InputError):
            return None  # only the progress bar's total: not worth failing for
        count = body.get("count") if isinstance(body, dict) else None
        return count if isinstance(count, int) else None

    def page(self, cursor: str | None, limit: int) -> Page:
        params: dict[str, object] = {
            "jql": self.jql,
            "fields": ",".join(self.fields),
            "expand": "changelog,names",
            "maxResults": min(limit, self.page_size),
        }
        if cursor:
            params["nextPageToken"] = cursor
        body = expect_object(self.client, SEARCH, self.client.get(SEARCH, params))
        issues = expect_list(self.client, SEARCH, body, "issues")
        names = expect_names(self.client, SEARCH, body)
        token = body.get("nextPageToken")
        if token is not None and not isinstance(token, str):
            raise InputError(self.client.base_url + SEARCH, "nextPageToken is not a string")
        last = bool(body.get("isLast", not token)) or not token
        if not last and (token == cursor or token in self._tokens):
            raise no_progress(self.client, SEARCH, "Jira answered a page token it gave before")
        if token:
            self._tokens.add(token)
        return Page(
            issues=issues,
            names=names,
            next_cursor=None if last else token,
            last=last,
        )

    def complete(self, issue: dict) -> None:
        if is_truncated(issue):
            histories = self._all_histories(issue["id"])
            # The changelog endpoint pages oldest first; a Cloud search lists newest first.
            # Keep the search's order so every line of the export reads the same way.
            histories.sort(key=_history_order, reverse=True)
            issue["changelog"] = changelog_of(histories)
        # Whenever comments came back (asked by name or by *all), they must be complete.
        complete_comments(self.client, API, issue)

    def _all_histories(self, issue_id: str) -> list[dict]:
        histories: list[dict] = []
        seen: set[str] = set()
        path = f"/rest/api/3/issue/{issue_id}/changelog"
        while True:
            body = expect_object(
                self.client,
                path,
                self.client.get(path, {"startAt": len(histories), "maxResults": SUB_PAGE}),
            )
            batch = expect_list(self.client, path, body, "values")
            if batch and not new_ids(batch, seen):
                # Neither isLast nor a total ends it: the same histories again would loop.
                raise no_progress(self.client, path, "Jira answered the same histories again")
            histories.extend(batch)
            total = body.get("total")
            if (
                not batch
                or body.get("isLast")
                or (isinstance(total, int) and len(histories) >= total)
            ):
                return histories


def _history_order(history: dict) -> tuple:
    ts = parse_jira_ts(history.get("created"))
    hid = str(history.get("id", ""))
    return (ts.timestamp() if ts else 0.0, int(hid) if hid.isdigit() else 0, hid)
