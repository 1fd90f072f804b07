"""The teams an analysis will see, before any analysis: what ``flowgap inspect`` lists.

Taken from the engine's own segments (:func:`.timeline.run_segments`), so each moment's team
follows the engine's one rule: the first of ``[teams] source`` that gives a team. An assignee
is thus a team only while no earlier source gives one (BPI Challenge 2013 lists 585 people
beside the 15 org lines its analysis uses).
"""

from __future__ import annotations

import ibis
import pyarrow.compute as pc

from ..config import Config
from ..errors import quoted
from ..model import Finding, LoadResult
from .as_of import microseconds, resolve_as_of
from .backend import connect
from .coded_events import coded_events
from .runner import RunContext
from .timeline import run_segments


def teams_seen(result: LoadResult, config: Config) -> dict[str, dict]:
    """Per team of a log with status history: its name, the first ``[teams] source`` that
    gave it anywhere, and how many distinct items had it in some segment."""
    backend = connect("duckdb")
    try:
        as_of = resolve_as_of(result, config)
        run = RunContext(
            result=result,
            config=config,
            as_of=as_of,
            as_of_us=microseconds(as_of),
            backend=backend,
            classes={},  # a segment's team does not depend on its class
            stall_us=None,
        )
        seg = run_segments(run, coded_events(run), team_source=True)
        seg = seg.filter(seg.team.notnull())
        sources = list(config.teams.source)
        rank = ibis.cases(*((seg.team_source == s, i) for i, s in enumerate(sources))).cast("int64")
        found = backend.to_arrow(
            seg.group_by("team").aggregate(items=seg.item.nunique(), rank=rank.min())
        )
    finally:
        backend.close()
    return {
        row["team"]: {"name": row["team"], "source": sources[row["rank"]], "items": row["items"]}
        for row in found.to_pylist()
    }


def _has_values(result: LoadResult, field: str) -> bool:
    events = result.events
    of_field = pc.equal(events.column("field"), field)
    return bool(pc.any(pc.and_(of_field, pc.is_valid(events.column("value")))).as_py())


def people_as_teams(result: LoadResult, config: Config) -> Finding | None:
    """A warning when no ``[teams] source`` before the assignee can give a team (no team
    field in the data, no status map, no assignee map) while assignees are known: every team
    is then a person, and the handoffs, team rankings and clusters are about people. On the
    public logs that is helpdesk, BPI Challenge 2012, the running example and Jira exports
    without a team field; their reports named "Value 2" or "11181" as teams."""
    sources = config.teams.source
    if not result.has_history or "assignee" not in sources:
        return None
    before = sources[: sources.index("assignee")]
    if "status" in before and config.teams.status_map:
        return None
    if ("field" in before and _has_values(result, "team")) or not _has_values(result, "assignee"):
        return None
    mapped = config.teams.assignee_map if "assignee_map" in before else {}
    if mapped:
        # Those the map leaves out are still teams by themselves (2 of helpdesk's 22 people
        # mapped left 20 ranked and proposed for merging as teams, without a word).
        events = result.events
        people = pc.unique(
            pc.filter(events.column("value"), pc.equal(events.column("field"), "assignee"))
        ).to_pylist()
        left = sorted(p for p in people if p is not None and p not in mapped)
        if not left:
            return None
        named = ", ".join(quoted(p) for p in left[:3]) + (" ..." if len(left) > 3 else "")
        return Finding(
            "teams_are_people",
            f"{len(left):,} of {len(left) + len(set(people) & set(mapped)):,} people are not"
            f" in [teams] assignee_map ({named}): each of them counts as a team of one in the"
            " handoffs, the teams' ranking and the team clusters. Map them to their teams, or"
            " name the team in the input.",
        )
    return Finding(
        "teams_are_people",
        "No team field, status map or assignee map gives a team: each person (the assignee;"
        " org:resource in XES) counts as a team, so the handoffs, the teams' ranking and the"
        " team clusters are between people. To analyse teams, name the team in the input"
        " ([input.jira] team_field, [input.xes] team_attribute such as a work-group"
        " attribute, [input.csv] team, [input.transitions] team) or map people to teams in"
        " [teams] assignee_map.",
    )
