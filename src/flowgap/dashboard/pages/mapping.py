"""Mapping an upload flowgap cannot read by itself: pick its columns (CSV) or event attributes
(XES) over its first rows, see the head re-read by the loader as you pick, then analyse the
whole file with that mapping.

The mapping is the ``[input.csv]`` or ``[input.xes]`` section of ``flowgap.toml`` and nothing
else: it is validated by the config models (``Config.with_input``), the preview is the
format's own loader on the bounded head of the file (``ingest.preview``), and the session's
"Download flowgap.toml" writes it with the rest of the config, for ``flowgap analyze -c``.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from dash import ALL, Dash, Input, Output, State, dcc, html, no_update

from ...config import Config
from ...errors import FlowgapError, InputError
from ...ingest import preview
from ..components import grid, note
from ..data import DataService
from .common import bump, current_sid
from .upload_handling import handle_files

#: Rejected records and events shown in the preview.
SHOWN = 200
#: Columns of the file's first rows shown (every column stays pickable).
SHOWN_COLUMNS = 60


@dataclass(frozen=True)
class Key:
    """One key of an ``[input.*]`` section as a control: ``one`` column, ``many`` columns in
    order, an ``optional`` column, ``text`` or a ``flag``."""

    name: str
    label: str
    kind: str
    help: str = ""


CSV_KEYS = (
    Key("item", "Item", "one", "the column with the item (case, ticket) key"),
    Key("status", "Status", "many", "one column, or several joined (status + sub-status)"),
    Key("timestamp", "Timestamp", "one", "when the event happened"),
    Key(
        "timestamp_format",
        "Timestamp format",
        "text",
        "strptime, e.g. %d/%m/%Y %H:%M; empty: ISO 8601",
    ),
    Key("dayfirst", "Dates are day first (03/04 is 3 April)", "flag"),
    Key("timezone", "Zone of times without an offset", "text", "e.g. Europe/Berlin"),
    Key("team", "Team", "optional", "the team that has the item"),
    Key("resource", "Resource", "optional", "the person: becomes the assignee"),
    Key("created", "Created", "optional", "the item's creation time"),
    Key("order_by", "Ordering column", "optional", "orders events of one item at one time"),
    Key("status_separator", "Status separator", "text", "joins several status columns"),
    Key("delimiter", "Delimiter", "text", "one character; empty: detected"),
)
XES_KEYS = (
    Key("case_attribute", "Item", "one", "the trace attribute naming the item"),
    Key("timestamp_attribute", "Timestamp", "one", "the event attribute with the event's date"),
    Key("status_attribute", "Status", "many", "one event attribute, or several joined"),
    Key("team_attribute", "Team", "optional", "the event attribute naming the team"),
    Key("resource_attribute", "Resource", "optional", "the person: becomes the assignee"),
    Key("lifecycle", "start/complete lifecycles are work, then waiting", "flag"),
    Key("status_separator", "Status separator", "text", "joins several status attributes"),
)
KEYS = {"csv": CSV_KEYS, "xes": XES_KEYS}


def placeholder(view_state) -> html.Div | None:
    """Where the mapping panel goes on the upload page (drawn by a callback: it reads the
    session's pending file)."""
    if not view_state.pending:
        return None
    return html.Div(
        dcc.Loading(html.Div(id="mapping-panel", className="mapping-panel")),
        id="mapping",
        className="section",
    )


def mapped_config(
    service: DataService, state, fmt: str, values: dict, sid: str | None = None
) -> Config:
    """The session's config with ``values`` as its ``[input.*]`` mapping: the config the
    upload is analysed with (the mapping of the data the session shows now is not part of
    it: it belongs to another file)."""
    config = service.config_for(replace(state, input_map=None), sid)
    return config.with_input(preview.SECTIONS[fmt], values, "column mapping")


def _model_defaults(fmt: str) -> dict:
    return Config().input.model_dump(by_alias=True)[preview.SECTIONS[fmt]]


def start_values(fmt: str, found: preview.Sample, picked: dict | None, head) -> dict:
    """The controls' first values: the session's mapping when it edits its own, else the
    guesses over the defaults; a column the file does not have is left unset."""
    values = _model_defaults(fmt)
    values.update(picked if picked is not None else preview.guess(head, fmt, found))
    for key in KEYS[fmt]:
        value = values.get(key.name)
        choices = found.choices_for(key.name)
        if key.kind in ("one", "optional") and value not in choices:
            values[key.name] = None
        elif key.kind == "many":
            values[key.name] = [v for v in value or [] if v in choices]
    return values


def _control(key: Key, value: object, choices: list[str]):
    cid = {"type": "map-key", "key": key.name}
    if key.kind in ("one", "optional", "many"):
        return dcc.Dropdown(
            id=cid,
            options=[{"label": c, "value": c} for c in choices],
            value=value,
            multi=key.kind == "many",
            clearable=key.kind != "one",
            placeholder="none" if key.kind == "optional" else "pick",
            className="map-dropdown",
        )
    if key.kind == "flag":
        return dcc.Checklist(
            id=cid, options=[{"label": key.label, "value": "on"}], value=["on"] if value else []
        )
    return dcc.Input(
        id=cid,
        value="" if value is None else str(value),
        debounce=True,
        maxLength=200,
        placeholder=key.help,
        className="map-text",
    )


def values_of(fmt: str, ids: object, raw: object) -> dict[str, object]:
    """The ``[input.*]`` values of the controls (an empty text is the key unset). A value of
    the wrong type is passed on for the config's validation to name; controls no page draws
    are a FlowgapError."""
    if not (isinstance(ids, list) and isinstance(raw, list) and len(ids) == len(raw)):
        raise FlowgapError("the column mapping arrived damaged, try again")
    kinds = {k.name: k.kind for k in KEYS[fmt]}
    values: dict[str, object] = {}
    for cid, value in zip(ids, raw, strict=True):
        key = cid.get("key") if isinstance(cid, dict) else None
        kind = kinds.get(key) if isinstance(key, str) else None
        if kind == "flag":
            values[key] = bool(value)
        elif kind == "many":
            values[key] = [] if value is None else value
        elif kind == "text":
            text = value.strip() if isinstance(value, str) and key != "status_separator" else value
            values[key] = text or None
        elif kind is not None:
            values[key] = value or None
    return values


def panel(service: DataService, sid: str) -> list:
    """The mapping panel of the session's pending upload."""
    store = service.store
    state = store.state(sid)
    pending = state.pending
    head = store.pending_path(sid, head=True)
    if not pending or head is None:
        return [note("The file to map is gone (the session expired): upload it again.", "info")]
    fmt = pending["format"]
    section = preview.SECTIONS[fmt]
    picked = (state.input_map or {}).get(section) if pending.get("edit") else None
    try:
        found = preview.sample(head, fmt, mapped_config(service, state, fmt, picked or {}, sid))
    except InputError as err:
        problem = f"{pending['name']}: {err.problem}"
        return [note(f"This file cannot be mapped: {problem}", "error", id="mapping-error")]
    except FlowgapError as err:
        return [note(f"This file cannot be mapped: {err}", "error", id="mapping-error")]
    values = start_values(fmt, found, picked, head)
    what = "columns" if fmt == "csv" else "event attributes"
    controls = [
        html.Div(
            [
                html.Label(key.label if key.kind != "flag" else "", className="map-label"),
                _control(key, values.get(key.name), found.choices_for(key.name)),
                html.Span(key.help, className="map-help") if key.kind != "text" else None,
            ],
            className="map-row",
        )
        for key in KEYS[fmt]
    ]
    return [
        html.H2(
            f"Map the {what} of {pending['name']}",
            id="mapping-title",
            **{"data-file": pending["name"]},
        ),
        html.P(pending.get("problem") or "", id="mapping-problem", className="hint"),
        html.H3(f"The file's first rows ({len(found.columns)} {what})"),
        html.P(
            f"The first {SHOWN_COLUMNS} {what} are shown; every one can be picked below.",
            className="hint",
        )
        if len(found.columns) > SHOWN_COLUMNS
        else None,
        grid(
            "mapping-sample",
            found.rows,
            [(c, c) for c in found.columns[:SHOWN_COLUMNS]],
            height=min(80 + 32 * len(found.rows), 340),
        ),
        html.H3(f"[input.{section}]"),
        html.Div(controls, className="map-controls"),
        html.Div(
            [
                html.Button("Analyse with this mapping", id="mapping-apply", n_clicks=0),
                html.Button("Cancel", id="mapping-cancel", n_clicks=0),
            ],
            className="toml-row",
        ),
        html.H3("Read with this mapping"),
        dcc.Loading(html.Div(id="mapping-preview")),
    ]


def read_preview(service: DataService, sid: str, ids: list[dict], raw: list) -> list:
    """The head of the pending file read by its loader under the picked mapping."""
    store = service.store
    state = store.state(sid)
    pending = state.pending
    head = store.pending_path(sid, head=True)
    if not pending or head is None:
        return []
    fmt = pending["format"]
    try:
        config = mapped_config(service, state, fmt, values_of(fmt, ids, raw), sid)
        result = preview.read(head, fmt, config)
    except InputError as err:  # the head's problem is the file's: named as the user named it
        return [note(f"{pending['name']}: {err.problem}", "error", id="mapping-error")]
    except FlowgapError as err:
        return [note(str(err), "error", id="mapping-error")]
    read = sum(i.records_read for i in result.inputs)
    loaded = sum(i.records_loaded for i in result.inputs)
    unit = result.inputs[0].record_unit if result.inputs else "record"
    kb = preview.PREVIEW_BYTES[fmt] >> 10
    span = f"the first {kb} KB of the file" if pending.get("more") else "the whole file"
    parts: list = [
        html.P(
            f"Of {span}: {read} {unit}s read, {loaded} loaded,"
            f" {len(result.rejects)} rejected; {result.items.num_rows} items,"
            f" {result.events.num_rows} events.",
            id="mapping-counts",
        )
    ]
    for finding in result.warnings[:5]:
        parts.append(note(finding.message, "warning"))
    if result.rejects:
        parts.append(html.H4(f"Rejected records ({len(result.rejects)})"))
        parts.append(
            grid(
                "mapping-rejects",
                [{"source": r.source, "reason": r.reason} for r in result.rejects[:SHOWN]],
                [("source", "Source"), ("reason", "Reason")],
                height=200,
            )
        )
    events = result.events.slice(0, SHOWN).to_pylist()
    parts.append(html.H4(f"Events as flowgap reads them (the first {len(events)})"))
    parts.append(
        grid(
            "mapping-events",
            events,
            [
                ("item", "Item"),
                ("ts", "Time (UTC)"),
                ("field", "Field"),
                ("value", "Value"),
                ("actor", "Actor"),
                ("source", "Source"),
            ],
            height=260,
        )
    )
    return parts


def register(app: Dash, service: DataService) -> None:
    store = service.store

    @app.callback(Output("mapping-panel", "children"), Input("mapping-panel", "id"))
    def draw_panel(_id):
        sid = current_sid()
        return panel(service, sid) if sid else []

    @app.callback(
        Output("mapping-preview", "children"),
        Input({"type": "map-key", "key": ALL}, "value"),
        State({"type": "map-key", "key": ALL}, "id"),
    )
    def on_pick(values, ids):
        sid = current_sid()
        return read_preview(service, sid, ids, values) if sid else []

    @app.callback(
        Output("data-version", "data", allow_duplicate=True),
        Input("mapping-apply", "n_clicks"),
        State({"type": "map-key", "key": ALL}, "value"),
        State({"type": "map-key", "key": ALL}, "id"),
        State("data-version", "data"),
        prevent_initial_call=True,
    )
    def apply(clicks, values, ids, version):
        sid = current_sid()
        if not clicks or not sid:
            return no_update
        state = store.state(sid)
        pending, path = state.pending, store.pending_path(sid)
        if not pending or path is None:
            return no_update
        section = preview.SECTIONS[pending["format"]]
        try:
            mapping = values_of(pending["format"], ids, values)
            mapped_config(service, state, pending["format"], mapping, sid)  # one line if invalid
            message = handle_files(
                service, sid, [(pending["name"], path.read_bytes())], {section: mapping}
            )
        except FlowgapError as err:
            message = ["error", f"Nothing was loaded: {err}"]
        with store.edit(sid) as state:
            state.message = message
        return bump(version)

    @app.callback(
        Output("data-version", "data", allow_duplicate=True),
        Input("mapping-cancel", "n_clicks"),
        State("data-version", "data"),
        prevent_initial_call=True,
    )
    def cancel(clicks, version):
        sid = current_sid()
        if not clicks or not sid:
            return no_update
        store.drop_pending(sid)
        with store.edit(sid) as state:
            state.message = None
        return bump(version)

    @app.callback(
        Output("data-version", "data", allow_duplicate=True),
        Input("mapping-edit", "n_clicks"),
        State("data-version", "data"),
        prevent_initial_call=True,
    )
    def edit(clicks, version):
        """Open the mapping of the session's own upload again."""
        sid = current_sid()
        if not clicks or not sid:
            return no_update
        state = store.state(sid)
        paths = store.upload_paths(sid)
        if not state.input_map or len(paths) != 1:
            return no_update
        ((section, _),) = state.input_map.items()
        name = state.uploaded_names[0] if state.uploaded_names else paths[0].name
        store.keep_pending(sid, name, paths[0].read_bytes(), section, "", edit=True)
        return bump(version)
