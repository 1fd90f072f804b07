"""The fast path of the Jira JSON loader: a plain NDJSON export read by Arrow's JSON reader.

``flowgap pull`` writes one issue per line, every line in the same shape. Walking millions of
parsed dicts in Python costs several times the parse itself, so for such a file the columns
are read by Arrow's multi-threaded C++ reader against an explicit schema and every rule of the
Python loader (``jira_json``) is applied to whole columns at once.

It answers only when it can answer exactly as the Python loader would; ``try_load`` returns
None otherwise and the Python loader decides (rejects, warnings, odd shapes). The screens:

- one file, at most ``MAX_BYTES`` once gunzipped (one gzip member, as long as its trailer
  says), starting with ``{``;
  every newline sits between ``}`` and ``{`` (so no value spans lines, no blank line, no
  CRLF) and Arrow reads one row per line;
- what Arrow's reader takes and JSON does not: no ``NaN``/``Inf`` token where a value may
  start, and the bytes are valid UTF-8 (Arrow does not check strings; the Python loader
  falls back to latin-1 for such a line);
- Arrow's reader accepts every line against the schema: a value of another JSON type than
  the schema's (a string where an object was, a number where text was) fails the whole read.
  The team and flag fields may be an object, text or a list of either: their type comes
  from their first value in the first lines, else it is the usual one of Jira's exports;
  when that guess fails the read, the first value in the whole file decides a second read;
- every issue has a non-empty unique key, a ``fields`` object and the Jira timestamp shape
  (``2025-01-27T10:00:00.000+0100``) in every timestamp read; history and comment ids are
  ASCII digits (histories may lack one); labels hold no nulls;
- comment bodies are all text (API v2) or all ADF documents (Cloud, API v3) at most
  ``ADF_DEPTH`` nodes deep whose text nodes have a text; ``adf_text`` is applied to all of
  them at once (``_adf_texts``);
- each line's own ``names`` (last on the line, as ``flowgap pull`` writes it) keep every id
  to one name, each configured field name (team, flag, story points) maps to at most one
  id, known from line 1, and no issue has a field literally named like them.

One difference is left on purpose: orjson refuses values nested deeper than 1024 levels and
Arrow's reader does not; no Jira export comes near, and checking would cost a pass over the
file.

Speed: what Arrow reads is planned from the first lines (``_plan``); Arrow's reader then
parses on its thread pool while this thread screens the whole file. A plain file is mapped,
not copied; a gzip file is inflated on a thread of its own and streamed to Arrow's reader,
which parses the first blocks while the last ones are inflated (the screens start once all
is there, and check that the first lines planned right). The build runs on three threads.
numpy and Arrow allocate without huge pages while loading (see ``_plain_pages``).

pyarrow imports pandas (about a second) on the first ``pa.array``/``pa.scalar``/``to_numpy``
call; nothing here calls them: arrays are built from buffers and read back through buffers.
"""

from __future__ import annotations

import mmap
import re
import threading
import zlib
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path
from typing import Any, NamedTuple

import numpy as np
import orjson
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.json as pj

from ..config import Config
from ..model import (
    EVENTS_SCHEMA,
    ITEMS_SCHEMA,
    TS,
    Finding,
    InputSummary,
    LoadResult,
)
from . import arrow_columns as ac
from .common import GZIP_MAGIC
from .jira_json import _BLOCKS as _ADF_BLOCKS
from .jira_json import STORY_POINT_FIELDS

FORMAT = "jira-json"
#: Larger files are streamed by the Python loader instead of being held whole in memory.
MAX_BYTES = 1 << 30
#: Arrow parses blocks of the file on its thread pool.
USE_THREADS = True
_TS_SHAPE = r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}[+-]\d{4}$"
_DIGITS = r"^[0-9]{1,18}$"
#: A display field's type is looked for in this many lines first (see ``_shape``), in at
#: most this many bytes.
_GUESS_LINES = 256
_HEAD_BYTES = 1 << 23

S = ac.S
_DISPLAY_KEYS = ("value", "name", "displayName", "title", "key")
DISP = pa.struct([(k, S) for k in _DISPLAY_KEYS])


#: The file's bytes: the file mapped, or its gunzipped bytes.
Data = bytes | mmap.mmap


#: A display field's type in Jira's own exports: the team field is one object (an Atlassian
#: team or a select option), Flagged a list of checkbox options.
_USUAL_SHAPE = {"team": DISP, "flag": pa.list_(DISP)}


def try_load(path: Path, config: Config, field_map: dict[Any, str]) -> LoadResult | None:
    """The canonical tables of a plain NDJSON export, or None when the Python loader must."""
    if not path.is_file():
        return None
    try:
        with _plain_pages():
            return _load(path, config, field_map)
    except (
        ac.NotPlain,
        pa.ArrowException,
        OSError,
        EOFError,
        zlib.error,
        ValueError,
        orjson.JSONDecodeError,
    ):
        return None


_PAGES_LOCK = threading.Lock()
_PAGES_USERS: list[Any] = [0, True, None]  # loads running; numpy's, Arrow's settings before


@contextmanager
def _plain_pages() -> Iterator[None]:
    """numpy without huge pages, Arrow allocating with malloc, while loading.

    A load allocates about a gigabyte it touches once. numpy asks for transparent huge pages
    (madvise) for arrays of 4 MB and more; with the usual kernel setting (defrag=madvise) a
    first touch there may compact memory first: the build takes a third longer. With Arrow's
    default allocator (mimalloc) a load of 1M events spends 0.8-1.3 s in the kernel, with
    malloc 0.4 s (the same time in user space). Both settings are process-wide: the first of
    concurrent loads changes them, the last restores them.
    """
    try:
        from numpy._core.multiarray import _set_madvise_hugepage as numpy_pages
    except ImportError:  # not numpy 2 (the setting is private)

        def numpy_pages(enabled: bool) -> bool:
            return enabled

    with _PAGES_LOCK:
        if _PAGES_USERS[0] == 0:
            _PAGES_USERS[1] = numpy_pages(False)
            _PAGES_USERS[2] = pa.default_memory_pool()
            pa.set_memory_pool(pa.system_memory_pool())
        _PAGES_USERS[0] += 1
    try:
        yield
    finally:
        with _PAGES_LOCK:
            _PAGES_USERS[0] -= 1
            if _PAGES_USERS[0] == 0:
                numpy_pages(_PAGES_USERS[1])
                pa.set_memory_pool(_PAGES_USERS[2])


# --------------------------------------------------------------------------- arrow helpers


def _bools(arr: pa.Array | pa.ChunkedArray) -> np.ndarray:
    if isinstance(arr, pa.ChunkedArray):
        arr = arr.combine_chunks()
    if arr.null_count:
        arr = pc.fill_null(arr, _FALSE)
    bits = np.unpackbits(np.frombuffer(arr.buffers()[1], np.uint8), bitorder="little")
    return bits[arr.offset : arr.offset + len(arr)].astype(bool)


def _bool_array(values: np.ndarray) -> pa.Array:
    bits = np.packbits(np.asarray(values, dtype=bool), bitorder="little")
    return pa.Array.from_buffers(pa.bool_(), len(values), [None, pa.py_buffer(bits)])


