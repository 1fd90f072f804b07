"""The upload page's editors of the session's config: the status classes, where a segment's
team comes from (with the status -> team and person -> team maps, edited in place), the way
back to the served configuration, and the download of flowgap.toml.

A real log has hundreds of people and can have hundreds of statuses: each list is drawn in a
box of bounded height with a search box above it, filtered on the server (the most active
first, at most ``MAX_PEOPLE`` / ``MAX_STATUSES`` rows), so that any of them can be found
without the page growing with the data.

Every edit is saved in the session's state and applied on top of the served (or uploaded)
config by ``DataService.config_for``: the analysis, every page and the download follow it.
"""

from __future__ import annotations

import pyarrow.compute as pc
from dash import ALL, Dash, Input, Output, State, ctx, dcc, html, no_update

from ...config import STATUS_CLASSES, guess_status_class
from ...engine.status_classes import build_status_classes, guesses_of
from ...errors import FlowgapError
from ..data import DataService, View
from ..filters import matching
from .common import bump, current_sid

TEAM_SOURCES = (
    ("field", "team field history"),
    ("status", "status -> team map"),
    ("assignee_map", "assignee -> team map"),
    ("assignee", "the assignee"),
)
#: A team source's label in the editor.
LABELS = dict(TEAM_SOURCES)


def source_order(in_force: list[str], checked: list[str]) -> list[str]:
    """The ``checked`` team sources in the order they apply: those in force keep theirs (a
    served ``source = ["assignee_map", "field"]`` stays so), newly ticked ones come after, in
    the editor's order. The checklist lists its options so, the ones in force first."""
    rest = [key for key, _ in TEAM_SOURCES if key not in in_force]
    return [k for k in [*in_force, *rest] if k in checked]


#: People listed in the person -> team editor (of those matching its search), the most
#: active first.
MAX_PEOPLE = 200
#: Statuses listed in the class editor (of those matching its search), the most entered first.
MAX_STATUSES = 200
#: The longest search kept (a name is shorter; a longer text is no browser's).
MAX_SEARCH = 200
#: The longest team name typed in an editor (the field's own limit, kept by the server too).
MAX_TEAM = 200


def drawn_id(kind: str, drawn: str, **key: str) -> dict[str, str]:
    """The id of an editor control, carrying the value it was drawn with.

    Dash calls an editor's callback with that value whenever the editor is drawn (inserted
    inputs ignore ``prevent_initial_call``). Only a value other than the drawn one is the
    user's: comparing with the session's state instead would save a stale value as a
    choice when the state changed between drawing and the call (a reset clicked meanwhile).
    """
    return {"type": kind, **key, "drawn": drawn}


def user_change(value: object) -> bool:
    """Whether the triggering control now holds a value the user chose (see ``drawn_id``)."""
    trigger = ctx.triggered_id
    return isinstance(trigger, dict) and bool(ctx.triggered) and value != trigger.get("drawn")


def _loaded_view(service: DataService, sid: str) -> View | None:
    """The session's data under its config, without an analysis (the editors list the
    data's statuses and people, which need none); None when it has no data to show."""
    state = service.store.state(sid)
    view = View(sid=sid, config=service.config_for(state, sid), filters=_no_filters(), state=state)
    dataset = service.dataset_for(sid, state)
    if dataset is None:
        return None
    try:
        view.result = service.load(dataset, view.config, service.owner(sid, state))
    except FlowgapError:
        return None
    return view


def _in_data(service: DataService, sid: str, kind: str, name: object) -> bool:
    """Whether ``name`` is a status (``kind`` "status") or a person ("person") of the
    session's data, as its editors list them: an edit naming anything else is no browser's,
    and would grow the session's state with every forged call."""
    if not isinstance(name, str):
        return False
    view = _loaded_view(service, sid)
    if view is None:
        return False
    if kind == "status":
        return any(r["status"] == name for r in status_rows(view))
    return any(person == name for person, _ in people(view))


def count_line(shown: int, found: int, total: int, typed: str | None, noun: str, most: str) -> str:
    """What an editor's list holds: how many of its ``noun`` match the search, and how many
    (the ``most`` ..., e.g. "entered") are listed."""
    typed = (typed or "").strip()
    if typed:
        line = f"{found:,} of {total:,} {noun} match \u201c{typed}\u201d."
        return line + (f" The {shown} most {most} are listed." if shown < found else "")
    if shown < total:
        return (
            f"The {shown} most {most} of {total:,} {noun} are listed;"
            " type part of a name to find the others."
        )
    return f"{total:,} {noun}."


