"""figures/teams.py: the teams a chart shows by name, "other", and one colour per team."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pyarrow as pa

from flowgap import figures
from flowgap.figures.style import TEAM_COLOURS
from flowgap.figures.teams import MAX_SHOWN, NO_TEAM_COLOUR, OTHER, OTHER_COLOUR, team_scope


def _teams(counts: dict[str, int]) -> pa.Table:
    names = list(counts)
    return pa.table(
        {
            "team": names,
            "items": [counts[n] for n in names],
            "wait_s": [86400.0 * counts[n] for n in names],
            "touch_s": [3600.0] * len(names),
        }
    )


def test_the_busiest_by_items_then_name_and_the_rest_folded() -> None:
    scope = team_scope(_teams({"QA": 5, "Dev": 9, "Ops": 5, "UX": 1}), 2)
    assert scope.ranking == ("Dev", "Ops", "QA", "UX")
    assert scope.shown == ["Dev", "Ops"] and scope.folded == ["QA", "UX"]
    assert [scope.label(t) for t in ("Dev", "QA", None)] == ["Dev", OTHER, "(no team)"]
    assert scope.other_label() == "other (2 teams)"
    assert team_scope(_teams({"A": 1}), 500).n == MAX_SHOWN
    assert team_scope(_teams({"A": 1}), 0).n == 1


def test_a_colour_is_the_rank_whatever_the_number_shown() -> None:
    table = _teams({f"T{i:02}": 100 - i for i in range(30)})
    few, many = team_scope(table, 3), team_scope(table, 20)
    for team in few.shown:
        assert few.colour(team) == many.colour(team)
    assert few.colour("T10") == OTHER_COLOUR and many.colour("T10") == TEAM_COLOURS[10]
    assert few.colour(None) == NO_TEAM_COLOUR
    assert len(set(TEAM_COLOURS)) == len(TEAM_COLOURS) >= MAX_SHOWN
    assert OTHER_COLOUR not in TEAM_COLOURS


def test_wait_by_team_shows_fifteen_teams_and_other_by_default() -> None:
    fig = figures.wait_by_team(_teams({f"T{i:02}": 100 - i for i in range(40)}))
    names = list(fig.data[0].y)
    assert len(names) == 16 and names[0] == "other (25 teams)"
    # the other bar holds the folded teams' wait: 100 - i days for i = 15..39
    assert fig.data[0].x[0] == sum(100 - i for i in range(15, 40))
    assert fig.layout.height < 600


def test_swimlanes_colour_teams_by_the_scope_and_fold_the_rest() -> None:
    t0 = datetime(2026, 1, 1, tzinfo=UTC)
    day = timedelta(days=1)
    timeline = pa.table(
        {
            "item": ["A-1"] * 3,
            "seg": [0, 1, 2],
            "start": [t0, t0 + day, t0 + 2 * day],
            "end": [t0 + day, t0 + 2 * day, t0 + 3 * day],
            "duration_s": [86400.0] * 3,
            "status": ["Dev", "QA", "Ops"],
            "class": ["active", "wait", "active"],
            "team": ["Dev", "QA", None],
            "blocked": [False] * 3,
        }
    )
    items = pa.table({"item": ["A-1"], "wait_s": [86400.0], "delivered": [None]})
    scope = team_scope(_teams({"QA": 9, "Dev": 1}), 1)
    fig = figures.item_journeys(timeline, items, n=1, teams=scope)
    colours = {t.name: t.marker.color for t in fig.data}
    assert colours == {"QA": TEAM_COLOURS[0], OTHER: OTHER_COLOUR, "(no team)": NO_TEAM_COLOUR}
    other = next(t for t in fig.data if t.name == OTHER)
    assert "Dev" in other.hovertext[0]  # the hover still names the folded team


def test_the_handoff_graph_names_the_teams_of_the_scope_and_folds_the_rest() -> None:
    from flowgap.engine.handoffs import build_handoffs
    from flowgap.figures.teams import handoffs_shown

    rows = pa.table(
        {
            "item": ["A", "A", "B", "C"],
            "from_team": ["Dev", "QA", "Dev", "UX"],
            "to_team": ["QA", "Dev", "Ops", "Ops"],
            "wait": [10_000_000, 20_000_000, 30_000_000, 40_000_000],
            "is_return": [False, True, False, False],
        }
    )
    handoffs = build_handoffs(rows)
    teams = _teams({"Dev": 9, "QA": 5, "Ops": 4, "UX": 1})
    asked: list[int] = []

    def handoff_rows() -> pa.Table:
        asked.append(1)
        return rows

    # Every team on the graph shown: the engine's edges as they are, the rows never read.
    edges, folded = handoffs_shown(handoffs, handoff_rows, team_scope(teams, 4))
    assert edges.equals(handoffs) and folded == [] and asked == []
    # Two shown (Dev, QA, the busiest by items): Ops and UX are "other"; UX -> Ops, between
    # two folded teams, is left out.
    edges, folded = handoffs_shown(handoffs, handoff_rows, team_scope(teams, 2))
    assert folded == ["Ops", "UX"] and asked == [1]
    got = {(r["from_team"], r["to_team"]): r["count"] for r in edges.to_pylist()}
    assert got == {("Dev", "QA"): 1, ("QA", "Dev"): 1, ("Dev", OTHER): 1}
