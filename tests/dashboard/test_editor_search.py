"""The upload page's editors at real scale: a log with more people and statuses than a page
lists. Each list is searched on the server (through Dash's HTTP protocol, as a browser sends
it), says how many match, and any person or status of the data can be found and edited, not
only the most active ones listed first."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from layout_walk import walk

import flowgap
from flowgap.config import Config
from flowgap.dashboard import create_app
from flowgap.dashboard.data import View
from flowgap.dashboard.filters import Filters, matching, shown_options
from flowgap.dashboard.pages.class_editor import MAX_PEOPLE, MAX_STATUSES, count_line, editor
from flowgap.dashboard.sessions import SessionStore

#: People and statuses beyond what the editors list.
PEOPLE = MAX_PEOPLE + 40
STATUSES = MAX_STATUSES + 10


@pytest.fixture(scope="module")
def log(tmp_path_factory) -> tuple[Path, Config]:
    """One item per person P0000... and per status S0000... (as many assignments and entries
    each: the editors list them by name)."""
    d = tmp_path_factory.mktemp("many")
    lines = ["case,activity,timestamp,who"]
    lines += [f"I-{p},Open,2026-01-05T09:00:00,P{p:04}" for p in range(PEOPLE)]
    lines += [f"S-{s},S{s:04},2026-01-06T09:00:00,Z" for s in range(STATUSES)]
    (d / "log.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    (d / "flowgap.toml").write_text('[input.csv]\nresource = "who"\n', encoding="utf-8")
    return d / "log.csv", Config.load(d / "flowgap.toml")


@pytest.fixture()
def client(log, tmp_path: Path):
    data, config = log
    app = create_app(config, [data], session_root=tmp_path)
    client = app.server.test_client()
    client.page = client.get("/upload").data.decode()
    client.deps = json.loads(client.get("/_dash-dependencies").data)
    client.store = SessionStore(tmp_path)
    client.sid = client.get_cookie("flowgap_session").value
    return client


def search(client, kind: str, typed: str, triggered: bool = True) -> tuple[list, str] | None:
    """What the ``kind`` editor lists for ``typed``: its rows' first cells and its count
    line, or None when the callback left the page as drawn."""
    (dep,) = [d for d in client.deps if d["inputs"][0]["id"] == f"{kind}-search"]
    body = {
        "output": dep["output"],
        "outputs": [
            {"id": f"{kind}-rows", "property": "children"},
            {"id": f"{kind}-count", "property": "children"},
        ],
        "inputs": [{"id": f"{kind}-search", "property": "value", "value": typed}],
        "changedPropIds": [f"{kind}-search.value"] if triggered else [],
    }
    resp = client.post("/_dash-update-component", json=body)
    assert resp.status_code in (200, 204), resp.data[:500]
    response = json.loads(resp.data)["response"] if resp.status_code == 200 else {}
    if not response:
        return None
    rows = response[f"{kind}-rows"]["children"]
    names = [row["props"]["children"][0]["props"]["children"] for row in rows]
    return names, response[f"{kind}-count"]["children"]


def edit_team(client, person: str, team: str) -> int | None:
    (dep,) = [d for d in client.deps if '"type":"assignee-team"' in d["inputs"][0]["id"]]
    cid = {"type": "assignee-team", "person": person, "drawn": ""}
    wire = json.dumps(cid, sort_keys=True, separators=(",", ":"))
    body = {
        "output": dep["output"],
        "outputs": {"id": "data-version", "property": "data"},
        "inputs": [[{"id": cid, "property": "value", "value": team}]],
        "state": [{"id": "data-version", "property": "data", "value": 3}],
        "changedPropIds": [wire + ".value"],
    }
    resp = client.post("/_dash-update-component", json=body)
    assert resp.status_code in (200, 204), resp.data[:500]
    return json.loads(resp.data)["response"]["data-version"]["data"] if resp.data else None


def test_matching_is_by_part_of_the_name_in_any_case() -> None:
    names = ["Carolyn", "Ewa", "caroline", "Karl"]
    assert matching(names, "CAROL") == [0, 2]
    assert matching(names, "  ar ") == [0, 2, 3]
    assert matching(names, "") == matching(names, None) == [0, 1, 2, 3]
    assert matching(names, "zz") == []
    # The filter dropdowns search by the same rule.
    assert shown_options(names, [], "  CAROL ") == [names[0], names[2]]


def test_the_count_line_says_what_is_listed() -> None:
    assert count_line(7, 7, 7, "", "statuses", "entered") == "7 statuses."
    assert count_line(200, 585, 585, None, "people", "assigned") == (
        "The 200 most assigned of 585 people are listed; type part of a name to find the others."
    )
    assert count_line(3, 3, 585, "tim", "people", "assigned") == (
        "3 of 585 people match \u201ctim\u201d."
    )
    assert count_line(200, 300, 585, "a", "people", "assigned") == (
        "300 of 585 people match \u201ca\u201d. The 200 most assigned are listed."
    )


def test_the_page_lists_the_most_active_and_says_how_many_there_are(log) -> None:
    data, config = log
    view = View(sid=None, config=config, filters=Filters(), result=flowgap.load(data, config))
    page = list(walk(editor(view)))
    people = [n for n in page if getattr(n, "className", None) == "person-row"]
    statuses = [n for n in page if getattr(n, "className", None) == "status-row"]
    assert len(people) == MAX_PEOPLE and len(statuses) == MAX_STATUSES
    first = [next(walk(row.children[0])).children for row in people[:3]]
    assert first == ["Z", "P0000", "P0001"]  # the most assigned, then by name among equals
    text = " ".join(n for n in page if isinstance(n, str))
    assert f"The {MAX_PEOPLE} most assigned of {PEOPLE + 1} people are listed" in text
    assert f"The {MAX_STATUSES} most entered of {STATUSES + 1} statuses are listed" in text
    # Each list sits in a box of bounded height, under its search box.
    ids = {n.id for n in page if isinstance(getattr(n, "id", None), str)}
    assert {"people-search", "people-rows", "status-search", "status-rows"} <= ids
    boxes = [n for n in page if getattr(n, "className", None) == "editor-scroll"]
    assert len(boxes) == 2


def test_a_person_beyond_those_listed_is_found_and_their_team_saved(client) -> None:
    names, count = search(client, "people", "p0230")
    assert names == ["P0230"] and MAX_PEOPLE <= 230
    assert count == f"1 of {PEOPLE + 1} people match \u201cp0230\u201d."
    assert edit_team(client, "P0230", "Night shift") == 4
    assert client.store.state(client.sid).assignee_map == {"P0230": "Night shift"}
    names, count = search(client, "people", "P02")
    assert names == [f"P02{n:02}" for n in range(PEOPLE - 200)]
    assert search(client, "people", "nobody") == (
        [],
        f"0 of {PEOPLE + 1} people match \u201cnobody\u201d.",
    )


def test_a_status_beyond_those_listed_is_found(client) -> None:
    names, count = search(client, "status", "S0205")
    assert names == ["S0205"] and MAX_STATUSES <= 205
    assert count == f"1 of {STATUSES + 1} statuses match \u201cS0205\u201d."
    names, _ = search(client, "status", "")  # the search emptied: the first ones again
    assert len(names) == MAX_STATUSES and names[0] == "Open"


def test_the_call_of_a_drawn_search_box_redraws_only_what_it_keeps(client) -> None:
    # Drawn empty, the page's rows are the right ones: nothing to redraw.
    assert search(client, "people", "", triggered=False) is None
    # Drawn again after an edit, the box keeps what was typed (in the browser's memory).
    names, _ = search(client, "people", "P0007", triggered=False)
    assert names == ["P0007"]
    # A search longer than a name is no browser's: the whole list.
    names, _ = search(client, "people", "P" * 1000)
    assert len(names) == MAX_PEOPLE
