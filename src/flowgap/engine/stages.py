"""Layer 3: per status: visits, time, touch, wait contributed, current WIP and its age.

A visit is a maximal run of consecutive segments with the same status (a team or assignee
change inside a status does not start a new visit).
"""

from __future__ import annotations

import ibis.expr.types as ir
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from ..model import INT, STR, S
from .coded_events import ITEM_KEY, CodedEvents
from .runner import Aggregate, PerItem, RunContext, Scope

STAGES = pa.schema(
    [
        ("status", STR),
        ("class", STR),
        ("guessed", pa.bool_()),  # class came from the heuristics, not the config
        ("visits", INT),
        ("items", INT),
        ("total_s", S),
        ("median_visit_s", S),
        ("p85_visit_s", S),
        ("touch_s", S),
        ("wait_s", S),  # waiting contributed inside flow windows
        ("wait_share", S),  # wait_s / all wait
        ("wip", INT),  # open items in this status at as_of
        ("wip_age_median_s", S),  # time in this status so far
        ("wip_age_max_s", S),
    ]
)


def visits(tl: ir.Table) -> ir.Table:
    """item, visit, status, start, duration, touch, wait, current (the run at as_of of an
    item that is not delivered). ``tl`` is the timeline with its ``visit`` column (the seg
    number of the visit's first segment)."""
    # A visit has one status (and so one class): any of its values will do, and is cheaper
    # than a string max over millions of groups.
    v = tl.group_by(["item", "visit"]).aggregate(
        status=tl.status.arbitrary(),
        cls=tl.cls.arbitrary(),
        start=tl.start.min(),
        duration=tl.duration.sum().cast("int64"),
        touch=tl.touch.sum().cast("int64"),
        wait=tl.wait.sum().cast("int64"),
        last=tl.is_last.max(),
    )
    return v.mutate(current=v.last & (v.cls != "done")).drop("last")


#: The most groups :func:`percentiles` computes one by one.
GROUPS_EACH = 1000


def percentiles(groups: pa.Array, values: np.ndarray, qs: tuple[float, ...]) -> dict:
    """group -> [percentile per q] with linear interpolation, bit for bit what
    ``np.percentile(chunk, [q * 100 for q in qs])`` gives for each group's chunk.

    Up to :data:`GROUPS_EACH` groups, ``np.percentile`` on each; past it, one sort of all
    values by (group, value) and numpy's interpolation over every group at once (a call per
    group cost 18 s for 200,000 statuses; the one sort costs 3x more than the calls at 20)."""
    out: dict = {}
    if len(values) == 0:
        return out
    encoded = pc.dictionary_encode(groups)
    codes = np.asarray(encoded.indices, dtype=np.int64)
    names = encoded.dictionary.to_pylist()
    values = np.asarray(values, dtype=np.float64)
    if len(names) <= GROUPS_EACH:
        order = np.argsort(codes, kind="stable")
        bounds = np.searchsorted(codes[order], np.arange(len(names) + 1))
        for code, name in enumerate(names):
            chunk = values[order[bounds[code] : bounds[code + 1]]]
            if len(chunk):
                out[name] = [float(v) for v in np.percentile(chunk, [q * 100 for q in qs])]
        return out
    ordered = values[np.lexsort((values, codes))]
    bounds = np.searchsorted(np.sort(codes, kind="stable"), np.arange(len(names) + 1))
    first, n = bounds[:-1], np.diff(bounds)
    present = n > 0
    # As np.percentile: q / 100, the virtual index (n - 1) * q, its neighbours clipped to the
    # last value, and np.lib's _lerp (from the nearer end, so that q = 1 gives the maximum).
    columns = []
    for q in np.true_divide(np.asarray([q * 100 for q in qs]), 100):
        virtual = (n[present] - 1) * q
        below = np.floor(virtual)
        above = virtual >= n[present] - 1
        lo = np.where(above, n[present] - 1, below).astype(np.int64)
        hi = np.where(above, n[present] - 1, below + 1).astype(np.int64)
        gamma = virtual - np.where(above, -1, below)
        a, b = ordered[first[present] + lo], ordered[first[present] + hi]
        diff = b - a
        columns.append(np.where(gamma >= 0.5, b - diff * (1 - gamma), a + diff * gamma))
    for i, code in enumerate(np.flatnonzero(present)):
        out[names[code]] = [float(c[i]) for c in columns]
    return out


