"""Plotly figures of an analysis: pure functions of the engine's tables, shared by the HTML
report and the dashboard.

Every builder takes tables (``pyarrow.Table`` or ``pandas.DataFrame`` with the columns of
``engine/schemas.py``) and returns a ``plotly.graph_objects.Figure``. No I/O, no randomness:
the same tables give the same figure. An empty table gives a figure that says so instead of
raising. Ticket text shown in hover labels is HTML-escaped, because plotly interprets a subset
of HTML in labels.

Stable names (the dashboard imports them)::

    wait_by_status(stages)                  wait_by_team(teams)
    handoff_graph(handoffs)                 status_map(status_map, status_classes=None)
    lead_time_scatter(items)                flow_efficiency_histogram(items)
    cumulative_flow(daily)                  ageing_wip(items)
    item_journeys(timeline, items, n=10)    steering_touches(touches)
    throughput_trend(weekly)                flow_efficiency_trend(weekly)
"""

from __future__ import annotations

import html
import math
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import plotly.io as pio
import pyarrow as pa
import pyarrow.compute as pc
from plotly.colors import qualitative, sample_colorscale

DAY = 86400.0
CLASS_COLOURS = {
    "backlog": "#9aa5b1",
    "wait": "#e4572e",
    "active": "#17a398",
    "done": "#4c6ef5",
}
CLASS_ORDER = ("done", "active", "wait", "backlog")
TEAM_COLOURS: Sequence[str] = qualitative.Safe + qualitative.Pastel
WAIT_SCALE = "YlOrRd"
PERCENTILES = (50, 85, 95)

TableLike = Any  # pyarrow.Table or pandas.DataFrame


def _df(table: TableLike) -> pd.DataFrame:
    if isinstance(table, pd.DataFrame):
        return table
    if table is None:
        return pd.DataFrame()
    return table.to_pandas()


# plotly_white's layout without its per-trace-type defaults: copying the whole named template
# into every figure cost ~30 ms a figure, most of a dashboard filter change.
_TEMPLATE = go.layout.Template(layout=pio.templates["plotly_white"].layout)


def _base(title: str, height: int = 420) -> go.Figure:
    fig = go.Figure()
    fig.update_layout(
        title={"text": title, "x": 0.0, "xanchor": "left"},
        template=_TEMPLATE,
        height=height,
        margin={"l": 60, "r": 30, "t": 60, "b": 50},
    )
    return fig


def empty_figure(title: str, reason: str) -> go.Figure:
    """A figure that explains why there is nothing to draw."""
    fig = _base(title, height=260)
    fig.add_annotation(
        text=html.escape(reason),
        x=0.5,
        y=0.5,
        xref="paper",
        yref="paper",
        showarrow=False,
        font={"size": 14, "color": "#666"},
    )
    fig.update_xaxes(visible=False)
    fig.update_yaxes(visible=False)
    return fig


def _esc(value: object) -> str:
    return (
        ""
        if value is None or (isinstance(value, float) and math.isnan(value))
        else (html.escape(str(value)))
    )


def _days(seconds: pd.Series) -> pd.Series:
    return seconds.astype("float64") / DAY


def _percentiles(values: pd.Series) -> dict[int, float]:
    arr = values.dropna().to_numpy(dtype="float64")
    if arr.size == 0:
        return {}
    return {p: float(np.percentile(arr, p)) for p in PERCENTILES}


# --------------------------------------------------------------------------- bottlenecks


def _wait_touch_bars(df: pd.DataFrame, key: str, title: str, what: str) -> go.Figure:
    if df.empty:
        return empty_figure(title, f"No {what} to show: the log has no flow windows.")
    df = df.assign(_wait=df["wait_s"].fillna(0.0), _touch=df["touch_s"].fillna(0.0))
    df = df.sort_values(["_wait", key], ascending=[True, False])
    fig = _base(title, height=max(300, 60 + 28 * len(df)))
    names = [_esc(v) for v in df[key]]
    fig.add_bar(
        y=names,
        x=_days(df["_wait"]),
        name="wait",
        orientation="h",
        marker_color=CLASS_COLOURS["wait"],
        hovertemplate="%{y}: %{x:.1f} days waiting<extra></extra>",
    )
    fig.add_bar(
        y=names,
        x=_days(df["_touch"]),
        name="touch",
        orientation="h",
        marker_color=CLASS_COLOURS["active"],
        hovertemplate="%{y}: %{x:.1f} days of touch<extra></extra>",
    )
    fig.update_layout(
        barmode="stack",
        legend={"orientation": "h", "x": 1, "xanchor": "right", "y": 1.02, "yanchor": "bottom"},
    )
    fig.update_xaxes(title_text="days (summed over items, inside flow windows)")
    return fig


