"""A filter change on a page that updates in place (Flow, Overview): the router leaves the
page drawn and the page's own callbacks send what changed; anything else (another page, a
selection with no item, a date note) is drawn again by the router. The page updated in place
is the page a fresh load of its address draws, part for part. Through Dash's HTTP protocol,
with the callbacks' triggers as a browser sends them."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from flowgap.config import Config
from flowgap.dashboard import create_app

#: The callbacks by a part of their outputs: the router, Flow's and the Overview's updates in
#: place, and the Overview's actions (filled after the page is drawn).
ROUTE, FLOW = "page.children", "flow-efficiency-histogram"
OVERVIEW = ("period-compare", "worst-story", "worst-journeys")  # its groups of parts
ACTIONS = "overview-actions-box.children"
BOTTLENECKS = "team-legend.children"


def _client(config: Path, log: Path, root: Path):
    app = create_app(Config.load(config), [log], session_root=root)
    client = app.server.test_client()
    deps = json.loads(client.get("/_dash-dependencies").data)
    client.deps = [d for d in deps if {"id": "url", "property": "search"} in d["inputs"]]
    return client


@pytest.fixture(scope="module")
def client(sample_logs, tmp_path_factory):
    return _client(
        sample_logs / "sample.jira.flowgap.toml",
        sample_logs / "sample.jira.json",
        tmp_path_factory.mktemp("s"),
    )


@pytest.fixture(scope="module")
def lead_only(sample_logs, tmp_path_factory):
    """A log without status history (a Jira UI export): the Overview without its time and
    worst-item sections."""
    return _client(
        sample_logs / "sample.jira-ui.flowgap.toml",
        sample_logs / "sample.jira-ui.csv",
        tmp_path_factory.mktemp("s"),
    )


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
        # One output goes as itself, several as a list (as the browser sends them).
        "outputs": outputs if dep["output"].startswith("..") else outputs[0],
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
    assert first is not None
    assert first["page-drawn.data"] == {"path": "/flow", "whole": True, "shape": ""}
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


def _key(component_id: str | dict) -> str:
    """A component's id as Dash names it in a response ("id.property" keys)."""
    if isinstance(component_id, dict):
        return json.dumps(component_id, sort_keys=True, separators=(",", ":"))
    return component_id


def applied(node, outputs: dict):
    """The page JSON ``node`` with ``outputs`` ("id.property": value) set, as the browser sets
    them; every output must find its component."""
    found: set[str] = set()

    def visit(n):
        if isinstance(n, list):
            return [visit(c) for c in n]
        if not isinstance(n, dict) or "props" not in n:
            return n
        props = dict(n["props"])
        if "children" in props:
            props["children"] = visit(props["children"])
        if "id" in props:
            for out, value in outputs.items():
                oid, _, prop = out.rpartition(".")
                if oid == _key(props["id"]):
                    props[prop] = value
                    found.add(out)
        return {**n, "props": props}

    result = visit(node)
    assert found == set(outputs), set(outputs) - found
    return result


def _fresh(client, path: str, search: str):
    """The page a fresh load of ``path + search`` shows: the router's page, the actions
    filled where the page has their box."""
    values = {"url.pathname": path, "url.search": search}
    page = fire(client, ROUTE, values, ["url.pathname"])
    assert page is not None
    shown = page["page.children"]
    if path == "/overview":
        box = {**values, "overview-actions-box.id": "overview-actions-box"}
        shown = applied(shown, fire(client, ACTIONS, box, []))
    return shown, page["page-drawn.data"]


@pytest.mark.parametrize(
    "path, parts, first, then",
    [
        ("/overview", OVERVIEW, "", "?type=Bug"),
        ("/overview", OVERVIEW, "?type=Bug", ""),
        # A date range: the comparison with the period before instead of the hint.
        ("/overview", OVERVIEW, "?type=Story", "?from=2025-03-01&to=2025-04-30"),
        ("/overview", OVERVIEW, "?from=2025-03-01&to=2025-04-30", "?project=FLOW&type=Task"),
        ("/flow", (FLOW,), "", "?type=Bug"),
        ("/flow", (FLOW,), "?type=Story", "?from=2025-03-01&to=2025-04-30"),
        ("/bottlenecks", (BOTTLENECKS,), "", "?type=Bug"),
        ("/bottlenecks", (BOTTLENECKS,), "?type=Story", "?from=2025-03-01&to=2025-04-30"),
        # Fewer teams by name: the legend, the team chart, the graph and the matrix follow.
        ("/bottlenecks", (BOTTLENECKS,), "?type=Bug", "?type=Bug&teams=2"),
    ],
)
def test_a_page_updated_in_place_is_the_page_a_fresh_load_draws(client, path, parts, first, then):
    _in_place_equals_fresh(client, path, parts, first, then)


