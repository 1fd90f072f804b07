"""Wait versus touch bars: what each status and each team contributed, the biggest queue on
top."""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from .style import CLASS_COLOURS, TableLike, add_trace, base_figure, days, empty_figure, esc, frame
from .teams import OTHER, TeamScope, team_scope


def _wait_touch_bars(
    df: pd.DataFrame, key: str, title: str, empty: str, last: str | None = None
) -> go.Figure:
    """Stacked wait and touch bars per ``key``, the biggest wait on top; the row named
    ``last`` (the teams folded into "other") at the bottom whatever its wait."""
    if df.empty:
        return empty_figure(title, empty)
    df = df.assign(
        _wait=df["wait_s"].fillna(0.0),
        _touch=df["touch_s"].fillna(0.0),
        _last=df[key] == last,
    )
    df = df.sort_values(["_last", "_wait", key], ascending=[False, True, False])
    fig = base_figure(title, height=max(300, 60 + 28 * len(df)))
    names = [esc(v) for v in df[key]]
    add_trace(
        fig,
        "bar",
        y=names,
        x=days(df["_wait"]),
        name="wait",
        orientation="h",
        marker_color=CLASS_COLOURS["wait"],
        hovertemplate="%{y}: %{x:.1f} days waiting<extra></extra>",
    )
    add_trace(
        fig,
        "bar",
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
    return _wait_touch_bars(
        frame(stages),
        "status",
        "Wait versus touch by status",
        "No statuses to show: the log has no flow windows.",
    )


def wait_by_team(teams: TableLike, scope: TeamScope | None = None) -> go.Figure:
    """Wait and touch contributed by each team, the biggest queue on top: the teams ``scope``
    shows by name (default: the busiest of ``teams`` itself, :mod:`.teams`), the others
    summed in one "other (N teams)" bar at the bottom. A square in each team's colour
    precedes its name."""
    df = frame(teams)
    title = "Wait versus touch by team"
    if df.empty:
        return empty_figure(title, NO_TEAMS)
    scope = scope or team_scope(df)
    shown = set(scope.shown)
    inside = df["team"].isin(shown)
    folded = df[~inside]
    df = df[inside]
    other = None
    if not folded.empty:
        other = scope.other_label(folded["team"])
        row = {"team": other, "wait_s": folded["wait_s"].sum(), "touch_s": folded["touch_s"].sum()}
        df = pd.concat([df[["team", "wait_s", "touch_s"]], pd.DataFrame([row])], ignore_index=True)
    fig = _wait_touch_bars(df, "team", title, NO_TEAMS, last=other)
    team_of = {esc(t): (OTHER if t == other else t) for t in df["team"]}
    names = list(fig.data[0].y)
    fig.update_yaxes(
        tickmode="array",
        tickvals=names,
        ticktext=[f"<span style='color:{scope.colour(team_of[n])}'>■</span> {n}" for n in names],
    )
    return fig


#: What a team chart says when no team is named (a log, or the filtered items, without one).
NO_TEAMS = (
    "No team is named for these items: [teams] source (the team field, status_map,"
    " assignee_map, assignee) finds none."
)
