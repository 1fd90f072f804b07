"""Status-class heuristics: the class flowgap guesses for a status the config does not class.

A status is ``backlog`` (not committed yet), ``wait`` (committed, nobody works on it),
``active`` (someone works on it: touch time) or ``done`` (delivered or closed).

A guess reads the name, then Jira's status category, then the workflow's shape
(:func:`guess_classes`): names alone put "Dev Done", a column between two work stages, among
the deliveries, and an event log's outcomes whose names tell nothing (BPI Challenge 2012's
"A_ACTIVATED") among the queues.

Names are read as words: ``_ - . /`` separate words as spaces do (``A_DECLINED`` is declined,
``In-Progress`` in progress), since logs name activities that way. A status composed of parts
joined by " / " (the default ``status_separator``: a status and its sub-status, such as BPI
Challenge 2013's "Accepted / In Progress") is guessed from its most specific part: the last
part whose name tells a class decides ("Accepted / In Progress" is active, "Accepted /
Assigned" is wait by "Accepted"). A status flowgap itself makes for the time after a completed
activity ("waiting after X") is a wait whatever X is called.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Literal

StatusClass = Literal["backlog", "wait", "active", "done"]
STATUS_CLASSES: tuple[str, ...] = ("backlog", "wait", "active", "done")

#: What joins the parts of a composed status (the default ``status_separator``).
PART_SEPARATOR = " / "
#: Characters that separate words in status names, as a space does: ``\b`` alone takes ``_``
#: for a letter, so "A_DECLINED" matched nothing.
_WORD_SEPARATORS = re.compile(r"[_\-./]+")
#: The prefix of the wait status the XES loader makes after a completed activity (its
#: ``waiting_prefix`` default).
WAITING_AFTER = "waiting after "

_DONE = re.compile(
    r"\b(done|closed|resolved|verified|released|deployed|delivered|complete|completed|finished|"
    r"cancel+ed|rejected|won'?t (do|fix)|wontfix|invalid|works ?for ?me|declined|abandoned|"
    r"duplicate|live|shipped|archived)\b",
    re.IGNORECASE,
)
_WAIT = re.compile(
    r"\b(ready|waiting|wait|queue|queued|blocked|on hold|hold|pending|awaiting|to be|"
    r"approved|approval|accepted|parked|paused|impeded|scheduled|steering|committee|"
    r"selected for development)\b",
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
    r"take in charge|resolve\b|resolving|wip|active)",
    re.IGNORECASE,
)
#: Words of the wait class that name an outcome in an event log ("A_APPROVED", "O_ACCEPTED":
#: the loan granted, the offer taken) and a queue in a workflow tool (Jira's "Approved",
#: waiting for development): the shape tells which (:func:`guess_classes`). Other waits
#: ("Ready", "Queued", "Blocked") stay waits whatever the shape: a queue that fills up is
#: where items end until someone takes them.
_OUTCOME_OR_QUEUE = re.compile(r"\b(approved|accepted)\b", re.IGNORECASE)


def guess_status_class(status: str, category: str | None = None) -> str:
    """Best guess of a status' class from its name, then Jira's status category; ``wait``
    when neither tells.

    Names win over the category because Jira files queues such as "Ready for QA" under
    "In Progress"; a queue is wait, not touch.
    """
    return _told_class(status, category) or "wait"


def _told_class(status: str, category: str | None) -> str | None:
    """The class the status' name, then its Jira category, tells; None when neither does."""
    by_name = _name_class(status)
    if by_name is not None:
        return by_name
    cat = (category or "").lower()
    if cat in {"done"}:
        return "done"
    if cat in {"new", "to do", "todo"}:
        return "backlog"
    if cat in {"indeterminate", "in progress"}:
        return "active"
    return None


def named_like_work(status: str) -> bool:
    """Whether the status' name itself says someone works in it (its words tell ``active``):
    never a name of a queue (ready, waiting, queue, backlog, ...) nor flowgap's own "waiting
    after X", whatever X is. What advice may suggest classing as active."""
    return _name_class(status) == "active"


def _name_class(status: str) -> str | None:
    """The class the status' name tells (the most specific part of a composed one), or None."""
    name = status.strip()
    if name.lower().startswith(WAITING_AFTER):
        return "wait"
    for part in reversed(name.split(PART_SEPARATOR)):
        by_name = _class_by_name(part)
        if by_name is not None:
            return by_name
    return None