_FALSE = _bool_array(np.zeros(1, dtype=bool))[0]
_TRUE = _bool_array(np.ones(1, dtype=bool))[0]
_ZERO32 = pa.Array.from_buffers(pa.int32(), 1, [None, pa.py_buffer(np.zeros(1, np.int32))])[0]


def _nonempty(arr: pa.Array) -> pa.Array:
    """ "" -> null (``x or None``)."""
    empty = pc.fill_null(pc.equal(pc.binary_length(arr), _ZERO32), _FALSE)
    return pc.if_else(empty, pa.nulls(len(arr), arr.type), arr)


def _blank(arr: pa.Array) -> np.ndarray:
    """Where a string column is null or "" (``not x``)."""
    if len(arr) == 0:
        return np.zeros(0, dtype=bool)
    return _bools(pc.fill_null(pc.equal(pc.binary_length(arr), _ZERO32), _TRUE))


def _display_struct(arr: pa.Array) -> pa.Array:
    """``display`` of an object: its first non-empty value, name, displayName, title, key."""
    return pc.coalesce(*[_nonempty(pc.struct_field(arr, k)) for k in _DISPLAY_KEYS])


def _offsets(lengths: np.ndarray) -> np.ndarray:
    out = np.zeros(len(lengths) + 1, dtype=np.int32)
    np.cumsum(lengths, out=out[1:])
    return out


def _list_of(values: pa.Array, parents: np.ndarray, n: int) -> pa.Array:
    """A list array of ``n`` lists from child values and their (sorted) parent index."""
    lengths = np.bincount(parents, minlength=n) if len(parents) else np.zeros(n, np.int64)
    offsets = _offsets(lengths)
    return pa.ListArray.from_arrays(
        pa.Array.from_buffers(pa.int32(), n + 1, [None, pa.py_buffer(offsets)]), values
    )


def _display_list(arr: pa.Array, element: pa.DataType) -> tuple[pa.Array, pa.Array]:
    """Non-empty element displays of a list column: (list of them, ", "-joined or null)."""
    n = len(arr)
    flat = pc.list_flatten(arr)
    parents = ac.ints(pc.list_parent_indices(arr))
    shown = _display_struct(flat) if element == DISP else _nonempty(flat)
    keep = ~_bools(pc.is_null(shown))
    lists = _list_of(shown.filter(_bool_array(keep)), parents[keep], n)
    joined = _nonempty(pc.binary_join(lists, ac.scalar(", ")))
    return lists, joined


def _display(arr: pa.Array) -> pa.Array:
    if arr.type == DISP:
        return _display_struct(arr)
    if pa.types.is_list(arr.type):
        return _display_list(arr, arr.type.value_type)[1]
    return _nonempty(arr)


def _all(mask: pa.Array) -> bool:
    return bool(_bools(mask).all()) if len(mask) else True


def _instants(strings: pa.Array) -> np.ndarray:
    """Jira-shaped timestamps -> UTC microseconds (the Python loader's very cast)."""
    ac.check(strings.null_count == 0, "missing timestamp")
    ac.check(_all(pc.match_substring_regex(strings, _TS_SHAPE)), "timestamp shape")
    return ac.ints(strings.cast(TS).cast(pa.int64()))


def _int_ids(ids: pa.Array, allow_null: bool) -> tuple[np.ndarray, pa.Array]:
    """Ids as integers for ordering (a missing id orders as -1) and as text for sources."""
    if not allow_null:
        ac.check(ids.null_count == 0, "missing id")
    present = pc.drop_null(ids)
    ac.check(_all(pc.match_substring_regex(present, _DIGITS)), "id shape")
    as_int = pc.fill_null(ids.cast(pa.int64()), ac.int_array(np.array([-1]))[0])
    text = pc.fill_null(ids, ac.scalar("None"))
    return ac.ints(as_int), text


def _order(parent: np.ndarray, inst: np.ndarray, ids: np.ndarray, n_parents: int) -> np.ndarray:
    """The Python loader's ``_ordered`` for every parent at once.

    Per parent the rows are reversed when the first does not precede the last (Cloud sends
    newest first), then stably sorted on (instant, id); an already ordered run stays put.
    """
    m = len(parent)
    if m == 0:
        return np.zeros(0, dtype=np.int64)
    counts = np.bincount(parent, minlength=n_parents)
    start = _offsets(counts)[:-1].astype(np.int64)
    pos = np.arange(m, dtype=np.int64) - start[parent]
    first = start[parent]
    last = first + counts[parent] - 1
    rev = (inst[first] > inst[last]) | ((inst[first] == inst[last]) & (ids[first] > ids[last]))
    pos = np.where(rev, counts[parent] - 1 - pos, pos)
    order = first + pos  # each parent's rows, reversed where it was
    # the usual case: every run is already ordered on (instant, id) and needs no sort
    a, b = order[:-1], order[1:]
    same = parent[a] == parent[b]
    ordered = (inst[a] < inst[b]) | ((inst[a] == inst[b]) & (ids[a] <= ids[b]))
    if bool(np.all(ordered | ~same)):
        return order
    return ac.lexsort(pos, ids, inst, parent)


def _rank(parent_sorted: np.ndarray, n_parents: int) -> np.ndarray:
    """Rank of each row within its parent, for rows sorted by parent."""
    counts = np.bincount(parent_sorted, minlength=n_parents)
    start = _offsets(counts)[:-1].astype(np.int64)
    return np.arange(len(parent_sorted), dtype=np.int64) - start[parent_sorted]


# --------------------------------------------------------------------------- screening


def _open(path: Path) -> Data | _Inflating:
    """The file's bytes: a plain file mapped (copying it costs more than every screen
    together, and Arrow's reader copies what it keeps), a gzip file inflating."""
    ac.check(path.stat().st_size <= MAX_BYTES, "too large to hold")
    with path.open("rb") as fh:
        head = fh.read(2)
        ac.check(len(head) == 2, "empty")
        if head != GZIP_MAGIC:
            return mmap.mmap(fh.fileno(), 0, access=mmap.ACCESS_READ)
        fh.seek(0)
        return _Inflating(fh.read())


