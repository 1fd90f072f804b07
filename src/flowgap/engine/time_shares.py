"""Where the time went: every second of the selection's flow windows in exactly one part.

The elapsed item time of a selection is the sum of its items' flow windows (the denominator
of the pooled flow efficiency). It splits into:

- ``touch``: the items' touch (so its share is the pooled flow efficiency);
- ``blocked``: waiting in blocked segments (flagged while flags block, or a blocked status);
- ``steering``: waiting in a status that ``[steering] statuses`` counts as a steering touch;
- ``handoff``: waiting between a handoff and the item's next touch moment (the handoff
  events' ``wait_s``), inside the flow window;
- ``status``: the rest of the waiting, one row per status it was spent in;
- ``before_status``: window time before the item's first status event (only with
  ``flow_window = "created"`` and a ``created`` earlier than that event).

A waiting second that two parts could claim goes to the first in the order blocked,
steering, handoff, status: the most specific reason wins.

A handoff's waiting interval starts at a segment start (the new stint's) and ends at the next
touch moment, a segment start or the window's end, and holds no touch: a segment is inside it
whole or not at all. Of several handoffs before a segment the latest decides (its interval
ends no earlier than any earlier one's), so one ordered pass finds, per segment, the last
handoff at or before its start and whether its interval reaches past it. Everything is
counted in integer microseconds, so the parts add up to the elapsed time exactly.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from ..config import Config
from ..model import STR, S
from .runner import Aggregate, Scope

TIME_SHARES = pa.schema(
    [
        ("part", STR),  # touch | blocked | steering | handoff | status | before_status
        ("status", STR),  # the status of a ``status`` row; null for the other parts
        ("seconds", S),
        ("share", S),  # seconds / elapsed item time; null when nothing elapsed
    ]
)

#: The parts always listed (with 0 when nothing fell in them), in this order; the statuses
#: follow, largest first, then ``before_status`` when it has time.
FIXED_PARTS = ("touch", "blocked", "steering", "handoff")


#: How each part reads wherever it is shown (reports, figure, dashboard).
PART_LABELS = {
    "touch": "Touch (someone working on it)",
    "blocked": "Blocked",
    "steering": "Waiting for the steering committee",
    "handoff": "Waiting after a handoff",
    "before_status": "Before the first status",
}


def part_label(row: dict) -> str:
    """``Waiting in 'QA Queue'`` for a status row, the part's name for the others."""
    if row["part"] == "status":
        return f"Waiting in '{row['status']}'"
    return PART_LABELS[row["part"]]


def _us(column: pa.ChunkedArray | pa.Array) -> np.ndarray:
    """Float seconds (the tables' unit, made from integer microseconds) back to exact
    integer microseconds; nulls are 0."""
    values = pc.fill_null(column, 0.0).to_numpy(zero_copy_only=False)
    return np.rint(np.asarray(values, dtype=np.float64) * 1e6).astype(np.int64)


def _ts_us(column: pa.ChunkedArray | pa.Array) -> np.ndarray:
    return np.asarray(column.cast(pa.int64()).to_numpy(zero_copy_only=False), dtype=np.int64)


def steering_statuses(statuses: pa.Array | pa.ChunkedArray, config: Config) -> np.ndarray:
    """Per row of ``statuses``: does the status match one of ``[steering] statuses`` (a
    search, as for steering touches; Arrow's regular expressions are RE2, linear time)."""
    if not config.steering.statuses or len(statuses) == 0:
        return np.zeros(len(statuses), dtype=bool)
    # Each distinct status is matched once, not each of millions of segments.
    encoded = pc.dictionary_encode(statuses)
    if isinstance(encoded, pa.ChunkedArray):
        encoded = encoded.combine_chunks()
    names = encoded.dictionary
    hit = np.zeros(len(names), dtype=bool)
    for pattern in config.steering.statuses:
        match = pc.match_substring_regex(names, pattern)
        hit |= np.asarray(pc.fill_null(match, False).to_numpy(zero_copy_only=False), dtype=bool)
    codes = pc.fill_null(encoded.indices, -1).to_numpy(zero_copy_only=False)
    return np.where(codes >= 0, hit[np.maximum(codes, 0)], False)


def after_handoff(
    seg_codes: np.ndarray, seg_start: np.ndarray, h_codes: np.ndarray, h_start: np.ndarray,
    h_end: np.ndarray,
) -> np.ndarray:  # fmt: skip
    """Per segment: does it lie inside a handoff's waiting interval of its item, that is,
    does the item's last handoff at or before the segment's start wait past that start."""
    n_seg, n_h = len(seg_codes), len(h_codes)
    if n_seg == 0 or n_h == 0:
        return np.zeros(n_seg, dtype=bool)
    codes = np.concatenate([h_codes, seg_codes])
    times = np.concatenate([h_start, seg_start])
    # By item, then time; a handoff sorts before a segment that starts at its moment (kind
    # 0 before 1): two stable sorts of one integer key each (time and kind, then item).
    kind = np.concatenate([np.zeros(n_h, np.int64), np.ones(n_seg, np.int64)])
    by_time = np.argsort(times * 2 + kind, kind="stable")
    order = by_time[np.argsort(codes[by_time], kind="stable")]
    is_h = kind[order] == 0
    # The position (in sorted order) of the latest handoff at or before each row.
    last = np.where(is_h, np.arange(len(order)), -1)
    last = np.maximum.accumulate(last)
    ends = np.concatenate([h_end, np.zeros(n_seg, np.int64)])[order]
    found = last >= 0
    same_item = np.zeros(len(order), dtype=bool)
    same_item[found] = codes[order][last[found]] == codes[order][found]
    end_of_last = np.where(found, ends[np.maximum(last, 0)], 0)
    inside = found & same_item & (end_of_last > times[order])
    out = np.zeros(n_seg, dtype=bool)
    seg_rows = ~is_h
    out[order[seg_rows] - n_h] = inside[seg_rows]
    return out


