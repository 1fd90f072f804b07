"""What happens to an upload: decoded within the size limit, stored, loaded and analysed, or
kept aside for a column mapping when flowgap cannot map it by itself; whatever fails, the
session goes back to what it had and the page gets one line saying why."""

from __future__ import annotations

import base64
import binascii
import io
import logging
import tomllib
import zipfile
from pathlib import Path

from ...errors import FlowgapError, InputError
from ..data import DataService, parse_uploaded_config
from ..sessions import SessionState, SessionStore, display_name, over_limit

log = logging.getLogger("flowgap.dashboard")

#: The formats whose columns (or attributes) can be picked in the browser.
MAPPABLE = ("csv", "xes")


class NeedsMapping(FlowgapError):
    """An upload flowgap cannot map by itself: its format and why."""

    def __init__(self, fmt: str, problem: str) -> None:
        self.format = fmt
        self.problem = problem
        super().__init__(problem)


def limit_bytes(service: DataService) -> int:
    return int(service.base_config.dashboard.upload_limit_mb * 1_000_000)


def decode_uploads(
    contents: object, filenames: object, limit_bytes: int
) -> list[tuple[str, bytes]]:
    """The bytes of each uploaded file, named for display (:func:`display_name`); refuses
    oversize uploads before decoding them, and props no browser sends (not one data URL per
    file name) as a damaged upload."""
    if not (
        isinstance(contents, list)
        and isinstance(filenames, list)
        and len(contents) == len(filenames)
        and all(isinstance(c, str) for c in contents)
        and all(isinstance(n, str) for n in filenames)
    ):
        raise FlowgapError("the upload arrived damaged, try again")
    names = [display_name(n) for n in filenames]
    # base64 carries 3 bytes per 4 characters, less one per "=" of padding: the exact size,
    # checked before decoding anything (a file of exactly the limit is within it).
    payloads = [c.partition(",")[2] for c in contents]
    size = sum(len(p) * 3 // 4 - (len(p) - len(p.rstrip("="))) for p in payloads)
    if size > limit_bytes:
        raise over_limit(names, size, limit_bytes)
    files = []
    for payload, name in zip(payloads, names, strict=True):
        try:
            files.append((name, base64.b64decode(payload, validate=True)))
        except (binascii.Error, ValueError):
            raise FlowgapError(f"{name}: the upload arrived damaged, try again") from None
    return files


def refused_in_browser(names: list[str], size: int, limit: int) -> list[str]:
    """The page's message for an upload the browser refused before reading it."""
    return ["error", f"Nothing was loaded: {over_limit(names, size, limit)}"]


def handle_upload(service: DataService, sid: str, contents: object, filenames: object) -> list[str]:
    """Store, load and analyse an upload; returns the (kind, text) message for the page.

    A ``.toml`` file among the uploads is taken as the session's flowgap.toml (in place of the
    served config); the other files are the data. A config alone re-analyses the data the
    session already shows. Whatever fails (reading, loading or analysing), the session goes
    back to the data and config it had, and the message says why; a CSV or XES file flowgap
    cannot map by itself is kept aside for the mapping (kind ``mapping``).
    """
    try:
        files = decode_uploads(contents, filenames, limit_bytes(service))
    except FlowgapError as err:
        return ["error", f"Nothing was loaded: {err}"]
    return handle_files(service, sid, files)


def handle_files(
    service: DataService,
    sid: str,
    files: list[tuple[str, bytes]],
    input_map: dict[str, dict] | None = None,
) -> list[str]:
    """:func:`handle_upload` of decoded files; ``input_map`` is the column mapping picked in
    the browser for the data (none: the config's own)."""
    from ...ingest.inflate import Budget
    from ..filters import Filters

    store = service.store
    limit = limit_bytes(service)
    filenames = [name for name, _ in files]
    names = ", ".join(filenames)
    notes: list[str] = []
    previous = store.state(sid)
    configs = [(n, d) for n, d in files if n.lower().endswith(".toml")]
    data = [(n, d) for n, d in files if not n.lower().endswith(".toml")]
    try:
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
            ignored: list[str] = []
            parse_uploaded_config(text, name, ignored)  # one clear line when it is invalid
            if ignored:
                notes.append(
                    f"{name}: steering.meetings_file is ignored in uploads (serve with -c to"
                    " use a meetings file)."
                )
            state.config_toml, state.config_name = text, name
            store.save_state(sid, state)
        if data:
            capped = service.base_config.model_copy(deep=True)
            service.cap_upload(capped)
            budget = Budget.of(capped)
            state = store.replace_uploads(sid, data, limit, budget)
            state.input_map = input_map  # a mapping belongs to the file it was picked for
            store.save_state(sid, state)
        dataset = service.dataset_for(sid, state)
        if dataset is None:
            store.drop_aside(sid)
            return ["ok", f"Using {state.config_name}; upload data to analyse."]
        config, owner = service.config_for(state, sid), service.owner(sid, state)
        try:
            result = service.load(dataset, config, owner)
        except InputError as err:
            raise _unmapped(err, data, dataset.paths, config) or err from None
        if not result.events.num_rows and data:
            reason = result.rejects[0].reason if result.rejects else "no records"
            problem = f"no event could be read with the current mapping ({reason})"
            need = _unmapped(InputError(names, problem), data, dataset.paths, config)
            if need is not None:
                raise need
        empty = result.nothing_loaded(hint="") if data else None
        if empty:  # as the CLI refuses it: every record rejected is no data to show
            raise InputError(names, empty)
        full, _, _ = service.analyze(dataset, config, Filters(), owner)
        full.summary  # noqa: B018  # what the first page reads: a failing analysis fails here
    except NeedsMapping as need:
        _undo(store, sid, previous, bool(data))
        try:
            store.keep_pending(sid, data[0][0], data[0][1], need.format, need.problem)
        except FlowgapError as err:
            return ["error", f"Nothing was loaded: {need.problem}; {err}"]
        return [
            "mapping",
            f"{data[0][0]} needs a column mapping: {need.problem}. Pick its columns below;"
            " the data shown is unchanged until then.",
        ]
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
    if data:
        store.drop_pending(sid)
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
    if state.input_map:
        text += f" Column mapping: [input.{next(iter(state.input_map))}]."
    return ["ok", " ".join([text, *notes])]


def _unmapped(
    err: InputError, data: list[tuple[str, bytes]], paths: list[Path], config
) -> NeedsMapping | None:
    """A mapping problem of one uploaded CSV or XES file (a mapped column that is not there,
    or nothing read), or None for any other problem."""
    from ...ingest.detect import detect_format

    if len(data) != 1 or len(paths) != 1 or zipfile.is_zipfile(io.BytesIO(data[0][1])):
        return None  # several files, or an archive: its members are not mapped one by one
    try:
        fmt = config.input.format or detect_format(paths[0], config)
    except FlowgapError:
        return None
    if fmt not in MAPPABLE:
        return None
    mapping_key = f"(config key input.{fmt}." in err.problem
    if not mapping_key and "no event could be read" not in err.problem:
        return None
    return NeedsMapping(fmt, err.problem)


def _undo(store: SessionStore, sid: str, previous: SessionState, replaced_data: bool) -> None:
    """After a failed upload: back to the data (set aside) and the config the session had."""
    try:
        if replaced_data:
            store.restore_uploads(sid, previous)
        else:
            store.save_state(sid, previous)
    except OSError:
        log.exception("cannot undo the upload")
