"""The fast path of the transition CSV loader: Arrow's CSV reader and the rules on whole columns.

The Python loader (``transition_csv``) decodes the whole file to one string, keeps every row as
a list and parses each timestamp with ``datetime``: seconds and close to a gigabyte at a
million events. Here Arrow's multi-threaded C++ reader splits the bytes into string columns
(only the columns the loader reads), and every rule of the Python loader (rejects, duplicates,
the per-item order, the created / status / team events, the items, the warnings) is applied
to whole columns with Arrow kernels and numpy.

It answers only when it can answer exactly as the Python loader would; ``try_load`` returns
None otherwise and the Python loader decides. The screens:

- the bytes are UTF-8 (a leading BOM is dropped): the Python loader reads anything else as
  latin-1 or UTF-16; no NUL byte anywhere;
- every line ends with ``\\n`` or ``\\r\\n`` and no character splits lines for Python's
  ``str.splitlines`` that does not for Arrow (``\\r`` alone, ``\\v``, ``\\f``, ``\\x1c``-``\\x1e``,
  ``\\x85``, U+2028, U+2029);
- the header is one line; every other line is one record with exactly the header's number of
  fields (Arrow refuses other counts), so Arrow's row ``k`` is line ``k + 2``: Arrow's row count
  must equal the number of lines, which also rules out blank lines (Python skips them but
  counts them) and quoted values spanning lines;
- the header names every configured column.

Timestamps in the usual shapes are parsed on whole columns: ISO 8601 (``2024-03-01T09:00``,
seconds, 1-6 fraction digits, ``Z`` or a ``+01:00``/``+0100`` offset) and an explicit
``timestamp_format`` made of ``%Y %m %d %H %M %S %y``, literal characters and a trailing
``%z``. A value of any other shape, out of range, or naive in a zone outside 1900-2037 (Arrow's
time-zone rules end in 2037) or in a daylight-saving gap, is parsed by the Python loader's own
``parse_timestamp``, one value at a time; so are day-first and month-first numeric dates.

Memory: the file's bytes are held once (gunzipped when gzip) while Arrow reads the columns
from them in place; neither decoded text nor per-row Python objects exist. Statuses, teams
and authors become codes of one small dictionary, and the text columns are freed before the
events are built.

pyarrow imports pandas (about a second) on the first ``pa.array``/``pa.scalar``/``to_numpy``
call; nothing here calls them: arrays are built from buffers and read back through buffers.
"""

from __future__ import annotations

import csv
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pcsv

from ..config import Config
from ..errors import InputError
from ..model import EVENTS_SCHEMA, ITEMS_SCHEMA, TS, Finding, InputSummary, LoadResult, Reject
from . import arrow_columns as ac
from .common import read_bytes, zone
from .csv_rows import optional_index, parse_timestamp, sniff_delimiter
from .transition_csv import FORMAT, project_of

S = ac.S
_BOM = b"\xef\xbb\xbf"
#: Characters ``str.strip()`` removes (``str.isspace``), for Arrow's trim.
_PY_SPACE = (
    "\t\n\x0b\x0c\r\x1c\x1d\x1e\x1f \x85\xa0\u1680"
    + "".join(chr(c) for c in range(0x2000, 0x200B))
    + "\u2028\u2029\u202f\u205f\u3000"
)
#: First or last bytes of a value that may need ``strip()``: ASCII spaces and any non-ASCII.
_EDGE = np.zeros(256, dtype=bool)
_EDGE[[9, 10, 11, 12, 13, 28, 29, 30, 31, 32]] = True
_EDGE[0x80:] = True
#: Bytes that split lines for ``str.splitlines`` but not for a CSV reader.
_ODD_LINE_BREAKS = (b"\x0b", b"\x0c", b"\x1c", b"\x1d", b"\x1e", b"\xc2\x85", b"\xe2\x80\xa8",
                    b"\xe2\x80\xa9")  # fmt: skip
_PLAIN = bytes(range(0x20, 0x7F)) + b"\t\n"
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_US = timedelta(microseconds=1)
_DAY_US = 86_400_000_000
_NO_TIME = np.iinfo(np.int64).max
#: Years parsed on whole columns: far from datetime's limits (Python raises OverflowError
#: converting year 1 or 9999 with an offset; those values go through Python and fail alike).
_YEARS = (1000, 8999)
#: Naive values in a zone: Arrow's zone rules agree with zoneinfo up to 2037 (checked).
_ZONE_YEARS = (1900, 2037)
_BLOCK = 1 << 16
_FIXED = {"Y": 4, "y": 2, "m": 2, "d": 2, "H": 2, "M": 2, "S": 2}
_CREATED, _INITIAL, _STATUS, _TEAM = 0, 1, 2, 3


def try_load(path: Path, config: Config) -> LoadResult | None:
    """The Python loader's result for a plain transition CSV, or None when it must decide."""
    if not path.is_file():
        return None
    try:
        return _load(path, config)
    except (ac.NotPlain, InputError, pa.ArrowException, OSError, ValueError, csv.Error):
        return None


# --------------------------------------------------------------------------- arrow helpers


def _index(values: np.ndarray) -> pa.Array:
    """Take indices as uint32: half the memory of int64, and Arrow's take of strings runs
    several times slower with int32 indices (measured with pyarrow 26)."""
    values = np.ascontiguousarray(values, dtype=np.uint32)
    return pa.Array.from_buffers(pa.uint32(), len(values), [None, pa.py_buffer(values)])


