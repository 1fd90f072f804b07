"""Steering: touches per item, meeting time spent, steered versus comparable unsteered items."""

from __future__ import annotations

import pyarrow.compute as pc
from dash import html

from ... import figures
from ...report import tables
from ..components import card, note, section, table_grid
from ..components import figure as graph
from ..data import View
from .common import get, missing

NAME, PATH, TITLE = "steering", "/steering", "Steering"
#: The item columns that matter for steering.
STEERED_ITEMS = tables.ITEMS.select(
    "item", "type", "summary", "steering_touches", "lead_time_s", "touch_s", "flow_efficiency"
)


def layout(view: View, search: str) -> html.Div:
    gap = missing(view)
    if gap is not None:
        return html.Div([html.H1("Steering"), gap])
    a = view.analysis
    assert a is not None
    s = a.summary
    steering = view.config.steering
    minutes = get(s, "steering_touches", "meeting_minutes") or 0.0
    children: list = [html.H1("Steering-committee touches")]
    if not steering.enabled:
        children.append(
            note(
                "No steering rule is configured ([steering] in flowgap.toml: statuses, labels,"
                " comment_pattern, meetings_file or recurring), so no touch is detected.",
                "info",
            )
        )
    children.append(
        html.Div(
            [
                card("Touches", str(get(s, "steering_touches", "total")), "st-total"),
                card("Items steered", str(get(s, "steering_touches", "items")), "st-items"),
                card(
                    "Meeting time",
                    f"{minutes / 60:.1f} h",
                    "st-minutes",
                    f"touches × {steering.minutes_per_item:g} min × {steering.attendees} people",
                ),
            ],
            className="cards",
        )
    )
    children.append(graph(figures.steering_touches(a.steering_touches), "steering-touches"))
    steered = a.items.filter(pc.greater(pc.fill_null(a.items["steering_touches"], 0), 0))
    per_item = sorted(steered.to_pylist(), key=lambda r: (-(r["steering_touches"] or 0), r["item"]))
    children.append(
        section(
            "Touches per item",
            table_grid("steering-items", STEERED_ITEMS, per_item),
        )
    )
    children.append(
        section(
            "Meetings",
            table_grid(
                "steering-meetings", tables.STEERING_MEETINGS, a.steering_meetings.to_pylist()
            ),
        )
    )
    children.append(
        section(
            "Steered versus comparable unsteered items (same type, same quarter of delivery)",
            table_grid(
                "steering-comparison", tables.STEERING_COMPARISON, a.steering_comparison.to_pylist()
            ),
        )
    )
    return html.Div(children)
