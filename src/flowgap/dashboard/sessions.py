"""Per-browser-session storage: uploads and classification edits live in a private directory.

Each browser gets a random, unguessable session id (``secrets.token_urlsafe(32)``, 256 bits) in
an HttpOnly cookie. Its directory is ``<root>/<id>/`` (mode 0700) with files of mode 0600;
nothing in one session's directory is reachable from another session, because every path is
derived from the caller's own id and ids are validated before they touch the file system.
Directories not used for ``ttl_hours`` are deleted.

Everything a request needs is on disk (not in process memory), so several gunicorn workers can
serve the same session.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import io
import json
import os
import re
import secrets
import shutil
import tempfile
import threading
import time
import unicodedata
import zipfile
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

from ..errors import InputError
from ..ingest.inflate import CHUNK, Budget

SESSION_COOKIE = "flowgap_session"
_ID = re.compile(r"^[A-Za-z0-9_-]{43}$")  # token_urlsafe(32) is 43 characters
_SAFE_NAME = re.compile(r"[^A-Za-z0-9._-]+")
#: The directories after a private root, up to the file name (which stays): as text, and as
#: Dash's JSON writes it.
_PLAIN_DIRS = r"(?:/[^/\s'\"]+)*/"
_SLASH = "\\u002f"
_ESCAPED_DIRS = r"(?:\\u002f(?:[^\\\s'\"]|\\u(?!002f)[0-9a-fA-F]{4})+)*\\u002f"
_PLAIN_SEGMENT = r"[^/\s'\"]*"
_ESCAPED_SEGMENT = r"(?:[^\\\s'\"]|\\u(?!002f)[0-9a-fA-F]{4})*"

#: Files one upload may store, archives' members included: each is an input loaded on its
#: own (~20 ms apiece), so thousands of tiny files within the size limit cost minutes.
MAX_UPLOAD_FILES = 1000
#: Zip bombs: no member may have a compression ratio above this (real exports compress
#: ~10-30x); the total an archive may expand to is the budget's.
MAX_ZIP_RATIO = 200


def over_limit(names: Iterable[str], size: int, limit_bytes: int) -> InputError:
    """The one error an upload over ``[dashboard] upload_limit_mb`` gets, wherever it is
    caught (in the browser before reading the file, or on the server)."""
    return InputError(
        ", ".join(names),
        f"upload is {size / 1e6:.1f} MB, the limit is {limit_bytes / 1e6:g} MB"
        " ([dashboard] upload_limit_mb)",
    )


def new_session_id() -> str:
    return secrets.token_urlsafe(32)


def valid_session_id(value: str | None) -> bool:
    return bool(value) and bool(_ID.match(value))  # type: ignore[arg-type]


def safe_filename(name: str) -> str:
    """A name without directories or odd characters (uploads come with client-chosen names)."""
    base = PurePosixPath(name.replace("\\", "/")).name
    cleaned = _SAFE_NAME.sub("_", base).strip("._") or "upload"
    return cleaned[:120]


#: The longest file name a message shows (a longer one keeps its start and its end).
SHOWN_NAME = 120


def display_name(name: str) -> str:
    """A client-chosen file name as messages and labels show it: without control or format
    characters (a newline, an escape sequence, a right-to-left override that disguises the
    extension) and at most ``SHOWN_NAME`` characters."""
    shown = "".join(ch for ch in name if unicodedata.category(ch) not in ("Cc", "Cf")).strip()
    if len(shown) > SHOWN_NAME:
        half = SHOWN_NAME // 2
        shown = shown[:half] + "\u2026" + shown[-(SHOWN_NAME - half - 1) :]
    return shown or "upload"


def _write_private(path: Path, chunks: Iterable[bytes]) -> None:
    """Create ``path`` with mode 0600 from the start (no window where it is world-readable)."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        os.fchmod(fd, 0o600)
        with os.fdopen(fd, "wb") as fh:
            fd = -1
            for chunk in chunks:
                fh.write(chunk)
    finally:
        if fd != -1:
            os.close(fd)


