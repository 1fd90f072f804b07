"""The one CSV reader of the loaders (transition CSV, event-log CSV, Jira's UI export): a file
becomes Arrow string columns, one value per record, and the line each record starts on.

The reading rule:

- **Bytes**: gunzipped when gzip, then decoded by ``common.decode_text``'s rule (UTF-8 with or
  without a BOM, UTF-16 with a BOM, anything else Windows-1252 or latin-1 with a warning) into
  UTF-8 bytes, without a BOM left at the start.
  ASCII and valid UTF-8 (nearly every export) are used as they are, never decoded into one
  Python string: at 10M events that string alone would be as large as the file.
- **Dialect**: comma, semicolon, tab or pipe, whichever splits the header line into the most
  fields (ties go to the comma; the header is the cleanest line of an export, while free text
  in the rows is full of semicolons). ``"`` quotes; a quote inside a quoted value is doubled; a
  quote anywhere but at the start of a value is an ordinary character; no escape character.
- **Records**: a record ends at a line break (CR, LF or CR LF) outside quotes. Nothing else
  splits lines (not ``\\x0b``, ``\\x0c``, ``\\x1c``-``\\x1e``, ``\\x85``, U+2028 or U+2029, which
  ``str.splitlines`` would split at). A blank line is no record, but its line counts. A file
  that ends inside a quoted value is refused, naming the line of the record the quote opens
  in: every record after it would have vanished into that value.
- **Values**: stripped as ``str.strip()`` strips (every character ``str.isspace()`` accepts);
  a record with fewer fields than the header has "" in the missing ones; fields beyond the
  header's are ignored.

Arrow's CSV reader (``pyarrow.csv``) splits records and fields and reports, through its
invalid-row handler, the records whose field count differs from the header's. Python's csv
module, which read these files before, holds every row as a list (the row-by-row transition
loader took 15 s and 870 MB at 1M events); DuckDB's CSV reader numbers only the lines it
rejects, not the records it loads. Written here, because Arrow does not do it:

- **line numbers**: Arrow counts records, not lines. When no line is blank and no record spans
  lines (every export seen so far), record ``k`` starts on line ``header lines + k + 1``,
  checked by counting line breaks with ``bytes.count``. Otherwise the breaks outside quotes are
  found with numpy (``outside_quotes``, the quoting rule above; a property test checks it
  against Arrow and Python's ``csv`` module), and their count must equal Arrow's.
- **short and long records**: the invalid-row handler hands them over with their record number
  (known when Arrow reads on one thread: measured no slower here, 0.1-0.2 s for 36 MB either
  way); Arrow reads them again, grouped by field count, and they are put back in place.
- **stripping**: ``pc.utf8_trim`` with ``str.isspace()``'s characters, skipped (no copy) when
  no value starts or ends with a space or a non-ASCII character.

Memory: the file's bytes are held once while Arrow reads the asked columns from them in place.
pyarrow imports pandas (about a second) on the first ``pa.array``/``pa.scalar``/``to_numpy``
call; nothing here calls them (arrays are built and read through their buffers).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pcsv

from ..errors import InputError, a_few, close_names, excerpt, quoted
from . import arrow_columns as ac
from .common import blank, decode_text, no_records, read_bytes

S = ac.S
DELIMITERS = (",", ";", "\t", "|")
_QUOTE, _LF, _CR = 34, 10, 13
_UTF8_BOM = b"\xef\xbb\xbf"
_UTF16_BOMS = (b"\xff\xfe", b"\xfe\xff")
#: What ``str.strip()`` removes: every character ``str.isspace()`` accepts (a test checks).
PY_SPACE = (
    "\t\n\x0b\x0c\r\x1c\x1d\x1e\x1f \x85\xa0\u1680"
    + "".join(chr(c) for c in range(0x2000, 0x200B))
    + "\u2028\u2029\u202f\u205f\u3000"
)
#: First or last bytes of a value that may need stripping: ASCII spaces and any non-ASCII.
_EDGE = np.zeros(256, dtype=bool)
_EDGE[[9, 10, 11, 12, 13, 28, 29, 30, 31, 32]] = True
_EDGE[0x80:] = True
#: Most columns of a header: Arrow's reader keeps a builder per column, and a 2.6 MB header of
#: 300,000 columns aborted the process (std::bad_alloc past 4 GB); 20,000 took 320 MB.
MAX_COLUMNS = 10_000
#: Arrow's block: a record must fit in one (a longer one is read again in one block).
_BLOCK = 1 << 24
#: Bytes scanned at once when looking for line breaks with numpy (bounds the temporary masks).
_SCAN = 1 << 26


@dataclass
class CsvRecords:
    """The asked columns of a CSV's records (stripped strings) and each record's line."""

    columns: dict[int, pa.Array]
    lines: np.ndarray  # int64

    def __len__(self) -> int:
        return len(self.lines)

    def values(self, index: int | None) -> pa.Array:
        """A column; one the file does not have reads as "" in every record."""
        if index is None or index not in self.columns:
            return blank_strings(len(self))
        return self.columns[index]


@dataclass
class CsvFile:
    """A decoded CSV with its dialect and header, ready to read columns from."""

    path: Path
    header: list[str]
    delimiter: str
    warning: str | None
    data: bytes = field(repr=False)
    body: int  # the first byte after the header record
    header_lines: int  # lines the header record spans

    def read(self, columns: Iterable[int]) -> CsvRecords:
        """The records' values in ``columns`` (positions in the header)."""
        wanted = sorted(set(columns))
        table, refused = _arrow_records(self, wanted)
        n = table.num_rows + len(refused)
        # one column at a time, each let go once copied: never two copies of all of them
        # (not ``drop_columns`` one by one: a new table each time, quadratic in the columns)
        chunked = dict(zip(wanted, table.columns, strict=True))
        del table
        values = {}
        for i in wanted:
            values[i] = chunked.pop(i).combine_chunks()
        if refused:
            values = _put_back(self, values, refused, wanted, n)
        records = CsvRecords({i: _strip(a) for i, a in values.items()}, self._lines(n))
        return records

    def read_all(self) -> CsvRecords:
        return self.read(range(len(self.header)))

    def _lines(self, n: int) -> np.ndarray:
        """The line each of the ``n`` records Arrow read starts on."""
        data, body = self.data, self.body
        first = self.header_lines + 1
        breaks = data.count(b"\n", body)
        if data.find(b"\r", body) >= 0:
            breaks += data.count(b"\r", body) - data.count(b"\r\n", body)
        tail = len(data) > body and data[-1:] not in (b"\n", b"\r")
        # as many records as lines: no line is blank and no record spans lines
        if breaks + tail == n:
            return np.arange(first, first + n, dtype=np.int64)
        u8 = np.frombuffer(data, dtype=np.uint8)[body:]
        lines = record_lines(u8, ord(self.delimiter), first)
        if len(lines) != n:  # the rule above and Arrow's reading disagree: a bug, not the file
            raise AssertionError(f"{self.path}: {len(lines)} records by line, {n} by Arrow")
        return lines


