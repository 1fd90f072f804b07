"""Every shape of a Jira REST JSON export, normalised into one stream of issues.

Accepted (each of them gzipped or not, detected by content, never by name):

- a search response ``{"issues": [...], "names": {...}}``;
- a JSON array of search responses, or of issues;
- NDJSON: one issue (or one search response) per line, as ``flowgap pull`` writes it;
- a collector's wrapper around each issue, in a list or one per line: GrimoireLab Perceval's
  ``{"backend_name": "Jira", "data": {<issue>}, "origin": ..., ...}``;
- a directory of such files (``.json``, ``.ndjson``, ``.jsonl``, optionally ``.gz``), in name
  order (:func:`json_files`).

:class:`JiraFile` reads one file and yields, in file order, what stood where an issue should
(:class:`Issue`, with its line or its position in the document), the field names of a search
page (:class:`Names`) and NDJSON lines that are not JSON (:class:`Broken`). What an issue must
hold is the loader's business (``jira_json``); this module only knows the shapes.

The file is read as a stream (never mapped: a file truncated while it is read must give an
error, not kill the process). An NDJSON file is read line by line; any other file is one JSON
document, and a document that does not parse is read as NDJSON whose first line is broken.
Bytes that are not UTF-8 are read as latin-1, per JSON value, and counted (``latin``).
"""

from __future__ import annotations

import io
import queue
import threading
import zlib
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any, BinaryIO, NamedTuple

import orjson

from ..errors import InputError
from . import inflate
from .common import GZIP_MAGIC, blank, no_records

JSON_SUFFIXES = (".json", ".ndjson", ".jsonl")
_BOM = b"\xef\xbb\xbf"


class Issue(NamedTuple):
    """A value standing where an issue should: ``line`` is its NDJSON line (None in a
    one-document file), ``path`` its position in the line or document (``[2]issues[0]``)."""

    value: Any
    line: int | None
    path: str


class Names(NamedTuple):
    """A search page's ``names`` (field id -> field name), before the page's issues."""

    names: dict


class Broken(NamedTuple):
    """An NDJSON line that is not JSON: one rejected record."""

    line: int
    reason: str


def is_json_file(path: Path) -> bool:
    name = path.name.lower()
    if name.endswith(".gz"):
        name = name[:-3]
    return name.endswith(JSON_SUFFIXES)


def json_files(path: Path) -> list[Path]:
    """The file itself, or a directory's JSON files in name order."""
    if not path.is_dir():
        return [path]
    files = sorted(p for p in path.iterdir() if p.is_file() and is_json_file(p))
    if not files:
        raise InputError(path, "directory holds no .json, .ndjson or .jsonl files")
    return files


