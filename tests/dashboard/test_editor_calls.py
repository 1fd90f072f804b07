"""The upload page's editors tell the user's change from Dash's call when an editor is drawn.

Dash calls an editor's callback with the drawn value whenever the editor is inserted
(``prevent_initial_call`` does not apply to inserted inputs). When the session's state changed
between drawing and that call (a reset clicked meanwhile), the drawn value is stale: it must
not be saved as the user's choice. Through Dash's HTTP protocol, as a browser sends it.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from dash_http import sample_client


@pytest.fixture()
def client(sample_logs: Path, tmp_path: Path):
    return sample_client(sample_logs, tmp_path)


def _wire(component_id: dict) -> str:
    return json.dumps(component_id, sort_keys=True, separators=(",", ":"))


def change(client, kind: str, component_id: dict, value, version: int = 3) -> int | None:
    """One editor control of type ``kind`` holding ``value``: the new data-version, or None
    when the callback changed nothing."""
    (dep,) = [d for d in client.deps if f'"type":"{kind}"' in d["inputs"][0]["id"]]
    body = {
        "output": dep["output"],
        "outputs": {"id": "data-version", "property": "data"},
        "inputs": [[{"id": component_id, "property": "value", "value": value}]],
        "state": [{"id": "data-version", "property": "data", "value": version}],
        "changedPropIds": [_wire(component_id) + ".value"],
    }
    resp = client.post("/_dash-update-component", json=body)
    assert resp.status_code in (200, 204), resp.data[:500]
    response = json.loads(resp.data)["response"] if resp.status_code == 200 else {}
    return response["data-version"]["data"] if response else None


def reset(client) -> None:
    (dep,) = [d for d in client.deps if d["inputs"][0]["id"] == "reset-config"]
    body = {
        "output": dep["output"],
        "outputs": {"id": "data-version", "property": "data"},
        "inputs": [{"id": "reset-config", "property": "n_clicks", "value": 1}],
        "state": [{"id": "data-version", "property": "data", "value": 3}],
        "changedPropIds": ["reset-config.n_clicks"],
    }
    assert client.post("/_dash-update-component", json=body).status_code == 200


def test_a_class_differing_from_the_drawn_one_is_saved_and_a_stale_draw_is_not(client):
    review = {"type": "class-radio", "status": "In Review", "drawn": "wait"}
    assert change(client, "class-radio", review, "wait") is None  # the editor drawn
    assert client.store.state(client.sid).classes == {}
    assert change(client, "class-radio", review, "active") == 4  # the user's pick
    assert client.store.state(client.sid).classes == {"In Review": "active"}
    # Drawn after that pick, the editor's call arrives after a reset: nothing comes back.
    drawn = {**review, "drawn": "active"}
    reset(client)
    assert change(client, "class-radio", drawn, "active") is None
    state = client.store.state(client.sid)
    assert state.classes == {} and state.message == ["ok", "Back to the served configuration."]
    assert change(client, "class-radio", review, "no such class") is None


def test_the_team_sources_are_listed_in_the_order_they_apply() -> None:
    from flowgap.dashboard.pages.class_editor import source_order

    everything = ["field", "status", "assignee_map", "assignee"]
    assert source_order(["assignee_map", "field"], everything) == [
        "assignee_map",
        "field",
        "status",
        "assignee",
    ]
    assert source_order(["assignee_map", "field"], ["field", "assignee_map"]) == [
        "assignee_map",
        "field",
    ]
    assert source_order([], ["assignee", "field"]) == ["field", "assignee"]


def test_team_maps_and_sources_follow_the_same_rule(client):
    person = {"type": "assignee-team", "person": "Amira Haddad", "drawn": ""}
    assert change(client, "assignee-team", person, "") is None
    assert change(client, "assignee-team", person, "  Platform ") == 4
    assert client.store.state(client.sid).assignee_map == {"Amira Haddad": "Platform"}
    status = {"type": "status-team", "status": "In Review", "drawn": "QA"}
    assert change(client, "status-team", status, "QA") is None
    assert change(client, "status-team", status, "") == 4  # emptied: no team from the map
    assert client.store.state(client.sid).status_map == {"In Review": ""}

    source = {"type": "team-source", "drawn": "assignee,field"}
    assert change(client, "team-source", source, ["assignee", "field"]) is None
    assert change(client, "team-source", source, ["assignee", "status", "field"]) == 4
    # Saved in the order the sources are tried, whatever the order of the clicks: those in
    # force keep theirs (assignee before field, as drawn), a newly ticked one comes after.
    # It was put back in the editor's order, field first: a click changed which team won.
    assert client.store.state(client.sid).team_source == ["assignee", "field", "status"]
    reset(client)
    assert change(client, "team-source", source, ["assignee", "field"]) is None
    assert client.store.state(client.sid).team_source is None
    assert change(client, "team-source", source, ["field", {"not": "a source"}]) is None
    assert client.store.state(client.sid).team_source is None
