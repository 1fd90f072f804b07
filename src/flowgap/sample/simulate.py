"""The simulated organisation at work: items flowing through team queues and work statuses.

One seeded :class:`random.Random` drives everything, item after item, so a seed gives the same
log in every format. Items are yielded one at a time (the writers stream them); each holds its
Jira-like change histories and comments, in time order, all at distinct whole minutes except the
changes that one history makes together (a status and the team taking over, for instance).
"""

from __future__ import annotations

import contextlib
import gc
import itertools
import random
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date

from . import workflow as wf
from .clock import DAY, HOUR, Clock
from .sim_item import Comment, Hist, SimItem
from .truth import RULES, Partial, Rules, partial

#: Simulated period (local Berlin time): items are created from T0 on; nothing happens after H.
PERIOD_START = date(2025, 1, 6)
PERIOD_END = date(2025, 6, 30)
STORY_KEY = "FLOW-1042"

#: Non-story items are kept clearly better than the story item, so that it is the worst one.
MAX_HANDOFFS = 7
MAX_STEERING_COMMENTS = 5
MAX_LEAD_DAYS = 100.0
MIN_DELIVERED_EFFICIENCY = 0.055

_QUEUE_MEAN_DAYS = {"analysis": 2.5, "dev": 2.0, "review": 1.0, "qa": 2.0, "release": 1.5}
_QUEUE_MAX_DAYS = 6.0
_WORK_HOURS = {
    "analysis": (2.0, 8.0),
    "dev": (3.0, 14.0),
    "review": (0.5, 3.0),
    "qa": (1.0, 6.0),
    "release": (0.5, 2.0),
}
_DEV_WEIGHTS = [4, 4, 2, 1, 1]  # Frontend, Backend, Data, Security, UX


@dataclass(frozen=True)
class OrgChange:
    """The same organisation with a change applied (what a what-if predicts, simulated).

    ``queue_scale``: queue status -> factor on the queue time drawn for it (``{"Ready for QA":
    0.5}`` halves the QA queue); ``merged``: teams that work as one, so that an item passing
    from one of them to another is picked up at once (its queue time is 0). The random draws
    are the same as without the change; only their use differs."""

    queue_scale: dict[str, float] = field(default_factory=dict)
    merged: frozenset[str] = frozenset()


NO_CHANGE = OrgChange()

#: The statuses whose time a change can scale: the queues, where the simulator draws a wait.
QUEUE_STATUSES = frozenset({wf.SELECTED, *(queue for queue, _ in wf.STAGES.values())})


class _Stop(Exception):
    """The simulation reached the horizon: the item stays as it is (open)."""


class _Builder:
    def __init__(self, item: SimItem, horizon: int) -> None:
        self.it = item
        self.horizon = horizon
        item.labels = item.labels0
        item.last = item.created

    def _id(self) -> int:
        self.it._next_id += 1
        return self.it.issue_id * 1000 + self.it._next_id

    def moment(self, t: int) -> int:
        """Strictly after the item's last moment, and not past the horizon."""
        t = max(t, self.it.last + 1)
        if t > self.horizon:
            raise _Stop
        return t

    def change(self, t: int, author: str | None, **kw: object) -> int:
        """One history; keyword order is the order of its items (status first)."""
        it = self.it
        t = self.moment(t)
        changes: list[tuple[str, object, object]] = []
        for name, new in kw.items():
            attr = "flagged" if name == "flag" else name
            old = getattr(it, attr)
            if new != old:
                changes.append((name, old, new))
                setattr(it, attr, new)
        if not changes:
            return t
        status = kw.get("status")
        if status == wf.DONE:
            it.resolved = t
        elif status is not None and "resolution" in kw and kw["resolution"] is None:
            it.resolved = None
        it.hists.append(Hist(t, self._id(), author, changes))
        it.last = t
        return t

    def comment(self, t: int, author: str, text: str) -> int:
        t = self.moment(t)
        self.it.comments.append(Comment(t, self._id(), author, text))
        self.it.last = t
        return t


