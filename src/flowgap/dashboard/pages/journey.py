"""Item journey: one item's swimlane across teams, its facts, steering touches and events."""

from __future__ import annotations

import pyarrow as pa
import pyarrow.compute as pc
from dash import ALL, Dash, Input, Output, State, dcc, get_relative_path, html, no_update

from ... import figures
from ...report import tables
from ..chart_scope import no_team_note, teams_of
from ..components import card, fmt_days, note, pct, section, table_grid
from ..components import figure as graph
from ..data import DataService, View
from ..filters import from_query, query_value, to_query
from .common import current_view, missing

NAME, PATH, TITLE = "journey", "/journey", "Item journey"
#: Keys the box suggests at a time: every suggestion is a component the browser builds (2,000
#: of them took the page 6 to 9 s to draw after a 15,000-item upload), so they follow what is
#: typed instead.
MAX_SUGGESTIONS = 50


def suggestions(keys: pa.ChunkedArray | pa.Array, typed: str | None) -> list[str]:
    """Up to :data:`MAX_SUGGESTIONS` keys holding ``typed`` (ignoring case), in key order."""
    typed = (typed or "").strip().lower()
    if typed:
        keys = pc.filter(keys, pc.match_substring(pc.utf8_lower(keys), typed))
    return sorted(keys.to_pylist())[:MAX_SUGGESTIONS]


def _options(keys: list[str]) -> list[html.Option]:
    return [html.Option(value=k) for k in keys]


def _picker(view: View, current: str | None) -> html.Div:
    keys = suggestions(view.analysis.items["item"], current) if view.analysis is not None else []
    return html.Div(
        [
            dcc.Input(
                id="journey-item",
                type="search",
                placeholder="Item key, e.g. ABC-123",
                value=current or "",
                list="journey-keys",
                debounce=False,
                autoComplete="off",
            ),
            html.Datalist(_options(keys), id="journey-keys"),
            html.Button("Show journey", id="journey-go", n_clicks=0),
        ],
        className="journey-picker",
    )


def match_key(keys: pa.ChunkedArray | pa.Array, typed: str) -> tuple[str | None, list[str]]:
    """(the item key ``typed`` names, other keys it names): the key itself when it exists,
    else the keys equal to it ignoring case (the first in key order; the rest listed)."""
    typed = typed.strip()
    if pc.any(pc.equal(keys, typed)).as_py():
        return typed, []
    found = pc.filter(keys, pc.equal(pc.utf8_lower(keys), typed.lower()))
    matches = sorted(set(found.to_pylist()))
    if not matches:
        return None, []
    return matches[0], matches[1:]


def layout(view: View, search: str) -> html.Div:
    key = query_value(search, "item")
    gap = missing(view)
    if gap is not None:
        return html.Div([html.H1("Item journey"), gap])
    a = view.analysis
    assert a is not None and view.result is not None
    children: list = [html.H1("Item journey"), _picker(view, key)]
    if not key:
        children.append(
            note(
                "Type an item key (suggestions appear as you type), or click an item in a"
                " table on another page.",
                "info",
            )
        )
        return html.Div(children)
    key, others = match_key(a.items["item"], key)
    if key is None:
        children.append(
            note(
                f"No item {query_value(search, 'item')!r} among the items of the current filters.",
                "error",
                id="journey-missing",
            )
        )
        return html.Div(children)
    if others:
        children.append(
            note(
                f"Keys differing only in case also match: {', '.join(others)}.",
                "info",
                id="journey-also",
            )
        )
    row = a.items.filter(pc.equal(a.items["item"], key))
    r = row.to_pylist()[0]
    timeline = a.timeline.filter(pc.equal(a.timeline["item"], key))
    touches = a.steering_touches.filter(pc.equal(a.steering_touches["item"], key))
    events = view.result.events.filter(pc.equal(view.result.events["item"], key))
    children += [
        html.H2(key, id="journey-key"),
        html.P(r.get("summary") or "", className="summary", id="journey-summary"),
        html.Div(
            [
                card("Status", f"{r.get('current_status')} ({r.get('current_class')})", "j-status"),
                card("Lead time", fmt_days(r.get("lead_time_s")), "j-lead"),
                card(
                    "Touch / wait",
                    f"{fmt_days(r.get('touch_s'))} / {fmt_days(r.get('wait_s'))}",
                    "j-touch",
                ),
                card("Flow efficiency", pct(r.get("flow_efficiency")), "j-fe"),
                card("Handoffs", str(r.get("handoffs")), "j-handoffs", r.get("team_path") or ""),
                card("Steering touches", str(r.get("steering_touches")), "j-steering"),
            ],
            className="cards",
        ),
        no_team_note(view),
        graph(
            figures.item_journeys(
                timeline, row, n=1, touches=touches, teams=teams_of(view, search)
            ),
            "journey-swimlane",
        ),
        section(
            "Segments",
            table_grid("journey-segments", tables.SEGMENTS, timeline),
        ),
        section(
            "Steering touches",
            table_grid("journey-steering", tables.STEERING_TOUCHES, touches),
        ),
        section(
            "Events",
            table_grid("journey-events", tables.EVENTS, events),
        ),
    ]
    return html.Div(children)


def register(app: Dash, service: DataService) -> None:
    @app.callback(
        Output("journey-keys", "children"),
        Input("journey-item", "value"),
        State("url", "search"),
        prevent_initial_call=True,
    )
    def suggest(typed, search):
        view = current_view(service, search)
        if view.analysis is None:
            return no_update
        return _options(suggestions(view.analysis.items["item"], typed))

    @app.callback(
        Output("url", "search", allow_duplicate=True),
        Input("journey-go", "n_clicks"),
        Input("journey-item", "n_submit"),
        State("journey-item", "value"),
        State("url", "search"),
        prevent_initial_call=True,
    )
    def pick(_clicks, _submit, value, search):
        key = (value or "").strip()
        if not key:
            return no_update
        return to_query(from_query(search), {"item": key})

    @app.callback(
        Output("url", "pathname", allow_duplicate=True),
        Output("url", "search", allow_duplicate=True),
        Input({"type": "grid", "name": ALL}, "cellClicked"),
        State("url", "search"),
        prevent_initial_call=True,
    )
    def open_item(clicked, search):
        from dash import ctx

        if not ctx.triggered:
            return no_update, no_update
        event = ctx.triggered[0]["value"] or {}
        if event.get("colId") != "item" or not event.get("value"):
            return no_update, no_update
        return get_relative_path(PATH), to_query(from_query(search), {"item": str(event["value"])})
