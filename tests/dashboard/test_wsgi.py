"""The team deployment: gunicorn with dashboards/gunicorn.conf.py, for real, on loopback."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
TOKEN = "team-token-0123456789abcdef"
pytestmark = pytest.mark.slow


def _port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _gunicorn(env: dict) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "-c", "dashboards/gunicorn.conf.py"],
        cwd=ROOT,
        env={**os.environ, **env},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def _get(url: str, headers: dict | None = None):
    opener = urllib.request.build_opener(_NoRedirect)
    try:
        return opener.open(urllib.request.Request(url, headers=headers or {}), timeout=5)
    except urllib.error.HTTPError as err:
        return err


def test_gunicorn_serves_the_dashboard_behind_a_token(tmp_path):
    port = _port()
    proc = _gunicorn(
        {
            "FLOWGAP_BIND": f"127.0.0.1:{port}",
            "FLOWGAP_WORKERS": "1",
            "FLOWGAP_TOKEN": TOKEN,
            "FLOWGAP_SESSION_DIR": str(tmp_path / "sessions"),
        }
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.time() + 60
        while True:
            assert proc.poll() is None, proc.stdout.read()
            try:
                urllib.request.urlopen(base + "/", timeout=2)
            except urllib.error.HTTPError:
                break  # answered (401): up
            except OSError:
                assert time.time() < deadline, "gunicorn did not start"
                time.sleep(0.3)
        assert _get(base + "/").status == 401
        redirect = _get(base + f"/overview?token={TOKEN}")
        assert redirect.status == 303
        assert redirect.headers["Location"] == "/overview"
        cookie = redirect.headers["Set-Cookie"].split(";")[0]
        page = _get(base + "/overview", {"Cookie": cookie})
        assert page.status == 200
        assert b"<title>flowgap</title>" in page.read()
        assert "flowgap_session=" in page.headers["Set-Cookie"]
        assert "HttpOnly" in page.headers["Set-Cookie"]
        # Behind an HTTPS proxy the session cookie is marked Secure.
        secure = _get(
            base + "/", {"Authorization": f"Bearer {TOKEN}", "X-Forwarded-Proto": "https"}
        )
        assert "Secure" in secure.headers["Set-Cookie"]
    finally:
        proc.send_signal(signal.SIGINT)  # gunicorn's quick shutdown
        out, _ = proc.communicate(timeout=30)
    assert TOKEN not in out  # the query token never reaches the access log


def test_gunicorn_refuses_to_start_without_a_token(tmp_path):
    proc = _gunicorn(
        {
            "FLOWGAP_BIND": f"127.0.0.1:{_port()}",
            "FLOWGAP_WORKERS": "1",
            "FLOWGAP_TOKEN": "",
            "FLOWGAP_AUTH": "",
            "FLOWGAP_SESSION_DIR": str(tmp_path),
        }
    )
    out, _ = proc.communicate(timeout=60)
    assert proc.returncode != 0
    assert "flowgap: error: set FLOWGAP_TOKEN" in out