def _layout(arr: pa.Array) -> tuple[np.ndarray, np.ndarray]:
    """A string array's value offsets (n + 1, int64) and its bytes (never empty)."""
    bufs = arr.buffers()
    offsets = np.frombuffer(bufs[1], dtype=np.int32)[arr.offset : arr.offset + len(arr) + 1]
    data = np.frombuffer(bufs[2], dtype=np.uint8) if bufs[2] is not None else None
    if data is None or len(data) == 0:
        data = np.zeros(1, dtype=np.uint8)
    return offsets, data


def _lengths(arr: pa.Array) -> np.ndarray:
    offsets, _ = _layout(arr)
    return np.diff(offsets)


def _strip(arr: pa.Array) -> pa.Array:
    """``str.strip()`` of every value; a no-op (no copy) when no value starts or ends in a
    space or a non-ASCII character."""
    if len(arr) == 0:
        return arr
    offsets, data = _layout(arr)
    lengths = np.diff(offsets)
    top = len(data) - 1
    first = data[np.minimum(offsets[:-1], top)]
    last = data[np.clip(offsets[1:] - 1, 0, top)]
    if not np.any((lengths > 0) & (_EDGE[first] | _EDGE[last])):
        return arr
    return pc.utf8_trim(arr, characters=_PY_SPACE)


# --------------------------------------------------------------------------- reading


def _screen(data: bytes, start: int) -> None:
    """Raise ac.NotPlain for bytes the Python loader would read otherwise than Arrow."""
    ac.check(not data.startswith((b"\xff\xfe", b"\xfe\xff")), "UTF-16")
    # one pass keeps what is neither printable ASCII, a tab nor a newline: usually little
    odd = data.translate(None, _PLAIN)
    if not odd:
        return
    for mark in (b"\x00", *_ODD_LINE_BREAKS[:5]):
        ac.check(mark not in odd, "NUL or a character Python splits lines at")
    if b"\r" in odd:
        ac.check(odd.count(b"\r") == data.count(b"\r\n"), "a carriage return without a newline")
    if odd.isascii():
        return
    # valid UTF-8 keeps each multi-byte character whole in ``odd``
    for mark in _ODD_LINE_BREAKS[5:]:
        ac.check(mark not in odd, "a character Python splits lines at")
    # Python falls back to latin-1 for the whole file when any byte is not UTF-8
    whole = pa.Array.from_buffers(
        pa.large_binary(),
        1,
        [
            None,
            pa.py_buffer(np.array([0, len(data) - start], dtype=np.int64)),
            pa.py_buffer(data).slice(start),
        ],
    )
    whole.cast(pa.large_string())  # ArrowInvalid when not UTF-8


def _header(data: bytes, start: int) -> tuple[list[str], str, int]:
    """The stripped header cells, the delimiter and where the first data line starts."""
    nl = data.find(b"\n", start)
    ac.check(nl >= 0, "no data line")
    line = data[start : nl + 1].decode("utf-8")
    delimiter = sniff_delimiter(line)
    reader = csv.reader(iter([line, "\n"]), delimiter=delimiter)
    raw = next(reader)
    ac.check(reader.line_num == 1, "the header spans lines")
    header = [h.strip() for h in raw]
    ac.check(any(header), "empty header")
    return header, delimiter, nl + 1


def _read_columns(
    data: bytes, body: int, end: int, n_fields: int, wanted: list[int], delimiter: str
) -> dict[int, pa.Array]:
    names = [f"c{i}" for i in range(n_fields)]
    table = pcsv.read_csv(
        pa.BufferReader(pa.py_buffer(data).slice(body, end - body)),
        read_options=pcsv.ReadOptions(column_names=names, block_size=1 << 24),
        parse_options=pcsv.ParseOptions(
            delimiter=delimiter,
            quote_char='"',
            double_quote=True,
            escape_char=False,
            newlines_in_values=data.find(b'"', body, end) >= 0,
            ignore_empty_lines=True,
        ),
        convert_options=pcsv.ConvertOptions(
            column_types={names[i]: S for i in wanted},
            include_columns=[names[i] for i in wanted],
            strings_can_be_null=False,
            quoted_strings_can_be_null=False,
            check_utf8=False,  # the whole file was checked
        ),
    )
    lines = data.count(b"\n", body, end) + 1
    ac.check(table.num_rows == lines, "a record spans lines, or a line is blank")
    # one column at a time, each dropped from the table once copied: never two copies of all
    columns: dict[int, pa.Array] = {}
    for i in wanted:
        columns[i] = table.column(names[i]).combine_chunks()
        table = table.drop_columns([names[i]])
    return columns


# --------------------------------------------------------------------------- timestamps