class _Inflating:
    """A one-member gzip file inflated on its own thread (zlib runs without the GIL) into
    one buffer, and read meanwhile as a stream: Arrow's reader parses the first blocks while
    the last ones are inflated, and the screens run once all is there."""

    STEP = 1 << 16  # compressed bytes per zlib call

    def __init__(self, raw: bytes) -> None:
        # the trailer's length (mod 2**32, and files are at most MAX_BYTES)
        self.size = int.from_bytes(raw[-4:], "little") if len(raw) >= 18 else 0
        ac.check(0 < self.size <= MAX_BYTES, "empty, truncated or too large to hold")
        # anonymous memory: its pages are zeroed as the inflating thread first writes them
        self.buf: Data = mmap.mmap(-1, self.size)
        self.done = 0  # bytes inflated
        self.pos = 0  # bytes read as a stream
        self.error: BaseException | None = None
        self.finished = False
        self.cancelled = False
        self.closed = False  # Arrow's reader closes its stream: that cancels nothing
        self.ready = threading.Condition()
        threading.Thread(target=self._inflate, args=(raw,), daemon=True).start()

    def _inflate(self, raw: bytes) -> None:
        try:
            inflate = zlib.decompressobj(wbits=31)
            out, source = memoryview(self.buf), memoryview(raw)
            for at in range(0, len(raw), self.STEP):
                ac.check(not self.cancelled, "no longer wanted")
                chunk = inflate.decompress(source[at : at + self.STEP])
                end = self.done + len(chunk)
                ac.check(end <= self.size, "longer than its gzip trailer says")
                out[self.done : end] = chunk
                with self.ready:
                    self.done = end
                    self.ready.notify_all()
                if inflate.eof:
                    break
            ac.check(
                inflate.eof and not inflate.unused_data and self.done == self.size,
                "several gzip members or a truncated stream",
            )
        except BaseException as exc:  # handed to whoever waits
            self.error = exc
        finally:
            with self.ready:
                self.finished = True
                self.ready.notify_all()

    def wait(self, end: int) -> int:
        """Bytes inflated once at least ``end`` (or all) are; raises what inflating raised."""
        with self.ready:
            while self.done < min(end, self.size) and not self.finished:
                self.ready.wait()
        if self.error is not None:
            raise self.error
        return self.done

    def cancel(self) -> None:
        """Stop inflating (the Python loader takes the file)."""
        self.cancelled = True

    def data(self) -> Data:
        self.wait(self.size)
        return self.buf

    def head(self) -> Data:
        """The first ``_GUESS_LINES`` whole lines (``_head``), or all."""
        want = 1 << 20
        while True:
            done = self.wait(want)
            head = _head(self.buf, done)
            if head is not None:
                return head
            if done == self.size:
                return self.data()
            want *= 2

    # the file-like side Arrow's reader uses
    def read(self, n: int = -1) -> memoryview:
        end = self.size if n < 0 else min(self.pos + n, self.size)
        self.wait(end)
        view = memoryview(self.buf)[self.pos : end]
        self.pos = end
        return view

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return False

    def tell(self) -> int:
        return self.pos

    def close(self) -> None:
        self.closed = True


def _head(data: Data, end: int) -> bytes | None:
    """The first ``_GUESS_LINES`` lines of ``data[:end]``, or the whole lines in its first
    ``_HEAD_BYTES``; None when it holds neither yet. What is read is planned from them
    (``_plan``), and the whole file is screened while Arrow reads it."""
    limit = min(end, _HEAD_BYTES)
    at = last = -1
    for _ in range(_GUESS_LINES):
        at = data.find(b"\n", at + 1, limit)
        if at < 0:
            break
        last = at
    if at >= 0 or (end >= _HEAD_BYTES and last >= 0):
        return bytes(data[: last + 1])
    return None


def _screen(data: Data) -> tuple[list[int], dict]:
    """Where each line of a plain NDJSON file ends, and its first issue; raises ac.NotPlain
    otherwise."""
    tail = len(data) - 1
    while tail > 0 and data[tail] == 0x0A:  # not rstrip: that would copy the whole file
        tail -= 1
    ac.check(data[:1] == b"{" and data[tail] == 0x7D, "not NDJSON of objects")
    # every newline between "}" and "{": no value spans lines, no blank line (a JSON string
    # cannot hold a raw newline, so this is about the structure)
    find = data.find
    ends: list[int] = []
    at = find(b"\n")
    last = len(data) - 1
    while at >= 0:
        ac.check(
            data[at - 1] == 0x7D and (at == last or data[at + 1] == 0x7B),
            "a value spans lines, or a blank line",
        )
        ends.append(at)
        at = find(b"\n", at + 1)
    if not ends or ends[-1] != last:
        ends.append(len(data))
    first = orjson.loads(data[: ends[0]])
    ac.check(isinstance(first, dict) and isinstance(first.get("key"), str), "first line")
    return ends, first


def _check_utf8(data: Data) -> None:
    """ArrowInvalid when the file is not UTF-8.

    Arrow's reader does not validate UTF-8 inside strings; the Python loader reads a line
    that is not UTF-8 as latin-1 (and says so). Arrow's own check is ~0.05 ns a byte."""
    whole = pa.Array.from_buffers(
        pa.large_binary(),
        1,
        [None, pa.py_buffer(np.array([0, len(data)], dtype=np.int64)), pa.py_buffer(data)],
    )
    whole.cast(pa.large_string())


#: NaN, Inf, Infinity (and negated) are numbers to Arrow's reader and not JSON. ``re`` finds a
#: literal by memchr on its first byte: one pass each is three times faster than bytes.find
#: or RE2 on the whole file.
_NUMBER_WORDS = (re.compile(rb"NaN"), re.compile(rb"Inf"))
#: They are looked for in windows of this many bytes: other threads (Arrow's reader calling
#: back for more of a gzip stream) get the GIL in between.
_SCAN_STEP = 1 << 22


def _screen_numbers(data: Data) -> None:
    """No NaN/Inf token where a JSON value may start: raises ac.NotPlain. Words in text
    ("Information") are fine."""
    step = _SCAN_STEP
    for word in _NUMBER_WORDS:
        for start in range(0, len(data), step):
            for hit in word.finditer(data, start, start + step + 2):
                if hit.start() < start + step:  # a word across the border: found once
                    ac.check(not _value_start(data, hit.start()), "NaN or Inf token")


def _value_start(data: Data, at: int) -> bool:
    """Whether a JSON value may start at ``at``: after ``:``, ``,`` or ``[`` (and blanks, and
    a minus sign). Inside a string this may say yes too: the Python loader then decides."""
    i = at - 1
    if i >= 0 and data[i] == 0x2D:  # "-"
        i -= 1
    while i >= 0 and data[i] in b" \t\r\n":
        i -= 1
    return i >= 0 and data[i] in b":,["


def _names(data: Data, ends: list[int], first: dict) -> dict[str, str]:
    """Field id -> name, when every issue sees the same ids for the configured names.

    The Python loader accumulates each line's ``names`` (``flowgap pull`` writes, last on
    every line, the names of the fields that issue has). They are read here at the line
    ends: the text after a line's last ``"names":`` up to its final ``}`` is the issue's own
    ``names`` when it parses as one object (a nested one would leave a ``}`` over). Every id
    must keep one name throughout, and the configured names are checked against the first
    line's ids in ``_load``.
    """
    marker = b'"names":'
    seen: set[bytes] = set()
    start = 0
    rfind = data.rfind
    for end in ends:
        at = rfind(marker, start, end)
        if at >= 0:
            seen.add(bytes(data[at + len(marker) : end - 1]))
        start = end + 1
    union: dict[str, str] = {}
    for blob in seen:
        names = orjson.loads(blob)
        ac.check(isinstance(names, dict), "names")
        for fid, name in names.items():
            ac.check(
                isinstance(name, str) and union.setdefault(fid, name) == name,
                "a field id with several names",
            )
    own = first.get("names")
    ac.check(
        own is None or (isinstance(own, dict) and all(union.get(k) == v for k, v in own.items())),
        "names",
    )
    return union


