"""A real ``flowgap serve``: many sessions upload and browse, their sessions expire, and the
server's memory returns near where it was before them."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from dash_http import DashSession, rss_mb, serve

SESSIONS = 8


def _sample(out: Path, items: int, seed: int) -> Path:
    subprocess.run(
        [
            sys.executable,
            "-m",
            "flowgap",
            "sample",
            *("--items", str(items), "--seed", str(seed)),
            *("--no-story", "-o", str(out)),
        ],
        check=True,
        capture_output=True,
        timeout=300,
    )
    return out


def _browse(base: str, upload: bytes) -> DashSession:
    """One user: upload the export, then open pages of it, two of them filtered."""
    s = DashSession(base)
    s.open("/upload")
    message = s.upload([("team.jira.ndjson.gz", upload)])
    assert "data-version" in message, message
    for page, search in (
        ("/overview", ""),
        ("/bottlenecks", ""),
        ("/flow", ""),
        ("/overview", "?type=Bug"),
        ("/flow", "?type=Story"),
    ):
        out = s.open(page, search, version=1)
        assert "could not" not in str(out), out
    return s


def _expire_sessions(base: str, sessions: Path, ttl_s: float) -> None:
    """Make every session idle for longer than the TTL, then let a request run the expiry.

    The store judges idleness by a session directory's modification time, so dating the
    directories back stands for the wait; the server still cleans up at most four times per
    TTL, hence the short sleep."""
    old = time.time() - ttl_s - 5
    for directory in sessions.iterdir():
        if directory.is_dir():
            os.utime(directory, (old, old))
    time.sleep(ttl_s / 4 + 1)
    DashSession(base).open("/overview")


@pytest.mark.slow
def test_memory_returns_near_the_baseline_when_sessions_expire(tmp_path: Path) -> None:
    demo = _sample(tmp_path / "demo.jira.ndjson.gz", 30, 1)
    upload = _sample(tmp_path / "team.jira.ndjson.gz", 3000, 7).read_bytes()
    ttl_s = 15
    config = tmp_path / "flowgap.toml"
    # Entries are not what bounds the cache here: every session's analyses stay until expiry.
    config.write_text(
        f"[dashboard]\nsession_ttl_hours = {ttl_s / 3600}\ncache_entries = 500\ncache_mb = 4000\n"
    )
    with serve([demo], config, tmp_path / "sessions", tmp_path / "server.log") as (base, proc):
        # Warm up: imports (pm4py...) and the allocators' first growth stay for good.
        _browse(base, upload)
        _expire_sessions(base, tmp_path / "sessions", ttl_s)
        baseline = rss_mb(proc.pid)
        peak = baseline
        for _ in range(SESSIONS):
            _browse(base, upload)
            peak = max(peak, rss_mb(proc.pid))
        _expire_sessions(base, tmp_path / "sessions", ttl_s)
        after = rss_mb(proc.pid)
    sessions_left = [p for p in (tmp_path / "sessions").iterdir() if p.is_dir()]
    print(f"rss baseline {baseline:.0f} MB, peak {peak:.0f} MB, after expiry {after:.0f} MB")
    assert len(sessions_left) <= 1  # the last request's own session
    # The sessions held memory (their cached analyses: about 100 MB for eight 3,000-item
    # uploads); expired, most of it is given back (what stays is heap the allocators keep for
    # the next requests). Relative to what was held, so that the check can fail either way.
    held = peak - baseline
    assert held > 60, (baseline, peak)
    assert after - baseline < 0.6 * held, (baseline, peak, after)
