"""Timestamps of the CSV loaders: one rule, ``parse_timestamp``, also applied to whole columns.

The rule (``parse_timestamp``): with a configured ``timestamp_format``, only that strptime
format; without one, ISO 8601 (``common.parse_iso``), else a numeric date such as
``03/04/2023 10:15``, read day first when ``dayfirst`` (month first otherwise). Naive values are
in the configured zone (UTC without one). A value it refuses gives the reason a rejected record
carries; a date that only parses the other way round (13/04) says which setting to change.

On a column (``parse_column``), Arrow reads what it reads exactly as the rule does and the rule
reads the rest, one distinct text at a time (every refused value gets the rule's reason):

- ISO 8601 without a format: Arrow's cast of the whole column to a timestamp, aware or naive as
  most of its first texts are. Arrow accepts fewer ISO shapes than Python and reads each as
  Python does (a test goes through them); instants outside years 1000-8999 are left to the
  rule (Python refuses year 0 and overflows converting year 1 or 9999 with an offset). A single
  text Arrow refuses fails the whole cast: then the texts of the usual shapes
  (``YYYY-MM-DD[( |T)HH:MM[:SS[.f{1,6}]][Z|+HH:MM|+HHMM]]``, every field in its range, one RE2
  pattern) are cast, each kind apart when aware and naive ones mix or a date is impossible.
- A format made of ``%Y %y %m %d %H %M %S %%`` and ASCII characters, optionally ending in
  ``%z``: the texts in which every field has its full width and a value in its range (an RE2
  pattern made from the format) are read by ``pc.strptime``, which rolls an impossible day
  over (Feb 30 to Mar 1): the day must come back unchanged.
- Naive values in a zone: ``pc.assume_timezone`` (an ambiguous time is the earlier instant,
  as zoneinfo's ``fold=0``) in years 1900-2037 (Arrow's zone rules stop at 2037); a time in a
  daylight-saving gap (Arrow's earliest and latest readings differ) is left to the rule, and a
  few values are checked against zoneinfo itself: should the two disagree, the rule reads
  every naive value.

Measured on 463k distinct timestamps (CPU, pyarrow 26): aware ISO 0.04 s, naive ISO in Berlin
time 0.2 s, ``%d.%m.%Y %H:%M:%S`` in Berlin time 0.3 s, where ``parse_timestamp`` takes 0.7 s,
1.6 s and 6 s.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from ..errors import quoted
from ..model import TS
from . import arrow_columns as ac
from .common import OUT_OF_RANGE, parse_iso, to_utc
from .csv_table import index_array

#: In the reason of a numeric date that only parses the other way round.
DAY_FIRST_HINT = "read month first; if the day comes first, set dayfirst = true"
MONTH_FIRST_HINT = "read day first; if the month comes first, set dayfirst = false"

_NUMERIC_DATE = re.compile(
    r"^\s*(\d{1,4})[/.\-](\d{1,2})[/.\-](\d{1,4})"
    r"(?:[ T](\d{1,2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,6}))?)?\s*([AaPp][Mm])?)?\s*$"
)
_ZONE = r"[+-](?:[01][0-9]|2[0-3]):?[0-5][0-9]"
_DATE = r"[1-8][0-9]{3}-(?:0[1-9]|1[0-2])-(?:0[1-9]|[12][0-9]|3[01])"
_TIME = r"[T ](?:[01][0-9]|2[0-3]):[0-5][0-9](?::[0-5][0-9](?:\.[0-9]{1,6})?)?"
_ISO_SHAPE = rf"^{_DATE}(?:{_TIME}(?:Z|{_ZONE})?)?$"
_ZONED = rf"(?:Z|{_ZONE})$"
_NAIVE = pa.timestamp("us")
#: Each directive read on whole columns: its full width and a value in its range.
_FIELDS = {
    "Y": "[1-8][0-9]{3}",
    "y": "[0-9]{2}",
    "m": "0[1-9]|1[0-2]",
    "d": "0[1-9]|[12][0-9]|3[01]",
    "H": "[01][0-9]|2[0-3]",
    "M": "[0-5][0-9]",
    "S": "[0-5][0-9]",
}
#: Naive values in a zone: Arrow's zone rules agree with zoneinfo up to 2037 (checked).
_ZONE_YEARS = (1900, 2037)
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_US = timedelta(microseconds=1)
_EARLIEST = (datetime(1000, 1, 2, tzinfo=UTC) - _EPOCH) // _US
_LATEST = (datetime(8999, 12, 31, tzinfo=UTC) - _EPOCH) // _US


def parse_timestamp(
    text: str, fmt: str | None, tz: ZoneInfo | None, dayfirst: bool = False
) -> datetime:
    """A timestamp in UTC. Raises ValueError with a short reason.

    With ``fmt`` only that strptime format is accepted. Without it: ISO 8601, else a numeric
    date such as ``03/04/2023 10:15`` read day first when ``dayfirst`` (month first otherwise).
    Naive values are in ``tz``.
    """
    s = text.strip()
    if not s:
        raise ValueError("empty timestamp")
    if fmt:
        try:
            return to_utc(datetime.strptime(s, fmt), tz)
        except ValueError:
            raise ValueError(f"timestamp {quoted(s)} does not match format {quoted(fmt)}") from None
    try:
        return parse_iso(s, tz)
    except ValueError as exc:
        if str(exc) == OUT_OF_RANGE:  # ISO 8601 indeed, beyond datetime's range in UTC
            raise
    m = _NUMERIC_DATE.match(s)
    if not m:
        raise ValueError(f"unrecognised timestamp {quoted(s)}")
    a, b, c, hh, mm, ss, frac, ampm = m.groups()
    if len(a) == 4:  # year first: Y/M/D
        year, month, day = int(a), int(b), int(c)
    else:
        if len(c) not in (2, 4):
            raise ValueError(f"unrecognised timestamp {quoted(s)}")
        year = int(c) + (2000 if len(c) == 2 else 0)
        day, month = (int(a), int(b)) if dayfirst else (int(b), int(a))
    hour = int(hh or 0)
    if ampm:
        if not 1 <= hour <= 12:
            raise ValueError(f"bad hour in {quoted(s)}")
        hour = hour % 12 + (12 if ampm.lower() == "pm" else 0)
    micro = int((frac or "0").ljust(6, "0")) if frac else 0
    try:
        value = datetime(year, month, day, hour, int(mm or 0), int(ss or 0), micro)
    except ValueError as exc:
        hint = ""
        if len(a) != 4 and month > 12 >= day:  # the other reading would be a date
            hint = f" ({MONTH_FIRST_HINT if dayfirst else DAY_FIRST_HINT})"
        raise ValueError(f"invalid date {quoted(s)}: {exc}{hint}") from None
    return to_utc(value, tz)


def iso_moments(texts: pa.Array) -> tuple[np.ndarray, np.ndarray]:
    """UTC microseconds of ISO 8601 texts, a text without a zone taken as UTC (Arrow's cast,
    as a CSV timestamp column without a format and zone reads), and which texts it read."""
    return _arrow_reading(texts, None, None)


def micros(value: datetime) -> int:
    """Microseconds since the epoch of an aware datetime."""
    return (value - _EPOCH) // _US


def isoformat(us: int) -> str:
    """ISO 8601 of an instant given in microseconds since the epoch, as ``datetime`` writes it."""
    return (_EPOCH + timedelta(microseconds=us)).isoformat()


def parse_column(
    values: pa.Array,
    fmt: str | None,
    tz: ZoneInfo | None,
    dayfirst: bool,
    rows: np.ndarray | None = None,
) -> tuple[np.ndarray, dict[int, str]]:
    """``parse_timestamp`` of each value (stripped strings) at ``rows`` (ascending positions;
    all without), as UTC microseconds (0 where refused or not asked), and the reason for each
    row it refuses."""
    out = np.zeros(len(values), dtype=np.int64)
    at = np.arange(len(values)) if rows is None else np.asarray(rows, dtype=np.int64)
    if len(at) == 0:
        return out, {}
    texts = values if len(at) == len(values) else values.take(index_array(at))
    out[at], refused = _parse(texts, fmt, tz, dayfirst)
    return out, {int(at[k]): reason for k, reason in refused.items()}


def _parse(
    texts: pa.Array, fmt: str | None, tz: ZoneInfo | None, dayfirst: bool
) -> tuple[np.ndarray, dict[int, str]]:
    """UTC microseconds of each text, and the reason for each one the rule refuses: Arrow
    reads what it reads as the rule does, the rule the rest (each distinct text once)."""
    utc, ok = _arrow_reading(texts, fmt, tz)
    rest = np.flatnonzero(~ok)
    refused: dict[int, str] = {}
    if len(rest) == 0:
        return utc, refused
    enc = pc.dictionary_encode(texts.take(index_array(rest)))
    index = ac.ints(enc.indices)
    parsed = np.zeros(len(enc.dictionary), dtype=np.int64)
    reasons: dict[int, str] = {}
    for j, text in enumerate(enc.dictionary.to_pylist()):
        try:
            parsed[j] = micros(parse_timestamp(text, fmt, tz, dayfirst))
        except (ValueError, OverflowError) as exc:
            reasons[j] = str(exc)
    utc[rest] = parsed[index]
    if reasons:
        for k, j in enumerate(index.tolist()):
            if j in reasons:
                refused[int(rest[k])] = reasons[j]
    return utc, refused


def _arrow_reading(
    texts: pa.Array, fmt: str | None, tz: ZoneInfo | None
) -> tuple[np.ndarray, np.ndarray]:
    """UTC microseconds of the texts Arrow reads as the rule does, and where it does."""
    plan = _format_plan(fmt) if fmt else None
    if not fmt:
        wall, offset_s, aware, ok = _iso(texts)
    elif plan is not None:
        wall, offset_s, aware, ok = _formatted(texts, fmt, *plan)
    else:
        return np.zeros(len(texts), dtype=np.int64), np.zeros(len(texts), dtype=bool)
    utc = wall - offset_s * 1_000_000
    naive = ok & ~aware
    if naive.any() and tz is not None and tz.key != "UTC":
        zoned, zoned_ok = _localize(wall, naive, tz)
        utc = np.where(naive, zoned, utc)
        ok &= ~naive | zoned_ok
    return utc, ok


def _iso(texts: pa.Array) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """(wall-clock or UTC microseconds, offset seconds (0), aware, ok) of ISO texts: Arrow's
    cast to a timestamp (UTC for the aware ones). Arrow reads every ISO text it accepts as
    the rule does (a test checks), but refuses the whole column for a single other text: the
    whole column is tried first, then the texts of the usual shapes, then each kind apart."""
    n = len(texts)
    # the kind most of the first texts have: a column of naive texts read as aware costs 40
    # times the reading of it as naive before it fails (measured with pyarrow 26)
    head = _flags(pc.match_substring_regex(texts.slice(0, 64), pattern=_ZONED))
    kind = TS if 2 * np.count_nonzero(head) >= len(head) else _NAIVE
    wall = _cast(texts, kind)
    if wall is not None:
        return wall, np.zeros(n, dtype=np.int64), np.full(n, kind == TS), _in_years(wall)
    wall = np.zeros(n, dtype=np.int64)
    aware = np.zeros(n, dtype=bool)
    ok = _flags(pc.match_substring_regex(texts, pattern=_ISO_SHAPE))
    rows = np.flatnonzero(ok)
    sub = texts.take(index_array(rows))
    values = _cast(sub, kind)
    if values is not None:
        wall[rows], aware[rows] = values, kind == TS
        return wall, np.zeros(n, dtype=np.int64), aware, ok
    # aware and naive texts mixed, or an impossible date (Feb 30): each kind on its own
    good = _real_dates(sub)
    zoned = _flags(pc.match_substring_regex(sub, pattern=_ZONED))
    for kind, part in ((TS, good & zoned), (_NAIVE, good & ~zoned)):
        values = _cast(sub.take(index_array(np.flatnonzero(part))), kind)
        if values is None:  # never seen: the rule reads them
            good &= ~part
        else:
            wall[rows[part]], aware[rows[part]] = values, kind == TS
    ok[rows] = good
    return wall, np.zeros(n, dtype=np.int64), aware, ok


def _cast(texts: pa.Array, kind: pa.DataType) -> np.ndarray | None:
    """Microseconds of every text by Arrow's ISO 8601 cast, None when it refuses one."""
    try:
        return _numbers(texts.cast(kind))
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        return None


