"""Jira's status list (``GET /rest/api/2/status``, as ``flowgap pull`` saves it beside the
issues): every status of the site with its ``statusCategory``.

Issues carry the category of their current status only; a status seen only in changelogs (a
renamed or migrated one, 已完成 on a Chinese site) has none, and a name guess may be wrong.
Given as one more input, each entry of the list is one vote for its status' category, beside
the issues' votes (:func:`flowgap.model.settle_categories`: the majority wins, and
disagreement is a ``category_conflict`` warning). One record is one status of the list.
"""

from __future__ import annotations

from pathlib import Path

from ..config import Config
from ..model import LoadResult, settle_categories
from .common import LoadBuilder
from .jira_shapes import Broken, Issue, JiraFile

#: Jira's status category keys ("undefined" is the category of no category).
CATEGORIES = ("new", "indeterminate", "done")


def load(path: Path, config: Config) -> LoadResult:
    b = LoadBuilder(path, "jira-statuses", record_unit="status")
    votes: dict[str, dict[str, int]] = {}
    for record in JiraFile(path):
        if isinstance(record, Broken):
            b.read()
            b.reject(f"line {record.line}", record.reason)
            continue
        if not isinstance(record, Issue):
            continue
        b.read()
        where = record.path if record.line is None else f"line {record.line}"
        problem, name, category = _entry(record.value)
        if problem is not None:
            b.reject(where, problem)
            continue
        mine = votes.setdefault(name, {})
        mine[category] = mine.get(category, 0) + 1
        b.loaded()
    result = b.result()
    result.status_categories, conflicts = settle_categories(votes)
    result.category_votes = votes
    result.warnings.extend(conflicts)
    return result


def _entry(value: object) -> tuple[str | None, str, str]:
    """(problem or None, status name, category key) of one entry of the list."""
    if not isinstance(value, dict):
        return "not a Jira status: not a JSON object", "", ""
    name = value.get("name")
    if not isinstance(name, str) or not name.strip():
        return 'not a Jira status: no "name"', "", ""
    category = value.get("statusCategory")
    key = category.get("key") if isinstance(category, dict) else None
    if not isinstance(key, str):
        return f'status "{name}": no "statusCategory" with a "key"', name, ""
    if key not in CATEGORIES:
        return (
            f'status "{name}": statusCategory "{key}" is none of {", ".join(CATEGORIES)}',
            name,
            "",
        )
    return None, name, key