def open_csv(path: Path, delimiter: str | None = None, whole: bool = True) -> CsvFile:
    """Decode a CSV and read its header. A file without a header line is an InputError, and
    so is a ``whole`` file (not a head cut from one) that ends inside a quoted value."""
    data, warning = utf8_bytes(read_bytes(path), path)
    if blank((data,)):
        raise no_records(path, whitespace=bool(data))
    nul = data.find(b"\x00")
    if nul >= 0:  # a text export has none; downstream, C and XML writers cut at it
        line = data.count(b"\n", 0, nul) + 1
        raise InputError(path, "a NUL byte: binary data, not a text file", record=f"line {line}")
    u8 = np.frombuffer(data, dtype=np.uint8)
    if delimiter is None:
        delimiter = sniff_delimiter(first_line(data))
    end, stop, header_lines = _header_end(u8, ord(delimiter))
    header = header_cells(data[:stop], delimiter, path)
    if not any(header):
        raise InputError(path, "empty header line")
    if whole:
        _check_quotes_close(u8[end:], ord(delimiter), header_lines + 1, path)
    return CsvFile(path, header, delimiter, warning, data, end, header_lines)


def _check_quotes_close(u8: np.ndarray, delimiter: int, first_line: int, path: Path) -> None:
    """A quote that opens a value and never closes makes the rest of the file one value: every
    record after it would vanish into it. Name the line where that record starts."""
    if not len(u8) or outside_quotes(u8, np.array([len(u8)], dtype=np.int64), delimiter)[0]:
        return
    line = int(record_lines(u8, delimiter, first_line)[-1])
    raise InputError(
        path,
        "a quote opens a value that never closes: the rest of the file would be one value",
        record=f"line {line}",
    )