def _shape(data: Data, fid: str, names_len: int, end: int) -> pa.DataType | None:
    """The Arrow type of a display field from its first non-null, non-empty value before
    ``end``; None when there is none.

    The type is a guess that Arrow's read checks: a value of another JSON type anywhere makes
    the read fail (and ``_read`` looks again, over the whole file). When every value is null,
    every type reads the same nulls."""
    marker = orjson.dumps(fid) + b":"
    at = data.find(marker, 0, end)
    while at >= 0:
        i = at + len(marker)
        inside = data.rfind(b'"names":', max(0, at - names_len - 16), at)
        if inside >= 0 and data.find(b"}", inside) > at:  # the names object itself
            at = data.find(marker, i, end)
            continue
        while data[i : i + 1] == b" ":
            i += 1
        c = data[i : i + 1]
        if c == b"{":
            return DISP
        if c == b'"':
            return S
        if c == b"[":
            i += 1
            while data[i : i + 1] == b" ":
                i += 1
            e = data[i : i + 1]
            if e == b"{":
                return pa.list_(DISP)
            if e == b'"':
                return pa.list_(S)
            ac.check(e == b"]", "display field of another type")
        else:
            ac.check(c == b"n", "display field of another type")
        at = data.find(marker, i, end)
    return None


# --------------------------------------------------------------------------- ADF bodies

#: How deep an ADF comment body (Jira Cloud, API v3) may nest: doc, table, row, cell,
#: paragraph, text is 6; a list in a list in a list item is 9. Deeper bodies fail the read.
ADF_DEPTH = 12
_ADF_ATTRS = ("text", "id", "shortName", "url")


def _adf_type(depth: int = ADF_DEPTH) -> pa.DataType:
    """An ADF node with the keys ``jira_json.adf_text`` reads, ``depth`` levels deep.

    The deepest level's ``content`` is of Arrow's null type: any value there fails the read,
    so no content is dropped unseen. A key of another JSON type (text that is a number,
    content that is an object) fails it too."""
    attrs = pa.struct([(k, S) for k in _ADF_ATTRS])
    content: pa.DataType = pa.null()
    for _ in range(depth):
        node = pa.struct([("type", S), ("text", S), ("attrs", attrs), ("content", content)])
        content = pa.list_(node)
    return node


_BODY = b'"body":'


def _body_type(data: Data) -> pa.DataType:
    """Comment bodies are text (API v2) or ADF documents (v3): the first non-null one tells.

    A body of the other kind later fails Arrow's read and the Python loader takes the file."""
    at = data.find(_BODY)
    while at >= 0:
        i = at + len(_BODY)
        while data[i : i + 1] in (b" ", b"\t"):
            i += 1
        if data[i : i + 1] != b"n":
            return _adf_type() if data[i : i + 1] == b"{" else S
        at = data.find(_BODY, i)
    return S


def _comment_type(body: pa.DataType) -> pa.DataType:
    author = pa.struct([("displayName", S), ("name", S)])
    comment = pa.struct([("id", S), ("created", S), ("body", body), ("author", author)])
    return pa.struct([("comments", pa.list_(comment))])


def _comment_texts(body: pa.Array) -> pa.Array:
    """Comment bodies as the Python loader's ``comment_text`` has them ("" when missing)."""
    if body.type == S:
        return pc.fill_null(body, ac.scalar(""))
    return _adf_texts(body)


#: ADF node kinds ``adf_text`` writes without looking into their content.
_ADF_LEAVES = ("text", "hardBreak", "mention", "emoji", "inlineCard", "blockCard")


def _adf_texts(body: pa.Array) -> pa.Array:
    """``jira_json.adf_text`` of every ADF body at once.

    ``adf_text`` walks a document depth first, writing pieces (texts, mentions, " | " after a
    table cell) and, around a block, a newline when something was written and does not end
    in one. Here every node gets two slots in its document's walk: entering it, after as
    many entries as its pre-order rank and as many exits as that less its depth; leaving
    it, twice its subtree size less one later. Pieces and newline candidates are put in
    their slots and sorted. A candidate writes its newline when the token just before it
    in the same document is a piece that does not end in one (after a written newline, or
    an unwritten one, the output still ends the same). The lines are then right-stripped
    in Python, as ``adf_text`` does (Arrow's white space is not ``str.rstrip``'s).
    """
    n_docs = len(body)
    levels = [body]
    while pa.types.is_list(levels[-1].type.field("content").type):
        levels.append(pc.list_flatten(pc.struct_field(levels[-1], "content")))
    parents = [np.arange(n_docs, dtype=np.int64)] + [
        ac.ints(pc.list_parent_indices(pc.struct_field(level, "content"))).astype(np.int64)
        for level in levels[:-1]
    ]
    # subtree sizes, from the leaves up
    sizes = [np.ones(len(level), dtype=np.int64) for level in levels]
    for d in range(len(levels) - 1, 0, -1):
        sizes[d - 1] += np.bincount(
            parents[d], weights=sizes[d], minlength=len(levels[d - 1])
        ).astype(np.int64)
    # pre-order ranks and documents, from the root down; only visited nodes write anything
    kinds = [pc.struct_field(level, "type") for level in levels]
    pre = [np.zeros(n_docs, dtype=np.int64)]
    doc = [np.arange(n_docs, dtype=np.int64)]
    visited = [~_bools(pc.is_null(body))]
    for d in range(1, len(levels)):
        p, size = parents[d], sizes[d]
        before = np.cumsum(size) - size  # sizes of all earlier nodes of this level
        first_of_parent = np.r_[True, p[1:] != p[:-1]] if len(p) else np.zeros(0, dtype=bool)
        group_start = np.maximum.accumulate(np.where(first_of_parent, before, 0))
        pre.append(pre[d - 1][p] + 1 + before - group_start)
        doc.append(doc[d - 1][p])
        recurses = ~_bools(
            pc.fill_null(pc.is_in(kinds[d - 1], ac.strings(list(_ADF_LEAVES))), _FALSE)
        )
        visited.append(visited[d - 1][p] & recurses[p] & ~_bools(pc.is_null(levels[d])))
    doc_start = _offsets(2 * sizes[0])[:-1].astype(np.int64)
    keys: list[np.ndarray] = []
    pieces: list[pa.Array] = []
    conds: list[np.ndarray] = []

    def put(slot: np.ndarray, where: np.ndarray, values: pa.Array | str | None) -> None:
        """Tokens at ``slot`` where ``where``: pieces, or newline candidates (None)."""
        keys.append(slot[where])
        n = int(where.sum())
        if values is None:
            pieces.append(pa.nulls(n, S))
        elif isinstance(values, str):
            pieces.append(pa.repeat(ac.scalar(values), n))
        else:
            pieces.append(values.filter(_bool_array(where)))
        conds.append(np.full(n, values is None))

    for d, level in enumerate(levels):
        kind, size = kinds[d], sizes[d]
        enter = doc_start[doc[d]] + 2 * pre[d] - d  # enters and leaves before: pre, pre - depth
        leave = enter + 2 * size - 1

        def of(*names: str, kind: pa.Array = kind, d: int = d) -> np.ndarray:
            hit = pc.fill_null(pc.is_in(kind, ac.strings(list(names))), _FALSE)
            return _bools(hit) & visited[d]

        text = pc.struct_field(level, "text")
        # ``str(node.get("text", ""))`` gives "None" for a null and "" for a missing text,
        # which Arrow cannot tell apart: such a text node leaves the file to the walk
        ac.check(not (of("text") & _bools(pc.is_null(text))).any(), "ADF text node without text")
        attrs = pc.struct_field(level, "attrs")

        def attr(*names: str, attrs: pa.Array = attrs) -> pa.Array:
            return pc.coalesce(
                *[_nonempty(pc.struct_field(attrs, k)) for k in names], ac.scalar("")
            )

        put(enter, of("text"), text)
        put(enter, of("hardBreak"), "\n")
        put(enter, of("mention"), attr("text", "id"))
        put(enter, of("emoji"), attr("text", "shortName"))
        put(enter, of("inlineCard", "blockCard"), attr("url"))
        put(leave, of("tableCell", "tableHeader"), " | ")
        blocks = of(*_ADF_BLOCKS)
        put(enter, blocks, None)
        put(leave, blocks & ~of("doc"), None)
    key = np.concatenate(keys)
    order = np.argsort(key, kind="stable")
    token = pa.concat_arrays(pieces).take(ac.int_array(order))
    is_cond = np.concatenate(conds)[order]
    token_doc = np.searchsorted(doc_start, key[order], side="right") - 1
    ends_nl = _bools(pc.fill_null(pc.ends_with(token, pattern="\n"), _FALSE))
    prev_piece = np.zeros(len(order), dtype=bool)
    if len(order):
        prev_piece[1:] = ~is_cond[:-1] & ~ends_nl[:-1] & (token_doc[1:] == token_doc[:-1])
    written = ~is_cond | prev_piece
    token = pc.if_else(_bool_array(is_cond), ac.scalar("\n"), token).filter(_bool_array(written))
    joined = pc.binary_join(_list_of(token, token_doc[written], n_docs), ac.scalar(""))
    return ac.strings(
        ["\n".join(line.rstrip() for line in t.split("\n")).strip("\n") for t in joined.to_pylist()]
    )


