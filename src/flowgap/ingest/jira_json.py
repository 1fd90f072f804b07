"""Jira REST JSON with changelog: search pages, lists of pages, NDJSON, directories, gzip.

Accepted shapes (any of them gzipped, detected by content):

- a search response ``{"issues": [...], "names": {...}}``;
- a JSON array of search responses (or of issues);
- NDJSON: one issue (or one search response) per line, as ``flowgap pull`` writes it;
- a directory of such files (``.json``, ``.ndjson``, ``.jsonl``, optionally ``.gz``), loaded in
  name order.

**Record unit.** A record is an issue, a changelog history entry of a loaded issue, or a comment
of a loaded issue; an unparseable NDJSON line (or a top-level value that is not an issue) is one
record too. So ``records_read == records_loaded + records_rejected`` with:

- an issue without ``key`` or ``fields``, without a valid ``fields.created``, or a duplicate of
  an issue already loaded: rejected as one record (what it contains is not counted);
- a history whose ``created`` is not a timestamp or whose ``items`` is not a list of objects:
  rejected, with source ``file:KEY#history-id``;
- a comment without a valid ``created``: rejected, source ``file:KEY#comment-id``.

Events follow the cross-team conventions: ``created`` (seq 0) and the initial ``status`` (seq 1)
at ``fields.created``, then the initial team, assignee, flag and labels; each changelog item
becomes one event (labels: one per label added or removed), comments become ``comment`` events.

Speed: a plain NDJSON export (``flowgap pull``'s shape) is read by Arrow's JSON reader and
these rules are applied to whole columns (``jira_arrow``); that path answers only when its
answer is exactly this module's, and every other file is walked here. The walk streams NDJSON
line by line; histories are walked once and events go straight into column lists. Timestamps
stay strings until one vectorised Arrow cast at the end (Python only validates them, and
orders histories on the strings when their offsets agree). Values constant over a run of
events (item, history time, author, source) are stored once per run and expanded in Arrow.
The cyclic garbage collector is paused while loading.
"""

from __future__ import annotations

import gc
import gzip
import zlib
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import orjson
import pyarrow as pa

from ..config import Config
from ..errors import InputError
from ..model import (
    EVENTS_SCHEMA,
    ITEMS_SCHEMA,
    TS,
    Finding,
    InputSummary,
    LoadResult,
    Reject,
    sort_events,
)
from .common import GZIP_MAGIC, parse_iso

FORMAT = "jira-json"
JSON_SUFFIXES = (".json", ".ndjson", ".jsonl")
STORY_POINT_FIELDS = ("Story Points", "Story point estimate")
_BOM = b"\xef\xbb\xbf"


def is_json_file(path: Path) -> bool:
    name = path.name.lower()
    if name.endswith(".gz"):
        name = name[:-3]
    return name.endswith(JSON_SUFFIXES)


def load(path: Path, config: Config, *, fast: bool = True) -> LoadResult:
    """Load one Jira JSON file or a directory of them.

    A plain NDJSON export goes through Arrow's JSON reader (``jira_arrow``), which answers
    only when its answer is exactly this module's; everything else is walked here.
    ``fast=False`` forces the walk (the tests compare both).
    """
    if fast and not path.is_dir():
        from .jira_arrow import try_load

        result = try_load(path, config, field_map(config))
        if result is not None:
            return result
    if path.is_dir():
        files = sorted(p for p in path.iterdir() if p.is_file() and is_json_file(p))
        if not files:
            raise InputError(path, "directory holds no .json, .ndjson or .jsonl files")
    else:
        files = [path]
    acc = _Accumulator(config)
    # Millions of short-lived dicts from orjson make the cyclic GC rescan everything again and
    # again; nothing here builds cycles, so pausing it is safe and roughly halves the time.
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        for file in files:
            acc.load_file(file)
        return acc.result()
    finally:
        if was_enabled:
            gc.enable()


def field_map(config: Config) -> dict[Any, str]:
    """Jira changelog field name -> canonical field name ("labels" is expanded per label)."""
    jira = config.input.jira
    fmap: dict[Any, str] = {
        "status": "status",
        "assignee": "assignee",
        "resolution": "resolution",
        "Link": "link",
        "labels": "labels",
        None: "unknown",
        jira.flagged_field: "flag",
    }
    if jira.team_field is not None:
        fmap[jira.team_field] = "team"
    return fmap