class JiraFile:
    """The issues of one file, in file order; ``latin`` counts the JSON values that were read
    as latin-1 (once the file has been iterated)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.latin = 0

    def __iter__(self) -> Iterator[Issue | Names | Broken]:
        for line, value, error, latin in _values(self.path):
            self.latin += latin
            if error is not None:
                yield Broken(line or 0, error)
            elif value.__class__ is list:
                for i, v in enumerate(value):
                    yield from _page_or_issue(v, line, f"[{i}]")
            else:
                yield from _page_or_issue(value, line, "")


def _page_or_issue(value: Any, line: int | None, path: str) -> Iterator[Issue | Names]:
    if _collector_item(value):
        value, path = value["data"], f"{path or '[0]'}.data"
    if isinstance(value, dict) and "key" not in value and isinstance(value.get("issues"), list):
        names = value.get("names")
        if isinstance(names, dict):
            yield Names(names)
        for i, v in enumerate(value["issues"]):
            yield Issue(v, line, f"{path}issues[{i}]")
    else:
        yield Issue(value, line, path or "[0]")


def _collector_item(value: Any) -> bool:
    """A GrimoireLab Perceval item: ``{"backend_name": "Jira", "data": {<issue>}, ...}``."""
    return (
        value.__class__ is dict
        and "key" not in value
        and isinstance(value.get("backend_name"), str)
        and value["backend_name"].lower() == "jira"
        and isinstance(value.get("data"), dict)
    )


# --------------------------------------------------------------------------- reading


class _Reader:
    """A binary reader over the file, gunzipping by content (on a thread of its own, see
    :class:`_Inflating`); closes every layer."""

    def __init__(self, path: Path) -> None:
        try:
            self.raw = path.open("rb")
        except FileNotFoundError:
            raise InputError(path, "no such file") from None
        except OSError as exc:
            raise InputError(path, f"cannot read: {exc.strerror or exc}") from None
        self.fh: Any = self.raw
        if self.raw.peek(2)[:2] == GZIP_MAGIC:
            self.fh = io.BufferedReader(_Inflating(self.raw, path), buffer_size=_INFLATED_CHUNK)

    def __enter__(self) -> Any:
        return self.fh

    def __exit__(self, *exc: object) -> None:
        if self.fh is not self.raw:
            self.fh.close()
        self.raw.close()


_INFLATED_CHUNK = 1 << 20


class _Inflating(io.RawIOBase):
    """A gzip stream inflated (within the decompression limits, ``inflate.GzipStream``) on a
    thread of its own (zlib runs without the GIL) while the caller parses what is already
    there: a gzipped export loads in about the time of the plain one on two cores. At most a
    few chunks wait; what inflating raises is raised to the reader, at the point of the stream
    where it happened."""

    def __init__(self, raw: BinaryIO, path: Path) -> None:
        super().__init__()
        # Taken here, on the caller's thread: the budget of the load in progress.
        self._budget = inflate.current()
        self._path = path
        self._chunks: queue.Queue[bytes | BaseException] = queue.Queue(maxsize=4)
        self._stop = threading.Event()
        self._left = memoryview(b"")
        self._eof = False
        self._thread = threading.Thread(target=self._inflate, args=(raw,), daemon=True)
        self._thread.start()

    def _inflate(self, raw: BinaryIO) -> None:
        try:
            with inflate.GzipStream(raw, self._path, self._budget) as gz:
                for chunk in gz.chunks(_INFLATED_CHUNK):
                    if self._stop.is_set():
                        return
                    self._put(chunk)
                self._put(b"")
        except BaseException as exc:  # handed to the reader
            self._put(exc)

    def _put(self, item: bytes | BaseException) -> None:
        while not self._stop.is_set():
            try:
                self._chunks.put(item, timeout=0.1)
                return
            except queue.Full:
                continue

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        if not self._left:
            if self._eof:
                return 0
            item = self._chunks.get()
            if isinstance(item, BaseException):
                self._eof = True
                raise item
            if not item:
                self._eof = True
                return 0
            self._left = memoryview(item)
        n = min(len(buffer), len(self._left))
        buffer[:n] = self._left[:n]
        self._left = self._left[n:]
        return n

    def close(self) -> None:
        self._stop.set()
        self._thread.join()
        super().close()


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


def _values(path: Path) -> Iterator[tuple[int | None, Any, str | None, bool]]:
    """Top-level JSON values of a file: (line number or None, value, parse error, latin-1)."""
    with _Reader(path) as fh:
        try:
            first = fh.readline().removeprefix(_BOM)
            skipped = 0
            while first and blank((first,)):
                skipped += 1
                first = fh.readline()
            if not first:
                raise no_records(path, whitespace=skipped > 0)
            first_value: Any = None
            try:
                first_value, latin = _loads(first)
                ndjson = isinstance(first_value, dict)
            except orjson.JSONDecodeError:
                ndjson = False
            if ndjson:
                yield skipped + 1, first_value, None, latin
                yield from _lines(fh, start=skipped + 1)
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
    lines = list(_lines(data.splitlines(keepends=True), start=0))
    if not any(err is None for _, _, err, _ in lines):
        raise InputError(path, f"not valid JSON: {whole_error}")
    yield from lines


def _lines(
    lines: Iterable[bytes], start: int
) -> Iterator[tuple[int | None, Any, str | None, bool]]:
    """NDJSON lines after line ``start``; blank lines are skipped, not counted as records."""
    number = start
    loads = orjson.loads
    blank = (b"\n", b"\r\n", b"")
    for line in lines:
        number += 1
        if line in blank:  # before orjson: its error on an empty line costs 100 times more
            continue
        try:
            value = loads(line)
        except orjson.JSONDecodeError:
            if not line.strip():
                continue
            try:
                value, latin = _loads(line)
            except orjson.JSONDecodeError as exc:
                yield number, None, f"malformed JSON: {exc.msg}", False
                continue
            yield number, value, None, latin
            continue
        yield number, value, None, False
