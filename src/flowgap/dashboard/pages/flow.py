"""Flow: lead time, flow-efficiency distribution, cumulative flow, throughput and trends."""

from __future__ import annotations

from dash import html

from ... import figures
from ..components import figure as graph
from ..data import View
from .common import missing

NAME, PATH, TITLE = "flow", "/flow", "Flow"


def layout(view: View, search: str) -> html.Div:
    gap = missing(view)
    if gap is not None:
        return html.Div([html.H1("Flow"), gap])
    a = view.analysis
    assert a is not None
    return html.Div(
        [
            html.H1("Flow"),
            graph(figures.lead_time_scatter(a.items), "lead-time-scatter"),
            graph(figures.flow_efficiency_histogram(a.items), "flow-efficiency-histogram"),
            graph(figures.cumulative_flow(a.daily), "cumulative-flow"),
            html.Div(
                [
                    graph(figures.throughput_trend(a.weekly), "throughput-trend"),
                    graph(figures.flow_efficiency_trend(a.weekly), "flow-efficiency-trend"),
                ],
                className="two-col",
            ),
        ]
    )
