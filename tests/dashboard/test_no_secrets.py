"""No page or message a user can see holds a server path or the session id (the cookie that
opens the session's data): a real ``flowgap serve``, every page and every upload outcome."""

from __future__ import annotations

import io
import json
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

from dash_http import DashSession, serve

PAGES = ("/", "/upload", "/overview", "/bottlenecks", "/flow", "/journey", "/steering", "/nope")
MOVES = (
    "item,from,to,timestamp,author,team\n"
    "T-1,,To Do,2026-01-01T09:00:00Z,ann,Dev\n"
    "T-1,To Do,In Progress,2026-01-02T09:00:00Z,ann,Dev\n"
    "T-1,In Progress,Done,not a date,ann,Dev\n"
    "T-1,In Progress,Done,2026-01-04T09:00:00Z,bob,QA\n"
)


def _zip(members: dict[str, bytes]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in members.items():
            z.writestr(name, data)
    return buf.getvalue()


def test_no_page_or_message_shows_a_server_path_or_the_session_id(tmp_path: Path) -> None:
    demo = tmp_path / "demo.jira.ndjson.gz"
    subprocess.run(
        [sys.executable, "-m", "flowgap", "sample", "--items", "20", "-o", str(demo)],
        check=True,
        capture_output=True,
        timeout=300,
    )
    config = tmp_path / "flowgap.toml"
    config.write_text("")
    sessions = tmp_path / "sessions"
    uploads = [
        [("broken.jira.ndjson.gz", b"\x1f\x8b\x08\x00" + b"not gzip" * 20)],
        [("bad.zip", _zip({"inner.dat": b"\x00\x01 binary"}))],
        [
            ("moves.csv", MOVES.encode()),
            ("flowgap.toml", b"[flow]\nas_of = 9999-12-31T00:00:00Z\n"),
        ],
        [("empty.csv", b"")],
        [("moves.csv", MOVES.encode())],  # loads, with one rejected row
    ]
    messages = []
    with serve([demo], config, sessions, tmp_path / "server.log") as (base, _):
        user = DashSession(base, keep_bodies=True)
        version = 0
        for path in PAGES:
            user.open(path, version=version)
        for files in uploads:
            user.upload(files, version)
            version += 1
            messages.append(json.dumps(user.open("/upload", version=version)))
            for path in PAGES:
                user.open(path, "?item=T-1", version=version)
        sid = user.cookie
        assert sid and len(sid) == 43
        assert (sessions / sid / "uploads" / "moves.csv").is_file()
    seen = b"\n".join(user.bodies).decode()
    assert sid not in seen
    for private in {str(sessions), str(sessions.resolve()), tempfile.gettempdir(), str(tmp_path)}:
        assert private not in seen
        assert private.replace("/", "\\u002f") not in seen  # as Dash's JSON writes it
    # Each message still names the file and the problem.
    assert "Nothing was loaded: broken.jira.ndjson.gz: corrupt gzip data" in messages[0]
    assert "Nothing was loaded: inner.dat: binary data" in messages[1]  # unpacked on upload
    assert "Nothing was loaded: " in messages[2]
    assert "Nothing was loaded: empty.csv: " in messages[3]
    assert "Loaded moves.csv: 1 items, " in messages[4]
    assert "moves.csv:4" in messages[4]  # the rejected row's source: file and line
