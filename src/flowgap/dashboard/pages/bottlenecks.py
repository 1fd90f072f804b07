"""Bottlenecks: where the wait is (status, team), the process map and the handoff graph, WIP.

A filter change updates the page in place (``UPDATES_IN_PLACE``: see
:func:`.common.updates_in_place`): :func:`parts` are what depends on the selection,
:data:`SLOTS` where each goes; the layout draws the same parts. Rebuilding the page instead
made the browser build its eight grids, four figures and two maps afresh (about 2 s).
"""

from __future__ import annotations

import logging
from typing import Any

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
from ..components import (
    GRID_ROWS,
    WEBGL_ABOVE,
    row_data,
    section,
    table_grid,
    table_row_data,
)
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
from .common import current_view, drawn, item_rows, missing, updates_in_place
from .social_network import GRIDS as SOCIAL_GRIDS
from .social_network import social_rows, social_section

NAME, PATH, TITLE = "bottlenecks", "/bottlenecks", "Bottlenecks"
UPDATES_IN_PLACE = True
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


def _figure_id(name: str) -> dict:
    return {"type": "figure", "name": name}


def _grid_id(name: str) -> dict:
    return {"type": "grid", "name": name}


#: Where each of :func:`parts` goes: a component's id and property.
SLOTS: dict[str, tuple[str | dict, str]] = {
    "wait-by-status": (_figure_id("wait-by-status"), "figure"),
    "wait-by-team": (_figure_id("wait-by-team"), "figure"),
    "team-legend": ("team-legend", "children"),
    "handoffs": ("cy-handoffs", "elements"),
    "handoff-matrix": (_figure_id("handoff-matrix"), "figure"),
    "status-map": ("cy-status", "elements"),
    "status-map-style": ("cy-status", "style"),
    "mining-findings": ("mining-findings", "children"),
    "variants-title": ("variants-title", "children"),
    "variants": (_grid_id("variants"), "rowData"),
    "deviations-title": ("deviations-title", "children"),
    "deviations": (_grid_id("deviations"), "rowData"),
    "team-clusters": (_grid_id("team-clusters"), "rowData"),
    **{name: (_grid_id(name), "rowData") for name, _, _ in SOCIAL_GRIDS},
    "selection": ("selection", "children"),
    "bottleneck-items": (_grid_id("bottleneck-items"), "rowData"),
    "ageing-wip": (_figure_id("ageing-wip"), "figure"),
    "stages": (_grid_id("stages"), "rowData"),
}

#: The status map's controls as drawn: frequency view, every status and path.
MAP_DEFAULTS = ("frequency", 100, 100)


def map_controls(view: object, activities: object, paths: object) -> tuple[str, int, int]:
    """The status map's controls as the browser sent them, anything odd as drawn."""

    def percent(value: object) -> int:
        ok = isinstance(value, int | float) and 10 <= value <= 100
        return int(value) if ok else 100  # type: ignore[arg-type]

    shown = view if view in ("frequency", "performance") else MAP_DEFAULTS[0]
    return shown, percent(activities), percent(paths)  # type: ignore[return-value]


def _map_style(elements: list[dict]) -> dict:
    return {"width": "100%", "height": f"{map_height(elements)}px"}


def _stage_rows(a: object) -> list[dict]:
    return tables.by_wait(a.stages.to_pylist(), "wait_s", "status")  # type: ignore[attr-defined]


#: The page's grids by slot: how the rows of :func:`parts` become a grid's ``rowData``.
GRIDS: dict[str, Any] = {
    "variants": tables.VARIANTS,
    "deviations": tables.DEVIATIONS,
    "team-clusters": tables.TEAM_CLUSTERS,
    "bottleneck-items": tables.ITEMS,
    "stages": tables.STAGES,
}
SOCIAL_COLUMNS = {name: columns for name, columns, _ in SOCIAL_GRIDS}


def slot_value(slot: str, value: Any) -> Any:
    """What the in-place update sends to ``slot`` for the part ``value`` of :func:`parts`
    (the same as the layout draws: grids get their ``rowData``)."""
    if slot in GRIDS:
        return table_row_data(GRIDS[slot], value)
    if slot in SOCIAL_COLUMNS:
        return row_data(value, SOCIAL_COLUMNS[slot])
    return value


def parts(view: View, search: str | None, controls: tuple = MAP_DEFAULTS) -> dict[str, Any]:
    """Everything of the page that depends on the selection, by slot (:data:`SLOTS`; a grid's
    rows as :func:`.components.table_grid` takes them); the status map in the view and
    with the filtering of the map's ``controls``."""
    a = view.analysis
    assert a is not None
    scope = teams_of(view, search)
    handoffs, matrix = team_graph(a, scope)
    map_view, activities, paths = controls
    status_map = status_graph(a, map_view, activities / 100, paths / 100)
    variants, conformance, clusters = a.variants, a.conformance, a.team_clusters  # type: ignore[attr-defined]
    return {
        "wait-by-status": figures.wait_by_status(a.stages),
        "wait-by-team": figures.wait_by_team(a.teams, scope),
        "team-legend": (
            f"The {len(scope.shown)} busiest teams of all the data by name, in the colours"
            ' of every team chart; the rest as one node (set how many with "Teams'
            ' shown" above).'
        ),
        "handoffs": handoffs,
        "handoff-matrix": matrix,
        "status-map": status_map,
        "status-map-style": _map_style(status_map),
        "mining-findings": [
            html.P(text, className="finding")
            for text in (conformance["finding"], clusters["finding"])
            if text
        ],
        "variants-title": (
            f"Most frequent paths ({variants['distinct']:,} distinct among "
            f"{variants['items']:,} items)"
        ),
        "variants": variants["top"],
        "deviations-title": (
            f"Deviations from the workflow ({conformance['workflow_source']}: "
            + " → ".join(conformance["workflow"])
            + ")"
        ),
        "deviations": conformance["deviations"],
        "team-clusters": clusters["clusters"],
        **social_rows(a),
        "selection": _all_text(a.items.num_rows),
        "bottleneck-items": item_rows(a.items)[:GRID_ROWS],
        "ageing-wip": figures.ageing_wip(a.items, statuses_of(view), webgl_above=WEBGL_ABOVE),
        "stages": _stage_rows(a),
    }