def column_index(header: Sequence[str], name: str, path: Path, key: str) -> int:
    """Position of a configured column; a missing one is an InputError naming it and the key,
    and so is one the header names twice (which of them holds the values is anyone's guess)."""
    index = optional_index(header, name, path)
    if index is None:
        # the columns most like the missing one first (a typo's intent), then the header's order
        close = close_names(name, header)
        columns = a_few(excerpt(c) for c in [*close, *(c for c in header if c not in close)])
        raise InputError(
            path, f"missing column {quoted(name)} (config key {key}); columns: {columns}"
        )
    return index


def optional_index(header: Sequence[str], name: str | None, path: Path) -> int | None:
    """Position of an optional column, None when not configured or not in the file; a column
    the header names twice is an InputError."""
    if name is None or name not in header:
        return None
    at = [i + 1 for i, h in enumerate(header) if h == name]
    if len(at) > 1:
        raise InputError(
            path,
            f"the header names column {quoted(name)} {len(at)} times (columns"
            f" {', '.join(map(str, at))}): rename all but the one that holds the values",
        )
    return at[0] - 1


def utf8_bytes(data: bytes, path: Path) -> tuple[bytes, str | None]:
    """The bytes as UTF-8 without a BOM, and the decoding warning: ``decode_text``'s answer,
    without decoding the usual ASCII or UTF-8 file into a Python string."""
    head = data[:4096]
    if b"\x00" not in head and not data.startswith(_UTF16_BOMS):
        if data.isascii():
            return data, None
        start = len(_UTF8_BOM) if data.startswith(_UTF8_BOM) else 0
        if _valid_utf8(data, start):
            return data[start:] if start else data, None
    text, warning = decode_text(data, path)
    # a UTF-16 file may start its text with a BOM of its own: no part of the first name
    return text.removeprefix("\ufeff").encode("utf-8"), warning


def _valid_utf8(data: bytes, start: int) -> bool:
    whole = pa.Array.from_buffers(
        pa.large_binary(),
        1,
        [
            None,
            pa.py_buffer(np.array([0, len(data) - start], dtype=np.int64)),
            pa.py_buffer(data).slice(start),
        ],
    )
    try:
        whole.cast(pa.large_string())  # checks the UTF-8, copies nothing
    except pa.ArrowInvalid:
        return False
    return True


def first_line(data: bytes) -> bytes:
    """The bytes up to the first line break (CR or LF)."""
    end = data.find(b"\n")
    line = data if end < 0 else data[:end]
    cr = line.find(b"\r")
    return line if cr < 0 else line[:cr]


def field_count(line: bytes, delimiter: str) -> int:
    """Fields of one line: delimiters outside quotes, plus one."""
    u8 = np.frombuffer(line, dtype=np.uint8)
    code = ord(delimiter)
    at = np.flatnonzero(u8 == code)
    return 1 + int(np.count_nonzero(outside_quotes(u8, at, code)))


def sniff_delimiter(line: bytes) -> str:
    """The delimiter that splits the header line into the most fields; ties (and a line with
    none of them) go to the comma."""
    best, best_n = ",", 1
    for candidate in DELIMITERS:
        n = field_count(line, candidate)
        if n > best_n:
            best, best_n = candidate, n
    return best