def wait_by_status(stages: TableLike) -> go.Figure:
    """Wait and touch contributed by each status, the biggest queue on top."""
    return _wait_touch_bars(_df(stages), "status", "Wait versus touch by status", "statuses")


def wait_by_team(teams: TableLike) -> go.Figure:
    """Wait and touch contributed by each team, the biggest queue on top."""
    return _wait_touch_bars(_df(teams), "team", "Wait versus touch by team", "teams")


# --------------------------------------------------------------------------- graphs


def _circle_layout(nodes: list[str]) -> dict[str, tuple[float, float]]:
    n = len(nodes)
    if n == 1:
        return {nodes[0]: (0.0, 0.0)}
    # Start at the top and go clockwise so the busiest node (first) sits at 12 o'clock.
    return {
        node: (math.sin(2 * math.pi * i / n), math.cos(2 * math.pi * i / n))
        for i, node in enumerate(nodes)
    }


_CLASS_RANK = {"backlog": 0, "wait": 1, "active": 1, "done": 2}


def status_layers(
    classes: dict[str, str], moves: dict[tuple[str, str], int]
) -> dict[str, tuple[int, float]]:
    """(column, row) of each status of a process map, left to right like the workflow.

    The order: backlog statuses first, done statuses last, and in between a greedy order that
    puts as many moves as possible forward (Eades' heuristic for a feedback arc set, weighted
    by how often each move happened), so rework shows as arrows going back. The column: the
    longest chain of forward moves leading to the status, so statuses worked side by side
    share a column. Rows are centred on 0 within a column, one unit apart. Shared by the
    report's figure and the dashboard's cytoscape map."""
    moves = {(a, b): n for (a, b), n in moves.items() if a != b and a in classes and b in classes}
    out = dict.fromkeys(classes, 0)
    into = dict.fromkeys(classes, 0)
    for (a, b), count in moves.items():
        out[a] += count
        into[b] += count
    order: list[str] = []
    left = set(classes)
    while left:
        best = min(left, key=lambda n: (_CLASS_RANK.get(classes[n], 1), into[n] - out[n], n))
        order.append(best)
        left.remove(best)
        for (a, b), count in moves.items():  # best's moves no longer count for the rest
            if a == best and b in left:
                into[b] -= count
            if b == best and a in left:
                out[a] -= count
    index = {n: i for i, n in enumerate(order)}
    column = dict.fromkeys(order, 0)
    for n in order:  # in order: every forward predecessor already has its column
        for (a, b), count in moves.items():
            if b == n and index[a] < index[n] and count > 0:
                column[n] = max(column[n], column[a] + 1)
    stacks: dict[int, list[str]] = {}
    for n in order:
        stacks.setdefault(column[n], []).append(n)
    return {
        n: (c, row - (len(names) - 1) / 2)
        for c, names in stacks.items()
        for row, n in enumerate(names)
    }


