"""The export on disk: NDJSON written page by page to ``<out>.partial`` with a state file
beside it, and the final file written at the end only (temp file, then rename), sorted by issue
id, merged with a previous export when pulling incrementally.

Nothing that looks complete exists until the pull is: ``<out>`` appears by an atomic rename.
"""

from __future__ import annotations

import gzip
import os
import shutil
from collections.abc import Iterable, Iterator
from dataclasses import asdict, dataclass, field
from datetime import datetime
from pathlib import Path
from typing import IO, Any

import orjson

from ..errors import InputError, UsageError

STATE_VERSION = 1


def partial_path(out: Path) -> Path:
    return out.with_name(out.name + ".partial")


def state_path(out: Path) -> Path:
    return out.with_name(out.name + ".state.json")


@dataclass
class PullState:
    """Where an interrupted pull stands; enough to continue it without duplicates."""

    url: str
    jql: str  # as the user gave it
    since: str | None  # the incremental bound used (given or derived)
    effective_jql: str
    flavor: str
    fields: list[str]
    max_issues: int | None
    merge_existing: bool
    requested_fields: list[str] = field(default_factory=list)  # --fields as given
    cursor: Any = None
    #: Bytes of the partial file covered by pages fully written; the rest is cut on resume.
    partial_bytes: int = 0
    ids: list[str] = field(default_factory=list)
    done: bool = False
    version: int = STATE_VERSION

    def save(self, path: Path) -> None:
        tmp = path.with_name(path.name + ".tmp")
        with tmp.open("wb") as fh:
            fh.write(orjson.dumps(asdict(self), option=orjson.OPT_INDENT_2))
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)

    @classmethod
    def load(cls, path: Path) -> PullState:
        try:
            raw = orjson.loads(path.read_bytes())
            if raw.get("version") != STATE_VERSION:
                raise ValueError(f"state version {raw.get('version')}")
            return cls(**raw)
        except (OSError, ValueError, TypeError, orjson.JSONDecodeError) as exc:
            raise InputError(path, f"cannot resume from this state file: {exc}") from None


class PartialWriter:
    """Appends whole pages to the partial file and records them in the state, in that order."""

    def __init__(self, out: Path, state: PullState, *, resume: bool) -> None:
        self.out = out
        self.partial = partial_path(out)
        self.state_file = state_path(out)
        self.state = state
        if resume:
            if not self.partial.exists():
                raise InputError(self.partial, "missing: the interrupted pull cannot be resumed")
            # Cut what was written after the last recorded page (a page cut in half).
            with self.partial.open("r+b") as fh:
                fh.truncate(state.partial_bytes)
        else:
            out.parent.mkdir(parents=True, exist_ok=True)
            self.partial.write_bytes(b"")
            state.save(self.state_file)
        self._fh = self.partial.open("ab")
        self._seen = set(state.ids)

    def seen(self, issue_id: str) -> bool:
        return issue_id in self._seen

    def append_page(self, lines: list[tuple[str, bytes]], cursor: Any, done: bool) -> None:
        for issue_id, line in lines:
            self._fh.write(line + b"\n")
            self._seen.add(issue_id)
            self.state.ids.append(issue_id)
        self._fh.flush()
        os.fsync(self._fh.fileno())
        self.state.partial_bytes = self._fh.tell()
        self.state.cursor = cursor
        self.state.done = done
        self.state.save(self.state_file)

    def close(self) -> None:
        self._fh.close()

    def discard(self) -> None:
        self.close()
        self.partial.unlink(missing_ok=True)
        self.state_file.unlink(missing_ok=True)


def encode_issue(issue: dict, names: dict[str, str]) -> bytes:
    """One NDJSON line: the issue as Jira returned it plus the names of its fields."""
    fields = issue.get("fields")
    own = {k: names[k] for k in fields if k in names} if isinstance(fields, dict) else {}
    return orjson.dumps({**issue, "names": own})


def parse_jira_ts(value: object) -> datetime | None:
    """``2024-05-02T10:15:30.000+0200`` (or ``+02:00``) -> aware datetime."""
    if not isinstance(value, str):
        return None
    for fmt in ("%Y-%m-%dT%H:%M:%S.%f%z", "%Y-%m-%dT%H:%M:%S%z"):
        try:
            return datetime.strptime(value, fmt)
        except ValueError:
            continue
    return None


@dataclass
class ExportLine:
    issue_id: str
    updated: datetime | None
    #: Where the line's bytes are in the (decompressed) file, without its newline.
    offset: int
    length: int


def read_export(path: Path) -> Iterator[ExportLine]:
    """Lines of an NDJSON export (gzip by content), each with its issue id and update time."""
    try:
        with _open_plain(path) as fh:
            offset = 0
            lineno = 0
            while raw := fh.readline():
                lineno += 1
                start, offset = offset, offset + len(raw)
                line = raw.strip()
                if not line:
                    continue
                try:
                    obj = orjson.loads(line)
                except orjson.JSONDecodeError:
                    raise InputError(path, "not JSON", record=f"line {lineno}") from None
                if not isinstance(obj, dict) or "id" not in obj:
                    raise InputError(
                        path,
                        "not an issue object with an id; only an NDJSON export written by "
                        "flowgap pull can be merged (move the file away to pull afresh)",
                        record=f"line {lineno}",
                    )
                fields = obj.get("fields") if isinstance(obj.get("fields"), dict) else {}
                lead = len(raw) - len(raw.lstrip())
                yield ExportLine(
                    str(obj["id"]), parse_jira_ts(fields.get("updated")), start + lead, len(line)
                )
    except (OSError, EOFError) as exc:
        if isinstance(exc, FileNotFoundError):
            raise InputError(path, "no such file") from None
        raise InputError(path, f"cannot read: {exc}") from None


