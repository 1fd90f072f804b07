"""The process maps as figures: the team handoff graph and the status process map (arrows whose
width is the count and colour the median wait), and the left-to-right layout of statuses that
the dashboard's cytoscape map shares."""

from __future__ import annotations

import heapq
import math

import pandas as pd
import plotly.graph_objects as go
import pyarrow as pa
from plotly.colors import sample_colorscale

from ..mining.process_maps import busiest_map, map_statuses
from ..units import DAY_S
from .style import (
    CLASS_COLOURS,
    TEAM_COLOURS,
    WAIT_SCALE,
    TableLike,
    add_trace,
    base_figure,
    days,
    empty_figure,
    esc,
    frame,
)
from .teams import TeamScope


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
    report's figure and the dashboard's cytoscape map.

    Each step takes the status with the least (class rank, moves in - moves out, name) among
    those left; a heap with the moves of each status listed once keeps this O((n + m) log n),
    where scanning every status and every move at each step was quadratic (minutes for a log
    of 10,000 statuses)."""
    moves = {(a, b): n for (a, b), n in moves.items() if a != b and a in classes and b in classes}
    out = dict.fromkeys(classes, 0)
    into = dict.fromkeys(classes, 0)
    targets: dict[str, list[tuple[str, int]]] = {n: [] for n in classes}
    sources: dict[str, list[tuple[str, int]]] = {n: [] for n in classes}
    for (a, b), count in moves.items():
        out[a] += count
        into[b] += count
        targets[a].append((b, count))
        sources[b].append((a, count))

    def key(n: str) -> tuple[int, int, str]:
        return (_CLASS_RANK.get(classes[n], 1), into[n] - out[n], n)

    heap = [key(n) for n in classes]
    heapq.heapify(heap)
    order: list[str] = []
    left = set(classes)
    while heap:
        entry = heapq.heappop(heap)
        best = entry[2]
        if best not in left or entry != key(best):
            continue  # taken already, or its balance changed since this entry
        order.append(best)
        left.remove(best)
        for b, count in targets[best]:  # best's moves no longer count for the rest
            if b in left:
                into[b] -= count
                heapq.heappush(heap, key(b))
        for a, count in sources[best]:
            if a in left:
                out[a] -= count
                heapq.heappush(heap, key(a))
    index = {n: i for i, n in enumerate(order)}
    column = dict.fromkeys(order, 0)
    for n in order:  # in order: every forward predecessor already has its column
        for a, count in sources[n]:
            if index[a] < index[n] and count > 0:
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
    fig = base_figure(title, height=520)
    waits = days(edges["median_s"].fillna(0.0)) if not edges.empty else pd.Series([], "float64")
    wmax = float(waits.max()) if len(waits) and waits.max() > 0 else 1.0
    cmax = float(edges["count"].max()) if not edges.empty else 1.0
    pairs = set(zip(edges["source"], edges["target"], strict=True))
    mid_x, mid_y, mid_text = [], [], []
    # Set at once: plotly's add_annotation copies the list it appends to (880 arrows took
    # 188 s of CPU one by one, on BPI Challenge 2013 with its 585 people as teams).
    arrows: list[dict] = []
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
            arrows.append(
                {
                    "x": tx,
                    "y": ty,
                    "ax": sx,
                    "ay": sy,
                    "xref": "x",
                    "yref": "y",
                    "axref": "x",
                    "ayref": "y",
                    "showarrow": True,
                    "arrowhead": 3,
                    "arrowsize": 0.8,
                    "arrowwidth": width,
                    "arrowcolor": colour,
                    "opacity": 0.85,
                    "text": "",
                }
            )
            mid_x.append((sx + tx) / 2)
            mid_y.append((sy + ty) / 2)
        mid_text.append(
            f"{esc(row.source)} → {esc(row.target)}<br>{int(row.count)} times"
            f"<br>median {wait_label} {wait:.1f} days"
        )
    fig.update_layout(annotations=[*fig.layout.annotations, *arrows])
    add_trace(
        fig,
        "scatter",
        x=mid_x,
        y=mid_y,
        mode="markers",
        hovertext=mid_text,
        hoverinfo="text",
        showlegend=False,
        marker={
            "size": 10,
            "color": list(days(edges["median_s"].fillna(0.0)))[: len(mid_x)],
            "colorscale": WAIT_SCALE,
            "cmin": 0,
            "cmax": wmax,
            "opacity": 0.6,
            "colorbar": {"title": {"text": f"median {wait_label}<br>(days)"}},
        },
    )
    add_trace(
        fig,
        "scatter",
        x=[pos[n][0] for n in nodes],
        y=[pos[n][1] for n in nodes],
        mode="markers+text",
        text=[esc(n) for n in nodes],
        textposition=[("top center" if pos[n][1] >= 0 else "bottom center") for n in nodes],
        hovertext=[node_hover.get(n, esc(n)) for n in nodes],
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


def handoff_graph(handoffs: TableLike, teams: TeamScope | None = None) -> go.Figure:
    """Team handoff graph: edge width = number of handoffs, colour = median handoff wait.
    Nodes on a circle, the team with most handoffs first, each in its colour of ``teams``
    (the shared team scope); ping-pong edges say so on hover."""
    title = "Handoffs between teams"
    df = frame(handoffs)
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
    if teams is not None:
        colours = {n: teams.colour(n) for n in nodes}
    else:
        colours = {n: TEAM_COLOURS[i % len(TEAM_COLOURS)] for i, n in enumerate(sorted(nodes))}
    hover = {n: f"{esc(n)}<br>{volume[n]:,} handoffs in or out" for n in nodes}
    fig = _graph_figure(title, nodes, edges, _circle_layout(nodes), colours, hover, "handoff wait")
    if "ping_pong" in df and bool(df["ping_pong"].fillna(False).any()):
        pp = df[df["ping_pong"].fillna(False)]
        pairs = [
            f"{esc(a)} → {esc(b)}" for a, b in zip(pp["from_team"], pp["to_team"], strict=True)
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


def handoff_matrix(handoffs: TableLike) -> go.Figure:
    """From-to matrix of handoffs (rows: from, columns: to), cell colour = how many; the
    median handoff wait on hover. Readable where a graph of many teams is not. Teams in the
    order of their handoffs in and out, busiest first (``other``, a fold of the rest, last)."""
    title = "Handoffs from team (rows) to team (columns)"
    df = frame(handoffs)
    if df.empty:
        return empty_figure(title, "No handoffs: every item stayed with one team.")
    volume: dict[str, int] = {}
    for a, b, n in zip(df["from_team"], df["to_team"], df["count"], strict=True):
        volume[a] = volume.get(a, 0) + int(n)
        volume[b] = volume.get(b, 0) + int(n)
    teams = sorted(volume, key=lambda t: (t == "other", -volume[t], t))
    at = {t: i for i, t in enumerate(teams)}
    counts = [[None] * len(teams) for _ in teams]
    hover = [[""] * len(teams) for _ in teams]
    for a, b, n, w in zip(
        df["from_team"], df["to_team"], df["count"], df["median_wait_s"], strict=True
    ):
        counts[at[a]][at[b]] = int(n)
        wait = "n/a" if w is None or pd.isna(w) else f"{w / DAY_S:.1f} d"
        label = f"{int(n):,} handoff" + ("" if int(n) == 1 else "s")
        hover[at[a]][at[b]] = f"{esc(a)} → {esc(b)}<br>{label}, median wait {wait}"
    fig = base_figure(title, height=max(360, 120 + 22 * len(teams)))
    add_trace(
        fig,
        "heatmap",
        z=counts,
        x=[esc(t) for t in teams],
        y=[esc(t) for t in teams],
        text=hover,
        hoverinfo="text",
        colorscale=WAIT_SCALE,
        colorbar={"title": {"text": "handoffs"}},
        xgap=1,
        ygap=1,
    )
    fig.update_yaxes(autorange="reversed", title="from")
    fig.update_xaxes(side="top", title="to", tickangle=-45)
    # Room above for the team names on the top axis, below the title.
    fig.update_layout(margin={"t": 150}, title={"y": 0.98, "yanchor": "top"})
    return fig


def status_map(status_map: TableLike, status_classes: TableLike | None = None) -> go.Figure:
    """Status process map (directly-follows over status segments): width = transitions,
    colour = median time between leaving one status and entering the next, nodes by class."""
    title = "Status process map"
    if isinstance(status_map, pa.Table) and status_map.num_rows:
        drawn = busiest_map(status_map)
        if drawn is not status_map:
            shown, total = map_statuses(drawn), map_statuses(status_map)
            title += f" ({shown} of {total:,} statuses: the busiest)"
            status_map = drawn
    df = frame(status_map)
    if df.empty:
        return empty_figure(title, "No status transitions in the log.")
    classes: dict[str, str] = {}
    counts: dict[str, int] = {}
    if status_classes is not None:
        sc = frame(status_classes)
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
        n: f"{esc(n)}<br>class {classes.get(n, '?')}"
        + (f"<br>entered {counts[n]} times" if n in counts else "")
        for n in nodes
    }
    moves = {
        (s, t): int(n) for s, t, n in zip(df["source"], df["target"], df["count"], strict=True)
    }
    layers = status_layers({n: classes.get(n, "wait") for n in nodes}, moves)
    pos = {n: (float(c), 0.8 * r) for n, (c, r) in layers.items()}
    return _graph_figure(title, nodes, df, pos, colours, hover, "transition time", equal_axes=False)
