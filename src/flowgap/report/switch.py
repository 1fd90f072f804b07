"""Switching a report folder in one step.

The new set is written into a folder beside the old one; ``exchange`` then swaps the two
folders with one ``renameat2(RENAME_EXCHANGE)`` call (Linux 3.15+, glibc 2.28+; Python has no
binding, hence ctypes): at every instant the path holds the complete old set or the complete
new one. Where the call is missing or the file system refuses it, the old folder is renamed
aside and the new one into place: two renames, between which the path briefly does not exist
(still never a mix).
"""

from __future__ import annotations

import ctypes
import errno
import os
import shutil
import stat
from pathlib import Path

from ..errors import UsageError

_AT_FDCWD = -100
_RENAME_EXCHANGE = 2


def refuse_in_the_way(out: Path, folders: set[str], files: set[str]) -> None:
    """A folder where a report file goes (or a file where a report folder goes) is the user's:
    an error, never deleted."""
    for name in sorted(files | folders):
        path = out / name
        if name in files and path.is_dir() and not path.is_symlink():
            raise UsageError(
                f"--out: {path} is a folder where the report {name} goes: move it away "
                "(flowgap does not delete it)"
            )
        if name in folders and path.exists() and not path.is_dir():
            raise UsageError(
                f"--out: {path} is a file where the folder {name}/ goes: move it away "
                "(flowgap does not delete it)"
            )


def carry_over(old: Path, new: Path, keep_out: set[str]) -> None:
    """Everything of ``old`` but the names in ``keep_out`` appears in ``new`` too: hard links
    (the same files, nothing copied), a copy where the file system has none, links as links."""
    for entry in sorted(old.iterdir()):
        if entry.name in keep_out:
            continue
        target = new / entry.name
        if entry.is_symlink():
            os.symlink(os.readlink(entry), target)
        elif entry.is_dir():
            shutil.copytree(entry, target, symlinks=True, copy_function=_link_or_copy)
        else:
            _link_or_copy(str(entry), str(target))


def _link_or_copy(src: str, dst: str) -> None:
    try:
        os.link(src, dst)
    except OSError:
        shutil.copy2(src, dst)


def put_in_place(new: Path, out: Path, names: list[str]) -> None:
    """Rename each of ``names`` from ``new`` (a folder inside ``out``) into ``out``, one at a
    time in the order given, ``report.json`` last: for an ``out`` whose parent may not be
    written, where the folder cannot be swapped whole. Each rename replaces one report whole
    (a folder by ``exchange``); a name ``new`` lacks leaves ``out`` (into ``new``, which the
    caller removes)."""
    for name in sorted(names, key=lambda n: n == "report.json"):
        src, dst = new / name, out / name
        if src.exists():
            if src.is_dir() and dst.is_dir() and not dst.is_symlink():
                exchange(src, dst)  # src then holds the old folder
            else:
                os.replace(src, dst)
        elif dst.exists() or dst.is_symlink():
            os.replace(dst, src)


def exchange(new: Path, out: Path) -> None:
    """Swap the folders ``new`` and ``out`` (``new`` then holds what ``out`` held)."""
    os.chmod(new, stat.S_IMODE(out.stat().st_mode))  # the folder keeps its permissions
    if _renameat2_exchange(new, out):
        return
    aside = new.with_name(new.name + "-old")
    out.rename(aside)
    new.rename(out)
    aside.rename(new)


def _renameat2_exchange(a: Path, b: Path) -> bool:
    """True when the kernel swapped the two paths; False when it cannot (then nothing moved)."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        renameat2 = libc.renameat2
    except (OSError, AttributeError):
        return False
    renameat2.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p]
    renameat2.argtypes += [ctypes.c_uint]
    renameat2.restype = ctypes.c_int
    if renameat2(_AT_FDCWD, os.fsencode(a), _AT_FDCWD, os.fsencode(b), _RENAME_EXCHANGE) == 0:
        return True
    code = ctypes.get_errno()
    if code in (errno.ENOSYS, errno.EINVAL, errno.ENOTSUP, errno.EOPNOTSUPP):
        return False
    raise OSError(code, os.strerror(code), str(b))
