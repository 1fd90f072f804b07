"""The items table of a Jira JSON load: one row per loaded issue, from its current fields.

- ``project``: the project's key, else its display name, else the issue key's prefix;
- ``type``, ``priority``: display text (``jira_fields.display``); ``summary``: text or null;
- ``created``: ``fields.created`` (checked by the loader); ``resolved``: ``fields.resolutiondate``
  when it is a timestamp, else null;
- ``current_status``, ``labels`` (the texts of ``fields.labels``), ``components`` (display
  names);
- ``story_points``: the first of the fields named ``STORY_POINT_FIELDS`` (through ``names``)
  that holds a number.
"""

from __future__ import annotations

from .jira_fields import display, field_value
from .jira_order import timestamp

STORY_POINT_FIELDS = ("Story Points", "Story point estimate")


def item_row(
    col: dict[str, list],
    key: str,
    fields: dict,
    status: str | None,
    labels: list[str],
    ids: dict[str, list[str]],
) -> None:
    """Append the issue's row to the column lists ``col`` (``ids``: field ids per name)."""
    project = display(fields.get("project"))
    if isinstance(fields.get("project"), dict):
        project_key = fields["project"].get("key")
        if isinstance(project_key, str) and project_key:
            project = project_key
    col["item"].append(key)
    col["project"].append(project or key.rsplit("-", 1)[0])
    col["type"].append(display(fields.get("issuetype")))
    col["priority"].append(display(fields.get("priority")))
    summary = fields.get("summary")
    col["summary"].append(summary if isinstance(summary, str) else None)
    col["created"].append(fields["created"])
    resolved = fields.get("resolutiondate")
    try:
        timestamp(resolved)
    except (TypeError, ValueError):
        resolved = None
    col["resolved"].append(resolved)
    col["current_status"].append(status)
    col["labels"].append(labels)
    comps = fields.get("components")
    col["components"].append(
        [d for d in (display(c) for c in comps) if d] if isinstance(comps, list) else []
    )
    points = None
    for name in STORY_POINT_FIELDS:
        v = field_value(fields, name, ids)
        if isinstance(v, int | float) and not isinstance(v, bool):
            points = float(v)
            break
    col["story_points"].append(points)
