"""Which teams a chart shows, and the colour of each: the one rule of every team chart.

A log can name hundreds of teams (BPI Challenge 2013 with ``org:resource`` as the team names
585). Every team chart shows the ``n`` busiest teams and folds the others into one
:data:`OTHER` bar, lane or node, so that a page keeps a normal height.

**Busiest** means the most items that were with the team (the ``items`` column of the
engine's ``teams`` table), ties in name order, **measured over the whole analysis**: the
dashboard ranks the teams of the unfiltered analysis, so a filter never moves a team in or out
of "other" and never changes its colour.

**Colours**: the i-th busiest team gets the i-th colour of :data:`TEAM_COLOURS`, whatever the
page, the filter or ``n``; the teams folded into "other" share its neutral grey; time no team
was named for is paler still. At most :data:`MAX_SHOWN` teams are shown, one colour each.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import cached_property

import pyarrow as pa

from ..config.models import MAX_SHOWN_TEAMS, SHOWN_TEAMS
from ..mining.handoff_network import OTHER, folded_handoffs
from .style import TEAM_COLOURS, TableLike

__all__ = [
    "MAX_SHOWN",
    "NO_TEAM",
    "NO_TEAM_COLOUR",
    "OTHER",
    "OTHER_COLOUR",
    "SHOWN",
    "TeamScope",
    "handoffs_shown",
    "team_ranking",
    "team_scope",
]

#: Teams shown by default (``[teams] shown``) and at most (one colour each).
SHOWN, MAX_SHOWN = SHOWN_TEAMS, MAX_SHOWN_TEAMS
OTHER_COLOUR = "#adb5bd"
#: Time no team source named a team for.
NO_TEAM, NO_TEAM_COLOUR = "(no team)", "#e9ecef"

assert len(TEAM_COLOURS) >= MAX_SHOWN, "one colour per team shown"


def team_ranking(teams: TableLike) -> list[str]:
    """Every team of an engine ``teams`` table, busiest first: most items, ties by name."""
    if teams is None:
        return []
    if isinstance(teams, pa.Table):
        names, items = teams.column("team").to_pylist(), teams.column("items").to_pylist()
    else:
        names, items = list(teams["team"]), list(teams["items"])
    count = {n: int(i or 0) for n, i in zip(names, items, strict=True) if n is not None}
    return sorted(count, key=lambda t: (-count[t], t))


def other_teams_label(count: int) -> str:
    """How every chart and map names the teams folded into :data:`OTHER`: "other (634 teams)"."""
    return f"{OTHER} ({count:,} team{'s' if count != 1 else ''})"


@dataclass(frozen=True)
class TeamScope:
    """The teams of a whole analysis, busiest first, and how many of them charts show."""

    ranking: tuple[str, ...]
    n: int = SHOWN

    @property
    def shown(self) -> list[str]:
        """The teams charts show by name, busiest first."""
        return list(self.ranking[: self.n])

    @property
    def folded(self) -> list[str]:
        """The teams folded into :data:`OTHER`, busiest first."""
        return list(self.ranking[self.n :])

    def label(self, team: str | None) -> str:
        """The name a chart gives ``team``: itself, :data:`OTHER` or :data:`NO_TEAM`."""
        if team is None:
            return NO_TEAM
        return team if team in self._shown_set else OTHER

    def colour(self, team: str | None) -> str:
        """The colour of ``team`` in every chart (of :data:`OTHER` for a folded team)."""
        if team is None or team == NO_TEAM:
            return NO_TEAM_COLOUR
        rank = self._rank.get(team)
        if rank is None or rank >= self.n:
            return OTHER_COLOUR
        return TEAM_COLOURS[rank]

    def other_label(self, folded: Iterable[str] | None = None) -> str:
        """ "other (634 teams)": the folded teams (or those of ``folded``) counted."""
        return other_teams_label(len(self.folded) if folded is None else len(set(folded)))

    @cached_property
    def _rank(self) -> dict[str, int]:
        return {t: i for i, t in enumerate(self.ranking)}

    @cached_property
    def _shown_set(self) -> set[str]:
        return set(self.ranking[: self.n])


def team_scope(teams: TableLike, n: int | None = None) -> TeamScope:
    """The scope of the teams of ``teams`` (the engine's table of the *whole* analysis),
    showing the ``n`` busiest (default :data:`SHOWN`; at most :data:`MAX_SHOWN`)."""
    shown = SHOWN if n is None else max(1, min(int(n), MAX_SHOWN))
    return TeamScope(tuple(team_ranking(teams)), shown)


def handoffs_shown(
    handoffs: pa.Table, handoff_rows: Callable[[], pa.Table], scope: TeamScope
) -> tuple[pa.Table, list[str]]:
    """The handoff edges a handoff graph draws, and the teams folded into :data:`OTHER`: the
    engine's ``handoffs`` as they are when every team on them is shown by name, else the
    edges recomputed from its ``handoff_rows()`` (asked for only then) with the teams
    ``scope`` does not show renamed (``folded_handoffs``)."""
    on_graph = {
        t for t in (*handoffs["from_team"].to_pylist(), *handoffs["to_team"].to_pylist()) if t
    }
    folded = sorted(on_graph - set(scope.shown))
    if not folded:
        return handoffs, []
    return folded_handoffs(handoff_rows(), scope.shown), folded
