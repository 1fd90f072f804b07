"""The top of the overview: the answer at a glance for the current selection.

Where the time went (the engine's ``time_shares``, against the previous period of equal length
when the filters hold a date range: :mod:`flowgap.decisions.period_change`), and the worst
item told as a story with its journey strip (the engine's first ``worst_item`` finding).
The page only words and draws what the engine and the decisions layer computed.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from dash import dcc, html

from ... import figures
from ...decisions.period_change import PeriodChange, period_change
from ...engine.time_shares import part_label
from ...report.fmt import days, num, pct
from ...units import DAY_S
from ..chart_scope import teams_of
from ..components import figure as graph
from ..components import section
from ..data import View
from ..filters import Filters, page_link, to_query

#: Where each of :func:`time_parts` goes on the page: a component's id and property.
TIME_SLOTS: dict[str, tuple[str | dict, str]] = {
    "answer": ("overview-answer-box", "children"),
    "time-shares": ({"type": "figure", "name": "time-shares"}, "figure"),
    "compare": ("period-compare", "children"),
}

#: Where each of :func:`worst_parts` goes.
WORST_SLOTS: dict[str, tuple[str | dict, str]] = {
    "worst-story": ("worst-story", "children"),
    "worst-strip": ({"type": "figure", "name": "worst-strip"}, "figure"),
    "worst-link": ("worst-journey-link", "children"),
    "worst-href": ("worst-journey-link", "href"),
}

#: The range the "compare" link proposes when the filters hold none: the last four weeks.
SUGGESTED_DAYS = 28


def first_day(view: View) -> date:
    """The first day of the data (the unfiltered analysis' first change point, UTC)."""
    first = (view.full.summary.get("period") or {}).get("first_ts")  # type: ignore[union-attr]
    if first:
        return datetime.fromisoformat(str(first)).date()
    return view.full.as_of.date()  # type: ignore[union-attr]


def answer_line(shares: list[dict]) -> html.P | None:
    """The picture in one sentence: "Of 1,234 item-days elapsed, 18.0% was touch; the largest
    part, 31.0%, went to waiting in 'QA Queue'." (None when nothing elapsed)."""
    total = sum(r["seconds"] for r in shares)
    if not total:
        return None
    touch = next(r for r in shares if r["part"] == "touch")
    waiting = [r for r in shares if r["part"] != "touch" and r["seconds"] > 0]
    text = f"Of {num(round(total / DAY_S))} item-days elapsed, {pct(touch['share'])} was touch"
    if waiting:
        top = max(waiting, key=lambda r: r["seconds"])
        label = part_label(top)
        text += f"; the largest part, {pct(top['share'])}, went to {label[0].lower()}{label[1:]}"
    return html.P(text + ".", id="overview-answer", className="answer")


def _change_text(row: dict) -> str:
    change = row["change"]
    if change is None:
        return "–"
    if row["unit"] == "ratio":
        return f"{change * 100:+.1f} pts"
    if row["unit"] == "seconds":
        return f"{change / DAY_S:+.1f} d"
    if row["unit"] == "count":
        return f"{change:+,.0f}"
    return f"{change:+.2f}"


def _value_text(row: dict, value: float | None) -> str:
    if row["unit"] == "ratio":
        return pct(value)
    if row["unit"] == "seconds":
        return days(value)
    return num(value)


def _verdict(row: dict) -> str:
    """``better``, ``worse`` or ``same`` for the change's cell (colour only)."""
    change, better = row["change"], row["better"]
    if change is None or better is None or abs(change) < 1e-12:
        return "same"
    return "better" if (change > 0) == (better == "higher") else "worse"


def comparison_table(change: PeriodChange) -> html.Table:
    now, then = change.current, change.previous
    head = html.Tr(
        [
            html.Th(""),
            html.Th(f"{now.start} – {now.end}"),
            html.Th(f"{then.start} – {then.end} (before)"),
            html.Th("Change"),
        ]
    )
    rows = [
        html.Tr(
            [
                html.Td(r["label"]),
                html.Td(_value_text(r, r["current"])),
                html.Td(_value_text(r, r["previous"])),
                html.Td(_change_text(r), className=f"change-{_verdict(r)}"),
            ],
            id=f"change-{r['metric'].replace('.', '-')}",
        )
        for r in change.rows
    ]
    return html.Table([html.Thead(head), html.Tbody(rows)], id="period-change", className="compact")


def _compare_hint(view: View) -> html.P:
    """No date range: say how to get a comparison, with a link to the last four weeks."""
    as_of = view.full.as_of.date()  # type: ignore[union-attr]
    last = Filters(
        start=as_of - timedelta(days=SUGGESTED_DAYS - 1),
        end=as_of,
        **{k: getattr(view.filters, k) for k in ("project", "type", "team", "label")},
    )
    return html.P(
        [
            "Set a date range (From / To) to compare it with the period of equal length before"
            " it: ",
            dcc.Link(
                f"the last {SUGGESTED_DAYS} days against the {SUGGESTED_DAYS} before",
                href=page_link("overview", to_query(last)),
                id="compare-last-weeks",
            ),
            ".",
        ],
        className="legend",
    )


def time_parts(view: View) -> dict[str, Any]:
    """What "Where the time went" shows of the selection: the answer line (``answer``), the
    figure (``time-shares``) and the comparison with the previous period or the hint that
    offers one (``compare``). The section is drawn from them, and a filter change sends them
    (:data:`TIME_SLOTS`)."""
    a = view.analysis
    assert a is not None and view.full is not None
    shares = a.time_shares.to_pylist()
    change = period_change(view.full, a, view.filters, first_day(view))
    previous = None
    if change is not None and change.before is not None:
        previous = change.before.time_shares
    labels = ("Selection", "Previous period")
    if change is not None:
        labels = (
            f"{change.current.start} – {change.current.end}",
            f"{change.previous.start} – {change.previous.end}",
        )
    compare: list = []
    if change is None:
        compare.append(_compare_hint(view))
    elif change.before is None:
        compare.append(
            html.P(
                f"No item was alive from {change.previous.start} to {change.previous.end}:"
                " nothing to compare with.",
                id="period-change-empty",
                className="legend",
            )
        )
        compare.append(comparison_table(change))
    else:
        compare.append(comparison_table(change))
    return {
        "answer": answer_line(shares),
        "time-shares": figures.time_shares(a.time_shares, previous, labels),
        "compare": compare,
    }


def time_section(parts: dict[str, Any]) -> html.Section:
    """Where the time went, and the change against the previous period (:func:`time_parts`)."""
    return section(
        "Where the time went",
        html.Div(parts["answer"], id="overview-answer-box"),
        graph(parts["time-shares"], "time-shares"),
        html.P(
            "Every day of every item's flow window counted once: touch, blocked, waiting for"
            " the steering committee, waiting after a handoff (until the next team starts),"
            " and the rest by the status it waited in.",
            className="legend",
        ),
        html.Div(parts["compare"], id="period-compare"),
        id="where-time-went",
    )


def worst_story(view: View) -> dict | None:
    """The worst item's finding (the most waiting among items worked on), if there is one."""
    a = view.analysis
    assert a is not None
    return next((f for f in a.findings if f.get("kind") == "worst_item" and f.get("item")), None)


#: Height of the worst item's journey strip: one lane, its dates and its legend.
STRIP_PX = 240


def worst_parts(view: View, search: str | None = None) -> dict[str, Any]:
    """What "The worst item" shows (:func:`worst_story` must be there): its story
    (``worst-story``), its journey strip (``worst-strip``), the link to its journey page
    (``worst-link``, ``worst-href``); :data:`WORST_SLOTS`."""
    a = view.analysis
    story = worst_story(view)
    assert a is not None and story is not None
    key = story["item"]
    one = a.select([key])
    strip = figures.item_journeys(
        one.timeline, one.items, n=1, touches=one.steering_touches, teams=teams_of(view, search)
    )
    # The legend in one row under the lane: beside a one-lane strip it had room for five
    # entries and scrolled the rest (the story item's sixth team and its steering touches).
    strip.update_layout(
        height=STRIP_PX,
        margin={"t": 40, "b": 80},
        legend={"orientation": "h", "x": 0, "xanchor": "left", "y": -0.6, "yanchor": "top"},
    )
    return {
        "worst-story": story["text"],
        "worst-strip": strip,
        "worst-link": f"Open the journey of {key}",
        "worst-href": page_link("journey", to_query(view.filters, {"item": key})),
    }


def worst_item_section(parts: dict[str, Any]) -> html.Section:
    """The worst item as a story, with its journey strip and a link to its journey page
    (:func:`worst_parts`)."""
    return section(
        "The worst item",
        html.P(parts["worst-story"], id="worst-story", className="answer"),
        graph(parts["worst-strip"], "worst-strip", height=STRIP_PX),
        dcc.Link(parts["worst-link"], href=parts["worst-href"], id="worst-journey-link"),
        id="worst-item",
    )