class _Bytes:
    """Byte access into each value of a string array at per-value positions.

    Timestamps of one export mostly share one length: their bytes are then one matrix and a
    position is a column of it."""

    def __init__(self, arr: pa.Array) -> None:
        offsets, self.data = _layout(arr)
        self.start = offsets[:-1]
        lengths = np.diff(offsets)
        self.n = len(lengths)
        self.top = len(self.data) - 1
        self.matrix: np.ndarray | None = None
        #: the values' lengths: one int when they share it
        self.len: np.ndarray | int = lengths
        if self.n and np.all(lengths == lengths[0]) and lengths[0] > 0:
            width = int(lengths[0])
            first = int(offsets[0])
            self.matrix = self.data[first : first + self.n * width].reshape(self.n, width)
            self.len = width

    def at(self, pos: np.ndarray | int) -> np.ndarray:
        """Byte at ``pos`` of each value (0 beyond its end)."""
        if self.matrix is not None and np.ndim(pos) == 0:
            column = int(pos)
            if 0 <= column < self.matrix.shape[1]:
                return self.matrix[:, column].astype(np.int64)
            return np.zeros(self.n, dtype=np.int64)
        index = np.minimum(self.start + pos, self.top)
        byte = self.data[np.maximum(index, 0)].astype(np.int64)
        return np.where((pos >= 0) & (pos < self.len), byte, 0)

    def digit(self, pos: np.ndarray | int) -> tuple[np.ndarray, np.ndarray]:
        d = self.at(pos) - 48
        return d, (d >= 0) & (d <= 9)

    def number(self, pos: np.ndarray | int, width: int) -> tuple[np.ndarray, np.ndarray]:
        value = np.zeros(self.n, dtype=np.int64)
        ok = np.ones(self.n, dtype=bool)
        for i in range(width):
            d, good = self.digit(pos + i)
            value = value * 10 + d
            ok &= good
        return value, ok


class _Parts:
    """Calendar fields of each value; ``ok`` where the value has a supported shape."""

    def __init__(self, n: int) -> None:
        z = np.zeros(n, dtype=np.int64)
        self.year, self.month, self.day = z.copy(), np.ones(n, np.int64), np.ones(n, np.int64)
        self.hour, self.minute, self.second, self.micro = z.copy(), z.copy(), z.copy(), z.copy()
        self.offset_s = z.copy()
        self.aware = np.zeros(n, dtype=bool)
        self.ok = np.ones(n, dtype=bool)

    def instants(self) -> tuple[np.ndarray, np.ndarray]:
        """(microseconds of the wall-clock value, ``ok`` including the calendar ranges)."""
        y, m, d = self.year, self.month, self.day
        leap = ((y % 4 == 0) & (y % 100 != 0)) | (y % 400 == 0)
        dim = np.array([0, 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31])[np.clip(m, 0, 12)]
        dim = dim + ((m == 2) & leap)
        ok = (
            self.ok
            & (y >= _YEARS[0])
            & (y <= _YEARS[1])
            & (m >= 1)
            & (m <= 12)
            & (d >= 1)
            & (d <= dim)
            & (self.hour <= 23)
            & (self.minute <= 59)
            & (self.second <= 59)
        )
        # days from civil (proleptic Gregorian), as datetime counts them
        yy = y - (m <= 2)
        era = np.floor_divide(yy, 400)
        yoe = yy - era * 400
        doy = (153 * np.where(m > 2, m - 3, m + 9) + 2) // 5 + d - 1
        doe = yoe * 365 + yoe // 4 - yoe // 100 + doy
        days = era * 146097 + doe - 719468
        tod = (self.hour * 60 + self.minute) * 60 + self.second
        return days * _DAY_US + tod * 1_000_000 + self.micro, ok


def _iso_parts(arr: pa.Array) -> _Parts:
    """``YYYY-MM-DD[( |T)HH:MM[:SS[.f{1,6}]][Z|z|+HH:MM|+HHMM]]`` as ``parse_iso`` reads it."""
    b = _Bytes(arr)
    n = b.n
    p = _Parts(n)
    length = np.asarray(b.len)
    plus_minus = np.isin(b.at(length - 6), (43, 45))
    tz6 = plus_minus & (b.at(length - 3) == 58)
    for k in (5, 4, 2, 1):
        tz6 &= b.digit(length - k)[1]
    tz5 = np.isin(b.at(length - 5), (43, 45))
    for k in (4, 3, 2, 1):
        tz5 &= b.digit(length - k)[1]
    last = b.at(length - 1)
    tz_z = (last == 90) | (last == 122)
    tzlen = np.where(tz6, 6, np.where(tz5, 5, np.where(tz_z, 1, 0)))
    if n and np.all(tzlen == tzlen[0]):
        tzlen = np.asarray(tzlen[0])  # one shape: positions stay columns of the matrix
    core = length - tzlen
    ok = np.isin(core, (10, 16, 19, 21, 22, 23, 24, 25, 26)) & ((tzlen == 0) | (core >= 16))
    p.year, good = b.number(0, 4)
    ok &= good & (b.at(4) == 45) & (b.at(7) == 45)
    p.month, good = b.number(5, 2)
    ok &= good
    p.day, good = b.number(8, 2)
    ok &= good
    timed = core >= 16
    hour, good_h = b.number(11, 2)
    minute, good_m = b.number(14, 2)
    ok &= ~timed | (np.isin(b.at(10), (32, 84)) & good_h & (b.at(13) == 58) & good_m)
    p.hour, p.minute = np.where(timed, hour, 0), np.where(timed, minute, 0)
    secs = core >= 19
    second, good = b.number(17, 2)
    ok &= ~secs | ((b.at(16) == 58) & good)
    p.second = np.where(secs, second, 0)
    frac = core >= 21
    ok &= ~frac | (b.at(19) == 46)
    micro = np.zeros(n, dtype=np.int64)
    for k in range(20, 26):
        d, good = b.digit(k)
        inside = k < core
        ok &= ~inside | good
        micro += np.where(inside, d, 0) * 10 ** (25 - k)
    p.micro = np.where(frac, micro, 0)
    # the offset: sign at ``core``, hours after it, minutes after an optional colon
    sign = np.where(b.at(core) == 45, -1, 1)
    tzh, good_th = b.number(core + 1, 2)
    tzm, good_tm = b.number(core + np.where(tz6, 4, 3), 2)
    numeric = tz5 | tz6
    ok &= ~numeric | (good_th & good_tm & (tzh <= 23) & (tzm <= 59))
    p.offset_s = np.where(numeric, sign * (tzh * 3600 + tzm * 60), 0)
    p.aware = tzlen > 0
    p.ok = ok
    return p