# --------------------------------------------------------------------------- values


def _ts(text: Any) -> datetime:
    """Parse a Jira timestamp (raises ValueError/TypeError); naive means UTC."""
    dt = datetime.fromisoformat(text)
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=UTC)
    return dt


def display(value: Any) -> str | None:
    """The human value of a Jira field value (string, option, user, team, list of those)."""
    if value is None:
        return None
    if isinstance(value, str):
        return value or None
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, int | float):
        return str(value)
    if isinstance(value, dict):
        for k in ("value", "name", "displayName", "title", "key"):
            v = value.get(k)
            if isinstance(v, str) and v:
                return v
        return None
    if isinstance(value, list):
        parts = [d for d in (display(v) for v in value) if d]
        return ", ".join(parts) or None
    return str(value)


_BLOCKS = {
    "paragraph",
    "heading",
    "blockquote",
    "codeBlock",
    "listItem",
    "bulletList",
    "orderedList",
    "tableRow",
    "table",
    "panel",
    "rule",
    "mediaSingle",
    "expand",
    "taskList",
    "taskItem",
    "decisionList",
    "decisionItem",
    "doc",
}


def adf_text(node: Any) -> str:
    """Flatten Atlassian Document Format to plain text (blocks on their own lines)."""
    out: list[str] = []
    _adf(node, out)
    lines = "".join(out).split("\n")
    return "\n".join(line.rstrip() for line in lines).strip("\n")


def _adf(node: Any, out: list[str]) -> None:
    if isinstance(node, list):
        for child in node:
            _adf(child, out)
        return
    if not isinstance(node, dict):
        if isinstance(node, str):
            out.append(node)
        return
    kind = node.get("type")
    attrs = node.get("attrs") if isinstance(node.get("attrs"), dict) else {}
    if kind == "text":
        out.append(str(node.get("text", "")))
    elif kind == "hardBreak":
        out.append("\n")
    elif kind == "mention":
        out.append(str(attrs.get("text") or attrs.get("id") or ""))
    elif kind == "emoji":
        out.append(str(attrs.get("text") or attrs.get("shortName") or ""))
    elif kind in ("inlineCard", "blockCard"):
        out.append(str(attrs.get("url") or ""))
    elif kind == "tableCell" or kind == "tableHeader":
        _adf(node.get("content"), out)
        out.append(" | ")
    else:
        if kind in _BLOCKS and out and not out[-1].endswith("\n"):
            out.append("\n")
        _adf(node.get("content"), out)
        if kind in _BLOCKS and kind != "doc" and out and not out[-1].endswith("\n"):
            out.append("\n")


def comment_text(body: Any) -> str:
    """v2 bodies are text; v3 bodies are ADF documents."""
    if body is None:
        return ""
    if isinstance(body, str):
        return body
    return adf_text(body)


def _label_set(text: Any) -> list[str]:
    return text.split() if isinstance(text, str) else []


# --------------------------------------------------------------------------- reading


class _Reader:
    """A binary line reader over the file, gunzipping by content; closes both layers."""

    def __init__(self, path: Path) -> None:
        try:
            self.raw = path.open("rb")
        except FileNotFoundError:
            raise InputError(path, "no such file") from None
        except OSError as exc:
            raise InputError(path, f"cannot read: {exc.strerror or exc}") from None
        self.fh: Any = self.raw
        if self.raw.peek(2)[:2] == GZIP_MAGIC:
            self.fh = gzip.GzipFile(fileobj=self.raw, mode="rb")

    def __enter__(self) -> Any:
        return self.fh

    def __exit__(self, *exc: object) -> None:
        if self.fh is not self.raw:
            self.fh.close()
        self.raw.close()


def _loads(data: bytes) -> tuple[Any, bool]:
    """orjson first; bytes that are not UTF-8 are retried as latin-1 (the bool says so)."""
    try:
        return orjson.loads(data), False
    except orjson.JSONDecodeError as exc:
        if data.startswith(_BOM):  # concatenated exports keep each file's BOM
            return _loads(data[len(_BOM) :])
        if "utf-8" not in str(exc).lower():
            raise
    return orjson.loads(data.decode("latin-1")), True


