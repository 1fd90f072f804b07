"""Distributions over items: lead time of delivered items, flow efficiency per item, and the
age of work in progress against the cycle-time percentiles."""

from __future__ import annotations

from typing import Any

import numpy as np
import plotly.graph_objects as go

from ..units import DAY_S
from .statuses import StatusScope, chart_labels, workflow_order
from .style import (
    CLASS_COLOURS,
    TableLike,
    add_trace,
    base_figure,
    count_axis,
    days,
    empty_figure,
    esc,
    frame,
    margin_lines,
    percentiles,
    point_trace,
)

#: Delivered items past which the lead and cycle time charts show their density instead of a
#: point per item, the slowest items still as points (:func:`_density`). At 57,539 items (the
#: 1M-event benchmark log) a point per item made the dashboard's Flow page 9 MB and kept a
#: filter change on it near 3 s, most of it Chromium's software WebGL clustering the points;
#: and so many points overlap into one blot that shows no more than the density does.
DENSITY_ABOVE = 10_000
#: In the density view, the items above this percentile of the chart's time stay points.
SLOWEST_SHOWN = 95
#: The density view's grid: at most this many columns of whole weeks x rows of times.
DENSITY_BINS = (120, 60)


def lead_time_scatter(
    items: TableLike,
    log_scale: bool = False,
    webgl_above: int | None = None,
    density_above: int = DENSITY_ABOVE,
) -> go.Figure:
    """Lead time of each delivered item against its delivery date, with p50/p85/p95 lines;
    ``log_scale``: a logarithmic time axis, where a few very long items squash the rest;
    ``webgl_above``: see :func:`.style.point_trace`; past ``density_above`` items, their
    density with the slowest 5% as points (:data:`DENSITY_ABOVE`)."""
    return _time_scatter(items, "lead_time_s", "lead time", log_scale, webgl_above, density_above)


def cycle_time_scatter(
    items: TableLike,
    log_scale: bool = False,
    webgl_above: int | None = None,
    density_above: int = DENSITY_ABOVE,
) -> go.Figure:
    """Cycle time (commitment to delivery) of each delivered item against its delivery date,
    with p50/p85/p95 lines; ``log_scale``, ``webgl_above`` and ``density_above`` as in
    :func:`lead_time_scatter`."""
    return _time_scatter(items, "cycle_time_s", "cycle time", log_scale, webgl_above, density_above)


def _time_scatter(
    items: TableLike,
    column: str,
    what: str,
    log_scale: bool,
    webgl_above: int | None,
    density_above: int,
) -> go.Figure:
    title = f"{what.capitalize()} of delivered items"
    df = frame(items)
    if df.empty or "delivered" not in df or column not in df:
        return empty_figure(title, "No delivered items.")
    df = df[df["delivered"].notna() & df[column].notna()].sort_values(["delivered", "item"])
    if df.empty:
        return empty_figure(title, f"No delivered item has a {what}.")
    lead = days(df[column])
    fig = base_figure(title)
    if log_scale:
        # zero days has no place on a log axis: such items are left out, and said to be.
        left_out = int((lead <= 0).sum())
        df, lead = df[lead > 0], lead[lead > 0]
        if left_out:
            fig.update_layout(title_text=f"{title} ({left_out:,} of 0 days not shown)")
    lines = _percentile_lines(df[column])
    points = df
    if len(df) > density_above:
        slowest = float(np.percentile(lead, SLOWEST_SHOWN))
        _density(fig, df["delivered"], lead, log_scale)
        points = df[lead > slowest]
        fig.update_layout(
            title_text=f"{fig.layout.title.text}: {len(df):,} items as a density, the"
            f" slowest {100 - SLOWEST_SHOWN}% ({len(points):,}) as points"
        )
    add_trace(
        fig,
        point_trace(len(points), webgl_above),
        x=points["delivered"],
        y=lead[points.index] if points is not df else lead,
        mode="markers",
        name="items" if points is df else f"slowest {100 - SLOWEST_SHOWN}%",
        marker={"size": 7, "color": CLASS_COLOURS["done"], "opacity": 0.7},
        hovertext=[
            f"{esc(i)}: {esc(s)}" for i, s in zip(points["item"], points["summary"], strict=True)
        ],
        hovertemplate="%{hovertext}<br>%{y:.1f} days<extra></extra>",
    )
    margin_lines(fig, lines, [] if lead.empty else [lead.min(), lead.max()], log_scale=log_scale)
    if log_scale:
        fig.update_yaxes(title_text=f"{what} (days, log scale)")
    else:
        fig.update_yaxes(title_text=f"{what} (days)")
    fig.update_xaxes(title_text="delivered")
    return fig