def header_cells(record: bytes, delimiter: str, path: Path) -> list[str]:
    """The stripped cells of one record (the header), as Arrow reads them."""
    if not record:
        return []
    n = field_count(record, delimiter)
    if n > MAX_COLUMNS:
        raise InputError(path, f"the header has more than {MAX_COLUMNS:,} columns", record="line 1")
    names = [f"f{i}" for i in range(n)]
    try:
        table = pcsv.read_csv(
            pa.BufferReader(pa.py_buffer(record)),
            read_options=pcsv.ReadOptions(column_names=names, use_threads=False),
            parse_options=_parse_options(delimiter, quoted=True),
            convert_options=_convert_options(names),
        )
    except pa.ArrowInvalid as exc:
        raise InputError(path, f"not a readable CSV header: {exc}", record="line 1") from None
    if table.num_rows != 1:
        raise AssertionError(f"{path}: the header is {table.num_rows} records by Arrow")
    return [str(table.column(name)[0].as_py()).strip() for name in names]


def _header_end(u8: np.ndarray, delimiter: int) -> tuple[int, int, int]:
    """Where the header record ends: the first byte after its line break, the first byte of
    that break, and the lines it spans. Scans a growing prefix (the header is short)."""
    size = 1 << 16
    while True:
        # one byte more: a CR at the end of the prefix may be the first half of a CR LF
        prefix = u8[: size + 1]
        breaks, starts = line_breaks(prefix)
        inside = len(breaks) if size >= len(u8) else int(np.searchsorted(breaks, size))
        breaks, starts = breaks[:inside], starts[:inside]
        ending = np.flatnonzero(outside_quotes(prefix, breaks, delimiter))
        if len(ending):
            k = int(ending[0])
            return int(breaks[k]) + 1, int(starts[k]), k + 1
        if size >= len(u8):
            return len(u8), len(u8), len(breaks) + 1
        size *= 4


# --------------------------------------------------------------------------- Arrow


def _parse_options(delimiter: str, quoted: bool, handler=None) -> pcsv.ParseOptions:
    return pcsv.ParseOptions(
        delimiter=delimiter,
        quote_char='"',
        double_quote=True,
        escape_char=False,
        newlines_in_values=quoted,  # without a quote no value can span lines (and it is faster)
        ignore_empty_lines=True,
        invalid_row_handler=handler,
    )


def _convert_options(names: list[str]) -> pcsv.ConvertOptions:
    return pcsv.ConvertOptions(
        column_types={name: S for name in names},
        include_columns=names,
        strings_can_be_null=False,
        quoted_strings_can_be_null=False,
        check_utf8=False,  # the bytes are UTF-8 (checked or transcoded)
    )


def _arrow_records(csv: CsvFile, wanted: list[int]) -> tuple[pa.Table, list[tuple[int, int, str]]]:
    """Arrow's reading of the body: the records with the header's field count, and the others
    as (record number from 1, field count, text)."""
    names = [f"f{i}" for i in range(len(csv.header))]
    refused: list[tuple[int, int, str]] = []

    wide: list[tuple[int, int]] = []

    def refuse(row: pcsv.InvalidRow) -> str:
        # A record of millions of fields is no record: reading it again (``_put_back``) made
        # Arrow fail ("exceeds the maximum number of values") with a traceback.
        if row.actual_columns > MAX_COLUMNS:
            wide.append((row.number, row.actual_columns))
        else:
            refused.append((row.number, row.actual_columns, row.text))
        return "skip"

    data, body = csv.data, csv.body
    if body >= len(data):  # Arrow calls an empty buffer an error; it is no record
        return pa.table({names[i]: blank_strings(0) for i in wanted}), []
    quoted = data.find(b'"', body) >= 0
    block = _BLOCK
    while True:
        try:
            table = pcsv.read_csv(
                pa.BufferReader(pa.py_buffer(data).slice(body)),
                read_options=pcsv.ReadOptions(
                    column_names=names, use_threads=False, block_size=block
                ),
                parse_options=_parse_options(csv.delimiter, quoted, refuse),
                convert_options=_convert_options([names[i] for i in wanted]),
            )
            if wide:
                number, fields = wide[0]
                raise InputError(
                    csv.path,
                    f"a record of {fields:,} fields, more than {MAX_COLUMNS:,} (the header"
                    f" has {len(csv.header):,})",
                    record=f"record {number:,} after the header",
                )
            return table, refused
        except pa.ArrowInvalid as exc:
            if "straddl" in str(exc) and block < len(data):
                block = len(data) + 1  # a record longer than a block: read in one
                refused.clear()
                wide.clear()
                continue
            raise InputError(csv.path, f"not a readable CSV: {exc}") from None


