"""Steering-committee touches per meeting day, by how they were detected."""

from __future__ import annotations

import plotly.graph_objects as go

from ..units import DAY_S
from .style import TableLike, add_trace, base_figure, count_axis, empty_figure, esc, frame


def steering_touches(touches: TableLike) -> go.Figure:
    """Steering-committee touches per meeting day, stacked by how they were detected."""
    title = "Steering-committee touches"
    df = frame(touches)
    if df.empty:
        return empty_figure(title, "No steering touches (configure [steering] to detect them).")
    counts = (
        df.groupby(["meeting_date", "kind"])
        .size()
        .rename("touches")
        .reset_index()
        .sort_values(["kind", "meeting_date"])
    )
    fig = base_figure(title)
    palette = {
        "status": "#845ef7",
        "label": "#f59f00",
        "comment": "#1c7ed6",
        "meeting": "#e8590c",
        "recurring": "#2f9e44",
    }
    for kind in sorted(counts["kind"].unique()):
        part = counts[counts["kind"] == kind]
        add_trace(
            fig,
            "bar",
            x=part["meeting_date"],
            y=part["touches"],
            name=esc(kind),
            width=3 * DAY_S * 1000,
            marker_color=palette.get(kind, "#888"),
            hovertemplate="%{x}: %{y} items<extra>" + esc(kind) + "</extra>",
        )
    fig.update_layout(barmode="stack")
    fig.update_yaxes(title_text="items discussed")
    count_axis(fig, float(counts.groupby("meeting_date")["touches"].sum().max()))
    return fig
