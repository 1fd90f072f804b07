"""A simulated item: its fields, its Jira-like change histories and comments, and its state
after the last history. The simulator builds them; the writers and the truth read them."""

from __future__ import annotations

from dataclasses import dataclass, field

from . import workflow as wf


@dataclass(slots=True)
class Hist:
    """One Jira changelog history: several field changes at one moment by one author."""

    t: int  # minutes since the epoch, UTC
    hid: int
    author: str | None
    #: (field, old, new); field is status, team, assignee, flag (bool), labels (tuple),
    #: resolution.
    changes: list[tuple[str, object, object]]


@dataclass(slots=True)
class Comment:
    t: int
    cid: int
    author: str
    text: str


@dataclass(slots=True)
class SimItem:
    key: str
    issue_id: int
    type: str
    priority: str
    summary: str
    reporter: str
    created: int
    labels0: tuple[str, ...]
    components: tuple[str, ...]
    story_points: float | None
    is_story: bool = False
    #: Full-format truth walk, when the simulator already made it (see simulate.quick_check).
    checked: object = None
    hists: list[Hist] = field(default_factory=list)
    comments: list[Comment] = field(default_factory=list)
    # state after the last history
    status: str = wf.BACKLOG
    team: str | None = None
    assignee: str | None = None
    labels: tuple[str, ...] = ()
    flagged: bool = False
    resolution: str | None = None
    resolved: int | None = None
    last: int = 0
    _next_id: int = 0

    @property
    def updated(self) -> int:
        return self.last
