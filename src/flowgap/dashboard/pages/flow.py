"""Flow: lead and cycle time (on a linear or a log scale), flow-efficiency distribution,
cumulative flow, throughput and trends."""

from __future__ import annotations

from dash import Dash, Input, Output, State, dcc, html, no_update

from ... import figures
from ..chart_scope import statuses_of
from ..components import WEBGL_ABOVE
from ..components import figure as graph
from ..data import DataService, View
from .common import current_view, missing

NAME, PATH, TITLE = "flow", "/flow", "Flow"


def _scale_switch() -> dcc.Checklist:
    return dcc.Checklist(
        id="time-log",
        options=[{"label": " Log scale for lead and cycle time", "value": "log"}],
        value=[],
        inline=True,
        className="time-scale",
    )


def layout(view: View, search: str) -> html.Div:
    gap = missing(view)
    if gap is not None:
        return html.Div([html.H1("Flow"), gap])
    a = view.analysis
    assert a is not None
    return html.Div(
        [
            html.H1("Flow"),
            _scale_switch(),
            html.Div(
                [
                    graph(
                        figures.lead_time_scatter(a.items, webgl_above=WEBGL_ABOVE),
                        "lead-time-scatter",
                    ),
                    graph(
                        figures.cycle_time_scatter(a.items, webgl_above=WEBGL_ABOVE),
                        "cycle-time-scatter",
                    ),
                ],
                className="two-col",
            ),
            graph(figures.flow_efficiency_histogram(a.items), "flow-efficiency-histogram"),
            graph(figures.cumulative_flow(a.daily, statuses_of(view)), "cumulative-flow"),
            html.Div(
                [
                    graph(figures.throughput_trend(a.weekly), "throughput-trend"),
                    graph(figures.flow_efficiency_trend(a.weekly), "flow-efficiency-trend"),
                ],
                className="two-col",
            ),
        ]
    )


def register(app: Dash, service: DataService) -> None:
    @app.callback(
        Output({"type": "figure", "name": "lead-time-scatter"}, "figure"),
        Output({"type": "figure", "name": "cycle-time-scatter"}, "figure"),
        Input("time-log", "value"),
        State("url", "search"),
        prevent_initial_call=True,
    )
    def on_scale(scale, search):
        view = current_view(service, search)
        if view.analysis is None:
            return no_update, no_update
        log_scale = "log" in (scale or [])
        items = view.analysis.items
        return (
            figures.lead_time_scatter(items, log_scale=log_scale, webgl_above=WEBGL_ABOVE),
            figures.cycle_time_scatter(items, log_scale=log_scale, webgl_above=WEBGL_ABOVE),
        )