def _in_years(us: np.ndarray) -> np.ndarray:
    """Instants safely inside years 1000-8999 (beyond them Python refuses year 0 and
    overflows converting year 1 or 9999 with an offset: the rule says so)."""
    return (us >= _EARLIEST) & (us < _LATEST)


def _formatted(
    texts: pa.Array, fmt: str, pattern: str, width: int, day_at: int | None
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """(wall-clock microseconds, offset seconds, aware, ok) of texts in a plain format: those
    its ``pattern`` matches, read by ``pc.strptime`` (the first ``width`` characters, the rest
    an offset, when the format ends in ``%z``)."""
    n = len(texts)
    zoned = fmt.endswith("%z")
    ok = _flags(pc.match_substring_regex(texts, pattern=pattern))
    rows = np.flatnonzero(ok)
    sub = texts.take(index_array(rows))
    core = pc.utf8_slice_codeunits(sub, 0, width) if zoned else sub
    core_fmt = fmt.removesuffix("%z") if zoned else fmt
    parsed = pc.strptime(core, format=core_fmt, unit="s", error_is_null=True)
    good = _flags(pc.is_valid(parsed))
    if day_at is not None:  # strptime rolls an impossible day over (Feb 30 is Mar 1)
        day = pc.cast(pc.utf8_slice_codeunits(sub, day_at, day_at + 2), pa.int64())
        good &= _numbers(pc.day(parsed)) == _numbers(day)
    ok[rows] = good
    wall = np.zeros(n, dtype=np.int64)
    wall[rows] = _numbers(parsed) * 1_000_000
    offset_s = np.zeros(n, dtype=np.int64)
    aware = np.zeros(n, dtype=bool)
    if zoned:
        offset_s[rows], aware[rows] = _offsets(pc.utf8_slice_codeunits(sub, width))
    return wall, offset_s, aware, ok


def _format_plan(fmt: str) -> tuple[str, int, int | None] | None:
    """For a format made of ``%Y %y %m %d %H %M %S %%`` (each once) and ASCII characters,
    optionally ending in ``%z``: an RE2 pattern matching its texts where every field has its
    full width and a value in its range (a day up to 31), the width of the part before
    ``%z`` and where the day starts. None for any other format: the rule reads it."""
    tokens = re.findall(r"%.|[^%]|%$", fmt, flags=re.DOTALL)
    zoned = tokens[-1:] == ["%z"]
    parts: list[str] = []
    seen: set[str] = set()
    width = 0
    day_at = None
    for token in tokens[:-1] if zoned else tokens:
        if token == "%%" or not token.startswith("%"):
            if not token[-1].isascii():
                return None
            parts.append(f"\\x{{{ord(token[-1]):x}}}")  # any character, escaped for RE2
            width += 1
            continue
        d = token[1:]
        if d not in _FIELDS or d in seen or (d in "yY" and seen & {"y", "Y"}):
            return None
        seen.add(d)
        if d == "d":
            day_at = width
        parts.append(f"(?:{_FIELDS[d]})")
        width += 4 if d == "Y" else 2
    zone = f"(?:Z|{_ZONE})" if zoned else ""
    return f"^{''.join(parts)}{zone}$", width, day_at


def _real_dates(texts: pa.Array) -> np.ndarray:
    """Whether each text starts with a real ``YYYY-MM-DD`` (the texts match a pattern that
    bounds each part, the day up to 31): strptime rolls an impossible day over."""
    date = pc.utf8_slice_codeunits(texts, 0, 10)
    parsed = pc.strptime(date, format="%Y-%m-%d", unit="s", error_is_null=True)
    day = pc.cast(pc.utf8_slice_codeunits(date, 8, 10), pa.int64())
    return _flags(pc.is_valid(parsed)) & (_numbers(pc.day(parsed)) == _numbers(day))


def _offsets(zone: pa.Array) -> tuple[np.ndarray, np.ndarray]:
    """Offset seconds and awareness of each zone text (``""`` naive, ``Z``, ``+01:00``,
    ``+0100``): read once per distinct text (there are few)."""
    enc = pc.dictionary_encode(pc.fill_null(zone, ac.scalar("")))
    seconds, aware = [], []
    for text in enc.dictionary.to_pylist():
        if text in ("", "Z", "z"):
            seconds.append(0)
        else:
            sign = -1 if text[0] == "-" else 1
            seconds.append(sign * (int(text[1:3]) * 3600 + int(text[-2:]) * 60))
        aware.append(text != "")
    index = ac.ints(enc.indices)
    if len(index) == 0:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=bool)
    return np.array(seconds, dtype=np.int64)[index], np.array(aware, dtype=bool)[index]


