"""Upload: drop exports, see what was detected, classify statuses, download flowgap.toml."""

from __future__ import annotations

import base64
import binascii
import logging
import tomllib

import pyarrow.compute as pc
from dash import ALL, Dash, Input, Output, State, ctx, dcc, html, no_update

from ...config import STATUS_CLASSES, guess_status_class
from ...engine.status_classes import build_status_classes, classes_of, guesses_of
from ...errors import FlowgapError
from ..components import card, class_warning_notes, grid, note, pct, section
from ..data import DataService, View, parse_uploaded_config
from .common import current_sid

NAME, PATH, TITLE = "upload", "/upload", "Upload"
log = logging.getLogger("flowgap.dashboard")

TEAM_SOURCES = (
    ("field", "team field history"),
    ("status", "status -> team map"),
    ("assignee_map", "assignee -> team map"),
    ("assignee", "the assignee"),
)


def _status_rows(view: View) -> list[dict]:
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


def _editor(view: View) -> html.Div:
    rows = _status_rows(view)
    header = html.Tr(
        [
            html.Th("Status"),
            html.Th("Entered"),
            html.Th("flowgap's guess"),
            html.Th("Class from"),
            html.Th("Class used"),
        ]
    )
    body = [
        html.Tr(
            [
                html.Td(r["status"], className="status-name"),
                html.Td(str(r["count"])),
                html.Td(r["guess"]),
                html.Td(r["source"]),
                html.Td(
                    dcc.RadioItems(
                        id={"type": "class-radio", "status": r["status"]},
                        options=[{"label": c, "value": c} for c in STATUS_CLASSES],
                        value=r["class"],
                        inline=True,
                        className="class-radio",
                    )
                ),
            ],
            className="status-row",
        )
        for r in rows
    ]
    team_source = list(view.config.teams.source)
    return html.Div(
        [
            html.P(
                "Which statuses are work (active), queues (wait), not started (backlog) or"
                " finished (done)? Changing a class re-runs the analysis at once."
            ),
            html.Table([html.Thead(header), html.Tbody(body)], className="editor"),
            html.H3("Team of a segment, first source that gives one"),
            dcc.Checklist(
                id="team-source",
                options=[{"label": label, "value": key} for key, label in TEAM_SOURCES],
                value=team_source,
                inline=True,
            ),
            html.Div(
                [
                    html.Button("Download flowgap.toml", id="download-toml", n_clicks=0),
                    dcc.Download(id="toml-download"),
                ],
                className="toml-row",
            ),
        ]
    )


def _detected(view: View) -> list:
    result = view.result
    assert result is not None
    inputs = [
        {
            "file": i.path.rsplit("/", 1)[-1],
            "format": i.format,
            "read": i.records_read,
            "loaded": i.records_loaded,
            "rejected": i.records_rejected,
            "unit": i.record_unit,
        }
        for i in result.inputs
    ]
    ts = result.events["ts"]
    first = pc.min(ts).as_py() if len(ts) else None
    last = pc.max(ts).as_py() if len(ts) else None
    span = f"{first:%Y-%m-%d} to {last:%Y-%m-%d}" if first and last else "no events"
    parts = [
        html.P(
            f"{result.items.num_rows} items, {result.events.num_rows} events, {span}.",
            id="detected-counts",
        ),
        grid(
            "inputs",
            inputs,
            [
                ("file", "File"),
                ("format", "Format"),
                ("read", "Records read"),
                ("loaded", "Loaded"),
                ("rejected", "Rejected"),
                ("unit", "Record"),
            ],
            height=160,
        ),
    ]
    if not result.has_history:
        parts.append(
            note(
                "This source has no status history (a Jira UI CSV export): only lead time can"
                " be computed; flow efficiency, handoffs and bottlenecks need the history"
                " (use flowgap pull or the REST export).",
                "warning",
            )
        )
    if result.rejects:
        parts.append(html.H3(f"Rejected records ({len(result.rejects)})"))
        parts.append(
            grid(
                "rejects",
                [{"source": r.source, "reason": r.reason} for r in result.rejects[:5000]],
                [("source", "Source"), ("reason", "Reason")],
                height=220,
            )
        )
    if result.warnings:
        parts.append(html.H3(f"Data-quality findings ({len(result.warnings)})"))
        parts.append(
            grid(
                "data-quality",
                [
                    {"kind": w.kind, "item": w.item, "message": w.message, "source": w.source}
                    for w in result.warnings[:5000]
                ],
                [("kind", "Kind"), ("item", "Item"), ("message", "Finding"), ("source", "Source")],
                height=220,
            )
        )
    return parts


