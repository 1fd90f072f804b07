"""A fake Jira on a loopback port: a real ``http.server`` answering with the shapes Jira Cloud
(REST v3, enhanced search) and Jira Data Center (REST v2) return, plus scripted faults.

The data is a deterministic set of issues with full histories; the server truncates changelogs
and comments in search results like Jira does, so the client has to complete them.
"""

from __future__ import annotations

import base64
import json
import re
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

EMAIL = "ann@example.com"
TOKEN = "tok-Zq8s3cr3tV4lue-91"  # what the tests grep for in every output

FIELD_CATALOGUE = [
    {"id": "summary", "name": "Summary", "custom": False},
    {"id": "status", "name": "Status", "custom": False},
    {"id": "issuetype", "name": "Issue Type", "custom": False},
    {"id": "priority", "name": "Priority", "custom": False},
    {"id": "project", "name": "Project", "custom": False},
    {"id": "created", "name": "Created", "custom": False},
    {"id": "updated", "name": "Updated", "custom": False},
    {"id": "resolutiondate", "name": "Resolved", "custom": False},
    {"id": "resolution", "name": "Resolution", "custom": False},
    {"id": "labels", "name": "Labels", "custom": False},
    {"id": "components", "name": "Component/s", "custom": False},
    {"id": "assignee", "name": "Assignee", "custom": False},
    {"id": "reporter", "name": "Reporter", "custom": False},
    {"id": "parent", "name": "Parent", "custom": False},
    {"id": "comment", "name": "Comment", "custom": False},
    {"id": "customfield_10042", "name": "Team", "custom": True},
    {"id": "customfield_10021", "name": "Flagged", "custom": True},
    {"id": "customfield_10016", "name": "Story Points", "custom": True},
]
NAMES = {f["id"]: f["name"] for f in FIELD_CATALOGUE}

TZ = timezone(timedelta(hours=2))
STATUS_CATEGORY = {
    "To Do": ("new", "To Do"),
    "In Progress": ("indeterminate", "In Progress"),
    "Ready for QA": ("indeterminate", "In Progress"),
    "In QA": ("indeterminate", "In Progress"),
    "Done": ("done", "Done"),
}
FLOW = ["To Do", "In Progress", "Ready for QA", "In QA", "Done"]
#: What ``/rest/api/2/status`` answers: every status of the site with its category.
STATUS_LIST = [
    {
        "name": name,
        "id": str(FLOW.index(name) + 1),
        "statusCategory": {"key": key, "name": label},
    }
    for name, (key, label) in STATUS_CATEGORY.items()
]
TEAMS = ["Team A", "Team B", "QA"]
PEOPLE = ["Ann Example", "Bo Müller", "Chen Li"]


def jira_ts(ts: datetime) -> str:
    """Jira's timestamp shape: ``2024-05-02T10:15:30.000+0200``."""
    return (
        ts.astimezone(TZ).strftime("%Y-%m-%dT%H:%M:%S.")
        + f"{ts.microsecond // 1000:03d}"
        + (ts.astimezone(TZ).strftime("%z"))
    )


@dataclass
class StoredIssue:
    id: str
    key: str
    fields: dict  # every field, by id; ``comment`` holds the full list of comment records
    histories: list[dict]  # oldest first
    comments: list[dict]  # {"id", "author", "text", "created"}
    updated: datetime


