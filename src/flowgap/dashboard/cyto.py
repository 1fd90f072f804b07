"""dash-cytoscape elements for the team handoff graph and the status process map.

Edge width grows with frequency (linear from 1.5 px for the rarest to 12 px for the most frequent
edge), edge colour goes green -> amber -> red with the median wait relative to the slowest edge,
and ping-pong edges (some item went A -> B -> A) are dashed and labelled. Widths and colours are
computed here, not in the stylesheet, so they are testable and identical in every browser.

Clicking (tapping) a node or an edge selects items; ``items_for_tap`` answers which. With
hundreds of teams the handoff graph shows the busiest and folds the rest into one ``other``
node, whose edges carry the folded teams' names so that a click still selects their items.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable

import pyarrow as pa
import pyarrow.compute as pc

# Status nodes in the class colours of every chart (touch teal, wait red-orange, ...).
from ..figures import CLASS_COLOURS, status_layers
from ..figures.teams import other_teams_label
from ..mining.handoff_network import OTHER
from ..units import DAY_S

MIN_WIDTH, MAX_WIDTH = 1.5, 12.0
_STOPS = ((0.0, (47, 158, 68)), (0.5, (245, 159, 0)), (1.0, (224, 49, 49)))


def edge_width(count: float, low: float, high: float) -> float:
    if high <= low:
        return round((MIN_WIDTH + MAX_WIDTH) / 2, 2)
    return round(MIN_WIDTH + (MAX_WIDTH - MIN_WIDTH) * (count - low) / (high - low), 2)


def wait_colour(value: float | None, highest: float) -> str:
    """Hex colour of a median wait on a green (0) -> amber -> red (slowest) scale."""
    if value is None or highest <= 0:
        return "#868e96"
    x = max(0.0, min(1.0, value / highest))
    for (x0, c0), (x1, c1) in itertools.pairwise(_STOPS):
        if x <= x1:
            t = (x - x0) / (x1 - x0)
            rgb = [round(a + (b - a) * t) for a, b in zip(c0, c1, strict=True)]
            return "#{:02x}{:02x}{:02x}".format(*rgb)
    return "#e03131"


def _days(seconds: float | None) -> str:
    return "n/a" if seconds is None else f"{seconds / DAY_S:.1f}d"


def handoff_elements(
    handoffs: pa.Table,
    teams: pa.Table,
    folded: list[str] | None = None,
    layers: dict[str, int] | None = None,
    colour: Callable[[str], str] | None = None,
) -> list[dict]:
    """Nodes are teams, edges are handoffs A -> B (engine's ``handoffs`` table).

    ``folded``: the teams folded into the ``other`` node (its edges then name them, so that a
    click selects their items); their own nodes are left out. ``layers``: each team's layer
    in the workflow (``handoff_network.team_layers``), which orders the nodes and edges for
    the layout: teams that work early in the workflow are laid out first, on top. ``colour``:
    each team's colour (the shared team scope's), the node's fill."""
    folded = sorted(folded or [])
    rows = handoffs.to_pylist()
    # Every team, or, when some are folded, the teams kept: those on the handoffs (a team
    # that never handed work on or received any is not among the busiest).
    names = set() if folded else {r["team"] for r in teams.to_pylist() if r["team"]}
    for r in rows:
        names.update((r["from_team"], r["to_team"]))
    team_rows = {r["team"]: r for r in teams.to_pylist()}
    layers = layers or {}
    last = max(layers.values(), default=0) + 1
    nodes = []
    for name in sorted((n for n in names if n), key=lambda n: (layers.get(n, last), n)):
        t = team_rows.get(name, {})
        label = name
        members = [name]
        if folded and name == OTHER:
            label = other_teams_label(len(folded))
            members = folded
        nodes.append(
            {
                "data": {
                    "id": f"team:{name}",
                    "kind": "team",
                    "name": name,
                    "items": t.get("items"),
                    "teams": members,
                    **({"colour": colour(name)} if colour is not None else {}),
                    **node_size(label),
                },
            }
        )
    edges = _edges(
        [
            (r["from_team"], r["to_team"], r["count"], r["median_wait_s"], bool(r["ping_pong"]))
            for r in rows
            if r["from_team"] and r["to_team"]
        ],
        prefix="team",
        kind="handoff",
    )
    for edge in edges:
        data = edge["data"]
        data["from_teams"] = folded if folded and data["from"] == OTHER else [data["from"]]
        data["to_teams"] = folded if folded and data["to"] == OTHER else [data["to"]]

    # Hidden edges from each layer's teams to the next layer's pull the layers top-down:
    # dagre's greedy cycle breaking (HANDOFF_LAYOUT) turns around the edges that weigh least
    # in its ordering, mostly handoffs back up the workflow, and the hidden ones weigh on it.
    by_layer: dict[int, list[str]] = {}
    for node in nodes:
        by_layer.setdefault(layers.get(node["data"]["name"], last), []).append(node["data"]["name"])
    steps = [by_layer[k] for k in sorted(by_layer)]
    order = [
        order_edge("team", a, b)
        for upper, lower in itertools.pairwise(steps)
        for a in upper
        for b in lower
    ]
    return nodes + order + edges