def _localize(wall: np.ndarray, naive: np.ndarray, tz: ZoneInfo) -> tuple[np.ndarray, np.ndarray]:
    """UTC microseconds of naive wall-clock values in ``tz`` as ``to_utc`` gives them, and
    where Arrow can say so (inside its years, outside a daylight-saving gap)."""
    rows = np.flatnonzero(naive)
    utc = wall.copy()
    ok = naive.copy()
    if len(rows) == 0:
        return utc, ok
    local = pa.Array.from_buffers(
        pa.timestamp("us"), len(rows), [None, pa.py_buffer(np.ascontiguousarray(wall[rows]))]
    )
    year = _numbers(pc.year(local))
    in_range = (year >= _ZONE_YEARS[0]) & (year <= _ZONE_YEARS[1])
    early, late = (
        ac.ints(
            pc.assume_timezone(
                local, timezone=tz.key, ambiguous="earliest", nonexistent=which
            ).cast(pa.int64()),
            wide=True,
        )
        for which in ("earliest", "latest")
    )
    ok[rows] = in_range & (early == late)  # in a gap Python's reading differs: it decides
    utc[rows] = early
    # a few values against zoneinfo itself: both read the system's zone files
    probe = rows[np.linspace(0, len(rows) - 1, min(len(rows), 16)).astype(np.int64)]
    for r in probe[ok[probe]].tolist():
        value = datetime(1970, 1, 1) + timedelta(microseconds=int(wall[r]))
        if micros(value.replace(tzinfo=tz)) != utc[r]:
            ok[:] = False  # the zone rules differ: Python reads every naive value
            break
    return utc, ok


# --------------------------------------------------------------------------- Arrow buffers


def _numbers(arr: pa.Array | pa.ChunkedArray) -> np.ndarray:
    """An integer (or timestamp) array as int64 numpy, 0 where null."""
    if isinstance(arr, pa.ChunkedArray):
        arr = arr.combine_chunks()
    if arr.type != pa.int64():
        arr = arr.cast(pa.int64())
    n = len(arr)
    if n == 0:
        return np.zeros(0, dtype=np.int64)
    values = np.frombuffer(arr.buffers()[1], dtype=np.int64)[arr.offset : arr.offset + n]
    if arr.null_count:
        bits = np.frombuffer(arr.buffers()[0], dtype=np.uint8)
        valid = np.unpackbits(bits, bitorder="little")[arr.offset : arr.offset + n]
        values = np.where(valid.astype(bool), values, 0)
    return values


def _flags(arr: pa.Array | pa.ChunkedArray) -> np.ndarray:
    """A boolean array as numpy, False where null."""
    return _numbers(arr.cast(pa.int8())) != 0