def _put_back(
    csv: CsvFile,
    values: dict[int, pa.Array],
    refused: list[tuple[int, int, str]],
    wanted: list[int],
    n: int,
) -> dict[int, pa.Array]:
    """Insert the records Arrow refused (short or long) at their places: each group of one
    field count read again by Arrow, missing fields "", extra ones dropped."""
    refused.sort()
    numbers = np.array([r[0] for r in refused], dtype=np.int64)
    widths = np.array([r[1] for r in refused], dtype=np.int64)
    parts: dict[int, list[pa.Array]] = {i: [] for i in wanted}
    order: list[np.ndarray] = []
    for width in np.unique(widths).tolist():
        members = np.flatnonzero(widths == width)
        names = [f"f{i}" for i in range(width)]
        text = "\n".join(refused[j][2] for j in members.tolist()).encode("utf-8")

        def fail(row: pcsv.InvalidRow) -> str:
            raise AssertionError(f"{csv.path}: record {row.number} read differently twice")

        table = pcsv.read_csv(
            pa.BufferReader(pa.py_buffer(text)),
            read_options=pcsv.ReadOptions(
                column_names=names, use_threads=False, block_size=len(text) + 1
            ),
            parse_options=_parse_options(csv.delimiter, True, fail),
            convert_options=_convert_options([names[i] for i in wanted if i < width]),
        )
        if table.num_rows != len(members):
            raise AssertionError(f"{csv.path}: refused records read differently twice")
        for i in wanted:
            if i < width:
                parts[i].append(table.column(names[i]).combine_chunks())
            else:
                parts[i].append(blank_strings(len(members)))
        order.append(members)
    # the groups' rows back in record order, after the records Arrow read
    in_groups = np.concatenate(order)
    back = np.empty(len(refused), dtype=np.int64)
    back[in_groups] = np.arange(len(refused))
    is_refused = np.zeros(n, dtype=bool)
    is_refused[numbers - 1] = True
    kept = n - len(refused)
    place = np.empty(n, dtype=np.int64)
    place[~is_refused] = np.arange(kept)
    place[is_refused] = kept + back
    take = index_array(place)
    return {i: pa.concat_arrays([values[i], *parts[i]]).take(take) for i in wanted}


def _strip(arr: pa.Array) -> pa.Array:
    """``str.strip()`` of every value; no copy when no value starts or ends with a space or a
    non-ASCII character."""
    if len(arr) == 0:
        return arr
    offsets, data = string_layout(arr)
    lengths = np.diff(offsets)
    top = len(data) - 1
    first = data[np.minimum(offsets[:-1], top)]
    last = data[np.clip(offsets[1:] - 1, 0, top)]
    if not np.any((lengths > 0) & (_EDGE[first] | _EDGE[last])):
        return arr
    return pc.utf8_trim(arr, characters=PY_SPACE)


# --------------------------------------------------------------------------- line breaks


