"""The filter bar of a log with thousands of teams: every address change sends each dropdown's
list, so a dropdown lists the most used values and finds the others as the user types."""

from __future__ import annotations

import json
from pathlib import Path

from flowgap.config import Config
from flowgap.dashboard import create_app
from flowgap.dashboard.filters import OPTIONS_SHOWN

TEAMS = 2_000


def _client(tmp_path: Path):
    lines = ["case,activity,timestamp,team"]
    for i in range(TEAMS):
        lines += [
            f"I-{i},Open,2026-01-05T09:00:00,T{i:04}",
            f"I-{i},Done,2026-01-06T09:00:00,T{i:04}",
        ]
    lines += [f"J-{i},Open,2026-01-07T09:00:00,T1999" for i in range(3)]  # the busiest
    (tmp_path / "log.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    (tmp_path / "flowgap.toml").write_text(
        '[input.csv]\nteam = "team"\n[teams]\nsource = ["field"]\n'
    )
    config = Config.load(tmp_path / "flowgap.toml")
    app = create_app(config, [tmp_path / "log.csv"], session_root=tmp_path / "s")
    client = app.server.test_client()
    client.get("/")
    client.deps = json.loads(client.get("/_dash-dependencies").data)
    return client


def _post(client, dep: dict, values: dict, changed: list[str]) -> dict:
    outputs = []
    for part in dep["output"].strip(".").split("..."):
        oid, _, prop = part.rpartition(".")
        outputs.append({"id": oid, "property": prop.split("@")[0]})
    body = {
        "output": dep["output"],
        "outputs": outputs if dep["output"].startswith("..") else outputs[0],
        "inputs": [{**s, "value": values.get(f"{s['id']}.{s['property']}")} for s in dep["inputs"]],
        "state": [{**s, "value": values.get(f"{s['id']}.{s['property']}")} for s in dep["state"]],
        "changedPropIds": changed,
    }
    resp = client.post("/_dash-update-component", json=body)
    assert resp.status_code == 200, resp.data[:300]
    return json.loads(resp.data)["response"]


def _labels(options: list[dict]) -> list[str]:
    return [o["value"] for o in options]


def test_the_team_dropdown_lists_the_busiest_and_finds_any_typed(tmp_path: Path) -> None:
    client = _client(tmp_path)
    (sync,) = [d for d in client.deps if d["output"].startswith("..url.search.")]
    out = _post(client, sync, {"url.search": "?team=T1500"}, ["url.search"])
    teams = _labels(out["f-team"]["options"])
    assert len(teams) == OPTIONS_SHOWN + 1  # the busiest, and the one the address names
    assert "T1999" in teams and "T1500" in teams and teams == sorted(teams)

    (typed,) = [d for d in client.deps if d["inputs"][0]["id"] == "f-team"]
    values = {"f-team.search_value": "t123", "f-team.value": ["T1500"], "url.search": ""}
    found = _post(client, typed, values, ["f-team.search_value"])
    assert _labels(found["f-team"]["options"]) == [*[f"T123{i}" for i in range(10)], "T1500"]
    # Odd input from a stranger's browser: ignored, not a 500.
    values = {"f-team.search_value": {"x": 1}, "f-team.value": [{"y": 2}], "url.search": ""}
    odd = _post(client, typed, values, ["f-team.search_value"])
    assert len(odd["f-team"]["options"]) == OPTIONS_SHOWN
    # A dropdown of few values has them all already: typing asks nothing.
    (few,) = [d for d in client.deps if d["inputs"][0]["id"] == "f-type"]
    assert _post(client, few, {"f-type.search_value": "x"}, ["f-type.search_value"]) == {}