def _format_plan(fmt: str) -> tuple[list[tuple[str, int]], int, bool] | None:
    """Fixed-width pieces of a strptime format as (directive or ``=`` literal, position), the
    width they cover and whether a ``%z`` follows; None for any other directive."""
    plan: list[tuple[str, int]] = []
    seen: set[str] = set()
    pos = 0
    i = 0
    while i < len(fmt):
        c = fmt[i]
        if c != "%":
            if not c.isascii():
                return None
            plan.append(("=" + c, pos))
            pos += 1
            i += 1
            continue
        d = fmt[i + 1 : i + 2]
        if d == "%":
            plan.append(("=%", pos))
            pos += 1
        elif d == "z" and i + 2 == len(fmt):
            return plan, pos, True
        elif d in _FIXED and d not in seen and not (d in "yY" and seen & {"y", "Y"}):
            seen.add(d)
            plan.append((d, pos))
            pos += _FIXED[d]
        else:
            return None
        i += 2
    return plan, pos, False


def _format_parts(arr: pa.Array, plan: list[tuple[str, int]], width: int, zoned: bool) -> _Parts:
    """Values of a fixed-width format as ``datetime.strptime`` reads them (where each field has
    its full width and a valid value, the only reading its patterns give)."""
    b = _Bytes(arr)
    n = b.n
    p = _Parts(n)
    p.year[:] = 1900
    ok = np.ones(n, dtype=bool)
    for piece, pos in plan:
        if piece[0] == "=":
            ok &= b.at(pos) == ord(piece[1])
            continue
        value, good = b.number(pos, _FIXED[piece])
        ok &= good
        if piece == "Y":
            p.year = value
        elif piece == "y":
            p.year = np.where(value <= 68, 2000 + value, 1900 + value)
        elif piece == "m":
            p.month = value
        elif piece == "d":
            p.day = value
        elif piece == "H":
            p.hour = value
        elif piece == "M":
            p.minute = value
        else:
            p.second = value
    if not zoned:
        ok &= np.asarray(b.len) == width
    else:
        tzlen = np.asarray(b.len) - width
        tz_z = (tzlen == 1) & (b.at(width) == 90)
        numeric = np.isin(tzlen, (5, 6)) & np.isin(b.at(width), (43, 45))
        colon = tzlen == 6
        ok &= ~colon | (b.at(width + 3) == 58)
        tzh, good_h = b.number(width + 1, 2)
        tzm, good_m = b.number(width + np.where(colon, 4, 3), 2)
        numeric &= good_h & good_m & (tzh <= 23) & (tzm <= 59)
        ok &= tz_z | numeric
        sign = np.where(b.at(width) == 45, -1, 1)
        p.offset_s = np.where(numeric, sign * (tzh * 3600 + tzm * 60), 0)
        p.aware[:] = True
    p.ok = ok
    return p


def _localize(local: np.ndarray, ok: np.ndarray, years: np.ndarray, tz: ZoneInfo) -> np.ndarray:
    """UTC microseconds of naive wall-clock values in ``tz`` as ``to_utc`` gives them (fold 0:
    an ambiguous time is the earlier instant); clears ``ok`` in place where Arrow cannot say
    (outside its years, a daylight-saving gap)."""
    utc = local.copy()
    if tz.key == "UTC":
        return utc
    ok &= (years >= _ZONE_YEARS[0]) & (years <= _ZONE_YEARS[1])
    rows = np.flatnonzero(ok)
    if len(rows) == 0:
        return utc
    naive = pa.Array.from_buffers(
        pa.timestamp("us"), len(rows), [None, pa.py_buffer(np.ascontiguousarray(local[rows]))]
    )
    early = ac.ints(
        pc.assume_timezone(
            naive, timezone=tz.key, ambiguous="earliest", nonexistent="earliest"
        ).cast(pa.int64()),
        wide=True,
    )
    late = ac.ints(
        pc.assume_timezone(naive, timezone=tz.key, ambiguous="earliest", nonexistent="latest").cast(
            pa.int64()
        ),
        wide=True,
    )
    ok[rows[early != late]] = False  # in a gap: Python's reading differs; it decides
    utc[rows] = early
    # a few values against zoneinfo itself: both read the system's zone files
    probe = rows[np.linspace(0, len(rows) - 1, min(len(rows), 16)).astype(np.int64)]
    for r in probe[ok[probe]].tolist():
        wall = datetime(1970, 1, 1) + timedelta(microseconds=int(local[r]))
        ac.check(_micros(wall.replace(tzinfo=tz)) == utc[r], "time zone rules differ")
    return utc


def _micros(value: datetime) -> int:
    return (value - _EPOCH) // _US


