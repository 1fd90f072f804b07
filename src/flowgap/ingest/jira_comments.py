"""The comments of a Jira issue, as ``comment`` events.

Comments stand in ``fields.comment.comments`` (or ``fields.comment`` as a list), or beside the
fields in ``comments_data`` as GrimoireLab Perceval collects them. Their text is plain (REST
API v2) or Atlassian Document Format (v3, ``jira_adf``), their actor the author's display name
(a login where there is none). They are ordered like histories (``jira_order``).

A record is one comment: one without a valid ``created`` (or that is not an object) is
rejected, source ``file:KEY#comment-id``.
"""

from __future__ import annotations

from typing import Any

from ..errors import quoted
from ..model import Reject
from .jira_adf import comment_text
from .jira_fields import display
from .jira_order import ordered, timestamp


def comment_rows(fname: str, key: str, block: Any) -> tuple[list[tuple], list[Reject], int]:
    """The issue's comments in order as (created, text, actor, source), the rejected ones,
    and the number of comments read."""
    raw = block.get("comments") if isinstance(block, dict) else block
    if not isinstance(raw, list):
        return [], [], 0
    good: list[tuple] = []
    rejects: list[Reject] = []
    for i, c in enumerate(raw):
        cid = c["id"] if isinstance(c, dict) and "id" in c else f"[{i}]"
        where = f"{fname}:{key}#comment-{cid}"
        if not isinstance(c, dict):
            rejects.append(Reject(where, "comment is not an object"))
            continue
        created = c.get("created")
        try:
            timestamp(created)
        except (TypeError, ValueError):
            rejects.append(Reject(where, f"comment created is not a timestamp: {quoted(created)}"))
            continue
        author = c.get("author")
        actor = (
            display(author.get("displayName") or author.get("name"))
            if isinstance(author, dict)
            else None
        )
        good.append((created, cid, comment_text(c.get("body")), actor, where))
    return [(g[0], g[2], g[3], g[4]) for g in ordered(good)], rejects, len(raw)
