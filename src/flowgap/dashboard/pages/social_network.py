"""The Bottlenecks page's social-network section: pm4py's handover of work between people
(with how long the work stayed before it was handed over) and who worked on the same items,
people and teams (``mining/social_network.py``). The handover of work between teams is the
team handoff graph above it."""

from __future__ import annotations

import pyarrow as pa
from dash import html

from ...units import DAY_S
from ..components import grid, section

#: Rows sent to each grid: the busiest pairs first.
MAX_ROWS = 2000


def _days(seconds: float | None) -> float | None:
    return None if seconds is None else round(seconds / DAY_S, 2)


def handover_rows(edges: pa.Table) -> list[dict]:
    rows = [
        {
            "source": r["source"],
            "target": r["target"],
            "count": r["count"],
            "median_d": _days(r["median_s"]),
        }
        for r in edges.to_pylist()
        if r["source"] and r["target"]
    ]
    rows.sort(key=lambda r: (-(r["count"] or 0), r["source"], r["target"]))
    return rows[:MAX_ROWS]


def social_section(a: object) -> html.Section:
    """Handover of work between people, and working together of people and teams."""
    handover = handover_rows(a.value("people_handover"))  # type: ignore[attr-defined]
    people = a.value("people_together").to_pylist()[:MAX_ROWS]  # type: ignore[attr-defined]
    teams = a.value("teams_together").to_pylist()[:MAX_ROWS]  # type: ignore[attr-defined]
    pairs = [("a", "One"), ("b", "The other"), ("items", "Items both worked on")]
    return section(
        "Social network",
        html.P(
            "Who handed work directly to whom (how often, and the median time the work "
            "stayed with the giver before the handover), and who worked on the same items "
            "(pm4py's handover of work and working together; the busiest pairs first).",
            className="legend",
        ),
        html.Div(
            [
                html.Div(
                    [
                        html.H3("Handover of work between people"),
                        grid(
                            "people-handover",
                            handover,
                            [
                                ("source", "From"),
                                ("target", "To"),
                                ("count", "Handovers"),
                                ("median_d", "Median days with the giver"),
                            ],
                            height=300,
                        ),
                    ]
                ),
                html.Div(
                    [
                        html.H3("People who worked on the same items"),
                        grid("people-together", people, pairs, height=300),
                    ]
                ),
            ],
            className="two-col",
        ),
        html.H3("Teams that worked on the same items"),
        grid("teams-together", teams, pairs, height=260),
        id="social-network",
    )