def _timestamps(
    strings: pa.Array,
    rows: np.ndarray,
    fmt: str | None,
    tz: ZoneInfo | None,
    dayfirst: bool,
) -> tuple[np.ndarray, dict[int, str]]:
    """UTC microseconds of the (stripped, non-empty) values at ``rows``, and the reason for
    each row whose value ``parse_timestamp`` refuses."""
    out = np.zeros(len(strings), dtype=np.int64)
    if len(rows) == 0:
        return out, {}
    sub = strings.take(_index(rows)) if len(rows) != len(strings) else strings
    # exports repeat their timestamps (one per minute or hour): each text is read once
    enc = pc.dictionary_encode(sub)
    values, refused = _parse_distinct(enc.dictionary, fmt, tz, dayfirst)
    index = ac.ints(enc.indices)
    out[rows] = values[index]
    errors: dict[int, str] = {}
    if refused:
        bad = np.zeros(len(values), dtype=bool)
        bad[list(refused)] = True
        for j in np.flatnonzero(bad[index]).tolist():
            errors[int(rows[j])] = refused[int(index[j])]
    return out, errors


def _parse_distinct(
    texts: pa.Array, fmt: str | None, tz: ZoneInfo | None, dayfirst: bool
) -> tuple[np.ndarray, dict[int, str]]:
    """UTC microseconds of each text, and ``parse_timestamp``'s reason for those it refuses."""
    n = len(texts)
    utc = np.zeros(n, dtype=np.int64)
    ok = np.zeros(n, dtype=bool)
    plan = _format_plan(fmt) if fmt else None
    if not fmt or plan is not None:
        local = np.zeros(n, dtype=np.int64)
        naive = np.zeros(n, dtype=bool)
        years = np.zeros(n, dtype=np.int64)
        # in blocks that stay in the cache: a dozen passes over each
        for at in range(0, n, _BLOCK):
            block = texts.slice(at, _BLOCK)
            parts = _format_parts(block, *plan) if plan is not None else _iso_parts(block)
            wall, good = parts.instants()
            here = slice(at, at + len(block))
            local[here] = wall
            ok[here] = good
            naive[here] = good & ~parts.aware
            utc[here] = wall - parts.offset_s * 1_000_000
            years[here] = parts.year
        if naive.any():
            zoned_ok = naive.copy()
            zoned = _localize(local, zoned_ok, years, tz or ZoneInfo("UTC"))
            utc = np.where(naive, zoned, utc)
            ok &= ~naive | zoned_ok
    refused: dict[int, str] = {}
    odd = np.flatnonzero(~ok)
    for j, text in zip(odd.tolist(), texts.take(_index(odd)).to_pylist(), strict=True):
        try:
            utc[j] = _micros(parse_timestamp(text, fmt, tz, dayfirst))
        except (ValueError, OverflowError) as exc:
            refused[j] = str(exc)
        except Exception as exc:  # the Python loader meets it too: it decides
            raise ac.NotPlain(f"timestamp {text!r}: {exc}") from exc
    return utc, refused


# --------------------------------------------------------------------------- the load