def status_rows(view: View) -> list[dict]:
    """Every status with how often items entered it, its guess and its class in use: the
    engine's status table, as ``flowgap inspect`` shows it."""
    result = view.result
    assert result is not None
    base = view.config.statuses.classes
    guesses = guesses_of(result, view.config)
    rows = [
        {
            "status": row["status"],
            "count": row["events"],
            "guess": guesses.get(row["status"])
            or guess_status_class(row["status"], row["category"]),
            "class": row["class"],
            "guessed": row["guessed"],
            "source": "your choice"
            if row["status"] in view.state.classes
            else ("flowgap.toml" if row["status"] in base else "guess"),
        }
        for row in build_status_classes(result, view.config).to_pylist()
    ]
    rows.sort(key=lambda r: (-r["count"], r["status"]))
    return rows


def people(view: View) -> list[tuple[str, int]]:
    """The people items were assigned to, with how many assignments, the most first; the
    served map's people too (with 0 when the data does not name them). All of them: the
    editor lists those matching its search, at most ``MAX_PEOPLE``."""
    result = view.result
    assert result is not None
    events = result.events
    values = events["value"].filter(pc.equal(events["field"], "assignee")).drop_null()
    counts = {r["values"]: r["counts"] for r in pc.value_counts(values).to_pylist()}
    for person in view.config.teams.assignee_map:
        counts.setdefault(person, 0)
    return sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))


def _team_input(kind: str, key: str, name: str, value: str | None) -> dcc.Input:
    return dcc.Input(
        id=drawn_id(kind, value or "", **{key: name}),
        value=value or "",
        placeholder="team",
        debounce=True,
        maxLength=MAX_TEAM,
        className="map-input",
    )


def _search(kind: str, placeholder: str) -> dcc.Input:
    """The search box of an editor's list. Kept in the browser's memory while the page is
    redrawn (every edit redraws it): the list stays on what the user was looking for."""
    return dcc.Input(
        id=f"{kind}-search",
        type="search",
        value="",
        placeholder=placeholder,
        debounce=0.3,
        maxLength=MAX_SEARCH,
        persistence=True,
        persistence_type="memory",
        className="editor-search",
    )


def _listing(kind: str, find: str, table: html.Table, count: str) -> html.Div:
    """An editor's list in its box of bounded height, under its search box and the count of
    what it holds."""
    return html.Div(
        [
            html.Div(
                [_search(kind, find), html.Span(count, id=f"{kind}-count", className="hint")],
                className="editor-find",
            ),
            html.Div(table, className="editor-scroll"),
        ]
    )


def people_list(view: View, typed: str | None) -> tuple[list, str]:
    """The rows of the person -> team editor matching ``typed``, and the count line."""
    everyone = people(view)
    found = matching([person for person, _ in everyone], typed)
    listed = [everyone[i] for i in found[:MAX_PEOPLE]]
    mapping = view.config.teams.assignee_map
    rows = [
        html.Tr(
            [
                html.Td(person, className="person-name"),
                html.Td(str(count)),
                html.Td(_team_input("assignee-team", "person", person, mapping.get(person))),
            ],
            className="person-row",
        )
        for person, count in listed
    ]
    return rows, count_line(len(listed), len(found), len(everyone), typed, "people", "assigned")


def _people_editor(view: View) -> html.Div:
    rows, count = people_list(view, "")
    return html.Div(
        [
            html.H3("Assignee -> team map"),
            html.P(
                "The team of each person (empty: no team from this map). Saved when you"
                " press Enter or leave the field."
            ),
            _listing(
                "people",
                "Find a person",
                html.Table(
                    [
                        html.Thead(
                            html.Tr([html.Th("Person"), html.Th("Assigned"), html.Th("Team")])
                        ),
                        html.Tbody(rows, id="people-rows"),
                    ],
                    className="editor",
                    id="assignee-map",
                ),
                count,
            )
            if rows
            else html.P("No item of this data was assigned to anyone.", id="assignee-map"),
        ],
        className="map-editor",
    )