def layout(view: View, search: str) -> html.Div:
    limit = view.config.dashboard.upload_limit_mb
    children: list = [
        html.H1("Upload ticket history"),
        dcc.Upload(
            id="upload",
            multiple=True,
            children=html.Div(
                [
                    "Drag and drop exports here, or ",
                    html.A("choose files", className="link"),
                    f" (Jira JSON/NDJSON, Jira CSV, transition or event CSV, XES, Parquet;"
                    f" .gz and .zip too; up to {limit:g} MB). Drop a flowgap.toml with"
                    " them to use its column mapping and rules.",
                ]
            ),
            className="upload",
        ),
    ]
    message = view.state.message
    if message:
        kind, text = message[0], message[1]
        children.append(note(text, "error" if kind == "error" else "ok", id="upload-message"))
    if view.dataset is not None and not view.dataset.demo:
        children.append(html.Button("Back to the demo data", id="use-demo", n_clicks=0))
    if view.dataset is None:
        children.append(note("Nothing loaded yet.", "info"))
        return html.Div(children)
    children.append(html.P(f"Showing {view.dataset.label}.", id="upload-dataset"))
    if view.state.config_name:
        children.append(html.P(f"Config: {view.state.config_name} (uploaded).", id="upload-config"))
    if view.error and view.result is None:
        children.append(note(view.error, "error", id="page-error"))
        return html.Div(children)
    children.append(section("What was detected", *_detected(view)))
    if view.analysis is not None:
        fe = view.analysis.summary.get("flow_efficiency", {})
        children.append(class_warning_notes(view.analysis.warnings))
        children.append(
            html.Div(
                [
                    card("Flow efficiency (median)", pct(fe.get("median")), "upload-fe-median"),
                    card("Flow efficiency (pooled)", pct(fe.get("pooled")), "upload-fe-pooled"),
                ],
                className="cards",
            )
        )
    elif view.error:
        children.append(note(view.error, "error", id="page-error"))
    children.append(section("Status classification", _editor(view), id="classification"))
    return html.Div(children)


# --------------------------------------------------------------------------- callbacks


