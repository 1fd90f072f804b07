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


PAIRS = [("a", "One"), ("b", "The other"), ("items", "Items both worked on")]
#: The section's grids: name, columns, height.
GRIDS = (
    (
        "people-handover",
        [
            ("source", "From"),
            ("target", "To"),
            ("count", "Handovers"),
            ("median_d", "Median days with the giver"),
        ],
        300,
    ),
    ("people-together", PAIRS, 300),
    ("teams-together", PAIRS, 260),
)


def social_rows(a: object) -> dict[str, list[dict]]:
    """The rows of each of :data:`GRIDS` for the analysis ``a``, the busiest pairs first."""
    return {
        "people-handover": handover_rows(a.value("people_handover")),  # type: ignore[attr-defined]
        "people-together": a.value("people_together").to_pylist()[:MAX_ROWS],  # type: ignore[attr-defined]
        "teams-together": a.value("teams_together").to_pylist()[:MAX_ROWS],  # type: ignore[attr-defined]
    }


def social_section(rows: dict[str, list[dict]]) -> html.Section:
    """Handover of work between people, and working together of people and teams, from
    :func:`social_rows`."""
    grids = {name: grid(name, rows[name], columns, height=h) for name, columns, h in GRIDS}
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
                html.Div([html.H3("Handover of work between people"), grids["people-handover"]]),
                html.Div(
                    [html.H3("People who worked on the same items"), grids["people-together"]]
                ),
            ],
            className="two-col",
        ),
        html.H3("Teams that worked on the same items"),
        grids["teams-together"],
        id="social-network",
    )