def status_list(view: View, typed: str | None) -> tuple[list, str]:
    """The rows of the class editor (with the status -> team field when that map is a team
    source) matching ``typed``, and the count line."""
    every = status_rows(view)
    found = matching([r["status"] for r in every], typed)
    # A log with a free-text status column can have thousands: a radio group each would
    # make a page no browser can draw.
    rows = [every[i] for i in found[:MAX_STATUSES]]
    status_map = view.config.teams.status_map
    by_status = "status" in view.config.teams.source
    body = []
    for r in rows:
        cells = [
            html.Td(r["status"], className="status-name"),
            html.Td(str(r["count"])),
            html.Td(r["guess"]),
            html.Td(r["source"]),
            html.Td(
                dcc.RadioItems(
                    id=drawn_id("class-radio", r["class"], status=r["status"]),
                    options=[{"label": c, "value": c} for c in STATUS_CLASSES],
                    value=r["class"],
                    inline=True,
                    className="class-radio",
                )
            ),
        ]
        if by_status:
            cells.append(
                html.Td(
                    _team_input("status-team", "status", r["status"], status_map.get(r["status"]))
                )
            )
        body.append(html.Tr(cells, className="status-row"))
    return body, count_line(len(rows), len(found), len(every), typed, "statuses", "entered")


def editor(view: View) -> html.Div:
    sources = list(view.config.teams.source)
    by_status = "status" in sources
    headers = ["Status", "Entered", "flowgap's guess", "Class from", "Class used"]
    if by_status:
        headers.append("Team (status -> team map)")
    body, count = status_list(view, "")
    parts: list = [
        html.P(
            "Which statuses are work (active), queues (wait), not started (backlog) or"
            " finished (done)? Changing a class re-runs the analysis at once."
        ),
        _listing(
            "status",
            "Find a status",
            html.Table(
                [
                    html.Thead(html.Tr([html.Th(h) for h in headers])),
                    html.Tbody(body, id="status-rows"),
                ],
                className="editor",
            ),
            count,
        ),
        html.H3("Team of a segment, first source that gives one"),
        dcc.Checklist(
            id=drawn_id("team-source", ",".join(sources)),
            options=[
                {"label": LABELS[key], "value": key} for key in source_order(sources, list(LABELS))
            ],
            value=sources,
            inline=True,
        ),
    ]
    if by_status:
        parts.append(
            html.P(
                "Status -> team: type the team of a status in the table above (empty: none).",
                className="hint",
            )
        )
    if "assignee_map" in sources:
        parts.append(_people_editor(view))
    buttons: list = [
        html.Button("Download flowgap.toml", id="download-toml", n_clicks=0),
        dcc.Download(id="toml-download"),
    ]
    state = view.state
    edited = state.classes or state.status_map or state.assignee_map or state.config_toml
    if edited or state.team_source is not None:
        buttons.append(html.Button("Reset to the served configuration", id="reset-config"))
    parts.append(html.Div(buttons, className="toml-row"))
    return html.Div(parts)


def toml_for(view: View) -> str:
    """The session's config with every status of the data classified, guesses marked."""
    from ...config.toml_writer import config_to_toml

    config = view.config.model_copy(deep=True)
    notes: dict[tuple[str, ...], str] = {}
    if view.result is not None:
        for row in status_rows(view):
            if row["guessed"]:
                notes["statuses", "classes", row["status"]] = "guessed"
            config.statuses.classes.setdefault(row["status"], row["class"])  # type: ignore[arg-type]
    header = "flowgap.toml written by the flowgap dashboard."
    if view.state.input_map:
        section = next(iter(view.state.input_map))
        header += f"\n[input.{section}] is the column mapping picked in the dashboard."
    if notes:
        guessed = ", ".join(key[-1] for key in notes)
        header += f"\nThese classes are guesses nobody confirmed (marked # guessed): {guessed}"
    return config_to_toml(config, header, notes, shared=True)


def _no_filters():
    from ..filters import Filters

    return Filters()


