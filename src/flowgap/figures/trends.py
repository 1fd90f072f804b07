"""Over time: the cumulative flow diagram and the weekly throughput and flow efficiency."""

from __future__ import annotations

import plotly.graph_objects as go

from .style import CLASS_COLOURS, CLASS_ORDER, TableLike, base_figure, empty_figure, esc, frame


def cumulative_flow(daily: TableLike) -> go.Figure:
    """Cumulative flow diagram: items per status at the end of each day, done at the bottom."""
    title = "Cumulative flow"
    df = frame(daily)
    if df.empty:
        return empty_figure(title, "No daily counts.")
    rank = {c: i for i, c in enumerate(CLASS_ORDER)}
    order = (
        df.groupby("status", sort=False)["class"]
        .first()
        .reset_index()
        .assign(_r=lambda d: d["class"].map(rank).fillna(len(rank)))
        .sort_values(["_r", "status"])
    )
    fig = base_figure(title, height=460)
    shades = {c: 0 for c in CLASS_ORDER}
    for status, cls in zip(order["status"], order["class"], strict=True):
        part = df[df["status"] == status].sort_values("date")
        base = CLASS_COLOURS.get(cls, "#888")
        colour = _shade(base, shades.get(cls, 0))
        shades[cls] = shades.get(cls, 0) + 1
        fig.add_scatter(
            x=part["date"],
            y=part["items"],
            name=esc(status),
            mode="lines",
            stackgroup="cfd",
            line={"width": 0.5, "color": colour},
            fillcolor=colour,
            hovertemplate=f"{esc(status)}: %{{y}}<extra></extra>",
        )
    fig.update_yaxes(title_text="items")
    return fig


def _shade(hex_colour: str, step: int) -> str:
    """Lighter variants of a class colour for the statuses of one class."""
    r, g, b = (int(hex_colour[i : i + 2], 16) for i in (1, 3, 5))
    f = min(0.15 * step, 0.75)
    r, g, b = (round(c + (255 - c) * f) for c in (r, g, b))
    return f"#{r:02x}{g:02x}{b:02x}"


def throughput_trend(weekly: TableLike) -> go.Figure:
    """Items delivered per week."""
    title = "Throughput per week"
    df = frame(weekly)
    if df.empty:
        return empty_figure(title, "No delivered items.")
    df = df.sort_values("week")
    fig = base_figure(title, height=340)
    fig.add_bar(
        x=df["week"],
        y=df["throughput"],
        marker_color=CLASS_COLOURS["done"],
        name="delivered",
        hovertemplate="week of %{x}: %{y} items<extra></extra>",
    )
    fig.update_yaxes(title_text="items delivered")
    return fig


def flow_efficiency_trend(weekly: TableLike) -> go.Figure:
    """Median and pooled flow efficiency of the items delivered each week."""
    title = "Flow efficiency per week"
    df = frame(weekly)
    if df.empty:
        return empty_figure(title, "No delivered items.")
    df = df.sort_values("week")
    fig = base_figure(title, height=340)
    for col, name, dash in (
        ("flow_efficiency_median", "median", "solid"),
        ("flow_efficiency_pooled", "pooled", "dash"),
    ):
        fig.add_scatter(
            x=df["week"],
            y=df[col].astype("float64") * 100,
            name=name,
            mode="lines+markers",
            line={"dash": dash},
            hovertemplate=f"{name} %{{y:.1f}}%<extra></extra>",
        )
    fig.update_yaxes(title_text="flow efficiency (%)", rangemode="tozero")
    return fig