def order_edge(prefix: str, source: str, target: str) -> dict:
    """A hidden edge that only orders the layout (``edge.order`` is not drawn nor clicked)."""
    return {
        "data": {
            "id": f"{prefix}:order:{source}->{target}",
            "kind": "order",
            "source": f"{prefix}:{source}",
            "target": f"{prefix}:{target}",
            "label": "",
            "count": 0,  # no moves: it stands for none
            "width": 1.0,
            "colour": "#868e96",
            "z": 0,
            "depth": "bottom",
        },
        "classes": "order",
        "selectable": False,
    }


def status_elements(
    status_map: pa.Table,
    stages: pa.Table,
    view: str = "frequency",
    workflow: list[str] | None = None,
    key: str = "",
) -> list[dict]:
    """Nodes are statuses coloured by class, edges are directly-follows moves.

    ``view``: "frequency" (width by how often, label "count · median"), or "performance"
    (width by the median time from entering the source to entering the target, label
    "median · count"): the two views of process-mining tools.

    Laid out top-down by dagre (:data:`STATUS_LAYOUT`) in ``workflow`` order (the intended
    workflow, as the report's drawing): the workflow's statuses come first, in its order, and
    hidden ``order`` edges chain them, each the first edge out of its status. dagre breaks
    cycles by a depth-first search from its first node along the first edges out, so it
    walks the chain to its end first and turns around exactly the moves that go back up the
    workflow: every forward move points down, rework points up. The other statuses follow in
    :func:`status_layers` order. ``key`` goes into every id: a new key replaces every element,
    so that they are added (and laid out) in this order again."""
    stage_rows = {r["status"]: r for r in stages.to_pylist()}
    rows = status_map.to_pylist()
    names = set(stage_rows)
    for r in rows:
        names.update((r["source"], r["target"]))
    pairs = {(r["source"], r["target"]) for r in rows}
    classes = {n: (stage_rows.get(n, {}).get("class") or "wait") for n in names if n}
    weights = {
        (r["source"], r["target"]): r["count"] or 0 for r in rows if r["source"] and r["target"]
    }
    layers = status_layers(classes, weights)
    chain = list(dict.fromkeys(s for s in (workflow or []) if s in classes))
    rest = sorted((n for n in classes if n not in set(chain)), key=lambda n: (*layers[n], n))
    prefix = f"status{key}"
    nodes = []
    for name in chain + rest:
        cls = classes[name]
        nodes.append(
            {
                "data": {
                    "id": f"{prefix}:{name}",
                    "kind": "status",
                    "name": name,
                    "label": name,
                    "class": cls,
                    "colour": CLASS_COLOURS.get(cls, "#868e96"),
                    **node_size(name),
                },
            }
        )
    order = [order_edge(prefix, a, b) for a, b in itertools.pairwise(chain)]
    return (
        nodes
        + order
        + _edges(
            [
                (
                    r["source"],
                    r["target"],
                    r["count"],
                    r["median_s"],
                    (r["target"], r["source"]) in pairs,
                )
                for r in rows
                if r["source"] and r["target"]
            ],
            prefix=prefix,
            kind="move",
            performance=view == "performance",
        )
    )


