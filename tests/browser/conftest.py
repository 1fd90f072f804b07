"""A real ``flowgap serve`` on a free loopback port, and headless Chromium driven by Playwright.

The server runs in a subprocess exactly as a user starts it (``python -m flowgap serve``), with
a small generated sample as the shared demo dataset; tests upload a bigger sample of their own.
"""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
IMG = ROOT / "docs" / "img"


def grid_rows(grid_id: str) -> str:
    """A JavaScript expression: the rows the AG Grid ``grid_id`` displays, -1 while it is not
    drawn yet. dash_ag_grid's ``getApi`` throws then, and a throw ends a ``wait_for_function``
    at once (and counts as a page error) instead of waiting."""
    return (
        f"(() => {{ try {{ return dash_ag_grid.getApi('{grid_id}').getDisplayedRowCount(); }}"
        " catch (e) { return -1; } })()"
    )


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _flowgap(*args: str, cwd: Path, env: dict | None = None) -> list[str]:
    out = subprocess.run(
        [sys.executable, "-m", "flowgap", *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=True,
    )
    return out.stdout.split()


@pytest.fixture(scope="session")
def exports(tmp_path_factory) -> dict[str, Path]:
    """Generated Jira exports: the demo data, the upload, its config, and a corrupt file."""
    d = tmp_path_factory.mktemp("exports")
    _flowgap(
        "sample", "--items", "30", "--seed", "11", "--no-story", "-o", "demo.jira.ndjson.gz", cwd=d
    )
    _flowgap("sample", "--items", "80", "--seed", "5", "-o", "team.jira.ndjson.gz", cwd=d)
    # The served config is the sample's with a 1 MB upload limit, to see the limit's message.
    config = d / "served.flowgap.toml"
    config.write_text(
        (d / "team.jira.flowgap.toml").read_text() + "\n[dashboard]\nupload_limit_mb = 1\n"
    )
    huge = d / "huge.jira.ndjson"
    huge.write_bytes(b'{"key": "X-1"}\n' * 100_000)  # 1.5 MB
    corrupt = d / "broken.jira.ndjson.gz"
    corrupt.write_bytes(b"\x1f\x8b\x08\x00" + b"definitely not gzip data" * 10)
    return {
        "demo": d / "demo.jira.ndjson.gz",
        "upload": d / "team.jira.ndjson.gz",
        "config": config,
        "huge": huge,
        "corrupt": corrupt,
    }


@contextlib.contextmanager
def serving(
    exports: dict[str, Path], config: Path, sessions: Path, path: str = "/"
) -> Iterator[str]:
    """``flowgap serve`` of the demo export in a subprocess: its base URL while it runs."""
    port = _free_port()
    env = {**os.environ, "FLOWGAP_SESSION_DIR": str(sessions), "PYTHONUNBUFFERED": "1"}
    log_path = sessions.parent / f"server-{port}.log"
    log = log_path.open("w")
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "flowgap",
            "serve",
            str(exports["demo"]),
            "-c",
            str(config),
            "--port",
            str(port),
        ],
        cwd=sessions.parent,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.time() + 120
    try:
        while True:
            if proc.poll() is not None:
                log.close()
                pytest.fail("flowgap serve exited: " + log_path.read_text())
            try:
                urllib.request.urlopen(url + path, timeout=2)
                break
            except OSError:
                if time.time() > deadline:
                    pytest.fail("flowgap serve did not answer within 120 s")
                time.sleep(0.5)
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
        log.close()


@pytest.fixture(scope="session")
def server(exports, tmp_path_factory) -> Iterator[str]:
    with serving(exports, exports["config"], tmp_path_factory.mktemp("sessions")) as url:
        yield url


class Console:
    """Browser console errors and uncaught page errors; a test fails if any appeared."""

    def __init__(self) -> None:
        self.errors: list[str] = []

    def watch(self, page) -> None:
        page.on("console", lambda m: self.errors.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda e: self.errors.append(f"pageerror: {e}"))


@pytest.fixture
def console() -> Iterator[Console]:
    c = Console()
    yield c
    assert c.errors == [], f"browser console errors: {c.errors}"


@pytest.fixture(scope="session")
def img_dir() -> Path:
    IMG.mkdir(parents=True, exist_ok=True)
    return IMG