def _graph_figure(
    title: str,
    nodes: list[str],
    edges: pd.DataFrame,
    pos: dict[str, tuple[float, float]],
    node_colours: dict[str, str],
    node_hover: dict[str, str],
    wait_label: str,
    equal_axes: bool = True,
) -> go.Figure:
    """Directed graph: arrows whose width is the count and colour the median wait."""
    fig = _base(title, height=520)
    waits = _days(edges["median_s"].fillna(0.0)) if not edges.empty else pd.Series([], "float64")
    wmax = float(waits.max()) if len(waits) and waits.max() > 0 else 1.0
    cmax = float(edges["count"].max()) if not edges.empty else 1.0
    pairs = set(zip(edges["source"], edges["target"], strict=True))
    mid_x, mid_y, mid_text = [], [], []
    for row, wait in zip(edges.itertuples(), waits, strict=True):
        if row.source not in pos or row.target not in pos:
            continue
        (x0, y0), (x1, y1) = pos[row.source], pos[row.target]
        width = 1.5 + 8.5 * float(row.count) / cmax
        colour = sample_colorscale(WAIT_SCALE, [0.15 + 0.85 * min(wait / wmax, 1.0)])[0]
        if row.source == row.target:
            mid_x.append(x0)
            mid_y.append(y0 + 0.12)
        else:
            # Both directions of a pair would overlap: shift each to its right-hand side.
            dx, dy = x1 - x0, y1 - y0
            length = math.hypot(dx, dy) or 1.0
            off = 0.04 if (row.target, row.source) in pairs else 0.0
            ox, oy = dy / length * off, -dx / length * off
            # Stop the arrow short of the node marker.
            sx, sy = x0 + dx * 0.08 + ox, y0 + dy * 0.08 + oy
            tx, ty = x1 - dx * 0.08 + ox, y1 - dy * 0.08 + oy
            fig.add_annotation(
                x=tx,
                y=ty,
                ax=sx,
                ay=sy,
                xref="x",
                yref="y",
                axref="x",
                ayref="y",
                showarrow=True,
                arrowhead=3,
                arrowsize=0.8,
                arrowwidth=width,
                arrowcolor=colour,
                opacity=0.85,
                text="",
            )
            mid_x.append((sx + tx) / 2)
            mid_y.append((sy + ty) / 2)
        mid_text.append(
            f"{_esc(row.source)} → {_esc(row.target)}<br>{int(row.count)} times"
            f"<br>median {wait_label} {wait:.1f} days"
        )
    fig.add_scatter(
        x=mid_x,
        y=mid_y,
        mode="markers",
        hovertext=mid_text,
        hoverinfo="text",
        showlegend=False,
        marker={
            "size": 10,
            "color": list(_days(edges["median_s"].fillna(0.0)))[: len(mid_x)],
            "colorscale": WAIT_SCALE,
            "cmin": 0,
            "cmax": wmax,
            "opacity": 0.6,
            "colorbar": {"title": {"text": f"median {wait_label}<br>(days)"}},
        },
    )
    fig.add_scatter(
        x=[pos[n][0] for n in nodes],
        y=[pos[n][1] for n in nodes],
        mode="markers+text",
        text=[_esc(n) for n in nodes],
        textposition=[("top center" if pos[n][1] >= 0 else "bottom center") for n in nodes],
        hovertext=[node_hover.get(n, _esc(n)) for n in nodes],
        hoverinfo="text",
        marker={
            "size": 26,
            "color": [node_colours.get(n, "#888") for n in nodes],
            "line": {"width": 1, "color": "#333"},
        },
        showlegend=False,
    )
    fig.update_xaxes(visible=False)
    if equal_axes:
        fig.update_yaxes(visible=False, scaleanchor="x", scaleratio=1)
    else:
        fig.update_yaxes(visible=False)
    return fig


def handoff_graph(handoffs: TableLike) -> go.Figure:
    """Team handoff graph: edge width = number of handoffs, colour = median handoff wait.
    Nodes on a circle, the team with most handoffs first; ping-pong edges say so on hover."""
    title = "Handoffs between teams"
    df = _df(handoffs)
    if df.empty:
        return empty_figure(title, "No handoffs: every item stayed with one team.")
    edges = pd.DataFrame(
        {
            "source": df["from_team"],
            "target": df["to_team"],
            "count": df["count"],
            "median_s": df["median_wait_s"],
        }
    )
    volume: dict[str, int] = {}
    for row in edges.itertuples():
        volume[row.source] = volume.get(row.source, 0) + int(row.count)
        volume[row.target] = volume.get(row.target, 0) + int(row.count)
    nodes = sorted(volume, key=lambda n: (-volume[n], n))
    colours = {n: TEAM_COLOURS[i % len(TEAM_COLOURS)] for i, n in enumerate(sorted(nodes))}
    hover = {n: f"{_esc(n)}<br>{volume[n]:,} handoffs in or out" for n in nodes}
    fig = _graph_figure(title, nodes, edges, _circle_layout(nodes), colours, hover, "handoff wait")
    if "ping_pong" in df and bool(df["ping_pong"].fillna(False).any()):
        pp = df[df["ping_pong"].fillna(False)]
        pairs = [
            f"{_esc(a)} → {_esc(b)}" for a, b in zip(pp["from_team"], pp["to_team"], strict=True)
        ]
        names = ", ".join(pairs[:4]) + (f" and {len(pairs) - 4} more" if len(pairs) > 4 else "")
        fig.add_annotation(
            text=f"ping-pong: {names}",
            x=0,
            y=-0.06,
            xref="paper",
            yref="paper",
            showarrow=False,
            xanchor="left",
            font={"size": 11, "color": "#a33"},
        )
    return fig


