"""Timestamps of the CSV loaders: one rule, ``parse_timestamp``, also applied to whole columns.

The rule (``parse_timestamp``): with a configured ``timestamp_format``, only that strptime
format; without one, ISO 8601 (``common.parse_iso``), else a numeric date such as
``03/04/2023 10:15``, read day first when ``dayfirst`` (month first otherwise). Naive values are
in the configured zone (UTC without one). A value it refuses gives the reason a rejected record
carries; a date that only parses the other way round (13/04) says which setting to change.

On a column (``parse_column``) each distinct text is read once (exports repeat their
timestamps), and the usual shapes are read by Arrow on whole columns where Arrow's answer is
Python's:

- ISO 8601 ``YYYY-MM-DD[( |T)HH:MM[:SS[.f{1,6}]][Z|z|+HH:MM|+HHMM]]``, every field in its range
  and years 1000-8999 (Python overflows converting year 1 or 9999 with an offset), matched by
  one RE2 pattern and read by ``pc.strptime`` of ``YYYY-MM-DDTHH:MM:SS``;
- an explicit format made of ``%Y %m %d %H %M %S %y %%`` and literal characters, optionally
  ending in ``%z``: ``pc.strptime``.

``pc.strptime`` is lenient where Python is not (a one-digit day, Feb 30 rolled over to Mar 1,
second 60): a value is kept only where ``pc.strftime`` gives its text back. Naive values in a
zone go through ``pc.assume_timezone`` (an ambiguous time is the earlier instant, as zoneinfo's
``fold=0``) in years 1900-2037 (Arrow's zone rules stop at 2037); a time in a daylight-saving
gap (Arrow's earliest and latest readings differ) is left to Python, and a few values are
checked against zoneinfo itself: should the two disagree, Python reads every naive value.

Every other value (day-first dates, other ISO shapes, other formats) is read by
``parse_timestamp``, one distinct text at a time; so is every value Arrow refuses, for its
reason. Measured on the 1M-event sample log (463k rows, 463k distinct timestamps): Arrow reads
the column in about 0.3 s where ``parse_timestamp`` takes about 2 s.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

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
_TWO = r"[0-9]{2}"
_ZONE = r"[+-](?:[01][0-9]|2[0-3]):?[0-5][0-9]"
_ISO = (
    r"^(?P<date>[1-8][0-9]{3}-(?:0[1-9]|1[0-2])-(?:0[1-9]|[12][0-9]|3[01]))"
    r"(?:[T ](?P<hm>(?:[01][0-9]|2[0-3]):[0-5][0-9])"
    r"(?::(?P<sec>[0-5][0-9])(?:\.(?P<frac>[0-9]{1,6}))?)?"
    rf"(?P<zone>[Zz]|{_ZONE})?)?$"
)
_ISO_FORMAT = "%Y-%m-%dT%H:%M:%S"
_WITH_ZONE = rf"^(?P<core>.*?)(?P<zone>Z|{_ZONE})$"
_DIRECTIVES = set("YmdHMSy")
#: Years whose instants Python can convert with any offset (it overflows at 1 and 9999).
_YEARS = (1000, 8999)
#: Naive values in a zone: Arrow's zone rules agree with zoneinfo up to 2037 (checked).
_ZONE_YEARS = (1900, 2037)
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_US = timedelta(microseconds=1)


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
            raise ValueError(f"timestamp {s!r} does not match format {fmt!r}") from None
    try:
        return parse_iso(s, tz)
    except ValueError as exc:
        if str(exc) == OUT_OF_RANGE:  # ISO 8601 indeed, beyond datetime's range in UTC
            raise
    m = _NUMERIC_DATE.match(s)
    if not m:
        raise ValueError(f"unrecognised timestamp {s!r}")
    a, b, c, hh, mm, ss, frac, ampm = m.groups()
    if len(a) == 4:  # year first: Y/M/D
        year, month, day = int(a), int(b), int(c)
    else:
        if len(c) not in (2, 4):
            raise ValueError(f"unrecognised timestamp {s!r}")
        year = int(c) + (2000 if len(c) == 2 else 0)
        day, month = (int(a), int(b)) if dayfirst else (int(b), int(a))
    hour = int(hh or 0)
    if ampm:
        if not 1 <= hour <= 12:
            raise ValueError(f"bad hour in {s!r}")
        hour = hour % 12 + (12 if ampm.lower() == "pm" else 0)
    micro = int((frac or "0").ljust(6, "0")) if frac else 0
    try:
        value = datetime(year, month, day, hour, int(mm or 0), int(ss or 0), micro)
    except ValueError as exc:
        hint = ""
        if len(a) != 4 and month > 12 >= day:  # the other reading would be a date
            hint = f" ({MONTH_FIRST_HINT if dayfirst else DAY_FIRST_HINT})"
        raise ValueError(f"invalid date {s!r}: {exc}{hint}") from None
    return to_utc(value, tz)


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
    """``parse_timestamp`` of each value (stripped strings) at ``rows`` (all without), as UTC
    microseconds (0 where refused or not asked), and the reason for each row it refuses."""
    out = np.zeros(len(values), dtype=np.int64)
    if rows is not None and len(rows) == 0:
        return out, {}
    sub = values if rows is None else values.take(index_array(rows))
    enc = pc.dictionary_encode(sub)
    parsed, refused = _parse_distinct(enc.dictionary, fmt, tz, dayfirst)
    index = ac.ints(enc.indices)
    at = np.arange(len(values)) if rows is None else np.asarray(rows, dtype=np.int64)
    out[at] = parsed[index]
    errors: dict[int, str] = {}
    if refused:
        bad = np.zeros(len(parsed), dtype=bool)
        bad[list(refused)] = True
        for j in np.flatnonzero(bad[index]).tolist():
            errors[int(at[j])] = refused[int(index[j])]
    return out, errors


def _parse_distinct(
    texts: pa.Array, fmt: str | None, tz: ZoneInfo | None, dayfirst: bool
) -> tuple[np.ndarray, dict[int, str]]:
    """UTC microseconds of each distinct text, and ``parse_timestamp``'s reason for those it
    refuses."""
    n = len(texts)
    utc = np.zeros(n, dtype=np.int64)
    ok = np.zeros(n, dtype=bool)
    if n:
        if not fmt:
            read = _iso(texts)
        elif _plain_format(fmt):
            read = _formatted(texts, fmt)
        else:
            read = None
        if read is not None:
            wall, offset_s, aware, ok = read
            utc = wall - offset_s * 1_000_000
            naive = ok & ~aware
            if naive.any() and tz is not None and tz.key != "UTC":
                zoned, zoned_ok = _localize(wall, naive, tz)
                utc = np.where(naive, zoned, utc)
                ok &= ~naive | zoned_ok
    refused: dict[int, str] = {}
    odd = np.flatnonzero(~ok)
    for j, text in zip(odd.tolist(), texts.take(index_array(odd)).to_pylist(), strict=True):
        try:
            utc[j] = micros(parse_timestamp(text, fmt, tz, dayfirst))
        except (ValueError, OverflowError) as exc:
            refused[j] = str(exc)
    return utc, refused


def _iso(texts: pa.Array) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """(wall-clock microseconds, offset seconds, aware, ok) of ISO texts of the usual shape."""
    parts = pc.extract_regex(texts, pattern=_ISO)
    date, hm, sec, frac, zone = (
        pc.struct_field(parts, name) for name in ("date", "hm", "sec", "frac", "zone")
    )
    core = pc.binary_join_element_wise(
        date,
        ac.scalar("T"),
        pc.replace_substring_regex(hm, pattern="^$", replacement="00:00"),
        ac.scalar(":"),
        pc.replace_substring_regex(sec, pattern="^$", replacement="00"),
        ac.scalar(""),
    )
    wall, ok = _strptime(core, _ISO_FORMAT)
    fraction = pc.cast(
        pc.utf8_rpad(pc.fill_null(frac, ac.scalar("")), width=6, padding="0"), pa.int64()
    )
    wall = wall + _numbers(fraction)
    offset_s, aware = _offsets(zone)
    return wall, offset_s, aware, ok


def _formatted(texts: pa.Array, fmt: str) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """(wall-clock microseconds, offset seconds, aware, ok) of texts in a plain format."""
    if not fmt.endswith("%z"):
        wall, ok = _strptime(texts, fmt)
        return wall, np.zeros(len(texts), dtype=np.int64), np.zeros(len(texts), dtype=bool), ok
    parts = pc.extract_regex(texts, pattern=_WITH_ZONE)
    wall, ok = _strptime(pc.struct_field(parts, "core"), fmt[:-2])
    offset_s, aware = _offsets(pc.struct_field(parts, "zone"))
    ok &= aware
    return wall, offset_s, aware, ok


def _plain_format(fmt: str) -> bool:
    """Whether ``fmt`` is made of the directives Arrow reads as Python does (each once, ``%z``
    only at the end) and literal characters."""
    body = fmt[:-2] if fmt.endswith("%z") and not fmt.endswith("%%z") else fmt
    seen: set[str] = set()
    i = 0
    while i < len(body):
        if body[i] != "%":
            i += 1
            continue
        d = body[i + 1 : i + 2]
        if d != "%":
            if d not in _DIRECTIVES or d in seen or (d in "yY" and seen & {"y", "Y"}):
                return False
            seen.add(d)
        i += 2
    return True


def _strptime(texts: pa.Array, fmt: str) -> tuple[np.ndarray, np.ndarray]:
    """(wall-clock microseconds, ok) of each text in ``fmt``: ok where Arrow reads it and
    writes the same text back, and the year is in range."""
    # whole seconds: with a finer unit strftime writes %S with a fraction
    parsed = pc.strptime(texts, format=fmt, unit="s", error_is_null=True)
    same = _flags(pc.equal(pc.strftime(parsed, format=fmt), texts))
    year = _numbers(pc.year(parsed))
    ok = same & (year >= _YEARS[0]) & (year <= _YEARS[1])
    wall = _numbers(parsed) * 1_000_000
    return wall, ok


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