def _records(path: Path) -> Iterator[tuple[int | None, Any, str | None, bool]]:
    """Top-level JSON values of a file: (line number or None, value, parse error, latin-1)."""
    with _Reader(path) as fh:
        try:
            first = fh.readline()
            skipped = 0
            while first and not first.strip():
                skipped += 1
                first = fh.readline()
            if first.startswith(_BOM):
                first = first[len(_BOM) :]
            if not first.strip():
                raise InputError(path, "empty file")
            first_value: Any = None
            try:
                first_value, latin = _loads(first)
                ndjson = isinstance(first_value, dict)
            except orjson.JSONDecodeError:
                ndjson = False
            if ndjson:
                yield skipped + 1, first_value, None, latin
                yield from _ndjson_rest(fh, start=skipped + 1)
                return
            rest = fh.read()
        except (OSError, EOFError, zlib.error) as exc:
            raise InputError(path, f"cannot read (corrupt gzip?): {exc}") from None
    data = b"\n" * skipped + first + rest
    try:
        value, latin = _loads(data)
    except orjson.JSONDecodeError as exc:
        whole_error = str(exc)
    else:
        yield None, value, None, latin
        return
    # Not one JSON document: NDJSON whose first line is broken, or not JSON at all.
    lines = list(_ndjson_rest(iter(data.splitlines(keepends=True)), start=0))
    if not any(err is None for _, _, err, _ in lines):
        raise InputError(path, f"not valid JSON: {whole_error}")
    yield from lines


def _ndjson_rest(lines, start: int = 1):
    number = start
    for line in lines:
        number += 1
        if not line.strip():
            continue
        try:
            value, latin = _loads(line)
        except orjson.JSONDecodeError as exc:
            yield number, None, f"malformed JSON: {exc.msg}", False
            continue
        yield number, value, None, latin


class _NotText(Exception):
    """A changelog item's fromString/toString is neither text nor null."""


# --------------------------------------------------------------------------- ordering


def _before(a: tuple, b: tuple) -> bool:
    """Whether history ``a`` may precede ``b``: created, then id as an integer.

    Jira writes every timestamp of an instance in one shape (``...00.000+0200``); two strings of
    that shape with the same offset order like their instants, which is ~20x cheaper than
    comparing aware datetimes. Other pairs (a DST change, mixed shapes) take the exact path.
    """
    sa, sb = a[0], b[0]
    if len(sa) == len(sb) and sa[-5:] == sb[-5:] and sa[-5] in "+-":
        if sa != sb:
            return sa < sb
    else:
        ta, tb = _instant(sa), _instant(sb)
        if ta != tb:
            return ta < tb
    return _int_id(a[1]) <= _int_id(b[1])


def _instant(text: str) -> float:
    dt = datetime.fromisoformat(text)
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=UTC)
    return dt.timestamp()


def _int_id(value: Any) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return -1


def _ordered(rows: list[tuple]) -> list[tuple]:
    """Rows (created, id, ...) in (created, id) order; Cloud sends them newest first."""
    n = len(rows)
    if n < 2:
        return rows
    if not _before(rows[0], rows[-1]):
        rows.reverse()
    if all(_before(rows[i], rows[i + 1]) for i in range(n - 1)):
        return rows
    # neither order held: sort exactly (the original index keeps equal keys stable)
    keyed = sorted((_instant(r[0]), _int_id(r[1]), i) for i, r in enumerate(rows))
    return [rows[i] for _, _, i in keyed]


# --------------------------------------------------------------------------- accumulation