def status_map(status_map: TableLike, status_classes: TableLike | None = None) -> go.Figure:
    """Status process map (directly-follows over status segments): width = transitions,
    colour = median time between leaving one status and entering the next, nodes by class."""
    title = "Status process map"
    df = _df(status_map)
    if df.empty:
        return empty_figure(title, "No status transitions in the log.")
    classes: dict[str, str] = {}
    counts: dict[str, int] = {}
    if status_classes is not None:
        sc = _df(status_classes)
        if not sc.empty:
            classes = dict(zip(sc["status"], sc["class"], strict=True))
            counts = {
                s: int(e)
                for s, e in zip(sc["status"], sc["events"], strict=True)
                if e is not None and not pd.isna(e)
            }
    nodes = sorted(set(df["source"]) | set(df["target"]))
    colours = {n: CLASS_COLOURS.get(classes.get(n, ""), "#888") for n in nodes}
    hover = {
        n: f"{_esc(n)}<br>class {classes.get(n, '?')}"
        + (f"<br>entered {counts[n]} times" if n in counts else "")
        for n in nodes
    }
    moves = {
        (s, t): int(n) for s, t, n in zip(df["source"], df["target"], df["count"], strict=True)
    }
    layers = status_layers({n: classes.get(n, "wait") for n in nodes}, moves)
    pos = {n: (float(c), 0.8 * r) for n, (c, r) in layers.items()}
    return _graph_figure(title, nodes, df, pos, colours, hover, "transition time", equal_axes=False)


# --------------------------------------------------------------------------- flow


def lead_time_scatter(items: TableLike) -> go.Figure:
    """Lead time of each delivered item against its delivery date, with p50/p85/p95 lines."""
    title = "Lead time of delivered items"
    df = _df(items)
    if df.empty or "delivered" not in df:
        return empty_figure(title, "No delivered items.")
    df = df[df["delivered"].notna() & df["lead_time_s"].notna()].sort_values(["delivered", "item"])
    if df.empty:
        return empty_figure(title, "No delivered items.")
    lead = _days(df["lead_time_s"])
    fig = _base(title)
    fig.add_scatter(
        x=df["delivered"],
        y=lead,
        mode="markers",
        name="items",
        marker={"size": 7, "color": CLASS_COLOURS["done"], "opacity": 0.7},
        hovertext=[f"{_esc(i)}: {_esc(s)}" for i, s in zip(df["item"], df["summary"], strict=True)],
        hovertemplate="%{hovertext}<br>%{y:.1f} days<extra></extra>",
    )
    sides = ("top left", "top right", "top left")  # close lines keep their labels apart
    for (p, value), side in zip(_percentiles(df["lead_time_s"]).items(), sides, strict=False):
        fig.add_hline(
            y=value / DAY,
            line_dash="dash",
            line_color="#555",
            annotation_text=f"p{p} {value / DAY:.1f} d",
            annotation_position=side,
        )
    fig.update_yaxes(title_text="lead time (days)", rangemode="tozero")
    fig.update_xaxes(title_text="delivered")
    return fig


def flow_efficiency_histogram(items: TableLike) -> go.Figure:
    """Distribution of per-item flow efficiency, with the median and pooled values marked."""
    title = "Flow efficiency of items"
    df = _df(items)
    if df.empty or "flow_efficiency" not in df or df["flow_efficiency"].notna().sum() == 0:
        return empty_figure(title, "No item has a flow window (status history needed).")
    df = df[df["flow_efficiency"].notna()]
    fe = df["flow_efficiency"].astype("float64") * 100
    fig = _base(title)
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


def cumulative_flow(daily: TableLike) -> go.Figure:
    """Cumulative flow diagram: items per status at the end of each day, done at the bottom."""
    title = "Cumulative flow"
    df = _df(daily)
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
    fig = _base(title, height=460)
    shades = {c: 0 for c in CLASS_ORDER}
    for status, cls in zip(order["status"], order["class"], strict=True):
        part = df[df["status"] == status].sort_values("date")
        base = CLASS_COLOURS.get(cls, "#888")
        colour = _shade(base, shades.get(cls, 0))
        shades[cls] = shades.get(cls, 0) + 1
        fig.add_scatter(
            x=part["date"],
            y=part["items"],
            name=_esc(status),
            mode="lines",
            stackgroup="cfd",
            line={"width": 0.5, "color": colour},
            fillcolor=colour,
            hovertemplate=f"{_esc(status)}: %{{y}}<extra></extra>",
        )
    fig.update_yaxes(title_text="items")
    return fig


