"""Layer 2: team stints and handoff events, from the timeline.

A stint is a maximal run of consecutive segments with the same non-null team; segments
without a team are skipped, so ``A, none, A`` is one stint. Every stint after the first is a
handoff from the previous stint's team.
"""

from __future__ import annotations

import ibis
import ibis.expr.types as ir
import pyarrow as pa
import pyarrow.compute as pc

from ..model import INT, STR, TS, S
from .backend import conform
from .coded_events import ITEM_KEY, CodedEvents
from .runner import PerItem, RunContext

STINTS = pa.schema(
    [
        ("item", pa.string()),
        ("stint", INT),  # 0-based
        ("team", STR),
        ("prev_team", STR),  # null for the first stint
        ("start", TS),
        ("end", TS),
        ("duration_s", S),
        ("touch_s", S),
        # from the stint's start to its first active (touch) moment, at most to delivery
        ("queue_s", S),
    ]
)

HANDOFF_EVENTS = pa.schema(
    [
        ("item", pa.string()),
        ("ts", TS),
        ("from_team", STR),
        ("to_team", STR),
        # handoff -> next active segment (to as_of/window end if none), at most to the next
        # handoff of the item
        ("wait_s", S),
    ]
)


def stints(tl: ir.Table) -> ir.Table:
    """item, stint, team, prev_team, prev2_team, start, end, touch, first_touch, next_touch, ws,
    we, next_start.

    ``first_touch``: the first touch moment inside the stint; ``next_touch``: the first touch
    moment at or after the stint's start (possibly in a later stint); ``next_start``: the
    start of the item's next stint (its next handoff), null for its last.
    """
    t = tl.filter(tl.team.notnull())
    w = ibis.window(group_by=t.item, order_by=t.seg)
    prev = t.team.lag().over(w)
    t = t.mutate(new=ibis.ifelse(prev.isnull() | (prev != t.team), 1, 0))
    t = t.mutate(
        stint=t.new.sum().over(ibis.window(group_by=t.item, order_by=t.seg, rows=(None, 0))) - 1
    )
    s = t.group_by(["item", "stint"]).aggregate(
        team=t.team.max(),
        start=t.start.min(),
        end=t.end.max(),
        touch=t.touch.sum().cast("int64"),
        first_touch=t.tm.min(),
        next_touch=t.ntm.min(),
        ws=t.ws.min(),
        we=t.we.max(),
    )
    ws = ibis.window(group_by=s.item, order_by=s.stint)
    return s.mutate(
        prev_team=s.team.lag().over(ws),
        prev2_team=s.team.lag(2).over(ws),
        next_start=s.start.lead().over(ws),
    )


def handoff_events(st: ir.Table) -> ir.Table:
    """item, ts, from_team, to_team, wait, is_return (A -> B -> A: this is the return).

    ``wait`` runs from the handoff to the item's next touch moment, or to the end of its
    window, and stops at the item's next handoff: work handed on again before anyone touched
    it waits after the later handoff from then on. So no second of waiting belongs to two
    handoffs, and their waits add up to at most the time waited (A -> B -> C handed on within
    a day and touched a week later counted that week twice). Only the part inside the item's
    flow window counts (none for an item without one)."""
    h = st.filter(st.prev_team.notnull())
    picked_up = ibis.coalesce(h.next_touch, h.we)
    end = ibis.least(picked_up, ibis.coalesce(h.next_start, picked_up))
    # only waiting inside the item's flow window counts, as every wait does: none before its
    # commitment, none for an item never committed (a Jira export's ping-pong in the backlog
    # counted 3.3 days no flow window holds)
    inside = end - ibis.greatest(h.start, h.ws)
    wait = ibis.ifelse(h.ws.isnull(), 0, ibis.greatest(inside, 0))
    return h.select(
        "item",
        ts=h.start,
        from_team=h.prev_team,
        to_team=h.team,
        wait=wait.cast("int64"),
        is_return=ibis.coalesce(h.prev2_team == h.team, False),
    )


# --------------------------------------------------------------------------- steps


def _stint_rows(run: RunContext, stint_segments: ir.Table, coded_events: CodedEvents) -> pa.Table:
    """The stints as int microseconds, with ``queue``: from the stint's start to its first
    touch moment (all of it when untouched), stopped at the item's window end (delivery, or
    ``as_of`` for an open item): a team that handed work on and never touched it again does
    not "wait" on a delivered item until ``as_of``."""
    # Ordering by item code is ordering by item (the codes follow the sorted names).
    raw = coded_events.rows(run.backend, stint_segments, ["item", "stint"])
    pickup = pc.min_element_wise(
        pc.coalesce(raw.column("first_touch"), raw.column("end")), raw.column("we")
    )
    queue = pc.max_element_wise(pc.subtract(pickup, raw.column("start")), pa.scalar(0, pa.int64()))
    return raw.append_column("queue", queue)


def _stints(run: RunContext, stint_rows: pa.Table) -> pa.Table:
    raw = stint_rows
    cols = {
        "item": raw.column("item"),
        "stint": raw.column("stint"),
        "team": raw.column("team"),
        "prev_team": raw.column("prev_team"),
        "start": raw.column("start"),
        "end": raw.column("end"),
        "duration_s": pc.subtract(raw.column("end"), raw.column("start")),
        "touch_s": raw.column("touch"),
        "queue_s": raw.column("queue"),
    }
    return conform(pa.table(cols), STINTS)


#: The stints as int microseconds (what the teams table and the items' team paths read).
STINT_ROWS = pa.schema(
    [
        ("item", ITEM_KEY),
        ("stint", pa.int64()),
        ("team", pa.string()),
        ("prev_team", pa.string()),
        ("start", pa.int64()),
        ("end", pa.int64()),
        ("touch", pa.int64()),
        ("queue", pa.int64()),
    ]
)

#: The handoffs as int microseconds: item, ts, from_team, to_team, wait, is_return.
HANDOFF_ROWS = pa.schema(
    [
        ("item", ITEM_KEY),
        ("ts", pa.int64()),
        ("from_team", pa.string()),
        ("to_team", pa.string()),
        ("wait", pa.int64()),
        ("is_return", pa.bool_()),
    ]
)


def _handoff_rows(run: RunContext, stint_segments: ir.Table, coded_events: CodedEvents) -> pa.Table:
    handoffs = handoff_events(stint_segments)
    return coded_events.rows(run.backend, handoffs, ["item", "ts"], HANDOFF_ROWS)


def _handoff_events(run: RunContext, handoff_rows: pa.Table) -> pa.Table:
    renamed = handoff_rows.rename_columns(
        ["wait_s" if c == "wait" else c for c in handoff_rows.column_names]
    )
    return conform(renamed, HANDOFF_EVENTS)


STEPS = [
    PerItem(
        "stint_segments",
        ("timeline_segments",),
        lambda run, timeline_segments: stints(timeline_segments),
        kept=False,
    ),
    PerItem(
        "stint_rows",
        ("stint_segments", "coded_events"),
        _stint_rows,
        empty=STINT_ROWS,
    ),
    PerItem("stints", ("stint_rows",), _stints, empty=STINTS),
    PerItem("handoff_rows", ("stint_segments", "coded_events"), _handoff_rows, empty=HANDOFF_ROWS),
    PerItem("handoff_events", ("handoff_rows",), _handoff_events, empty=HANDOFF_EVENTS),
]
