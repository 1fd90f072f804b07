"""Reading delimited text for the CSV loaders: decoding, dialect sniffing, rows with their line
numbers, and timestamp parsing with an explicit format, ISO 8601 or a day-first/month-first
numeric date.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from ..errors import InputError
from .common import OUT_OF_RANGE, decode_text, parse_iso, read_bytes, to_utc

# Python's csv module refuses fields over 128 KiB by default; ticket text can be longer.
csv.field_size_limit(64 * 1024 * 1024)

_NUMERIC_DATE = re.compile(
    r"^\s*(\d{1,4})[/.\-](\d{1,2})[/.\-](\d{1,4})"
    r"(?:[ T](\d{1,2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,6}))?)?\s*([AaPp][Mm])?)?\s*$"
)


#: In the reason of a numeric date that only parses the other way round.
DAY_FIRST_HINT = "read month first; if the day comes first, set dayfirst = true"
MONTH_FIRST_HINT = "read day first; if the month comes first, set dayfirst = false"


@dataclass
class CsvFile:
    """A decoded CSV: header, data rows with the line each starts on, a decoding warning."""

    header: list[str]
    rows: list[tuple[int, list[str]]]
    warning: str | None


def read_csv(path: Path, delimiter: str | None = None) -> CsvFile:
    """Decode and split a CSV. A file without a header line is unreadable (InputError)."""
    text, warning = decode_text(read_bytes(path), path)
    if not text.strip():
        raise InputError(path, "empty file: no header line")
    if delimiter is None:
        delimiter = sniff_delimiter(text)
    reader = csv.reader(text.splitlines(keepends=True), delimiter=delimiter)
    try:
        header = [h.strip() for h in next(reader)]
        rows: list[tuple[int, list[str]]] = []
        line = reader.line_num + 1
        for row in reader:
            if row:  # a blank line is no record; a row of empty cells is (and gets rejected)
                rows.append((line, row))
            line = reader.line_num + 1
    except csv.Error as exc:
        raise InputError(
            path, f"not a readable CSV: {exc}", record=f"line {reader.line_num}"
        ) from None
    if not any(header):
        raise InputError(path, "empty header line")
    return CsvFile(header, rows, warning)


def sniff_delimiter(text: str) -> str:
    """The delimiter that splits the header line into the most fields.

    The header is the cleanest line of an export (csv.Sniffer looks at data rows too and is
    fooled by free text full of semicolons); ties go to the comma.
    """
    header = text.split("\n", 1)[0]
    best, best_n = ",", 1
    for candidate in (",", ";", "\t", "|"):
        n = len(next(csv.reader([header], delimiter=candidate)))
        if n > best_n:
            best, best_n = candidate, n
    return best


def column_index(header: Sequence[str], name: str, path: Path, key: str) -> int:
    """Position of a configured column; a missing one is an InputError naming it and the key."""
    try:
        return list(header).index(name)
    except ValueError:
        raise InputError(
            path, f"missing column {name!r} (config key {key}); columns: {', '.join(header)}"
        ) from None


def optional_index(header: Sequence[str], name: str | None) -> int | None:
    if name is None:
        return None
    return header.index(name) if name in header else None


def cell(row: Sequence[str], index: int | None) -> str:
    if index is None or index >= len(row):
        return ""
    return row[index].strip()


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