def _shade(hex_colour: str, step: int) -> str:
    """Lighter variants of a class colour for the statuses of one class."""
    r, g, b = (int(hex_colour[i : i + 2], 16) for i in (1, 3, 5))
    f = min(0.15 * step, 0.75)
    r, g, b = (round(c + (255 - c) * f) for c in (r, g, b))
    return f"#{r:02x}{g:02x}{b:02x}"


def ageing_wip(items: TableLike) -> go.Figure:
    """Open committed items by current status and age, against the cycle-time percentiles of
    delivered items (an item above the p85 line is older than 85% of finished work)."""
    title = "Ageing work in progress"
    df = _df(items)
    if df.empty:
        return empty_figure(title, "No items.")
    open_ = df[df["is_open"].fillna(False) & df["committed"].notna() & df["age_s"].notna()]
    if open_.empty:
        return empty_figure(title, "No committed work in progress at the analysis date.")
    open_ = open_.sort_values(["current_status", "item"])
    fig = _base(title)
    fig.add_scatter(
        x=[_esc(s) for s in open_["current_status"]],
        y=_days(open_["age_s"]),
        mode="markers",
        name="open items",
        marker={
            "size": 9,
            "color": [CLASS_COLOURS.get(c, "#888") for c in open_["current_class"]],
            "opacity": 0.75,
        },
        hovertext=[
            f"{_esc(i)}: {_esc(s)}" for i, s in zip(open_["item"], open_["summary"], strict=True)
        ],
        hovertemplate="%{hovertext}<br>age %{y:.1f} days<extra></extra>",
    )
    for p, value in _percentiles(df["cycle_time_s"]).items():
        fig.add_hline(
            y=value / DAY,
            line_dash="dot",
            line_color="#555",
            annotation_text=f"cycle time p{p} {value / DAY:.1f} d",
            annotation_position="top left",
        )
    fig.update_yaxes(title_text="age since commitment (days)", rangemode="tozero")
    return fig


