"""What to ask Jira for: the JQL actually sent (with the incremental bound and a stable order)
and the field ids behind the field names a user or a config gives.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime, timedelta

from ..errors import UsageError

#: Fields the Jira loader reads; anything else the user adds with ``--fields``.
DEFAULT_FIELDS: tuple[str, ...] = (
    "summary",
    "status",
    "issuetype",
    "priority",
    "project",
    "created",
    "updated",
    "resolutiondate",
    "resolution",
    "labels",
    "components",
    "assignee",
    "reporter",
    "parent",
)

#: Jira's own shorthands for groups of fields, passed through as they are.
JIRA_FIELD_SETS: frozenset[str] = frozenset({"*all", "*navigable"})

#: Story points live in a custom field whose name varies; the Jira loader knows these names.
STORY_POINT_NAMES: tuple[str, ...] = ("Story Points", "Story point estimate")

#: JQL takes minutes at most; an export's ``updated`` is in the server's offset while JQL dates
#: are read in the user's profile zone. Going back one day covers any zone; the overlap is
#: harmless because the merge keeps the newest version of each issue.
INCREMENTAL_MARGIN = timedelta(days=1)

_SINCE_FORMATS = ("%Y-%m-%d", "%Y-%m-%d %H:%M", "%Y/%m/%d", "%Y/%m/%d %H:%M", "%Y-%m-%dT%H:%M")
_ORDER_BY = re.compile(r"\border\s+by\b", re.IGNORECASE)


def parse_since(text: str) -> str:
    """A user's ``--since`` as a JQL date literal ("2024-05-01" or "2024-05-01 13:30")."""
    value = text.strip()
    for fmt in _SINCE_FORMATS:
        try:
            parsed = datetime.strptime(value, fmt)
        except ValueError:
            continue
        return parsed.strftime("%Y-%m-%d %H:%M" if "%H" in fmt else "%Y-%m-%d")
    raise UsageError(
        f"--since {text!r} is not a date: use YYYY-MM-DD or 'YYYY-MM-DD HH:MM' (Jira's zone)"
    )


def since_from_updated(newest: datetime) -> str:
    """The JQL bound for an incremental pull after an export whose newest update is given."""
    return (newest.astimezone(UTC) - INCREMENTAL_MARGIN).strftime("%Y-%m-%d %H:%M")


def split_order_by(jql: str) -> tuple[str, str]:
    """``"project = A ORDER BY rank"`` -> ``("project = A", "ORDER BY rank")``.

    Only an ``ORDER BY`` outside quoted strings counts.
    """
    quote: str | None = None
    i = 0
    while i < len(jql):
        ch = jql[i]
        if quote:
            if ch == "\\":
                i += 2
                continue
            if ch == quote:
                quote = None
        elif ch in "\"'":
            quote = ch
        else:
            m = _ORDER_BY.match(jql, i)
            if m and (i == 0 or not (jql[i - 1].isalnum() or jql[i - 1] == "_")):
                return jql[:i].strip(), jql[i:].strip()
        i += 1
    return jql.strip(), ""


def effective_jql(jql: str, since: str | None) -> str:
    """The JQL sent: the user's restriction, the incremental bound, and a stable order.

    Paging by offset over an order that changes while we read (rank, updated) skips or repeats
    issues; ordering by key when the user gave no order keeps the pages stable.
    """
    where, order = split_order_by(jql)
    if not where and not since:
        raise UsageError("--jql selects nothing: give a restriction such as 'project = ABC'")
    if since:
        bound = f'updated >= "{since}"'
        where = f"({where}) AND {bound}" if where else bound
    return f"{where} {order or 'ORDER BY key ASC'}"


def resolve_fields(
    available: Sequence[dict],
    wanted: Iterable[str],
    optional: Iterable[str] = (),
    if_present: Iterable[str] = (),
) -> tuple[list[str], list[str]]:
    """Field ids for names or ids; returns (ids, warnings).

    ``wanted`` entries must exist (a usage error names the unknown one); ``optional`` ones (the
    configured team and flag fields) only produce a warning when the site lacks them;
    ``if_present`` ones (story points, which sites name differently) are taken silently.
    """
    by_id = {str(f.get("id")): f for f in available if f.get("id")}
    by_name: dict[str, list[str]] = {}
    for f in available:
        if f.get("id") and f.get("name"):
            by_name.setdefault(str(f["name"]).casefold(), []).append(str(f["id"]))
    ids: list[str] = []
    warnings: list[str] = []

    def add(found: list[str]) -> None:
        for fid in found:
            if fid not in ids:
                ids.append(fid)

    for name in wanted:
        if name.strip() in JIRA_FIELD_SETS:
            add([name.strip()])
            continue
        found = _lookup(name, by_id, by_name)
        if not found:
            raise UsageError(
                f"--fields: Jira has no field with the id or name {name!r} "
                "(see /rest/api/2/field for the list)"
            )
        add(found)
    for name in optional:
        found = _lookup(name, by_id, by_name)
        if not found:
            warnings.append(f"Jira has no field named {name!r}; it is not exported")
            continue
        if len(found) > 1:
            warnings.append(
                f"several Jira fields are named {name!r} ({', '.join(found)}); all are exported"
            )
        add(found)
    for name in if_present:
        add(_lookup(name, by_id, by_name))
    return ids, warnings


def _lookup(name: str, by_id: dict[str, dict], by_name: dict[str, list[str]]) -> list[str]:
    name = name.strip()
    if name in by_id:
        return [name]
    return list(by_name.get(name.casefold(), []))
