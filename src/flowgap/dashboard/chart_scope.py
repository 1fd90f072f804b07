"""What every chart of a view shares: the teams shown by name (and their colours) and the
statuses' workflow order, both taken from the *unfiltered* analysis, so that a filter never
moves a team into "other", changes its colour or reorders the statuses.

How many teams are shown is a view setting, not a filter (it selects no items): the URL's
``teams=N`` (the "Teams shown" box in the filter bar), else ``[teams] shown``. The shell
carries it with the filters from page to page (:func:`kept`).
"""

from __future__ import annotations

from urllib.parse import parse_qsl, urlencode

from dash import Dash, Input, Output, ctx, dcc, html, no_update

from ..config import Config
from ..figures import StatusScope, TeamScope, status_scope, team_scope
from ..figures.teams import MAX_SHOWN
from .components import note
from .data import View
from .filters import query_value

#: The URL key of the number of teams shown.
TEAMS_KEY = "teams"


def shown_teams(search: str | None, config: Config) -> int:
    """Teams shown by name: the URL's ``teams`` (1 to :data:`MAX_SHOWN`), else the config's."""
    raw = query_value(search, TEAMS_KEY)
    try:
        n = int(raw) if raw else config.teams.shown
    except ValueError:  # a hand-edited URL: the default rather than an error
        n = config.teams.shown
    return max(1, min(n, MAX_SHOWN))


def teams_of(view: View, search: str | None) -> TeamScope:
    """The team scope of every team chart of ``view``: the unfiltered analysis' teams."""
    full = view.full if view.full is not None else view.analysis
    assert full is not None
    return team_scope(full.teams, shown_teams(search, view.config))


def statuses_of(view: View) -> StatusScope:
    """The workflow order and colours of the statuses, from the unfiltered analysis."""
    full = view.full if view.full is not None else view.analysis
    assert full is not None
    return status_scope(full.status_classes, full.status_map, view.config.statuses.order)


def no_team_note(view: View) -> html.Div | None:
    """A note for the team panels of a log that names no team at all, or whose teams are
    people (the analysis' ``teams_are_people`` warning: no team field, status map or assignee
    map, so each person is a team)."""
    full = view.full if view.full is not None else view.analysis
    if full is None:
        return None
    if full.teams.num_rows:
        people = next((w for w in full.warnings if w.kind == "teams_are_people"), None)
        if people is None:
            return None
        return note(people.message, "info", id="no-teams")
    sources = ", ".join(view.config.teams.source)
    return note(
        "This log names no team, so the team charts are empty. flowgap looked for one in"
        f" [teams] source ({sources}): give the export a team field, or map statuses or"
        " people to teams ([teams] status_map, assignee_map).",
        "info",
        id="no-teams",
    )


def kept(search: str | None) -> dict[str, str]:
    """The view settings of the URL that travel with the filters (page links, filter
    changes): ``teams``."""
    value = query_value(search, TEAMS_KEY)
    return {TEAMS_KEY: value} if value else {}


def control(config: Config) -> html.Label:
    """The "Teams shown" box of the filter bar."""
    return html.Label(
        [
            "Teams shown ",
            dcc.Input(
                id="f-teams",
                type="number",
                min=1,
                max=MAX_SHOWN,
                step=1,
                debounce=True,
                placeholder=str(config.teams.shown),
                className="teams-input",
            ),
        ],
        title=(
            "Team charts show this many teams by name, the busiest over all the data;"
            ' the others are one "other".'
        ),
        className="teams-shown",
    )


def with_teams(search: str | None, value: object) -> str:
    """``search`` with ``teams`` set to ``value`` (removed when empty or invalid)."""
    pairs = [(k, v) for k, v in parse_qsl((search or "").lstrip("?")) if k != TEAMS_KEY]
    try:
        n = int(value)  # type: ignore[call-overload]
    except (TypeError, ValueError):
        n = 0
    if n >= 1:
        pairs.append((TEAMS_KEY, str(min(n, MAX_SHOWN))))
    return f"?{urlencode(pairs)}" if pairs else ""


def register(app: Dash) -> None:
    @app.callback(
        Output("url", "search", allow_duplicate=True),
        Output("f-teams", "value"),
        Input("url", "search"),
        Input("f-teams", "value"),
        prevent_initial_call="initial_duplicate",
    )
    def sync_teams(search, value):
        if ctx.triggered_id == "f-teams":
            query = with_teams(search, value)
            return (no_update if query == (search or "") else query), no_update
        raw = query_value(search, TEAMS_KEY)
        shown = int(raw) if raw and raw.isdigit() else None
        return no_update, (no_update if shown == value else shown)
