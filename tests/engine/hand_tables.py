"""A small, hand-computed set of analysis tables (schemas.py columns) shared by the summary and
findings tests. Five items, as_of 2026-03-01, flow window from commitment:

item  type   created  committed delivered  lead  window touch wait  FE    handoffs teams rework
I-1   Story  Jan 1    Jan 2     Jan 12     11d   10d    2d    8d    0.20  2        2     1
I-2   Story  Jan 3    Jan 5     Jan 25     22d   20d    1d    19d   0.05  4        3     0
I-3   Story  Jan 7    Jan 20    Feb 9      33d   20d    10d   10d   0.50  0        1     0
I-4   Bug    Feb 1    Feb 10    (open)     -     19d    3.8d  15.2d 0.20  1        2     2
I-5   Bug    Feb 20   -         (open)     -     -      -     -     -     0        0     0
"""

from __future__ import annotations

from datetime import UTC, date, datetime

import pyarrow as pa

from flowgap.engine.schemas import (
    HANDOFFS,
    ITEMS,
    STAGES,
    STEERING_MEETINGS,
    STEERING_TOUCHES,
    TEAMS,
    TIMELINE,
)

DAY = 86400.0
AS_OF = datetime(2026, 3, 1, tzinfo=UTC)


def d(month: int, day: int) -> datetime:
    return datetime(2026, month, day, tzinfo=UTC)


def _item(key, type_, created, committed, delivered, lead, window, touch, fe, h, teams, rw):
    is_open = delivered is None
    start = committed
    return {
        "item": key,
        "type": type_,
        "created": created,
        "committed": committed,
        "delivered": delivered,
        "is_open": is_open,
        "lead_time_s": None if lead is None else lead * DAY,
        "cycle_time_s": None if delivered is None else (delivered - committed).total_seconds(),
        "window_start": start,
        "window_end": None if start is None else (delivered or AS_OF),
        "window_s": None if window is None else window * DAY,
        "touch_s": None if touch is None else touch * DAY,
        "wait_s": None if window is None else (window - touch) * DAY,
        "blocked_s": None if window is None else 0.0,
        "flow_efficiency": fe,
        "handoffs": h,
        "teams_visited": teams,
        "rework": rw,
        "age_s": (AS_OF - (committed or created)).total_seconds() if is_open else None,
    }


def items() -> pa.Table:
    rows = [
        _item("I-1", "Story", d(1, 1), d(1, 2), d(1, 12), 11, 10, 2, 0.2, 2, 2, 1),
        _item("I-2", "Story", d(1, 3), d(1, 5), d(1, 25), 22, 20, 1, 0.05, 4, 3, 0),
        _item("I-3", "Story", d(1, 7), d(1, 20), d(2, 9), 33, 20, 10, 0.5, 0, 1, 0),
        _item("I-4", "Bug", d(2, 1), d(2, 10), None, None, 19, 3.8, 0.2, 1, 2, 2),
        _item("I-5", "Bug", d(2, 20), None, None, None, None, None, None, 0, 0, 0),
    ]
    return pa.Table.from_pylist(rows, schema=ITEMS)


def timeline() -> pa.Table:
    starts = {
        "I-1": [d(1, 1), d(1, 2), d(1, 12)],
        "I-2": [d(1, 3), d(1, 5), d(1, 25)],
        "I-3": [d(1, 7), d(1, 20), d(2, 9)],
        "I-4": [d(2, 1), d(2, 10)],
        "I-5": [d(2, 20)],
    }
    rows = []
    for key, points in starts.items():
        for i, start in enumerate(points):
            end = points[i + 1] if i + 1 < len(points) else AS_OF
            rows.append({"item": key, "seg": i, "start": start, "end": end})
    return pa.Table.from_pylist(rows, schema=TIMELINE)


def stages() -> pa.Table:
    return pa.Table.from_pylist(
        [
            {"status": "Backlog", "wait_s": 0.0, "wait_share": 0.0, "wip": 1},
            {
                "status": "Ready for QA",
                "wait_s": 31.32 * DAY,
                "wait_share": 0.6,
                "median_visit_s": 6.2 * DAY,
                "wip": 1,
                "wip_age_max_s": 5.5 * DAY,
            },
            {
                "status": "Review",
                "wait_s": 15.66 * DAY,
                "wait_share": 0.3,
                "median_visit_s": 3.0 * DAY,
                "wip": 0,
            },
            {
                "status": "In Progress",
                "wait_s": 5.22 * DAY,
                "wait_share": 0.1,
                "median_visit_s": 0.5 * DAY,
                "wip": 2,
                "wip_age_max_s": 1.3 * DAY,
            },
            {"status": "Done", "wait_s": None, "wait_share": None, "wip": 0},
        ],
        schema=STAGES,
    )


def teams() -> pa.Table:
    return pa.Table.from_pylist(
        [
            {
                "team": "QA",
                "wait_s": 36.54 * DAY,
                "wait_share": 0.7,
                "median_queue_s": 2.0 * DAY,
                "handoffs_in": 3,
            },
            {"team": "Dev", "wait_s": 15.66 * DAY, "wait_share": 0.3, "handoffs_in": 1},
        ],
        schema=TEAMS,
    )


def handoffs() -> pa.Table:
    def edge(a, b, count, total, median, ping_pong, returns):
        return {
            "from_team": a,
            "to_team": b,
            "count": count,
            "total_wait_s": total * DAY,
            "median_wait_s": median * DAY,
            "ping_pong": ping_pong,
            "ping_pongs": returns,
        }

    return pa.Table.from_pylist(
        [
            edge("Dev", "QA", 3, 9, 3.1, True, 0),
            edge("QA", "Dev", 2, 4, 2.0, True, 1),
            edge("QA", "Ops", 2, 1, 0.5, False, 0),
        ],
        schema=HANDOFFS,
    )


def steering_touches() -> pa.Table:
    rows = [
        ("I-1", d(1, 7)),
        ("I-2", d(1, 7)),
        ("I-2", d(1, 14)),
        ("I-2", d(1, 21)),
    ]
    return pa.Table.from_pylist(
        [
            {"item": k, "ts": ts, "meeting_date": ts.date(), "kind": "recurring", "detail": "x"}
            for k, ts in rows
        ],
        schema=STEERING_TOUCHES,
    )


def steering_meetings() -> pa.Table:
    return pa.Table.from_pylist(
        [
            {"meeting_date": date(2026, 1, 7), "items": 2, "touches": 2, "cost_minutes": 160.0},
            {"meeting_date": date(2026, 1, 14), "items": 1, "touches": 1, "cost_minutes": 80.0},
            {"meeting_date": date(2026, 1, 21), "items": 1, "touches": 1, "cost_minutes": 80.0},
        ],
        schema=STEERING_MEETINGS,
    )


def tables() -> dict[str, pa.Table]:
    return {
        "items": items(),
        "timeline": timeline(),
        "stages": stages(),
        "teams": teams(),
        "handoffs": handoffs(),
        "steering_touches": steering_touches(),
        "steering_meetings": steering_meetings(),
    }
