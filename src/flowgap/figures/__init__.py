"""Plotly figures of an analysis: pure functions of the engine's tables, shared by the HTML
report and the dashboard.

Every builder takes tables (``pyarrow.Table`` or ``pandas.DataFrame`` with the columns of
``engine/schemas.py``) and returns a ``plotly.graph_objects.Figure``. No I/O, no randomness:
the same tables give the same figure. An empty table gives a figure that says so instead of
raising. Ticket text shown in hover labels is HTML-escaped, because plotly interprets a subset
of HTML in labels.

One module per kind of picture: ``wait_bars`` (wait versus touch by status and team),
``process_maps`` (handoff graph, status map, the status layout), ``distributions`` (lead time,
flow efficiency, ageing WIP), ``trends`` (cumulative flow, weekly throughput and flow
efficiency), ``journeys`` (item swimlanes), ``steering`` (touches per meeting),
``time_shares`` (where the elapsed time went); ``style`` holds the colours and helpers they
share; ``teams`` decides which teams a chart shows by name and their colours, ``statuses`` the
workflow order and colours of statuses.

Stable names (the reports and the dashboard import them from ``flowgap.figures``)::

    wait_by_status(stages)                  wait_by_team(teams, scope)
    handoff_graph(handoffs)                 status_map(status_map, status_classes=None)
    handoff_matrix(handoffs)
    lead_time_scatter(items, log_scale)     cycle_time_scatter(items, log_scale)
    flow_efficiency_histogram(items)
    cumulative_flow(daily, statuses)        ageing_wip(items, statuses)
    item_journeys(timeline, items, n=10, touches, teams)
    steering_touches(touches)
    longest_waiting(items, n=10)
    throughput_trend(weekly)                flow_efficiency_trend(weekly)
    time_shares(shares, previous=None)
    forecast_dates(forecast["when"])        whatif_before_after(whatif_result)
    team_scope(teams, n)                    status_scope(status_classes, status_map, order)
"""

from __future__ import annotations

from .decisions import forecast_dates, whatif_before_after
from .distributions import (
    ageing_wip,
    cycle_time_scatter,
    flow_efficiency_histogram,
    lead_time_scatter,
)
from .journeys import item_journeys, longest_waiting
from .process_maps import handoff_graph, handoff_matrix, status_layers, status_map
from .statuses import StatusScope, status_scope
from .steering import steering_touches
from .style import CLASS_COLOURS, CLASS_ORDER, TEAM_COLOURS, empty_figure
from .teams import OTHER, TeamScope, handoffs_shown, team_scope
from .time_shares import time_shares
from .trends import cumulative_flow, flow_efficiency_trend, throughput_trend
from .wait_bars import wait_by_status, wait_by_team

__all__ = [
    "CLASS_COLOURS",
    "CLASS_ORDER",
    "OTHER",
    "TEAM_COLOURS",
    "StatusScope",
    "TeamScope",
    "ageing_wip",
    "cumulative_flow",
    "cycle_time_scatter",
    "empty_figure",
    "flow_efficiency_histogram",
    "flow_efficiency_trend",
    "forecast_dates",
    "handoff_graph",
    "handoff_matrix",
    "handoffs_shown",
    "item_journeys",
    "lead_time_scatter",
    "longest_waiting",
    "status_layers",
    "status_map",
    "status_scope",
    "steering_touches",
    "team_scope",
    "throughput_trend",
    "time_shares",
    "wait_by_status",
    "wait_by_team",
    "whatif_before_after",
]
