"""Where the time went: one bar of 100% per period, split into touch, blocked, waiting for the
steering committee, waiting after handoffs and waiting per status (the ``time_shares`` table
of :mod:`flowgap.engine.time_shares`)."""

from __future__ import annotations

import plotly.graph_objects as go

from ..engine.time_shares import part_label
from .style import CLASS_COLOURS, TableLike, base_figure, empty_figure, esc, frame

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


def share_parts(shares: TableLike) -> list[tuple[str, str, float, float]]:
    """(label, colour, seconds, share) of each part with time, in drawing order: touch,
    blocked, steering, after handoffs, the largest statuses, the other statuses together."""
    df = frame(shares)
    if df.empty:
        return []
    out: list[tuple[str, str, float, float]] = []
    statuses = 0
    other_s = other_share = 0.0
    for row in df.to_dict("records"):
        seconds, share = float(row["seconds"] or 0.0), row["share"]
        if seconds <= 0 or share is None:
            continue
        if row["part"] == "status":
            if statuses >= MAX_STATUSES:
                other_s, other_share = other_s + seconds, other_share + float(share)
                continue
            colour = STATUS_COLOURS[statuses % len(STATUS_COLOURS)]
            statuses += 1
        else:
            colour = PART_COLOURS[row["part"]]
        out.append((part_label(row), colour, seconds, float(share)))
    if other_s > 0:
        out.append((OTHER_STATUSES, OTHER_COLOUR, other_s, other_share))
    return out


def time_shares(
    shares: TableLike,
    previous: TableLike | None = None,
    labels: tuple[str, str] = ("Selection", "Previous period"),
) -> go.Figure:
    """One bar per period (the selection, and the period before it when given), each part a
    slice of 100%: where the elapsed item time went."""
    title = "Where the time went (share of all elapsed item time)"
    current = share_parts(shares)
    if not current:
        return empty_figure(title, "No flow windows in this selection: no elapsed time to split.")
    bars = [(labels[0], current)]
    before = share_parts(previous) if previous is not None else []
    if before:
        bars.append((labels[1], before))
    fig = base_figure(title, height=150 + 55 * len(bars))
    # One trace per part (the legend names it), with a value on each bar that has it.
    order: list[tuple[str, str]] = []
    for _, parts in bars:
        for label, colour, _s, _share in parts:
            if (label, colour) not in [(o[0], o[1]) for o in order]:
                order.append((label, colour))
    names = [esc(name) for name, _ in bars][::-1]
    for label, colour in order:
        x, days_ = [], []
        for _name, parts in bars[::-1]:
            found = next((p for p in parts if p[0] == label), None)
            x.append(100.0 * found[3] if found else 0.0)
            days_.append(found[2] / 86400.0 if found else 0.0)
        fig.add_bar(
            y=names,
            x=x,
            name=esc(label),
            orientation="h",
            marker_color=colour,
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
