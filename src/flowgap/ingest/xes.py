"""XES and XES.gz event logs, read by ``rustxes`` (the Rust importer of pm4py), turned into
status changes.

Safety first: the prolog is scanned before any parser sees the file, and any DOCTYPE (the only
place entity declarations can live: billion laughs, external entities) is refused; then expat
checks the whole document is well-formed (a stream, no handlers), so a corrupt file is one line
naming the place instead of a panic of the Rust reader.

Mapping (``[input.xes]``): the item is a trace attribute (``concept:name``), the time an event
attribute (``time:timestamp``); the status attributes (``concept:name``; several are joined by
``status_separator``, e.g. ``["concept:name", "lifecycle:transition"]`` when the lifecycle holds
a sub-status) give the status, the team attribute (``org:group``) ``team`` events and the
resource attribute (``org:resource``) ``assignee`` events, each emitted when the value changes
(an event without the attribute leaves the value in force: XES records what an event carries,
absence is not "nobody"). An event without one of the status attributes is rejected.

Lifecycles (``lifecycle = true``, some event has ``lifecycle:transition`` = start, and the
transition is not part of the status): START of X makes the status X; COMPLETE of X ends that
instance, and the status becomes the most recently started instance still open, or "waiting
after X" when none is open, so touch time is the union of START->COMPLETE intervals. An
activity never started anywhere in the log is an instantaneous status change when it completes
(:mod:`.xes_lifecycle` has the whole model). An event that leaves the status as it was (other
transitions, such as SCHEDULE; a COMPLETE while another instance is still open) becomes an
``activity`` event (value = activity, prev = transition). A case starts "queued" unless its
first event sets the status. Logs without start transitions: every event is a status change
to its activity. Transitions outside the XES standard lifecycle model (a
source's own sub-states, such as Volvo IT's ``Awaiting Assignment``) are not part of the status
unless composed into it: a ``nonstandard_lifecycle`` warning counts them and says how.

The reader gives one flat table (trace attributes as ``case:...`` columns, in trace order): a
trace is a run of events of one case id (two adjacent traces of one id read as one).

Speed, measured on this machine with bytecode compiled (min of 5 loads in one process, pm4py
already imported; load average about 4 from other work, so CPU time is the steadier figure):

==========================================  =====================  =====================
log                                          pm4py iterparse        rustxes (this module)
==========================================  =====================  =====================
BPI Challenge 2013 closed problems (6,660)   0.85 s wall, 0.66 CPU  0.59 s wall, 0.20 CPU
helpdesk (21,348 events)                     5.03 s wall, 3.86 CPU  2.10 s wall, 0.68 CPU
==========================================  =====================  =====================

Of the 0.68 s, about 0.3 s is the expat check and 0.5 s rustxes itself (both partly off the
GIL); rustxes imports polars (0.65 s cold), pm4py is no longer imported to read XES (1.5 s).
The check's structure handlers (nesting depth, dates, traces and events in place: what makes
the Rust reader panic or crash) cost a Python call per element: on BPI Challenge 2012
(262,200 events, 74 MB) 2.3 s of CPU where expat alone took 0.7 s, a load of 7.1 s instead of
5.5 s; a log that crashes the process would end every session of a shared server.
"""

from __future__ import annotations

import itertools
import os
import re
import shutil
import tempfile
import zlib
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from xml.parsers import expat

import orjson
import pyarrow as pa

from ..config import Config
from ..errors import InputError, quoted
from ..model import ITEMS_SCHEMA, LoadResult
from . import inflate
from .columns import EventColumns
from .common import GZIP_MAGIC, LoadBuilder, blank, no_records
from .inflate import gunzip_to
from .xes_lifecycle import CaseLifecycle

FORMAT = "xes"
QUEUED = "queued"
LIFECYCLE = "lifecycle:transition"
#: Trace attributes are columns of the flat event table under this prefix.
CASE_PREFIX = "case:"
#: The XES lifecycle extension's standard model; other values are a source's own sub-states.
STANDARD_LIFECYCLE = frozenset(
    {
        "schedule",
        "assign",
        "withdraw",
        "reassign",
        "start",
        "suspend",
        "resume",
        "pi_abort",
        "ate_abort",
        "complete",
        "autoskip",
        "manualskip",
        "unknown",
    }
)
#: Non-standard lifecycle values named in the warning; the rest are counted.
SHOWN_VALUES = 8
_PARSE_CHUNK = 1 << 20
#: chrono's format tried first by rustxes for ``<date>`` values
_DATE_FORMAT = "%Y-%m-%dT%H:%M:%S%.f%z"
_PROLOG_LIMIT = 1 << 20  # a legitimate XES prolog is a few hundred bytes
_CHUNK = 1 << 16
_ITEM_TEXT_COLUMNS = ("project", "type", "priority", "summary")