# --------------------------------------------------------------------------- the load


def _load(path: Path, config: Config, field_map: dict[Any, str]) -> LoadResult:
    opened = [_open(path)]  # _load_from takes it: the bytes are let go before the build
    inflating = opened[0] if isinstance(opened[0], _Inflating) else None
    try:
        return _load_from(path, opened, config, field_map)
    finally:
        if inflating is not None:
            inflating.cancel()


def _load_from(
    path: Path, opened: list[Data | _Inflating], config: Config, field_map: dict[Any, str]
) -> LoadResult:
    source = opened.pop()
    stream = isinstance(source, _Inflating)
    head = source.head() if stream else (_head(source, len(source)) or source)
    ends, first = _screen(head)
    plan = _plan(head, ends, first, config)
    whole: list[tuple[Data, int]] = []

    def screens() -> None:
        """The screens of the whole file (while Arrow reads it)."""
        data = source.data() if stream else source
        full_ends = ends
        if data is not head:
            full_ends, full_first = _screen(data)
            # every line's names may name more fields: the ids must be those of the head
            full = _plan(data, full_ends, full_first, config)
            ac.check(full.ids == plan.ids and full.literal == plan.literal, "names after the head")
        _check_utf8(data)
        _screen_numbers(data)
        whole.append((data, len(full_ends)))

    table = _read(source, plan, screens, lambda: whole[0][0])
    ac.check(table.num_rows == whole[0][1], "more than one value on a line")
    # the file's bytes go before the build
    whole.clear()
    if stream:
        source.buf = b""
    source = head = b""
    batch = table.combine_chunks()
    ac.check(batch.num_rows > 0, "empty")
    key = batch.column("key").chunk(0)
    fields = batch.column("fields").chunk(0)
    changelog = batch.column("changelog").chunk(0)
    return _build(path, key, fields, changelog, plan.ids, plan.literal, field_map, config)


class _Plan(NamedTuple):
    """What Arrow reads, from the first lines: the columns of ``fields``, the ids of the
    configured fields, the configured names read as literal fields, the display fields whose
    type was guessed, and a bound on the length of a ``names`` object."""

    columns: dict[str, pa.DataType]
    ids: dict[str, str | None]
    literal: list[str]
    guess: list[str]
    names_len: int


def _plan(data: Data, ends: list[int], first: dict, config: Config) -> _Plan:
    names = _names(data, ends, first)
    first_names = first.get("names") or {}
    jira = config.input.jira
    # configured field name -> the one fields key holding its current value
    wanted = {"team": jira.team_field, "flag": jira.flagged_field}
    for i, name in enumerate(STORY_POINT_FIELDS):
        wanted[f"points{i}"] = name
    ids: dict[str, str | None] = {}
    for role, name in wanted.items():
        if name is None:
            ids[role] = None
            continue
        found = [fid for fid, nm in names.items() if nm == name]
        ac.check(len(found) <= 1, "a field name with several ids")
        # known from the first issue on, as the Python loader's accumulated names have it
        ac.check(not found or found[0] in first_names, "a field id named only after line 1")
        ids[role] = found[0] if found else None
    base = {
        "created": S,
        "summary": S,
        "resolutiondate": S,
        "labels": pa.list_(S),
        "components": pa.list_(DISP),
        "assignee": DISP,
        "issuetype": DISP,
        "project": DISP,
        "priority": DISP,
        "status": pa.struct(
            [*[(k, S) for k in _DISPLAY_KEYS], ("statusCategory", pa.struct([("key", S)]))]
        ),
        "comment": _comment_type(_body_type(data)),
    }
    columns = dict(base)
    literal: list[str] = []
    guess: list[str] = []
    for role, name in wanted.items():
        if name is None:
            continue
        fid = ids[role]
        ac.check(
            name not in base and (fid is None or fid not in base) and name != fid,
            "a configured name collides with a standard field",
        )
        if name not in columns:
            columns[name] = S  # must be absent everywhere (see the module doc)
            literal.append(name)
        if fid is not None and fid not in columns:
            if role.startswith("points"):
                columns[fid] = pa.float64()
            else:
                guess.append(fid)
                columns[fid] = _USUAL_SHAPE[role]
    # A display field's type from its first value in the first lines, else the usual one: a
    # whole-file look costs a fifth of the read when the field is mostly null, as flags are.
    names_len = 2 * len(orjson.dumps(names)) + 64
    near = ends[min(len(ends), _GUESS_LINES) - 1]
    for fid in guess:
        columns[fid] = _shape(data, fid, names_len, near) or columns[fid]
    return _Plan(columns, ids, literal, guess, names_len)


def _read(
    source: Data | _Inflating,
    plan: _Plan,
    screens: Callable[[], None],
    data: Callable[[], Data],
) -> pa.Table:
    """Arrow's read of the file; meanwhile (Arrow parses without the GIL) the screens.

    When a guessed type (a display field's, the comment bodies') fails the read, the first
    value in the whole file decides a second one."""
    stream = pa.PythonFile(source, mode="r") if isinstance(source, _Inflating) else source
    with ThreadPoolExecutor(max_workers=1) as pool:
        reading = pool.submit(_arrow_read, stream, plan.columns)
        try:
            screens()
        except BaseException:
            if isinstance(source, _Inflating):
                source.cancel()  # Arrow's reader stops at the next block
            raise
        finally:
            error = reading.exception()
    if isinstance(error, pa.ArrowInvalid):
        whole = data()
        exact = {fid: _shape(whole, fid, plan.names_len, len(whole)) or DISP for fid in plan.guess}
        exact["comment"] = _comment_type(_body_type(whole))
        if all(plan.columns[name] == exact[name] for name in exact):
            raise error
        return _arrow_read(whole, {**plan.columns, **exact})
    if error is not None:
        raise error
    return reading.result()


