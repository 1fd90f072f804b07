"""Layer 2: team stints and handoff events, from the timeline.

A stint is a maximal run of consecutive segments with the same non-null team; segments
without a team are skipped, so ``A, none, A`` is one stint. Every stint after the first is a
handoff from the previous stint's team.
"""

from __future__ import annotations

import ibis
import ibis.expr.types as ir


def stints(tl: ir.Table) -> ir.Table:
    """item, stint, team, prev_team, prev2_team, start, end, touch, first_touch, next_touch, we.

    ``first_touch``: the first touch moment inside the stint; ``next_touch``: the first touch
    moment at or after the stint's start (possibly in a later stint).
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
        we=t.we.max(),
    )
    ws = ibis.window(group_by=s.item, order_by=s.stint)
    return s.mutate(prev_team=s.team.lag().over(ws), prev2_team=s.team.lag(2).over(ws))


def handoff_events(st: ir.Table) -> ir.Table:
    """item, ts, from_team, to_team, wait, is_return (A -> B -> A: this is the return)."""
    h = st.filter(st.prev_team.notnull())
    wait = ibis.greatest(ibis.coalesce(h.next_touch, h.we) - h.start, 0)
    return h.select(
        "item",
        ts=h.start,
        from_team=h.prev_team,
        to_team=h.team,
        wait=wait.cast("int64"),
        is_return=ibis.coalesce(h.prev2_team == h.team, False),
    )
