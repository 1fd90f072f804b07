"""Where the time went: one bar of 100% per period, split into touch, blocked, waiting for the
steering committee, waiting after handoffs and waiting per status (the ``time_shares`` table
of :mod:`flowgap.engine.time_shares`)."""

from __future__ import annotations

import plotly.graph_objects as go

from ..engine.time_shares import part_label
from ..units import DAY_S
from .style import CLASS_COLOURS, TableLike, add_trace, base_figure, empty_figure, esc, frame

#: Statuses drawn one by one; the others are folded into "Waiting in other statuses".
MAX_STATUSES = 6
OTHER_STATUSES = "Waiting in other statuses"

PART_COLOURS = {
    "touch": CLASS_COLOURS["active"],
    "blocked": "#8b1e3f",
    "steering": "#7b2cbf",
    "handoff": "#f4a259",
    "before_status": CLASS_COLOURS["backlog"],
}
#: Waiting per status, largest first: shades of the wait colour, then grey for the rest.
STATUS_COLOURS = ("#e4572e", "#ef8354", "#f7b267", "#c44536", "#d9a5b3", "#a34a28")
OTHER_COLOUR = "#bfb6ae"


def kept_statuses(shares: TableLike) -> list[str]:
    """The statuses drawn one by one: the ``MAX_STATUSES`` with the most waiting."""
    df = frame(shares)
    if df.empty:
        return []
    rows = df[(df["part"] == "status") & (df["seconds"] > 0)]
    return [str(s) for s in rows["status"].head(MAX_STATUSES)]


def share_parts(shares: TableLike, kept: list[str]) -> list[tuple[str, float, float]]:
    """(label, seconds, share) of each part with time, in drawing order: touch, blocked,
    steering, after handoffs, the ``kept`` statuses, the other statuses together, before the
    first status."""
    df = frame(shares)
    if df.empty:
        return []
    out: list[tuple[str, float, float]] = []
    other_s = other_share = 0.0
    for row in df.to_dict("records"):
        seconds, share = float(row["seconds"] or 0.0), row["share"]
        if seconds <= 0 or share is None:
            continue
        if row["part"] == "status" and row["status"] not in kept:
            other_s, other_share = other_s + seconds, other_share + float(share)
            continue
        out.append((part_label(row), seconds, float(share)))
    if other_s > 0:
        out.append((OTHER_STATUSES, other_s, other_share))
    return out


def _colours(kept: list[str]) -> dict[str, str]:
    """One colour per label, the same on both bars."""
    colours = {part_label({"part": p, "status": None}): c for p, c in PART_COLOURS.items()}
    for i, status in enumerate(kept):
        colours[part_label({"part": "status", "status": status})] = STATUS_COLOURS[
            i % len(STATUS_COLOURS)
        ]
    colours[OTHER_STATUSES] = OTHER_COLOUR
    return colours


def time_shares(
    shares: TableLike,
    previous: TableLike | None = None,
    labels: tuple[str, str] = ("Selection", "Previous period"),
) -> go.Figure:
    """One bar per period (the selection, and the period before it when given), each part a
    slice of 100%: where the elapsed item time went. Both bars draw the same statuses (the
    selection's largest), so a colour means the same on both."""
    title = "Where the time went (share of all elapsed item time)"
    kept = kept_statuses(shares)
    current = share_parts(shares, kept)
    if not current:
        return empty_figure(title, "No flow windows in this selection: no elapsed time to split.")
    bars = [(labels[0], current)]
    before = share_parts(previous, kept) if previous is not None else []
    if before:
        bars.append((labels[1], before))
    colours = _colours(kept)
    # One trace per part (the legend names it), in the selection's order, then any part
    # only the period before has.
    order: list[str] = []
    for _, parts in bars:
        order += [label for label, _s, _share in parts if label not in order]
    names = [esc(name) for name, _ in bars][::-1]
    fig = base_figure(title)
    for label in order:
        x, days_ = [], []
        for _name, parts in bars[::-1]:
            found = next((p for p in parts if p[0] == label), None)
            x.append(100.0 * found[2] if found else 0.0)
            days_.append(found[1] / DAY_S if found else 0.0)
        add_trace(
            fig,
            "bar",
            y=names,
            x=x,
            name=esc(label),
            orientation="h",
            marker_color=colours[label],
            customdata=days_,
            text=[f"{v:.0f}%" if v >= 4 else "" for v in x],
            textposition="inside",
            insidetextanchor="middle",
            hovertemplate=f"{esc(label)}: %{{x:.1f}}% (%{{customdata:.1f}} item-days)"
            "<extra>%{y}</extra>",
        )
    fig.update_layout(
        barmode="stack",
        legend={"orientation": "h", "x": 0, "xanchor": "left", "y": -0.25, "yanchor": "top"},
        margin={"l": 120, "r": 20, "t": 50, "b": 20},
        height=190 + 45 * len(bars) + 20 * ((len(order) + 2) // 3),
    )
    fig.update_xaxes(range=[0, 100], ticksuffix="%")
    return fig
