"""Ground truth: every item's flow metrics, computed from its own simulated history.

This is deliberately a second, plain implementation of the metric semantics (DESIGN section 5
and the team conventions) walking one item's changes, so the engine can be checked against it.
With the sample configuration: the team comes only from the Team field; flagged time blocks;
``Blocked`` is a blocked status; no ``stall_after``; the flow window starts at commitment.

Per format, some facts cannot be expressed (flags, comments and labels exist only in Jira
JSON and Parquet); :class:`Caps` says which the format keeps, and the truth follows the format.

The truth of an open item depends on ``as_of`` (the latest event of the whole log, known only
at the end), so :func:`partial` walks an item once and :meth:`Partial.finish` closes it.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterable
from dataclasses import dataclass

import pyarrow as pa

from . import workflow as wf
from .clock import DAY, MINUTE_S, MINUTE_US
from .sim_item import SimItem

TS = pa.timestamp("us", tz="UTC")
#: Seconds in a simulated minute, as a float: durations are float seconds, as in the engine.
_SECONDS = float(MINUTE_S)

TRUTH_SCHEMA = pa.schema(
    [
        ("item", pa.string()),
        ("created", TS),
        ("committed", TS),
        ("delivered", TS),
        ("is_open", pa.bool_()),
        ("lead_time_s", pa.float64()),
        ("cycle_time_s", pa.float64()),
        ("window_s", pa.float64()),
        ("touch_s", pa.float64()),
        ("wait_s", pa.float64()),
        ("blocked_s", pa.float64()),
        ("flow_efficiency", pa.float64()),
        ("handoffs", pa.int64()),
        ("teams_visited", pa.int64()),
        ("team_path", pa.string()),
        ("rework", pa.int64()),
        ("steering_touches", pa.int64()),
    ]
)


@dataclass(frozen=True)
class Caps:
    """What a format can express besides statuses and teams."""

    flags: bool = True
    comments: bool = True
    labels: bool = True
    history: bool = True


FULL = Caps()
STATUS_ONLY = Caps(flags=False, comments=False, labels=False)
NO_HISTORY = Caps(flags=False, comments=False, labels=False, history=False)


@dataclass(frozen=True)
class Rules:
    classes: dict[str, str]
    order: dict[str, int]
    blocked: frozenset[str]
    flag_blocks: bool
    steering_statuses: tuple[re.Pattern, ...]
    #: Status name -> whether entering it is a steering touch (the patterns, pre-matched).
    steering_status: dict[str, bool]
    steering_labels: frozenset[str]
    comment_pattern: re.Pattern | None


def rules_from_config(config: object) -> Rules:
    from ..config import Config

    assert isinstance(config, Config)
    if list(config.teams.source) != ["field"]:
        raise ValueError("the sample truth assumes teams.source = ['field']")
    if config.flow.flow_window != "commitment" or config.flow.stall_after:
        raise ValueError("the sample truth assumes the commitment window and no stall_after")
    s = config.steering
    # The sample's statuses, and those a bigger shape adds (``scale.py``).
    names = list(dict.fromkeys([*wf.CLASSES, *config.statuses.classes]))
    return Rules(
        classes={name: config.status_class(name)[0] for name in names},
        order={name: i for i, name in enumerate(config.statuses.order)},
        blocked=frozenset(config.statuses.blocked),
        flag_blocks=config.flow.flagged_is_blocked,
        steering_statuses=tuple(re.compile(p) for p in s.statuses),
        steering_status={name: any(re.search(p, name) for p in s.statuses) for name in names},
        steering_labels=frozenset(s.labels),
        comment_pattern=re.compile(s.comment_pattern) if s.comment_pattern else None,
    )


def _sample_rules() -> Rules:
    from ..config import Config

    return rules_from_config(Config.from_dict(tomllib.loads(wf.SAMPLE_CONFIG_TOML)))


@dataclass(slots=True)
class Partial:
    """An item walked up to its last change; :meth:`finish` measures it at ``as_of``."""

    item: str
    created: int  # minutes
    committed: int | None
    delivered: int | None
    last: int  # the last change point (start of the open tail segment)
    closed_touch: int  # minutes, segments before ``last`` inside the window
    closed_blocked: int
    tail_touch: bool  # the tail segment is active and not blocked
    tail_blocked: bool
    tail_team: str | None
    stints: list[str]
    rework: int
    steering: int

    def finish(self, as_of: int) -> dict:
        """The truth row at ``as_of`` (minutes, >= every event of the log)."""
        tail = max(as_of - self.last, 0)
        stints = self.stints
        # The item's state at as_of counts even when it began exactly then (a handoff or a
        # delivery that is the log's last event), as in the engine.
        if self.tail_team is not None and (not stints or stints[-1] != self.tail_team):
            stints = [*stints, self.tail_team]
        row: dict = {
            "item": self.item,
            "created": self.created * MINUTE_US,
            "committed": None if self.committed is None else self.committed * MINUTE_US,
            "delivered": None if self.delivered is None else self.delivered * MINUTE_US,
            "is_open": self.delivered is None,
            "lead_time_s": None,
            "cycle_time_s": None,
            "window_s": None,
            "touch_s": None,
            "wait_s": None,
            "blocked_s": None,
            "flow_efficiency": None,
            "handoffs": max(len(stints) - 1, 0),
            "teams_visited": len(set(stints)),
            "team_path": " > ".join(stints),
            "rework": self.rework,
            "steering_touches": self.steering,
        }
        if self.delivered is not None:
            row["lead_time_s"] = (self.delivered - self.created) * _SECONDS
            if self.committed is not None:
                row["cycle_time_s"] = (self.delivered - self.committed) * _SECONDS
        if self.committed is not None:
            end = self.delivered if self.delivered is not None else as_of
            touch, blocked = self.closed_touch, self.closed_blocked
            if self.delivered is None:
                touch += tail if self.tail_touch else 0
                blocked += tail if self.tail_blocked else 0
            window = (end - self.committed) * _SECONDS
            row["window_s"] = window
            row["touch_s"] = touch * _SECONDS
            row["wait_s"] = window - touch * _SECONDS
            row["blocked_s"] = blocked * _SECONDS
            row["flow_efficiency"] = touch * _SECONDS / window if window > 0 else None
        return row


def partial(it: SimItem, rules: Rules, caps: Caps = FULL) -> Partial:
    """Walk one item's history: segments [start, end) between change points, in order."""
    classes, order, blocked_set = rules.classes, rules.order, rules.blocked
    steering_status = rules.steering_status
    status, team, flagged = wf.BACKLOG, None, False
    segs: list[tuple[int, int, str, str | None, bool]] = []
    prev = it.created
    committed: int | None = None
    last_done: int | None = None
    rework = 0
    days: set[int] = set()

    def entered(t: int, name: str) -> None:
        nonlocal committed, last_done
        cls = classes[name]
        if committed is None and cls in ("wait", "active"):
            committed = t
        if cls == "done":
            last_done = t
        if steering_status[name]:
            days.add(t // DAY)

    entered(it.created, status)
    if caps.labels and rules.steering_labels.intersection(it.labels0):
        days.add(it.created // DAY)
    for h in it.hists:
        if h.t > prev:
            segs.append((prev, h.t, status, team, flagged))
            prev = h.t
        for name, old, new in h.changes:
            if name == "status":
                if old in order and new in order and order[new] < order[old]:  # type: ignore[index]
                    rework += 1
                status = new  # type: ignore[assignment]
                entered(h.t, status)
            elif name == "team":
                team = new  # type: ignore[assignment]
            elif name == "flag" and caps.flags:
                flagged = bool(new)
            elif name == "labels" and caps.labels:
                added = set(new) - set(old)  # type: ignore[call-overload, arg-type]
                if added & rules.steering_labels:
                    days.add(h.t // DAY)
    if caps.comments and rules.comment_pattern is not None:
        for c in it.comments:
            if rules.comment_pattern.search(c.text):
                days.add(c.t // DAY)

    delivered = last_done if classes[status] == "done" else None
    w_start = committed
    w_end = delivered
    touch = blocked_total = 0
    stints: list[str] = []
    for a, b, st, tm, fl in segs:
        if tm is not None and (not stints or stints[-1] != tm):
            stints.append(tm)
        if w_start is None:
            continue
        lo = max(a, w_start)
        hi = b if w_end is None else min(b, w_end)
        if hi <= lo:
            continue
        is_blocked = (fl and rules.flag_blocks) or st in blocked_set
        if is_blocked:
            blocked_total += hi - lo
        elif classes[st] == "active":
            touch += hi - lo
    tail_blocked = (flagged and rules.flag_blocks) or status in blocked_set
    return Partial(
        item=it.key,
        created=it.created,
        committed=committed,
        delivered=delivered,
        last=prev,
        closed_touch=touch,
        closed_blocked=blocked_total,
        tail_touch=classes[status] == "active" and not tail_blocked,
        tail_blocked=tail_blocked,
        tail_team=team,
        stints=stints,
        rework=rework,
        steering=len(days),
    )


def lead_only(it: SimItem) -> dict:
    """Truth for a source without history (Jira UI CSV): created, resolved and lead time."""
    delivered = it.resolved if it.status == wf.DONE else None
    row = {name: None for name in TRUTH_SCHEMA.names}
    row.update(
        item=it.key,
        created=it.created * MINUTE_US,
        delivered=None if delivered is None else delivered * MINUTE_US,
        is_open=delivered is None,
        lead_time_s=None if delivered is None else (delivered - it.created) * _SECONDS,
    )
    return row


def table(rows: Iterable[dict]) -> pa.Table:
    """Truth rows as a table, column by column (no list of all rows kept)."""
    cols: dict[str, list] = {name: [] for name in TRUTH_SCHEMA.names}
    appenders = [(name, cols[name].append) for name in TRUTH_SCHEMA.names]
    for row in rows:
        for name, append in appenders:
            append(row[name])
    return pa.table(
        {f.name: pa.array(cols[f.name], f.type) for f in TRUTH_SCHEMA}, schema=TRUTH_SCHEMA
    )


RULES = _sample_rules()