def check_prolog(path: Path) -> None:
    """Refuse DOCTYPE/ENTITY declarations and non-XML before any XML parser runs.

    Walks the prolog (XML declaration, comments, processing instructions) up to the root
    element, reading (and gunzipping, within the decompression limits) only as much as
    needed; whitespace already walked is dropped, so a file of only whitespace is read once
    in chunks and holds no records.
    """
    try:
        with path.open("rb") as raw:
            is_gz = raw.read(2) == GZIP_MAGIC
            raw.seek(0)
            stream = inflate.GzipStream(raw, path) if is_gz else raw  # type: ignore[arg-type]
            buf = b""
            pos = 0
            spaces = False
            while True:
                verdict, pos = _scan(buf, pos)
                if verdict == "root":
                    return
                if verdict != "more":
                    raise InputError(path, verdict)
                if pos and pos == len(buf):  # only whitespace so far
                    spaces = spaces or bool(buf.removeprefix(b"\xef\xbb\xbf"))
                    buf, pos = b"", 0
                if len(buf) > _PROLOG_LIMIT:
                    raise InputError(path, "no XML root element in the first MiB")
                chunk = stream.read(_CHUNK)
                if not chunk:
                    if blank((buf,)):
                        raise no_records(path, whitespace=spaces or bool(buf))
                    raise InputError(path, "no XML root element")
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


#: Deepest element nesting accepted: real logs nest lists and containers a few levels; the
#: Rust reader recurses per level, and a file nesting thousands deep overflowed its stack.
MAX_DEPTH = 64
#: Years of a ``<date>`` the Rust reader holds (nanoseconds since 1970 in an int64: 1677-09
#: to 2262-04); beyond them it panics. Whole years inside that span.
DATE_YEARS = (1678, 2261)
#: The year of a date: a sign (``+12345``, ``-5000``) or fewer than four digits (``999``) is
#: outside those years too, and the Rust reader panicked on them.
_DATE_YEAR = re.compile(r"\s*([+-]?)(\d+)-")
#: The Rust reader makes one column per attribute key, each as long as the log has events: a
#: 2.8 MB log of 20,000 events each with a key of its own asked for 400 million cells and
#: aborted the process past 4 GB. Real logs have tens of keys.
MAX_KEYS = 1000
#: Most cells (events x attribute keys) of the reader's table: about 10 bytes each.
MAX_CELLS = 100_000_000


_INT = re.compile(r"^[+-]?[0-9]+$")


def _is_int64(text: str) -> bool:
    """Whether an XES ``<int>`` value is one the Rust reader reads (an i64)."""
    return bool(_INT.match(text)) and -(2**63) <= int(text) < 2**63


