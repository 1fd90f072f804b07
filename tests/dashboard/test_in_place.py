"""A filter change on a page that updates in place (Flow): the router leaves the page drawn
and the page's own callback sends its figures; anything else (another page, a selection
with no item, a date note) is drawn again by the router. Through Dash's HTTP protocol, with
the callbacks' triggers as a browser sends them."""

from __future__ import annotations

import json

import pytest

from flowgap.config import Config
from flowgap.dashboard import create_app

#: The callbacks by a part of their outputs: the router, and Flow's update in place.
ROUTE, FLOW = "page.children", "flow-efficiency-histogram"


@pytest.fixture(scope="module")
def client(sample_logs, tmp_path_factory):
    config = Config.load(sample_logs / "sample.jira.flowgap.toml")
    app = create_app(
        config, [sample_logs / "sample.jira.json"], session_root=tmp_path_factory.mktemp("s")
    )
    client = app.server.test_client()
    deps = json.loads(client.get("/_dash-dependencies").data)
    client.deps = [d for d in deps if {"id": "url", "property": "search"} in d["inputs"]]
    return client


def fire(client, output: str, values: dict, changed: list[str]) -> dict | None:
    """The callback on the URL whose outputs name ``output``, ``changed`` the properties that
    fired it; its outputs' new values by "id.property" (None: nothing to update)."""
    (dep,) = [d for d in client.deps if output in d["output"]]
    outputs = []
    for part in dep["output"].strip(".").split("..."):
        oid, _, prop = part.rpartition(".")
        outputs.append(
            {"id": json.loads(oid) if oid.startswith("{") else oid, "property": prop.split("@")[0]}
        )

    def filled(specs: list[dict]) -> list[dict]:
        return [{**s, "value": values.get(f"{s['id']}.{s['property']}")} for s in specs]

    body = {
        "output": dep["output"],
        "outputs": outputs,
        "inputs": filled(dep["inputs"]),
        "state": filled(dep["state"]),
        "changedPropIds": changed,
    }
    resp = client.post("/_dash-update-component", json=body)
    if resp.status_code == 204:
        return None
    out = {}
    for oid, props in json.loads(resp.data)["response"].items():
        for prop, value in props.items():
            out[f"{oid}.{prop}"] = value
    return out or None


FIGURE = '{"name":"lead-time-scatter","type":"figure"}.figure'


def test_a_filter_change_updates_flow_in_place_and_anything_else_redraws(client) -> None:
    first = fire(client, ROUTE, {"url.pathname": "/flow", "url.search": ""}, ["url.pathname"])
    assert first is not None and first["page-drawn.data"] == {"path": "/flow", "whole": True}
    before = first["page-drawn.data"]

    def change(search: str, changed: list[str], path: str = "/flow"):
        values = {"url.pathname": path, "url.search": search, "page-drawn.data": before}
        return fire(client, ROUTE, values, changed), fire(client, FLOW, values, changed)

    routed, flow = change("?type=Bug", ["url.search"])
    assert routed is None, "the router leaves the page drawn"
    assert flow is not None and len(flow) == 6
    drawn_points = len(json.dumps(first["page.children"]))
    assert FIGURE in flow and len(json.dumps(flow)) < drawn_points  # fewer items: smaller

    # No item selected: the router draws the page's note, the page sends nothing.
    routed, flow = change("?type=NoSuchType", ["url.search"])
    assert routed is not None and routed["page-drawn.data"]["whole"] is False and flow is None
    # A reversed date range: the page is drawn again with the note above it.
    routed, flow = change("?from=2025-03-01&to=2025-02-01", ["url.search"])
    assert routed is not None and "date-note-0" in json.dumps(routed) and flow is None
    # Another page: drawn by the router.
    routed, flow = change("?type=Bug", ["url.pathname", "url.search"], "/overview")
    assert routed is not None and routed["page-drawn.data"]["path"] == "/overview"
    assert flow is None