def make_issues(n: int, start: datetime | None = None) -> list[StoredIssue]:
    """``n`` issues with 1..8 histories each (some longer than a search returns)."""
    start = start or datetime(2024, 3, 1, 9, 0, tzinfo=UTC)
    issues = []
    for i in range(n):
        created = start + timedelta(hours=7 * i)
        ts = created
        status, team, flagged = "To Do", TEAMS[i % 3], None
        histories = []
        steps = 1 + (i * 5) % 8  # 1..8 histories
        for j in range(steps):
            ts = ts + timedelta(hours=3 + (i + j) % 5, minutes=7 * j)
            author = {"displayName": PEOPLE[(i + j) % 3], "accountId": f"acc-{(i + j) % 3}"}
            items = []
            if j % 3 == 2 and flagged is None:
                items.append(_item("Flagged", "customfield_10021", None, "Impediment"))
                flagged = "Impediment"
            elif j % 3 == 0 and flagged:
                items.append(_item("Flagged", "customfield_10021", flagged, None))
                flagged = None
            if status != "Done":
                new = FLOW[FLOW.index(status) + 1]
                items.append(_item("status", "status", status, new))
                status = new
            if j % 2 == 1:
                new_team = TEAMS[(TEAMS.index(team) + 1) % 3]
                items.append(_item("Team", "customfield_10042", team, new_team))
                team = new_team
            if not items:
                items.append(_item("labels", "labels", "", f"tag{j}"))
            histories.append(
                {
                    "id": str(70000 + i * 10 + j),
                    "author": author,
                    "created": jira_ts(ts),
                    "items": items,
                }
            )
        comments = [
            {
                "id": str(90000 + i * 10 + c),
                "author": {"displayName": PEOPLE[c % 3]},
                "text": f"Comment {c} on ABC-{i + 1}: steerco é",
                "created": jira_ts(created + timedelta(minutes=30 * (c + 1))),
            }
            for c in range(i % 4)
        ]
        cat_key, cat_name = STATUS_CATEGORY[status]
        fields = {
            "summary": f"Item {i + 1} ünïcode",
            "status": {
                "name": status,
                "id": str(FLOW.index(status) + 1),
                "statusCategory": {"key": cat_key, "name": cat_name},
            },
            "issuetype": {"name": "Story" if i % 2 else "Bug"},
            "priority": {"name": "High" if i % 4 == 0 else "Medium"},
            "project": {"key": "ABC", "name": "Alphabet"},
            "created": jira_ts(created),
            "updated": jira_ts(ts),
            "resolutiondate": jira_ts(ts) if status == "Done" else None,
            "resolution": {"name": "Done"} if status == "Done" else None,
            "labels": ["steerco"] if i % 5 == 0 else [],
            "components": [{"name": "api"}],
            "assignee": {"displayName": PEOPLE[i % 3], "accountId": f"acc-{i % 3}"},
            "reporter": {"displayName": PEOPLE[0], "accountId": "acc-0"},
            "parent": None,
            "customfield_10042": {"value": team},
            "customfield_10021": [{"value": flagged}] if flagged else None,
            "customfield_10016": float(i % 8),
        }
        issues.append(
            StoredIssue(str(10000 + 3 * i), f"ABC-{i + 1}", fields, histories, comments, ts)
        )
    return issues


def _item(name: str, field_id: str, old: str | None, new: str | None) -> dict:
    return {
        "field": name,
        "fieldtype": "custom" if field_id.startswith("customfield") else "jira",
        "fieldId": field_id,
        "from": None,
        "fromString": old,
        "to": None,
        "toString": new,
    }


@dataclass
class Reply:
    status: int
    body: object = None
    headers: dict = field(default_factory=dict)


