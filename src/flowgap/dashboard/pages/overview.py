"""Overview: the answer at a glance (where the time went, against the period before; the
worst item's story), the headline numbers, the findings by group, what to change, and the
worst "week of work took months" items."""

from __future__ import annotations

import pyarrow.compute as pc
from dash import Dash, Input, Output, State, html, no_update

from ... import figures
from ...decisions.actions import recommended_actions
from ...engine.analysis import Analysis
from ...engine.findings import group_wholes, grouped_findings
from ...report import tables
from ..chart_scope import teams_of
from ..components import (
    card,
    fmt_days,
    note,
    num,
    pct,
    section,
    table_grid,
)
from ..components import figure as graph
from ..data import DataService, View
from .common import current_view, get, item_rows, missing
from .overview_answer import time_section, worst_item_section

NAME, PATH, TITLE = "overview", "/overview", "Overview"


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


def top_actions(a: Analysis) -> html.Ol | html.P:
    """The recommended actions of the selection with their simulated gain, best first."""
    actions = recommended_actions(a) if a.has_history else []
    if not actions:
        return html.P("No action to recommend: no bottleneck with a simulated gain.")
    return html.Ol([html.Li(x["text"]) for x in actions[:TOP_ACTIONS]], id="overview-actions")


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


def register(app: Dash, service: DataService) -> None:
    # Fired when the box is drawn (the page is drawn again on every filter change), once: an
    # input on the URL as well would simulate the same actions twice per change.
    @app.callback(
        Output("overview-actions-box", "children"),
        Input("overview-actions-box", "id"),
        State("url", "search"),
    )
    def fill_actions(_box, search):
        view = current_view(service, search)
        if view.analysis is None:
            return no_update
        a = view.analysis
        return service.page(view, "overview-actions", search or "", lambda: top_actions(a))


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


def layout(view: View, search: str) -> html.Div:
    gap = missing(view)
    if gap is not None:
        return html.Div([html.H1("Overview"), gap])
    a = view.analysis
    assert a is not None
    children: list = [html.H1("Overview")]
    if not a.has_history:
        children.append(
            note("The data has no status history: only lead time is meaningful.", "warning")
        )
    else:
        children.append(time_section(view))
        children.append(worst_item_section(view, search))
    children.append(headline(view))
    children.append(findings_section(a))
    children.append(what_to_change())
    stories = [f for f in a.findings if f.get("kind") == "worst_item"]
    worst_keys = [f["item"] for f in stories if f.get("item")]
    story_list = html.Ul([html.Li(f["text"]) for f in stories], id="stories") if stories else None
    worst = a.items.filter(pc.is_in(a.items["item"], _array(worst_keys))) if worst_keys else a.items
    # Only the lanes drawn: the timeline rows of ten items, not of the whole selection.
    lanes = a.select(figures.longest_waiting(a.items, 10))
    children.append(
        section(
            "Week of work, months of waiting",
            story_list,
            graph(
                figures.item_journeys(
                    lanes.timeline,
                    lanes.items,
                    n=10,
                    touches=lanes.steering_touches,
                    teams=teams_of(view, search),
                ),
                "worst-journeys",
            ),
            table_grid("worst-items", tables.ITEMS, item_rows(worst)[:50], height=320),
        )
    )
    return html.Div(children)


def _array(keys: list[str]):
    import pyarrow as pa

    return pa.array(keys, pa.string())
