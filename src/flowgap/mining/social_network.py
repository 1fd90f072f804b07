"""pm4py's social-network views over teams and people: handover of work (with how long the
work stayed before it was handed over) and working together.

- **Handover of work**: who passed an item directly to whom. Each item's timeline is cut into
  runs of one team (the engine's stints) or one person (consecutive segments with one
  assignee; segments without one are left out, so A -> unassigned -> B is a handover from A
  to B); pm4py's performance directly-follows graph over the runs gives, per pair, how often
  and the median time from the start of the giver's run to the start of the taker's: how
  long the work stayed with the giver. For teams this is the handoff graph itself
  (``process_maps.handoff_graph``).
- **Working together**: pairs that worked on the same items, from pm4py's
  ``discover_working_together_network``. pm4py divides each pair's number of items by the
  rows of the frame it is given (not by its cases); ``items`` is that number of items back.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from ..engine.runner import Aggregate
from . import pm4py_worker
from .pm4py_frames import ACTIVITY, CASE, TIMESTAMP, case_numbers, event_frame, in_order, pm4py
from .process_maps import PROCESS_EDGES, directly_follows

TOGETHER = pa.schema([("a", pa.string()), ("b", pa.string()), ("items", pa.int64())])


def actor_runs(timeline: pa.Table, column: str) -> pa.Table:
    """item, actor, start of each run of one ``column`` value (team or assignee), in (item,
    time) order; segments without a value are left out first."""
    tl = in_order(timeline.select(["item", "seg", column, "start"]), "seg")
    tl = tl.filter(pc.is_valid(tl.column(column)))
    actor = tl.column(column)
    if pa.types.is_dictionary(actor.type):
        actor = actor.cast(pa.string())
    item = tl.column("item")
    if pa.types.is_dictionary(item.type):
        item = item.cast(pa.string())
    n = tl.num_rows
    case = case_numbers(item)
    values = np.asarray(actor.to_pylist(), dtype=object)
    first = np.ones(n, dtype=bool)
    if n > 1:
        first[1:] = (case[1:] != case[:-1]) | (values[1:] != values[:-1])
    keep = pa.array(np.flatnonzero(first))
    return pa.table(
        {
            "item": item.take(keep),
            "actor": actor.take(keep),
            "start": tl.column("start").take(keep),
        }
    )


def busiest_actors(runs: pa.Table, limit: int) -> pa.Table:
    """The runs of the ``limit`` actors on the most items (ties by name): all of them when
    there are no more actors than that."""
    pairs = runs.select(["item", "actor"]).group_by(["actor", "item"]).aggregate([])
    per_actor = pairs.group_by("actor").aggregate([("item", "count")])
    if per_actor.num_rows <= limit:
        return runs
    ranked = per_actor.sort_by([("item_count", "descending"), ("actor", "ascending")])
    kept = ranked.column("actor").slice(0, limit)
    return runs.filter(pc.is_in(runs.column("actor"), value_set=kept.combine_chunks()))


def handover(timeline: pa.Table, column: str) -> pa.Table:
    """Handover of work between the values of ``column`` (PROCESS_EDGES: count, median and
    mean seconds the work stayed with the source before it went to the target)."""
    runs = actor_runs(timeline, column)
    return directly_follows(runs.column("item"), runs.column("actor"), runs.column("start"))


#: The most actors (teams or people) working together is computed among: those on the most
#: items. pm4py's working-together network is quadratic in the actors (12,000 teams took
#: 2.5 s, 75,000 took 107 s); the pairs a page lists are among the busiest anyway.
TOGETHER_ACTORS = 1000


def working_together(timeline: pa.Table, column: str) -> pa.Table:
    """Pairs (a < b) of ``column`` values that worked on the same items, with how many:
    among the :data:`TOGETHER_ACTORS` values on the most items (ties by name)."""
    runs = busiest_actors(actor_runs(timeline, column), TOGETHER_ACTORS)
    if runs.num_rows == 0:
        return TOGETHER.empty_table()
    item, actor, start = (runs.column(c) for c in ("item", "actor", "start"))
    return pm4py_worker.call(_together, item, actor, start)


def _together(item: pa.ChunkedArray, actor: pa.ChunkedArray, start: pa.ChunkedArray) -> pa.Table:
    """pm4py's working-together network of :func:`working_together`'s runs (where pm4py
    runs: :mod:`.pm4py_worker`)."""
    frame = event_frame(item, actor, start)
    network = pm4py().discover_working_together_network(
        frame, resource_key=ACTIVITY, timestamp_key=TIMESTAMP, case_id_key=CASE
    )
    rows = [
        {"a": a, "b": b, "items": round(value * len(frame))}
        for (a, b), value in network.connections.items()
        if a < b
    ]
    rows.sort(key=lambda r: (-r["items"], r["a"], r["b"]))
    return pa.Table.from_pylist(rows, schema=TOGETHER)


_COLUMNS = {"timeline": ("item", "seg", "team", "assignee", "start")}

STEPS = [
    Aggregate(
        "people_handover",
        ("timeline",),
        lambda scope, timeline: handover(timeline, "assignee"),
        columns=_COLUMNS,
    ),
    Aggregate(
        "people_together",
        ("timeline",),
        lambda scope, timeline: working_together(timeline, "assignee"),
        columns=_COLUMNS,
    ),
    Aggregate(
        "teams_together",
        ("timeline",),
        lambda scope, timeline: working_together(timeline, "team"),
        columns=_COLUMNS,
    ),
]

__all__ = [
    "PROCESS_EDGES",
    "STEPS",
    "TOGETHER",
    "TOGETHER_ACTORS",
    "actor_runs",
    "busiest_actors",
    "handover",
    "working_together",
]
