"""Decisions: recommended actions, items in trouble against their service level expectation,
the forecast, and a what-if panel. The numbers come from ``flowgap.decisions`` on the view's
analysis (the filtered selection): this page renders, it does not compute a rule of its own."""

from __future__ import annotations

from dash import Dash, Input, Output, State, dcc, html, no_update

from ... import figures
from ...decisions.headline import decide
from ...engine.analysis import Analysis
from ...errors import UsageError
from ...report import tables
from ...report.fmt import NEEDS_HISTORY, actions_window, forecast_lines, why_empty
from ..components import card, fmt_days, note, section, table_grid
from ..components import figure as graph
from ..data import DataService, View
from .common import current_view, missing

NAME, PATH, TITLE = "decisions", "/decisions", "Decisions"


def layout(view: View, search: str) -> html.Div:
    gap = missing(view)
    if gap is not None:
        return html.Div([html.H1("Decisions"), gap])
    a = view.analysis
    assert a is not None
    decided = decide(a)
    wip = decided["summary"]["wip"]

    def count(value: object) -> str:
        # Work in progress counts from commitments, which only a status history has.
        return str(value) if a.has_history else NEEDS_HISTORY

    children: list = [
        html.H1("Decisions"),
        html.Div(
            [
                card(
                    "In progress",
                    count(wip["current"]),
                    "dec-wip",
                    # beside the Overview's "open", which counts the backlog too
                    "committed, not yet done" if a.has_history else "",
                ),
                card("Past their SLE", count(wip["over_sle"]), "dec-over-sle"),
                card("In trouble", count(wip["in_trouble"]), "dec-in-trouble"),
            ],
            className="cards",
        ),
    ]
    actions, why = decided["actions"], decided["why_empty"]
    window = actions_window(actions)
    children.append(
        section(
            "Recommended actions",
            *([html.P(window, id="actions-window")] if window else []),
            html.Ol([html.Li(x["text"]) for x in actions], id="actions")
            if actions
            else html.P(why_empty("recommended action", why["actions"]), id="actions-empty"),
        )
    )
    trouble = decided["in_trouble"].to_pylist()
    children.append(
        section(
            "Items in trouble",
            html.P(
                "Open items past the service level expectation (SLE) of their type, or unlikely"
                " to finish within it given their age."
            ),
            table_grid("in-trouble", tables.IN_TROUBLE, trouble, height=320),
            table_grid(
                "service-levels",
                tables.SERVICE_LEVELS,
                decided["service_levels"].to_pylist(),
                height=240,
            ),
        )
    )
    fc = decided["forecast"]
    if fc is None:
        children.append(section("Forecast", note(why_empty("forecast", why["forecast"]), "info")))
    else:
        # The report's lines: when the items in progress will be done (the dates of the
        # chart below, which no text gave), how many by a date, and on what data.
        in_trouble = decided["summary"]["wip"].get("in_trouble")
        lines = [
            line.removeprefix("- ")
            for line in forecast_lines(fc, in_trouble)
            if line.startswith("- ")
        ]
        children.append(
            section(
                "Forecast",
                html.Ul([html.Li(line) for line in lines], id="forecast-by"),
                graph(figures.forecast_dates(fc["when"], _no_dates(wip)), "forecast-dates"),
            )
        )
    children.append(_whatif_panel(a))
    return html.Div(children)


def _no_dates(wip: dict) -> str:
    """Why there is no date for the work in progress (``forecast_and_reason`` gives none
    without WIP, or past the longest horizon); the figure alone could not tell which."""
    if not wip["current"]:
        return "No work in progress: no completion dates to forecast."
    return (
        f"The {wip['current']:,} items in progress would take longer than the longest"
        " forecast horizon: no completion dates."
    )


def _whatif_panel(a: Analysis) -> html.Section:
    statuses = sorted({s for s in a.timeline["status"].to_pylist() if s})
    teams = sorted({t for t in a.timeline["team"].to_pylist() if t})
    return section(
        "What if",
        html.Div(
            [
                html.Label("Shrink the waiting in"),
                dcc.Dropdown(statuses, id="whatif-status", placeholder="a status"),
                html.Label("to (% of today's)"),
                dcc.Slider(0, 100, 10, value=50, id="whatif-share"),
                html.Label("Merge teams"),
                dcc.Dropdown(teams, id="whatif-teams", multi=True, placeholder="two teams"),
                html.Button("Simulate", id="whatif-go"),
            ],
            className="whatif-form",
        ),
        html.Div(id="whatif-result"),
    )


def whatif_result(
    a: Analysis, status: str | None, share: float | None, teams: list[str] | None
) -> html.Div:
    """The what-if panel's answer for the picked change (a note when the pick is incomplete)."""
    from ...decisions.whatif import parse_change, whatif

    statuses = {s for s in a.timeline["status"].to_pylist() if s}
    known_teams = {t for t in a.timeline["team"].to_pylist() if t}
    shrink = [f"{status}={share or 0:g}%"] if status else []
    merge = ["+".join(teams)] if teams else []
    try:
        change = parse_change(shrink, [], merge, statuses, known_teams)
        result = whatif(a, change, per_item=True)
    except UsageError as err:
        return note(str(err).split(": ", 1)[-1], "warning", id="whatif-error")
    lead = result["lead_time"]
    return html.Div(
        [
            html.P(
                f"{'; '.join(result['changes'])}: lead time p85 "
                f"{fmt_days(lead['before']['p85'])} -> {fmt_days(lead['after']['p85'])}"
                f" over {result['items']} delivered items.",
                id="whatif-summary",
            ),
            graph(figures.whatif_before_after(result), "whatif-figure"),
            html.P("Assuming " + "; ".join(result["assumptions"]) + "."),
        ]
    )


def register(app: Dash, service: DataService) -> None:
    @app.callback(
        Output("whatif-result", "children"),
        Input("whatif-go", "n_clicks"),
        State("whatif-status", "value"),
        State("whatif-share", "value"),
        State("whatif-teams", "value"),
        State("url", "search"),
        prevent_initial_call=True,
    )
    def simulate(_clicks, status, share, teams, search):
        view = current_view(service, search)
        if view.analysis is None:
            return no_update
        return whatif_result(view.analysis, status, share, teams)