def period(clock: Clock) -> tuple[int, int]:
    """First and last simulated minute (UTC)."""
    epoch = date(1970, 1, 1)
    t0 = clock.at((PERIOD_START - epoch).days, 8 * HOUR)
    horizon = clock.at((PERIOD_END - epoch).days, 17 * HOUR)
    return t0, horizon


def simulate(
    items: int, seed: int, story: bool, change: OrgChange = NO_CHANGE
) -> Iterator[SimItem]:
    """Yield ``items`` simulated items (the story item first when ``story``); ``change``
    simulates the organisation with a change applied (the story item stays as told)."""
    if items < 1:
        raise ValueError("items must be at least 1")
    rng = random.Random(seed)
    clock = Clock(wf.ZONE)
    # Millions of small, long-lived objects: the cyclic GC would rescan them for nothing.
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield from _items(rng, clock, items, story, change)
    finally:
        if was_enabled:
            gc.enable()


def _items(
    rng: random.Random, clock: Clock, items: int, story: bool, change: OrgChange
) -> Iterator[SimItem]:
    t0, horizon = period(clock)
    if story:
        yield story_item(clock)
    n_random = items - 1 if story else items
    span = horizon - 2 * DAY - t0
    for i in range(n_random):
        number = i + 1 if i + 1 < 1042 or not story else i + 2
        base = t0 + span * i // max(n_random, 1)
        for _attempt in range(200):
            it = _random_item(rng, clock, number, base, span // max(n_random, 1), horizon, change)
            it.checked = quick_check(it, RULES, horizon)
            if it.checked is not None:
                break
        yield it


def quick_check(it: SimItem, rules: Rules, horizon: int) -> Partial | None:
    """Keep every ordinary item clearly better than the story item on every worst-item axis.

    Returns the item's full-format partial truth when it is kept (callers reuse it); open items
    are judged at the horizon, the latest ``as_of`` the log can have."""
    p = partial(it, rules)
    stints = len(p.stints) + (p.tail_team is not None and p.tail_team not in p.stints[-1:])
    if stints - 1 > MAX_HANDOFFS or p.steering > MAX_STEERING_COMMENTS:
        return None
    longest = MAX_LEAD_DAYS * DAY
    if p.delivered is not None and p.delivered - p.created > longest:
        return None
    if p.committed is not None:
        window = (p.delivered if p.delivered is not None else horizon) - p.committed
        if window > longest - 5 * DAY:
            return None
        slow = p.closed_touch < MIN_DELIVERED_EFFICIENCY * window
        if p.delivered is not None and window > 0 and slow:
            return None
    return p


def _person(rng: random.Random, team: str, current: str | None) -> str:
    people = wf.TEAMS[team]
    if current in people and rng.random() < 0.5:
        return current  # type: ignore[return-value]
    return rng.choice(people)


def _route(rng: random.Random, typ: str) -> list[tuple[str, str | None]]:
    """Stages with their teams; ("done", None) marks a delivery (twice when reopened)."""
    while True:
        dev = rng.choices(wf.DEV_TEAMS, _DEV_WEIGHTS)[0]
        route: list[tuple[str, str | None]] = []
        if (typ in ("Story", "Epic") and rng.random() < 0.7) or (
            typ == "Task" and rng.random() < 0.15
        ):
            route.append(("analysis", "UX" if rng.random() < 0.25 else "Analysis"))
        route.append(("dev", dev))
        if (typ != "Task" and rng.random() < 0.6) or typ == "Epic":
            other = rng.choice([t for t in wf.DEV_TEAMS if t != dev])
            route.append(("review", dev if rng.random() < 0.6 else other))
        if rng.random() < (0.4 if typ == "Task" else 0.85):
            route.append(("qa", "QA"))
            if rng.random() < 0.2:
                route += [("dev", dev), ("qa", "QA")]
        if rng.random() < 0.5:
            route.append(("release", "Ops"))
        route.append(("done", None))
        if rng.random() < 0.06:
            route += [("dev", dev), ("qa", "QA"), ("done", None)]
        teams = [t for _, t in route if t is not None]
        handoffs = sum(1 for a, b in itertools.pairwise(teams) if a != b)
        if handoffs <= MAX_HANDOFFS:
            return route


def _random_item(
    rng: random.Random,
    clock: Clock,
    number: int,
    base: int,
    slot: int,
    horizon: int,
    change: OrgChange = NO_CHANGE,
) -> SimItem:
    typ = rng.choices(wf.TYPES, wf.TYPE_WEIGHTS)[0]
    created = clock.align(base + rng.randrange(max(slot, 1)))
    labels0 = tuple(sorted(rng.sample(wf.LABELS, rng.choice((0, 0, 1, 1, 2)))))
    it = SimItem(
        key=f"{wf.PROJECT}-{number}",
        issue_id=10000 + number,
        type=typ,
        priority=rng.choices(wf.PRIORITIES, wf.PRIORITY_WEIGHTS)[0],
        summary=(f"{rng.choice(wf.VERBS)} {rng.choice(wf.OBJECTS)} in the {rng.choice(wf.PLACES)}"),
        reporter=rng.choice(wf.PRODUCT_OWNERS),
        created=min(created, horizon - DAY),
        labels0=labels0,
        components=tuple(sorted(rng.sample(wf.COMPONENTS, rng.choice((1, 1, 2))))),
        story_points=None if typ in ("Bug", "Epic") else rng.choice(wf.POINTS),
    )
    b = _Builder(it, horizon)
    with contextlib.suppress(_Stop):
        _flow(b, rng, clock, change)
    return it


def _days(rng: random.Random, mean: float, cap: float) -> int:
    return int(min(cap, rng.expovariate(1.0 / mean)) * DAY)


def _flow(b: _Builder, rng: random.Random, clock: Clock, change: OrgChange = NO_CHANGE) -> None:
    it = b.it
    u = rng.random()
    if u < 0.07:  # never leaves the backlog
        if rng.random() < 0.5:
            b.comment(
                clock.align(it.created + rng.randrange(DAY, 10 * DAY)),
                it.reporter,
                rng.choice(wf.CHATTER),
            )
        return
    t = clock.align(it.created + int(rng.uniform(0.2, 21.0) * DAY))
    if u < 0.10:  # dropped from the backlog
        b.change(t, it.reporter, status=wf.DONE, resolution="Won't Do")
        return
    route = _route(rng, it.type)
    steered = rng.random() < 0.12
    review_trip = rng.random() < 0.06
    state = {"comments": 0, "labelled": False, "review": review_trip}
    author: str | None = it.reporter
    first = True
    for stage, team in route:
        if stage == "done":
            t = b.change(t, author, status=wf.DONE, resolution="Done")
            t = clock.align(t + int(rng.uniform(1.0, 10.0) * DAY))
            continue
        queue_status, work_status = wf.STAGES[stage]
        if first and rng.random() < 0.5:
            queue_status = wf.SELECTED
        reopened = it.status == wf.DONE
        handed = it.team is not None and it.team != team
        merged = handed and it.team in change.merged and team in change.merged
        kw: dict[str, object] = {"status": queue_status, "team": team}
        if reopened:
            kw["resolution"] = None
        t = b.change(t, it.reporter if first or reopened else author, **kw)
        first = False
        queue = _days(rng, _QUEUE_MEAN_DAYS[stage], _QUEUE_MAX_DAYS)
        queue = 0 if merged else int(queue * change.queue_scale.get(queue_status, 1.0))
        end = clock.align(t + queue)
        if rng.random() < 0.3:
            b.comment(t + 7, author or it.reporter, rng.choice(wf.CHATTER))
        end = _queue_extras(b, rng, clock, queue_status, end, steered, state)
        person = _person(rng, team, it.assignee)  # type: ignore[arg-type]
        t = b.change(end, person, status=work_status, assignee=person)
        lo, hi = _WORK_HOURS[stage]
        t = _work(b, rng, clock, t, int(rng.uniform(lo, hi) * HOUR), person, work_status)
        author = person


def _queue_extras(
    b: _Builder,
    rng: random.Random,
    clock: Clock,
    status: str,
    end: int,
    steered: bool,
    state: dict,
) -> int:
    """Steering during a queue: a trip to Steering Review, or Wednesday SteerCo comments."""
    it = b.it
    start = it.last
    if state["review"] and end - start > DAY // 2:
        state["review"] = False
        at = clock.align(start + (end - start) // 3)
        if at >= end:
            return end
        b.change(at, wf.STEERING_CHAIR, status=wf.STEERING)
        back = clock.align(at + int(rng.uniform(1.0, 5.0) * DAY))
        b.change(back, wf.STEERING_CHAIR, status=status)
        return max(end, clock.align(back + int(rng.uniform(0.1, 1.5) * DAY)))
    if not steered:
        return end
    wed = clock.next_weekday_at(it.last, 2, 11 * HOUR)
    while wed + 5 < end and state["comments"] < MAX_STEERING_COMMENTS:
        if rng.random() < 0.6:
            day = clock.naive_local(wed).date().isoformat()
            b.comment(wed, wf.STEERING_CHAIR, f"Discussed in SteerCo {day}: {_verdict(rng)}")
            state["comments"] += 1
            if not state["labelled"]:
                state["labelled"] = True
                b.change(wed + 5, wf.STEERING_CHAIR, labels=(*it.labels, wf.STEERCO_LABEL))
        wed = clock.next_weekday_at(wed, 2, 11 * HOUR)
    return end


def _verdict(rng: random.Random) -> str:
    return rng.choice(
        [
            "keep priority, report progress next week.",
            "escalated, needs a date.",
            "waiting for the other team; follow up.",
            "no change.",
        ]
    )


def _work(
    b: _Builder,
    rng: random.Random,
    clock: Clock,
    start: int,
    minutes: int,
    person: str,
    work_status: str,
) -> int:
    """Work on the item; sometimes flagged for a while, sometimes Blocked. Returns the end."""
    minutes = max(minutes, 20)
    u = rng.random()
    if u < 0.08:
        first = minutes // 3
        at = b.change(clock.add_work(start, first), person, flag=True)
        clear = clock.add_work(at, int(rng.uniform(1.0, 16.0) * HOUR))
        clear = b.change(clear, person, flag=False)
        return clock.add_work(clear, minutes - first)
    if u < 0.12:
        first = minutes // 2
        at = b.change(clock.add_work(start, first), person, status=wf.BLOCKED)
        back = b.change(
            clock.align(at + int(rng.uniform(1.0, 4.0) * DAY)), person, status=work_status
        )
        return clock.add_work(back, minutes - first)
    return clock.add_work(start, minutes)


# --------------------------------------------------------------------------- the story


#: The item of DESIGN's introduction: (pickup date, local minute, work end date, end minute,
#: team, queue status, work status). Each stint: the item waits in the team's queue from the
#: previous stint's end, then someone works on it.
_STORY_STINTS = [
    ("2025-02-11", 9 * HOUR, "2025-02-11", 16 * HOUR, "Analysis", wf.SELECTED, "In Analysis"),
    ("2025-02-24", 9 * HOUR, "2025-02-26", 9 * HOUR, "Backend", "Ready for Dev", "In Development"),
    (
        "2025-03-10",
        10 * HOUR,
        "2025-03-11",
        15 * HOUR,
        "Frontend",
        "Ready for Dev",
        "In Development",
    ),
    (
        "2025-03-20",
        9 * HOUR + 30,
        "2025-03-20",
        12 * HOUR + 30,
        "Backend",
        "Ready for Review",
        "In Review",
    ),
    ("2025-04-02", 14 * HOUR, "2025-04-02", 18 * HOUR, "Security", "Ready for Review", "In Review"),
    (
        "2025-04-14",
        9 * HOUR,
        "2025-04-14",
        17 * HOUR + 30,
        "Backend",
        "Ready for Dev",
        "In Development",
    ),
    ("2025-04-24", 9 * HOUR, "2025-04-24", 14 * HOUR, "QA", "Ready for QA", "In QA"),
    (
        "2025-05-06",
        9 * HOUR,
        "2025-05-06",
        17 * HOUR,
        "Frontend",
        "Ready for Dev",
        "In Development",
    ),
    ("2025-05-15", 10 * HOUR, "2025-05-15", 15 * HOUR, "QA", "Ready for QA", "In QA"),
    ("2025-05-27", 10 * HOUR, "2025-05-27", 13 * HOUR, "Ops", "Ready for Release", "Releasing"),
]
_STORY_PEOPLE = {
    "Analysis": "Amira Haddad",
    "Backend": "Jürgen Weiß",
    "Frontend": "Mia Schröder",
    "Security": "Olga Petrova",
    "QA": "Sara Lindqvist",
    "Ops": "Marek Nowak",
}
_STORY_NOTES = [
    "waiting for Analysis to pick it up.",
    "analysis done, queued for Backend.",
    "queued for Backend.",
    "Backend done, Frontend next.",
    "Frontend part done, review pending.",
    "review found a security question.",
    "waiting for Security.",
    "Security sign-off, back to Backend.",
    "Backend fix queued.",
    "in QA queue.",
    "QA sent it back to Frontend.",
    "Frontend fix queued.",
    "Frontend fix done, QA again.",
    "QA passed, waiting for a release slot.",
    "release slot next week.",
    "release planned.",
]


def story_item(clock: Clock) -> SimItem:
    """FLOW-1042: about five days of touch in four months, six teams, nine handoffs, reviewed
    in sixteen weekly SteerCo meetings."""
    epoch = date(1970, 1, 1)

    def at(day: str, minute: int) -> int:
        return clock.at((date.fromisoformat(day) - epoch).days, minute)

    it = SimItem(
        key=STORY_KEY,
        issue_id=11042,
        type="Story",
        priority="Highest",
        summary="Customer address change must reach billing, shipping and the data warehouse",
        reporter="Katrin Albers",
        created=at("2025-01-27", 10 * HOUR),
        labels0=("customer",),
        components=("API", "Billing"),
        story_points=5.0,
        is_story=True,
    )
    b = _Builder(it, at("2030-01-01", 12 * HOUR))
    moments: list[tuple[int, int, tuple]] = []  # (t, order, action)
    moments.append((at("2025-02-03", 10 * HOUR), 0, ("commit",)))
    for i, (pick, pm, end, em, team, _queue, work) in enumerate(_STORY_STINTS):
        moments.append((at(pick, pm), 0, ("work", team, work)))
        last = i == len(_STORY_STINTS) - 1
        nxt = None if last else _STORY_STINTS[i + 1]
        moments.append((at(end, em), 0, ("done",) if last else ("queue", nxt[4], nxt[5])))
    # the impediment: Backend waits two hours for an answer from Security
    moments.append((at("2025-04-14", 11 * HOUR), 0, ("flag", True)))
    moments.append((at("2025-04-14", 13 * HOUR), 0, ("flag", False)))
    wed = at("2025-02-05", 11 * HOUR)
    for note in _STORY_NOTES:
        moments.append((wed, 1, ("steerco", note)))
        wed = clock.next_weekday_at(wed, 2, 11 * HOUR)
    moments.sort(key=lambda m: (m[0], m[1]))
    first_team = _STORY_STINTS[0][4]
    labelled = False
    for t, _, action in moments:
        kind = action[0]
        if kind == "commit":
            b.change(t, it.reporter, status=wf.SELECTED, team=first_team)
        elif kind == "work":
            person = _STORY_PEOPLE[action[1]]
            b.change(t, person, status=action[2], assignee=person)
        elif kind == "queue":
            b.change(t, it.assignee, status=action[2], team=action[1])
        elif kind == "done":
            b.change(t, it.assignee, status=wf.DONE, resolution="Done")
        elif kind == "flag":
            b.change(t, it.assignee, flag=action[1])
        else:
            day = clock.naive_local(t).date().isoformat()
            b.comment(t, wf.STEERING_CHAIR, f"Discussed in SteerCo {day}: {action[1]}")
            if not labelled:
                labelled = True
                b.change(t + 5, wf.STEERING_CHAIR, labels=(*it.labels, wf.STEERCO_LABEL))
    return it
