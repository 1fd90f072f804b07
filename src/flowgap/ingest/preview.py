"""A bounded look at an export that needs a column mapping: its head, the columns (CSV) or
event attributes (XES) found there, its first rows, and the head read by the format's own
loader under a mapping.

The head is the first :data:`PREVIEW_BYTES` of the file (inflated when it is gzip), cut after
its last whole record: a CSV line, or an XES trace (the log then closed after it). Everything
the preview does reads the head only, so a stranger's upload costs at most that much work
however large it is, and the rows it shows are the loader's reading (``event_csv``, ``xes``),
not a second parser's: what the preview loads and rejects is what the whole file will.
"""

from __future__ import annotations

import gzip
import os
import zlib
from dataclasses import dataclass, field
from pathlib import Path

import pyarrow as pa

from ..config import Config
from ..errors import InputError
from ..model import LoadResult
from .common import GZIP_MAGIC

#: Bytes of the head, per format (an XES event takes about ten times a CSV row's bytes).
PREVIEW_BYTES = {"csv": 256 << 10, "xes": 1 << 20}
#: Rows of the file shown as they are.
SAMPLE_ROWS = 8
#: The formats a mapping can be picked for, and their ``[input.*]`` section.
SECTIONS = {"csv": "csv", "xes": "xes"}


def head_name(name: str) -> str:
    """The head's file name: the upload's, without ``.gz`` (the head is inflated)."""
    return name[:-3] if name.lower().endswith(".gz") and len(name) > 3 else name


def write_head(src: Path, dest: Path, fmt: str) -> bool:
    """Write the head of ``src`` to ``dest`` (mode 0600); returns whether the file goes on
    beyond it."""
    limit = PREVIEW_BYTES[fmt]
    try:
        with src.open("rb") as raw:
            packed = raw.read(2) == GZIP_MAGIC
            raw.seek(0)
            stream = gzip.GzipFile(fileobj=raw) if packed else raw
            data = stream.read(limit + 1)  # bounded output, however well it compresses
    except (OSError, EOFError, zlib.error) as exc:
        raise InputError(src, f"cannot read: {exc}") from None
    more = len(data) > limit
    if more:
        data = data[:limit]
        kb = limit >> 10
        if fmt == "csv":
            end = max(data.rfind(b"\n"), data.rfind(b"\r"))
            if end < 0:
                raise InputError(src, f"no line ends in the first {kb} KB")
            data = data[: end + 1]
        else:
            end = data.rfind(b"</trace>")
            if end < 0:
                raise InputError(src, f"no complete trace in the first {kb} KB")
            data = data[: end + len(b"</trace>")] + b"\n</log>\n"
    fd = os.open(dest, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as fh:
        fh.write(data)
    return more


@dataclass
class Sample:
    """The columns (or event attributes) of the head and its first rows as text."""

    columns: list[str]
    rows: list[dict[str, str | None]]
    #: The columns a mapping may name (XES: event attributes, not the trace's).
    choices: list[str] = field(default_factory=list)
    delimiter: str | None = None
    #: Keys whose choices are others (XES: the item among the trace attributes, the time
    #: among the event attributes that hold dates).
    by_key: dict[str, list[str]] = field(default_factory=dict)

    def choices_for(self, key: str) -> list[str]:
        return self.by_key.get(key, self.choices)


def sample(head: Path, fmt: str, config: Config) -> Sample:
    """What the head holds, before any mapping."""
    if fmt == "csv":
        from .csv_table import open_csv

        csv = open_csv(head, config.input.csv.delimiter, whole=False)
        records = csv.read_all()
        n = min(len(records), SAMPLE_ROWS)
        values = [records.values(i).slice(0, n).to_pylist() for i in range(len(csv.header))]
        rows = [{h: values[i][k] for i, h in enumerate(csv.header)} for k in range(n)]
        return Sample(list(csv.header), rows, list(dict.fromkeys(csv.header)), csv.delimiter)
    from .xes import CASE_PREFIX, event_table

    table = event_table(head)
    columns = list(table.column_names)
    rows = [
        {k: None if v is None else str(v) for k, v in row.items()}
        for row in table.slice(0, SAMPLE_ROWS).to_pylist()
    ]
    choices = [c for c in columns if not c.startswith(CASE_PREFIX) and c != "time:timestamp"]
    by_key = {
        "case_attribute": [
            c.removeprefix(CASE_PREFIX) for c in columns if c.startswith(CASE_PREFIX)
        ],
        "timestamp_attribute": [
            c
            for c in columns
            if not c.startswith(CASE_PREFIX) and pa.types.is_timestamp(table.column(c).type)
        ],
    }
    return Sample(columns, rows, choices, by_key=by_key)


def guess(head: Path, fmt: str, found: Sample) -> dict[str, object]:
    """A starting mapping: the ``[input.csv]`` keys ``csv_guess`` tells, or for XES the
    standard attributes when the events carry them, else an attribute named like one (none
    when no name tells)."""
    if fmt == "csv":
        from .csv_guess import guess_csv_mapping

        return dict(guess_csv_mapping(head, found.delimiter).mapping)
    from .csv_guess import _RESOURCE, _STATUS, _TEAM, _norm

    def named(standard: str, pattern) -> str | None:
        if standard in found.choices:
            return standard
        return next((c for c in found.choices if pattern.search(_norm(c))), None)

    status = named("concept:name", _STATUS)
    mapping: dict[str, object] = {"status_attribute": [status] if status else []}
    standards = (("case_attribute", "concept:name"), ("timestamp_attribute", "time:timestamp"))
    for key, standard in standards:
        options = found.choices_for(key)
        mapping[key] = standard if standard in options else (options[0] if options else None)
    mapping["team_attribute"] = named("org:group", _TEAM)
    mapping["resource_attribute"] = named("org:resource", _RESOURCE)
    return mapping


def read(head: Path, fmt: str, config: Config) -> LoadResult:
    """The head loaded by the format's loader under ``config`` (its ``[input.*]`` mapping)."""
    from . import load_path

    return load_path(head, config, fmt)