@dataclass
class SessionState:
    """What a session chose: its uploaded files and its classification edits."""

    files: list[str] = field(default_factory=list)  # names inside the session's uploads dir
    upload_key: str | None = None  # sha256 over the uploaded bytes: the cache key of the data
    classes: dict[str, str] = field(default_factory=dict)  # status -> class overrides
    team_source: list[str] | None = None  # None: the served config's order
    uploaded_names: list[str] = field(default_factory=list)  # as the browser named them
    #: Outcome of the last upload, shown on the upload page: (kind, text), kind ok | error.
    message: list[str] | None = None
    #: A flowgap.toml uploaded with the data: its text and file name (replaces the served one).
    config_toml: str | None = None
    config_name: str | None = None
    #: An upload flowgap could not map by itself, waiting for its column mapping:
    #: {"name": as the browser named it, "file": stored name, "format": "csv" | "xes",
    #: "problem": why it could not be read}. Its bytes are in ``pending/``.
    pending: dict[str, str] | None = None
    #: The column mapping picked in the browser for the upload: {"csv": {...}} or
    #: {"xes": {...}}, the keys of that ``[input.*]`` section.
    input_map: dict[str, dict] | None = None
    #: Status -> team and person -> team entries edited in the browser ("" removes one the
    #: served config has).
    status_map: dict[str, str] = field(default_factory=dict)
    assignee_map: dict[str, str] = field(default_factory=dict)

    @property
    def own_config(self) -> bool:
        """Whether the session's config differs from the served one."""
        return bool(
            self.config_toml
            or self.classes
            or self.team_source is not None
            or self.input_map
            or self.status_map
            or self.assignee_map
        )

    def to_json(self) -> bytes:
        return json.dumps(self.__dict__, sort_keys=True).encode()

    @classmethod
    def from_json(cls, data: bytes) -> SessionState:
        raw = json.loads(data)
        known = {k: v for k, v in raw.items() if k in cls.__dataclass_fields__}
        return cls(**known)


