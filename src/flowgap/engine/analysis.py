"""The result of an analysis: every table of ``schemas.TABLES`` plus the headline summary.

``summary`` is a nested dict of metric groups; threshold expressions address it by path
(``flow_efficiency.median``, ``lead_time.p85``, ``handoffs.mean``,
``wait_share.status['Ready for QA']``). Its keys::

    items: {total, open, delivered, with_history}
    flow_efficiency: {median, pooled, median_work, pooled_work}      # ratios 0..1
    lead_time: {p50, p85, p95, mean}                                 # seconds
    cycle_time: {p50, p85, p95, mean}                                # seconds
    touch: {total_s, median_s}
    wait: {total_s, median_s}
    handoffs: {mean, median, total, ping_pongs}
    steering_touches: {total, per_item, items, meeting_minutes}
    rework: {mean, total}
    wip: {current, median_age_s}
    throughput: {per_week}
    wait_share: {status: {name: share}, team: {name: share}}        # ratios 0..1
    period: {first_ts, last_ts, as_of}                               # ISO strings

``findings`` is a list ranked by impact, each
``{"rank", "kind", "subject", "impact_s", "text", "item"}``; kinds include ``flow``,
``bottleneck_status``, ``bottleneck_team``, ``bottleneck_handoff``, ``ping_pong``,
``steering`` and ``worst_item`` (the "week of work took months" stories).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

import pyarrow as pa

from ..config import Config
from ..model import Finding, InputSummary, LoadResult


@dataclass
class Analysis:
    config: Config
    as_of: datetime
    engine: str
    has_history: bool
    inputs: list[InputSummary]
    warnings: list[Finding]
    rejects: int
    summary: dict
    findings: list[dict]
    timeline: pa.Table
    stints: pa.Table
    items: pa.Table
    stages: pa.Table
    teams: pa.Table
    handoffs: pa.Table
    handoff_events: pa.Table
    daily: pa.Table
    daily_totals: pa.Table
    weekly: pa.Table
    steering_touches: pa.Table
    steering_meetings: pa.Table
    steering_comparison: pa.Table
    status_classes: pa.Table
    status_map: pa.Table
    handoff_graph: pa.Table
    team_centrality: pa.Table
    #: Ping-pong cycles of the handoff graph (edges both ways): [["Dev", "QA"], ...].
    ping_pong_cycles: list[list[str]] = field(default_factory=list)

    def table(self, name: str) -> pa.Table:
        return getattr(self, name)


def run_analysis(result: LoadResult, config: Config, *, engine: str = "duckdb") -> Analysis:
    """Run the engine layers and the process mining. Implemented in ``engine.pipeline``."""
    from .pipeline import run

    return run(result, config, engine=engine)
