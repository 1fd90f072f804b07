"""The frame around every page: session cookie, navigation, global filters, router.

The filters live in the URL query string (``?from=...&to=...&project=...&type=...&team=...
&label=...``): changing a control rewrites the URL without reloading, opening a URL sets the
controls, and the navigation links carry the query string so every page shows the same
selection. ``data-version`` is bumped whenever the session's data or classification changes,
which re-renders the current page.
"""

from __future__ import annotations

import logging
from datetime import date

from dash import (
    MATCH,
    Dash,
    Input,
    Output,
    State,
    ctx,
    dcc,
    get_relative_path,
    html,
    no_update,
    strip_relative_path,
)
from dash.exceptions import UnsupportedRelativePath
from flask import Flask, Response, g, request

from . import chart_scope
from .components import note
from .data import DataService
from .filters import (
    OPTIONS_SHOWN,
    Filters,
    date_notes,
    from_query,
    parse_date,
    query_value,
    shown_options,
    to_query,
    url_dates,
)
from .guardrails import guardrail_banner
from .pages import PAGES
from .pages import overview as HOME
from .pages import upload as UPLOAD
from .pages.common import current_view, drawn, page_shape, updates_in_place
from .sessions import SESSION_COOKIE, SessionStore, new_session_id, valid_session_id

log = logging.getLogger("flowgap.dashboard")

FILTER_DROPDOWNS = (
    ("project", "Project"),
    ("type", "Issue type"),
    ("team", "Team"),
    ("label", "Label"),
)


# --------------------------------------------------------------------------- sessions

_TEXT = {"application/json", "text/html", "text/plain", "text/csv", "application/toml"}


def install_sessions(server: Flask, store: SessionStore) -> None:
    """Give every browser a random session id in an HttpOnly cookie."""
    max_age = int(store.ttl_s)

    @server.before_request
    def _session() -> None:
        sid = request.cookies.get(SESSION_COOKIE)
        if valid_session_id(sid):
            g.flowgap_sid, g.flowgap_new_sid = sid, False
        else:
            g.flowgap_sid, g.flowgap_new_sid = new_session_id(), True
        store.maybe_cleanup()

    @server.after_request
    def _redact(response: Response) -> Response:
        """No page or message shows a server path or the session id, whatever raised it (a
        loader naming the stored upload, an engine error, a traceback's text): every text
        response goes through one filter on its way out."""
        sid = getattr(g, "flowgap_sid", None)
        if response.direct_passthrough or response.mimetype not in _TEXT:
            return response
        body = response.get_data(as_text=True)
        clean = store.redact(body, sid)
        if clean != body:
            response.set_data(clean)
        return response

    @server.after_request
    def _cookie(response: Response) -> Response:
        if getattr(g, "flowgap_new_sid", False):
            response.set_cookie(
                SESSION_COOKIE,
                g.flowgap_sid,
                max_age=max_age,
                httponly=True,
                samesite="Lax",
                secure=request.is_secure,
            )
        elif getattr(g, "flowgap_sid", None):
            store.touch(g.flowgap_sid)
        return response


# --------------------------------------------------------------------------- addresses


def page_href(page: object) -> str:
    """The address of a page under ``[dashboard] url_prefix``."""
    return get_relative_path(page.PATH)  # type: ignore[attr-defined]


def page_path(pathname: str | None) -> str:
    """A browser path without ``url_prefix``: the ``PATH`` of a page ("/" for home); for a
    path outside the prefix (only a hand-made request sends one), a path no page has."""
    try:
        return "/" + (strip_relative_path(pathname or "/") or "")
    except UnsupportedRelativePath:
        return "/outside-the-prefix"


# --------------------------------------------------------------------------- layout


def _date_input(id: str) -> dcc.Input:
    return dcc.Input(
        id=id,
        type="text",
        placeholder="YYYY-MM-DD",
        debounce=True,
        pattern=r"\d{4}-\d{2}-\d{2}",
        maxLength=10,
        className="date-input",
    )


