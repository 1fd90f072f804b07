"""Bottlenecks: where the wait is (status, team), the process map and the handoff graph, WIP."""

from __future__ import annotations

import logging

import dash_cytoscape as cyto
import pyarrow as pa
import pyarrow.compute as pc
from dash import Dash, Input, Output, State, ctx, dcc, html, no_update

from ... import figures
from ...figures.teams import TeamScope, handoffs_shown
from ...mining.handoff_network import team_layers
from ...mining.process_maps import busiest_map, filtered_map
from ...report import tables
from ..chart_scope import no_team_note, statuses_of, teams_of
from ..components import GRID_ROWS, WEBGL_ABOVE, grid_data, section, table_grid
from ..components import figure as graph
from ..cyto import (
    HANDOFF_LAYOUT,
    STATUS_LAYOUT,
    STYLESHEET,
    handoff_elements,
    items_for_tap,
    status_elements,
)
from ..data import DataService, View
from .common import current_view, item_rows, missing
from .social_network import social_section

NAME, PATH, TITLE = "bottlenecks", "/bottlenecks", "Bottlenecks"
log = logging.getLogger("flowgap.dashboard")

#: Teams the handoff graph shows at first (the busiest; the rest are folded into "other").
cyto.load_extra_layouts()


def status_graph(a: object, view: str, activities: float, paths: float) -> list[dict]:
    """The status map's elements in one view, after pm4py's activity and path filtering,
    top-down in the order of the intended workflow (as in the report's drawing)."""
    full, stages = a.status_map, a.stages  # type: ignore[attr-defined]
    shown = busiest_map(filtered_map(full, a.status_visits, activities, paths))  # type: ignore[attr-defined]
    if shown is not full:  # the statuses filtered out are no nodes either
        present = pa.array(sorted(set(shown["source"].to_pylist() + shown["target"].to_pylist())))
        stages = stages.filter(pc.is_in(stages["status"], value_set=present))
    workflow = a.conformance["workflow"]  # type: ignore[attr-defined]
    # A new filter gives new ids, so the map is laid out afresh in workflow order.
    key = "" if (activities, paths) == (1.0, 1.0) else f"-{activities:g}-{paths:g}"
    return status_elements(shown, stages, view, workflow, key)


def map_height(elements: list[dict]) -> int:
    """Pixels of the status map's canvas: about one row per status of the workflow (dagre
    gives each its layer), so that its labels stay readable."""
    layers = sum(1 for e in elements if e["data"].get("kind") == "order") + 2
    return max(420, min(1400, 60 + 70 * layers))


def _percent_slider(id: str, label: str) -> html.Div:
    return html.Div(
        [
            html.Label(label),
            dcc.Slider(
                id=id,
                min=10,
                max=100,
                step=5,
                value=100,
                marks={10: "10%", 50: "50%", 100: "100%"},
                tooltip={"placement": "bottom", "always_visible": False},
            ),
        ],
        className="slider-row",
    )


def _mining_section(a: object) -> html.Section:
    """Variants, conformance and team clusters of the selection, with their findings."""
    variants, conformance, clusters = (
        a.variants,  # type: ignore[attr-defined]
        a.conformance,  # type: ignore[attr-defined]
        a.team_clusters,  # type: ignore[attr-defined]
    )
    findings = [f for f in (conformance["finding"], clusters["finding"]) if f]
    return section(
        "Variants, conformance, team clusters",
        *[html.P(text, className="finding") for text in findings],
        html.H3(
            f"Most frequent paths ({variants['distinct']:,} distinct among "
            f"{variants['items']:,} items)"
        ),
        table_grid("variants", tables.VARIANTS, variants["top"]),
        html.H3(
            f"Deviations from the workflow ({conformance['workflow_source']}: "
            + " → ".join(conformance["workflow"])
            + ")"
        ),
        table_grid("deviations", tables.DEVIATIONS, conformance["deviations"]),
        html.H3("Teams that hand work mostly among themselves"),
        table_grid("team-clusters", tables.TEAM_CLUSTERS, clusters["clusters"]),
        id="mining",
    )


def team_graph(a: object, scope: TeamScope) -> tuple[list[dict], object]:
    """The handoff graph's elements and from-to matrix: the teams every team chart shows by
    name (``scope``, the busiest over the whole analysis), the others folded into "other",
    each node in its team's colour."""
    edges, folded = handoffs_shown(
        a.handoffs,  # type: ignore[attr-defined]
        lambda: a.value("handoff_rows"),  # type: ignore[attr-defined]
        scope,
    )
    keep = scope.shown if folded else None
    layers = team_layers(a.timeline, a.conformance["workflow"], keep)  # type: ignore[attr-defined]
    return (
        handoff_elements(edges, a.teams, folded=folded, layers=layers, colour=scope.colour),  # type: ignore[attr-defined]
        figures.handoff_matrix(edges),
    )


def _all_text(total: int) -> str:
    if total > GRID_ROWS:
        return (
            f"All {total} items of the current filters; the table shows the {GRID_ROWS}"
            " that waited longest."
        )
    return "All items of the current filters."