def _load(path: Path, config: Config) -> LoadResult:
    cfg = config.input.transitions
    tz = zone(cfg.timezone, path, "input.transitions.timezone")
    data = read_bytes(path)
    start = len(_BOM) if data.startswith(_BOM) else 0
    _screen(data, start)
    header, delimiter, body = _header(data, start)
    for name in (cfg.item, cfg.from_status, cfg.to_status, cfg.timestamp):
        ac.check(name in header, "a configured column is missing")
    i_item, i_from, i_to, i_ts = (
        header.index(name) for name in (cfg.item, cfg.from_status, cfg.to_status, cfg.timestamp)
    )
    i_author = optional_index(header, cfg.author)
    i_team = optional_index(header, cfg.team)
    i_created = optional_index(header, cfg.created)
    end = len(data)
    while end > body and data[end - 1] in b"\r\n":
        end -= 1
    ac.check(end > body, "no rows")  # the Python loader says so
    wanted = sorted({i for i in (i_item, i_from, i_to, i_ts, i_author, i_team, i_created)
                     if i is not None})  # fmt: skip
    raw = _read_columns(data, body, end, len(header), wanted, delimiter)
    del data
    col = {i: _strip(a) for i, a in raw.items()}
    del raw
    n = len(col[i_item])
    item, frm, to, ts_text = col[i_item], col[i_from], col[i_to], col[i_ts]

    author, team = _column_or_blank(col, i_author, n), _column_or_blank(col, i_team, n)

    # ---- rejects, in the Python loader's order of checks
    no_item = _lengths(item) == 0
    no_to = ~no_item & (_lengths(to) == 0)
    alive = ~no_item & ~no_to
    ts, ts_errors = _timestamps(
        ts_text, np.flatnonzero(alive), cfg.timestamp_format, tz, cfg.dayfirst
    )
    alive[_rows(ts_errors)] = False
    created = np.full(n, _NO_TIME, dtype=np.int64)
    created_errors: dict[int, str] = {}
    if i_created is not None:
        has = alive & (_lengths(col[i_created]) > 0)
        values, created_errors = _timestamps(
            col[i_created], np.flatnonzero(has), cfg.timestamp_format, tz, cfg.dayfirst
        )
        alive[_rows(created_errors)] = False
        has[_rows(created_errors)] = False
        created = np.where(has, values, _NO_TIME)

    # ---- codes: items in order of first appearance; statuses, teams, authors in one pool
    surv = np.flatnonzero(alive)
    item_enc = pc.dictionary_encode(item.take(_index(surv)))
    item_code = ac.ints(item_enc.indices)
    keys = item_enc.dictionary
    k = len(keys)
    rank = np.empty(k, dtype=np.int64)
    rank[ac.ints(pc.sort_indices(keys), wide=True)] = np.arange(k, dtype=np.int64)
    # the four columns as chunks of one array: one dictionary for all, without a copy
    pool = pc.dictionary_encode(pa.chunked_array([frm, to, team, author]))
    ac.check(pool.num_chunks == 4, "chunks")
    names = pool.chunk(0).dictionary
    ac.check(all(part.dictionary.equals(names) for part in pool.chunks), "one dictionary")
    from_code, to_code, team_code, author_code = (ac.ints(part.indices) for part in pool.chunks)
    empty_name = np.flatnonzero(_lengths(names) == 0)
    empty_code = int(empty_name[0]) if len(empty_name) else -2

    # ---- per item by (ts, line)
    perm = _item_order(item_code, rank, ts[surv])
    r = surv[perm]
    c = item_code[perm]
    t = ts[r]

    # ---- duplicates (same item, ts, from, to): the first line wins
    rejects: list[tuple[int, str]] = []
    tie = (c[1:] == c[:-1]) & (t[1:] == t[:-1])
    if tie.any():
        run = np.cumsum(np.concatenate([[True], ~tie])) - 1
        tied = np.flatnonzero(np.concatenate([[False], tie]) | np.concatenate([tie, [False]]))
        o = tied[ac.lexsort(r[tied], to_code[r[tied]], from_code[r[tied]], run[tied])]
        key = (run[o], from_code[r[o]], to_code[r[o]])
        same = np.ones(len(o) - 1, dtype=bool)
        for part in key:
            same &= part[1:] == part[:-1]
        new = np.concatenate([[True], ~same])
        head = o[np.maximum.accumulate(np.where(new, np.arange(len(o)), 0))]
        dup = o[~new]
        if len(dup):
            originals = (r[head[~new]] + 2).tolist()
            for row, original, it in zip(
                r[dup].tolist(), originals, item.take(_index(r[dup])).to_pylist(), strict=True
            ):
                rejects.append((row, f"{it}: duplicate event (same transition as line {original})"))
            keep = np.ones(len(r), dtype=bool)
            keep[dup] = False
            r, c, t = r[keep], c[keep], t[keep]

    # ---- rejects in line order, with the Python loader's words
    bad = np.flatnonzero(no_item)
    rejects += [(row, f"missing item key (column {cfg.item!r})") for row in bad.tolist()]
    bad = np.flatnonzero(no_to)
    rejects += [
        (row, f"{it}: missing target status (column {cfg.to_status!r})")
        for row, it in zip(bad.tolist(), item.take(_index(bad)).to_pylist(), strict=True)
    ]
    for errors, what in ((ts_errors, "bad timestamp"), (created_errors, "bad created timestamp")):
        rows = _rows(errors)
        rejects += [
            (row, f"{it}: {what}: {errors[row]}")
            for row, it in zip(rows.tolist(), item.take(_index(rows)).to_pylist(), strict=True)
        ]
    # the text columns are codes now: free them before the events are built
    del col, item, frm, to, ts_text, author, team, pool
    # Arrow's allocator keeps freed pages for itself; numpy (malloc) builds what follows
    pa.default_memory_pool().release_unused()

    events, items, warnings = _emit(
        path, r, c, t, keys, names, from_code, to_code, team_code, author_code, empty_code,
        created,
    )  # fmt: skip
    rejects.sort()
    fname = path.name
    loaded = len(r)
    ac.check(loaded + len(rejects) == n, "records do not reconcile")
    summary = InputSummary(
        path=str(path),
        format=FORMAT,
        records_read=n,
        records_loaded=loaded,
        records_rejected=len(rejects),
        record_unit="row",
    )
    return LoadResult(
        events=events,
        items=items,
        rejects=[Reject(f"{fname}:{row + 2}", reason) for row, reason in rejects],
        warnings=warnings,
        inputs=[summary],
        status_categories={},
        has_history=True,
    )


def _empty(schema: pa.Schema) -> pa.Table:
    """``schema.empty_table()`` without its pandas import."""
    return pa.Table.from_arrays([pa.nulls(0, f.type) for f in schema], schema=schema)


def _column_or_blank(col: dict[int, pa.Array], i: int | None, n: int) -> pa.Array:
    """A column; an absent one reads as "" in every row (as ``cell`` gives it)."""
    if i is None:
        offsets = pa.py_buffer(np.zeros(n + 1, dtype=np.int32))
        return pa.Array.from_buffers(S, n, [None, offsets, pa.py_buffer(b"")])
    return col[i]


