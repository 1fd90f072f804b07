"""Flow: lead and cycle time (on a linear or a log scale), flow-efficiency distribution,
cumulative flow, throughput and trends. A filter change updates the figures in place
(``UPDATES_IN_PLACE``: see :func:`.common.updates_in_place`)."""

from __future__ import annotations

import plotly.graph_objects as go
from dash import Dash, Input, Output, State, ctx, dcc, html, no_update

from ... import figures
from ..chart_scope import statuses_of
from ..components import WEBGL_ABOVE
from ..components import figure as graph
from ..data import DataService, View
from .common import current_view, drawn, missing, updates_in_place

NAME, PATH, TITLE = "flow", "/flow", "Flow"
UPDATES_IN_PLACE = True

#: The page's figures, in reading order (rows of one or two).
ROWS = (
    ("lead-time-scatter", "cycle-time-scatter"),
    ("flow-efficiency-histogram",),
    ("cumulative-flow",),
    ("throughput-trend", "flow-efficiency-trend"),
)
NAMES = tuple(name for row in ROWS for name in row)


def _scale_switch() -> dcc.Checklist:
    return dcc.Checklist(
        id="time-log",
        options=[{"label": " Log scale for lead and cycle time", "value": "log"}],
        value=[],
        inline=True,
        className="time-scale",
    )


def _times(view: View, log_scale: bool) -> tuple[go.Figure, go.Figure]:
    items = view.analysis.items  # type: ignore[union-attr]
    return (
        figures.lead_time_scatter(items, log_scale=log_scale, webgl_above=WEBGL_ABOVE),
        figures.cycle_time_scatter(items, log_scale=log_scale, webgl_above=WEBGL_ABOVE),
    )


def page_figures(view: View, log_scale: bool = False) -> dict[str, go.Figure]:
    """The page's figures by name (:data:`NAMES`)."""
    a = view.analysis
    assert a is not None
    lead, cycle = _times(view, log_scale)
    return {
        "lead-time-scatter": lead,
        "cycle-time-scatter": cycle,
        "flow-efficiency-histogram": figures.flow_efficiency_histogram(a.items),
        "cumulative-flow": figures.cumulative_flow(a.daily, statuses_of(view)),
        "throughput-trend": figures.throughput_trend(a.weekly),
        "flow-efficiency-trend": figures.flow_efficiency_trend(a.weekly),
    }


def layout(view: View, search: str) -> html.Div:
    gap = missing(view)
    if gap is not None:
        return html.Div([html.H1("Flow"), gap])
    shown = page_figures(view)
    rows = [
        html.Div([graph(shown[n], n) for n in row], className="two-col")
        if len(row) == 2
        else graph(shown[row[0]], row[0])
        for row in ROWS
    ]
    return html.Div([html.H1("Flow"), _scale_switch(), *rows])


def _figure_output(name: str, duplicate: bool = False) -> Output:
    return Output({"type": "figure", "name": name}, "figure", allow_duplicate=duplicate)


def register(app: Dash, service: DataService) -> None:
    @app.callback(
        _figure_output("lead-time-scatter"),
        _figure_output("cycle-time-scatter"),
        Input("time-log", "value"),
        State("url", "search"),
        prevent_initial_call=True,
    )
    def on_scale(scale, search):
        view = current_view(service, search)
        if view.analysis is None:
            return no_update, no_update
        return _times(view, "log" in (scale or []))

    @app.callback(
        *[_figure_output(n, duplicate=True) for n in NAMES],
        Input("url", "pathname"),
        Input("url", "search"),
        State("page-drawn", "data"),
        State("time-log", "value"),
        prevent_initial_call=True,
    )
    def on_filters(_pathname, search, before, scale):
        view = current_view(service, search)
        now = drawn(PATH, view, search)
        if not updates_in_place(PATH, before, now, set(ctx.triggered_prop_ids)):
            return [no_update] * len(NAMES)
        log_scale = "log" in (scale or [])
        shown = service.page(  # kept, like the pages, for the served data
            view, f"{NAME}-figures-{log_scale}", search or "", lambda: page_figures(view, log_scale)
        )
        return [shown[n] for n in NAMES]
