"""A small, hand-written Analysis that follows engine/schemas.py exactly.

Four items, two teams (Dev, QA), one ping-pong, one open item waiting in "Ready for QA" whose
summary carries markup and a spreadsheet formula (escaping and CSV neutralisation), one item
that never left the backlog. The numbers are chosen by hand so that report tests can assert
exact values; they are consistent where the report derives something from them.
"""

from __future__ import annotations

from datetime import UTC, date, datetime

import pyarrow as pa

from flowgap.config import Config
from flowgap.engine import schemas
from flowgap.engine.analysis import Analysis
from flowgap.engine.time_shares import build_time_shares
from flowgap.mining import CENTRALITY, PROCESS_EDGES
from flowgap.model import Finding, InputSummary
from flowgap.tables import TABLES as ALL_TABLES

DAY = 86400.0
AS_OF = datetime(2026, 3, 1, tzinfo=UTC)
EVIL = '<script>alert("x")</script> & =HYPERLINK("http://evil")'


def ts(month: int, day: int, hour: int = 0) -> datetime:
    return datetime(2026, month, day, hour, tzinfo=UTC)


def table(schema: pa.Schema, rows: list[dict]) -> pa.Table:
    return pa.Table.from_pylist(rows, schema=schema)


def seg(item, n, status, cls, team, start, end, touch=0.0, flagged=False) -> dict:
    dur = (end - start).total_seconds()
    in_window = 0.0 if cls == "backlog" else dur
    return {
        "item": item,
        "seg": n,
        "status": status,
        "class": cls,
        "team": team,
        "assignee": None,
        "flagged": flagged,
        "blocked": flagged,
        "start": start,
        "end": end,
        "duration_s": dur,
        "in_window_s": in_window,
        "touch_s": touch,
        "wait_s": in_window - touch,
    }


def timeline_rows() -> list[dict]:
    return [
        seg("ABC-1", 0, "To Do", "backlog", "Dev", ts(1, 1), ts(1, 2)),
        seg("ABC-1", 1, "In Progress", "active", "Dev", ts(1, 2), ts(1, 4), 2 * DAY),
        seg("ABC-1", 2, "Ready for QA", "wait", "QA", ts(1, 4), ts(1, 14)),
        seg("ABC-1", 3, "In QA", "active", "QA", ts(1, 14), ts(1, 15), DAY),
        seg("ABC-1", 4, "Ready for Dev", "wait", "Dev", ts(1, 15), ts(1, 20)),
        seg("ABC-1", 5, "Done", "done", "Dev", ts(1, 20), AS_OF),
        seg("ABC-2", 0, "To Do", "backlog", "Dev", ts(1, 10), ts(1, 11)),
        seg("ABC-2", 1, "In Progress", "active", "Dev", ts(1, 11), ts(1, 12), DAY),
        seg("ABC-2", 2, "Ready for QA", "wait", "QA", ts(1, 12), AS_OF),
        seg("ABC-3", 0, "To Do", "backlog", "Dev", ts(1, 15), ts(1, 16)),
        seg("ABC-3", 1, "In Progress", "active", "Dev", ts(1, 16), ts(2, 10), 24 * DAY),
        seg("ABC-3", 2, "Done", "done", "Dev", ts(2, 10), AS_OF),
        seg("ABC-4", 0, "To Do", "backlog", None, ts(2, 1), AS_OF),
    ]