#: Characters per line of a node label, and the pixels of a character and of a line at the
#: stylesheet's 11 px font (a generous average: the box must hold the text, not hug it).
LABEL_CHARS, CHAR_PX, LINE_PX = 16, 6.6, 14


def label_lines(text: str, width: int = LABEL_CHARS) -> list[str]:
    """``text`` wrapped at spaces into lines of at most ``width`` characters (a longer word
    keeps its own line)."""
    lines: list[str] = []
    for word in text.split():
        if lines and len(lines[-1]) + 1 + len(word) <= width:
            lines[-1] += " " + word
        else:
            lines.append(word)
    return lines or [""]


def node_size(label: str) -> dict[str, float]:
    """``w``, ``h`` and ``label`` (wrapped) of a node whose box holds its whole label, so
    that the layout, which spaces the boxes, also keeps the labels apart."""
    lines = label_lines(label)
    return {
        "label": "\n".join(lines),
        "w": round(max(60.0, CHAR_PX * max(len(line) for line in lines) + 18), 1),
        "h": float(16 + LINE_PX * len(lines)),
    }


#: The status map: dagre's layers top-down (see :func:`status_elements` for the order).
STATUS_LAYOUT = {
    "name": "dagre",
    "rankDir": "TB",
    "nodeSep": 30,
    "rankSep": 40,
    "edgeSep": 12,
    "nodeDimensionsIncludeLabels": True,
}
#: The handoff graph: dagre's layers top-down, as the status map.
HANDOFF_LAYOUT = {
    **STATUS_LAYOUT,
    "nodeSep": 14,
    "edgeSep": 4,
    "rankSep": 70,
    "acyclicer": "greedy",
}


def _edges(rows: list[tuple], prefix: str, kind: str, performance: bool = False) -> list[dict]:
    if not rows:
        return []
    counts = [r[2] or 0 for r in rows]
    waits = [r[3] for r in rows if r[3] is not None]
    low, high, slowest = min(counts), max(counts), max(waits, default=0.0)
    if performance:
        low, high = min(waits, default=0.0), slowest
    # Where edges cross, cytoscape gives a click to the edge whose centre line is nearest,
    # whatever their widths, so a thin edge over a wide one takes its clicks; but it never
    # lets an edge of one z-compound-depth take a click from one drawn above it. The widest
    # edges (half the widest or more) are drawn in front of the others (``depth`` auto),
    # the narrowest behind (bottom: past LABELLED edges, they carry no label until clicked),
    # and within each, wider over narrower (``z``).
    weight = [(r[3] or 0.0) if performance else (r[2] or 0) for r in rows]
    z = {w: i for i, w in enumerate(sorted(set(weight)))}
    labelled = sorted(weight, reverse=True)[min(LABELLED, len(weight)) - 1]
    widest = max(weight)
    out = []
    for (source, target, count, median, ping), w in zip(rows, weight, strict=True):
        label = f"{count} · {_days(median)}" + (" · ping-pong" if ping else "")
        if performance:
            label = f"{_days(median)} · {count}" + (" · ping-pong" if ping else "")
        out.append(
            {
                "data": {
                    "id": f"{prefix}:{source}->{target}",
                    "kind": kind,
                    "source": f"{prefix}:{source}",
                    "target": f"{prefix}:{target}",
                    "from": source,
                    "to": target,
                    "count": count,
                    "median_wait_s": median,
                    "ping_pong": ping,
                    "label": label,
                    "width": edge_width(
                        (median or 0.0) if performance else (count or 0), low, high
                    ),
                    "colour": wait_colour(median, slowest),
                    "z": z[w],
                    "depth": (
                        "auto" if 2 * w >= widest else "bottom" if w < labelled else "orphan"
                    ),
                },
                "classes": "ping-pong" if ping else "",
            }
        )
    return out


