"""The teams an analysis will see, before any analysis: what ``flowgap inspect`` lists.

Taken from the engine's own segments (:func:`.timeline.run_segments`), so each moment's team
follows the engine's one rule: the first of ``[teams] source`` that gives a team. An assignee
is thus a team only while no earlier source gives one (BPI Challenge 2013 lists 585 people
beside the 15 org lines its analysis uses).
"""

from __future__ import annotations

import ibis

from ..config import Config
from ..model import LoadResult
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
