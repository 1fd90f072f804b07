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


#: Why the decisions need what a log without status history lacks.
NO_HISTORY = "it needs status history (when work was committed and delivered)"


def report_forecast(analysis: Any) -> dict | None:
    """When the current WIP will be done (None when it would take longer than the longest
    forecast horizon), and how many items in the next four weeks; None when nothing was
    delivered in the window (nothing to sample)."""
    return forecast_and_reason(analysis)[0]


def forecast_and_reason(analysis: Any) -> tuple[dict | None, str | None]:
    """The report's forecast, and when there is none, why (one clause, lower case)."""
    if not analysis.has_history:
        return None, NO_HISTORY
    items, as_of, config = analysis.items, analysis.as_of, analysis.config
    wip = int(analysis.summary["wip"]["current"] or 0)
    try:
        by = forecast_by(items, as_of, config, (as_of + timedelta(days=BY_DAYS)).date())
    except UsageError as err:
        return None, str(err)
    try:
        when = forecast_when(items, as_of, config, wip) if wip else None
    except UsageError:  # the WIP takes longer than the longest forecast horizon
        when = None
    return {"when": when, "by": by}, None


def decide(analysis: Any) -> dict:
    """Everything the reports add from the decisions layer, as plain data."""
    from .actions import actions_and_reason

    wip = service_level.wip_ages(analysis.items, analysis.timeline, analysis.config)
    forecast, no_forecast = forecast_and_reason(analysis)
    actions, no_actions = actions_and_reason(analysis) if analysis.has_history else ([], NO_HISTORY)
    return {
        "summary": decided_summary(analysis, wip),
        "findings": decided_findings(analysis, wip),
        "service_levels": service_level.service_levels(analysis.items, wip, analysis.config),
        "in_trouble": service_level.in_trouble(wip, analysis.config),
        "forecast": forecast,
        "actions": actions,
        # One line each for the reports and the dashboard: an empty section says why.
        "why_empty": {
            "forecast": no_forecast,
            "actions": no_actions,
            "in_trouble": _no_trouble(analysis, wip),
            "service_levels": None if analysis.has_history else NO_HISTORY,
        },
    }


def _no_trouble(analysis: Any, wip: pa.Table) -> str | None:
    """Why no item is in trouble, or None when some are."""
    if not analysis.has_history:
        return NO_HISTORY
    if service_level.is_in_trouble(wip, analysis.config).any():
        return None
    chance = analysis.config.service_level.min_chance
    return (
        f"no open item is past the service level expectation of its type or under {chance:.0%}"
        " chance to finish within it"
    )
