"""Cytoscape elements: width by frequency, colour by median wait, ping-pong, tap -> items."""

from __future__ import annotations

from datetime import UTC, datetime

import pyarrow as pa

from flowgap.dashboard.cyto import (
    edge_width,
    handoff_elements,
    items_for_tap,
    status_elements,
    status_moves,
    wait_colour,
)
from flowgap.engine import schemas
from flowgap.mining import PROCESS_EDGES


def table(schema: pa.Schema, rows: list[dict]) -> pa.Table:
    return pa.Table.from_pylist([{n: r.get(n) for n in schema.names} for r in rows], schema=schema)


HANDOFFS = table(
    schemas.HANDOFFS,
    [
        {
            "from_team": "Dev",
            "to_team": "QA",
            "count": 10,
            "median_wait_s": 86400.0,
            "ping_pong": True,
        },
        {
            "from_team": "QA",
            "to_team": "Dev",
            "count": 4,
            "median_wait_s": 4 * 86400.0,
            "ping_pong": True,
        },
        {"from_team": "QA", "to_team": "Ops", "count": 1, "median_wait_s": 0.0, "ping_pong": False},
    ],
)
TEAMS = table(schemas.TEAMS, [{"team": "Dev", "items": 3}, {"team": "Arch", "items": 1}])


def test_width_and_colour_scales():
    assert edge_width(1, 1, 10) == 1.5
    assert edge_width(10, 1, 10) == 12.0
    assert edge_width(4, 1, 10) == 5.0
    assert edge_width(3, 3, 3) == 6.75
    assert wait_colour(0.0, 10.0) == "#2f9e44"
    assert wait_colour(5.0, 10.0) == "#f59f00"
    assert wait_colour(10.0, 10.0) == "#e03131"
    # halfway green -> amber: (146, 158.5 -> 158 by round-half-even, 34)
    assert wait_colour(2.5, 10.0) == "#929e22"
    assert wait_colour(None, 10.0) == "#868e96"


def test_handoff_elements():
    els = handoff_elements(HANDOFFS, TEAMS)
    nodes = [e["data"]["id"] for e in els if "source" not in e["data"]]
    assert nodes == ["team:Arch", "team:Dev", "team:Ops", "team:QA"]
    edges = {e["data"]["id"]: e for e in els if "source" in e["data"]}
    dev_qa = edges["team:Dev->QA"]
    assert dev_qa["data"]["source"] == "team:Dev" and dev_qa["data"]["target"] == "team:QA"
    assert dev_qa["data"]["width"] == 12.0  # most frequent
    assert edges["team:QA->Ops"]["data"]["width"] == 1.5  # rarest
    assert edges["team:QA->Dev"]["data"]["colour"] == "#e03131"  # slowest
    assert edges["team:QA->Ops"]["data"]["colour"] == "#2f9e44"
    assert dev_qa["classes"] == "ping-pong" and edges["team:QA->Ops"]["classes"] == ""
    assert dev_qa["data"]["label"] == "10 · 1.0d · ping-pong"


def test_status_elements_mark_back_and_forth_moves():
    status_map = table(
        PROCESS_EDGES,
        [
            {"source": "In Dev", "target": "Review", "count": 5, "median_s": 3600.0},
            {"source": "Review", "target": "In Dev", "count": 2, "median_s": 7200.0},
            {"source": "Review", "target": "Done", "count": 3, "median_s": 60.0},
        ],
    )
    stages = table(
        schemas.STAGES,
        [{"status": "In Dev", "class": "active"}, {"status": "Done", "class": "done"}],
    )
    els = status_elements(status_map, stages)
    nodes = {e["data"]["name"]: e["data"] for e in els if e["data"]["kind"] == "status"}
    assert nodes["In Dev"]["colour"] == "#17a398" and nodes["Done"]["colour"] == "#4c6ef5"
    assert nodes["Review"]["class"] == "wait"  # not in stages: shown as wait
    edges = {e["data"]["id"]: e for e in els if e["data"]["kind"] == "move"}
    assert edges["status:In Dev->Review"]["data"]["ping_pong"] is True
    assert edges["status:Review->Done"]["data"]["ping_pong"] is False


def _timeline(rows: list[tuple[str, str, str | None]]) -> pa.Table:
    seg: dict[str, int] = {}
    out = []
    for item, status, team in rows:
        seg[item] = seg.get(item, -1) + 1
        out.append({"item": item, "seg": seg[item], "status": status, "team": team})
    return table(schemas.TIMELINE, out)


