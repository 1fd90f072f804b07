"""Jira shapes of a simulated item: the REST issue with ``expand=changelog`` (v2 text comments
or v3 Atlassian Document Format) and a row of the Jira UI CSV export.
"""

from __future__ import annotations

import functools
from typing import Any

from . import workflow as wf
from .clock import Clock
from .scale import status_category, status_id, team_id
from .sim_item import SimItem

BASE_URL = "https://flowgap-sample.atlassian.net"
NAMES = {
    wf.TEAM_FIELD_ID: wf.TEAM_FIELD,
    wf.FLAG_FIELD_ID: wf.FLAG_FIELD,
    wf.POINTS_FIELD_ID: wf.POINTS_FIELD,
}
_TEAM_IDS = {name: str(10100 + i) for i, name in enumerate(wf.TEAMS)}


def _team_id(name: str | None) -> str | None:
    return None if name is None else _TEAM_IDS.get(name) or team_id(name)


_MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]


def account(name: str | None) -> str | None:
    if name is None:
        return None
    # A stable, opaque id per person, like Jira Cloud's accountId.
    return "5b10a2844c20165700ede" + format(sum(ord(c) * (i + 1) for i, c in enumerate(name)), "x")


@functools.cache
def _user_json(name: str) -> dict:
    return {"displayName": name, "accountId": account(name), "active": True}


def _user(name: str | None) -> dict | None:
    # a fresh copy: callers may serialise it next to others, never mutate shared state
    return None if name is None else dict(_user_json(name))


def _adf(text: str) -> dict:
    return {
        "type": "doc",
        "version": 1,
        "content": [{"type": "paragraph", "content": [{"type": "text", "text": text}]}],
    }


def _status(name: str) -> dict:
    cat = status_category(name)
    return {
        "name": name,
        "id": status_id(name),
        "statusCategory": {
            "key": cat,
            "name": {"new": "To Do", "done": "Done"}.get(cat, "In Progress"),
        },
    }


def _change_item(name: str, old: Any, new: Any) -> dict:
    if name == "status":
        return {
            "field": "status",
            "fieldtype": "jira",
            "fieldId": "status",
            "from": status_id(old),
            "fromString": old,
            "to": status_id(new),
            "toString": new,
        }
    if name == "team":
        return {
            "field": wf.TEAM_FIELD,
            "fieldtype": "custom",
            "fieldId": wf.TEAM_FIELD_ID,
            "from": _team_id(old),
            "fromString": old,
            "to": _team_id(new),
            "toString": new,
        }
    if name == "assignee":
        return {
            "field": "assignee",
            "fieldtype": "jira",
            "fieldId": "assignee",
            "from": account(old),
            "fromString": old,
            "to": account(new),
            "toString": new,
        }
    if name == "resolution":
        ids = {"Done": "10000", "Won't Do": "10001"}
        return {
            "field": "resolution",
            "fieldtype": "jira",
            "fieldId": "resolution",
            "from": ids.get(old),
            "fromString": old,
            "to": ids.get(new),
            "toString": new,
        }
    if name == "labels":
        return {
            "field": "labels",
            "fieldtype": "jira",
            "fieldId": "labels",
            "from": None,
            "fromString": " ".join(old),
            "to": None,
            "toString": " ".join(new),
        }
    if name == "flag":
        return {
            "field": wf.FLAG_FIELD,
            "fieldtype": "custom",
            "fieldId": wf.FLAG_FIELD_ID,
            "from": "[10019]" if old else None,
            "fromString": wf.FLAG_VALUE if old else None,
            "to": "[10019]" if new else None,
            "toString": wf.FLAG_VALUE if new else None,
        }
    raise ValueError(name)


