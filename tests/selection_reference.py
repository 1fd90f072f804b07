"""The reference a selection is checked against: the load result restricted to some items,
analysed from scratch (what re-running ``flowgap.analyze`` on a filtered export gives)."""

from __future__ import annotations

import pyarrow as pa
import pyarrow.compute as pc

from flowgap.model import LoadResult


def subset(result: LoadResult, keep: set) -> LoadResult:
    """The load result restricted to the items in ``keep`` (rejects and inputs unchanged)."""
    wanted = pa.array(sorted(keep), pa.string())
    return LoadResult(
        events=result.events.filter(pc.is_in(result.events["item"], wanted)),
        items=result.items.filter(pc.is_in(result.items["item"], wanted)),
        rejects=result.rejects,
        warnings=[w for w in result.warnings if w.item is None or w.item in keep],
        inputs=result.inputs,
        status_categories=result.status_categories,
        has_history=result.has_history,
    )
