"""The served app imports Pillow before any request thread runs: plotly's JSON encoder reads
``sys.modules["PIL.Image"]``, and a response encoded while pm4py's background import was
loading Pillow failed with a 500 (a half-initialised module)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

SCRIPT = """
import sys
from flowgap.dashboard import create_app
assert "PIL.Image" not in sys.modules, "imported before the app: the test proves nothing"
create_app(session_root=sys.argv[1])
print("PIL.Image" in sys.modules)
"""


def test_pillow_is_imported_when_the_app_is_built(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-c", SCRIPT, str(tmp_path / "sessions")],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "True"