def register(app: Dash, service: DataService) -> None:
    store = service.store

    def searched(typed: object, draw) -> tuple:
        """An editor's rows and count for what is typed in its search box."""
        sid = current_sid()
        typed = typed if isinstance(typed, str) and len(typed) <= MAX_SEARCH else ""
        # Called when the page is drawn too: with nothing typed, the page drew these rows.
        if not sid or (not typed.strip() and not ctx.triggered):
            return no_update, no_update
        view = _loaded_view(service, sid)
        return (no_update, no_update) if view is None else draw(view, typed)

    @app.callback(
        Output("status-rows", "children"),
        Output("status-count", "children"),
        Input("status-search", "value"),
    )
    def on_status_search(typed):
        return searched(typed, status_list)

    @app.callback(
        Output("people-rows", "children"),
        Output("people-count", "children"),
        Input("people-search", "value"),
    )
    def on_people_search(typed):
        return searched(typed, people_list)

    @app.callback(
        Output("data-version", "data", allow_duplicate=True),
        Input({"type": "class-radio", "status": ALL, "drawn": ALL}, "value"),
        State("data-version", "data"),
        prevent_initial_call=True,
    )
    def on_class(values, version):
        sid = current_sid()
        value = ctx.triggered[0]["value"] if ctx.triggered else None
        if not sid or not user_change(value) or value not in STATUS_CLASSES:
            return no_update
        if not _in_data(service, sid, "status", ctx.triggered_id.get("status")):
            return no_update
        with store.edit(sid) as state:
            state.classes[ctx.triggered_id["status"]] = value
        return bump(version)

    def on_map(key: str, attribute: str, version: int | None):
        """A team typed in the status -> team or person -> team editor."""
        sid = current_sid()
        value = ctx.triggered[0]["value"] if ctx.triggered else None
        value = value.strip() if isinstance(value, str) else "" if value is None else None
        if not sid or value is None or len(value) > MAX_TEAM or not user_change(value):
            return no_update
        if not _in_data(service, sid, key, ctx.triggered_id.get(key)):
            return no_update
        with store.edit(sid) as state:
            getattr(state, attribute)[ctx.triggered_id[key]] = value
        return bump(version)

    @app.callback(
        Output("data-version", "data", allow_duplicate=True),
        Input({"type": "status-team", "status": ALL, "drawn": ALL}, "value"),
        State("data-version", "data"),
        prevent_initial_call=True,
    )
    def on_status_team(values, version):
        return on_map("status", "status_map", version)

    @app.callback(
        Output("data-version", "data", allow_duplicate=True),
        Input({"type": "assignee-team", "person": ALL, "drawn": ALL}, "value"),
        State("data-version", "data"),
        prevent_initial_call=True,
    )
    def on_assignee_team(values, version):
        return on_map("person", "assignee_map", version)

    @app.callback(
        Output("data-version", "data", allow_duplicate=True),
        Input({"type": "team-source", "drawn": ALL}, "value"),
        State("data-version", "data"),
        prevent_initial_call=True,
    )
    def on_team_source(values, version):
        sid = current_sid()
        value = ctx.triggered[0]["value"] if ctx.triggered else None
        known = [key for key, _ in TEAM_SOURCES]
        if not sid or not isinstance(value, list) or not all(v in known for v in value):
            return no_update
        if not user_change(",".join(value)):
            return no_update
        drawn = [k for k in str(ctx.triggered_id["drawn"]).split(",") if k in known]
        order = source_order(drawn, value)
        with store.edit(sid) as state:
            state.team_source = order
        return bump(version)

    @app.callback(
        Output("data-version", "data", allow_duplicate=True),
        Input("reset-config", "n_clicks"),
        State("data-version", "data"),
        prevent_initial_call=True,
    )
    def reset_config(clicks, version):
        """Back to the served config: the session's classes, team source, maps and uploaded
        flowgap.toml go; the column mapping of its upload stays (the data needs it)."""
        sid = current_sid()
        if not clicks or not sid:
            return no_update
        with store.edit(sid) as state:
            state.classes, state.team_source = {}, None
            state.status_map, state.assignee_map = {}, {}
            state.config_toml = state.config_name = None
            state.message = ["ok", "Back to the served configuration."]
        return bump(version)

    @app.callback(
        Output("toml-download", "data"),
        Input("download-toml", "n_clicks"),
        prevent_initial_call=True,
    )
    def download_toml(clicks):
        if not clicks:
            return no_update
        view = service.view(current_sid(), _no_filters())
        return {
            "content": toml_for(view),
            "filename": "flowgap.toml",
            "type": "application/toml",
        }