def decode_uploads(
    contents: list[str], filenames: list[str], limit_bytes: int
) -> list[tuple[str, bytes]]:
    """The bytes of each uploaded file; refuses oversize uploads before decoding them."""
    # base64 carries 3 bytes per 4 characters: check the size before decoding anything.
    approx = sum(len(c.partition(",")[2]) * 3 // 4 for c in contents)
    if approx > limit_bytes:
        raise FlowgapError(
            f"{', '.join(filenames)}: upload is {approx / 1e6:.1f} MB, the limit is"
            f" {limit_bytes / 1e6:g} MB ([dashboard] upload_limit_mb)"
        )
    files = []
    for content, name in zip(contents, filenames, strict=True):
        _, _, payload = content.partition(",")
        try:
            files.append((name, base64.b64decode(payload, validate=True)))
        except (binascii.Error, ValueError):
            raise FlowgapError(f"{name}: the upload arrived damaged, try again") from None
    return files


def handle_upload(
    service: DataService, sid: str, contents: list[str], filenames: list[str]
) -> list[str]:
    """Store, load and analyse an upload; returns the (kind, text) message for the page.

    A ``.toml`` file among the uploads is taken as the session's flowgap.toml (in place of the
    served config); the other files are the data. A config alone re-analyses the data the
    session already shows. Whatever fails (reading, loading or analysing), the session goes
    back to the data and config it had, and the message says why.
    """
    from ...ingest.inflate import Budget
    from ..filters import Filters

    store = service.store
    limit = int(service.base_config.dashboard.upload_limit_mb * 1_000_000)
    names = ", ".join(filenames)
    notes: list[str] = []
    previous = store.state(sid)
    data: list = []
    try:
        files = decode_uploads(contents, filenames, limit)
        configs = [(n, d) for n, d in files if n.lower().endswith(".toml")]
        data = [(n, d) for n, d in files if not n.lower().endswith(".toml")]
        if len(configs) > 1:
            raise FlowgapError(f"{names}: upload one flowgap.toml at a time")
        if data:
            store.set_aside_uploads(sid)
        state = store.state(sid)
        if configs:
            name, raw = configs[0]
            try:
                text = raw.decode("utf-8-sig")
            except UnicodeDecodeError:
                raise FlowgapError(f"{name}: not UTF-8 text") from None
            if tomllib.loads(text).get("steering", {}).get("meetings_file"):
                notes.append(
                    f"{name}: steering.meetings_file is ignored in uploads (serve with -c to"
                    " use a meetings file)."
                )
            parse_uploaded_config(text, name)  # one clear line when it is invalid
            state.config_toml, state.config_name = text, name
            store.save_state(sid, state)
        if data:
            budget = Budget.of(service.base_config)
            budget.max_bytes = min(budget.max_bytes, limit * 10)
            state = store.replace_uploads(sid, data, limit, budget)
        dataset = service.dataset_for(sid, state)
        if dataset is None:
            store.drop_aside(sid)
            return ["ok", f"Using {state.config_name}; upload data to analyse."]
        config, owner = service.config_for(state), service.owner(sid, state)
        result = service.load(dataset, config, owner)
        full, _, _ = service.analyze(dataset, config, Filters(), owner)
        full.summary  # noqa: B018  # what the first page reads: a failing analysis fails here
    except (FlowgapError, tomllib.TOMLDecodeError) as err:
        _undo(store, sid, previous, bool(data))
        return ["error", f"Nothing was loaded: {err}"]
    except Exception as exc:  # any loader or engine failure is a message, never a stack trace
        log.exception("upload failed")
        _undo(store, sid, previous, bool(data))
        return [
            "error",
            f"Nothing was loaded: {names}: cannot be read ({type(exc).__name__}: {exc})",
        ]
    store.drop_aside(sid)
    if previous.upload_key and previous.upload_key != state.upload_key:
        # The replaced upload's cached data and analyses go now, not when the LRU gets there.
        service.forget_sessions([f"{sid}:{previous.upload_key}"])
    rejected = len(result.rejects)
    what = ", ".join(n for n in filenames if not n.lower().endswith(".toml")) or dataset.label
    text = (
        f"Loaded {what}: {result.items.num_rows} items, "
        f"{result.events.num_rows} events, {rejected} records rejected."
    )
    if state.config_toml:
        text += f" Config: {state.config_name}."
    return ["ok", " ".join([text, *notes])]


def _undo(store, sid: str, previous, replaced_data: bool) -> None:
    """After a failed upload: back to the data (set aside) and the config the session had."""
    try:
        if replaced_data:
            store.restore_uploads(sid, previous)
        else:
            store.save_state(sid, previous)
    except OSError:
        log.exception("cannot undo the upload")


def register(app: Dash, service: DataService) -> None:
    store = service.store

    def bump(version: int | None) -> int:
        return (version or 0) + 1

    def save_message(sid: str, message: list[str]) -> None:
        state = store.state(sid)
        state.message = message
        store.save_state(sid, state)

    @app.callback(
        Output("data-version", "data", allow_duplicate=True),
        Input("upload", "contents"),
        State("upload", "filename"),
        State("data-version", "data"),
        prevent_initial_call=True,
    )
    def on_upload(contents, filenames, version):
        sid = current_sid()
        if not contents or not sid:
            return no_update
        if isinstance(contents, str):
            contents, filenames = [contents], [filenames]
        save_message(sid, handle_upload(service, sid, contents, filenames))
        return bump(version)

    @app.callback(
        Output("data-version", "data", allow_duplicate=True),
        Input("use-demo", "n_clicks"),
        State("data-version", "data"),
        prevent_initial_call=True,
    )
    def use_demo(clicks, version):
        sid = current_sid()
        if not clicks or not sid:
            return no_update
        state = store.forget_uploads(sid)
        state.message = None
        store.save_state(sid, state)
        return bump(version)

    @app.callback(
        Output("data-version", "data", allow_duplicate=True),
        Input({"type": "class-radio", "status": ALL}, "value"),
        State("data-version", "data"),
        prevent_initial_call=True,
    )
    def on_class(values, version):
        sid = current_sid()
        trigger = ctx.triggered_id
        if not sid or not isinstance(trigger, dict) or not ctx.triggered:
            return no_update
        value = ctx.triggered[0]["value"]
        if value not in STATUS_CLASSES:
            return no_update
        state = store.state(sid)
        status = trigger["status"]
        # Also fired when the editor is (re)drawn: only a real change is saved as a choice.
        view = service.view(sid, _no_filters())
        in_use = classes_of(view.result, view.config) if view.result else {}
        category = view.result.status_categories.get(status) if view.result else None
        if in_use.get(status, view.config.status_class(status, category)[0]) == value:
            return no_update
        state.classes[trigger["status"]] = value
        store.save_state(sid, state)
        return bump(version)

    @app.callback(
        Output("data-version", "data", allow_duplicate=True),
        Input("team-source", "value"),
        State("data-version", "data"),
        prevent_initial_call=True,
    )
    def on_team_source(value, version):
        sid = current_sid()
        if not sid:
            return no_update
        order = [key for key, _ in TEAM_SOURCES if key in (value or [])]
        state = store.state(sid)
        if list(service.config_for(state).teams.source) == order:
            return no_update
        state.team_source = order
        store.save_state(sid, state)
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


def _no_filters():
    from ..filters import Filters

    return Filters()


def toml_for(view: View) -> str:
    """The session's config with every status of the data classified, guesses marked."""
    from ...config.toml_writer import config_to_toml

    config = view.config.model_copy(deep=True)
    notes: dict[tuple[str, ...], str] = {}
    if view.result is not None:
        for row in _status_rows(view):
            if row["guessed"]:
                notes["statuses", "classes", row["status"]] = "guessed"
            config.statuses.classes.setdefault(row["status"], row["class"])  # type: ignore[arg-type]
    header = "flowgap.toml written by the flowgap dashboard."
    if notes:
        guessed = ", ".join(key[-1] for key in notes)
        header += f"\nThese classes are guesses nobody confirmed (marked # guessed): {guessed}"
    return config_to_toml(config, header, notes)
