"""Wait versus touch bars: what each status and each team contributed, the biggest queue on
top."""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from .style import CLASS_COLOURS, TableLike, base_figure, days, empty_figure, esc, frame


def _wait_touch_bars(df: pd.DataFrame, key: str, title: str, what: str) -> go.Figure:
    if df.empty:
        return empty_figure(title, f"No {what} to show: the log has no flow windows.")
    df = df.assign(_wait=df["wait_s"].fillna(0.0), _touch=df["touch_s"].fillna(0.0))
    df = df.sort_values(["_wait", key], ascending=[True, False])
    fig = base_figure(title, height=max(300, 60 + 28 * len(df)))
    names = [esc(v) for v in df[key]]
    fig.add_bar(
        y=names,
        x=days(df["_wait"]),
        name="wait",
        orientation="h",
        marker_color=CLASS_COLOURS["wait"],
        hovertemplate="%{y}: %{x:.1f} days waiting<extra></extra>",
    )
    fig.add_bar(
        y=names,
        x=days(df["_touch"]),
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
    return _wait_touch_bars(frame(stages), "status", "Wait versus touch by status", "statuses")


def wait_by_team(teams: TableLike) -> go.Figure:
    """Wait and touch contributed by each team, the biggest queue on top."""
    return _wait_touch_bars(frame(teams), "team", "Wait versus touch by team", "teams")