def item_row(
    item,
    summary,
    created,
    committed,
    delivered,
    status,
    cls,
    touch,
    handoffs,
    teams,
    path,
    steering=0,
    rework=0,
    labels=(),
) -> dict:
    window_end = delivered or AS_OF
    window = (window_end - committed).total_seconds() if committed else None
    return {
        "item": item,
        "project": "ABC",
        "type": "Story",
        "priority": "Medium",
        "summary": summary,
        "labels": list(labels),
        "created": created,
        "committed": committed,
        "delivered": delivered,
        "is_open": delivered is None,
        "current_status": status,
        "current_class": cls,
        "lead_time_s": (delivered - created).total_seconds() if delivered else None,
        "cycle_time_s": (delivered - committed).total_seconds() if delivered else None,
        "window_start": committed,
        "window_end": window_end if committed else None,
        "window_s": window,
        "touch_s": touch if committed else None,
        "wait_s": window - touch if committed else None,
        "blocked_s": 0.0 if committed else None,
        "flow_efficiency": touch / window if committed else None,
        "handoffs": handoffs,
        "teams_visited": teams,
        "team_path": path,
        "rework": rework,
        "steering_touches": steering,
        "age_s": (AS_OF - (committed or created)).total_seconds() if delivered is None else None,
        "touch_work_s": None,
        "wait_work_s": None,
        "window_work_s": None,
        "flow_efficiency_work": None,
    }


def items_rows() -> list[dict]:
    return [
        item_row(
            "ABC-1",
            "Export invoices | monthly",
            ts(1, 1),
            ts(1, 2),
            ts(1, 20),
            "Done",
            "done",
            3 * DAY,
            2,
            2,
            "Dev > QA > Dev",
            steering=2,
            rework=1,
            labels=["steerco"],
        ),
        item_row(
            "ABC-2", EVIL, ts(1, 10), ts(1, 11), None, "Ready for QA", "wait", DAY, 1, 2, "Dev > QA"
        ),
        item_row(
            "ABC-3",
            "Fast lane",
            ts(1, 15),
            ts(1, 16),
            ts(2, 10),
            "Done",
            "done",
            24 * DAY,
            0,
            1,
            "Dev",
        ),
        item_row("ABC-4", "Someday", ts(2, 1), None, None, "To Do", "backlog", 0.0, 0, 0, ""),
    ]


def summary() -> dict:
    return {
        "records": {"read": 5, "rejected": 1, "rejected_share": 0.2},
        "items": {"total": 4, "open": 2, "delivered": 2, "with_history": 4},
        "flow_efficiency": {
            "median": 0.5,
            "pooled": 0.3333333333,
            "median_work": None,
            "pooled_work": None,
        },
        "lead_time": {"p50": 29.0 * DAY, "p85": 31.7 * DAY, "p95": 32.6 * DAY, "mean": 29 * DAY},
        "cycle_time": {
            "p50": 21.0 * DAY,
            "p85": 23.1 * DAY,
            "p95": 23.7 * DAY,
            "mean": 21 * DAY,
            "uncommitted": 1,
        },
        "touch": {"total_s": 28 * DAY, "median_s": 3 * DAY},
        "wait": {"total_s": 63 * DAY, "median_s": 15 * DAY},
        "handoffs": {"mean": 1.0, "median": 1.0, "total": 3, "ping_pongs": 1},
        "steering_touches": {"total": 2, "per_item": 0.5, "items": 1, "meeting_minutes": 160.0},
        "rework": {"mean": 0.25, "total": 1},
        "wip": {"current": 1, "median_age_s": 49 * DAY},
        "throughput": {"per_week": 0.25},
        "wait_share": {
            "status": {"Ready for QA": 0.9206349206, "Ready for Dev": 0.0793650794},
            "team": {"QA": 0.9206349206, "Dev": 0.0793650794},
        },
        "period": {
            "first_ts": "2026-01-01T00:00:00Z",
            "last_ts": "2026-02-10T00:00:00Z",
            "as_of": "2026-03-01T00:00:00Z",
        },
    }


