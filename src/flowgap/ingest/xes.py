"""XES and XES.gz event logs, parsed by pm4py, turned into status changes.

Safety first: the prolog is scanned before pm4py (lxml) sees the file, and any DOCTYPE (the
only place entity declarations can live: billion laughs, external entities) is refused.

Mapping (``[input.xes]``): the status attribute (``concept:name``) gives the status, the team
attribute (``org:group``) ``team`` events and the resource attribute (``org:resource``)
``assignee`` events, each emitted when the value changes (an event without the attribute leaves
the value in force: XES records what an event carries, absence is not "nobody").

Lifecycles (``lifecycle = true`` and some event has ``lifecycle:transition`` = start): START of
X makes the status X; COMPLETE of X ends that instance, and the status becomes the most recently
started instance still open, or "waiting after X" when none is open, so touch time is the union
of START->COMPLETE intervals. Other transitions (SCHEDULE, ...) and activities never started
anywhere in the log leave the status alone and become ``activity`` events (value = activity,
prev = transition), and so does a COMPLETE that leaves the status as it was (another
instance still open). Such a case starts "queued" unless its first event is a START. Logs without
start transitions: every event is a status change to its activity.
"""

from __future__ import annotations

import gzip
import os
import shutil
import tempfile
import zlib
from datetime import UTC, datetime
from pathlib import Path

from ..config import Config
from ..errors import InputError
from ..model import ITEMS_SCHEMA, LoadResult
from .columns import EventColumns
from .common import GZIP_MAGIC, LoadBuilder
from .inflate import gunzip_to

FORMAT = "xes"
QUEUED = "queued"
_PROLOG_LIMIT = 1 << 20  # a legitimate XES prolog is a few hundred bytes
_CHUNK = 1 << 16
_ITEM_TEXT_COLUMNS = ("project", "type", "priority", "summary")


def check_prolog(path: Path) -> None:
    """Refuse DOCTYPE/ENTITY declarations and non-XML before any XML parser runs.

    Walks the prolog (XML declaration, comments, processing instructions) up to the root
    element, reading (and gunzipping) only as much as needed.
    """
    try:
        with path.open("rb") as raw:
            is_gz = raw.read(2) == GZIP_MAGIC
            raw.seek(0)
            stream = gzip.GzipFile(fileobj=raw) if is_gz else raw
            buf = b""
            pos = 0
            while True:
                verdict, pos = _scan(buf, pos)
                if verdict == "root":
                    return
                if verdict != "more":
                    raise InputError(path, verdict)
                if len(buf) > _PROLOG_LIMIT:
                    raise InputError(path, "no XML root element in the first MiB")
                chunk = stream.read(_CHUNK)
                if not chunk:
                    raise InputError(
                        path, "empty file" if not buf.strip() else "no XML root element"
                    )
                buf += chunk
    except (OSError, EOFError, zlib.error) as exc:  # zlib.error is no OSError
        raise InputError(path, f"cannot read: {exc}") from None


def _scan(buf: bytes, pos: int) -> tuple[str, int]:
    """One step of the prolog walk: 'root', 'more' (need bytes) or a refusal reason."""
    if pos == 0 and buf.startswith(b"\xef\xbb\xbf"):
        pos = 3
    while True:
        while pos < len(buf) and buf[pos : pos + 1].isspace():
            pos += 1
        rest = buf[pos:]
        if len(rest) < 9:
            return "more", pos
        if rest.startswith(b"<?"):
            end = buf.find(b"?>", pos + 2)
            if end < 0:
                return "more", pos
            pos = end + 2
        elif rest.startswith(b"<!--"):
            end = buf.find(b"-->", pos + 4)
            if end < 0:
                return "more", pos
            pos = end + 3
        elif rest.startswith(b"<!"):
            kind = rest[2:9].decode("latin-1").upper()
            what = "DOCTYPE" if kind.startswith("DOCTYPE") else "markup"
            return (
                f"refused: the XML declares a {what} (<!{kind.split()[0] if kind.split() else ''}"
                "...>); DTDs and entity declarations are not allowed in XES input",
                pos,
            )
        elif rest.startswith(b"<") and (rest[1:2].isalpha() or rest[1:2] in b"_:"):
            return "root", pos
        else:
            return "not an XML (XES) file: no root element", pos


def _read_log(path: Path) -> object:
    """pm4py's lxml importer, legacy object (its own DataFrame conversion costs more time
    than ours). A gzipped log is inflated first, within the decompression limits (``inflate``),
    into a plain temporary file; pm4py would inflate it without any limit. A plain log named
    ``.gz`` goes through a temp copy too (pm4py picks gzip by file name)."""
    with path.open("rb") as f:
        is_gz = f.read(2) == GZIP_MAGIC
    tmpdir = None
    target = path
    if is_gz or path.name.lower().endswith(".gz"):
        tmpdir = tempfile.mkdtemp(prefix="flowgap-xes-")
        target = Path(tmpdir) / "log.xes"
        if is_gz:
            try:
                gunzip_to(path, target)
            except BaseException:
                shutil.rmtree(tmpdir, ignore_errors=True)
                raise
        else:
            shutil.copyfile(path, target)
    import pm4py  # lazily (about 1.5 s), and only once the log is known to inflate within limits

    try:
        return pm4py.read_xes(
            os.fspath(target),
            variant="iterparse",
            return_legacy_log_object=True,
            show_progress_bar=False,
        )
    except Exception as exc:  # lxml, gzip and pm4py raise many types on corrupt input
        msg = " ".join(str(exc).split()) or type(exc).__name__
        raise InputError(path, f"corrupt XES/XML: {msg}") from None
    finally:
        if tmpdir:
            shutil.rmtree(tmpdir, ignore_errors=True)