def check_well_formed(path: Path) -> list[int]:
    """Expat over the whole document, as a stream: a corrupt file becomes one line naming the
    place, never a panic of the Rust reader, which would print a backtrace on stderr (or a
    crash of the process: nesting too deep). Runs after :func:`check_prolog`, so no DTD can
    expand, on the plain file :func:`_plain_copy` gives.

    Besides well-formedness it checks what the Rust reader cannot take: elements nested more
    than :data:`MAX_DEPTH` deep, a ``trace`` outside the ``log``, a ``<date>`` outside
    :data:`DATE_YEARS`, an event without any attribute, more attribute keys or cells than
    :data:`MAX_KEYS` and :data:`MAX_CELLS`. Returns the lines of events outside any trace
    (the reader drops them: they have no case), for the loader to reject."""
    parser = expat.ParserCreate()
    stack: list[str] = []
    orphans: list[int] = []
    keys: set[str] = set()
    events = 0

    def refuse(problem: str, kind: str = "corrupt XES/XML") -> None:
        where = f"line {parser.CurrentLineNumber}, column {parser.CurrentColumnNumber + 1}"
        raise InputError(path, f"{kind}: {problem} at {where}")

    push, pop = stack.append, stack.pop

    def parent() -> str:
        if len(stack) < 2:
            return "nothing"
        return ("an " if stack[-2][:1] in "aeiou" else "a ") + stack[-2]

    # Whether the event being read has an element inside: the Rust reader panics on an
    # empty one ("Empty event not handled").
    filled = True

    def start(name: str, attrs: dict[str, str]) -> None:  # per element: kept lean
        nonlocal events, filled
        push(name)
        filled = True
        if len(stack) > MAX_DEPTH:
            refuse(f"elements nested more than {MAX_DEPTH} deep")
        key = attrs.get("key")
        # the columns: attributes of traces and events (not the log's own, nor nested ones)
        if key is not None and key not in keys and stack[-2:-1] in (["event"], ["trace"]):
            keys.add(key)
            if len(keys) > MAX_KEYS:
                refuse(f"more than {MAX_KEYS:,} distinct attribute keys", "too large to read")
        if name == "date":
            m = _DATE_YEAR.match(attrs.get("value", ""))
            if m and (m.group(1) or not DATE_YEARS[0] <= int(m.group(2)) <= DATE_YEARS[1]):
                refuse(
                    f"date {quoted(attrs['value'], 40)} of {quoted(attrs.get('key', '?'))} is"
                    f" outside the years {DATE_YEARS[0]}-{DATE_YEARS[1]} an XES log can hold here"
                )
        elif name == "int" and not _is_int64(attrs.get("value", "")):
            # the Rust reader reads such a value as 0: two traces whose ids overflow merged
            # into one case "0" without a word
            refuse(
                f"int {quoted(attrs.get('value', ''), 40)} of {quoted(attrs.get('key', '?'))}"
                " is not a 64-bit integer"
            )
        elif name == "trace" and (len(stack) != 2 or stack[0] != "log"):
            refuse(f"a trace inside {parent()}, not in the log")
        elif name == "event":
            events += 1
            filled = False
            if events * len(keys) > MAX_CELLS:
                refuse(
                    f"{events:,} events x {len(keys):,} attribute keys, more than"
                    f" {MAX_CELLS:,} cells",
                    "too large to read",
                )
            if stack[-2:-1] != ["trace"]:
                if len(stack) != 2 or stack[0] != "log":
                    refuse(f"an event inside {parent()}")
                orphans.append(parser.CurrentLineNumber)

    def end(name: str) -> None:
        if name == "event" and not filled:
            refuse("an event without any attribute")
        pop()

    parser.StartElementHandler = start
    parser.EndElementHandler = end
    try:
        with path.open("rb") as stream:
            while chunk := stream.read(_PARSE_CHUNK):
                parser.Parse(chunk, False)
            parser.Parse(b"", True)
    except expat.ExpatError as exc:
        where = f"line {exc.lineno}, column {exc.offset + 1}"
        raise InputError(
            path, f"corrupt XES/XML: {expat.ErrorString(exc.code)} at {where}"
        ) from None
    except OSError as exc:
        raise InputError(path, f"cannot read: {exc}") from None
    return orphans


@contextmanager
def _plain_copy(path: Path) -> Iterator[Path]:
    """The log as a plain file rustxes reads by its name: the file itself, or a temporary
    copy of it inflated within the decompression limits of the load (``inflate``; rustxes
    would inflate without any limit) or renamed (rustxes picks gzip by file name)."""
    with path.open("rb") as f:
        is_gz = f.read(2) == GZIP_MAGIC
    if not is_gz and not path.name.lower().endswith(".gz"):
        yield path
        return
    tmpdir = tempfile.mkdtemp(prefix="flowgap-xes-")
    try:
        target = Path(tmpdir) / "log.xes"
        if is_gz:
            gunzip_to(path, target)
        else:
            shutil.copyfile(path, target)
        yield target
    finally:
        shutil.rmtree(tmpdir, ignore_errors=True)


