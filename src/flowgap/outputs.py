"""Putting an output file in place: the one rule for every file a command writes.

A file is written beside its target and renamed over it, so it appears complete or not at all.
A rename replaces whatever has the name: a named pipe another program reads, a device node
(``/dev/null`` when run as root), a symbolic link the user made. Those are the user's, not a
previous output: a command refuses them, for the main file and every companion it would write,
before it writes anything (:func:`check_targets`), and once more just before each rename.
"""

from __future__ import annotations

import os
import stat
import tempfile
from collections.abc import Callable, Iterable
from pathlib import Path

from .errors import InputError, UsageError

_KINDS = (
    (stat.S_ISLNK, "a symbolic link"),
    (stat.S_ISFIFO, "a named pipe"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
    (stat.S_ISSOCK, "a socket"),
    (stat.S_ISDIR, "a directory"),
)


def _kind(path: Path, folder_ok: bool) -> str | None:
    """What is at ``path`` when it may not be replaced (None: nothing, or a regular file, or a
    directory where ``folder_ok``)."""
    try:
        mode = os.lstat(path).st_mode
    except OSError:
        return None  # nothing there, or a path that cannot be: the write says why
    if stat.S_ISREG(mode) or (folder_ok and stat.S_ISDIR(mode)):
        return None
    return next((name for test, name in _KINDS if test(mode)), "not a regular file")


def check_targets(paths: Iterable[Path], *, folders: Iterable[Path] = ()) -> None:
    """Refuse (one line, before anything is written) when any of ``paths`` exists as anything
    but a regular file, or any of ``folders`` (a Parquet dataset) as anything but a regular
    file or a directory."""
    checks = [(Path(p), False) for p in paths] + [(Path(f), True) for f in folders]
    for path, folder_ok in checks:
        if (kind := _kind(path, folder_ok)) is not None:
            raise UsageError(
                f"--out: {path} exists and is {kind}; flowgap replaces only regular files "
                "(move it away or choose another name)"
            )


def check_writable(target: Path) -> None:
    """Refuse, before a long run, a ``target`` that :func:`atomic_write` could not write: one
    that may not be replaced, or whose folder cannot be made or written in (a temporary file
    is made there and removed: permission bits do not tell root's limits, a read-only mount
    or a path under a file)."""
    check_targets([target])
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=target.parent, prefix=".probe-"):
            pass
    except OSError as exc:
        raise InputError(target, f"cannot write: {exc.strerror or exc}") from None


def atomic_write(target: Path, write: Callable[[Path], object]) -> None:
    """``write`` a file beside ``target``, then rename it over ``target``."""
    check_targets([target])
    # The name ends as the target's does: writers choose by the extension (.gz compresses).
    tmp = target.with_name(f".tmp-{os.getpid()}-{target.name}")
    try:
        tmp.unlink(missing_ok=True)  # a link left there would be written through
        write(tmp)
        check_targets([target])  # a pipe or link may have appeared while writing
        os.replace(tmp, target)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