def findings() -> list[dict]:
    return [
        {
            "ranking": "main",
            "rank": 1,
            "kind": "flow",
            "subject": "system",
            "impact_s": 63 * DAY,
            "text": "Work waits 69% of its cycle time.",
            "item": None,
        },
        {
            "ranking": "main",
            "rank": 2,
            "kind": "bottleneck_status",
            "subject": "Ready for QA",
            "impact_s": 58 * DAY,
            "text": "92% of all waiting happens in 'Ready for QA' (median 29.0 days per visit).",
            "item": None,
        },
        {
            "ranking": "main",
            "rank": 3,
            "kind": "worst_item",
            "subject": "ABC-2",
            "impact_s": 48 * DAY,
            "text": "ABC-2: 1.0 days of touch in 49.0 days (2.0%), 1 handoffs across 2 teams, "
            "0 steering touches.",
            "item": "ABC-2",
        },
        {
            "ranking": "main",
            "rank": 4,
            "kind": "ping_pong",
            "subject": "Dev <> QA",
            "impact_s": 5 * DAY,
            "text": "1 item went Dev -> QA -> Dev.",
            "item": "ABC-1",
        },
        {
            "ranking": "team",
            "rank": 1,
            "kind": "bottleneck_team",
            "subject": "QA",
            "impact_s": 40 * DAY,
            "text": "63% of all waiting happens while work sits with QA.",
            "item": None,
        },
    ]