def issue(it: SimItem, clock: Clock, adf: bool, newest_first: bool) -> dict:
    """The REST API's issue with ``expand=changelog`` (v3 when ``adf``, else v2)."""

    def ts(t: int | None) -> str | None:
        return None if t is None else clock.iso(t, colon=False)

    histories = [
        {
            "id": str(h.hid),
            "author": _user(h.author),
            "created": ts(h.t),
            "items": [_change_item(*c) for c in h.changes],
        }
        for h in it.hists
    ]
    if newest_first:
        histories.reverse()
    comments = [
        {
            "id": str(c.cid),
            "author": _user(c.author),
            "body": _adf(c.text) if adf else c.text,
            "created": ts(c.t),
            "updated": ts(c.t),
        }
        for c in it.comments
    ]
    api = 3 if adf else 2
    return {
        "expand": "renderedFields,names,schema,operations,editmeta,changelog",
        "id": str(it.issue_id),
        "self": f"{BASE_URL}/rest/api/{api}/issue/{it.issue_id}",
        "key": it.key,
        "fields": {
            "summary": it.summary,
            "issuetype": {"name": it.type, "subtask": False},
            "project": {"key": wf.PROJECT, "name": "Flow"},
            "priority": {"name": it.priority},
            "status": _status(it.status),
            "created": ts(it.created),
            "updated": ts(it.updated),
            "resolution": None if it.resolution is None else {"name": it.resolution},
            "resolutiondate": ts(it.resolved) if it.resolution is not None else None,
            "labels": list(it.labels),
            "components": [{"name": c} for c in it.components],
            "reporter": _user(it.reporter),
            "assignee": _user(it.assignee),
            wf.TEAM_FIELD_ID: (
                None if it.team is None else {"value": it.team, "id": _team_id(it.team)}
            ),
            wf.FLAG_FIELD_ID: [{"value": wf.FLAG_VALUE, "id": "10019"}] if it.flagged else None,
            wf.POINTS_FIELD_ID: it.story_points,
            "comment": {
                "comments": comments,
                "maxResults": len(comments),
                "total": len(comments),
                "startAt": 0,
            },
        },
        "changelog": {
            "startAt": 0,
            "maxResults": len(histories),
            "total": len(histories),
            "histories": histories,
        },
    }


# --------------------------------------------------------------------------- UI CSV

LABEL_COLUMNS = 3
COMPONENT_COLUMNS = 2
UI_HEADER = [
    "Summary",
    "Issue key",
    "Issue id",
    "Issue Type",
    "Status",
    "Priority",
    "Assignee",
    "Reporter",
    "Created",
    "Updated",
    "Resolved",
    *["Labels"] * LABEL_COLUMNS,
    *["Component/s"] * COMPONENT_COLUMNS,
    f"Custom field ({wf.TEAM_FIELD})",
    f"Custom field ({wf.POINTS_FIELD})",
]


def ui_date(clock: Clock, t: int | None) -> str:
    """Jira's UI export format ``02/May/23 10:15 AM``, local time without a zone."""
    if t is None:
        return ""
    lt = clock.naive_local(t)
    hour = lt.hour % 12 or 12
    return (
        f"{lt.day:02d}/{_MONTHS[lt.month - 1]}/{lt.year % 100:02d} "
        f"{hour:02d}:{lt.minute:02d} {'AM' if lt.hour < 12 else 'PM'}"
    )


def ui_row(it: SimItem, clock: Clock) -> list[str]:
    labels = list(it.labels)[:LABEL_COLUMNS]
    comps = list(it.components)[:COMPONENT_COLUMNS]
    points = "" if it.story_points is None else f"{it.story_points:g}"
    return [
        it.summary,
        it.key,
        str(it.issue_id),
        it.type,
        it.status,
        it.priority,
        it.assignee or "",
        it.reporter,
        ui_date(clock, it.created),
        ui_date(clock, it.updated),
        ui_date(clock, it.resolved if it.resolution is not None else None),
        *(labels + [""] * (LABEL_COLUMNS - len(labels))),
        *(comps + [""] * (COMPONENT_COLUMNS - len(comps))),
        it.team or "",
        points,
    ]