def _item_order(code: np.ndarray, rank: np.ndarray, ts: np.ndarray) -> np.ndarray:
    """The rows (in line order) ordered by (their item's rank, ts, line)."""
    m = len(code)
    if m < 2:
        return np.arange(m)
    step = code[1:] != code[:-1]
    if np.all(step | (ts[1:] >= ts[:-1])) and np.all(code[1:] >= code[:-1]):
        # each item one run of rows in time order (how exports come): the runs are moved whole
        starts = np.flatnonzero(np.concatenate([[True], step]))
        sizes = np.diff(np.append(starts, m))
        order = np.argsort(rank[code[starts]], kind="stable")
        moved = np.concatenate([[0], np.cumsum(sizes[order])[:-1]]) - starts[order]
        return np.arange(m) - np.repeat(moved, sizes[order])
    rk = rank[code]
    if np.all((rk[:-1] < rk[1:]) | ((rk[:-1] == rk[1:]) & (ts[:-1] <= ts[1:]))):
        return np.arange(m)
    return ac.lexsort(ts, rk)  # stable: ties keep the line order


def _emit(
    path: Path,
    r: np.ndarray,
    c: np.ndarray,
    t: np.ndarray,
    keys: pa.Array,
    names: pa.Array,
    from_code: np.ndarray,
    to_code: np.ndarray,
    team_code: np.ndarray,
    author_code: np.ndarray,
    empty_code: int,
    created: np.ndarray,
) -> tuple[pa.Table, pa.Table, list[Finding]]:
    """Events, items and warnings from the loaded rows ``r`` ordered by (item, ts, line), with
    their item codes ``c`` (first-appearance order) and instants ``t``. Status, team and
    author values are codes into ``names``."""
    fname = path.name
    m = len(r)
    k = len(keys)
    if m == 0:
        return _empty(EVENTS_SCHEMA), _empty(ITEMS_SCHEMA), []
    first = np.empty(m, dtype=bool)
    first[0] = True
    first[1:] = c[1:] != c[:-1]
    g_start = np.flatnonzero(first)
    g_last = np.append(g_start[1:] - 1, m - 1)
    f_code, s_code, tm = from_code[r], to_code[r], team_code[r]
    from_empty = f_code == empty_code
    # creation: the earliest ``created`` cell, unless it is after the first transition
    c_min = np.minimum.reduceat(created[r], g_start)
    first_ts = t[g_start]
    has_created = c_min != _NO_TIME
    late = has_created & (c_min > first_ts)
    born = np.where(has_created & ~late, c_min, first_ts)
    prev_to = np.empty_like(s_code)
    prev_to[0] = -1
    prev_to[1:] = s_code[:-1]
    emit_status = ~(first & from_empty)
    inconsistent = ~first & ~from_empty & (f_code != prev_to)
    # a team cell starts an event when it differs from the item's last non-empty team cell
    with_team = np.flatnonzero(tm != empty_code)
    team_prev = np.full(m, -1, dtype=np.int64)
    emit_team = np.zeros(m, dtype=bool)
    if len(with_team):
        group = np.cumsum(first) - 1
        before = np.concatenate([[0], with_team[:-1]])
        linked = group[before] == group[with_team]
        linked[0] = False
        team_prev[with_team] = np.where(linked, tm[before], -1)
        emit_team[with_team] = ~linked | (tm[with_team] != tm[before])

    # ---- events: per row [created, initial status] (an item's first row), status, team;
    # each kind is written to its positions at once (int32: fewer bytes to move)
    per_row = 2 * first.astype(np.int32) + emit_status + emit_team
    base = np.cumsum(per_row, dtype=np.int64) - per_row
    e_total = int(base[-1] + per_row[-1])
    ac.check(e_total < 1 << 31, "too many events for 32-bit offsets")
    base = base.astype(np.int32)
    e_row = np.repeat(np.arange(m, dtype=np.int32), per_row)
    s_rows = np.flatnonzero(emit_status)
    t_rows = np.flatnonzero(emit_team)
    p_created = base[g_start]
    p_status = base[s_rows] + 2 * first[s_rows]
    p_team = base[t_rows] + 2 * first[t_rows] + emit_status[t_rows]
    null = len(names)
    kind = np.empty(e_total, dtype=np.uint8)
    value = np.empty(e_total, dtype=np.uint32)
    prev = np.empty(e_total, dtype=np.uint32)
    kind[p_created], kind[p_created + 1] = _CREATED, _INITIAL
    kind[p_status], kind[p_team] = _STATUS, _TEAM
    value[p_created] = null
    value[p_created + 1] = np.where(from_empty[g_start], s_code[g_start], f_code[g_start])
    value[p_status] = s_code[s_rows]
    value[p_team] = tm[t_rows]
    prev[p_created] = prev[p_created + 1] = null
    prev[p_status] = np.where(from_empty[s_rows], prev_to[s_rows], f_code[s_rows])
    prev[p_team] = np.where(team_prev[t_rows] >= 0, team_prev[t_rows], null)
    del s_rows, t_rows, p_status, p_team, base, per_row
    e_ts = t[e_row]
    e_ts[p_created] = e_ts[p_created + 1] = born
    # seq: the rank among the item's events at the same instant
    new_run = np.empty(e_total, dtype=bool)
    new_run[0] = True
    np.not_equal(e_ts[1:], e_ts[:-1], out=new_run[1:])
    new_run[p_created] = True
    at = np.arange(e_total, dtype=np.int32)
    run_start = np.where(new_run, at, 0)
    np.maximum.accumulate(run_start, out=run_start)
    seq = (at - run_start).astype(np.int64)
    del at, new_run, run_start
    author = author_code[r].astype(np.uint32)
    author[author == empty_code] = null
    pool = pa.concat_arrays([names, pa.nulls(1, S)])
    rows = _index(e_row)
    fields = ac.strings(["created", "status", "status", "team"])
    columns = [
        keys.take(_index(c[e_row])),
        ac.int_array(e_ts).view(TS),
        ac.int_array(seq),
        fields.take(pa.Array.from_buffers(pa.uint8(), e_total, [None, pa.py_buffer(kind)])),
    ]
    del kind, seq
    for codes in (value, prev, author[e_row]):
        columns.append(pool.take(pa.Array.from_buffers(pa.uint32(), e_total,
                                                        [None, pa.py_buffer(codes)])))  # fmt: skip
    del value, prev
    columns.append(_line_sources(f"{fname}:".encode(), len(created)).take(_index(r[e_row])))
    del e_row, rows
    events = pa.Table.from_arrays(columns, schema=EVENTS_SCHEMA)

    # ---- items, in order of first appearance
    g_code = c[g_start]
    by_code = np.empty(k, dtype=np.int64)
    by_code[g_code] = np.arange(len(g_start))
    project = pc.struct_field(
        pc.extract_regex(keys, pattern=r"^(?P<p>[A-Za-z][A-Za-z0-9_]*)-[0-9]+$"), "p"
    )
    if not pc.all(pc.string_is_ascii(keys)).as_py():
        # Python's \d also takes other scripts' digits
        project = _strings_or_null([project_of(key) for key in keys.to_pylist()])
    nulls = {f.name: pa.nulls(k, f.type) for f in ITEMS_SCHEMA}
    items = pa.Table.from_arrays(
        [
            keys,
            project,
            nulls["type"],
            nulls["priority"],
            nulls["summary"],
            ac.int_array(born[by_code]).view(TS),
            nulls["resolved"],
            pool.take(_index(s_code[g_last][by_code])),
            nulls["labels"],
            nulls["components"],
            nulls["story_points"],
        ],
        schema=ITEMS_SCHEMA,
    )

    # ---- warnings: per item (first appearance), its creation first, then its rows in order
    found: list[tuple[int, int, Finding]] = []
    late_groups = np.flatnonzero(late)
    if len(late_groups):
        key_list = keys.take(_index(g_code[late_groups])).to_pylist()
        for g, key in zip(late_groups.tolist(), key_list, strict=True):
            when = (_EPOCH + timedelta(microseconds=int(c_min[g]))).isoformat()
            found.append(
                (
                    int(g_code[g]),
                    -1,
                    Finding(
                        "created_after_transition",
                        f"{key}: created {when} is after its first transition;"
                        " the first transition's time is used",
                        key,
                        f"{fname}:{int(r[g_start[g]]) + 2}",
                    ),
                )
            )
    odd = np.flatnonzero(inconsistent)
    if len(odd):
        texts = zip(
            odd.tolist(),
            keys.take(_index(c[odd])).to_pylist(),
            names.take(_index(f_code[odd])).to_pylist(),
            names.take(_index(prev_to[odd])).to_pylist(),
            strict=True,
        )
        for i, key, moved, was in texts:
            found.append(
                (
                    int(c[i]),
                    i,
                    Finding(
                        "inconsistent_transition",
                        f"{key}: moves from {moved!r} but was in {was!r}",
                        key,
                        f"{fname}:{int(r[i]) + 2}",
                    ),
                )
            )
    found.sort(key=lambda x: (x[0], x[1]))
    return events, items, [f for _, _, f in found]