def test_an_overview_without_status_history_updates_in_place_too(lead_only) -> None:
    """Only the sections the page has are sent: the time and worst-item groups send nothing."""
    _, before = _fresh(lead_only, "/overview", "")
    assert before["shape"] == "rest"
    _in_place_equals_fresh(lead_only, "/overview", (OVERVIEW[2],), "", "?type=Bug")
    values = {"url.pathname": "/overview", "url.search": "?type=Bug", "page-drawn.data": before}
    assert all(fire(lead_only, part, values, ["url.search"]) is None for part in OVERVIEW[:2])


def _in_place_equals_fresh(client, path: str, parts: tuple, first: str, then: str) -> None:
    """The page of ``first`` updated in place by ``parts`` (the callbacks by a part of their
    outputs) to ``then`` equals the page a fresh load of ``then`` draws."""
    shown, before = _fresh(client, path, first)
    assert before["whole"], "the first page updates in place"
    values = {"url.pathname": path, "url.search": then, "page-drawn.data": before}
    assert fire(client, ROUTE, values, ["url.search"]) is None, "the router leaves it"
    sent = {}
    for part in parts:
        part_sent = fire(client, part, values, ["url.search"])
        assert part_sent is not None, part
        sent.update(part_sent)
    if path == "/overview":
        sent.update(fire(client, ACTIONS, values, ["url.search"]) or {})
        assert ACTIONS in sent
    updated = applied(shown, sent)
    fresh, _ = _fresh(client, path, then)
    assert updated == fresh
    assert updated != shown, "the selection changed what the page shows"


def test_the_overview_is_drawn_once_per_filter_change(client) -> None:
    """Redrawn by the router (another page before it): the page's callbacks send nothing,
    and the actions wait for their box drawn again, not for the URL."""
    values = {
        "url.pathname": "/overview",
        "url.search": "?type=Bug",
        "page-drawn.data": {"path": "/flow", "whole": True},
    }
    assert fire(client, ROUTE, values, ["url.search"]) is not None
    assert all(fire(client, part, values, ["url.search"]) is None for part in OVERVIEW)
    assert fire(client, ACTIONS, values, ["url.search"]) is None


def test_an_overview_that_gains_or_loses_a_section_is_drawn_again(client) -> None:
    """A selection whose page has other sections (here the page drawn had no worst item):
    the router draws it, no part is sent (Dash refuses outputs missing from the page)."""
    _, before = _fresh(client, "/overview", "")
    assert before["shape"] == "time+worst+rest"
    values = {
        "url.pathname": "/overview",
        "url.search": "?type=Bug",
        "page-drawn.data": {**before, "shape": "time+rest"},
    }
    assert fire(client, ROUTE, values, ["url.search"]) is not None
    assert all(fire(client, part, values, ["url.search"]) is None for part in OVERVIEW)


def test_bottlenecks_in_place_keep_the_status_map_controls(client) -> None:
    """The status map of a page updated in place is drawn with the view and filtering the
    user set on it (a page drawn again starts from the defaults); odd values count as unset."""
    _, before = _fresh(client, "/bottlenecks", "")
    values = {
        "url.pathname": "/bottlenecks",
        "url.search": "?type=Bug",
        "page-drawn.data": before,
        "status-view.value": "performance",
        "status-activities.value": 50,
        "status-paths.value": "a lot",
    }
    sent = fire(client, BOTTLENECKS, values, ["url.search"])
    assert sent is not None
    from flowgap.dashboard.pages.bottlenecks import MAP_DEFAULTS, map_controls

    assert map_controls("performance", 50, "a lot") == ("performance", 50, 100)
    assert map_controls({"x": 1}, True, None) == MAP_DEFAULTS
    default = fire(client, BOTTLENECKS, {**values, "status-view.value": None}, ["url.search"])
    assert sent["cy-status.elements"] != default["cy-status.elements"]
    assert sent["team-legend.children"] == default["team-legend.children"]