def _arrow_read(data: Data | pa.NativeFile, columns: dict[str, pa.DataType]) -> pa.Table:
    """The columns the loader reads, by Arrow's multi-threaded JSON reader."""
    schema = pa.schema(
        [
            ("key", S),
            ("fields", pa.struct(list(columns.items()))),
            (
                "changelog",
                pa.struct(
                    [
                        ("total", pa.int64()),
                        (
                            "histories",
                            pa.list_(
                                pa.struct(
                                    [
                                        ("id", S),
                                        ("created", S),
                                        ("author", pa.struct([("displayName", S)])),
                                        (
                                            "items",
                                            pa.list_(
                                                pa.struct(
                                                    [
                                                        ("field", S),
                                                        ("fromString", S),
                                                        ("toString", S),
                                                    ]
                                                )
                                            ),
                                        ),
                                    ]
                                )
                            ),
                        ),
                    ]
                ),
            ),
        ]
    )
    return pj.read_json(
        data if isinstance(data, pa.NativeFile) else pa.BufferReader(data),
        read_options=pj.ReadOptions(use_threads=USE_THREADS, block_size=1 << 24),
        parse_options=pj.ParseOptions(
            explicit_schema=schema, unexpected_field_behavior="ignore", newlines_in_values=False
        ),
    )


def _build(
    path: Path,
    key: pa.Array,
    fields: pa.Array,
    changelog: pa.Array,
    ids: dict[str, str | None],
    literal: list[str],
    field_map: dict[Any, str],
    config: Config,
) -> LoadResult:
    n = len(key)
    fname = path.name
    ac.check(key.null_count == 0 and fields.null_count == 0, "issue without key or fields")
    ac.check(not _bools(pc.equal(pc.binary_length(key), _ZERO32)).any(), "empty key")
    ac.check(len(key.unique()) == n, "duplicate issue")
    for name in literal:
        ac.check(pc.struct_field(fields, name).null_count == n, "literal field name present")
    created_i = _instants(pc.struct_field(fields, "created"))
    status = pc.struct_field(fields, "status")
    current_status = _display_struct(status)
    labels_now = pc.struct_field(fields, "labels")
    ac.check(pc.list_flatten(labels_now).null_count == 0, "null label")
    # Most of the work is in Arrow and numpy, without the GIL: the comments and the items
    # table are built on two more threads meanwhile.
    with ThreadPoolExecutor(max_workers=2) as side:
        comments_f = side.submit(_comment_rows, key, fields, fname)
        items_f = side.submit(
            _items_table, key, fields, ids, created_i, status, current_status, labels_now
        )
        return _build_events(
            path,
            key,
            fields,
            changelog,
            ids,
            field_map,
            config,
            created_i,
            current_status,
            labels_now,
            comments_f,
            items_f,
        )


