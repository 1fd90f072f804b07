"""Jira Cloud: the enhanced search (``/rest/api/3/search/jql``, paged by ``nextPageToken``) and
the changelog endpoint for the histories a search leaves out.

A search with ``expand=changelog`` returns only the newest histories of an issue (about 100);
``changelog.total`` says how many exist. Those issues get their whole changelog from
``/rest/api/3/issue/{id}/changelog``, paged by ``startAt``.
"""

from __future__ import annotations

from .client import JiraError
from .export import parse_jira_ts
from .pages import SUB_PAGE, Page, SearchSource, changelog_of, complete_comments, is_truncated

API = "3"


class CloudSource(SearchSource):
    flavor = "cloud"

    def first_cursor(self) -> str | None:
        return None

    def total(self) -> int | None:
        """Jira Cloud's approximate count, for the progress bar; None when unavailable."""
        try:
            body = self.client.post("/rest/api/3/search/approximate-count", {"jql": self.jql})
        except JiraError:
            return None
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
        body = self.client.get("/rest/api/3/search/jql", params)
        token = body.get("nextPageToken")
        last = bool(body.get("isLast", not token)) or not token
        return Page(
            issues=list(body.get("issues") or []),
            names=dict(body.get("names") or {}),
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
        while True:
            body = self.client.get(
                f"/rest/api/3/issue/{issue_id}/changelog",
                {"startAt": len(histories), "maxResults": SUB_PAGE},
            )
            batch = body.get("values") or []
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