def _density(fig: go.Figure, delivered: Any, lead: Any, log_scale: bool) -> None:
    """Items per cell of a grid of delivery weeks x days (log-spaced on a log axis), in greys
    under the points: empty cells are not drawn. Whole weeks, since few items are delivered
    at weekends: cells of a day or two striped the chart."""
    week = np.timedelta64(7, "D").astype("timedelta64[ns]").astype("int64")
    x = delivered.to_numpy(dtype="datetime64[ns]").astype("int64")
    y = lead.to_numpy(dtype=float)
    columns, rows = DENSITY_BINS
    width = week * max(1, -(-(int(x.max()) - int(x.min()) + 1) // (week * columns)))
    x_edges = np.arange(int(x.min()), int(x.max()) + width + 1, width, dtype=np.int64)
    if log_scale:
        y_edges = np.logspace(np.log10(y.min()), np.log10(y.max()) + 1e-9, rows + 1)
        y_mid = np.sqrt(y_edges[:-1] * y_edges[1:])
    else:
        y_edges = np.linspace(0.0, y.max() + 1e-9, rows + 1)
        y_mid = (y_edges[:-1] + y_edges[1:]) / 2
    counts, _, _ = np.histogram2d(x, y, bins=(x_edges, y_edges))
    x_mid = (x_edges[:-1] + width // 2).astype("datetime64[ns]")
    z = counts.T.astype(object)
    z[counts.T == 0] = None
    add_trace(
        fig,
        "heatmap",
        x=[str(v)[:10] for v in x_mid],
        y=y_mid,
        z=z.tolist(),
        colorscale=[[0.0, "#e4e4e4"], [1.0, "#3a3a3a"]],
        colorbar={"title": {"text": "items"}, "thickness": 12, "x": 1.16},
        hoverongaps=False,
        hovertemplate="delivered in the week around %{x}<br>about %{y:.1f} days<br>"
        "%{z:,} items<extra></extra>",
        name="items",
    )


def flow_efficiency_histogram(items: TableLike) -> go.Figure:
    """Distribution of per-item flow efficiency, with the median and pooled values marked."""
    title = "Flow efficiency of items"
    df = frame(items)
    if df.empty or "flow_efficiency" not in df or df["flow_efficiency"].notna().sum() == 0:
        return empty_figure(title, "No item has a flow window (status history needed).")
    df = df[df["flow_efficiency"].notna()]
    fe = df["flow_efficiency"].astype("float64") * 100
    fig = base_figure(title)
    add_trace(
        fig,
        "histogram",
        x=fe,
        xbins={"start": 0, "end": 100.0001, "size": 5},
        marker_color=CLASS_COLOURS["active"],
        name="items",
        hovertemplate="%{x}%: %{y} items<extra></extra>",
    )
    median = float(np.median(fe))
    window = df["window_s"].astype("float64").sum()
    lines = [("median", median)]
    if window > 0:
        lines.append(("pooled", float(df["touch_s"].astype("float64").sum() / window * 100)))
    for (name, value), shift in zip(lines, (0, -18), strict=False):
        fig.add_vline(
            x=value,
            line_dash="dash",
            line_color="#333",
            annotation_text=f"{name} {value:.1f}%",
            annotation_position="top right",
            annotation_yshift=shift,
            # The tallest bar often reaches the label (all items near 0% on BPI Challenge
            # 2012): on a backing the label stays readable over it.
            annotation_bgcolor="rgba(255, 255, 255, 0.85)",
        )
    fig.update_xaxes(title_text="flow efficiency (%)", range=[0, 100])
    fig.update_yaxes(title_text="items")
    count_axis(fig, float(np.histogram(fe, bins=np.arange(0, 105, 5))[0].max()))
    return fig


def ageing_wip(
    items: TableLike, statuses: StatusScope | None = None, webgl_above: int | None = None
) -> go.Figure:
    """Open committed items by current status and age, against the cycle-time percentiles of
    delivered items (an item above the p85 line is older than 85% of finished work). The
    statuses read left to right in the workflow order of ``statuses`` (:mod:`.statuses`;
    default: by class, then name), each in the colour the cumulative flow diagram gives it;
    ``webgl_above``: see :func:`.style.point_trace`."""
    title = "Ageing work in progress"
    df = frame(items)
    if df.empty:
        return empty_figure(title, "No items.")
    open_ = df[df["is_open"].fillna(False) & df["committed"].notna() & df["age_s"].notna()]
    if open_.empty:
        return empty_figure(title, "No committed work in progress at the analysis date.")
    classes = open_.groupby("current_status", sort=False)["current_class"].first().to_dict()
    labels = chart_labels(open_["current_status"].value_counts().to_dict(), classes)
    if any(label != status for status, label in labels.items()):
        open_ = open_.assign(current_status=open_["current_status"].map(labels))
        classes = open_.groupby("current_status", sort=False)["current_class"].first().to_dict()
    scope = statuses or StatusScope(tuple(workflow_order(classes)), classes)
    shown = scope.arrange(classes)
    rank = {s: i for i, s in enumerate(shown)}
    open_ = open_.assign(_r=open_["current_status"].map(rank)).sort_values(["_r", "item"])
    fig = base_figure(title)
    add_trace(
        fig,
        point_trace(len(open_), webgl_above),
        x=[esc(s) for s in open_["current_status"]],
        y=days(open_["age_s"]),
        mode="markers",
        name="open items",
        marker={
            "size": 9,
            "color": [
                scope.colour(s, c)
                for s, c in zip(open_["current_status"], open_["current_class"], strict=True)
            ],
            "opacity": 0.8,
            "line": {"width": 0.5, "color": "#fff"},
        },
        hovertext=[
            f"{esc(i)}: {esc(s)}" for i, s in zip(open_["item"], open_["summary"], strict=True)
        ],
        hovertemplate="%{hovertext}<br>age %{y:.1f} days<extra></extra>",
    )
    # Inside the plot the labels sat over the first status' points and over each other.
    ages = days(open_["age_s"])
    margin_lines(fig, _percentile_lines(df["cycle_time_s"]), [ages.min(), ages.max()], False)
    fig.update_xaxes(categoryorder="array", categoryarray=[esc(s) for s in shown])
    fig.update_yaxes(title_text="age since commitment (days); lines: cycle-time percentiles")
    return fig


def _percentile_lines(seconds: Any) -> list[tuple[str, float]]:
    """The p50/p85/p95 lines of a column of seconds, in days, labelled "p85 5.2 d"."""
    return [(f"p{p} {v / DAY_S:.1f} d", v / DAY_S) for p, v in percentiles(seconds).items()]