def build_time_shares(
    items: pa.Table, timeline: pa.Table, handoffs: pa.Table, config: Config
) -> pa.Table:
    """The TIME_SHARES table. ``items``: item, window_s, touch_s, window_start;
    ``timeline``: item, start, status, blocked, in_window_s, wait_s; ``handoffs``: item, ts,
    wait_s."""
    has_window = pc.is_valid(items.column("window_s"))
    items = items.filter(has_window)
    keys = items.column("item").combine_chunks() if items.num_rows else pa.array([], pa.string())
    elapsed = int(_us(items.column("window_s")).sum())
    touch = int(_us(items.column("touch_s")).sum())
    parts = {"touch": touch, "blocked": 0, "steering": 0, "handoff": 0}
    by_status: dict[str, int] = {}
    covered = 0  # window time inside some segment
    if timeline.num_rows and len(keys):
        seg_codes = pc.index_in(timeline.column("item"), value_set=keys)
        in_sel = np.asarray(pc.is_valid(seg_codes).to_numpy(zero_copy_only=False), dtype=bool)
        tl = timeline.filter(pa.array(in_sel))
        codes = np.asarray(pc.fill_null(seg_codes, -1).to_numpy(zero_copy_only=False))[in_sel]
        wait = _us(tl.column("wait_s"))
        covered = int(_us(tl.column("in_window_s")).sum())
        blocked = np.asarray(
            pc.fill_null(tl.column("blocked"), False).to_numpy(zero_copy_only=False), dtype=bool
        )
        statuses = tl.column("status").combine_chunks()
        steering = steering_statuses(statuses, config) & ~blocked
        h_codes = pc.index_in(handoffs.column("item"), value_set=keys)
        h_keep = np.asarray(pc.is_valid(h_codes).to_numpy(zero_copy_only=False), dtype=bool)
        h_codes_np = np.asarray(pc.fill_null(h_codes, -1).to_numpy(zero_copy_only=False))[h_keep]
        # A handoff's wait is the part inside its item's window: it starts at the later of
        # the handoff and the window's start (a handoff in the backlog waits from commitment).
        h_start = _ts_us(handoffs.column("ts"))[h_keep]
        if "window_start" in items.column_names and len(h_start):
            ws = _ts_us(pc.fill_null(items.column("window_start").cast(pa.int64()), 0))
            h_start = np.maximum(h_start, ws[h_codes_np])
        h_end = h_start + _us(handoffs.column("wait_s"))[h_keep]
        handoff = after_handoff(codes, _ts_us(tl.column("start")), h_codes_np, h_start, h_end)
        handoff &= ~blocked & ~steering
        rest = ~blocked & ~steering & ~handoff
        parts["blocked"] = int(wait[blocked].sum())
        parts["steering"] = int(wait[steering].sum())
        parts["handoff"] = int(wait[handoff].sum())
        waiting = rest & (wait > 0)
        if waiting.any():
            sums = (
                pa.table({"status": pc.filter(statuses, pa.array(waiting)), "wait": wait[waiting]})
                .group_by("status", use_threads=False)
                .aggregate([("wait", "sum")])
            )
            by_status = dict(
                zip(
                    sums.column("status").to_pylist(),
                    (int(v) for v in sums.column("wait_sum").to_pylist()),
                    strict=True,
                )
            )
    before = elapsed - covered  # window time no segment covers (touch lies inside segments)
    rows = [(part, None, us) for part, us in parts.items()]
    ranked = sorted(by_status.items(), key=lambda kv: (-kv[1], str(kv[0])))
    rows += [("status", status, us) for status, us in ranked]
    if before > 0:
        rows.append(("before_status", None, before))
    return pa.table(
        {
            "part": [r[0] for r in rows],
            "status": [r[1] for r in rows],
            "seconds": [r[2] / 1e6 for r in rows],
            "share": [r[2] / elapsed if elapsed else None for r in rows],
        },
        schema=TIME_SHARES,
    )


def _time_shares(
    scope: Scope, items: pa.Table, timeline: pa.Table, handoff_events: pa.Table
) -> pa.Table:
    return build_time_shares(items, timeline, handoff_events, scope.config)


STEPS = [
    Aggregate(
        "time_shares",
        ("items", "timeline", "handoff_events"),
        _time_shares,
        columns={
            "items": ("item", "window_s", "touch_s", "window_start"),
            "timeline": ("item", "start", "status", "blocked", "in_window_s", "wait_s"),
            "handoff_events": ("item", "ts", "wait_s"),
        },
    )
]