def _open_plain(path: Path) -> IO[bytes]:
    with path.open("rb") as fh:
        magic = fh.read(2)
    return gzip.open(path, "rb") if magic == b"\x1f\x8b" else path.open("rb")


def newest_update(path: Path) -> datetime | None:
    newest: datetime | None = None
    for line in read_export(path):
        if line.updated is not None and (newest is None or line.updated > newest):
            newest = line.updated
    return newest


def _id_key(issue_id: str) -> tuple[int, int, str]:
    return (0, int(issue_id), "") if issue_id.isdigit() else (1, 0, issue_id)


@dataclass
class Finalized:
    issues: int
    fetched: int
    kept_from_existing: int


@dataclass
class _Ref:
    source: int  # index into the files being merged
    line: ExportLine


def finalize(out: Path, merge_existing: bool) -> Finalized:
    """Merge the partial file (and the previous export) into ``out``, atomically.

    The newest version of an issue wins; on equal update times the one just fetched does.
    Only ids, update times and byte offsets are held in memory: an export of a large project
    runs to gigabytes.
    """
    partial = partial_path(out)
    files: list[Path] = []
    scratch: Path | None = None
    chosen: dict[str, _Ref] = {}
    handles: list[IO[bytes]] = []
    try:
        if merge_existing and out.exists():
            previous = out
            if _is_gzip(out):
                # Seeking inside gzip is slow; a plain copy beside it can be read at offsets.
                scratch = out.with_name(f".{out.name}.{os.getpid()}.previous")
                with _open_plain(out) as src, scratch.open("wb") as dst:
                    shutil.copyfileobj(src, dst, 1 << 20)
                previous = scratch
            files.append(previous)
            for line in read_export(previous):
                chosen[line.issue_id] = _Ref(0, line)
        files.append(partial)
        fresh = len(files) - 1
        fetched = 0
        for line in read_export(partial):
            fetched += 1
            old = chosen.get(line.issue_id)
            if old is None or _newer_or_same(line, old.line):
                chosen[line.issue_id] = _Ref(fresh, line)
        kept = sum(1 for ref in chosen.values() if ref.source != fresh)
        handles = [f.open("rb") for f in files]

        def lines() -> Iterator[bytes]:
            for issue_id in sorted(chosen, key=_id_key):
                ref = chosen[issue_id]
                fh = handles[ref.source]
                fh.seek(ref.line.offset)
                yield fh.read(ref.line.length)

        _write_atomic(out, lines())
    finally:
        for fh in handles:
            fh.close()
        if scratch is not None:
            scratch.unlink(missing_ok=True)
    partial.unlink(missing_ok=True)
    state_path(out).unlink(missing_ok=True)
    return Finalized(issues=len(chosen), fetched=fetched, kept_from_existing=kept)


def _is_gzip(path: Path) -> bool:
    with path.open("rb") as fh:
        return fh.read(2) == b"\x1f\x8b"


def _newer_or_same(new: ExportLine, old: ExportLine) -> bool:
    if new.updated is None or old.updated is None:
        return True
    return new.updated >= old.updated


def _write_atomic(out: Path, lines: Iterable[bytes]) -> None:
    tmp = out.with_name(f".{out.name}.{os.getpid()}.tmp")
    try:
        with tmp.open("wb") as raw:
            if out.name.endswith(".gz"):
                # mtime 0 and no file name in the header: the same issues give the same bytes.
                with gzip.GzipFile(filename="", mode="wb", fileobj=raw, mtime=0) as gz:
                    _write_lines(gz, lines)
            else:
                _write_lines(raw, lines)
            raw.flush()
            os.fsync(raw.fileno())
        os.replace(tmp, out)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        raise InputError(out, f"cannot write the export: {exc.strerror or exc}") from None


def statuses_path(out: Path) -> Path:
    """Where Jira's status list goes beside the export: ``abc.ndjson(.gz)`` ->
    ``abc.statuses.json`` (a name the JSON loaders accept, never the export's own)."""
    name = out.name.removesuffix(".gz")
    for suffix in (".ndjson", ".jsonl", ".json"):
        if name.endswith(suffix):
            name = name.removesuffix(suffix)
            break
    return out.with_name(f"{name}.statuses.json")


def write_statuses(out: Path, statuses: list) -> Path:
    """Jira's status list, as Jira gave it (one JSON array), atomically beside the export."""
    path = statuses_path(out)
    _write_atomic(path, [orjson.dumps(statuses, option=orjson.OPT_INDENT_2)])
    return path


def _write_lines(fh: IO[bytes], lines: Iterable[bytes]) -> None:
    for line in lines:
        fh.write(line)
        fh.write(b"\n")


def refuse_stale_partial(out: Path) -> None:
    if partial_path(out).exists() or state_path(out).exists():
        raise UsageError(
            f"an interrupted pull of {out.name} exists ({partial_path(out).name}): pass --resume "
            f"to continue it, or delete {partial_path(out).name} and {state_path(out).name}"
        )