class _Accumulator:
    """Column lists of events and items for every file of one load."""

    def __init__(self, config: Config) -> None:
        jira = config.input.jira
        self.team_field = jira.team_field
        self.flag_field = jira.flagged_field
        self.field_map = field_map(config)
        # events columns; ts as strings, cast once at the end
        # item, ts, actor and source are constant over runs of events (an issue; a history, the
        # initial events, a comment): kept once per run with its length, expanded in Arrow.
        self.r_item: list[str] = []
        self.r_item_n: list[int] = []
        self.g_ts: list[str] = []
        self.g_actor: list[str | None] = []
        self.g_source: list[str] = []
        self.g_n: list[int] = []
        self.e_seq: list[int] = []
        self.e_field: list[str] = []
        self.e_value: list[str | None] = []
        self.e_prev: list[str | None] = []
        self.items: dict[str, list] = {name: [] for name in ITEMS_SCHEMA.names}
        self.rejects: list[Reject] = []
        self.warnings: list[Finding] = []
        self.inputs: list[InputSummary] = []
        self.categories: dict[str, str] = {}
        self.seen: dict[str, str] = {}
        # per file
        self.fname = ""
        self.read = 0
        self.loaded = 0
        self.names: dict[str, str] = {}
        self._ids_cache: dict[str, list[str]] | None = None

    # ------------------------------------------------------------------ per file

    def load_file(self, path: Path) -> None:
        self.fname = path.name
        self.read = self.loaded = 0
        self.names = {}
        self._ids_cache = None
        rejected_before = len(self.rejects)
        latin_lines = 0
        no_changelog = 0
        for line, value, error, latin in _records(path):
            latin_lines += latin
            where = line if line is not None else None
            if error is not None:
                self.read += 1
                self.rejects.append(Reject(f"{self.fname}:{line}", error))
                continue
            no_changelog += self._value(value, where)
        if latin_lines:
            self.warnings.append(
                Finding(
                    "encoding",
                    f"{self.fname}: not valid UTF-8; {latin_lines} JSON value(s) read as latin-1",
                    source=self.fname,
                )
            )
        if no_changelog:
            self.warnings.append(
                Finding(
                    "no_changelog",
                    f"{self.fname}: {no_changelog} issue(s) have no changelog (export"
                    " made without expand=changelog): only their current state is known; use"
                    " `flowgap pull` for full histories",
                    source=self.fname,
                )
            )
        summary = InputSummary(
            path=str(path),
            format=FORMAT,
            records_read=self.read,
            records_loaded=self.loaded,
            records_rejected=len(self.rejects) - rejected_before,
            record_unit="issue, history entry or comment",
        )
        if not summary.reconciles:  # a loader bug, never the user's fault
            raise AssertionError(f"{path}: {summary}")
        self.inputs.append(summary)

    def _value(self, value: Any, line: int | None) -> int:
        """One top-level value: an issue, a search page, or a list of those."""
        if isinstance(value, list):
            return sum(self._page_or_issue(v, line, f"[{i}]") for i, v in enumerate(value))
        return self._page_or_issue(value, line, "")

    def _page_or_issue(self, value: Any, line: int | None, path: str) -> int:
        if isinstance(value, dict) and "key" not in value and isinstance(value.get("issues"), list):
            names = value.get("names")
            if isinstance(names, dict):
                self._add_names(names)
            return sum(
                self._issue(v, line, f"{path}issues[{i}]") for i, v in enumerate(value["issues"])
            )
        return self._issue(value, line, path or "[0]")

    def _reject(self, where: str, reason: str) -> None:
        self.rejects.append(Reject(f"{self.fname}:{where}", reason))

    def _field_ids(self) -> dict[str, list[str]]:
        """Field ids per configured name (team, flag, story points), from ``names``."""
        if self._ids_cache is not None:
            return self._ids_cache
        wanted = {self.team_field, self.flag_field, *STORY_POINT_FIELDS} - {None}
        ids: dict[str, list[str]] = {}
        for fid, name in self.names.items():
            if isinstance(name, str) and name in wanted:
                ids.setdefault(name, []).append(fid)
        self._ids_cache = ids
        return ids

    def _add_names(self, names: dict) -> None:
        """Field names of a later page or line; a change (not only a new id) drops the cache."""
        if any(k not in self.names or self.names[k] != v for k, v in names.items()):
            self.names.update(names)
            self._ids_cache = None

    def _current(self, fields: dict, name: str | None, ids: dict[str, list[str]]) -> Any:
        if name is None:
            return None
        for fid in ids.get(name, ()):
            if fid in fields:
                return fields[fid]
        return fields.get(name)

    # ------------------------------------------------------------------ per issue

    def _issue(self, issue: Any, line: int | None, path: str) -> int:
        """Returns 1 when the issue has no changelog at all (for the file's warning)."""
        self.read += 1
        where = str(line) if line is not None else path
        if not isinstance(issue, dict):
            self._reject(where, f"not a Jira issue: a JSON {type(issue).__name__}")
            return 0
        key = issue.get("key")
        if not isinstance(key, str) or not key:
            self._reject(where, 'not a Jira issue: no "key"')
            return 0
        if line is None:
            where = key
        fields = issue.get("fields")
        if not isinstance(fields, dict):
            self._reject(where, f'{key}: issue has no "fields" object')
            return 0
        created_s = fields.get("created")
        try:
            _ts(created_s)
        except (TypeError, ValueError):
            self._reject(where, f"{key}: fields.created is not a timestamp: {created_s!r}")
            return 0
        if key in self.seen:
            self._reject(where, f"{key}: duplicate issue (first at {self.seen[key]})")
            return 0
        names = issue.get("names")
        if isinstance(names, dict):
            self._add_names(names)
        self.seen[key] = f"{self.fname}:{where}"
        self.loaded += 1

        changelog = issue.get("changelog")
        histories = self._histories(key, changelog) if isinstance(changelog, dict) else ()
        first_from, n_hist = self._emit_histories(key, histories)

        ids = self._field_ids()
        status = fields.get("status")
        current_status = display(status)
        if isinstance(status, dict) and current_status:
            cat = status.get("statusCategory")
            if isinstance(cat, dict) and isinstance(cat.get("key"), str):
                self.categories.setdefault(current_status, cat["key"])

        # Initial values at creation: fromString of the first change, else the current value.
        initial: list[tuple[str, str | None]] = [("created", None)]
        st0 = first_from.get("status", current_status)
        if st0:
            initial.append(("status", st0))
        team_field = self.team_field
        if team_field is not None:
            team0 = (
                first_from["team"]
                if "team" in first_from
                else display(self._current(fields, team_field, ids))
            )
            if team0:
                initial.append(("team", team0))
        asg0 = (
            first_from["assignee"] if "assignee" in first_from else display(fields.get("assignee"))
        )
        if asg0:
            initial.append(("assignee", asg0))
        flag0 = (
            first_from["flag"]
            if "flag" in first_from
            else display(self._current(fields, self.flag_field, ids))
        )
        if flag0:
            initial.append(("flag", flag0))
        labels_now = fields.get("labels")
        labels_now = (
            [x for x in labels_now if isinstance(x, str)] if isinstance(labels_now, list) else []
        )
        labels0 = _label_set(first_from["labels"]) if "labels" in first_from else labels_now
        initial.extend(("label", lab) for lab in labels0)

        comments = self._comments(key, fields.get("comment"))
        k = len(initial)
        n = k + n_hist + len(comments)
        src0 = f"{self.fname}:{key}"
        # Column positions: history events were appended first, then initial, then comments.
        self.r_item.append(key)
        self.r_item_n.append(n)
        self.e_seq.extend(range(k, k + n_hist))
        self.e_seq.extend(range(k))
        self.e_seq.extend(range(k + n_hist, n))
        self.g_ts.append(created_s)
        self.g_actor.append(None)
        self.g_source.append(src0)
        self.g_n.append(k)
        self.e_field.extend([f for f, _ in initial])
        self.e_value.extend([v for _, v in initial])
        self.e_prev.extend([None] * k)
        if comments:
            ts, text, actor, source = zip(*comments, strict=True)
            c = len(comments)
            self.g_ts.extend(ts)
            self.g_actor.extend(actor)
            self.g_source.extend(source)
            self.g_n.extend([1] * c)
            self.e_field.extend(["comment"] * c)
            self.e_value.extend(text)
            self.e_prev.extend([None] * c)

        if isinstance(changelog, dict):
            total = changelog.get("total")
            raw = changelog.get("histories")
            got = len(raw) if isinstance(raw, list) else 0
            if isinstance(total, int) and total > got:
                self.warnings.append(
                    Finding(
                        "truncated_history",
                        f"{key}: changelog truncated ({got} of {total} histories in the export);"
                        " run `flowgap pull` to fetch the full history",
                        item=key,
                        source=src0,
                    )
                )
        self._item_row(key, fields, created_s, current_status, labels_now, ids)
        return 0 if changelog is not None else 1

    def _histories(self, key: str, changelog: dict) -> list[tuple]:
        """Valid histories as (created, id, author, items), ordered by (created, id as int).

        Broken ones are rejected."""
        raw = changelog.get("histories")
        if raw.__class__ is not list:
            return []
        self.read += len(raw)
        good: list[tuple] = []
        fromiso = datetime.fromisoformat
        for i, h in enumerate(raw):
            try:
                created = h["created"]
                fromiso(created)  # validates; ordering works on the strings (see _ordered)
                items = h["items"]
                if items.__class__ is not list:
                    raise TypeError
            except (TypeError, ValueError, KeyError, AttributeError):
                self._reject_history(key, i, h)
                continue
            good.append((created, h.get("id"), h.get("author"), items))
        self.loaded += len(good)
        return _ordered(good)

    def _reject_history(self, key: str, i: int, h: Any) -> None:
        if not isinstance(h, dict):
            self._reject(f"{key}#[{i}]", "history entry is not an object")
            return
        hid = h.get("id", f"[{i}]")
        created = h.get("created")
        try:
            _ts(created)
        except (TypeError, ValueError):
            self._reject(f"{key}#{hid}", f"history created is not a timestamp: {created!r}")
            return
        self._reject(f"{key}#{hid}", "history items is not a list of objects")

    def _emit_histories(self, key: str, histories: list[tuple]) -> tuple[dict, int]:
        """Append every changelog event to the columns; the first fromString per field."""
        first_from: dict[str, Any] = {}
        if not histories:
            return first_from, 0
        fmap = self.field_map
        fname = self.fname
        field_col, value_col, prev_col = self.e_field, self.e_value, self.e_prev
        g_ts, g_actor, g_source, g_n = self.g_ts, self.g_actor, self.g_source, self.g_n
        f_app, v_app, p_app = field_col.append, value_col.append, prev_col.append
        start = len(field_col)
        for i, (created, hid, author, items) in enumerate(histories):
            before = len(field_col)
            try:
                for it in items:
                    name = it.get("field")
                    canon = fmap.get(name, name)
                    from_s = it.get("fromString") or None
                    to_s = it.get("toString") or None
                    if (from_s is not None and from_s.__class__ is not str) or (
                        to_s is not None and to_s.__class__ is not str
                    ):
                        raise _NotText
                    if canon not in first_from:
                        first_from[canon] = from_s
                    if canon == "labels":
                        self._labels(from_s, to_s)
                        continue
                    f_app(canon if canon.__class__ is str else str(canon))
                    v_app(to_s)
                    p_app(from_s)
            except (AttributeError, TypeError, _NotText) as exc:  # reject the whole history
                del field_col[before:], value_col[before:], prev_col[before:]
                self.loaded -= 1
                self._reject(
                    f"{key}#{hid if hid is not None else f'[{i}]'}",
                    "history item fromString/toString is not text"
                    if isinstance(exc, _NotText)
                    else "history items is not a list of objects",
                )
                continue
            m = len(field_col) - before
            if m:
                g_ts.append(created)
                actor = author.get("displayName") if author.__class__ is dict else None
                g_actor.append(actor if actor.__class__ is str else None)
                g_source.append(f"{fname}:{key}#{hid}")
                g_n.append(m)
        return first_from, len(field_col) - start

    def _labels(self, from_s: str | None, to_s: str | None) -> None:
        """Labels arrive as space-separated sets: one event per label added or removed."""
        old = _label_set(from_s)
        new = _label_set(to_s)
        for lab in new:
            if lab not in old:
                self.e_field.append("label")
                self.e_value.append(lab)
                self.e_prev.append(None)
        for lab in old:
            if lab not in new:
                self.e_field.append("label")
                self.e_value.append(None)
                self.e_prev.append(lab)

    def _comments(self, key: str, block: Any) -> list[tuple]:
        if isinstance(block, dict):
            raw = block.get("comments")
        elif isinstance(block, list):
            raw = block
        else:
            return []
        if not isinstance(raw, list):
            return []
        good: list[tuple] = []
        for i, c in enumerate(raw):
            self.read += 1
            cid = c.get("id", f"[{i}]") if isinstance(c, dict) else f"[{i}]"
            where = f"{key}#comment-{cid}"
            if not isinstance(c, dict):
                self._reject(where, "comment is not an object")
                continue
            created = c.get("created")
            try:
                _ts(created)
            except (TypeError, ValueError):
                self._reject(where, f"comment created is not a timestamp: {created!r}")
                continue
            author = c.get("author")
            actor = (
                display(author.get("displayName") or author.get("name"))
                if isinstance(author, dict)
                else None
            )
            good.append((created, cid, comment_text(c.get("body")), actor, f"{self.fname}:{where}"))
            self.loaded += 1
        return [(g[0], g[2], g[3], g[4]) for g in _ordered(good)]

    def _item_row(
        self,
        key: str,
        fields: dict,
        created: str,
        status: str | None,
        labels: list[str],
        ids: dict[str, list[str]],
    ) -> None:
        col = self.items
        project = display(fields.get("project"))
        if isinstance(fields.get("project"), dict):
            project_key = fields["project"].get("key")
            if isinstance(project_key, str) and project_key:
                project = project_key
        col["item"].append(key)
        col["project"].append(project or key.rsplit("-", 1)[0])
        col["type"].append(display(fields.get("issuetype")))
        col["priority"].append(display(fields.get("priority")))
        summary = fields.get("summary")
        col["summary"].append(summary if isinstance(summary, str) else None)
        col["created"].append(created)
        resolved = fields.get("resolutiondate")
        try:
            _ts(resolved)
        except (TypeError, ValueError):
            resolved = None
        col["resolved"].append(resolved)
        col["current_status"].append(status)
        col["labels"].append(labels)
        comps = fields.get("components")
        col["components"].append(
            [d for d in (display(c) for c in comps) if d] if isinstance(comps, list) else []
        )
        points = None
        for name in STORY_POINT_FIELDS:
            v = self._current(fields, name, ids)
            if isinstance(v, int | float) and not isinstance(v, bool):
                points = float(v)
                break
        col["story_points"].append(points)

    # ------------------------------------------------------------------ result

    def result(self) -> LoadResult:
        events = pa.table(
            {
                "item": _runs(pa.array(self.r_item, pa.string()), self.r_item_n),
                "ts": _runs(_ts_array(self.g_ts), self.g_n),
                "seq": pa.array(self.e_seq, pa.int64()),
                "field": pa.array(self.e_field, pa.string()),
                "value": pa.array(self.e_value, pa.string()),
                "prev": pa.array(self.e_prev, pa.string()),
                "actor": _runs(pa.array(self.g_actor, pa.string()), self.g_n),
                "source": _runs(pa.array(self.g_source, pa.string()), self.g_n),
            },
            schema=EVENTS_SCHEMA,
        )
        cols = dict(self.items)
        cols["created"] = _ts_array(cols["created"])
        cols["resolved"] = _ts_array(cols["resolved"])
        items = pa.table(
            {
                name: pa.array(cols[name], ITEMS_SCHEMA.field(name).type)
                for name in ITEMS_SCHEMA.names
            },
            schema=ITEMS_SCHEMA,
        )
        return LoadResult(
            events=sort_events(events),
            items=items,
            rejects=self.rejects,
            warnings=self.warnings,
            inputs=self.inputs,
            status_categories=self.categories,
            has_history=True,
        )


def _runs(values: pa.Array, lengths: list[int]) -> pa.Array:
    """Each value repeated by its run length."""
    index = np.repeat(np.arange(len(lengths), dtype=np.int64), np.asarray(lengths, np.int64))
    return values.take(pa.array(index))


def _ts_array(values: list) -> pa.Array:
    """Jira timestamp strings -> UTC microseconds, vectorised; per value only as a fallback."""
    if isinstance(values, pa.Array):
        return values
    strings = pa.array(values, pa.string())
    try:
        return strings.cast(TS)
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        # Arrow's ISO parser is narrower than Python's: normalise the odd ones in Python.
        return pa.array([None if v is None else parse_iso(v) for v in values], TS)