def build_stages(v: pa.Table, status_classes: pa.Table, *, as_of_us: int) -> pa.Table:
    """The STAGES table from the visits (Arrow) and the status classes in use."""
    if v.num_rows == 0:
        return STAGES.empty_table()
    # Small groups: Arrow's threads cost more than they save (and contend under load).
    sums = v.group_by("status", use_threads=False).aggregate(
        [
            ("item", "count"),
            ("item", "count_distinct"),
            ("duration", "sum"),
            ("touch", "sum"),
            ("wait", "sum"),
        ]
    )
    pct = percentiles(
        v.column("status").combine_chunks(), v.column("duration").to_numpy() / 1e6, (0.5, 0.85)
    )
    cur = v.filter(v.column("current"))
    ages = percentiles(
        cur.column("status").combine_chunks(),
        (as_of_us - cur.column("start").to_numpy()) / 1e6,
        (0.5, 1.0),
    )
    wip = (
        dict(
            zip(
                *[c.to_pylist() for c in pc.value_counts(cur.column("status")).flatten()],
                strict=True,
            )
        )
        if cur.num_rows
        else {}
    )
    guessed = dict(
        zip(
            status_classes.column("status").to_pylist(),
            status_classes.column("guessed").to_pylist(),
            strict=True,
        )
    )
    classes = dict(
        zip(
            status_classes.column("status").to_pylist(),
            status_classes.column("class").to_pylist(),
            strict=True,
        )
    )
    total_wait = int(pc.sum(sums.column("wait_sum")).as_py() or 0)
    rows = []
    for r in sums.to_pylist():
        name = r["status"]
        wait_us = int(r["wait_sum"])
        rows.append(
            {
                "status": name,
                "class": classes.get(name, "wait"),
                "guessed": guessed.get(name, True),
                "visits": r["item_count"],
                "items": r["item_count_distinct"],
                "total_s": r["duration_sum"] / 1e6,
                "median_visit_s": pct[name][0],
                "p85_visit_s": pct[name][1],
                "touch_s": r["touch_sum"] / 1e6,
                "wait_s": wait_us / 1e6,
                "wait_share": wait_us / total_wait if total_wait else None,
                "wip": int(wip.get(name, 0)),
                "wip_age_median_s": ages[name][0] if name in ages else None,
                "wip_age_max_s": ages[name][1] if name in ages else None,
            }
        )
    rows.sort(key=lambda r: r["status"])
    return pa.Table.from_pylist(rows, schema=STAGES)


# --------------------------------------------------------------------------- steps

#: The status visits as int microseconds (what ``build_stages`` and the team wait shares read).
VISITS = pa.schema(
    [
        ("item", ITEM_KEY),
        ("visit", pa.int64()),
        ("status", pa.string()),
        ("cls", pa.string()),
        ("start", pa.int64()),
        ("duration", pa.int64()),
        ("touch", pa.int64()),
        ("wait", pa.int64()),
        ("current", pa.bool_()),
    ]
)


def _visits(run: RunContext, timeline_segments: ir.Table, coded_events: CodedEvents) -> pa.Table:
    return coded_events.rows(run.backend, visits(timeline_segments), ["item", "start"], VISITS)


def _stages(scope: Scope, visits: pa.Table, status_classes: pa.Table) -> pa.Table:
    return build_stages(visits, status_classes, as_of_us=scope.as_of_us)


STEPS = [
    PerItem("visits", ("timeline_segments", "coded_events"), _visits, empty=VISITS),
    Aggregate(
        "stages",
        ("visits", "status_classes"),
        _stages,
        columns={"visits": ("item", "status", "start", "duration", "touch", "wait", "current")},
    ),
]
