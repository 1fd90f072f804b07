"""Which loader reads a file: decided by content (the first KBs, gzip-aware), not by name.

The answer is a key of ``flowgap.ingest.LOADERS``:

==================  ==================================================================
``parquet``         starts with the ``PAR1`` magic
``zip``             starts with the ``PK`` zip magic
``xes``             XML whose root is ``<log`` (XES)
``jira-json``       JSON (object, array or NDJSON) with issues ("key" + "fields") or a
                    search response ("issues"); also a directory of .json/.ndjson files
``jira-statuses``   JSON that is no Jira issue export but holds "statusCategory": Jira's
                    status list (``/rest/api/2/status``)
``jira-csv``        CSV whose header has an "Issue key" column (Jira's UI export)
``transition-csv``  CSV whose header has the transition mapping's from and to columns (or
                    one of them and not the event log's item column)
``csv``             any other CSV with at least two columns (needs a column mapping)
==================  ==================================================================
"""

from __future__ import annotations

import gzip
import io
import re
import zlib
from pathlib import Path

from ..config import Config
from ..errors import InputError
from . import LOADERS, inflate
from .common import GZIP_MAGIC, blank, no_records
from .csv_table import DELIMITERS, first_line, header_cells, sniff_delimiter

HEAD_BYTES = 1 << 20  # JSON markers may sit after a long first issue
#: How to name the format flowgap cannot detect. The same loaders serve the command line and
#: the dashboard's upload, whose user has no command line but can upload a flowgap.toml.
FORCE = (
    f"force one ({', '.join(LOADERS)}) with --input-format or with [input] format in flowgap.toml"
)
EXPECTED = (
    "expected Jira JSON (search response, pages or NDJSON), a Jira CSV export, a transition"
    f" CSV, an event-log CSV, XES, Parquet or a zip of those; or {FORCE}"
)
_JSON_KEY = re.compile(rb'"key"\s*:')
_JSON_BODY = re.compile(rb'"(fields|changelog)"\s*:')
_JSON_PAGE = re.compile(rb'"issues"\s*:')
_JSON_STATUS = re.compile(rb'"statusCategory"\s*:')


def detect_format(path: Path, config: Config | None = None) -> str:
    """The loader key for ``path``. Raises :class:`InputError` when nothing fits."""
    path = Path(path)
    if path.is_dir():
        from .jira_json import is_json_file

        if any(p.is_file() and is_json_file(p) for p in path.iterdir()):
            return "jira-json"
        raise InputError(path, "directory holds no .json, .ndjson or .jsonl files")
    raw = _head(path)
    if raw.startswith(b"PAR1"):
        return "parquet"
    if raw.startswith((b"PK\x03\x04", b"PK\x05\x06")):
        return "zip"
    data = _gunzip_head(path, raw) if raw[:2] == b"\x1f\x8b" else raw
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        # UTF-16 with a byte-order mark (Excel's "Unicode text"): its zero bytes are not
        # binary data. Judged on its UTF-8 text; the CSV reader decodes it the same way.
        data = data[: len(data) // 2 * 2].decode("utf-16", errors="ignore").encode("utf-8")
    if blank((data,)):
        _no_records(path, data, config or Config())
    text = data.lstrip(b"\xef\xbb\xbf").lstrip()
    if text[:1] == b"<":
        head = text[:4096]
        if re.search(rb"<log[\s>]", head) or b"xes" in head.lower():
            return "xes"
        raise InputError(path, f"XML, but not an XES event log (no <log> root); {EXPECTED}")
    if text[:1] in (b"{", b"["):
        # separate linear scans: one pattern spanning "key" ... "fields" could go quadratic
        if _JSON_PAGE.search(text) or (_JSON_KEY.search(text) and _JSON_BODY.search(text)):
            return "jira-json"
        if _JSON_STATUS.search(text):
            return "jira-statuses"
        raise InputError(
            path,
            'JSON, but not a Jira export: expected issues with "key" and "fields", a'
            ' search response with "issues" or Jira\'s status list (with "statusCategory")',
        )
    return _csv_kind(path, data, config or Config())


def _head(path: Path) -> bytes:
    try:
        with path.open("rb") as fh:
            return fh.read(HEAD_BYTES)
    except FileNotFoundError:
        raise InputError(path, "no such file") from None
    except OSError as exc:
        raise InputError(path, f"cannot read: {exc.strerror or exc}") from None


def _no_records(path: Path, head: bytes, config: Config) -> None:
    """A head of only whitespace: the file holds no records when the rest is whitespace too,
    read in chunks (and inflated within the decompression limits, ``inflate``), never whole;
    else its records start too far in to tell its format."""
    with path.open("rb") as raw, inflate.limits(config) as budget:
        if raw.read(2) != GZIP_MAGIC:
            raw.seek(0)
            only_spaces = blank(iter(lambda: raw.read(inflate.CHUNK), b""))
        else:
            raw.seek(0)
            try:
                with inflate.GzipStream(raw, path, budget) as gz:  # type: ignore[arg-type]
                    only_spaces = blank(gz.chunks())
            except (OSError, EOFError, zlib.error) as exc:  # zlib.error is no OSError
                raise InputError(path, f"corrupt gzip data: {exc}") from None
    if only_spaces:
        raise no_records(path, whitespace=bool(head))
    raise InputError(
        path,
        f"the first {HEAD_BYTES >> 20} MiB hold only whitespace: cannot detect the format; {FORCE}",
    )


def _gunzip_head(path: Path, raw: bytes) -> bytes:
    # A partial stream: decompress what the head holds, tolerate the cut-off end.
    try:
        d = zlib.decompressobj(16 + zlib.MAX_WBITS)
        out = d.decompress(raw, HEAD_BYTES)
    except zlib.error as exc:
        raise InputError(path, f"corrupt gzip data: {exc}") from None
    if not out and len(raw) < HEAD_BYTES:
        try:  # several gzip members: at most the head's worth of them, never the whole
            out = gzip.GzipFile(fileobj=io.BytesIO(raw)).read(HEAD_BYTES)
        except (OSError, EOFError, zlib.error) as exc:
            raise InputError(path, f"corrupt gzip data: {exc}") from None
    return out


def _csv_kind(path: Path, data: bytes, config: Config) -> str:
    if b"\x00" in data[:4096]:
        raise InputError(path, f"binary data of an unknown kind; {EXPECTED}")
    # the header line as the CSV loaders read it (csv_table), in valid UTF-8 for Arrow
    line = first_line(data.removeprefix(b"\xef\xbb\xbf"))
    line = line.decode("utf-8", errors="replace").encode("utf-8")
    delimiter = config.input.csv.delimiter
    if delimiter is None:
        if not any(d.encode() in line for d in DELIMITERS):
            raise InputError(path, f"cannot detect the format (not JSON, XML or CSV); {EXPECTED}")
        delimiter = sniff_delimiter(line)
    header = header_cells(line, delimiter, path)
    names = {h.lower() for h in header}
    if "issue key" in names:
        return "jira-csv"
    tr = config.input.transitions
    has_from, has_to = tr.from_status.lower() in names, tr.to_status.lower() in names
    if has_from and has_to:
        return "transition-csv"
    # Half a transition header and no event-log item column: a transition CSV that lacks a
    # column (its loader names the missing one), not an event log.
    if (has_from or has_to) and config.input.csv.item.lower() not in names:
        return "transition-csv"
    if len(header) >= 2:
        return "csv"
    raise InputError(path, f"cannot detect the format; {EXPECTED}")