def layout(service: DataService) -> html.Div:
    nav = [
        dcc.Link(page.TITLE, href=page_href(page), id=f"nav-{page.NAME}", className="nav-link")
        for page in PAGES
    ]
    dropdowns = [
        dcc.Dropdown(
            id=f"f-{key}",
            multi=True,
            placeholder=label,
            options=[],
            value=[],
            className="filter-dropdown",
        )
        for key, label in FILTER_DROPDOWNS
    ]
    return html.Div(
        [
            dcc.Location(id="url", refresh=False),
            dcc.Store(id="data-version", data=0),
            dcc.Store(id="page-drawn"),  # what the router drew: pages.common.drawn
            html.Header(
                [
                    html.Div(
                        [
                            html.Span("flowgap", className="brand"),
                            html.Span(id="dataset-label", className="dataset-label"),
                        ],
                        className="title-row",
                    ),
                    html.Nav(nav, className="nav"),
                ],
                className="header",
            ),
            html.Div(
                [
                    # Text, not type="date": Dash's Input calls setSelectionRange, which
                    # date inputs do not support (a page error in Chromium).
                    html.Label(["From ", _date_input("f-from")]),
                    html.Label(["To ", _date_input("f-to")]),
                    *dropdowns,
                    chart_scope.control(service.base_config),
                    html.Button("Clear filters", id="f-clear", n_clicks=0),
                ],
                className="filters",
                id="filters",
            ),
            html.Div(id="guardrail-banner"),
            html.Main(id="page", className="page"),
        ],
        className="app",
    )


# --------------------------------------------------------------------------- callbacks


def _iso(day: date | None) -> str | None:
    return day.isoformat() if day else None


