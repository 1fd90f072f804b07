"""A browser session of the dashboard over plain HTTP: its cookie, and the callbacks a browser
sends (Dash's ``/_dash-update-component`` protocol, with the callbacks looked up in
``/_dash-dependencies`` by their inputs). For tests that need many sessions or many requests,
where a real browser per session would cost too much; the browser tests cover the rest.
"""

from __future__ import annotations

import base64
import json
import os
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

ROUTE = ("url.pathname", "url.search", "data-version.data")
LABEL = ("data-version.data", "url.search")
UPLOAD = ("upload.contents",)


class DashSession:
    """One browser: a cookie jar of one cookie, and every response body it was sent."""

    def __init__(self, base: str, keep_bodies: bool = False) -> None:
        self.base = base.rstrip("/")
        self.cookie: str | None = None
        self.bodies: list[bytes] = [] if keep_bodies else None  # type: ignore[assignment]
        self._deps: list[dict] | None = None

    def request(self, path: str, body: dict | None = None, timeout: float = 300) -> bytes:
        data = None if body is None else json.dumps(body).encode()
        req = urllib.request.Request(self.base + path, data=data)
        if data is not None:
            req.add_header("Content-Type", "application/json")
        if self.cookie:
            req.add_header("Cookie", f"flowgap_session={self.cookie}")
        with urllib.request.urlopen(req, timeout=timeout) as resp:
            for header in resp.headers.get_all("Set-Cookie") or []:
                name, _, rest = header.partition("=")
                if name == "flowgap_session":
                    self.cookie = rest.split(";", 1)[0]
            out = resp.read()
        if self.bodies is not None:
            self.bodies.append(out)
        return out

    def deps(self) -> list[dict]:
        if self._deps is None:
            self._deps = json.loads(self.request("/_dash-dependencies"))
        return self._deps

    def call(self, inputs: dict[str, Any], state: dict[str, Any] | None = None) -> dict:
        """Fire the callback whose inputs are exactly ``inputs`` ("id.property" -> value), as
        if every input changed; returns the response's ``response`` part ({} for 204)."""
        names = tuple(inputs)
        dep = next(d for d in self.deps() if _ids(d["inputs"]) == names)
        state = state or {}
        output = dep["output"]
        parts = output.strip(".").split("...") if output.startswith("..") else [output]
        outputs = []
        for part in parts:
            oid, _, prop = part.rpartition(".")
            outputs.append({"id": oid, "property": prop.split("@", 1)[0]})
        values = {**inputs, **state}
        body = {
            "output": output,
            "outputs": outputs if output.startswith("..") else outputs[0],
            "inputs": _filled(dep["inputs"], values),
            "state": _filled(dep["state"], values),
            "changedPropIds": list(names),
        }
        raw = self.request("/_dash-update-component", body)
        return json.loads(raw)["response"] if raw else {}

    # ------------------------------------------------------------------ what a user does

    def open(self, path: str = "/overview", search: str = "", version: int = 0) -> dict:
        """A page as the browser draws it: the HTML, the page itself and the header line."""
        self.request(path + search)
        page = self.call(dict(zip(ROUTE, (path, search, version), strict=True)))
        self.call(dict(zip(LABEL, (version, search), strict=True)))
        return page

    def upload(self, files: list[tuple[str, bytes]], version: int = 0) -> dict:
        contents = [
            "data:application/octet-stream;base64," + base64.b64encode(data).decode()
            for _, data in files
        ]
        return self.call(
            {"upload.contents": contents},
            {"upload.filename": [name for name, _ in files], "data-version.data": version},
        )


def _ids(deps: list[dict]) -> tuple[str, ...]:
    return tuple(f"{d['id']}.{d['property']}" for d in deps)


def _filled(deps: list[dict], values: dict[str, Any]) -> list[dict]:
    return [
        {
            "id": d["id"],
            "property": d["property"],
            "value": values.get(f"{d['id']}.{d['property']}"),
        }
        for d in deps
    ]


def free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def serve(
    inputs: list[Path], config: Path, sessions: Path, log: Path
) -> Iterator[tuple[str, subprocess.Popen]]:
    """``python -m flowgap serve`` on a free loopback port: (base URL, process) while it runs."""
    port = free_port()
    env = {
        **os.environ,
        "FLOWGAP_SESSION_DIR": str(sessions),
        "PYTHONPATH": os.pathsep.join(sys.path),
        "PYTHONUNBUFFERED": "1",
    }
    with log.open("w") as out:
        proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "flowgap",
                "serve",
                *map(str, inputs),
                *("-c", str(config)),
                *("--port", str(port)),
            ],
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
        base = f"http://127.0.0.1:{port}"
        try:
            deadline = time.time() + 180
            while True:
                if proc.poll() is not None:
                    raise RuntimeError("flowgap serve exited: " + log.read_text())
                try:
                    urllib.request.urlopen(base + "/", timeout=5).read()
                    break
                except (OSError, urllib.error.URLError):
                    if time.time() > deadline:
                        raise RuntimeError("flowgap serve did not answer in 180 s") from None
                    time.sleep(0.5)
            try:
                yield base, proc
            except Exception:
                # a callback's 500 says nothing more to the client: the server's log is its trace
                print("---- flowgap serve's log (end) ----\n" + log.read_text()[-20000:])
                raise
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


def rss_mb(pid: int) -> float:
    """Resident memory of a process now, from /proc."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError(f"no VmRSS for {pid}")


def sample_client(sample_logs: Path, sessions: Path, upload_limit_mb: float | None = None) -> Any:
    """Flask's test client of the dashboard on the sample Jira log, one session opened (its
    id ``sid``), with the callbacks (``deps``), the session store (``store``) and the data
    service (``service``) at hand."""
    from flowgap.config import Config
    from flowgap.dashboard import create_app
    from flowgap.dashboard.sessions import SessionStore

    config = Config.load(sample_logs / "sample.jira.flowgap.toml")
    if upload_limit_mb is not None:
        config.dashboard.upload_limit_mb = upload_limit_mb
    app = create_app(config, [sample_logs / "sample.jira.json"], session_root=sessions)
    client = app.server.test_client()
    client.get("/upload")
    client.deps = json.loads(client.get("/_dash-dependencies").data)
    client.store = SessionStore(sessions)
    client.sid = client.get_cookie("flowgap_session").value
    client.service = app._flowgap_service
    return client
