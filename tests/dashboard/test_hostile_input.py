"""A stranger on a shared server sends the dashboard what a browser never would: forged
callback payloads, hostile names and sizes, a flowgap.toml built to hurt. Each gets one clear
line or is ignored, never a 500, and costs no more than an honest upload of its size.
Through Dash's HTTP protocol, as a browser (or a script) sends it."""

from __future__ import annotations

import base64
import json
import time
from pathlib import Path

import pytest

from flowgap.config import Config
from flowgap.dashboard import create_app
from flowgap.dashboard.sessions import SessionStore

LIMIT_MB = 2


@pytest.fixture()
def client(sample_logs: Path, tmp_path: Path):
    config = Config.load(sample_logs / "sample.jira.flowgap.toml")
    config.dashboard.upload_limit_mb = LIMIT_MB
    app = create_app(config, [sample_logs / "sample.jira.json"], session_root=tmp_path)
    client = app.server.test_client()
    client.get("/upload")
    client.deps = json.loads(client.get("/_dash-dependencies").data)
    client.store = SessionStore(tmp_path)
    client.sid = client.get_cookie("flowgap_session").value
    client.service = app._flowgap_service
    return client


def _dep(client, first_input: str) -> dict:
    (dep,) = [d for d in client.deps if d["inputs"][0]["id"] == first_input]
    return dep


def _post(client, dep: dict, inputs: list, state: list, changed: list[str]) -> dict:
    """The callback's response ({} when it changed nothing); a 500 fails the test."""
    oid, _, prop = dep["output"].rpartition(".")
    body = {
        "output": dep["output"],
        "outputs": {"id": oid, "property": prop.split("@", 1)[0]},
        "inputs": inputs,
        "state": state,
        "changedPropIds": changed,
    }
    resp = client.post("/_dash-update-component", json=body)
    assert resp.status_code in (200, 204), resp.data[:300]
    return json.loads(resp.data)["response"] if resp.status_code == 200 else {}


def upload(client, contents, filenames) -> list[str] | None:
    """Send ``contents`` and ``filenames`` as the upload's props; the page's message."""
    _post(
        client,
        _dep(client, "upload"),
        [{"id": "upload", "property": "contents", "value": contents}],
        [
            {"id": "upload", "property": "filename", "value": filenames},
            {"id": "data-version", "property": "data", "value": 0},
        ],
        ["upload.contents"],
    )
    return client.store.state(client.sid).message


def data_url(data: bytes) -> str:
    return "data:application/octet-stream;base64," + base64.b64encode(data).decode()


def test_the_mapping_panel_of_a_csv_of_10000_columns_is_drawn_in_seconds(client):
    # 10,000 columns is the most a header may have; reading every column of the head (the
    # panel's sample and guesses) copied the whole table once per column: 30-50 s of a
    # shared core for a 1 MB upload. A generous bound: it now takes about one second.
    header = ",".join(f"c{i}" for i in range(10_000))
    row = ",".join(str(i) for i in range(10_000))
    wide = (header + "\n" + (row + "\n") * 20).encode()
    kind, text = upload(client, [data_url(wide)], ["wide.csv"])
    assert kind == "mapping", text
    started = time.perf_counter()
    panel = _post(
        client,
        _dep(client, "mapping-panel"),
        [{"id": "mapping-panel", "property": "id", "value": "mapping-panel"}],
        [],
        ["mapping-panel.id"],
    )
    assert time.perf_counter() - started < 15
    assert "Map the columns of wide.csv" in json.dumps(panel)