def _build_events(
    path: Path,
    key: pa.Array,
    fields: pa.Array,
    changelog: pa.Array,
    ids: dict[str, str | None],
    field_map: dict[Any, str],
    config: Config,
    created_i: np.ndarray,
    current_status: pa.Array,
    labels_now: pa.Array,
    comments_f: Future,
    items_f: Future,
) -> LoadResult:
    n = len(key)
    fname = path.name
    # ---- histories, ordered per issue like the Python loader
    hist_list = pc.struct_field(changelog, "histories")
    histories = pc.list_flatten(hist_list)
    ac.check(histories.null_count == 0, "a history is null")
    h_parent = ac.ints(pc.list_parent_indices(hist_list))
    h_created = pc.struct_field(histories, "created")
    h_inst = _instants(h_created) if len(histories) else np.zeros(0, np.int64)
    h_id_int, h_id_text = _int_ids(pc.struct_field(histories, "id"), allow_null=True)
    items_list = pc.struct_field(histories, "items")
    ac.check(items_list.null_count == 0, "history without items")
    h_order = _order(h_parent, h_inst, h_id_int, n)

    # ---- items of the ordered histories, in item order (``i_order``: sorted row -> item)
    items = pc.list_flatten(items_list)
    ac.check(items.null_count == 0, "a history item is null")
    n_items = len(items)
    i_hist_orig = ac.ints(pc.list_parent_indices(items_list))
    # the items of one history are contiguous: move whole runs into history order
    i_count = ac.ints(pc.list_value_length(items_list).cast(pa.int64()))
    i_start = _offsets(i_count)[:-1].astype(np.int64)
    run = np.repeat(i_start[h_order] - _offsets(i_count[h_order])[:-1], i_count[h_order])
    i_order = run + np.arange(n_items, dtype=np.int64)
    i_hist = i_hist_orig[i_order]
    i_issue = h_parent[i_hist]
    # fromString and toString in item order; "" counts as null (``x or None``): rather than
    # copying the columns with nulls, the events point at a null where these are true
    from_s = pc.struct_field(items, "fromString")
    to_s = pc.struct_field(items, "toString")
    from_none, to_none = _blank(from_s), _blank(to_s)
    enc = pc.dictionary_encode(pc.struct_field(items, "field"), null_encoding="encode")
    canon_dict = [field_map.get(nm, nm) for nm in enc.dictionary.to_pylist()]
    ac.check(all(isinstance(c, str) for c in canon_dict), "field name")
    codes = ac.ints(enc.indices.cast(pa.int64()))[i_order] if n_items else np.zeros(0, np.int64)
    # field names of every event: the items' canonical names, then the fixed ones
    field_names = [*canon_dict, "created", "status", "team", "assignee", "flag", "label", "comment"]
    fixed = {name: len(canon_dict) + i for i, name in enumerate(field_names[len(canon_dict) :])}
    code_of = {
        c: np.array([i for i, x in enumerate(canon_dict) if x == c], dtype=np.int64)
        for c in ("status", "team", "assignee", "flag", "labels")
    }

    def first_from(canon_name: str) -> tuple[np.ndarray, pa.Array]:
        """Per issue: whether a change of the field exists, and the first one's fromString."""
        rows = np.flatnonzero(np.isin(codes, code_of[canon_name]))
        has = np.zeros(n, dtype=bool)
        at = np.zeros(n, dtype=np.int64)
        if len(rows):
            issues, first = np.unique(i_issue[rows], return_index=True)
            has[issues] = True
            at[issues] = i_order[rows[first]]
        values = _nonempty(from_s.take(ac.int_array(at))) if n_items else pa.nulls(n, S)
        return has, values

    # labels arrive as space-separated sets: one event per label added or removed
    is_label = np.isin(codes, code_of["labels"])
    label_rows = np.flatnonzero(is_label)
    per_row = np.ones(n_items, dtype=np.int64)
    lab_value: list[str | None] = []
    lab_prev: list[str | None] = []
    if len(label_rows):
        idx = ac.int_array(i_order[label_rows])
        for j, (old_s, new_s) in enumerate(
            zip(from_s.take(idx).to_pylist(), to_s.take(idx).to_pylist(), strict=True)
        ):
            old = old_s.split() if old_s else []
            new = new_s.split() if new_s else []
            added = [lab for lab in new if lab not in old]
            removed = [lab for lab in old if lab not in new]
            lab_value += added + [None] * len(removed)
            lab_prev += [None] * len(added) + removed
            per_row[label_rows[j]] = len(added) + len(removed)
    plain = np.flatnonzero(~is_label)
    ev_pos = _offsets(per_row)[:-1].astype(np.int64)
    n_hist_ev = int(per_row.sum())
    lab_counts = per_row[label_rows]
    lab_pos = np.repeat(ev_pos[label_rows], lab_counts) + (
        np.arange(len(lab_value)) - np.repeat(_offsets(lab_counts)[:-1], lab_counts)
    )
    row_of_event = np.repeat(np.arange(n_items), per_row)
    ev_hist = i_hist[row_of_event]
    ev_issue = i_issue[row_of_event]
    n_hist_per_issue = np.bincount(ev_issue, minlength=n) if n_hist_ev else np.zeros(n, np.int64)
    hist_rank = _rank(ev_issue, n) if n_hist_ev else np.zeros(0, np.int64)
    # per history event: its field code and where its value and prev come from (the item's
    # own column for plain items, the expansion lists for labels; offsets set below)
    hist_code = np.full(n_hist_ev, fixed["label"], dtype=np.int64)
    hist_code[ev_pos[plain]] = codes[plain]
    hist_src = np.empty(n_hist_ev, dtype=np.int64)
    hist_src[ev_pos[plain]] = i_order[plain]
    hist_lab = np.full(n_hist_ev, -1, dtype=np.int64)
    hist_lab[lab_pos] = np.arange(len(lab_value))
    is_lab_ev = hist_lab >= 0
    hist_actor = pc.struct_field(pc.struct_field(histories, "author"), "displayName")
    hist_source = pc.binary_join_element_wise(
        ac.scalar(fname),
        pc.binary_join_element_wise(key.take(ac.int_array(h_parent)), h_id_text, ac.scalar("#")),
        ac.scalar(":"),
    )

    # ---- current values
    def current(role: str) -> pa.Array:
        fid = ids.get(role)
        if fid is None:
            return pa.nulls(n, S)
        return _display(pc.struct_field(fields, fid))

    # ---- initial events: created, status, team, assignee, flag, labels (slot order)
    init_value: list[pa.Array] = []
    init_issue: list[np.ndarray] = []
    init_slot: list[np.ndarray] = []
    init_code: list[np.ndarray] = []

    def initial(name: str, values: pa.Array, slot: int) -> None:
        keep = ~_bools(pc.is_null(values)) if name != "created" else np.ones(n, dtype=bool)
        rows = np.flatnonzero(keep)
        init_value.append(values.filter(_bool_array(keep)))
        init_issue.append(rows)
        init_slot.append(np.full(len(rows), slot, dtype=np.int64))
        init_code.append(np.full(len(rows), fixed[name], dtype=np.int64))

    initial("created", pa.nulls(n, S), 0)
    has, ff = first_from("status")
    initial("status", pc.if_else(_bool_array(has), ff, current_status), 1)
    if config.input.jira.team_field is not None:
        has, ff = first_from("team")
        initial("team", pc.if_else(_bool_array(has), ff, current("team")), 2)
    has, ff = first_from("assignee")
    initial(
        "assignee",
        pc.if_else(_bool_array(has), ff, _display_struct(pc.struct_field(fields, "assignee"))),
        3,
    )
    has, ff = first_from("flag")
    initial("flag", pc.if_else(_bool_array(has), ff, current("flag")), 4)
    # labels at creation: the first change's fromString split, else the current labels
    has, ff = first_from("labels")
    from_labels = [
        (i, s.split() if s is not None else [])
        for i, s in zip(
            np.flatnonzero(has).tolist(), ff.filter(_bool_array(has)).to_pylist(), strict=True
        )
    ]
    now_parent = ac.ints(pc.list_parent_indices(labels_now))
    keep_now = ~has[now_parent] if len(now_parent) else np.zeros(0, dtype=bool)
    lab_issue = np.concatenate(
        [
            now_parent[keep_now],
            np.array([i for i, labs in from_labels for _ in labs], dtype=np.int64),
        ]
    )
    init_value.append(
        pa.concat_arrays(
            [
                pc.list_flatten(labels_now).filter(_bool_array(keep_now)),
                ac.strings([lab for _, labs in from_labels for lab in labs]),
            ]
        )
    )
    init_issue.append(lab_issue)
    # stable: a label's rank among its issue's labels keeps their order
    lab_sort = np.argsort(lab_issue, kind="stable")
    lab_slot = np.empty(len(lab_issue), dtype=np.int64)
    lab_slot[lab_sort] = 5 + _rank(lab_issue[lab_sort], n) if len(lab_issue) else 0
    init_slot.append(lab_slot)
    init_code.append(np.full(len(lab_issue), fixed["label"], dtype=np.int64))
    in_issue = np.concatenate(init_issue)
    in_slot = np.concatenate(init_slot)
    in_code = np.concatenate(init_code)
    in_values = pa.concat_arrays(init_value)
    k = np.bincount(in_issue, minlength=n)
    # seq among the initial events: their rank by slot within the issue
    by_slot = ac.lexsort(in_slot, in_issue)
    in_seq = np.empty(len(in_issue), dtype=np.int64)
    in_seq[by_slot] = _rank(in_issue[by_slot], n)

    # ---- comments (``c_order``: sorted -> original comment)
    c_parent, c_order, c_inst, c_actor, c_body, c_source, n_comments = comments_f.result()
    c_issue = c_parent[c_order]
    c_rank = _rank(c_issue, n)

    # ---- the events table, built in canonical order (item, ts, seq) with one take per column
    n_init, n_com, n_lab = len(in_issue), len(c_order), len(lab_value)
    ev_issue_all = np.concatenate([in_issue, ev_issue, c_issue]).astype(np.int64)
    seq = np.concatenate(
        [in_seq, k[ev_issue] + hist_rank, k[c_issue] + n_hist_per_issue[c_issue] + c_rank]
    )
    ts = np.concatenate([created_i[in_issue], h_inst[ev_hist], c_inst[c_order]]).astype(np.int64)
    key_rank = np.empty(n, dtype=np.int64)
    key_rank[ac.ints(pc.sort_indices(key))] = np.arange(n, dtype=np.int64)
    perm = ac.lexsort(seq, ts, key_rank[ev_issue_all])
    null_at = -1  # the last slot of a pool is a null
    # Arrow's take runs without the GIL: the string columns are gathered two at a time.
    gather = ThreadPoolExecutor(max_workers=2)

    def pooled(pieces: list[pa.Array], index: np.ndarray) -> Future[pa.Array]:
        pool = pa.concat_arrays([*pieces, pa.nulls(1, S)])
        index = np.where(index == null_at, len(pool) - 1, index)
        return gather.submit(pool.take, ac.int_array(index[perm]))

    zeros_i, zeros_c = np.full(n_init, null_at), np.full(n_com, null_at)
    b_items = n_init
    b_lab = b_items + n_items
    b_body = b_lab + n_lab
    src_safe = np.where(is_lab_ev, 0, hist_src)
    with gather:
        item_col = gather.submit(key.take, ac.int_array(ev_issue_all[perm]))
        value = pooled(
            [in_values, to_s, ac.strings(lab_value), c_body],
            np.concatenate(
                [
                    np.arange(n_init),
                    np.where(
                        is_lab_ev,
                        b_lab + hist_lab,
                        np.where(to_none[src_safe], null_at, b_items + src_safe),
                    ),
                    b_body + c_order,
                ]
            ),
        )
        prev = pooled(
            [from_s, ac.strings(lab_prev)],
            np.concatenate(
                [
                    zeros_i,
                    np.where(
                        is_lab_ev,
                        n_items + hist_lab,
                        np.where(from_none[src_safe], null_at, src_safe),
                    ),
                    zeros_c,
                ]
            ),
        )
        actor = pooled(
            [hist_actor, c_actor], np.concatenate([zeros_i, ev_hist, len(histories) + c_order])
        )
        issue_src = pc.binary_join_element_wise(ac.scalar(fname), key, ac.scalar(":"))
        source = pooled(
            [issue_src, hist_source, c_source],
            np.concatenate([in_issue, n + ev_hist, n + len(histories) + c_order]),
        )
        codes_all = np.concatenate([in_code, hist_code, np.full(n_com, fixed["comment"])])
        field_col = ac.strings(field_names).take(ac.int_array(codes_all[perm]))
        events = pa.Table.from_arrays(
            [
                item_col.result(),
                ac.int_array(ts[perm]).view(TS),
                ac.int_array(seq[perm]),
                field_col,
                value.result(),
                prev.result(),
                actor.result(),
                source.result(),
            ],
            schema=EVENTS_SCHEMA,
        )

    # ---- warnings, the record count
    items_t, categories = items_f.result()
    warnings: list[Finding] = []
    total = pc.struct_field(changelog, "total")
    got = pc.fill_null(pc.list_value_length(hist_list), _ZERO32)
    truncated = _bools(pc.fill_null(pc.greater(total, got.cast(pa.int64())), _FALSE))
    truncated &= ~_bools(pc.is_null(changelog))
    for i in np.flatnonzero(truncated).tolist():
        k_ = key[i].as_py()
        warnings.append(
            Finding(
                "truncated_history",
                f"{k_}: changelog truncated ({got[i].as_py()} of {total[i].as_py()} histories"
                " in the export); run `flowgap pull` to fetch the full history",
                item=k_,
                source=f"{fname}:{k_}",
            )
        )
    no_changelog = changelog.null_count
    if no_changelog:
        warnings.append(
            Finding(
                "no_changelog",
                f"{fname}: {no_changelog} issue(s) have no changelog (export"
                " made without expand=changelog): only their current state is known; use"
                " `flowgap pull` for full histories",
                source=fname,
            )
        )
    records = n + len(histories) + n_comments
    summary = InputSummary(
        path=str(path),
        format=FORMAT,
        records_read=records,
        records_loaded=records,
        records_rejected=0,
        record_unit="issue, history entry or comment",
    )
    return LoadResult(
        events=events,
        items=items_t,
        rejects=[],
        warnings=warnings,
        inputs=[summary],
        status_categories=categories,
        has_history=True,
    )


