"""Overview: the answer at a glance (where the time went, against the period before; the
worst item's story), the headline numbers, the findings by group, what to change, and the
worst items (the most waiting among items worked on). A filter change updates the page in place
(``UPDATES_IN_PLACE``: see :func:`.common.updates_in_place`): :func:`parts` are what depends
on the selection, :data:`SLOTS` where each goes."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, NamedTuple

import pyarrow.compute as pc
from dash import Dash, Input, Output, State, ctx, html, no_update

from ... import figures
from ...decisions.actions import actions_and_reason
from ...decisions.headline import NO_HISTORY
from ...engine.analysis import Analysis
from ...engine.findings import WORST_ITEMS_TITLE, group_wholes, grouped_findings
from ...report import tables
from ...report.fmt import actions_window, why_empty
from ...report.tables import grid_columns
from ..chart_scope import teams_of
from ..components import (
    card,
    fmt_days,
    grid,
    note,
    num,
    pct,
    section,
    table_row_data,
)
from ..components import figure as graph
from ..data import DataService, View
from .common import current_view, drawn, get, item_rows, missing, updates_in_place
from .overview_answer import (
    TIME_SLOTS,
    WORST_SLOTS,
    time_parts,
    time_section,
    worst_item_section,
    worst_parts,
    worst_story,
)

NAME, PATH, TITLE = "overview", "/overview", "Overview"
UPDATES_IN_PLACE = True


#: Where each of :func:`parts` goes: a component's id and property.
SLOTS: dict[str, tuple[str | dict, str]] = {
    "headline": ("headline", "children"),
    "findings": ("findings", "children"),
    "stories": ("overview-stories", "children"),
    "worst-journeys": ({"type": "figure", "name": "worst-journeys"}, "figure"),
    "worst-items": ({"type": "grid", "name": "worst-items"}, "rowData"),
}


def _has_time(view: View) -> bool:
    return view.analysis is not None and view.analysis.has_history


def _has_worst(view: View) -> bool:
    return _has_time(view) and worst_story(view) is not None


def headline(view: View) -> html.Div:
    s = view.analysis.summary  # type: ignore[union-attr]
    total = get(s, "items", "total")
    lead = [fmt_days(get(s, "lead_time", p)) for p in ("p50", "p85", "p95")]  # type: ignore[arg-type]
    cycle = [fmt_days(get(s, "cycle_time", p)) for p in ("p50", "p85", "p95")]  # type: ignore[arg-type]
    return html.Div(
        [
            card(
                "Items",
                str(total),
                "items",
                f"{get(s, 'items', 'open')} open, {get(s, 'items', 'delivered')} delivered",
            ),
            card(
                "Flow efficiency (median)",
                pct(get(s, "flow_efficiency", "median")),  # type: ignore[arg-type]
                "fe-median",
                "median of per-item touch / window",
            ),
            card(
                "Flow efficiency (pooled)",
                pct(get(s, "flow_efficiency", "pooled")),  # type: ignore[arg-type]
                "fe-pooled",
                "sum of touch / sum of windows",
            ),
            card("Lead time p50 / p85 / p95", " / ".join(lead), "lead"),
            card(
                "Cycle time p50 / p85 / p95",
                " / ".join(cycle),
                "cycle",
                f"{uncommitted} delivered without a commitment: lead time only"
                if (uncommitted := get(s, "cycle_time", "uncommitted"))
                else "",
            ),
            card(
                "Handoffs per item",
                num(get(s, "handoffs", "mean")),  # type: ignore[arg-type]
                "handoffs",
                f"{get(s, 'handoffs', 'ping_pongs')} ping-pongs",
            ),
            card(
                "Steering touches per item",
                num(get(s, "steering_touches", "per_item")),  # type: ignore[arg-type]
                "steering",
                f"{get(s, 'steering_touches', 'total')} in total",
            ),
        ],
        className="cards",
        id="headline",
    )


#: Actions shown on the first page; the Decisions page lists them all.
TOP_ACTIONS = 3


def top_actions(a: Analysis) -> html.Div | html.P:
    """The recommended actions of the selection with their simulated gain, best first."""
    actions, why = actions_and_reason(a) if a.has_history else ([], NO_HISTORY)
    if not actions:
        return html.P(why_empty("recommended action", why))
    return html.Div(
        [
            html.P(actions_window(actions)),
            html.Ol([html.Li(x["text"]) for x in actions[:TOP_ACTIONS]], id="overview-actions"),
        ]
    )


def what_to_change() -> html.Div:
    """The section the actions fill in after the page is drawn: their what-ifs cost about a
    quarter of a second at 1M events, which the rest of the page need not wait for."""
    return section(
        "What to change",
        html.Div(html.P("Simulating the changes ..."), id="overview-actions-box"),
        html.P(
            "Every action, the items in trouble, the forecast and a what-if: the Decisions page.",
            className="legend",
        ),
    )


def findings_section(a: Analysis) -> html.Section:
    """The engine's findings by group, each group's shares of its stated whole (the worst
    items have a section of their own)."""
    groups = [
        g
        for g in grouped_findings(a.findings, group_wholes(a.stages, a.handoffs))
        if g["group"] != "worst_item"
    ]
    if not groups:
        return section("Findings", html.P("No findings."), id="findings")
    blocks = []
    for g in groups:
        badge = g["whole"] is not None and g["group"] not in SHARES_IN_TEXT
        items = [
            html.Li(
                [html.Strong(f"{pct(f['share'])} "), f["text"]]
                if badge and f["share"] is not None
                else f["text"]
            )
            for f in g["findings"]
        ]
        whole = (
            html.Span(
                f" — shares of {g['whole']}: {fmt_days(g['whole_s'])}",
                className="legend",
            )
            if g["whole"]
            else None
        )
        blocks.append(
            html.Div(
                [html.H3([g["title"], whole]), html.Ul(items)],
                id=f"findings-{g['group'].replace('_', '-')}",
                className="finding-group",
            )
        )
    return section("Findings", *blocks, id="findings")


#: Groups whose sentences already say their share (no badge in front of them).
SHARES_IN_TEXT = ("status", "team")


def parts(view: View, search: str | None) -> dict[str, Any]:
    """What the page shows of the selection below the time and the worst item
    (:func:`.overview_answer.time_parts`, :func:`.overview_answer.worst_parts`), by
    :data:`SLOTS` name: the page is drawn from them, and a filter change sends them, so both
    show the same."""
    a = view.analysis
    assert a is not None
    stories = [f for f in a.findings if f.get("kind") == "worst_item"]
    worst_keys = [f["item"] for f in stories if f.get("item")]
    worst = a.items.filter(pc.is_in(a.items["item"], _array(worst_keys)))
    # The lanes are the items the list above them tells, by the engine's rule (the most
    # waiting among items worked on): the ten that waited longest of all items were other
    # items, never started ones among them, under the same heading. Only their timeline rows.
    lanes = a.select(worst_keys)
    return {
        # The children of the cards and of the findings' section: the page draws them with
        # the same functions.
        "headline": headline(view).children,
        "findings": findings_section(a).children,
        "stories": html.Ul([html.Li(f["text"]) for f in stories], id="stories")
        if stories
        else None,
        "worst-journeys": figures.item_journeys(
            lanes.timeline,
            lanes.items,
            n=len(worst_keys),
            touches=lanes.steering_touches,
            teams=teams_of(view, search),
        )
        if worst_keys
        else figures.empty_figure(
            "Journeys of the worst items", "No item of the selection was worked on (no touch)."
        ),
        "worst-items": table_row_data(tables.ITEMS, item_rows(worst)[:WORST_ROWS]),
    }


class PartGroup(NamedTuple):
    """Parts of the page that one callback updates in place: a section that comes and goes
    with the selection is a group of its own (:func:`.common.page_shape`)."""

    slots: dict[str, tuple[str | dict, str]]  # where each part goes
    make: Callable[[View, str | None], dict[str, Any]]  # the parts, by slot name
    present: Callable[[View], bool]  # whether the page has them


#: "Where the time went" needs a status history, "The worst item" a worst item.
PART_GROUPS: dict[str, PartGroup] = {
    "time": PartGroup(TIME_SLOTS, lambda view, _search: time_parts(view), _has_time),
    "worst": PartGroup(WORST_SLOTS, worst_parts, _has_worst),
    "rest": PartGroup(SLOTS, parts, lambda view: view.analysis is not None),
}


def shape(view: View) -> str:
    """The groups of parts the page has (:func:`.common.page_shape`)."""
    return "+".join(name for name, group in PART_GROUPS.items() if group.present(view))


#: Rows of the worst items' grid.
WORST_ROWS = 50


def layout(view: View, search: str) -> html.Div:
    gap = missing(view)
    if gap is not None:
        return html.Div([html.H1("Overview"), gap])
    a = view.analysis
    assert a is not None
    shown = parts(view, search)
    children: list = [html.H1("Overview")]
    if not _has_time(view):
        children.append(
            note("The data has no status history: only lead time is meaningful.", "warning")
        )
    else:
        children.append(time_section(time_parts(view)))
        if _has_worst(view):
            children.append(worst_item_section(worst_parts(view, search)))
    children.append(headline(view))
    children.append(findings_section(a))
    children.append(what_to_change())
    children.append(
        section(
            WORST_ITEMS_TITLE,
            html.Div(shown["stories"], id="overview-stories"),
            graph(shown["worst-journeys"], "worst-journeys"),
            grid("worst-items", shown["worst-items"], grid_columns(tables.ITEMS), height=320),
        )
    )
    return html.Div(children)


def register(app: Dash, service: DataService) -> None:
    for name, group in PART_GROUPS.items():
        _register_parts(app, service, name, group)

    # The actions are simulated after the page is drawn (:func:`what_to_change`), once per
    # filter change: when the box is drawn (the router drew the page again), or for the URL
    # when the page updates in place (and only then: the box drawn again fires it as well).
    @app.callback(
        Output("overview-actions-box", "children"),
        Input("overview-actions-box", "id"),
        Input("url", "search"),
        State("page-drawn", "data"),
    )
    def fill_actions(_box, search, before):
        view = current_view(service, search)
        if view.analysis is None:
            return no_update
        triggered = set(ctx.triggered_prop_ids)
        if "url.search" in triggered and not updates_in_place(
            PATH, before, drawn(PATH, view, search, shape(view)), triggered
        ):
            return no_update
        a = view.analysis
        return service.page(view, "overview-actions", search or "", lambda: top_actions(a))


def _register_parts(app: Dash, service: DataService, name: str, group: PartGroup) -> None:
    """The update in place of one of :data:`PART_GROUPS`: its slots' new values when the
    filters change and the page stays (:func:`.common.updates_in_place`)."""
    slots = group.slots

    @app.callback(
        *[Output(oid, prop, allow_duplicate=True) for oid, prop in slots.values()],  # type: ignore[arg-type]
        Input("url", "pathname"),
        Input("url", "search"),
        State("page-drawn", "data"),
        prevent_initial_call=True,
    )
    def on_filters(_pathname, search, before):
        view = current_view(service, search)
        now = drawn(PATH, view, search, shape(view))
        triggered = set(ctx.triggered_prop_ids)
        if not group.present(view) or not updates_in_place(PATH, before, now, triggered):
            return [no_update] * len(slots)
        shown = service.page(  # kept, like the pages, for the served data
            view, f"{NAME}-{name}", search or "", lambda: group.make(view, search)
        )
        return [shown[slot] for slot in slots]


def _array(keys: list[str]):
    import pyarrow as pa

    return pa.array(keys, pa.string())
