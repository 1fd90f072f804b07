"""A bigger organisation from the same simulation: more teams and more statuses
(``flowgap sample --teams 60 --statuses 25``), to see the maps at a real organisation's size.

- **Teams.** Each of the sample's teams is split into sub-teams of the same people
  (``Backend 1``, ``Backend 2``, ...), as many as it takes to reach ``teams``. Each item
  works with one sub-team of each team it visits (chosen from its key), so its stints,
  handoffs and ping-pongs are those of the simulation, between more teams.
- **Statuses.** The work statuses get steps after them (``In Development 2``, ...), one by
  one in workflow order until there are ``statuses``. A stretch of work that ends by moving
  on in the workflow is split in equal parts, one per step: the same active time, in more
  statuses. Work that ends in ``Blocked`` or ``Steering Review`` is left whole, so that the
  return from a side trip is never a move back.

The truth is measured on the items as written (:func:`flowgap.sample.truth.partial`), and the
flowgap.toml lists the new statuses in the order and their classes. The defaults are the
sample's own organisation, unchanged.
"""

from __future__ import annotations

import zlib
from collections.abc import Iterator
from dataclasses import dataclass

import tomlkit

from . import workflow as wf
from .sim_item import Hist, SimItem

BASE_TEAMS = len(wf.TEAMS)
BASE_STATUSES = len(wf.CLASSES)
#: Work statuses, in workflow order: the ones that get steps.
WORK_STATUSES = [work for _, work in wf.STAGES.values()]


@dataclass(frozen=True)
class Shape:
    teams: int = BASE_TEAMS
    statuses: int = BASE_STATUSES

    @property
    def is_base(self) -> bool:
        return (self.teams, self.statuses) == (BASE_TEAMS, BASE_STATUSES)


BASE = Shape()


def check(shape: Shape) -> str | None:
    """Why ``shape`` cannot be simulated, or None."""
    if shape.teams < BASE_TEAMS:
        return f"--teams must be at least {BASE_TEAMS} (the sample's teams), got {shape.teams}"
    if shape.statuses < BASE_STATUSES:
        return (
            f"--statuses must be at least {BASE_STATUSES} (the sample's workflow),"
            f" got {shape.statuses}"
        )
    return None


def sub_teams(shape: Shape) -> dict[str, list[str]]:
    """Each team of the sample -> the names of its sub-teams (itself when not split)."""
    out = {}
    for i, team in enumerate(wf.TEAMS):
        k = shape.teams // BASE_TEAMS + (1 if i < shape.teams % BASE_TEAMS else 0)
        out[team] = [team] if k == 1 else [f"{team} {j}" for j in range(1, k + 1)]
    return out


def steps(shape: Shape) -> dict[str, list[str]]:
    """Each work status -> its steps, itself first (``In Development``, ``In Development 2``)."""
    out = {work: [work] for work in WORK_STATUSES}
    for n in range(shape.statuses - BASE_STATUSES):
        work = WORK_STATUSES[n % len(WORK_STATUSES)]
        out[work].append(f"{work} {len(out[work]) + 1}")
    return out


def statuses(shape: Shape) -> dict[str, str]:
    """Every status of the shape -> its class."""
    out = dict(wf.CLASSES)
    for work, names in steps(shape).items():
        out.update(dict.fromkeys(names[1:], wf.CLASSES[work]))
    return out


def order(shape: Shape) -> list[str]:
    """The workflow order with each work status followed by its steps."""
    by_work = steps(shape)
    return [name for status in wf.ORDER for name in by_work.get(status, [status])]


def config_toml(shape: Shape) -> str:
    """The sample's flowgap.toml, with the shape's statuses in the order and the classes."""
    if shape.is_base:
        return wf.SAMPLE_CONFIG_TOML
    doc = tomlkit.parse(wf.SAMPLE_CONFIG_TOML)
    ordered = tomlkit.array()
    ordered.extend(order(shape))
    ordered.multiline(True)
    doc["statuses"]["order"] = ordered  # type: ignore[index]
    classes = doc["statuses"]["classes"]  # type: ignore[index]
    for name, cls in statuses(shape).items():
        if name not in classes:  # type: ignore[operator]
            classes[name] = cls  # type: ignore[index]
    return tomlkit.dumps(doc)


def status_id(name: str) -> str:
    """A Jira status id for a step (the sample's own statuses have theirs in ``workflow``)."""
    return wf.STATUS_IDS.get(name) or str(20000 + zlib.crc32(name.encode()) % 10000)


def status_category(name: str) -> str:
    if name in wf.STATUS_CATEGORY:
        return wf.STATUS_CATEGORY[name]
    return "indeterminate"  # a step of a work status


def team_id(name: str) -> str:
    return str(30000 + zlib.crc32(name.encode()) % 10000)


def widen(stream: Iterator[SimItem], shape: Shape) -> Iterator[SimItem]:
    """The simulated items in the bigger organisation (module docstring)."""
    if shape.is_base:
        yield from stream
        return
    teams, by_work = sub_teams(shape), steps(shape)
    for it in stream:
        _rename_teams(it, teams)
        _split_work(it, by_work)
        it.checked = None  # measured again, on the item as written
        yield it


def _rename_teams(it: SimItem, teams: dict[str, list[str]]) -> None:
    def rename(team: object) -> object:
        if not isinstance(team, str) or len(teams[team]) == 1:
            return team
        names = teams[team]
        return names[zlib.crc32(f"{it.key}|{team}".encode()) % len(names)]

    for h in it.hists:
        h.changes = [
            (name, rename(old), rename(new)) if name == "team" else (name, old, new)
            for name, old, new in h.changes
        ]
    it.team = rename(it.team)  # type: ignore[assignment]


def _split_work(it: SimItem, by_work: dict[str, list[str]]) -> None:
    hists: list[Hist] = []
    start: tuple[int, str, str | None] | None = None  # (t, work status, author) of work
    for h in it.hists:
        status = next((new for name, _, new in h.changes if name == "status"), None)
        if status is None:
            hists.append(h)
            continue
        names = by_work.get(start[1], []) if start else []
        if start and len(names) > 1 and status in wf.ORDER and h.t - start[0] > len(names):
            t0, _, author = start
            span = h.t - t0
            for k in range(1, len(names)):
                it._next_id += 1
                step = Hist(
                    t0 + span * k // len(names),
                    it.issue_id * 1000 + it._next_id,
                    author,
                    [("status", names[k - 1], names[k])],
                )
                at = len(hists)
                while at > 0 and hists[at - 1].t > step.t:
                    at -= 1
                hists.insert(at, step)
            h.changes = [
                (name, names[-1], new) if name == "status" else (name, old, new)
                for name, old, new in h.changes
            ]
        hists.append(h)
        start = (h.t, status, h.author) if status in by_work else None
    it.hists = hists
