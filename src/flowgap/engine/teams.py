"""Layer 3: per team: items, stints, touch, wait inside windows, queue before pickup, handoffs.

``queue`` of a stint is the time from its start to its first touch moment (the whole stint
when nobody touched the item during it).
"""

from __future__ import annotations

import ibis.expr.types as ir
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from ..model import INT, STR, S
from .coded_events import ITEM_KEY, CodedEvents
from .runner import Aggregate, PerItem, RunContext, Scope
from .stages import percentiles

TEAMS = pa.schema(
    [
        ("team", STR),
        ("items", INT),
        ("stints", INT),
        ("touch_s", S),
        ("wait_s", S),
        ("wait_share", S),
        ("queue_s", S),  # total time from arrival to pickup
        ("median_queue_s", S),
        ("handoffs_in", INT),
        ("handoffs_out", INT),
    ]
)


def team_wait(tl: ir.Table) -> ir.Table:
    """item, team, wait: waiting inside flow windows in segments of that team."""
    t = tl.filter(tl.team.notnull())
    return t.group_by(["item", "team"]).aggregate(wait=t.wait.sum().cast("int64"))


def build_teams(
    stints: pa.Table, waits: pa.Table, handoffs: pa.Table, *, total_wait_us: int
) -> pa.Table:
    """The TEAMS table. ``stints`` has item, team, touch, queue (int us); ``waits`` team,
    wait; ``handoffs`` from_team, to_team; ``total_wait_us`` all waiting in windows."""
    if stints.num_rows == 0:
        return TEAMS.empty_table()
    sums = stints.group_by("team", use_threads=False).aggregate(
        [("item", "count_distinct"), ("item", "count"), ("touch", "sum"), ("queue", "sum")]
    )
    med = percentiles(
        stints.column("team").combine_chunks(), stints.column("queue").to_numpy() / 1e6, (0.5,)
    )
    wait = dict(
        zip(waits.column("team").to_pylist(), waits.column("wait").to_pylist(), strict=True)
    )
    h_in = _counts(handoffs.column("to_team"))
    h_out = _counts(handoffs.column("from_team"))
    rows = []
    for r in sums.to_pylist():
        team = r["team"]
        w = int(wait.get(team) or 0)
        rows.append(
            {
                "team": team,
                "items": r["item_count_distinct"],
                "stints": r["item_count"],
                "touch_s": r["touch_sum"] / 1e6,
                "wait_s": w / 1e6,
                "wait_share": w / total_wait_us if total_wait_us else None,
                "queue_s": r["queue_sum"] / 1e6,
                "median_queue_s": med[team][0],
                "handoffs_in": h_in.get(team, 0),
                "handoffs_out": h_out.get(team, 0),
            }
        )
    rows.sort(key=lambda r: r["team"])
    return pa.Table.from_pylist(rows, schema=TEAMS)


def _counts(column: pa.ChunkedArray) -> dict[str, int]:
    if len(column) == 0:
        return {}
    vc = pc.value_counts(column)
    return dict(
        zip(vc.field("values").to_pylist(), np.asarray(vc.field("counts")).tolist(), strict=True)
    )


# --------------------------------------------------------------------------- steps

#: Waiting inside flow windows per item and team, int microseconds.
TEAM_WAITS = pa.schema([("item", ITEM_KEY), ("team", pa.string()), ("wait", pa.int64())])


def _team_waits(
    run: RunContext, timeline_segments: ir.Table, coded_events: CodedEvents
) -> pa.Table:
    waits = team_wait(timeline_segments)
    return coded_events.rows(run.backend, waits, ["item", "team"], TEAM_WAITS)


def _teams(
    scope: Scope,
    stint_rows: pa.Table,
    team_waits: pa.Table,
    handoff_rows: pa.Table,
    visits: pa.Table,
) -> pa.Table:
    sums = team_waits.group_by("team", use_threads=False).aggregate([("wait", "sum")])
    waits = pa.table({"team": sums.column("team"), "wait": sums.column("wait_sum")})
    # All waiting inside windows: the denominator of both stage and team wait shares.
    total_wait_us = int(pc.sum(visits.column("wait")).as_py() or 0) if visits.num_rows else 0
    return build_teams(stint_rows, waits, handoff_rows, total_wait_us=total_wait_us)


STEPS = [
    PerItem("team_waits", ("timeline_segments", "coded_events"), _team_waits, empty=TEAM_WAITS),
    Aggregate(
        "teams",
        ("stint_rows", "team_waits", "handoff_rows", "visits"),
        _teams,
        columns={
            "stint_rows": ("item", "team", "touch", "queue"),
            "handoff_rows": ("from_team", "to_team"),
            "visits": ("wait",),
        },
    ),
]
