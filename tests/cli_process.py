"""``flowgap`` as a user runs it: a fresh process, its exit code and its output."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path


def flowgap_cli(*args: str | Path, cwd: Path, timeout: float = 300) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "flowgap", *map(str, args)],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
