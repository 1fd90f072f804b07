"""What every loader shares: opening (gzip-aware) and decoding files, parsing timestamps, and
the bookkeeping that makes ``records_read == records_loaded + records_rejected`` hold.
"""

from __future__ import annotations

import codecs
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from ..errors import InputError
from ..model import (
    Finding,
    InputSummary,
    LoadResult,
    Reject,
    events_from_rows,
    items_from_rows,
)
from .inflate import gunzip_file

GZIP_MAGIC = b"\x1f\x8b"
_UTF8_BOM = b"\xef\xbb\xbf"
#: A byte that is no ASCII whitespace (``str.isspace()``'s: also the separators 0x1C-0x1F).
_NOT_SPACE = re.compile(rb"[^ \t\n\r\x0b\x0c\x1c-\x1f]")
_DECODE_PIECE = 1 << 16


def blank(chunks: Iterable[bytes]) -> bool:
    """Whether the text of ``chunks`` (UTF-8, one leading BOM aside) is only whitespace
    (``str.isspace()``'s, "\\u3000" too): the one rule of a file that holds no records. It
    stops at the first character that is no space, and decodes only the non-ASCII bytes met
    before it, so a big file costs nothing and a big blank one a single pass."""
    decoder = codecs.getincrementaldecoder("utf-8")(errors="replace")
    first = True
    for chunk in chunks:
        if first:
            chunk, first = chunk.removeprefix(_UTF8_BOM), False
        pos = 0
        while m := _NOT_SPACE.search(chunk, pos):
            if chunk[m.start()] < 0x80:
                return False
            end = m.start() + _DECODE_PIECE
            if decoder.decode(chunk[m.start() : end]).strip():
                return False
            pos = end
    return not decoder.decode(b"", final=True).strip()


def no_records(path: Path, *, whitespace: bool) -> InputError:
    """The one error of a file without a single record: nothing at all, or only whitespace."""
    what = "only whitespace" if whitespace else "empty file"
    return InputError(path, f"holds no records ({what})")


def read_bytes(path: Path) -> bytes:
    """The file's bytes, gunzipped when it is gzip (by content, not by name) within the
    decompression limits (``inflate``)."""
    try:
        with path.open("rb") as fh:
            if fh.read(2) == GZIP_MAGIC:
                return gunzip_file(path)
        data = path.read_bytes()
    except FileNotFoundError:
        raise InputError(path, "no such file") from None
    except IsADirectoryError:
        raise InputError(path, "is a directory, expected a file") from None
    except OSError as exc:
        raise InputError(path, f"cannot read: {exc.strerror or exc}") from None
    return data


_C1 = re.compile(rb"[\x80-\x9f]")


def decode_text(data: bytes, path: Path) -> tuple[str, str | None]:
    """Decode as UTF-8 (a BOM is dropped), UTF-16 with a BOM; else fall back to Windows-1252
    when bytes 0x80-0x9F occur and it decodes them, otherwise latin-1, and say so. A file
    that mixes the two (UTF-8 lines appended to an 8-bit export, or the reverse) is decoded
    line by line: its UTF-8 lines as UTF-8 (read as 8-bit, "Bäcklog" became "BÃ¤cklog"),
    the others by the fallback.

    Returns the text and a warning message when the fallback was used.
    """
    if b"\x00" in data[:4096] and not data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise InputError(path, "binary data, not a text file")
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16"), None
    try:
        return data.decode("utf-8-sig"), None
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        if _UTF8_SEQUENCE.search(data):
            return _mixed(data, line)
        codec = _fallback(data)
        return data.decode(codec), f"not valid UTF-8 (line {line}); read as {codec}"


#: A multi-byte UTF-8 sequence: rare in 8-bit text ("Ã¤" in latin-1), the mark of UTF-8.
_UTF8_SEQUENCE = re.compile(
    rb"[\xc2-\xdf][\x80-\xbf]|[\xe0-\xef][\x80-\xbf]{2}|[\xf0-\xf4][\x80-\xbf]{3}"
)