#: Edges of a map that carry their label (the busiest; ties included).
LABELLED = 25


STYLESHEET = [
    {
        "selector": "node",
        "style": {
            "label": "data(label)",
            "font-size": "11px",
            "text-valign": "center",
            "text-halign": "center",
            "text-wrap": "wrap",
            "text-max-width": "400px",
            "background-color": "#dee2e6",
            "border-width": 1,
            "border-color": "#495057",
            "width": "data(w)",
            "height": "data(h)",
            "shape": "round-rectangle",
        },
    },
    {"selector": "node[colour]", "style": {"background-color": "data(colour)"}},
    {
        "selector": "edge",
        "style": {
            "width": "data(width)",
            "line-color": "data(colour)",
            "target-arrow-color": "data(colour)",
            "target-arrow-shape": "triangle",
            "curve-style": "bezier",
            "label": "data(label)",
            "font-size": "9px",
            "text-background-color": "#ffffff",
            "text-background-opacity": 0.8,
            "z-index": "data(z)",
        },
    },
    # The workflow's order for the layout (``status_elements``): not drawn, not clickable.
    {"selector": "edge.order", "style": {"display": "none"}},
    {"selector": ".ping-pong", "style": {"line-style": "dashed"}},
    {"selector": 'edge[depth = "orphan"]', "style": {"z-compound-depth": "orphan"}},
    {"selector": 'edge[depth = "bottom"]', "style": {"z-compound-depth": "bottom", "label": ""}},
    {"selector": 'edge[depth = "bottom"]:selected', "style": {"label": "data(label)"}},
    # A label that would cover another or a node (assets/maps.js places them after a layout).
    {"selector": "edge.crowded", "style": {"label": ""}},
    {"selector": "edge.crowded:selected", "style": {"label": "data(label)"}},
    {"selector": ":selected", "style": {"overlay-opacity": 0.25, "overlay-color": "#1c7ed6"}},
]


def items_for_tap(
    data: dict, timeline: pa.Table, handoff_events: pa.Table
) -> tuple[str, list[str]]:
    """(description, item keys) selected by clicking the node or edge whose data is ``data``."""
    kind = data.get("kind")
    if kind == "team":
        teams = pa.array(data.get("teams") or [data["name"]], pa.string())
        keys = pc.filter(timeline["item"], pc.is_in(timeline["team"], value_set=teams))
        return f"items that were with team {data['name']}", sorted(set(keys.to_pylist()))
    if kind == "status":
        keys = pc.filter(timeline["item"], pc.equal(timeline["status"], data["name"]))
        return f"items that were in {data['name']}", sorted(set(keys.to_pylist()))
    if kind == "handoff":
        sources = pa.array(data.get("from_teams") or [data["from"]], pa.string())
        targets = pa.array(data.get("to_teams") or [data["to"]], pa.string())
        mask = pc.and_(
            pc.is_in(handoff_events["from_team"], value_set=sources),
            pc.is_in(handoff_events["to_team"], value_set=targets),
        )
        keys = pc.filter(handoff_events["item"], pc.fill_null(mask, False))
        return (
            f"items handed off {data['from']} -> {data['to']}",
            sorted(set(keys.to_pylist())),
        )
    if kind == "move":
        return (
            f"items that moved {data['from']} -> {data['to']}",
            status_moves(timeline, data["from"], data["to"]),
        )
    return "", []


def status_moves(timeline: pa.Table, source: str, target: str) -> list[str]:
    """Items whose status went directly from ``source`` to ``target`` (repeats collapsed)."""
    found: set[str] = set()
    rows = timeline.select(["item", "seg", "status"]).sort_by(
        [("item", "ascending"), ("seg", "ascending")]
    )
    prev_item, prev_status = None, None
    for item, status in zip(rows["item"].to_pylist(), rows["status"].to_pylist(), strict=True):
        if item != prev_item:
            prev_item, prev_status = item, status
            continue
        if status != prev_status:
            if prev_status == source and status == target:
                found.add(item)
            prev_status = status
    return sorted(found)