class FakeJira:
    """Start with ``with FakeJira(...) as jira:``; ``jira.url`` is the base address."""

    def __init__(
        self,
        flavor: str = "cloud",
        issues: list[StoredIssue] | None = None,
        *,
        page_cap: int = 4,  # the most issues one search page returns, whatever was asked
        search_histories: int = 3,  # newest histories a search includes per issue
        search_comments: int = 1,
        changelog_cap: int = 2,  # the changelog endpoint's page size
        anonymous_server_info: bool = True,
        page_delay: float = 0.0,
    ) -> None:
        self.flavor = flavor
        self.issues = sorted(
            issues if issues is not None else make_issues(10), key=lambda s: int(s.id)
        )
        self.page_cap = page_cap
        self.search_histories = search_histories
        self.search_comments = search_comments
        self.changelog_cap = changelog_cap
        self.anonymous_server_info = anonymous_server_info
        self.page_delay = page_delay
        #: route -> replies served (in order) before the normal answer.
        self.faults: dict[str, list[Reply]] = {}
        #: after this many search pages, every search answers 503 (an outage mid-pull).
        self.fail_search_after: int | None = None
        self.search_pages_served = 0
        #: Misbehaviours that would keep a pull going for ever: after this many search pages
        #: a Cloud search answers the page token it was asked with again; a Data Center search
        #: ignores startAt (answering the first page, saying ``startAt`` 0 unless
        #: ``omit_start_at``); the changelog endpoint ignores startAt and never says isLast.
        self.repeat_token_after: int | None = None
        self.ignore_start_at = False
        self.omit_start_at = False
        self.changelog_goes_round = False
        self.requests: list[dict] = []
        self._lock = threading.Lock()
        self._server: ThreadingHTTPServer | None = None

    # ------------------------------------------------------------------ lifecycle

    def __enter__(self) -> FakeJira:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                fake._handle(self, "GET")

            def do_POST(self) -> None:
                fake._handle(self, "POST")

            def log_message(self, *args: object) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        ).start()
        return self

    def __exit__(self, *exc: object) -> None:
        assert self._server is not None
        self._server.shutdown()
        self._server.server_close()

    @property
    def url(self) -> str:
        assert self._server is not None
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    @property
    def api(self) -> str:
        return "3" if self.flavor == "cloud" else "2"

    def expected_auth(self) -> str:
        if self.flavor == "cloud":
            return "Basic " + base64.b64encode(f"{EMAIL}:{TOKEN}".encode()).decode()
        return f"Bearer {TOKEN}"

    def routes(self, name: str) -> list[dict]:
        return [r for r in self.requests if r["route"] == name]

    # ------------------------------------------------------------------ dispatch

    def _handle(self, handler: BaseHTTPRequestHandler, method: str) -> None:
        parts = urlsplit(handler.path)
        query = {k: v[-1] for k, v in parse_qs(parts.query, keep_blank_values=True).items()}
        length = int(handler.headers.get("Content-Length") or 0)
        body = json.loads(handler.rfile.read(length)) if length else None
        route, args = self._route(method, parts.path)
        with self._lock:
            self.requests.append(
                {
                    "route": route,
                    "method": method,
                    "path": parts.path,
                    "query": query,
                    "auth": handler.headers.get("Authorization"),
                }
            )
            scripted = self.faults.get(route)
            reply = scripted.pop(0) if scripted else None
        if reply is None:
            reply = self._answer(route, args, query, body, handler.headers.get("Authorization"))
        data = b"" if reply.body is None else json.dumps(reply.body).encode()
        handler.send_response(reply.status)
        handler.send_header("Content-Type", "application/json;charset=UTF-8")
        handler.send_header("Content-Length", str(len(data)))
        for k, v in reply.headers.items():
            handler.send_header(k, v)
        handler.end_headers()
        handler.wfile.write(data)

    def _route(self, method: str, path: str) -> tuple[str, tuple]:
        v = self.api
        table = [
            ("serverInfo", r"/rest/api/2/serverInfo"),
            ("field", rf"/rest/api/{v}/field"),
            ("count", r"/rest/api/3/search/approximate-count"),
            ("search", r"/rest/api/3/search/jql" if v == "3" else r"/rest/api/2/search"),
            ("changelog", rf"/rest/api/{v}/issue/([^/]+)/changelog"),
            ("comment", rf"/rest/api/{v}/issue/([^/]+)/comment"),
            ("status", r"/rest/api/2/status"),
            ("issue", rf"/rest/api/{v}/issue/([^/]+)"),
        ]
        for name, pattern in table:
            m = re.fullmatch(pattern, path)
            if m:
                if name == "changelog" and self.flavor != "cloud":
                    break  # Data Center has no paged changelog endpoint
                return name, m.groups()
        return "unknown", ()

    def _answer(
        self, route: str, args: tuple, query: dict, body: object, auth: str | None
    ) -> Reply:
        if route == "unknown":
            return Reply(404, {"errorMessages": ["No such resource"], "errors": {}})
        if route == "serverInfo" and self.anonymous_server_info:
            return Reply(200, self._server_info())
        if auth != self.expected_auth():
            return Reply(401, {"errorMessages": ["You are not authenticated."], "errors": {}})
        if route == "serverInfo":
            return Reply(200, self._server_info())
        if route == "field":
            return Reply(200, FIELD_CATALOGUE)
        if route == "status":
            return Reply(200, STATUS_LIST)
        if route == "count":
            jql = str((body or {}).get("jql", ""))
            return Reply(200, {"count": len(self._select(jql))})
        if route == "search":
            return self._search(query)
        issue = self._by_id_or_key(args[0])
        if issue is None:
            return Reply(404, {"errorMessages": ["Issue does not exist"], "errors": {}})
        if route == "changelog":
            return self._changelog(issue, query)
        if route == "comment":
            return self._comments(issue, query)
        return Reply(200, self._issue(issue, _fields(query), None, full=True))

    def _server_info(self) -> dict:
        if self.flavor == "cloud":
            return {"baseUrl": self.url, "version": "1001.0.0", "deploymentType": "Cloud"}
        return {"baseUrl": self.url, "version": "9.12.2", "deploymentType": "Server"}

    # ------------------------------------------------------------------ endpoints

    def _search(self, query: dict) -> Reply:
        jql = query.get("jql", "")
        if "BAD" in jql:
            return Reply(
                400,
                {
                    "errorMessages": [
                        "Error in the JQL Query: The character 'B' is a reserved JQL character."
                    ],
                    "errors": {},
                },
            )
        with self._lock:
            if self.fail_search_after is not None and (
                self.search_pages_served >= self.fail_search_after
            ):
                return Reply(503, {"errorMessages": ["Service unavailable"]})
            self.search_pages_served += 1
        if self.page_delay:
            time.sleep(self.page_delay)
        selected = self._select(jql)
        size = min(int(query.get("maxResults", 50)), self.page_cap)
        fields = _fields(query)
        expand = set(query.get("expand", "").split(","))
        if self.flavor == "cloud":
            token = query.get("nextPageToken")
            start = int(base64.b64decode(token).decode().split(":")[1]) if token else 0
        else:
            start = 0 if self.ignore_start_at else int(query.get("startAt", 0))
        chunk = selected[start : start + size]
        issues = [self._issue(s, fields, expand, full=False) for s in chunk]
        shown = {f for issue in issues for f in issue["fields"]} | set(fields)
        names = {f: NAMES[f] for f in sorted(shown) if f in NAMES} if "names" in expand else None
        nxt = start + len(chunk)
        if self.flavor == "cloud":
            out: dict = {"issues": issues}
            if nxt < len(selected):
                out["nextPageToken"] = base64.b64encode(f"page:{nxt}".encode()).decode()
            out["isLast"] = nxt >= len(selected)
            if self.repeat_token_after is not None and token:
                with self._lock:
                    served = self.search_pages_served
                if served > self.repeat_token_after:
                    out["nextPageToken"], out["isLast"] = token, False
        else:
            out = {
                "expand": "names,schema",
                "startAt": start,
                "maxResults": size,
                "total": len(selected),
                "issues": issues,
            }
            if self.omit_start_at:
                del out["startAt"]
        if names is not None:
            out["names"] = names
        return Reply(200, out)

    def _select(self, jql: str) -> list[StoredIssue]:
        m = re.search(r'updated >= "([^"]+)"', jql)
        if not m:
            return list(self.issues)
        text = m.group(1)
        bound = datetime.strptime(text, "%Y-%m-%d %H:%M" if " " in text else "%Y-%m-%d")
        bound = bound.replace(tzinfo=UTC)  # the fake's users live in UTC
        return [s for s in self.issues if s.updated >= bound]

    def _issue(self, s: StoredIssue, fields: list[str], expand: set | None, *, full: bool) -> dict:
        want_all = "*all" in fields
        out_fields = {}
        for fid, value in s.fields.items():
            if want_all or fid in fields:
                out_fields[fid] = value
        if want_all or "comment" in fields:
            shown = s.comments if full else s.comments[: self.search_comments]
            out_fields["comment"] = {
                "comments": [self._comment(c) for c in shown],
                "maxResults": len(shown),
                "total": len(s.comments),
                "startAt": 0,
            }
        issue = {
            "expand": "renderedFields,names,schema,operations,editmeta,changelog",
            "id": s.id,
            "self": f"{self.url}/rest/api/{self.api}/issue/{s.id}",
            "key": s.key,
            "fields": out_fields,
        }
        if full or (expand and "changelog" in expand):
            # Cloud lists histories newest first, Data Center oldest first; a search shows
            # only the first few of them.
            ordered = list(reversed(s.histories)) if self.flavor == "cloud" else list(s.histories)
            shown_h = ordered if full else ordered[: self.search_histories]
            issue["changelog"] = {
                "startAt": 0,
                "maxResults": len(shown_h),
                "total": len(s.histories),
                "histories": shown_h,
            }
        return issue

    def _comment(self, c: dict) -> dict:
        if self.flavor == "cloud":
            body: object = {
                "type": "doc",
                "version": 1,
                "content": [
                    {"type": "paragraph", "content": [{"type": "text", "text": c["text"]}]}
                ],
            }
        else:
            body = c["text"]
        return {
            "id": c["id"],
            "author": c["author"],
            "body": body,
            "created": c["created"],
            "updated": c["created"],
        }

    def _changelog(self, s: StoredIssue, query: dict) -> Reply:
        start = int(query.get("startAt", 0))
        size = min(int(query.get("maxResults", 100)), self.changelog_cap)
        if self.changelog_goes_round:
            values = s.histories[:size]
            return Reply(200, {"maxResults": size, "startAt": 0, "values": values})
        values = s.histories[start : start + size]
        return Reply(
            200,
            {
                "self": f"{self.url}/rest/api/3/issue/{s.id}/changelog",
                "maxResults": size,
                "startAt": start,
                "total": len(s.histories),
                "isLast": start + len(values) >= len(s.histories),
                "values": values,
            },
        )

    def _comments(self, s: StoredIssue, query: dict) -> Reply:
        start = int(query.get("startAt", 0))
        size = min(int(query.get("maxResults", 100)), 2)
        shown = s.comments[start : start + size]
        return Reply(
            200,
            {
                "startAt": start,
                "maxResults": size,
                "total": len(s.comments),
                "comments": [self._comment(c) for c in shown],
            },
        )

    def _by_id_or_key(self, ref: str) -> StoredIssue | None:
        for s in self.issues:
            if ref in (s.id, s.key):
                return s
        return None

    # ------------------------------------------------------------------ expectations

    def expected_issue(self, s: StoredIssue, fields: list[str]) -> dict:
        """What a complete export line must hold for ``s`` (without ``names``)."""
        return self._issue(s, fields, {"changelog"}, full=True)

    def iter_ids(self) -> Iterator[str]:
        return (s.id for s in self.issues)


def _fields(query: dict) -> list[str]:
    return [f for f in query.get("fields", "").split(",") if f]