def _fallback(data: bytes) -> str:
    """Windows-1252 when bytes 0x80-0x9F occur and it decodes them, else latin-1.

    Bytes 0x80-0x9F are invisible controls in latin-1 (and 0x85 is a line break that
    str.strip() removes: "Ann…" became "Ann"); in Windows-1252, the usual 8-bit export, they
    are … € „ and the like. 0x81, 0x8D, 0x8F, 0x90 and 0x9D are not Windows-1252 either."""
    if _C1.search(data):
        try:
            data.decode("cp1252")
            return "Windows-1252"
        except UnicodeDecodeError:
            pass
    return "latin-1"


def _mixed(data: bytes, first: int) -> tuple[str, str]:
    lines = data.split(b"\n")
    bad = []
    for n, raw in enumerate(lines):
        try:
            lines[n] = raw.decode("utf-8-sig" if n == 0 else "utf-8")
        except UnicodeDecodeError:
            bad.append(n)
    codec = _fallback(b"".join(lines[n] for n in bad))
    for n in bad:
        lines[n] = lines[n].decode(codec)
    return "\n".join(lines), (
        f"UTF-8 mixed with 8-bit text: {len(bad):,} line(s) not valid UTF-8 (the first: line"
        f" {first}) read as {codec}, the others as UTF-8"
    )


def zone(name: str | None, path: Path, key: str) -> ZoneInfo | None:
    if name is None:
        return None
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise InputError(path, f"unknown time zone {name!r} (config key {key})") from None


OUT_OF_RANGE = "date value out of range"


def to_utc(value: datetime, tz: ZoneInfo | None = None) -> datetime:
    """Aware -> UTC; naive -> interpreted in ``tz`` (UTC when None)."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=tz or UTC)
    try:
        return value.astimezone(UTC)
    except OverflowError:  # e.g. year 1 at +01:00: a bad value, not a crash
        raise ValueError(OUT_OF_RANGE) from None


def parse_iso(text: str, tz: ZoneInfo | None = None) -> datetime:
    """ISO 8601 including Jira's ``2023-05-02T10:15:30.000+0200``. Raises ValueError."""
    s = text.strip()
    if not s:
        raise ValueError("empty timestamp")
    if s.endswith(("Z", "z")):
        s = s[:-1] + "+00:00"
    # Jira writes +0200; fromisoformat wants +02:00 before Python 3.11's wider support.
    if len(s) > 5 and s[-5] in "+-" and s[-4:].isdigit() and ":" not in s[-5:]:
        s = f"{s[:-2]}:{s[-2:]}"
    return to_utc(datetime.fromisoformat(s), tz)


@dataclass
class LoadBuilder:
    """Collects rows, rejects and warnings of one input and counts records as it goes."""

    path: Path
    format: str
    record_unit: str = "record"
    events: list[dict] = field(default_factory=list)
    items: list[dict] = field(default_factory=list)
    rejects: list[Reject] = field(default_factory=list)
    warnings: list[Finding] = field(default_factory=list)
    status_categories: dict[str, str] = field(default_factory=dict)
    extra_item_columns: list[str] = field(default_factory=list)
    records_read: int = 0
    records_loaded: int = 0
    has_history: bool = True

    def source(self, where: object) -> str:
        return f"{self.path.name}:{where}"

    def read(self, n: int = 1) -> None:
        self.records_read += n

    def loaded(self, n: int = 1) -> None:
        self.records_loaded += n

    def reject(self, where: object, reason: str) -> None:
        self.rejects.append(Reject(self.source(where), reason))

    def warn(self, kind: str, message: str, item: str | None = None, where: object = None) -> None:
        src = self.source(where) if where is not None else None
        self.warnings.append(Finding(kind, message, item, src))

    def add_events(self, rows: Iterable[dict]) -> None:
        self.events.extend(rows)

    def result(self) -> LoadResult:
        summary = InputSummary(
            path=str(self.path),
            format=self.format,
            records_read=self.records_read,
            records_loaded=self.records_loaded,
            records_rejected=len(self.rejects),
            record_unit=self.record_unit,
        )
        if not summary.reconciles:  # a loader bug, never the user's fault
            raise AssertionError(
                f"{self.path}: {self.records_read} read != {self.records_loaded} loaded"
                f" + {len(self.rejects)} rejected"
            )
        return LoadResult(
            events=events_from_rows(self.events),
            items=items_from_rows(self.items, self.extra_item_columns),
            rejects=list(self.rejects),
            warnings=list(self.warnings),
            inputs=[summary],
            status_categories=dict(self.status_categories),
            has_history=self.has_history,
        )
