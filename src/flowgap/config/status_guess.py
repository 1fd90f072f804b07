"""Status-class heuristics: the class flowgap guesses for a status the config does not class.

A status is ``backlog`` (not committed yet), ``wait`` (committed, nobody works on it),
``active`` (someone works on it: touch time) or ``done`` (delivered or closed).
"""

from __future__ import annotations

import re
from typing import Literal

StatusClass = Literal["backlog", "wait", "active", "done"]
STATUS_CLASSES: tuple[str, ...] = ("backlog", "wait", "active", "done")

_DONE = re.compile(
    r"\b(done|closed|resolved|released|deployed|delivered|complete|completed|finished|"
    r"cancel+ed|rejected|won'?t (do|fix)|declined|abandoned|duplicate|live|shipped|archived)\b",
    re.IGNORECASE,
)
_WAIT = re.compile(
    r"\b(ready|waiting|wait|queue|queued|blocked|on hold|hold|pending|awaiting|to be|"
    r"approved|approval|accepted|parked|paused|impeded|scheduled|steering|committee|"
    r"selected for development)\b|^waiting after ",
    re.IGNORECASE,
)
_BACKLOG = re.compile(
    r"\b(backlog|open|new|to ?do|created|funnel|idea|triage|draft|proposed|icebox|"
    r"reopened|requested|submitted|inbox)\b",
    re.IGNORECASE,
)
_ACTIVE = re.compile(
    r"\b(in progress|progress|doing|develop|development|dev|coding|implement|implementing|"
    r"review|reviewing|testing|test|qa|verif|analysis|analysing|analyzing|design|designing|"
    r"build|building|deploying|releasing|merging|working|work|investigat|fixing|refine|refinement|"
    r"take in charge|resolve\b|resolving|wip)",
    re.IGNORECASE,
)


def guess_status_class(status: str, category: str | None = None) -> str:
    """Best guess of a status' class from its name, then Jira's status category.

    Names win over the category because Jira files queues such as "Ready for QA" under
    "In Progress"; a queue is wait, not touch.
    """
    name = status.strip()
    if _DONE.search(name):
        return "done"
    if _WAIT.search(name):
        return "wait"
    if _BACKLOG.search(name) and not _ACTIVE.search(name):
        return "backlog"
    if _ACTIVE.search(name):
        return "active"
    cat = (category or "").lower()
    if cat in {"done"}:
        return "done"
    if cat in {"new", "to do", "todo"}:
        return "backlog"
    if cat in {"indeterminate", "in progress"}:
        return "active"
    return "wait"