def _line_sources(prefix: bytes, n: int) -> pa.Array:
    """``prefix`` + the line number of each of ``n`` data rows (line 2 on), built in numpy:
    lines of one digit count are one block of equal-width strings, a matrix to fill."""
    width = len(prefix)
    offsets = np.zeros(n + 1, dtype=np.int64)
    blocks: list[tuple[int, int, int]] = []  # (first row, rows, digits)
    row, digits, total = 0, 1, 0
    while row < n:
        rows = min(n, 10**digits - 2) - row
        if rows > 0:
            blocks.append((row, rows, digits))
            offsets[row + 1 : row + rows + 1] = total + (width + digits) * np.arange(
                1, rows + 1, dtype=np.int64
            )
            total += (width + digits) * rows
            row += rows
        digits += 1
    ac.check(total < 1 << 31, "too much text for 32-bit offsets")
    data = np.empty(total, dtype=np.uint8)
    head = np.frombuffer(prefix, dtype=np.uint8)
    for row, rows, digits in blocks:
        start = int(offsets[row])
        block = data[start : start + rows * (width + digits)].reshape(rows, width + digits)
        block[:, :width] = head
        line = np.arange(row + 2, row + 2 + rows, dtype=np.int64)
        for j in range(digits):
            block[:, width + digits - 1 - j] = line % 10 + 48
            line //= 10
    return pa.Array.from_buffers(
        S, n, [None, pa.py_buffer(offsets.astype(np.int32)), pa.py_buffer(data)]
    )


def _rows(errors: dict[int, str]) -> np.ndarray:
    return np.array(sorted(errors), dtype=np.int64)


def _strings_or_null(values: list[str | None]) -> pa.Array:
    present = ac.strings([v or "" for v in values])
    valid = np.array([v is not None for v in values], dtype=bool)
    if valid.all():
        return present
    return pc.if_else(
        pa.Array.from_buffers(
            pa.bool_(), len(values), [None, pa.py_buffer(np.packbits(valid, bitorder="little"))]
        ),
        present,
        pa.nulls(len(values), S),
    )
