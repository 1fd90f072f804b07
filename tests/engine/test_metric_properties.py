"""Random logs against a plain per-item reference of the timeline semantics.

The reference walks one item's events in Python: the state after each distinct timestamp is a
segment (so same-instant changes collapse), committed = first wait/active segment, delivered =
start of the final run of done segments, touch = active and unflagged time inside the window.
"""

from __future__ import annotations

import itertools

from engine_log import CLASSES, DAY, T0, build, config
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import flowgap

STATUSES = sorted(CLASSES)
STEP = st.tuples(
    st.sampled_from([0.0, 0.25, 1.0, 2.0]),  # 0: same instant as the previous event
    st.sampled_from(["status", "status", "status", "flag"]),
    st.sampled_from(STATUSES),
)
ITEM = st.tuples(st.sampled_from(STATUSES), st.lists(STEP, max_size=8))
AS_OF = 30.0


def spec_of(raw_items: list) -> dict:
    spec = {}
    for n, (first, steps) in enumerate(raw_items):
        day, changes, flagged = float(n % 3), [(float(n % 3), "status", first)], False
        for dt, kind, status in steps:
            day += dt
            if kind == "flag":
                flagged = not flagged
                changes.append((day, "flag", "Impediment" if flagged else None))
            else:
                changes.append((day, "status", status))
        spec[f"I-{n:03d}"] = changes
    return spec


def reference(changes: list) -> dict:
    states, status, flag = {}, None, None
    for day, field, value in changes:  # source order = (day, seq) order
        if field == "status":
            status = value
        else:
            flag = value
        states[day] = (status, flag)
    days = sorted(states)
    segs = [
        (start, days[i + 1] if i + 1 < len(days) else AS_OF, *states[start])
        for i, start in enumerate(days)
    ]
    classes = [CLASSES[s] for _, _, s, _ in segs]
    committed = next(
        (s[0] for s, c in zip(segs, classes, strict=True) if c in ("wait", "active")), None
    )
    delivered = None
    if classes[-1] == "done":
        i = len(segs) - 1
        while i > 0 and classes[i - 1] == "done":
            i -= 1
        delivered = segs[i][0]
    touch = None
    if committed is not None:
        end = delivered if delivered is not None else AS_OF
        touch = sum(
            max(0.0, min(b, end) - max(a, committed))
            for (a, b, _, f), c in zip(segs, classes, strict=True)
            if c == "active" and not f
        )
    moves = [v for _, f, v in changes if f == "status"]
    rework = sum(
        1
        for old, new in itertools.pairwise(moves)
        if (CLASSES[old] == "done" and CLASSES[new] != "done")
        or (CLASSES[old] in ("wait", "active") and CLASSES[new] == "backlog")
    )
    return {"committed": committed, "delivered": delivered, "touch": touch, "rework": rework}


def day(ts) -> float | None:
    return None if ts is None else (ts - T0).total_seconds() / DAY


@settings(max_examples=6, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(ITEM, min_size=1, max_size=40))
def test_engine_agrees_with_the_reference_on_random_logs(raw_items):
    spec = spec_of(raw_items)
    a = flowgap.analyze(build(spec), config(AS_OF))
    for r in a.items.to_pylist():
        want = reference(spec[r["item"]])
        assert day(r["committed"]) == want["committed"], r["item"]
        assert day(r["delivered"]) == want["delivered"], r["item"]
        got_touch = None if r["touch_s"] is None else r["touch_s"] / DAY
        assert got_touch == want["touch"], r["item"]
        assert r["rework"] == want["rework"], r["item"]
        if r["window_s"] is not None:
            assert r["touch_s"] + r["wait_s"] == r["window_s"]
            assert 0.0 <= (r["flow_efficiency"] or 0.0) <= 1.0
