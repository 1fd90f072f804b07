"""Upload: drop exports (checked against the size limit in the browser before they are read,
with progress while they upload and are analysed), see what was detected, map a file flowgap
cannot read by itself (``mapping.py``), classify statuses and pick teams (``class_editor.py``),
download flowgap.toml."""

from __future__ import annotations

import pyarrow.compute as pc
from dash import Dash, Input, Output, State, dcc, html, no_update

from ..components import card, class_warning_notes, grid, note, pct, section
from ..data import DataService, View
from ..sessions import display_name
from . import class_editor, mapping
from .class_editor import TEAM_SOURCES, toml_for  # noqa: F401  # the page's public names
from .common import bump, current_sid
from .upload_handling import (  # noqa: F401  # the page's public names
    decode_uploads,
    handle_files,
    handle_upload,
    limit_bytes,
    refused_in_browser,
)

NAME, PATH, TITLE = "upload", "/upload", "Upload"

#: The kinds of upload messages and the look of each.
MESSAGE_LOOK = {"error": "error", "mapping": "warning", "ok": "ok"}


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
        html.P(
            "Drop an export, check what was read from it, then say which statuses are work"
            " and which are queues, and who belongs to which team: every page follows.",
            id="upload-purpose",
            className="upload-purpose",
        ),
        html.Div(
            dcc.Upload(
                id="upload",
                multiple=True,
                # A backstop for the check of the asset script (upload.js), which refuses an
                # upload over the limit, all files together, before the browser reads it.
                max_size=int(limit * 1_000_000),
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
            id="upload-box",
            **{"data-limit-bytes": str(int(limit * 1_000_000)), "data-limit-mb": f"{limit:g}"},
        ),
        dcc.Store(id="upload-refused"),
    ]
    state = view.state
    message = state.message
    if message:
        kind, text = message[0], message[1]
        children.append(note(text, MESSAGE_LOOK.get(kind, "ok"), id="upload-message"))
    buttons = []
    if view.dataset is not None and not view.dataset.demo:
        buttons.append(html.Button("Back to the demo data", id="use-demo", n_clicks=0))
        if state.input_map and not state.pending:
            buttons.append(html.Button("Change the column mapping", id="mapping-edit"))
    if buttons:
        children.append(html.Div(buttons, className="toml-row"))
    panel = mapping.placeholder(state)
    if panel is not None:
        children.append(panel)
    if view.dataset is None:
        children.append(note("Nothing loaded yet.", "info"))
        return html.Div(children)
    children.append(html.P(f"Showing {view.dataset.label}.", id="upload-dataset"))
    if state.config_name:
        children.append(html.P(f"Config: {state.config_name} (uploaded).", id="upload-config"))
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
    children.append(
        section("Status classification", class_editor.editor(view), id="classification")
    )
    return html.Div(children)


# --------------------------------------------------------------------------- callbacks


def register(app: Dash, service: DataService) -> None:
    store = service.store

    def save_message(sid: str, message: list[str]) -> None:
        with store.edit(sid) as state:
            state.message = message

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
        Input("upload-refused", "data"),
        State("data-version", "data"),
        prevent_initial_call=True,
    )
    def on_refused(refused, version):
        """The browser refused an upload over the limit before reading it (upload.js): it
        sends the names and the size only, and the page says what the server would."""
        sid = current_sid()
        if not sid or not isinstance(refused, dict):
            return no_update
        names, size = refused.get("names"), refused.get("size")
        # What upload.js sends, or nothing: a list of names and a size in bytes
        if not isinstance(names, list) or not names or not isinstance(size, int | float):
            return no_update
        if not 0 < size < 1e15:
            return no_update
        names = [display_name(str(n)) for n in names][:50]
        save_message(sid, refused_in_browser(names, int(size), limit_bytes(service)))
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

    mapping.register(app, service)
    class_editor.register(app, service)