def make_analysis(**overrides: object) -> Analysis:
    """The hand-written Analysis; keyword arguments replace attributes (e.g. empty tables)."""
    timeline = table(schemas.TIMELINE, timeline_rows())
    fields = dict(
        config=Config(),
        as_of=AS_OF,
        engine="duckdb",
        has_history=True,
        inputs=[InputSummary("abc.jira.ndjson", "jira-json", 5, 4, 1, "issue")],
        warnings=[Finding("truncated_history", "ABC-3: changelog truncated (20 of 25)", "ABC-3")],
        rejects=1,
        summary=summary(),
        findings=findings(),
        timeline=timeline,
        stints=table(
            schemas.STINTS,
            [
                {
                    "item": "ABC-1",
                    "stint": 0,
                    "team": "Dev",
                    "prev_team": None,
                    "start": ts(1, 1),
                    "end": ts(1, 4),
                    "duration_s": 3 * DAY,
                    "touch_s": 2 * DAY,
                    "queue_s": DAY,
                },
                {
                    "item": "ABC-1",
                    "stint": 1,
                    "team": "QA",
                    "prev_team": "Dev",
                    "start": ts(1, 4),
                    "end": ts(1, 15),
                    "duration_s": 11 * DAY,
                    "touch_s": DAY,
                    "queue_s": 10 * DAY,
                },
                {
                    "item": "ABC-1",
                    "stint": 2,
                    "team": "Dev",
                    "prev_team": "QA",
                    "start": ts(1, 15),
                    "end": AS_OF,
                    "duration_s": 45 * DAY,
                    "touch_s": 0.0,
                    "queue_s": 5 * DAY,
                },
            ],
        ),
        items=table(schemas.ITEMS, items_rows()),
        stages=table(
            schemas.STAGES,
            [
                {
                    "status": "Ready for QA",
                    "class": "wait",
                    "guessed": True,
                    "visits": 2,
                    "items": 2,
                    "total_s": 58 * DAY,
                    "median_visit_s": 29 * DAY,
                    "p85_visit_s": 39.2 * DAY,
                    "touch_s": 0.0,
                    "wait_s": 58 * DAY,
                    "wait_share": 0.9206349206,
                    "wip": 1,
                    "wip_age_median_s": 48 * DAY,
                    "wip_age_max_s": 48 * DAY,
                },
                {
                    "status": "Ready for Dev",
                    "class": "wait",
                    "guessed": True,
                    "visits": 1,
                    "items": 1,
                    "total_s": 5 * DAY,
                    "median_visit_s": 5 * DAY,
                    "p85_visit_s": 5 * DAY,
                    "touch_s": 0.0,
                    "wait_s": 5 * DAY,
                    "wait_share": 0.0793650794,
                    "wip": 0,
                    "wip_age_median_s": None,
                    "wip_age_max_s": None,
                },
                {
                    "status": "In Progress",
                    "class": "active",
                    "guessed": False,
                    "visits": 3,
                    "items": 3,
                    "total_s": 27 * DAY,
                    "median_visit_s": DAY,
                    "p85_visit_s": 17.4 * DAY,
                    "touch_s": 27 * DAY,
                    "wait_s": 0.0,
                    "wait_share": 0.0,
                    "wip": 0,
                    "wip_age_median_s": None,
                    "wip_age_max_s": None,
                },
                {
                    "status": "In QA",
                    "class": "active",
                    "guessed": True,
                    "visits": 1,
                    "items": 1,
                    "total_s": DAY,
                    "median_visit_s": DAY,
                    "p85_visit_s": DAY,
                    "touch_s": DAY,
                    "wait_s": 0.0,
                    "wait_share": 0.0,
                    "wip": 0,
                    "wip_age_median_s": None,
                    "wip_age_max_s": None,
                },
            ],
        ),
        teams=table(
            schemas.TEAMS,
            [
                {
                    "team": "QA",
                    "items": 2,
                    "stints": 2,
                    "touch_s": DAY,
                    "wait_s": 58 * DAY,
                    "wait_share": 0.9206349206,
                    "queue_s": 58 * DAY,
                    "median_queue_s": 29 * DAY,
                    "handoffs_in": 2,
                    "handoffs_out": 1,
                },
                {
                    "team": "Dev",
                    "items": 3,
                    "stints": 4,
                    "touch_s": 27 * DAY,
                    "wait_s": 5 * DAY,
                    "wait_share": 0.0793650794,
                    "queue_s": 5 * DAY,
                    "median_queue_s": 0.0,
                    "handoffs_in": 1,
                    "handoffs_out": 2,
                },
            ],
        ),
        handoffs=table(
            schemas.HANDOFFS,
            [
                {
                    "from_team": "Dev",
                    "to_team": "QA",
                    "count": 2,
                    "items": 2,
                    "total_wait_s": 58 * DAY,
                    "median_wait_s": 29 * DAY,
                    "p85_wait_s": 39.2 * DAY,
                    "ping_pong": True,
                    "ping_pongs": 0,
                },
                {
                    "from_team": "QA",
                    "to_team": "Dev",
                    "count": 1,
                    "items": 1,
                    "total_wait_s": 5 * DAY,
                    "median_wait_s": 5 * DAY,
                    "p85_wait_s": 5 * DAY,
                    "ping_pong": True,
                    "ping_pongs": 1,
                },
            ],
        ),
        handoff_events=table(
            schemas.HANDOFF_EVENTS,
            [
                {
                    "item": "ABC-1",
                    "ts": ts(1, 4),
                    "from_team": "Dev",
                    "to_team": "QA",
                    "wait_s": 10 * DAY,
                },
                {
                    "item": "ABC-1",
                    "ts": ts(1, 15),
                    "from_team": "QA",
                    "to_team": "Dev",
                    "wait_s": 5 * DAY,
                },
                {
                    "item": "ABC-2",
                    "ts": ts(1, 12),
                    "from_team": "Dev",
                    "to_team": "QA",
                    "wait_s": 48 * DAY,
                },
            ],
        ),
        daily=table(
            schemas.DAILY,
            [
                {"date": date(2026, 1, d), "status": s, "class": c, "items": n}
                for d in (1, 2, 3)
                for s, c, n in (
                    ("To Do", "backlog", 1),
                    ("In Progress", "active", d - 1),
                    ("Done", "done", 0),
                )
            ],
        ),
        daily_totals=table(
            schemas.DAILY_TOTALS,
            [
                {"date": date(2026, 1, 1), "wip": 0, "arrivals": 0, "departures": 0},
                {"date": date(2026, 1, 2), "wip": 1, "arrivals": 1, "departures": 0},
            ],
        ),
        weekly=table(
            schemas.WEEKLY,
            [
                {
                    "week": date(2026, 1, 19),
                    "throughput": 1,
                    "lead_p50_s": 19 * DAY,
                    "lead_p85_s": 19 * DAY,
                    "lead_p95_s": 19 * DAY,
                    "flow_efficiency_median": 1 / 6,
                    "flow_efficiency_pooled": 1 / 6,
                },
                {
                    "week": date(2026, 2, 9),
                    "throughput": 1,
                    "lead_p50_s": 26 * DAY,
                    "lead_p85_s": 26 * DAY,
                    "lead_p95_s": 26 * DAY,
                    "flow_efficiency_median": 1.0,
                    "flow_efficiency_pooled": 1.0,
                },
            ],
        ),
        steering_touches=table(
            schemas.STEERING_TOUCHES,
            [
                {
                    "item": "ABC-1",
                    "ts": ts(1, 7, 10),
                    "meeting_date": date(2026, 1, 7),
                    "kind": "label",
                    "detail": "steerco",
                },
                {
                    "item": "ABC-1",
                    "ts": ts(1, 14, 10),
                    "meeting_date": date(2026, 1, 14),
                    "kind": "comment",
                    "detail": "Discussed in SteerCo",
                },
            ],
        ),
        steering_meetings=table(
            schemas.STEERING_MEETINGS,
            [
                {"meeting_date": date(2026, 1, 7), "items": 1, "touches": 1, "cost_minutes": 80.0},
                {"meeting_date": date(2026, 1, 14), "items": 1, "touches": 1, "cost_minutes": 80.0},
            ],
        ),
        steering_comparison=table(
            schemas.STEERING_COMPARISON,
            [
                {
                    "type": "Story",
                    "period": "2026-Q1",
                    "steered_items": 1,
                    "unsteered_items": 1,
                    "steered_lead_median_s": 19 * DAY,
                    "unsteered_lead_median_s": 26 * DAY,
                    "steered_flow_efficiency_median": 1 / 6,
                    "unsteered_flow_efficiency_median": 1.0,
                },
            ],
        ),
        status_classes=table(
            schemas.STATUS_CLASSES,
            [
                {"status": s, "class": c, "guessed": g, "category": None, "events": n}
                for s, c, g, n in (
                    ("To Do", "backlog", True, 4),
                    ("In Progress", "active", False, 3),
                    ("Ready for QA", "wait", True, 2),
                    ("In QA", "active", True, 1),
                    ("Ready for Dev", "wait", True, 1),
                    ("Done", "done", True, 2),
                )
            ],
        ),
        status_map=table(
            PROCESS_EDGES,
            [
                {"source": a, "target": b, "count": n, "median_s": m * DAY, "mean_s": m * DAY}
                for a, b, n, m in (
                    ("To Do", "In Progress", 3, 1.0),
                    ("In Progress", "Ready for QA", 2, 0.0),
                    ("Ready for QA", "In QA", 1, 10.0),
                    ("In QA", "Ready for Dev", 1, 0.0),
                    ("Ready for Dev", "Done", 1, 5.0),
                    ("In Progress", "Done", 1, 0.0),
                )
            ],
        ),
        handoff_graph=table(
            PROCESS_EDGES,
            [
                {
                    "source": "Dev",
                    "target": "QA",
                    "count": 2,
                    "median_s": 29 * DAY,
                    "mean_s": 29 * DAY,
                },
                {
                    "source": "QA",
                    "target": "Dev",
                    "count": 1,
                    "median_s": 5 * DAY,
                    "mean_s": 5 * DAY,
                },
            ],
        ),
        team_centrality=table(
            CENTRALITY,
            [
                {"node": "Dev", "in_degree": 1, "out_degree": 1, "betweenness": 0.0},
                {"node": "QA", "in_degree": 1, "out_degree": 1, "betweenness": 0.0},
            ],
        ),
        two_way_handoffs=[["Dev", "QA"]],
        **MINING,
    )
    fields.update(overrides)
    if "time_shares" not in fields:  # the engine's own rule over the hand-written rows
        fields["time_shares"] = build_time_shares(
            fields["items"],  # type: ignore[arg-type]
            fields["timeline"],  # type: ignore[arg-type]
            fields["handoff_events"],  # type: ignore[arg-type]
            fields["config"],  # type: ignore[arg-type]
        )
    return Analysis(**fields)  # type: ignore[arg-type]


