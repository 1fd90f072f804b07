"""The engine's entry: a loaded log -> an :class:`Analysis` of every item.

The steps are those of the table modules (each declares its own ``STEPS``); the order comes
from what each needs (:mod:`.runner`). Layers above the engine add their steps (the process
maps of :mod:`flowgap.mining`) through ``extra_steps``: the engine never imports them.
"""

from __future__ import annotations

from collections.abc import Sequence

from ..config import Config
from ..model import Finding, LoadResult
from ..time_span import check_as_of
from ..units import US
from . import (
    coded_events,
    daily,
    findings,
    handoffs,
    items,
    stages,
    status_classes,
    steering,
    steering_touches,
    stints,
    summary,
    teams,
    teams_seen,
    time_shares,
    timeline,
)
from .analysis import Analysis
from .as_of import as_of_warnings, microseconds, resolve_as_of
from .backend import connect
from .parquet_source import ParquetSource, event_count, read_input
from .runner import RunContext, Scope, Step, compute_rows

#: Every step of the engine.
STEPS: list[Step] = [
    *coded_events.STEPS,
    *timeline.STEPS,
    *stints.STEPS,
    *items.STEPS,
    *stages.STEPS,
    *teams.STEPS,
    *handoffs.STEPS,
    *daily.STEPS,
    *status_classes.STEPS,
    *steering_touches.STEPS,
    *steering.STEPS,
    *summary.STEPS,
    *findings.STEPS,
    *time_shares.STEPS,
]


def analyze(
    result: LoadResult | ParquetSource,
    config: Config,
    *,
    engine: str = "duckdb",
    extra_steps: Sequence[Step] = (),
) -> Analysis:
    """Compute the per-item rows of every step for ``result``; the aggregates follow on
    first read (:class:`Analysis`).

    ``result`` is a loaded log, or (``--engine spark``) canonical Parquet the cluster reads
    itself (:mod:`.parquet_source`): then the events never come to this process."""
    backend = connect(engine, config.engine.spark)
    try:
        result = read_input(result, backend)
        if config.flow.as_of is not None:
            check_as_of(config.flow.as_of, result)
        as_of = resolve_as_of(result, config)
        as_of_us = microseconds(as_of)
        stall = config.flow.stall_after_s
        moves = status_classes.status_moves(result)
        classes = status_classes.classes_of(result, config, moves)
        run = RunContext(
            result=result,
            config=config,
            as_of=as_of,
            as_of_us=as_of_us,
            backend=backend,
            classes=classes,
            stall_us=None if stall is None else round(stall * US),
        )
        steps = [*STEPS, *extra_steps]
        rows = compute_rows(steps, run)
    finally:
        backend.close()
    scope = Scope(
        config=config,
        as_of=as_of,
        as_of_us=as_of_us,
        has_history=result.has_history,
        inputs=result.inputs,
        events=event_count(result),
        status_categories=dict(result.status_categories),
        classes=classes,
    )
    fe = summary.median_flow_efficiency(rows["items"]) if "items" in rows else None
    held = status_classes.time_held(rows["visits"]) if "visits" in rows else None
    people = teams_seen.people_as_teams(result, config) if isinstance(result, LoadResult) else None
    warnings: list[Finding] = [
        # first: a wrong class makes every number wrong, and stderr shows the first few only
        *status_classes.class_warnings(classes, config, moves, fe, held),
        *result.warnings,
        *([people] if people is not None else []),
        *as_of_warnings(result, config, as_of),
        *steering.steering_warnings(rows["steering_touches"], config),
    ]
    return Analysis.of_rows(
        rows, steps, scope, engine=engine, warnings=warnings, rejects=len(result.rejects)
    )