def register(app: Dash, service: DataService) -> None:
    keys = [k for k, _ in FILTER_DROPDOWNS]

    def option_lists(search: str | None) -> tuple[list[list[dict]], str]:
        """The dropdowns' options (values of the unfiltered data) and the header line."""
        try:
            view = current_view(service, search)
        except Exception:  # the page itself reports problems; options stay empty
            log.exception("filter options")
            return [[] for _ in keys], ""
        # Values asked for by the URL stay selectable even when the data lacks them: a
        # dropdown drops a value missing from its options, which would rewrite a shared URL.
        wanted = {k: set(getattr(view.filters, k)) for k in keys}
        if view.full is None:
            label = "no data yet: upload an export" if view.dataset is None else ""
            lists = [[{"label": v, "value": v} for v in sorted(wanted[k])] for k in keys]
            return lists, label
        opts = service.filter_options(view)
        label = f"{view.dataset.label} · {view.full.items.num_rows} items"  # type: ignore[union-attr]
        if view.filters.active:
            label += f" · {view.selected} selected by the filters"
        lists = [
            [{"label": v, "value": v} for v in shown_options(opts[k], wanted[k])] for k in keys
        ]
        return lists, label

    def searched(key: str, typed: str | None, chosen: list[str] | None, search: str | None):
        """The options of dropdown ``key`` matching what is typed in it, when the data has
        more values than it lists (otherwise the browser has them all and filters itself)."""
        view = current_view(service, search)
        if view.full is None:
            return no_update
        values = service.filter_options(view)[key]
        if len(values) <= OPTIONS_SHOWN:
            return no_update
        typed = typed[:200] if isinstance(typed, str) else None
        kept = [v for v in chosen or [] if isinstance(v, str)]
        return [{"label": v, "value": v} for v in shown_options(values, kept, typed)]

    for key in keys:
        app.callback(
            Output(f"f-{key}", "options", allow_duplicate=True),
            Input(f"f-{key}", "search_value"),
            State(f"f-{key}", "value"),
            State("url", "search"),
            prevent_initial_call=True,
        )(lambda typed, chosen, search, key=key: searched(key, typed, chosen, search))

    @app.callback(
        Output("url", "search"),
        Output("f-from", "value"),
        Output("f-to", "value"),
        *[Output(f"f-{k}", "value") for k in keys],
        *[Output(f"f-{k}", "options") for k in keys],
        Input("url", "search"),
        Input("f-from", "value"),
        Input("f-to", "value"),
        *[Input(f"f-{k}", "value") for k in keys],
        Input("f-clear", "n_clicks"),
    )
    def sync_filters(search, start, end, *rest):
        lists, _clear = rest[:-1], rest[-1]
        trigger = ctx.triggered_id
        keep_options = [no_update] * len(keys)
        if trigger in (None, "url"):
            # Options and values arrive together, so no value is dropped for lack of options.
            f = from_query(search)
            opts, _ = option_lists(search)
            values = [list(getattr(f, k)) for k in keys]
            # The boxes show the dates as the URL has them, a reversed range too (ignored
            # by the filters, named by the page).
            start_day, end_day = url_dates(search)
            return [no_update, _iso(start_day), _iso(end_day), *values, *opts]
        extra = {"item": query_value(search, "item") or "", **chart_scope.kept(search)}
        if trigger == "f-clear":
            return [to_query(Filters(), extra), None, None] + [[] for _ in keys] + keep_options
        f = Filters(
            start=parse_date(start),
            end=parse_date(end),
            **{k: tuple(sorted(set(v or []))) for k, v in zip(keys, lists, strict=True)},
        )
        query = to_query(f, extra)
        if query == (search or ""):
            return [no_update] * (3 + len(keys)) + keep_options
        return [query] + [no_update] * (2 + len(keys)) + keep_options

    @app.callback(
        *[Output(f"f-{k}", "options", allow_duplicate=True) for k in keys],
        Input("data-version", "data"),
        State("url", "search"),
        prevent_initial_call=True,
    )
    def refresh_options(_version, search):
        return option_lists(search)[0]

    @app.callback(
        Output("dataset-label", "children"),
        Input("data-version", "data"),
        Input("url", "search"),
    )
    def dataset_label(_version, search):
        return option_lists(search)[1]

    @app.callback(
        *[Output(f"nav-{page.NAME}", "href") for page in PAGES],
        Input("url", "search"),
    )
    def nav_links(search):
        query = to_query(from_query(search), chart_scope.kept(search))
        return [page_href(page) + query for page in PAGES]

    @app.callback(
        Output("page", "children"),
        Output("page-drawn", "data"),
        Input("url", "pathname"),
        Input("url", "search"),
        Input("data-version", "data"),
        State("page-drawn", "data"),
    )
    def route(pathname, search, _version, before):
        path = page_path(pathname)
        page = next((p for p in PAGES if path == p.PATH), None)
        if page is None and path != "/":
            return note(f"No page at {pathname}. Use the navigation above.", "error"), None
        try:
            view = current_view(service, search)
            if page is None:  # home: the overview once there is data, else the upload page
                page = HOME if view.full is not None else UPLOAD
            now = drawn(page.PATH, view, search, page_shape(page, view))
            if getattr(page, "UPDATES_IN_PLACE", False) and updates_in_place(
                page.PATH, before, now, set(ctx.triggered_prop_ids)
            ):
                return no_update, no_update  # the page's own callback sends what changed
            if page is UPLOAD:  # shows the session's own messages: drawn every time
                content = page.layout(view, search or "")
            else:
                content = service.page(
                    view, page.NAME, search or "", lambda: page.layout(view, search or "")
                )
            notes = date_notes(search)
            if notes:
                warnings = [
                    note(text, "warning", id=f"date-note-{i}") for i, text in enumerate(notes)
                ]
                return html.Div([*warnings, content]), now
            return content, now
        except Exception as exc:  # a readable line in the page, the traceback in the log
            log.exception("page %s failed", path)
            message = f"This page could not be drawn: {type(exc).__name__}: {exc}"
            return note(message, "error"), None

    chart_scope.register(app)

    @app.callback(
        Output("guardrail-banner", "children"),
        Input("url", "pathname"),
        Input("url", "search"),
        Input("data-version", "data"),
    )
    def banner(pathname, search, _version):
        """The status classes' warnings above every page but the upload page, which shows
        them beside the editor."""
        if page_path(pathname) == UPLOAD.PATH:
            return None
        try:
            view = current_view(service, search)
            if page_path(pathname) == "/" and view.full is None:
                return None  # home without data is the upload page
            return guardrail_banner(view, search)
        except Exception:  # the page itself reports problems
            log.exception("guardrail banner")
            return None

    for page in PAGES:
        if hasattr(page, "register"):
            page.register(app, service)

    @app.callback(
        Output({"type": "csv-download", "name": MATCH}, "data"),
        Input({"type": "csv-button", "name": MATCH}, "n_clicks"),
        State({"type": "grid", "name": MATCH}, "virtualRowData"),
        State({"type": "grid", "name": MATCH}, "rowData"),
        State({"type": "grid", "name": MATCH}, "columnDefs"),
        prevent_initial_call=True,
    )
    def download_csv(clicks, virtual_rows, rows, columns):
        from .components import csv_text

        if not clicks:
            return no_update
        name = ctx.triggered_id["name"]
        data = virtual_rows if virtual_rows is not None else rows
        return {
            "content": csv_text(data or [], columns or []),
            "filename": f"flowgap-{name}.csv",
            "type": "text/csv",
        }