def _read_table(path: Path, plain: Path) -> pa.Table:
    """The log as one flat table (one row per event, trace attributes as ``case:...``), read by
    ``rustxes``, the Rust importer pm4py itself uses when it is installed, called directly
    (pm4py's import alone costs about 1.5 s; its Python iterparse took 3.4 s on the 21,348
    events of the helpdesk log, this reader 1.5 s for the whole load: see the module's
    docstring). ``plain`` is the log as :func:`_plain_copy` gives it; errors name ``path``."""
    import rustxes  # lazily: it brings polars

    try:
        # print_debug off: it prints a line per unreadable value (which becomes null here);
        # the format adds offsets without a colon (+0100) to the RFC 3339 it reads anyway
        frame = rustxes.import_xes(os.fspath(plain), _DATE_FORMAT, False)[0]
        return frame.to_arrow()
    except BaseException as exc:  # a Rust panic is a BaseException
        if isinstance(exc, KeyboardInterrupt | SystemExit):
            raise
        msg = " ".join(str(exc).split()) or type(exc).__name__
        raise InputError(path, f"corrupt XES/XML: {msg}") from None


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


def _column(table: pa.Table, name: str | None) -> list:
    if name is None or name not in table.column_names:
        return [None] * table.num_rows
    column = table.column(name)
    values = column.to_pylist()
    if pa.types.is_large_string(column.type) or pa.types.is_string(column.type):
        return _unmixed(values)
    return values


def _unmixed(values: list) -> list:
    """An attribute with values of several types (``string`` here, ``int`` there) comes from
    rustxes as text, its strings JSON-quoted (``"A"``): unquote those."""
    quoted = [v for v in values if v is not None and len(v) >= 2 and v[0] == v[-1] == '"']
    if not quoted:
        return values
    return [
        _unquoted(v) if v is not None and len(v) >= 2 and v[0] == v[-1] == '"' else v
        for v in values
    ]


def _unquoted(text: str) -> str:
    try:
        return orjson.loads(text)
    except orjson.JSONDecodeError:
        return text


def _timestamps(table: pa.Table, name: str) -> list[datetime | None]:
    if name not in table.column_names:
        return [None] * table.num_rows
    column = table.column(name)
    if not pa.types.is_timestamp(column.type):  # no value of the log was a date
        return [None] * table.num_rows
    # The reader gives UTC instants; sub-microsecond digits go (the canonical unit). Naive
    # values made aware in Python: Arrow's aware to_pylist costs ten times as much.
    naive = column.cast(pa.timestamp("us"), safe=False).to_pylist()
    return [None if t is None else t.replace(tzinfo=UTC) for t in naive]


def event_table(path: Path) -> pa.Table:
    """The log's events as one flat table (trace attributes as ``case:...`` columns), after
    the safety checks: what :func:`load` maps, and what the dashboard's mapping lists."""
    return _checked_table(path)[0]


def _checked_table(path: Path) -> tuple[pa.Table, list[int]]:
    """:func:`event_table` and the lines of the events outside any trace."""
    check_prolog(path)
    with _plain_copy(path) as plain:
        try:
            orphans = check_well_formed(plain)
        except InputError as err:  # name the user's file, not the temporary copy
            raise InputError(path, err.problem) from None
        return _read_table(path, plain), orphans


