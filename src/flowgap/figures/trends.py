"""Over time: the cumulative flow diagram and the weekly throughput and flow efficiency."""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go
import pyarrow as pa
import pyarrow.compute as pc

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
    if not isinstance(daily, pa.Table):
        daily = pa.Table.from_pandas(frame(daily), preserve_index=False)
    df = _labelled(daily)
    if df.empty:
        return empty_figure(title, "No daily counts.")
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


def _labelled(daily: pa.Table) -> pd.DataFrame:
    """The daily counts as a frame, the statuses beyond the chart's names already summed into
    their labels by Arrow (the same groups, in the same order, as the frame's own step): the
    day x status table of 20,000 statuses is 5 million rows, and pandas took 5 s and 500 MB."""
    if daily.num_rows == 0:
        return frame(daily)
    per_status = daily.group_by("status", use_threads=False).aggregate(
        [("class", "first"), ("items", "sum")]
    )
    names = per_status.column("status")
    keys = names.to_pylist()
    classes = dict(zip(keys, per_status.column("class_first").to_pylist(), strict=True))
    totals = dict(zip(keys, per_status.column("items_sum").to_pylist(), strict=True))
    labels = chart_labels(totals, classes)
    if all(label == status for status, label in labels.items()):
        return frame(daily)
    shown = pa.array([labels[s] for s in keys], pa.string())
    mapped = shown.take(pc.index_in(daily.column("status"), value_set=names))
    summed = (
        pa.table({"status": mapped, "class": daily.column("class"), "date": daily.column("date")})
        .append_column("items", daily.column("items"))
        .group_by(["status", "class", "date"], use_threads=False)
        .aggregate([("items", "sum")])
    )
    return summed.rename_columns(["status", "class", "date", "items"]).to_pandas()


def delivery_weeks(weekly: TableLike) -> pd.DataFrame:
    """The weeks of ``weekly`` from the first with a delivery to the last, in order (empty
    when nothing was delivered). The table starts at the first day of the timeline: on BPI
    Challenge 2013 the first item was created in 2006 and every delivery is in 2012, so the
    weekly charts were six years of empty weeks with the data in a sliver at the right.
    Weeks without a delivery after the first one stay: they are part of the trend."""
    df = frame(weekly)
    if df.empty:
        return df
    df = df.sort_values("week")
    delivered = (df["throughput"].fillna(0) > 0).to_numpy()
    if not delivered.any():
        return df.iloc[0:0]
    return df.iloc[int(delivered.argmax()) :]


def throughput_trend(weekly: TableLike) -> go.Figure:
    """Items delivered per week, from the week of the first delivery (:func:`delivery_weeks`)."""
    title = "Throughput per week"
    df = delivery_weeks(weekly)
    if df.empty:
        return empty_figure(title, "No delivered items.")
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
    """Median and pooled flow efficiency of the items delivered each week, from the week of
    the first delivery (:func:`delivery_weeks`)."""
    title = "Flow efficiency per week"
    df = delivery_weeks(weekly)
    if df.empty:
        return empty_figure(title, "No delivered items.")
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