def _comment_rows(
    key: pa.Array, fields: pa.Array, fname: str
) -> tuple[np.ndarray, np.ndarray, np.ndarray, pa.Array, pa.Array, pa.Array, int]:
    """Comments: parent issue, ``c_order`` (sorted -> original comment), instants, actor,
    text and source of each, and how many."""
    n = len(key)
    comments_list = pc.struct_field(pc.struct_field(fields, "comment"), "comments")
    comments = pc.list_flatten(comments_list)
    ac.check(comments.null_count == 0, "a comment is null")
    c_parent = ac.ints(pc.list_parent_indices(comments_list))
    c_inst = (
        _instants(pc.struct_field(comments, "created")) if len(comments) else np.zeros(0, np.int64)
    )
    c_id_int, c_id_text = _int_ids(pc.struct_field(comments, "id"), allow_null=False)
    c_order = _order(c_parent, c_inst, c_id_int, n)
    author = pc.struct_field(comments, "author")
    c_actor = pc.coalesce(
        _nonempty(pc.struct_field(author, "displayName")),
        _nonempty(pc.struct_field(author, "name")),
    )
    c_body = _comment_texts(pc.struct_field(comments, "body"))
    c_source = pc.binary_join_element_wise(
        ac.scalar(fname),
        pc.binary_join_element_wise(
            key.take(ac.int_array(c_parent)), c_id_text, ac.scalar("#comment-")
        ),
        ac.scalar(":"),
    )
    return c_parent, c_order, c_inst, c_actor, c_body, c_source, len(comments)


def _items_table(
    key: pa.Array,
    fields: pa.Array,
    ids: dict[str, str | None],
    created_i: np.ndarray,
    status: pa.Array,
    current_status: pa.Array,
    labels_now: pa.Array,
) -> tuple[pa.Table, dict[str, str]]:
    """The items table, and each status name's category: the first issue's in file order
    that has both."""
    n = len(key)
    project = pc.struct_field(fields, "project")
    resolved = pc.struct_field(fields, "resolutiondate")
    res_present = ~_bools(pc.is_null(resolved))
    res_i = np.zeros(n, dtype=np.int64)
    if res_present.any():
        res_i[res_present] = _instants(resolved.filter(_bool_array(res_present)))
    res_arr = pa.Array.from_buffers(
        TS, n, [pa.py_buffer(np.packbits(res_present, bitorder="little")), pa.py_buffer(res_i)]
    )
    points = pa.nulls(n, pa.float64())
    for i in range(len(STORY_POINT_FIELDS)):
        fid = ids.get(f"points{i}")
        if fid is not None:
            points = pc.coalesce(points, pc.struct_field(fields, fid))
    components, _ = _display_list(pc.struct_field(fields, "components"), DISP)
    labels_items = pc.fill_null(
        labels_now,
        pa.ListArray.from_arrays(
            pa.Array.from_buffers(pa.int32(), 2, [None, pa.py_buffer(np.zeros(2, np.int32))]),
            pa.nulls(0, S),
        )[0],
    )
    items_t = pa.Table.from_arrays(
        [
            key,
            pc.coalesce(
                _nonempty(pc.struct_field(project, "key")),
                _display_struct(project),
                pc.replace_substring_regex(key, pattern="-[^-]*$", replacement=""),
            ),
            _display_struct(pc.struct_field(fields, "issuetype")),
            _display_struct(pc.struct_field(fields, "priority")),
            pc.struct_field(fields, "summary"),
            ac.int_array(created_i).view(TS),
            res_arr,
            current_status,
            labels_items,
            components,
            points,
        ],
        schema=ITEMS_SCHEMA,
    )

    # ---- status categories
    cat_key = pc.struct_field(pc.struct_field(status, "statusCategory"), "key")
    both = _bool_array(~_bools(pc.is_null(current_status)) & ~_bools(pc.is_null(cat_key)))
    named = pc.dictionary_encode(current_status.filter(both))
    _, first_at = np.unique(ac.ints(named.indices.cast(pa.int64())), return_index=True)
    first_at_a = ac.int_array(first_at)
    categories = dict(
        zip(
            current_status.filter(both).take(first_at_a).to_pylist(),
            cat_key.filter(both).take(first_at_a).to_pylist(),
            strict=True,
        )
    )
    return items_t, categories