def shape(view: View) -> str:
    """What comes and goes with the selection besides the slots (:func:`.common.page_shape`):
    the note of a log without teams, and the note of a stage grid cut at ``GRID_ROWS``."""
    a = view.analysis
    if a is None:
        return ""
    no_teams = "no-teams" if no_team_note(view) is not None else ""
    cut = "stages-cut" if a.stages.num_rows > GRID_ROWS else ""
    return "+".join(x for x in (no_teams, cut) if x)


def _mining_section(shown: dict[str, Any]) -> html.Section:
    """Variants, conformance and team clusters of the selection, with their findings."""
    return section(
        "Variants, conformance, team clusters",
        html.Div(shown["mining-findings"], id="mining-findings"),
        html.H3(shown["variants-title"], id="variants-title"),
        table_grid("variants", tables.VARIANTS, shown["variants"]),
        html.H3(shown["deviations-title"], id="deviations-title"),
        table_grid("deviations", tables.DEVIATIONS, shown["deviations"]),
        html.H3("Teams that hand work mostly among themselves"),
        table_grid("team-clusters", tables.TEAM_CLUSTERS, shown["team-clusters"]),
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


def _graph(id: str, elems: list[dict], layout: str | dict, style: dict) -> cyto.Cytoscape:
    layout = {"name": layout} if isinstance(layout, str) else layout
    return cyto.Cytoscape(
        id=id,
        elements=elems,
        stylesheet=STYLESHEET,
        layout={**layout, "animate": False, "fit": True, "padding": 30},
        style=style,
        minZoom=0.3,
        maxZoom=3,
        userZoomingEnabled=True,
        className="cyto",
    )


def layout(view: View, search: str) -> html.Div:
    gap = missing(view)
    if gap is not None:
        return html.Div([html.H1("Bottlenecks"), gap])
    shown = parts(view, search)
    return html.Div(
        [
            html.H1("Bottlenecks"),
            no_team_note(view),
            html.Div(
                [
                    graph(shown["wait-by-status"], "wait-by-status"),
                    graph(shown["wait-by-team"], "wait-by-team"),
                ],
                className="two-col",
            ),
            section(
                "Team handoff graph",
                html.P(LEGEND, className="legend"),
                html.P(shown["team-legend"], className="legend", id="team-legend"),
                html.Div(
                    [
                        _graph(
                            "cy-handoffs",
                            shown["handoffs"],
                            HANDOFF_LAYOUT,
                            {"width": "100%", "height": "620px"},
                        ),
                        graph(shown["handoff-matrix"], "handoff-matrix"),
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
                    value=MAP_DEFAULTS[0],
                    inline=True,
                ),
                _percent_slider("status-activities", "Statuses shown (most visited first)"),
                _percent_slider("status-paths", "Paths shown (most taken first)"),
                _graph("cy-status", shown["status-map"], STATUS_LAYOUT, shown["status-map-style"]),
            ),
            _mining_section(shown),
            social_section({name: shown[name] for name in SOCIAL_COLUMNS}),
            section(
                "Items",
                html.Div(
                    [
                        html.Span(shown["selection"], id="selection"),
                        html.Button("Show all", id="selection-clear", n_clicks=0),
                    ],
                    className="selection-row",
                ),
                table_grid("bottleneck-items", tables.ITEMS, shown["bottleneck-items"]),
            ),
            section(
                "Work in progress and its age",
                graph(shown["ageing-wip"], "ageing-wip"),
                table_grid("stages", tables.STAGES, shown["stages"]),
            ),
        ]
    )


def register(app: Dash, service: DataService) -> None:
    @app.callback(
        *[Output(oid, prop, allow_duplicate=True) for oid, prop in SLOTS.values()],  # type: ignore[arg-type]
        Input("url", "pathname"),
        Input("url", "search"),
        State("page-drawn", "data"),
        State("status-view", "value"),
        State("status-activities", "value"),
        State("status-paths", "value"),
        prevent_initial_call=True,
    )
    def on_filters(_pathname, search, before, map_view, activities, paths):
        view = current_view(service, search)
        now = drawn(PATH, view, search, shape(view))
        if not updates_in_place(PATH, before, now, set(ctx.triggered_prop_ids)):
            return [no_update] * len(SLOTS)
        controls = map_controls(map_view, activities, paths)

        def values() -> dict[str, Any]:
            return {slot: slot_value(slot, v) for slot, v in parts(view, search, controls).items()}

        # Kept, like the pages, for the served data.
        shown = service.page(view, f"{NAME}-parts-{controls}", search or "", values)
        return [shown[slot] for slot in SLOTS]

    @app.callback(
        Output("cy-status", "elements"),
        Output("cy-status", "style"),
        Input("status-view", "value"),
        Input("status-activities", "value"),
        Input("status-paths", "value"),
        State("url", "search"),
        prevent_initial_call=True,
    )
    def on_status_view(map_view, activities, paths, search):
        view = current_view(service, search)
        if view.analysis is None:
            return no_update, no_update
        _, activities, paths = controls = map_controls(map_view, activities, paths)
        elements = status_graph(view.analysis, controls[0], activities / 100, paths / 100)
        return elements, _map_style(elements)

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
        return table_row_data(tables.ITEMS, rows), text