def load(path: Path, config: Config) -> LoadResult:
    cfg = config.input.xes
    table, orphans = _checked_table(path)
    b = LoadBuilder(path, FORMAT, record_unit="event")
    for line in orphans:
        b.read()
        b.reject(f"line {line}", "event outside any trace: it names no case")
    status_keys = cfg.status_attribute
    composed_lifecycle = LIFECYCLE in status_keys

    case_column = CASE_PREFIX + cfg.case_attribute
    cases = [_text(c) for c in _column(table, case_column)]
    statuses = [_column(table, key) for key in status_keys]
    times = _timestamps(table, cfg.timestamp_attribute)
    transitions = _column(table, LIFECYCLE)
    teams = _column(table, cfg.team_attribute)
    resources = _column(table, cfg.resource_attribute)
    # A trace is a run of events of one case id: the table is flat, in trace order.
    starts = [i for i in range(len(cases)) if i == 0 or cases[i] != cases[i - 1]]
    trace_attrs = _trace_attributes(table, starts, case_column)

    # Pass 1: which records are usable, and which activities are ever started.
    by_case: dict[str, list[tuple[datetime, int, str, str | None, int]]] = {}
    started: set[str] = set()
    seen_cases: dict[str, int] = {}
    nonstandard: Counter[str] = Counter()
    bounds = [*starts, len(cases)]
    for t_index, (first, stop) in enumerate(itertools.pairwise(bounds), start=1):
        case = cases[first]
        if case is not None and case in seen_cases:
            b.warn(
                "duplicate_case",
                f"case {quoted(case)} appears in traces {seen_cases[case]} and {t_index};"
                " their events are merged",
                case,
            )
        rows = []
        for e_index, i in enumerate(range(first, stop), start=1):
            b.read()
            where = f"{case}#{e_index}" if case is not None else f"trace {t_index}#{e_index}"
            if case is None:
                b.reject(where, f"trace {t_index} has no {cfg.case_attribute} (case id)")
                continue
            parts = [_text(column[i]) for column in statuses]
            if None in parts:
                gone = status_keys[parts.index(None)]
                b.reject(where, f"event without {gone}")
                continue
            activity = cfg.status_separator.join(parts)  # type: ignore[arg-type]
            ts = times[i]
            if ts is None:
                b.reject(where, f"event without a valid {cfg.timestamp_attribute}")
                continue
            transition = _text(transitions[i])
            if transition is not None:
                if transition.lower() == "start":
                    started.add(activity)
                elif not composed_lifecycle and transition.lower() not in STANDARD_LIFECYCLE:
                    nonstandard[transition] += 1
            rows.append((ts, e_index, activity, transition, i))
            b.loaded()
        if case is not None:
            if case in seen_cases:
                by_case[case].extend(rows)
            else:
                seen_cases[case] = t_index
                by_case[case] = rows
                _item_row(b, case, trace_attrs[t_index - 1])
    if nonstandard:
        b.warn("nonstandard_lifecycle", _nonstandard_message(nonstandard, status_keys))

    lifecycle = cfg.lifecycle and bool(started) and not composed_lifecycle
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

        machine = CaseLifecycle(started, cfg.waiting_prefix)
        status: str | None = None
        team: str | None = None
        resource: str | None = None
        first_ts, first_index, first_act, first_tr, _ = rows[0]
        where0 = f"{name}:{case}#{first_index}"
        add(first_ts, "created", None, None, None, where0)
        created[case] = first_ts
        if lifecycle and not machine.opens(first_act, first_tr):
            add(first_ts, "status", QUEUED, None, None, where0)
            status = QUEUED
        for ts, index, activity, transition, i in rows:
            where = f"{name}:{case}#{index}"
            actor = _text(resources[i])
            new = machine.step(activity, transition) if lifecycle else activity
            if new is not None and (new != status or not lifecycle):
                add(ts, "status", new, status, actor, where)
                status = new
            else:
                add(ts, "activity", activity, transition, actor, where)
            value = _text(teams[i])
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


def _trace_attributes(table: pa.Table, starts: list[int], case_column: str) -> list[dict]:
    """The trace attributes (``case:...`` columns) but the item's, of each trace, from its
    first event."""
    names = [n for n in table.column_names if n.startswith(CASE_PREFIX) and n != case_column]
    at = pa.array(starts, pa.int64())
    values = {n: table.column(n).take(at).to_pylist() for n in names}
    return [{n: values[n][k] for n in names} for k in range(len(starts))]


def _nonstandard_message(counts: Counter[str], status_keys: list[str]) -> str:
    listed = ", ".join(f"{value} {n:,}" for value, n in counts.most_common(SHOWN_VALUES))
    more = len(counts) - SHOWN_VALUES
    if more > 0:
        listed += f" and {more} more"
    keys = ", ".join(f'"{k}"' for k in [*status_keys, LIFECYCLE])
    return (
        f"{counts.total():,} event(s) carry a lifecycle:transition outside the XES standard"
        f" model ({listed}): it is not part of the status; if it is a sub-status, set"
        f" [input.xes] status_attribute = [{keys}]"
    )


def _item_row(b: LoadBuilder, case: str, attributes: dict) -> None:
    row: dict = {"item": case}
    for key, raw in attributes.items():
        if isinstance(raw, datetime) and raw.tzinfo is None:
            raw = raw.replace(tzinfo=UTC)  # the reader gives UTC instants
        value = _text(raw.isoformat() if isinstance(raw, datetime) else raw)
        column = key.removeprefix("case:")
        if column in _ITEM_TEXT_COLUMNS:
            row[column] = value
        elif column not in ITEMS_SCHEMA.names:
            if column not in b.extra_item_columns:
                b.extra_item_columns.append(column)
            row[column] = value
    b.items.append(row)
