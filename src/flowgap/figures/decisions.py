"""Pictures of the decisions layer: the forecast's distribution and a what-if's before and
after. Pure functions of the plain data ``flowgap.decisions`` returns."""

from __future__ import annotations

import plotly.graph_objects as go

from ..units import DAY_S
from .style import add_trace, base_figure, count_axis, empty_figure


def forecast_dates(
    when: dict | None,
    why_empty: str = "No forecast: nothing delivered in the window or no WIP.",
) -> go.Figure:
    """Completion dates of the forecast's trials, with the share done by each date;
    ``why_empty``: what the figure says when there is no such forecast (the caller may know
    which of the reasons it is)."""
    title = "Forecast: when the items in progress will be done"
    if not when or not when.get("distribution"):
        return empty_figure(title, why_empty)
    points = when["distribution"]
    fig = base_figure(title)
    add_trace(
        fig,
        "bar",
        x=[p["date"] for p in points],
        y=[p["trials"] for p in points],
        name="trials done that day",
        marker_color="#9ab",
        hovertemplate="%{x}: %{y} trials<extra></extra>",
    )
    add_trace(
        fig,
        "scatter",
        x=[p["date"] for p in points],
        y=[p["cumulative"] * 100 for p in points],
        name="% of trials done by then",
        yaxis="y2",
        mode="lines",
        line={"color": "#346"},
        hovertemplate="%{x}: %{y:.0f}% of trials done<extra></extra>",
    )
    for key, day in when["dates"].items():
        fig.add_vline(x=day, line_dash="dot", line_color="#c44")
        fig.add_annotation(x=day, y=1, yref="paper", text=key, showarrow=False, yshift=8)
    count_axis(fig, float(max(p["trials"] for p in points)))
    fig.update_layout(
        yaxis={"title": "trials"},
        # Ticks of its own: synchronised with the trials axis, the share read 13, 26, 38.9 %.
        yaxis2={
            "title": "% done",
            "overlaying": "y",
            "side": "right",
            "range": [0, 100],
            "tickmode": "linear",
            "tick0": 0,
            "dtick": 25,
            "ticksuffix": "%",
            "showgrid": False,
        },
        legend={"orientation": "h"},
    )
    return fig


def whatif_before_after(result: dict | None) -> go.Figure:
    """Lead and cycle time of the replayed items before and after a what-if's change: their
    distributions (box plots, days) when the result carries ``per_item``, else p50 and p85."""
    title = "What-if: before and after"
    if not result:
        return empty_figure(title, "Pick a change to see its effect.")
    fig = base_figure(title)
    metrics = (("lead_time", "lead time"), ("cycle_time", "cycle time"))
    colours = {"before": "#bbb", "after": "#3a7"}
    if "per_item" in result:
        for when, colour in colours.items():
            x, y = [], []
            for key, label in metrics:
                values = [v / DAY_S for v in result["per_item"][key][when]]
                x += [label] * len(values)
                y += values
            add_trace(fig, "box", x=x, y=y, name=when, marker_color=colour, boxpoints=False)
        fig.update_layout(boxmode="group", yaxis={"title": "days"})
        return fig
    labels = [f"{label} {k}" for _, label in metrics for k in ("p50", "p85")]
    for when, colour in colours.items():
        values = [(result[m][when][k] or 0.0) / DAY_S for m, _ in metrics for k in ("p50", "p85")]
        add_trace(
            fig,
            "bar",
            x=labels,
            y=values,
            name=when,
            marker_color=colour,
            hovertemplate="%{x}: %{y:.1f} d<extra></extra>",
        )
    fig.update_layout(barmode="group", yaxis={"title": "days"})
    return fig