class SessionStore:
    """The sessions' directories under one private root."""

    def __init__(self, root: Path, ttl_hours: float = 24.0) -> None:
        self.root = Path(root)
        self.ttl_s = ttl_hours * 3600.0
        self.root.mkdir(parents=True, exist_ok=True)
        os.chmod(self.root, 0o700)
        self._lock = threading.Lock()
        self._last_cleanup = 0.0
        #: Told the ids of the sessions a cleanup removed (the data service drops their cache).
        self.on_removed: Callable[[list[str]], object] | None = None

    # ------------------------------------------------------------------ paths

    def directory(self, sid: str, create: bool = True) -> Path:
        if not valid_session_id(sid):
            raise ValueError("invalid session id")
        path = self.root / sid
        if create and not path.exists():
            # exist_ok: a session's first requests arrive together (the page and its parts).
            path.mkdir(mode=0o700, exist_ok=True)
            os.chmod(path, 0o700)
        return path

    def uploads(self, sid: str) -> Path:
        path = self.directory(sid) / "uploads"
        if not path.exists():
            path.mkdir(mode=0o700, exist_ok=True)
        return path

    # ------------------------------------------------------------------ state

    def state(self, sid: str) -> SessionState:
        path = self.directory(sid, create=False) / "state.json"
        try:
            return SessionState.from_json(path.read_bytes())
        except (FileNotFoundError, ValueError, TypeError):
            return SessionState()

    def save_state(self, sid: str, state: SessionState) -> None:
        directory = self.directory(sid)
        # A unique temporary name: two requests of one session may save at the same time.
        tmp = directory / f"state.{secrets.token_hex(6)}.tmp"
        _write_private(tmp, [state.to_json()])
        os.replace(tmp, directory / "state.json")

    @contextlib.contextmanager
    def edit(self, sid: str) -> Iterator[SessionState]:
        """The session's state to change, saved when the block ends without an error.

        Two requests of one session run at once (a class picked while the page redraws):
        each read-change-save holds the session's lock, an ``flock`` so that it also holds
        across server processes, or the second save would drop the first one's change.
        """
        directory = self.directory(sid)
        lock = os.open(directory / "state.lock", os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(lock, fcntl.LOCK_EX)
            state = self.state(sid)
            yield state
            self.save_state(sid, state)
        finally:
            os.close(lock)  # closing releases the lock

    def touch(self, sid: str) -> None:
        """Mark the session as used now (the TTL counts from the last use)."""
        directory = self.directory(sid, create=False)
        if directory.exists():
            os.utime(directory)

    def upload_paths(self, sid: str) -> list[Path]:
        state = self.state(sid)
        base = self.directory(sid) / "uploads"
        return [base / name for name in state.files if (base / name).is_file()]

    # ------------------------------------------------------------------ uploads

    def replace_uploads(
        self,
        sid: str,
        files: list[tuple[str, bytes]],
        limit_bytes: int,
        budget: Budget | None = None,
    ) -> SessionState:
        """Store a new upload (one or more files) in place of the previous one.

        Zip archives are unpacked here (checked against path traversal and zip bombs, streamed
        to disk within ``budget``: the decompression limits, by default 10 x the upload limit
        and ``MAX_ZIP_RATIO`` over all members); ``.gz`` stays packed because the loaders read
        gzip themselves, within the same limits.
        """
        total = sum(len(data) for _, data in files)
        if total > limit_bytes:
            raise over_limit([name for name, _ in files], total, limit_bytes)
        if len(files) > MAX_UPLOAD_FILES:
            raise InputError(
                ", ".join(name for name, _ in files[:3]) + ", ...",
                f"upload has {len(files)} files, at most {MAX_UPLOAD_FILES} allowed",
            )
        count = len(files)  # files stored, counting each archive as its members once unpacked
        uploads = self.uploads(sid)
        for old in uploads.iterdir():
            if old.is_dir():
                shutil.rmtree(old)
            else:
                old.unlink()
        digest = hashlib.sha256()
        stored: list[str] = []
        for name, data in files:
            if zipfile.is_zipfile(io.BytesIO(data)):
                room = MAX_UPLOAD_FILES - count + 1
                members = _unzip(name, data, uploads, limit_bytes, budget, room)
                count += len(members) - 1
            else:
                target = _unique(uploads, safe_filename(name))
                _write_private(uploads / target, [data])
                members = [(target, hashlib.sha256(data).digest())]
            for target, member_digest in members:
                stored.append(target)
                digest.update(target.encode() + b"\0" + member_digest)
        state = self.state(sid)
        state.files = stored
        state.uploaded_names = [name for name, _ in files]
        state.upload_key = digest.hexdigest()
        self.save_state(sid, state)
        return state

    def set_aside_uploads(self, sid: str) -> None:
        """Keep the current upload aside (``uploads.previous``) while a new one is tried."""
        directory = self.directory(sid)
        current, aside = directory / "uploads", directory / "uploads.previous"
        if aside.exists():
            shutil.rmtree(aside)
        if current.exists():
            os.replace(current, aside)

    def restore_uploads(self, sid: str, state: SessionState) -> None:
        """Back to the upload set aside and the state the session had before."""
        directory = self.directory(sid)
        current, aside = directory / "uploads", directory / "uploads.previous"
        if current.exists():
            shutil.rmtree(current)
        if aside.exists():
            os.replace(aside, current)
        self.save_state(sid, state)

    def drop_aside(self, sid: str) -> None:
        shutil.rmtree(self.directory(sid) / "uploads.previous", ignore_errors=True)

    # ------------------------------------------------------------------ pending mapping

    def keep_pending(
        self, sid: str, name: str, data: bytes, fmt: str, problem: str, edit: bool = False
    ) -> SessionState:
        """Keep an upload flowgap could not map by itself (``pending/``, beside the data the
        session shows), with a bounded head of it for the mapping's preview; ``edit``: the
        session's own upload, whose mapping is edited again."""
        from ..ingest.preview import head_name, write_head

        directory = self.directory(sid) / "pending"
        if directory.exists():
            shutil.rmtree(directory)
        directory.mkdir(mode=0o700)
        target = safe_filename(name)
        _write_private(directory / target, [data])
        head = directory / "head"
        head.mkdir(mode=0o700)
        more = write_head(directory / target, head / head_name(target), fmt)
        state = self.state(sid)
        state.pending = {
            "name": name,
            "file": target,
            "head": head_name(target),
            "format": fmt,
            "problem": problem,
            "more": "yes" if more else "",
            "edit": "yes" if edit else "",
        }
        self.save_state(sid, state)
        return state

    def pending_path(self, sid: str, head: bool = False) -> Path | None:
        """The pending upload (or its head), if the session has one."""
        pending = self.state(sid).pending
        if not pending:
            return None
        directory = self.directory(sid) / "pending"
        path = directory / "head" / pending["head"] if head else directory / pending["file"]
        return path if path.is_file() else None

    def drop_pending(self, sid: str) -> None:
        shutil.rmtree(self.directory(sid) / "pending", ignore_errors=True)
        state = self.state(sid)
        if state.pending is not None:
            state.pending = None
            self.save_state(sid, state)

    def forget_uploads(self, sid: str) -> SessionState:
        uploads = self.uploads(sid)
        for old in uploads.iterdir():
            old.unlink()
        state = self.state(sid)
        state.files, state.uploaded_names, state.upload_key = [], [], None
        state.config_toml = state.config_name = None
        state.input_map = None
        self.save_state(sid, state)
        self.drop_pending(sid)
        return state

    # ------------------------------------------------------------------ expiry

    def cleanup(self, now: float | None = None) -> list[str]:
        """Delete sessions idle for longer than the TTL; returns the ids removed."""
        now = time.time() if now is None else now
        removed = []
        with self._lock:
            self._last_cleanup = now
            for entry in self.root.iterdir():
                if not (entry.is_dir() and valid_session_id(entry.name)):
                    continue
                try:
                    idle = now - entry.stat().st_mtime
                except FileNotFoundError:
                    continue
                if idle > self.ttl_s:
                    shutil.rmtree(entry, ignore_errors=True)
                    removed.append(entry.name)
        if removed and self.on_removed is not None:
            self.on_removed(removed)
        return removed

    # ------------------------------------------------------------------ what users see

    def redact(self, text: str, sid: str | None) -> str:
        """``text`` as a user may see it: a path under the sessions' root or under a
        temporary directory of flowgap's (``<temp>/flowgap-*``: unpacked archives, inflated
        logs, spill files) keeps only its file name, and the session id is gone (it is the
        cookie that opens the session's data). Other paths, such as one in a ticket's
        summary, are the data's and stay."""
        for root, partial in self._private_roots:
            if root in text:
                head = _PLAIN_SEGMENT if partial else ""
                text = re.sub(re.escape(root) + head + _PLAIN_DIRS, "", text)
            # Dash's JSON writes "/" as \u002f (and "<" as \u003c).
            escaped = root.replace("/", _SLASH)
            if escaped in text:
                head = _ESCAPED_SEGMENT if partial else ""
                text = re.sub(re.escape(escaped) + head + _ESCAPED_DIRS, "", text)
        if sid and sid in text:
            text = text.replace(sid, "<session>")
        return text

    @property
    def _private_roots(self) -> list[tuple[str, bool]]:
        """(literal start of a private path, whether it ends inside a directory's name)."""
        temp = tempfile.gettempdir()
        roots = {(str(self.root), False), (str(self.root.resolve()), False)}
        roots |= {(f"{t}/flowgap-", True) for t in {temp, str(Path(temp).resolve())}}
        return sorted(roots, key=lambda r: len(r[0]), reverse=True)  # nested roots: longest first

    def maybe_cleanup(self, every_s: float | None = None) -> None:
        """Clean up every five minutes, or four times per TTL when that is shorter."""
        every_s = every_s if every_s is not None else min(300.0, max(self.ttl_s / 4, 1.0))
        if time.time() - self._last_cleanup > every_s:
            self.cleanup()


def _unique(directory: Path, name: str) -> str:
    candidate, n = name, 1
    while (directory / candidate).exists():
        stem, dot, ext = name.partition(".")
        candidate = f"{stem}-{n}{dot}{ext}"
        n += 1
    return candidate


def _unzip(
    name: str,
    data: bytes,
    uploads: Path,
    limit_bytes: int,
    budget: Budget | None,
    room: int = MAX_UPLOAD_FILES,
) -> list[tuple[str, bytes]]:
    """Unpack a zip upload into ``uploads``, member by member in chunks, refusing traversal,
    links, bombs and absurd member counts; returns each stored name with its sha256."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        infos = [i for i in archive.infolist() if not i.is_dir()]
    except zipfile.BadZipFile as exc:
        raise InputError(name, f"not a readable zip archive: {exc}") from None
    if len(infos) > room:
        besides = "" if room == MAX_UPLOAD_FILES else " besides the upload's other files"
        raise InputError(name, f"zip has {len(infos)} files, at most {room} allowed{besides}")
    budget = budget or Budget(limit_bytes * 10, MAX_ZIP_RATIO)
    declared = sum(i.file_size for i in infos)
    if declared > budget.max_bytes:
        raise InputError(name, f"zip expands to {declared / 1e6:.0f} MB, more than allowed")
    out: list[tuple[str, bytes]] = []
    for info in infos:
        path = PurePosixPath(info.filename.replace("\\", "/"))
        if path.is_absolute() or ".." in path.parts:
            raise InputError(name, f"zip member {info.filename!r} points outside the archive")
        if (info.external_attr >> 16) & 0o170000 == 0o120000:
            raise InputError(name, f"zip member {info.filename!r} is a symbolic link")
        if info.compress_size and info.file_size / info.compress_size > budget.max_ratio:
            raise InputError(name, f"zip member {info.filename!r} is suspiciously compressed")
        target = _unique(uploads, safe_filename(path.name))
        digest = hashlib.sha256()
        budget.read_packed(info.compress_size)

        def chunks(info: zipfile.ZipInfo = info, digest: Any = digest) -> Iterator[bytes]:
            read = 0
            with archive.open(info) as fh:
                while chunk := fh.read(CHUNK):
                    read += len(chunk)
                    # A lying header cannot make us write more than it declared.
                    if read > info.file_size:
                        raise InputError(
                            name, f"zip member {info.filename!r} is larger than declared"
                        )
                    budget.spend(len(chunk), name, record=f"member {info.filename!r}")
                    digest.update(chunk)
                    yield chunk

        try:
            _write_private(uploads / target, chunks())
        except (zipfile.BadZipFile, OSError, RuntimeError, EOFError) as exc:
            raise InputError(name, f"zip member {info.filename!r}: {exc}") from None
        out.append((target, digest.digest()))
    if not out:
        raise InputError(name, "zip archive holds no files")
    return out