def test_tap_selects_items():
    tl = _timeline(
        [
            ("X-1", "To Do", None),
            ("X-1", "In Dev", "Dev"),
            ("X-1", "In Dev", "Dev"),
            ("X-1", "Review", "QA"),
            ("X-2", "In Dev", "Dev"),
            ("X-2", "Blocked", "Dev"),
            ("X-2", "Review", "QA"),
            ("X-3", "Review", "QA"),
        ]
    )
    t = datetime(2026, 1, 1, tzinfo=UTC)
    hev = table(
        schemas.HANDOFF_EVENTS,
        [
            {"item": "X-1", "ts": t, "from_team": "Dev", "to_team": "QA", "wait_s": 1.0},
            {"item": "X-2", "ts": t, "from_team": "Dev", "to_team": "QA", "wait_s": 1.0},
            {"item": "X-2", "ts": t, "from_team": "QA", "to_team": "Dev", "wait_s": 1.0},
        ],
    )
    assert items_for_tap({"kind": "team", "name": "Dev"}, tl, hev)[1] == ["X-1", "X-2"]
    assert items_for_tap({"kind": "status", "name": "Review"}, tl, hev)[1] == ["X-1", "X-2", "X-3"]
    what, keys = items_for_tap({"kind": "handoff", "from": "QA", "to": "Dev"}, tl, hev)
    assert (what, keys) == ("items handed off QA -> Dev", ["X-2"])
    assert items_for_tap({"kind": "move", "from": "In Dev", "to": "Review"}, tl, hev)[1] == [
        "X-1"
    ]  # X-2 went through Blocked; repeated In Dev segments of X-1 collapse
    assert status_moves(tl, "Review", "In Dev") == []
    assert items_for_tap({}, tl, hev) == ("", [])


def test_folded_teams_make_one_other_node_whose_clicks_select_their_items():
    folded = table(
        schemas.HANDOFFS,
        [
            {"from_team": "Dev", "to_team": "other", "count": 3, "median_wait_s": 60.0},
            {"from_team": "other", "to_team": "Dev", "count": 2, "median_wait_s": 60.0},
        ],
    )
    els = handoff_elements(folded, TEAMS, folded=["QA", "Arch"])
    nodes = {e["data"]["id"]: e["data"] for e in els if "source" not in e["data"]}
    assert sorted(nodes) == ["team:Dev", "team:other"]  # Arch is folded, not a node
    assert nodes["team:other"]["label"] == "other (2 teams)"
    assert nodes["team:other"]["teams"] == ["Arch", "QA"]
    edge = next(e["data"] for e in els if e["data"].get("id") == "team:Dev->other")
    assert edge["from_teams"] == ["Dev"] and edge["to_teams"] == ["Arch", "QA"]
    t = datetime(2026, 1, 1, tzinfo=UTC)
    hev = table(
        schemas.HANDOFF_EVENTS,
        [
            {"item": "X-1", "ts": t, "from_team": "Dev", "to_team": "QA", "wait_s": 1.0},
            {"item": "X-2", "ts": t, "from_team": "Dev", "to_team": "Ops", "wait_s": 1.0},
        ],
    )
    tl = _timeline([("X-1", "Review", "QA"), ("X-2", "Ops", "Ops")])
    assert items_for_tap(edge, tl, hev)[1] == ["X-1"]
    assert items_for_tap(nodes["team:other"], tl, hev)[1] == ["X-1"]


def test_status_map_performance_view_widens_the_slow_moves():
    status_map = table(
        PROCESS_EDGES,
        [
            {"source": "In Dev", "target": "Review", "count": 5, "median_s": 86400.0},
            {"source": "Review", "target": "Done", "count": 1, "median_s": 4 * 86400.0},
        ],
    )
    stages = table(schemas.STAGES, [])
    frequency = {e["data"]["id"]: e["data"] for e in status_elements(status_map, stages)}
    performance = {
        e["data"]["id"]: e["data"] for e in status_elements(status_map, stages, "performance")
    }
    assert frequency["status:In Dev->Review"]["width"] == 12.0  # most frequent
    assert performance["status:Review->Done"]["width"] == 12.0  # slowest
    assert performance["status:In Dev->Review"]["width"] == 1.5
    assert performance["status:Review->Done"]["label"] == "4.0d · 1"
    assert frequency["status:Review->Done"]["label"] == "1 · 4.0d"


def test_folding_leaves_out_the_teams_without_handoffs() -> None:
    # Arch never handed work on: with Ops folded into "other", it is not among the busiest.
    rows = [
        {**r, "to_team": "other" if r["to_team"] == "Ops" else r["to_team"]}
        for r in HANDOFFS.to_pylist()
    ]
    els = handoff_elements(table(schemas.HANDOFFS, rows), TEAMS, folded=["Ops"])
    nodes = sorted(e["data"]["name"] for e in els if e["data"]["kind"] == "team")
    assert nodes == ["Dev", "QA", "other"]
