"""Steering: touches per item, meeting time spent, steered versus comparable unsteered items."""

from __future__ import annotations

import pyarrow.compute as pc
from dash import html

from ... import figures
from ..components import card, days, grid, note, section
from ..components import figure as graph
from ..data import View
from .common import get, missing

NAME, PATH, TITLE = "steering", "/steering", "Steering"


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
    per_item = sorted(
        (
            {
                "item": r["item"],
                "type": r["type"],
                "summary": r["summary"],
                "touches": r["steering_touches"],
                "lead_days": days(r["lead_time_s"], 2),
                "touch_days": days(r["touch_s"], 2),
                "fe_pct": None
                if r["flow_efficiency"] is None
                else round(r["flow_efficiency"] * 100, 1),
            }
            for r in steered.to_pylist()
        ),
        key=lambda r: (-(r["touches"] or 0), r["item"]),
    )
    children.append(
        section(
            "Touches per item",
            grid(
                "steering-items",
                per_item,
                [
                    ("item", "Item"),
                    ("type", "Type"),
                    ("summary", "Summary"),
                    ("touches", "Touches"),
                    ("lead_days", "Lead (d)"),
                    ("touch_days", "Touch (d)"),
                    ("fe_pct", "Flow eff. (%)"),
                ],
                height=300,
            ),
        )
    )
    children.append(
        section(
            "Meetings",
            grid(
                "steering-meetings",
                [
                    {**m, "cost_hours": round((m["cost_minutes"] or 0) / 60, 1)}
                    for m in a.steering_meetings.to_pylist()
                ],
                [
                    ("meeting_date", "Day"),
                    ("items", "Items"),
                    ("touches", "Touches"),
                    ("cost_hours", "Person-hours"),
                ],
                height=260,
            ),
        )
    )
    children.append(
        section(
            "Steered versus comparable unsteered items (same type, same quarter of delivery)",
            grid(
                "steering-comparison",
                [
                    {
                        **c,
                        "steered_lead_days": days(c["steered_lead_median_s"], 2),
                        "unsteered_lead_days": days(c["unsteered_lead_median_s"], 2),
                    }
                    for c in a.steering_comparison.to_pylist()
                ],
                [
                    ("type", "Type"),
                    ("period", "Quarter"),
                    ("steered_items", "Steered items"),
                    ("unsteered_items", "Unsteered items"),
                    ("steered_lead_days", "Steered lead median (d)"),
                    ("unsteered_lead_days", "Unsteered lead median (d)"),
                ],
                height=260,
            ),
        )
    )
    return html.Div(children)
