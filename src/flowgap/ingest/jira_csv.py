"""Jira UI CSV export ("Export > CSV (all fields)").

The UI export has **no status history**: only when an issue was created and resolved, and its
current state. So the loader emits just two events per issue (``created`` at Created, and
``resolution`` at Resolved when set), marks the result ``has_history=False`` and adds a loud
``no_history`` warning: only lead time can be computed; flow efficiency, touch and wait, and
handoffs need the history (``flowgap pull`` or a JSON export with changelog).

Jira repeats a column once per value for multi-value fields (``Labels``, ``Sprint``,
``Component/s``): every non-empty cell under a repeated name is one value. Dates come in the
instance's format (``[input.jira] csv_date_format``, default ``02/May/23 10:15 AM``) and carry no
zone: they are read in ``csv_timezone``, or UTC with a warning when it is not set.

**Record unit**: one data row. A row without an issue key, with an unreadable Created or
Resolved date, or repeating a key already loaded is rejected with ``file:line`` and the reason.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path

from ..config import Config
from ..errors import InputError, excerpt, quoted
from ..model import LoadResult
from .common import LoadBuilder, to_utc, zone
from .csv_table import open_csv

FORMAT = "jira-csv"
STORY_POINT_COLUMNS = (
    "Custom field (Story Points)",
    "Custom field (Story point estimate)",
    "Story Points",
    "Story point estimate",
)
NO_HISTORY = (
    "Jira UI CSV export has no status history: only lead time (created -> resolved) can be"
    " computed. Flow efficiency, touch and wait, and handoffs need the history: use"
    " `flowgap pull` or a Jira JSON export with changelog."
)


#: The UI export's "Status Category" names -> Jira's category keys.
CATEGORY_KEYS = {"to do": "new", "in progress": "indeterminate", "done": "done"}


def load(path: Path, config: Config) -> LoadResult:
    jira = config.input.jira
    csv = open_csv(path)
    b = LoadBuilder(path, FORMAT, record_unit="row")
    b.has_history = False
    if csv.warning:
        b.warn("encoding", f"{path.name}: {csv.warning}")
    cols: dict[str, list[int]] = defaultdict(list)
    for i, name in enumerate(csv.header):
        cols[name.strip().lower()].append(i)
    if "issue key" not in cols:
        raise InputError(path, 'not a Jira CSV export: no "Issue key" column')
    tz = zone(jira.csv_timezone, path, "input.jira.csv_timezone")
    if tz is None:
        b.warn(
            "assumed_timezone",
            f"{path.name}: dates have no time zone; read as UTC (set [input.jira] csv_timezone"
            " to the Jira instance's zone)",
        )
    team_cols = []
    if jira.team_field:
        team_cols = [f"custom field ({jira.team_field.lower()})", jira.team_field.lower()]
    fmt = jira.csv_date_format

    def one(row: Sequence[str], *names: str) -> str | None:
        for name in names:
            for i in cols.get(name.lower(), ()):
                if i < len(row) and row[i].strip():
                    return row[i].strip()
        return None

    def many(row: Sequence[str], name: str) -> list[str]:
        idx = cols.get(name.lower(), ())
        return [row[i].strip() for i in idx if i < len(row) and row[i].strip()]

    def date(text: str | None) -> datetime | None:
        if text is None:
            return None
        return to_utc(datetime.strptime(text, fmt), tz)

    seen: dict[str, int] = {}
    b.extra_item_columns = ["assignee", "team", "sprints", "resolution"]
    b.warn("no_history", NO_HISTORY)
    records = csv.read_all()
    del csv
    table = [records.values(i).to_pylist() for i in range(len(records.columns))]
    for line, row in zip(records.lines.tolist(), zip(*table, strict=True), strict=True):
        b.read()
        key = one(row, "Issue key")
        if key is None:
            b.reject(line, 'no "Issue key"')
            continue
        created_s = one(row, "Created")
        resolved_s = one(row, "Resolved")
        try:
            created = date(created_s)
        except ValueError:
            b.reject(
                line,
                f"{excerpt(key)}: Created {quoted(created_s)}"
                f" does not match the date format {quoted(fmt)}",
            )
            continue
        if created is None:
            b.reject(line, f"{excerpt(key)}: no Created date")
            continue
        try:
            resolved = date(resolved_s)
        except ValueError:
            b.reject(
                line,
                f"{excerpt(key)}: Resolved {quoted(resolved_s)}"
                f" does not match the date format {quoted(fmt)}",
            )
            continue
        if key in seen:
            b.reject(line, f"{excerpt(key)}: duplicate issue key (first at line {seen[key]})")
            continue
        seen[key] = line
        b.loaded()
        source = b.source(line)
        reporter = one(row, "Reporter", "Creator")
        b.events.append(
            {
                "item": key,
                "ts": created,
                "seq": 0,
                "field": "created",
                "value": None,
                "prev": None,
                "actor": reporter,
                "source": source,
            }
        )
        status = one(row, "Status")
        category = one(row, "Status Category")
        if status and category and category.lower() in CATEGORY_KEYS:
            b.status_categories.setdefault(status, CATEGORY_KEYS[category.lower()])
        resolution = one(row, "Resolution")
        if resolved is not None:
            b.events.append(
                {
                    "item": key,
                    "ts": resolved,
                    "seq": 1,
                    "field": "resolution",
                    "value": resolution or "Resolved",
                    "prev": None,
                    "actor": None,
                    "source": source,
                }
            )
        points = one(row, *STORY_POINT_COLUMNS)
        try:
            story_points = float(points) if points is not None else None
        except ValueError:
            story_points = None
        b.items.append(
            {
                "item": key,
                "project": one(row, "Project key") or key.rsplit("-", 1)[0],
                "type": one(row, "Issue Type"),
                "priority": one(row, "Priority"),
                "summary": one(row, "Summary"),
                "created": created,
                "resolved": resolved,
                "current_status": status,
                "labels": many(row, "Labels"),
                "components": many(row, "Component/s"),
                "story_points": story_points,
                "assignee": one(row, "Assignee"),
                "team": one(row, *team_cols) if team_cols else None,
                "sprints": "; ".join(many(row, "Sprint")) or None,
                "resolution": resolution,
            }
        )
    return b.result()