def line_breaks(u8: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Every line break: the position of its last byte (the LF of a CR LF) and of its first."""
    lf = _positions(u8, _LF)
    cr = _positions(u8, _CR)
    if len(cr):
        after = cr + 1
        lone = (after >= len(u8)) | (u8[np.minimum(after, len(u8) - 1)] != _LF)
        ends = np.union1d(lf, cr[lone])
    else:
        ends = lf
    crlf = (ends > 0) & (u8[ends] == _LF) & (u8[np.maximum(ends - 1, 0)] == _CR)
    return ends, ends - crlf


def record_lines(u8: np.ndarray, delimiter: int, first_line: int) -> np.ndarray:
    """The line each non-blank record of ``u8`` starts on, its first line being ``first_line``."""
    ends, starts = line_breaks(u8)
    outside = outside_quotes(u8, ends, delimiter)
    rec_start = np.concatenate([[0], ends[outside] + 1])
    rec_stop = np.concatenate([starts[outside], [len(u8)]])
    rec_start = rec_start[rec_stop > rec_start]
    return first_line + np.searchsorted(ends, rec_start, side="left").astype(np.int64)


def outside_quotes(u8: np.ndarray, at: np.ndarray, delimiter: int) -> np.ndarray:
    """Whether each position in ``at`` (no quote there) is outside a quoted value.

    A run of consecutive quotes right after a delimiter, a line break or the start opens a
    quoted value when outside one and closes it when inside: each of its quotes toggles the
    state. A run after any other character toggles only when inside: its first quote closes
    the value and the rest toggle on (a doubled quote is one literal quote); outside, its
    quotes are ordinary characters. So a run of the second kind with an odd length always
    leaves the state outside, one with an even length leaves it unchanged, and the state at a
    position is the parity of the first kind's quotes since the last such reset.
    """
    q = _positions(u8, _QUOTE)
    if len(q) == 0 or len(at) == 0:
        return np.ones(len(at), dtype=bool)
    head = np.ones(len(q), dtype=bool)
    head[1:] = q[1:] != q[:-1] + 1
    runs = q[head]
    lengths = np.diff(np.append(np.flatnonzero(head), len(q)))
    before = u8[np.maximum(runs - 1, 0)]
    opens = (runs == 0) | (before == delimiter) | (before == _LF) | (before == _CR)
    odd = (lengths & 1).astype(np.int64)
    toggles = np.where(opens, odd, 0)
    reset = ~opens & (odd == 1)
    total = np.cumsum(toggles)
    last = np.maximum.accumulate(np.where(reset, np.arange(len(runs)), -1))
    inside_after = (total - np.where(last >= 0, total[np.maximum(last, 0)], 0)) & 1
    k = np.searchsorted(runs, at, side="right") - 1
    return np.where(k >= 0, inside_after[np.maximum(k, 0)], 0) == 0


def _positions(u8: np.ndarray, byte: int) -> np.ndarray:
    """Positions of ``byte`` (int64), scanned in slices so the temporary mask stays small."""
    parts = [np.flatnonzero(u8[at : at + _SCAN] == byte) + at for at in range(0, len(u8), _SCAN)]
    return np.concatenate(parts) if parts else np.zeros(0, dtype=np.int64)


# --------------------------------------------------------------------------- Arrow buffers


def string_layout(arr: pa.Array) -> tuple[np.ndarray, np.ndarray]:
    """A string array's value offsets (n + 1) and its bytes (never empty)."""
    bufs = arr.buffers()
    offsets = np.frombuffer(bufs[1], dtype=np.int32)[arr.offset : arr.offset + len(arr) + 1]
    data = np.frombuffer(bufs[2], dtype=np.uint8) if bufs[2] is not None else None
    if data is None or len(data) == 0:
        data = np.zeros(1, dtype=np.uint8)
    return offsets, data


def string_lengths(arr: pa.Array) -> np.ndarray:
    """The byte length of each value of a string array."""
    return np.diff(string_layout(arr)[0])


def blank_strings(n: int) -> pa.Array:
    """``n`` empty strings."""
    offsets = pa.py_buffer(np.zeros(n + 1, dtype=np.int32))
    return pa.Array.from_buffers(S, n, [None, offsets, pa.py_buffer(b"")])


def index_array(values: np.ndarray) -> pa.Array:
    """Take indices as uint32: half the memory of int64, and Arrow's take of strings runs
    several times slower with int32 indices (measured with pyarrow 26)."""
    values = np.ascontiguousarray(values, dtype=np.uint32)
    return pa.Array.from_buffers(pa.uint32(), len(values), [None, pa.py_buffer(values)])
