"""Static drawings of the status process map for the offline HTML report: pm4py's DFG
visualiser, laid out top-down in layers by Graphviz's ``dot``, as inline SVG.

Two views, as process-mining tools show them: frequency (how often each move happened) and
performance (the median time from entering the source status to entering the target), with
pm4py's start and end markers (where items' paths begin and end). Graphviz is a system
package (``make system-deps`` installs Debian's ``graphviz``); without its ``dot`` the report
says so instead of drawing.
"""

from __future__ import annotations

import re
import shutil

import pyarrow as pa

from .pm4py_frames import pm4py
from .process_maps import start_end

VIEWS = ("frequency", "performance")


def graphviz_available() -> bool:
    return shutil.which("dot") is not None


def status_map_svg(
    status_map: pa.Table, visits: pa.Table | None, view: str = "frequency"
) -> str | None:
    """The status map as an ``<svg>`` element, or None without Graphviz or without edges;
    ``visits`` (status visits) give the start and end markers."""
    if view not in VIEWS:
        raise ValueError(f"view must be one of {VIEWS}")
    if status_map.num_rows == 0 or not graphviz_available():
        return None
    pm4py()  # the preloaded module, or its import now
    from pm4py.visualization.dfg import visualizer

    rows = status_map.to_pylist()
    key = "count" if view == "frequency" else "median_s"
    dfg = {(r["source"], r["target"]): r[key] for r in rows if r["source"] and r["target"]}
    starts, ends = start_end(visits) if visits is not None else ({}, {})
    gviz = visualizer.apply(
        dfg,
        variant=getattr(visualizer.Variants, view.upper()),
        parameters={
            "format": "svg",
            "start_activities": starts,
            "end_activities": ends,
            "rankdir": "TB",  # top-down in workflow order
            "enable_graph_title": False,
        },
    )
    svg = gviz.pipe(format="svg").decode("utf-8")
    # Inline in HTML: the element only, without the XML prolog and DOCTYPE.
    match = re.search(r"<svg\b.*</svg>", svg, flags=re.DOTALL)
    return match.group(0) if match else None
