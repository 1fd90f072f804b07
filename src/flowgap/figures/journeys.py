"""Item journeys: swimlanes of the items that waited longest (or of one item), segment by
segment, coloured by team, with the steering touches on the lanes."""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go
import pyarrow as pa
import pyarrow.compute as pc

from ..units import DAY_S
from .style import TableLike, add_trace, base_figure, empty_figure, esc, frame
from .teams import MAX_SHOWN, NO_TEAM, OTHER, TeamScope

#: The most segments a lane draws: an item with 100,000 status changes made an overview page
#: of 22 MB; a lane is at most a couple of thousand pixels wide.
LANE_SEGMENTS = 1000


def longest_waiting(items: pa.Table, n: int = 10) -> list[str]:
    """The keys of the ``n`` items with the most waiting (``wait_s``), ties by key; done in
    Arrow so that a caller can fetch only their timeline rows (the dashboard draws the
    journeys on every filter change, over tens of thousands of items)."""
    wait = pc.fill_null(items["wait_s"].cast(pa.float64()), -1.0)
    wait = pc.if_else(pc.is_nan(wait), -1.0, wait)
    ranked = pa.table({"w": wait, "item": items["item"]}).sort_by(
        [("w", "descending"), ("item", "ascending")]
    )
    return ranked["item"].slice(0, n).to_pylist()


def item_journeys(
    timeline: TableLike,
    items: TableLike,
    n: int = 10,
    touches: TableLike | None = None,
    teams: TeamScope | None = None,
) -> go.Figure:
    """Swimlanes of the ``n`` items that waited longest: one bar per segment, coloured by
    team; wait (and blocked) segments are hatched and pale, active ones solid; steering
    touches (``steering_touches`` rows), when given, are diamonds on the lanes. With a
    one-row ``items`` this is that item's journey.

    ``teams``: the team colours and the teams shown by name (:mod:`.teams`; pass the
    dashboard's or the report's scope so that a team has one colour everywhere); the other
    teams share the "other" colour and legend entry, their hover still names them. Default:
    the teams of the lanes, each by name, coloured in name order."""
    title = "Journeys of the items that waited longest"
    worst: list[str] | None = None
    if not isinstance(items, pa.Table):
        items = pa.Table.from_pandas(frame(items), preserve_index=False)
    if items.num_rows and "wait_s" in items.column_names:
        worst = longest_waiting(items, n)
        items = items.filter(pc.is_in(items["item"], pa.array(worst, pa.string())))
    it = frame(items)
    if worst is not None and isinstance(timeline, pa.Table):
        # Only the lanes shown: a big log's timeline never goes to pandas whole.
        timeline = timeline.filter(pc.is_in(timeline["item"], pa.array(worst, pa.string())))
    tl = frame(timeline)
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
        title = f"Journey of {esc(worst[0])}"
    lane = {item: i for i, item in enumerate(worst)}
    tl = tl.assign(_lane=tl["item"].map(lane))
    if (tl.groupby("_lane").size() > LANE_SEGMENTS).any():
        # The longest segments of each lane; the shortest would be less than a pixel wide.
        tl = tl.sort_values("duration_s", ascending=False, kind="stable")
        tl = tl.groupby("_lane").head(LANE_SEGMENTS)
        title += f" (the {LANE_SEGMENTS:,} longest segments of a lane drawn)"
    tl = tl.sort_values(["_lane", "seg"])
    present = sorted(t for t in tl["team"].dropna().unique())
    if teams is None:
        teams = TeamScope(tuple(present[:MAX_SHOWN]), min(len(present), MAX_SHOWN) or 1)
    rank = {t: i for i, t in enumerate(teams.ranking)}
    labels = pd.Series(
        [teams.label(t if isinstance(t, str) else None) for t in tl["team"]], index=tl.index
    )
    shown = sorted(
        {lab for lab in labels if lab not in (OTHER, NO_TEAM)}, key=lambda t: (rank[t], t)
    )
    fig = base_figure(title, height=max(320, 90 + 38 * len(worst)))
    for label in [*shown, OTHER, NO_TEAM]:
        part = tl[labels == label]
        if part.empty:
            continue
        team = None if label == NO_TEAM else label
        wait = (part["class"] != "active") | part["blocked"].fillna(False)
        add_trace(
            fig,
            "bar",
            y=[esc(i) for i in part["item"]],
            x=(part["end"] - part["start"]).dt.total_seconds() * 1000.0,
            base=part["start"].dt.strftime("%Y-%m-%dT%H:%M:%S"),
            orientation="h",
            name=esc(label),
            marker={
                "color": teams.colour(team),
                "opacity": [0.45 if w else 1.0 for w in wait],
                "pattern": {"shape": ["/" if w else "" for w in wait]},
            },
            hovertext=[
                f"{esc(i)} · {esc(s)} ({esc(c)}{', blocked' if b else ''})"
                f"<br>{esc(t) if t is not None else NO_TEAM} · {d / DAY_S:.1f} days"
                for i, s, c, b, d, t in zip(
                    part["item"],
                    part["status"],
                    part["class"],
                    part["blocked"].fillna(False),
                    part["duration_s"],
                    part["team"].astype(object).where(part["team"].notna(), None),
                    strict=True,
                )
            ],
            hoverinfo="text",
        )
    marks = frame(touches) if touches is not None else pd.DataFrame()
    if not marks.empty:
        marks = marks[marks["item"].isin(worst)].sort_values(["item", "ts"])
        if not marks.empty:
            add_trace(
                fig,
                "scatter",
                x=marks["ts"].dt.strftime("%Y-%m-%dT%H:%M:%S"),
                y=[esc(i) for i in marks["item"]],
                mode="markers",
                name="steering touch",
                marker={
                    "symbol": "diamond",
                    "size": 10,
                    "color": "#111",
                    "line": {"width": 1, "color": "#fff"},
                },
                hovertext=[
                    f"{esc(i)}: steering ({esc(k)}) {esc(d)}"
                    for i, k, d in zip(marks["item"], marks["kind"], marks["detail"], strict=True)
                ],
                hoverinfo="text",
            )
    fig.update_layout(barmode="overlay", legend={"title": {"text": "team"}})
    if len(worst) > 1:
        # Tall enough for the whole legend (a title and a row per entry, ~20 px each, and
        # the margins): five lanes of ten teams scrolled the legend out of sight.
        legend_px = 110 + 20 * (len(fig.data) + 1)
        fig.update_layout(height=max(fig.layout.height, legend_px))
    fig.update_xaxes(type="date")
    fig.update_yaxes(
        autorange="reversed", categoryorder="array", categoryarray=[esc(i) for i in worst]
    )
    return fig