def _text(value: object) -> str | None:
    if type(value) is str:  # the common case, first: called for every attribute read
        return value if value and not value.isspace() else None
    if value is None:
        return None
    if isinstance(value, float) and value != value:  # NaN
        return None
    if isinstance(value, dict):  # nested (list/container) attributes carry a "value"
        value = value.get("value")
        if value is None:
            return None
    s = str(value)
    return s if s.strip() else None


def load(path: Path, config: Config) -> LoadResult:
    cfg = config.input.xes
    check_prolog(path)
    log = _read_log(path)
    b = LoadBuilder(path, FORMAT, record_unit="event")
    status_key = cfg.status_attribute
    team_key = cfg.team_attribute
    res_key = cfg.resource_attribute

    # Pass 1: which records are usable, and which activities are ever started.
    by_case: dict[str, list[tuple[datetime, int, str, str | None, dict]]] = {}
    started: set[str] = set()
    seen_cases: dict[str, int] = {}
    for t_index, trace in enumerate(log, start=1):  # type: ignore[attr-defined]
        case = _text(trace.attributes.get("concept:name"))
        if case is not None and case in seen_cases:
            b.warn(
                "duplicate_case",
                f"case {case!r} appears in traces {seen_cases[case]} and {t_index};"
                " their events are merged",
                case,
            )
        rows = []
        for e_index, pm_event in enumerate(trace, start=1):
            # pm4py's Event goes through the Mapping ABC on every get(): 4x slower than a dict
            event = getattr(pm_event, "_dict", pm_event)
            b.read()
            where = f"{case}#{e_index}" if case is not None else f"trace {t_index}#{e_index}"
            if case is None:
                b.reject(where, f"trace {t_index} has no concept:name (case id)")
                continue
            activity = _text(event.get(status_key))
            if activity is None:
                b.reject(where, f"event without {status_key}")
                continue
            ts = event.get("time:timestamp")
            if not isinstance(ts, datetime):
                b.reject(where, "event without a valid time:timestamp")
                continue
            ts = ts.replace(tzinfo=UTC) if ts.tzinfo is None else ts.astimezone(UTC)
            transition = _text(event.get("lifecycle:transition"))
            if transition is not None and transition.lower() == "start":
                started.add(activity)
            rows.append((ts, e_index, activity, transition, event))
            b.loaded()
        if case is not None:
            if case in seen_cases:
                by_case[case].extend(rows)
            else:
                seen_cases[case] = t_index
                by_case[case] = rows
                _item_row(b, case, trace.attributes)

    lifecycle = cfg.lifecycle and bool(started)
    cols = EventColumns()
    current: dict[str, str | None] = {}
    created: dict[str, datetime] = {}
    name = path.name

    for case, rows in by_case.items():
        if not rows:
            continue
        rows.sort(key=lambda r: (r[0], r[1]))

        def add(
            ts: datetime,
            field: str,
            value: str | None,
            prev: str | None,
            actor: str | None,
            where: str,
            case: str = case,
        ) -> None:
            cols.add(case, ts, field, value, prev, actor, where)

        open_instances: list[str] = []
        status: str | None = None
        team: str | None = None
        resource: str | None = None
        first_ts, first_index, first_act, first_tr, _ = rows[0]
        first_is_start = (
            lifecycle
            and first_tr is not None
            and first_tr.lower() == "start"
            and first_act in started
        )
        where0 = f"{name}:{case}#{first_index}"
        add(first_ts, "created", None, None, None, where0)
        created[case] = first_ts
        if lifecycle and not first_is_start:
            add(first_ts, "status", QUEUED, None, None, where0)
            status = QUEUED
        for ts, index, activity, transition, event in rows:
            where = f"{name}:{case}#{index}"
            actor = _text(event.get(res_key)) if res_key else None
            if not lifecycle:
                new: str | None = activity
            else:
                tr = (transition or "complete").lower()
                new = None
                if activity in started and tr == "start":
                    open_instances.append(activity)
                    new = activity
                elif activity in started and tr == "complete":
                    for i in range(len(open_instances) - 1, -1, -1):
                        if open_instances[i] == activity:
                            del open_instances[i]
                            break
                    new = open_instances[-1] if open_instances else cfg.waiting_prefix + activity
            if new is not None and (new != status or not lifecycle):
                add(ts, "status", new, status, actor, where)
                status = new
            else:
                add(ts, "activity", activity, transition, actor, where)
            if team_key:
                value = _text(event.get(team_key))
                if value is not None and value != team:
                    add(ts, "team", value, team, actor, where)
                    team = value
            if actor is not None and actor != resource:
                add(ts, "assignee", actor, resource, actor, where)
                resource = actor
        current[case] = status

    if lifecycle:
        b.status_categories.update(dict.fromkeys(sorted(started), "indeterminate"))
    for row in b.items:
        row["created"] = created.get(row["item"])
        row["current_status"] = current.get(row["item"])
    b.items = [r for r in b.items if r["created"] is not None]
    if not b.records_read:
        b.warn("empty", "the log has no events")
    result = b.result()
    cols.into(result)
    return result


def _item_row(b: LoadBuilder, case: str, attributes: dict) -> None:
    row: dict = {"item": case}
    for key, raw in attributes.items():
        if key == "concept:name":
            continue
        value = _text(raw.isoformat() if isinstance(raw, datetime) else raw)
        column = key.removeprefix("case:")
        if column in _ITEM_TEXT_COLUMNS:
            row[column] = value
        elif column not in ITEMS_SCHEMA.names:
            if column not in b.extra_item_columns:
                b.extra_item_columns.append(column)
            row[column] = value
    b.items.append(row)
