"""Decompression with limits: every gzip and zip layer of an input inflates against one budget.

A few MB of gzip can hold gigabytes of spaces. Nothing here inflates a stream whole: gzip is
read in chunks and zip members are streamed to disk, and each chunk is counted against the
budget of the input being loaded (``[input] max_inflated_mb``, default 2 GiB, and
``[input] max_compression_ratio``, default 200:1; real exports compress 10 to 30 times). The
first chunk past a limit stops the load with one :class:`InputError`, so memory stays near one
chunk above what the limit allows, however big the bomb.

The budget is shared by every nesting of one input: the members of a zip and a ``.gz`` inside
a member count together against the zip's compressed bytes, so neither a gzip hidden in a zip
nor two thousand small members of a zip slip past a check made per layer or per member. The
ratio is checked as it goes (inflated bytes over compressed bytes read so far), once more than
``RATIO_FLOOR`` bytes came out: tiny files compress absurdly well and are harmless.

The budget of the load in progress is held in a :class:`contextvars.ContextVar`: scoped to one
``load`` call on one thread (two dashboard sessions loading at once each have their own), and
the loaders keep their ``load(path, config)`` signature.
"""

from __future__ import annotations

import contextlib
import gzip
import io
import zlib
from collections.abc import Iterator
from contextvars import ContextVar
from pathlib import Path
from typing import Any, BinaryIO

from ..config import Config
from ..config.models import MAX_INFLATED_KEY
from ..errors import InputError

MB = 1 << 20
#: Below this many inflated bytes the ratio is not checked (a 2 KB gzip of 1 MB is no bomb).
RATIO_FLOOR = 4 * MB
CHUNK = MB
_PACKED_READ = 16 << 10

_active: ContextVar[Budget | None] = ContextVar("flowgap_inflate_budget", default=None)


class Budget:
    """What one input may inflate to, over all its layers."""

    def __init__(self, max_bytes: int, max_ratio: float, cap: str = MAX_INFLATED_KEY) -> None:
        self.max_bytes = max_bytes
        self.max_ratio = max_ratio
        self.cap = cap  # what set max_bytes, named in the error past it
        self.packed = 0  # compressed bytes read from the outermost layer
        self.inflated = 0  # bytes produced by every layer
        self.depth = 0  # > 0 while the members of an archive are read

    @classmethod
    def of(cls, config: Config) -> Budget:
        limits = config.input
        return cls(
            int(limits.max_inflated_mb * MB),
            float(limits.max_compression_ratio),
            limits.inflated_cap,
        )

    def read_packed(self, n: int) -> None:
        """``n`` compressed bytes read from the input itself (not from inside an archive,
        whose members' bytes were already counted as inflated)."""
        if self.depth == 0:
            self.packed += n

    def spend(self, n: int, path: object, record: str | None = None) -> None:
        """``n`` more bytes inflated; an InputError naming ``path`` past a limit."""
        self.inflated += n
        if self.inflated > self.max_bytes:
            raise InputError(
                path,
                f"inflates to more than {self.max_bytes / MB:g} MB ({self.cap});"
                " a decompression bomb?",
                record=record,
            )
        if self.too_dense(self.inflated, self.packed):
            raise InputError(
                path,
                f"inflates more than {self.max_ratio:g} times its compressed size"
                " ([input] max_compression_ratio); a decompression bomb?",
                record=record,
            )

    def too_dense(self, inflated: int, packed: int) -> bool:
        """Whether ``packed`` bytes inflating to ``inflated`` pass the ratio limit (never below
        :data:`RATIO_FLOOR`: tiny files compress absurdly well and are harmless)."""
        return inflated > RATIO_FLOOR and inflated > self.max_ratio * max(packed, 1)

    @contextlib.contextmanager
    def inside_archive(self) -> Iterator[None]:
        """While an archive's members are loaded, their own gzip layers add no packed bytes."""
        self.depth += 1
        try:
            yield
        finally:
            self.depth -= 1


@contextlib.contextmanager
def limits(config: Config) -> Iterator[Budget]:
    """The budget of the load in progress, or a new one from ``config`` for an outermost load
    (every input below it shares it)."""
    budget = _active.get()
    if budget is not None:
        yield budget
        return
    budget = Budget.of(config)
    token = _active.set(budget)
    try:
        yield budget
    finally:
        _active.reset(token)


def current() -> Budget:
    """The budget of the load in progress; a loader called on its own gets the defaults."""
    return _active.get() or Budget.of(Config())


class _Counting(io.RawIOBase):
    """A raw stream that counts what is read from it into the budget's packed bytes, in small
    reads: ``gzip`` asks for 128 KiB at a time, which a bomb inflates to 128 MiB before the
    ratio could be checked; 16 KiB keeps the count close behind the inflated bytes."""

    def __init__(self, raw: BinaryIO, budget: Budget) -> None:
        super().__init__()
        self._raw, self._budget = raw, budget

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        n = self._raw.readinto(memoryview(buffer)[:_PACKED_READ])  # type: ignore[attr-defined]
        self._budget.read_packed(n or 0)
        return n or 0


class GzipStream(io.RawIOBase):
    """The inflated bytes of a gzip stream (several members too), counted against ``budget``."""

    def __init__(self, raw: BinaryIO, path: object, budget: Budget | None = None) -> None:
        super().__init__()
        self._budget = budget or current()
        self._path = path
        self._gz = gzip.GzipFile(fileobj=_Counting(raw, self._budget), mode="rb")

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        n = self._gz.readinto(buffer)
        self._budget.spend(n, self._path)
        return n

    def chunks(self, size: int = CHUNK) -> Iterator[bytes]:
        while chunk := self._gz.read(size):
            self._budget.spend(len(chunk), self._path)
            yield chunk

    def close(self) -> None:
        self._gz.close()
        super().close()


def gunzip_file(path: Path) -> bytes:
    """A gzip file's inflated bytes, within the budget of the load in progress."""
    out = io.BytesIO()
    try:
        with path.open("rb") as raw, GzipStream(raw, path) as gz:  # type: ignore[arg-type]
            for chunk in gz.chunks():
                out.write(chunk)
    except (OSError, EOFError, zlib.error) as exc:  # zlib.error is no OSError
        raise InputError(path, f"corrupt gzip data: {exc}") from None
    return out.getvalue()


def gunzip_to(path: Path, target: Path) -> None:
    """Inflate a gzip file into ``target``, within the budget of the load in progress."""
    try:
        with path.open("rb") as raw, GzipStream(raw, path) as gz, target.open("wb") as out:  # type: ignore[arg-type]
            for chunk in gz.chunks():
                out.write(chunk)
    except (OSError, EOFError, zlib.error) as exc:
        raise InputError(path, f"corrupt gzip data: {exc}") from None