LEGEND = (
    "Edge width = how often, colour = median wait (green short, red the slowest edge),"
    " dashed = ping-pong (work came back). Click a node or an edge to list its items below."
)


def _graph(id: str, elems: list[dict], layout: str | dict, height: int = 420) -> cyto.Cytoscape:
    layout = {"name": layout} if isinstance(layout, str) else layout
    return cyto.Cytoscape(
        id=id,
        elements=elems,
        stylesheet=STYLESHEET,
        layout={**layout, "animate": False, "fit": True, "padding": 30},
        style={"width": "100%", "height": f"{height}px"},
        minZoom=0.3,
        maxZoom=3,
        userZoomingEnabled=True,
        className="cyto",
    )


def layout(view: View, search: str) -> html.Div:
    gap = missing(view)
    if gap is not None:
        return html.Div([html.H1("Bottlenecks"), gap])
    a = view.analysis
    assert a is not None
    scope = teams_of(view, search)
    elements, matrix = team_graph(a, scope)
    status_map = status_graph(a, "frequency", 1.0, 1.0)
    return html.Div(
        [
            html.H1("Bottlenecks"),
            no_team_note(view),
            html.Div(
                [
                    graph(figures.wait_by_status(a.stages), "wait-by-status"),
                    graph(figures.wait_by_team(a.teams, scope), "wait-by-team"),
                ],
                className="two-col",
            ),
            section(
                "Team handoff graph",
                html.P(LEGEND, className="legend"),
                html.P(
                    f"The {len(scope.shown)} busiest teams of all the data by name, in the colours"
                    ' of every team chart; the rest as one node (set how many with "Teams'
                    ' shown" above).',
                    className="legend",
                ),
                html.Div(
                    [
                        _graph("cy-handoffs", elements, HANDOFF_LAYOUT, height=620),
                        graph(matrix, "handoff-matrix"),
                    ],
                    className="map-and-matrix",
                ),
            ),
            section(
                "Status process map",
                html.P(LEGEND, className="legend"),
                dcc.RadioItems(
                    id="status-view",
                    options=[
                        {"label": "Frequency (width = how often)", "value": "frequency"},
                        {"label": "Performance (width = median time)", "value": "performance"},
                    ],
                    value="frequency",
                    inline=True,
                ),
                _percent_slider("status-activities", "Statuses shown (most visited first)"),
                _percent_slider("status-paths", "Paths shown (most taken first)"),
                _graph("cy-status", status_map, STATUS_LAYOUT, height=map_height(status_map)),
            ),
            _mining_section(a),
            social_section(a),
            section(
                "Items",
                html.Div(
                    [
                        html.Span(_all_text(a.items.num_rows), id="selection"),
                        html.Button("Show all", id="selection-clear", n_clicks=0),
                    ],
                    className="selection-row",
                ),
                table_grid("bottleneck-items", tables.ITEMS, item_rows(a.items)[:GRID_ROWS]),
            ),
            section(
                "Work in progress and its age",
                graph(
                    figures.ageing_wip(a.items, statuses_of(view), webgl_above=WEBGL_ABOVE),
                    "ageing-wip",
                ),
                table_grid(
                    "stages",
                    tables.STAGES,
                    tables.by_wait(a.stages.to_pylist(), "wait_s", "status"),
                ),
            ),
        ]
    )


def register(app: Dash, service: DataService) -> None:
    @app.callback(
        Output("cy-status", "elements"),
        Input("status-view", "value"),
        Input("status-activities", "value"),
        Input("status-paths", "value"),
        State("url", "search"),
        prevent_initial_call=True,
    )
    def on_status_view(map_view, activities, paths, search):
        view = current_view(service, search)
        if view.analysis is None:
            return no_update
        return status_graph(
            view.analysis, map_view or "frequency", (activities or 100) / 100, (paths or 100) / 100
        )

    @app.callback(
        Output({"type": "grid", "name": "bottleneck-items"}, "rowData"),
        Output("selection", "children"),
        Input("cy-handoffs", "tapNodeData"),
        Input("cy-handoffs", "tapEdgeData"),
        Input("cy-status", "tapNodeData"),
        Input("cy-status", "tapEdgeData"),
        Input("selection-clear", "n_clicks"),
        State("url", "search"),
        prevent_initial_call=True,
    )
    def on_tap(hn, he, sn, se, _clear, search):
        if not ctx.triggered:
            return no_update, no_update
        view = current_view(service, search)
        a = view.analysis
        if a is None:
            return no_update, no_update
        prop = ctx.triggered[0]["prop_id"]
        if prop.startswith("selection-clear"):
            rows, text = item_rows(a.items), _all_text(a.items.num_rows)
        else:
            data = ctx.triggered[0]["value"] or {}
            what, keys = items_for_tap(data, a.timeline, a.handoff_events)
            if not what:  # not a node or an edge that stands for items
                return no_update, no_update
            rows = item_rows(a.items, keys)
            text = f"{len(rows)} {what}."
            if len(rows) > GRID_ROWS:
                text += f" The table shows the {GRID_ROWS} that waited longest."
        return grid_data(tables.ITEMS, rows[:GRID_ROWS]), text
