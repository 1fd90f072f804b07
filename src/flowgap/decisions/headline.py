"""What the reports and the dashboard show of the decisions layer, from one analysis (or a
selection of it): the summary and findings with the decisions' additions, the service levels,
the items in trouble, the forecasts and the recommended actions.

The engine's summary gets the decisions' metrics of the registry (``wip.over_sle``,
``wip.in_trouble``: ``engine/summary_metrics.py`` declares them, this layer fills them), so
``--fail-on "wip.over_sle > 5"`` and the baseline comparison read them like any other.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pyarrow as pa

from ..engine.findings import rank
from ..engine.summary_metrics import complete
from ..errors import UsageError
from . import service_level
from .forecast import forecast_by, forecast_when

#: The report's "how many by" forecast looks this many days ahead of ``as_of``.
BY_DAYS = 28


def decided_summary(analysis: Any, wip: pa.Table) -> dict:
    over = int(sum(bool(v) for v in wip["over_sle"].to_pylist()))
    trouble = int(service_level.is_in_trouble(wip, analysis.config).sum())
    return complete(analysis.summary, {"wip.over_sle": over, "wip.in_trouble": trouble})


def decided_findings(analysis: Any, wip: pa.Table) -> list[dict]:
    if not analysis.has_history:
        return analysis.findings
    return rank([*analysis.findings, *service_level.trouble_finding(wip, analysis.config)])


def report_forecast(analysis: Any) -> dict | None:
    """When the current WIP will be done (None when it would take longer than the longest
    forecast horizon), and how many items in the next four weeks; None when nothing was
    delivered in the window (nothing to sample)."""
    items, as_of, config = analysis.items, analysis.as_of, analysis.config
    wip = int(analysis.summary["wip"]["current"] or 0)
    try:
        by = forecast_by(items, as_of, config, (as_of + timedelta(days=BY_DAYS)).date())
    except UsageError:
        return None
    try:
        when = forecast_when(items, as_of, config, wip) if wip else None
    except UsageError:  # the WIP takes longer than the longest forecast horizon
        when = None
    return {"when": when, "by": by}


def decide(analysis: Any) -> dict:
    """Everything the reports add from the decisions layer, as plain data."""
    from .actions import recommended_actions

    wip = service_level.wip_ages(analysis.items, analysis.timeline, analysis.config)
    return {
        "summary": decided_summary(analysis, wip),
        "findings": decided_findings(analysis, wip),
        "service_levels": service_level.service_levels(analysis.items, wip, analysis.config),
        "in_trouble": service_level.in_trouble(wip, analysis.config),
        "forecast": report_forecast(analysis) if analysis.has_history else None,
        "actions": recommended_actions(analysis) if analysis.has_history else [],
    }