def _named_like_outcome(status: str) -> bool:
    """Whether the name is a wait only by a word that also names an outcome (approved,
    accepted), so that where items end it is an outcome."""
    return _name_class(status) == "wait" and bool(
        _OUTCOME_OR_QUEUE.search(_WORD_SEPARATORS.sub(" ", status))
    )


def _class_by_name(name: str) -> str | None:
    """The class a name's words tell, or None."""
    words = _WORD_SEPARATORS.sub(" ", name)
    if _DONE.search(words):
        return "done"
    if _WAIT.search(words):
        return "wait"
    active = _ACTIVE.search(words)
    if _BACKLOG.search(words) and not active:
        return "backlog"
    return "active" if active else None


@dataclass(frozen=True)
class StatusMoves:
    """The workflow's shape: entries into each status (visits) and the moves between
    statuses (one per visit that an item leaves for another status), over every item."""

    visits: Mapping[str, int] = field(default_factory=dict)
    moves: Mapping[tuple[str, str], int] = field(default_factory=dict)

    def ends(self, status: str) -> int:
        """Visits of ``status`` that items never left: the item's last status."""
        left = sum(n for (a, _), n in self.moves.items() if a == status)
        return self.visits.get(status, 0) - left

    def exits(self, status: str) -> dict[str, int]:
        """Next status -> moves from ``status`` to it."""
        return {b: n for (a, b), n in self.moves.items() if a == status}

    def left_for(self, status: str, classes: Mapping[str, str], into: Iterable[str]) -> int:
        """Visits of ``status`` that items left for a status of a class in ``into``."""
        wanted = set(into)
        return sum(n for b, n in self.exits(status).items() if classes.get(b) in wanted)


#: A status must have at least this many visits for its shape to count.
SHAPE_MIN_VISITS = 3
#: ... and more than this share of them left for the telling class.
SHAPE_SHARE = 0.5
#: A status whose name and category tell nothing is an end state when items end in at least
#: this share of its visits: an event log's outcomes (BPI Challenge 2012's approved loans end in
#: A_ACTIVATED or A_REGISTERED) would otherwise be queues holding every such item forever.
END_SHARE = 0.9


def ends_items(moves: StatusMoves, status: str) -> bool:
    """Whether items end in ``status`` in at least ``END_SHARE`` of its visits (at least
    ``SHAPE_MIN_VISITS`` visits)."""
    visits = moves.visits.get(status, 0)
    return visits >= SHAPE_MIN_VISITS and moves.ends(status) >= END_SHARE * visits


def regularly_left_for(
    moves: StatusMoves, status: str, classes: Mapping[str, str], into: Iterable[str]
) -> bool:
    """Whether items leave ``status`` for a status of a class in ``into`` in most of its
    visits (more than ``SHAPE_SHARE``, at least ``SHAPE_MIN_VISITS`` visits)."""
    visits = moves.visits.get(status, 0)
    if visits < SHAPE_MIN_VISITS:
        return False
    return moves.left_for(status, classes, into) > SHAPE_SHARE * visits


def guess_classes(
    names: Iterable[str],
    categories: Mapping[str, str],
    moves: StatusMoves | None = None,
    fixed: Mapping[str, str] | None = None,
) -> dict[str, str]:
    """The guessed class of each of ``names``: from its name and category
    (:func:`guess_status_class`), then from the workflow's shape: a status guessed ``done``
    that items regularly leave for an active status is no delivery but a queue between two
    work stages ("Analysis Done", "Dev Done"): ``wait``; a status whose name and category
    tell nothing, or tell a wait only by an outcome's word ("A_APPROVED"), where items end
    (:func:`ends_items`), is an outcome: ``done``. ``fixed``
    holds the configured classes, which the shape reads for the statuses items move to."""
    told = {name: _told_class(name, categories.get(name)) for name in names}
    first = {name: cls or "wait" for name, cls in told.items()}
    if moves is None or not moves.visits:
        return first
    known = {**first, **(fixed or {})}
    out = {}
    for name, cls in first.items():
        if cls == "done" and regularly_left_for(moves, name, known, ("active",)):
            cls = "wait"
        elif (told[name] is None or _named_like_outcome(name)) and ends_items(moves, name):
            cls = "done"
        out[name] = cls
    return out