#: The mining layer's summaries of the items above (two delivered, two open).
MINING: dict[str, object] = {
    "handoff_cycles": [],
    "variants": {
        "items": 4,
        "distinct": 3,
        "top_share": 1.0,
        "top": [
            {
                "rank": 1,
                "path": ["To Do", "In Progress"],
                "items": 2,
                "share": 0.5,
                "delivered": 0,
                "median_lead_time_s": None,
                "median_flow_efficiency": None,
            },
            {
                "rank": 2,
                "path": ["To Do", "In Progress", "Done"],
                "items": 1,
                "share": 0.25,
                "delivered": 1,
                "median_lead_time_s": 2 * DAY,
                "median_flow_efficiency": 0.5,
            },
            {
                "rank": 3,
                "path": ["To Do", "In Progress", "Ready for QA", "In QA", "Ready for Dev", "Done"],
                "items": 1,
                "share": 0.25,
                "delivered": 1,
                "median_lead_time_s": 20 * DAY,
                "median_flow_efficiency": 0.1,
            },
        ],
    },
    "conformance": {
        "workflow": ["To Do", "In Progress", "Ready for QA", "In QA", "Done"],
        "workflow_source": "config",
        "delivered": 2,
        "conforming": 0,
        "conforming_share": 0.0,
        "median_lead_time_s_conforming": None,
        "deviations": [
            {
                "kind": "skipped",
                "status": "In QA",
                "items": 1,
                "share": 0.5,
                "median_lead_time_s": 2 * DAY,
                "median_lead_time_s_without": 20 * DAY,
            },
            {
                "kind": "outside",
                "status": "Ready for Dev",
                "items": 1,
                "share": 0.5,
                "median_lead_time_s": 20 * DAY,
                "median_lead_time_s_without": 2 * DAY,
            },
        ],
        "finding": "50% of delivered items skipped 'In QA'; their median lead time was 2.0 "
        "days against 20.0 days for the others.",
    },
    "team_clusters": {
        "handoffs": 3,
        "clusters": [
            {
                "rank": 1,
                "teams": ["Dev", "QA"],
                "handoffs_inside": 3,
                "share_of_handoffs": 1.0,
                "wait_inside_s": 15 * DAY,
                "whole_graph": True,
            }
        ],
        "finding": None,
    },
}

#: What the mining layer gives for a log without status history.
NO_MINING: dict[str, object] = {
    "handoff_cycles": [],
    "variants": {"items": 0, "distinct": 0, "top_share": None, "top": []},
    "conformance": {
        "workflow": [],
        "workflow_source": "inferred",
        "delivered": 0,
        "conforming": 0,
        "conforming_share": None,
        "median_lead_time_s_conforming": None,
        "deviations": [],
        "finding": None,
    },
    "team_clusters": {"handoffs": 0, "clusters": [], "finding": None},
}


def empty_analysis() -> Analysis:
    """Every table empty, summary values null: what a log with no history looks like."""
    empty = {name: schema.empty_table() for name, schema in ALL_TABLES.items()}
    blank = summary()
    for group in blank.values():
        for key in group:
            if key not in ("first_ts", "last_ts", "as_of"):
                group[key] = {} if isinstance(group[key], dict) else None
    blank["items"] = {"total": 0, "open": 0, "delivered": 0, "with_history": 0}
    return make_analysis(
        findings=[],
        two_way_handoffs=[],
        summary=blank,
        has_history=False,
        **empty,
        **NO_MINING,
    )
