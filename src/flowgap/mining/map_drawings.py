"""Static drawings of the process maps for the offline HTML report (the status map and the
team handoff graph): pm4py's DFG visualiser, laid out top-down in layers by Graphviz's
``dot``, as inline SVG.

Two views, as process-mining tools show them: frequency (how often each move happened) and
performance (the median time from entering the source status to entering the target), with
pm4py's start and end markers (where items' paths begin and end). Graphviz is a system
package (``make system-deps`` installs Debian's ``graphviz``); without its ``dot`` the report
says so instead of drawing.
"""

from __future__ import annotations

import itertools
import re
import shutil

import pyarrow as pa

from . import pm4py_worker
from .pm4py_frames import pm4py
from .process_maps import start_end

VIEWS = ("frequency", "performance")


def graphviz_available() -> bool:
    return shutil.which("dot") is not None


def status_map_svg(
    status_map: pa.Table,
    visits: pa.Table | None,
    view: str = "frequency",
    order: list[str] | None = None,
) -> str | None:
    """The status map as an ``<svg>`` element, or None without Graphviz or without edges;
    ``visits`` (status visits) give the start and end markers, ``order`` (the workflow) the
    top-down order of its statuses."""
    if view not in VIEWS:
        raise ValueError(f"view must be one of {VIEWS}")
    if status_map.num_rows == 0 or not graphviz_available():
        return None
    rows = status_map.to_pylist()
    key = "count" if view == "frequency" else "median_s"
    dfg = {(r["source"], r["target"]): r[key] for r in rows if r["source"] and r["target"]}
    starts, ends = start_end(visits) if visits is not None else ({}, {})
    drawn = {s for edge in dfg for s in edge}
    markers = {
        "start_activities": {s: n for s, n in starts.items() if s in drawn},
        "end_activities": {s: n for s, n in ends.items() if s in drawn},
    }
    return pm4py_worker.call(_draw, dfg, view, markers, order or [])


def handoff_graph_svg(edges: pa.Table, view: str = "frequency") -> str | None:
    """The team handoff graph as an ``<svg>`` element, or None without Graphviz or without
    edges: ``edges`` are handoff edges (``from_team``, ``to_team``, ``count``,
    ``median_wait_s``), those of the teams shown by name with the rest as one "other"; edge
    labels count the handoffs (frequency) or give their median wait (performance)."""
    if view not in VIEWS:
        raise ValueError(f"view must be one of {VIEWS}")
    if edges.num_rows == 0 or not graphviz_available():
        return None
    key = "count" if view == "frequency" else "median_wait_s"
    dfg = {
        (r["from_team"], r["to_team"]): r[key] or 0
        for r in edges.select(["from_team", "to_team", key]).to_pylist()
        if r["from_team"] and r["to_team"]
    }
    if not dfg:
        return None
    return pm4py_worker.call(_draw, dfg, view, {}, [])


def dot_label(name: str) -> str:
    """A status or team name as Graphviz reads it back unchanged: a backslash doubled (a
    trailing one escaped the closing quote: "Open\\" made ``dot`` fail and the whole
    analysis with it), and a name that looks like Graphviz's HTML label (``<none>``) with a
    zero-width space after it, so it stays text."""
    name = name.replace("\\", "\\\\")
    if name.startswith("<") and name.endswith(">"):
        name += "\u200b"
    return name


def _draw(dfg: dict, view: str, markers: dict, order: list[str]) -> str | None:
    """pm4py's drawing of ``dfg`` as an ``<svg>`` element, top-down, nodes in ``order``
    first; ``markers``: start and end activities, if any (where pm4py runs:
    :mod:`.pm4py_worker`)."""
    pm4py()  # the preloaded module, or its import now
    from pm4py.visualization.dfg import visualizer

    dfg = {(dot_label(a), dot_label(b)): v for (a, b), v in dfg.items()}
    markers = {k: {dot_label(s): n for s, n in v.items()} for k, v in markers.items()}
    order = [dot_label(s) for s in order]
    gviz = visualizer.apply(
        dfg,
        variant=getattr(visualizer.Variants, view.upper()),
        parameters={"format": "svg", "rankdir": "TB", "enable_graph_title": False, **markers},
    )
    gviz.body[:] = in_order(gviz.body, order)
    # quiet: dot's layout warnings ("unable to reclaim box space ...") are not the user's concern
    svg = gviz.pipe(format="svg", quiet=True).decode("utf-8")
    # Inline in HTML: the element only, without the XML prolog and DOCTYPE.
    match = re.search(r"<svg\b.*</svg>", svg, flags=re.DOTALL)
    return match.group(0) if match else None


#: A node line: its name and its label, quoted or not, without a trailing " (count)".
_NODE = re.compile(r'^\t(-?\d+) \[label=(?:"(.*?)(?: \([^()]*\))?"|([^\s"\]]+))[ \]]')
_EDGE = re.compile(r"^\t(-?\d+) -> (-?\d+) \[(.*)\]$")


def in_order(body: list[str], order: list[str]) -> list[str]:
    """pm4py's DOT lines with stable node names (it names nodes by Python's salted string
    hash, which would change the SVG from run to run) and the workflow's order top-down: an
    invisible chain through the workflow's statuses, and moves back up (or back from a
    status outside the workflow) that do not pull their target down."""
    names = {}
    for line in body:
        if match := _NODE.match(line):
            names[match.group(1)] = match.group(2) if match.group(2) is not None else match.group(3)
    ids = {old: f"s{i}" for i, old in enumerate(sorted(names, key=lambda k: names[k]))}
    rank = {status: i for i, status in enumerate(order)}
    out = []
    for line in body:
        edge = _EDGE.match(line.rstrip("\n"))
        if edge and edge.group(1) in ids and edge.group(2) in ids:
            source, target = names[edge.group(1)], names[edge.group(2)]
            attrs = edge.group(3)
            # A move back up the workflow, or back from a side trip (a status outside it),
            # must not push its target down.
            if target in rank and (source not in rank or rank[target] < rank[source]):
                attrs += " constraint=false"
            line = f"\t{ids[edge.group(1)]} -> {ids[edge.group(2)]} [{attrs}]\n"
        else:
            line = re.sub(r"-?\d{6,}", lambda m: ids.get(m.group(0), m.group(0)), line)
        out.append(line)
    by_name = {name: ids[old] for old, name in names.items()}
    chain = [by_name[s] for s in order if s in by_name]
    out += [f"\t{a} -> {b} [style=invis weight=10]\n" for a, b in itertools.pairwise(chain)]
    return out