def item_journeys(
    timeline: TableLike, items: TableLike, n: int = 10, touches: TableLike | None = None
) -> go.Figure:
    """Swimlanes of the ``n`` items that waited longest: one bar per segment, coloured by
    team; wait (and blocked) segments are hatched and pale, active ones solid; steering
    touches (``steering_touches`` rows), when given, are diamonds on the lanes. With a
    one-row ``items`` this is that item's journey."""
    title = "Journeys of the items that waited longest"
    worst: list[str] | None = None
    if isinstance(items, pa.Table) and items.num_rows and "wait_s" in items.column_names:
        # The n worst in Arrow: only their rows go to pandas (the dashboard draws this on
        # every filter change, over tens of thousands of items).
        wait = pc.fill_null(items["wait_s"].cast(pa.float64()), -1.0)
        wait = pc.if_else(pc.is_nan(wait), -1.0, wait)
        ranked = pa.table({"w": wait, "item": items["item"]}).sort_by(
            [("w", "descending"), ("item", "ascending")]
        )
        worst = ranked["item"].slice(0, n).to_pylist()
        items = items.filter(pc.is_in(items["item"], pa.array(worst, pa.string())))
    it = _df(items)
    if worst is None and not it.empty and "wait_s" in it:
        worst = (
            it.assign(_w=it["wait_s"].fillna(-1.0))
            .sort_values(["_w", "item"], ascending=[False, True])["item"]
            .head(n)
            .tolist()
        )
    if worst is not None and isinstance(timeline, pa.Table):
        # Only the lanes shown: a big log's timeline never goes to pandas whole.
        timeline = timeline.filter(pc.is_in(timeline["item"], pa.array(worst, pa.string())))
    tl = _df(timeline)
    if tl.empty:
        return empty_figure(title, "No timeline segments.")
    if worst is None:
        worst = sorted(tl["item"].unique())[:n]
    tl = tl[tl["item"].isin(worst) & (tl["duration_s"] > 0)]
    if not it.empty and "delivered" in it:
        # A delivered item's timeline runs on to as_of; its journey ends at delivery.
        ends = it.set_index("item")["delivered"]
        end = tl["item"].map(ends)
        tl = tl.assign(end=tl["end"].where(end.isna() | (tl["end"] <= end), end))
        tl = tl[end.isna() | (tl["start"] < end)]
        tl = tl.assign(duration_s=(tl["end"] - tl["start"]).dt.total_seconds())
    if tl.empty:
        return empty_figure(title, "No timeline segments.")
    if len(worst) == 1:
        title = f"Journey of {_esc(worst[0])}"
    lane = {item: i for i, item in enumerate(worst)}
    tl = tl.assign(_lane=tl["item"].map(lane)).sort_values(["_lane", "seg"])
    teams = sorted(t for t in tl["team"].dropna().unique())
    colours = {t: TEAM_COLOURS[i % len(TEAM_COLOURS)] for i, t in enumerate(teams)}
    fig = _base(title, height=max(320, 90 + 38 * len(worst)))
    for team in [*teams, None]:
        part = tl[tl["team"].isna()] if team is None else tl[tl["team"] == team]
        if part.empty:
            continue
        wait = (part["class"] != "active") | part["blocked"].fillna(False)
        fig.add_bar(
            y=[_esc(i) for i in part["item"]],
            x=(part["end"] - part["start"]).dt.total_seconds() * 1000.0,
            base=part["start"].dt.strftime("%Y-%m-%dT%H:%M:%S"),
            orientation="h",
            name=_esc(team) if team is not None else "(no team)",
            marker={
                "color": colours.get(team, "#bbb"),
                "opacity": [0.45 if w else 1.0 for w in wait],
                "pattern": {"shape": ["/" if w else "" for w in wait]},
            },
            hovertext=[
                f"{_esc(i)} · {_esc(s)} ({_esc(c)}{', blocked' if b else ''})"
                f"<br>{_esc(team)} · {d / DAY:.1f} days"
                for i, s, c, b, d in zip(
                    part["item"],
                    part["status"],
                    part["class"],
                    part["blocked"].fillna(False),
                    part["duration_s"],
                    strict=True,
                )
            ],
            hoverinfo="text",
        )
    marks = _df(touches) if touches is not None else pd.DataFrame()
    if not marks.empty:
        marks = marks[marks["item"].isin(worst)].sort_values(["item", "ts"])
        if not marks.empty:
            fig.add_scatter(
                x=marks["ts"].dt.strftime("%Y-%m-%dT%H:%M:%S"),
                y=[_esc(i) for i in marks["item"]],
                mode="markers",
                name="steering touch",
                marker={
                    "symbol": "diamond",
                    "size": 10,
                    "color": "#111",
                    "line": {"width": 1, "color": "#fff"},
                },
                hovertext=[
                    f"{_esc(i)}: steering ({_esc(k)}) {_esc(d)}"
                    for i, k, d in zip(marks["item"], marks["kind"], marks["detail"], strict=True)
                ],
                hoverinfo="text",
            )
    fig.update_layout(barmode="overlay", legend={"title": {"text": "team"}})
    fig.update_xaxes(type="date")
    fig.update_yaxes(
        autorange="reversed", categoryorder="array", categoryarray=[_esc(i) for i in worst]
    )
    return fig


def steering_touches(touches: TableLike) -> go.Figure:
    """Steering-committee touches per meeting day, stacked by how they were detected."""
    title = "Steering-committee touches"
    df = _df(touches)
    if df.empty:
        return empty_figure(title, "No steering touches (configure [steering] to detect them).")
    counts = (
        df.groupby(["meeting_date", "kind"])
        .size()
        .rename("touches")
        .reset_index()
        .sort_values(["kind", "meeting_date"])
    )
    fig = _base(title)
    palette = {
        "status": "#845ef7",
        "label": "#f59f00",
        "comment": "#1c7ed6",
        "meeting": "#e8590c",
        "recurring": "#2f9e44",
    }
    for kind in sorted(counts["kind"].unique()):
        part = counts[counts["kind"] == kind]
        fig.add_bar(
            x=part["meeting_date"],
            y=part["touches"],
            name=_esc(kind),
            width=3 * DAY * 1000,
            marker_color=palette.get(kind, "#888"),
            hovertemplate="%{x}: %{y} items<extra>" + _esc(kind) + "</extra>",
        )
    fig.update_layout(barmode="stack")
    fig.update_yaxes(title_text="items discussed")
    return fig


def throughput_trend(weekly: TableLike) -> go.Figure:
    """Items delivered per week."""
    title = "Throughput per week"
    df = _df(weekly)
    if df.empty:
        return empty_figure(title, "No delivered items.")
    df = df.sort_values("week")
    fig = _base(title, height=340)
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
    df = _df(weekly)
    if df.empty:
        return empty_figure(title, "No delivered items.")
    df = df.sort_values("week")
    fig = _base(title, height=340)
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
