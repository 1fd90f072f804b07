"""Distributions over items: lead time of delivered items, flow efficiency per item, and the
age of work in progress against the cycle-time percentiles."""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go

from ..units import DAY_S
from .style import (
    CLASS_COLOURS,
    TableLike,
    base_figure,
    days,
    empty_figure,
    esc,
    frame,
    percentiles,
)


def lead_time_scatter(items: TableLike) -> go.Figure:
    """Lead time of each delivered item against its delivery date, with p50/p85/p95 lines."""
    title = "Lead time of delivered items"
    df = frame(items)
    if df.empty or "delivered" not in df:
        return empty_figure(title, "No delivered items.")
    df = df[df["delivered"].notna() & df["lead_time_s"].notna()].sort_values(["delivered", "item"])
    if df.empty:
        return empty_figure(title, "No delivered items.")
    lead = days(df["lead_time_s"])
    fig = base_figure(title)
    fig.add_scatter(
        x=df["delivered"],
        y=lead,
        mode="markers",
        name="items",
        marker={"size": 7, "color": CLASS_COLOURS["done"], "opacity": 0.7},
        hovertext=[f"{esc(i)}: {esc(s)}" for i, s in zip(df["item"], df["summary"], strict=True)],
        hovertemplate="%{hovertext}<br>%{y:.1f} days<extra></extra>",
    )
    sides = ("top left", "top right", "top left")  # close lines keep their labels apart
    for (p, value), side in zip(percentiles(df["lead_time_s"]).items(), sides, strict=False):
        fig.add_hline(
            y=value / DAY_S,
            line_dash="dash",
            line_color="#555",
            annotation_text=f"p{p} {value / DAY_S:.1f} d",
            annotation_position=side,
        )
    fig.update_yaxes(title_text="lead time (days)", rangemode="tozero")
    fig.update_xaxes(title_text="delivered")
    return fig


def flow_efficiency_histogram(items: TableLike) -> go.Figure:
    """Distribution of per-item flow efficiency, with the median and pooled values marked."""
    title = "Flow efficiency of items"
    df = frame(items)
    if df.empty or "flow_efficiency" not in df or df["flow_efficiency"].notna().sum() == 0:
        return empty_figure(title, "No item has a flow window (status history needed).")
    df = df[df["flow_efficiency"].notna()]
    fe = df["flow_efficiency"].astype("float64") * 100
    fig = base_figure(title)
    fig.add_histogram(
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
        )
    fig.update_xaxes(title_text="flow efficiency (%)", range=[0, 100])
    fig.update_yaxes(title_text="items")
    return fig


def ageing_wip(items: TableLike) -> go.Figure:
    """Open committed items by current status and age, against the cycle-time percentiles of
    delivered items (an item above the p85 line is older than 85% of finished work)."""
    title = "Ageing work in progress"
    df = frame(items)
    if df.empty:
        return empty_figure(title, "No items.")
    open_ = df[df["is_open"].fillna(False) & df["committed"].notna() & df["age_s"].notna()]
    if open_.empty:
        return empty_figure(title, "No committed work in progress at the analysis date.")
    open_ = open_.sort_values(["current_status", "item"])
    fig = base_figure(title)
    fig.add_scatter(
        x=[esc(s) for s in open_["current_status"]],
        y=days(open_["age_s"]),
        mode="markers",
        name="open items",
        marker={
            "size": 9,
            "color": [CLASS_COLOURS.get(c, "#888") for c in open_["current_class"]],
            "opacity": 0.75,
        },
        hovertext=[
            f"{esc(i)}: {esc(s)}" for i, s in zip(open_["item"], open_["summary"], strict=True)
        ],
        hovertemplate="%{hovertext}<br>age %{y:.1f} days<extra></extra>",
    )
    for p, value in percentiles(df["cycle_time_s"]).items():
        fig.add_hline(
            y=value / DAY_S,
            line_dash="dot",
            line_color="#555",
            annotation_text=f"cycle time p{p} {value / DAY_S:.1f} d",
            annotation_position="top left",
        )
    fig.update_yaxes(title_text="age since commitment (days)", rangemode="tozero")
    return fig
