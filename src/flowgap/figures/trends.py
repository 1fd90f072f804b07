"""Over time: the cumulative flow diagram and the weekly throughput and flow efficiency."""

from __future__ import annotations

import plotly.graph_objects as go

from .statuses import StatusScope, chart_labels, workflow_order
from .style import (
    CLASS_COLOURS,
    TableLike,
    add_trace,
    base_figure,
    count_axis,
    empty_figure,
    esc,
    frame,
)


def cumulative_flow(daily: TableLike, statuses: StatusScope | None = None) -> go.Figure:
    """Cumulative flow diagram: items per status at the end of each day, stacked in the
    workflow order of ``statuses`` (:mod:`.statuses`; default: by class, then name) with done
    at the bottom and the start of the workflow on top, each status in its own shade of its
    class' colour."""
    title = "Cumulative flow"
    df = frame(daily)
    if df.empty:
        return empty_figure(title, "No daily counts.")
    classes = df.groupby("status", sort=False)["class"].first().to_dict()
    labels = chart_labels(df.groupby("status", sort=False)["items"].sum().to_dict(), classes)
    if any(label != status for status, label in labels.items()):
        df = (
            df.assign(status=df["status"].map(labels))
            .groupby(["status", "class", "date"], as_index=False, sort=False)["items"]
            .sum()
        )
        classes = df.groupby("status", sort=False)["class"].first().to_dict()
    scope = statuses or StatusScope(tuple(workflow_order(classes)), classes)
    parts = {status: part.sort_values("date") for status, part in df.groupby("status", sort=False)}
    fig = base_figure(title, height=460)
    for status in reversed(scope.arrange(classes)):  # the first trace is the stack's bottom
        part = parts[status]
        colour = scope.colour(status, classes[status])
        add_trace(
            fig,
            "scatter",
            x=part["date"],
            y=part["items"],
            name=esc(status),
            mode="lines",
            stackgroup="cfd",
            line={"width": 0.5, "color": colour},
            fillcolor=colour,
            hovertemplate=f"{esc(status)}: %{{y}}<extra></extra>",
        )
    # The legend reads like the stack: the start of the workflow on top.
    fig.update_layout(legend={"traceorder": "reversed"})
    fig.update_yaxes(title_text="items")
    total = df.groupby("date")["items"].sum()
    count_axis(fig, float(total.max()) if len(total) else 0.0)
    return fig


def throughput_trend(weekly: TableLike) -> go.Figure:
    """Items delivered per week."""
    title = "Throughput per week"
    df = frame(weekly)
    if df.empty:
        return empty_figure(title, "No delivered items.")
    df = df.sort_values("week")
    fig = base_figure(title, height=340)
    add_trace(
        fig,
        "bar",
        x=df["week"],
        y=df["throughput"],
        marker_color=CLASS_COLOURS["done"],
        name="delivered",
        hovertemplate="week of %{x}: %{y} items<extra></extra>",
    )
    fig.update_yaxes(title_text="items delivered")
    count_axis(fig, float(df["throughput"].max() or 0))
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
        add_trace(
            fig,
            "scatter",
            x=df["week"],
            y=df[col].astype("float64") * 100,
            name=name,
            mode="lines+markers",
            line={"dash": dash},
            hovertemplate=f"{name} %{{y:.1f}}%<extra></extra>",
        )
    fig.update_yaxes(title_text="flow efficiency (%)", rangemode="tozero")
    return fig
