"""Layer 3: the team handoff edges A -> B with their waits and ping-pongs.

``handoff_wait`` runs from the handoff to the next touch moment of the item (or to the end
of its flow window when nobody touches it again), at most to its next handoff
(``stints.handoff_events``). A ping-pong is A -> B -> A in one item:
the return B -> A counts in ``ping_pongs`` of the edge B -> A, and both edges of the pair are
marked ``ping_pong``.
"""

from __future__ import annotations

import pyarrow as pa
import pyarrow.compute as pc

from ..model import INT, STR, S
from .runner import Aggregate
from .stages import percentiles

HANDOFFS = pa.schema(
    [
        ("from_team", STR),
        ("to_team", STR),
        ("count", INT),
        ("items", INT),
        ("total_wait_s", S),
        ("median_wait_s", S),
        ("p85_wait_s", S),
        ("ping_pong", pa.bool_()),  # some item went A -> B -> A over this edge
        ("ping_pongs", INT),  # how many A -> B -> A returns came back over this edge
    ]
)


def build_handoffs(events: pa.Table) -> pa.Table:
    """``events``: item, from_team, to_team, wait (int us), is_return."""
    if events.num_rows == 0:
        return HANDOFFS.empty_table()
    sums = events.group_by(["from_team", "to_team"], use_threads=False).aggregate(
        [("item", "count"), ("item", "count_distinct"), ("wait", "sum"), ("is_return", "sum")]
    )
    edge = pc.binary_join_element_wise(
        events.column("from_team"), events.column("to_team"), "\x1f"
    ).combine_chunks()
    pct = percentiles(edge, events.column("wait").to_numpy() / 1e6, (0.5, 0.85))
    rows = sums.to_pylist()
    returns = {(r["from_team"], r["to_team"]): int(r["is_return_sum"] or 0) for r in rows}
    out = []
    for r in rows:
        a, b = r["from_team"], r["to_team"]
        p50, p85 = pct[f"{a}\x1f{b}"]
        out.append(
            {
                "from_team": a,
                "to_team": b,
                "count": r["item_count"],
                "items": r["item_count_distinct"],
                "total_wait_s": r["wait_sum"] / 1e6,
                "median_wait_s": p50,
                "p85_wait_s": p85,
                "ping_pong": returns[(a, b)] > 0 or returns.get((b, a), 0) > 0,
                "ping_pongs": returns[(a, b)],
            }
        )
    out.sort(key=lambda r: (r["from_team"], r["to_team"]))
    return pa.Table.from_pylist(out, schema=HANDOFFS)


STEPS = [
    Aggregate(
        "handoffs",
        ("handoff_rows",),
        lambda scope, handoff_rows: build_handoffs(handoff_rows),
        columns={"handoff_rows": ("item", "from_team", "to_team", "wait", "is_return")},
    )
]
