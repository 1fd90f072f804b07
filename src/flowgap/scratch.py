"""Scratch directories a killed run may leave behind, and their cleaning by the next run.

Each is named ``<prefix><pid>-<random>``: a later run removes those whose process is gone and
leaves alone those of a run still going (two analyses into one folder, a dashboard's engine).
"""

from __future__ import annotations

import os
import secrets
import shutil
import tempfile
from pathlib import Path


def make(parent: Path | str, prefix: str, *, private: bool = True) -> Path:
    """A new directory ``<parent>/<prefix><pid>-<random>``: private (0700, as ``mkdtemp``), or
    with the permissions a new folder gets (the umask's), for one that becomes a report."""
    if private:
        return Path(tempfile.mkdtemp(prefix=f"{prefix}{os.getpid()}-", dir=parent))
    for _ in range(100):
        path = Path(parent, f"{prefix}{os.getpid()}-{secrets.token_hex(4)}")
        try:
            path.mkdir()
        except FileExistsError:
            continue
        return path
    raise FileExistsError(f"no free name for a folder {prefix}* in {parent}")


def clean_stale(parent: Path | str, prefix: str) -> list[Path]:
    """Remove the scratch directories under ``parent`` left by processes that no longer run;
    return them. Unreadable ones stay (nothing here may fail a run)."""
    removed = []
    try:
        entries = list(os.scandir(parent))
    except OSError:
        return removed
    for entry in entries:
        if not entry.name.startswith(prefix):
            continue
        pid_text = entry.name[len(prefix) :].partition("-")[0]
        if not pid_text.isdigit() or _alive(int(pid_text)):
            continue
        try:
            if not entry.is_dir(follow_symlinks=False):
                continue
        except OSError:
            continue
        shutil.rmtree(entry.path, ignore_errors=True)
        removed.append(Path(entry.path))
    return removed


def _alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:  # PermissionError: it runs, as someone else
        return True
    return True
