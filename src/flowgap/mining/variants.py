"""Variants: the paths items take through the statuses, as pm4py finds them.

A variant is the sequence of an item's status visits (consecutive segments of one status
merged, as in the status map). pm4py groups the items by variant (its numpy variant finder,
behind ``pm4py.get_variants``, which also gives each item's variant); flowgap adds, per
variant, its share of the items and the median lead time and flow efficiency of its
delivered items.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from ..engine.runner import Aggregate
from . import pm4py_worker
from .pm4py_frames import ACTIVITY, CASE, event_frame, pm4py

#: Variants listed in the report (the rest are counted).
TOP_VARIANTS = 10
#: The columns of ``items`` the variants read.
ITEM_COLUMNS = ("item", "is_open", "lead_time_s", "flow_efficiency")


def item_variants(visits: pa.Table) -> dict[str, tuple[str, ...]]:
    """Each item's variant (its statuses in visit order), by pm4py."""
    if visits.num_rows == 0:
        return {}
    item, status, start = (visits.column(c) for c in ("item", "status", "start"))
    return pm4py_worker.call(_find_variants, item, status, start)


def _find_variants(
    item: pa.ChunkedArray, status: pa.ChunkedArray, start: pa.ChunkedArray
) -> dict[str, tuple[str, ...]]:
    """pm4py's variant of each item of :func:`item_variants`' visits (where pm4py runs:
    :mod:`.pm4py_worker`)."""
    frame = event_frame(item, status, start)
    pm4py()  # the preloaded module, or its import now
    from pm4py.objects.log.util import pandas_numpy_variants

    # pm4py reads the rows of each case as they come (its own sort's result is dropped):
    # the visits are in (item, time) order already.
    keys = pandas_numpy_variants.Parameters
    _, per_case = pandas_numpy_variants.apply(
        frame, parameters={keys.CASE_ID_KEY: CASE, keys.ACTIVITY_KEY: ACTIVITY}
    )
    return {str(case): tuple(path) for case, path in per_case.items()}


def variants(
    per_item: dict[str, tuple[str, ...]], items: pa.Table, top: int = TOP_VARIANTS
) -> dict[str, Any]:
    """The most frequent variants (``per_item``: :func:`item_variants`) with their share of
    items, and the median lead time and flow efficiency of their delivered items; variants of
    equal size in path order."""
    if not per_item:
        return {"items": 0, "distinct": 0, "top_share": None, "top": []}
    keys = items.column("item").to_pylist()
    lead = items.column("lead_time_s").to_pylist()
    efficiency = items.column("flow_efficiency").to_pylist()
    delivered = pc.invert(items.column("is_open")).to_pylist()
    groups: dict[tuple[str, ...], list[int]] = {}
    for row, key in enumerate(keys):
        path = per_item.get(key)
        if path is not None:
            groups.setdefault(path, []).append(row)
    ranked = sorted(groups.items(), key=lambda g: (-len(g[1]), g[0]))
    total = sum(len(rows) for rows in groups.values())
    rows = []
    for rank, (path, members) in enumerate(ranked[:top], start=1):
        done = [r for r in members if delivered[r]]
        rows.append(
            {
                "rank": rank,
                "path": list(path),
                "items": len(members),
                "share": len(members) / total,
                "delivered": len(done),
                "median_lead_time_s": _median([lead[r] for r in done]),
                "median_flow_efficiency": _median([efficiency[r] for r in done]),
            }
        )
    return {
        "items": total,
        "distinct": len(groups),
        "top_share": sum(r["items"] for r in rows) / total,
        "top": rows,
    }


def _median(values: list[float | None]) -> float | None:
    known = [v for v in values if v is not None]
    return float(np.median(known)) if known else None


STEPS = [
    # Each item's path, shared by the variants and the conformance check.
    Aggregate(
        "item_variants",
        ("status_visits",),
        lambda scope, status_visits: item_variants(status_visits),
    ),
    Aggregate(
        "variants",
        ("item_variants", "items"),
        lambda scope, item_variants, items: variants(item_variants, items),
        columns={"items": ITEM_COLUMNS},
    ),
]
