"""Column contracts of every table the engine produces.

The report writers, figures and dashboard read these columns by name; the engine's tests
check its output against these schemas. Durations are seconds (float64); timestamps UTC.
A column that only exists with a working calendar is null without one.
"""

from __future__ import annotations

import pyarrow as pa

from ..model import TS

S = pa.float64()  # seconds
STR = pa.string()
INT = pa.int64()

TIMELINE = pa.schema(
    [
        ("item", STR),
        ("seg", INT),  # 0-based position of the segment within the item
        ("status", STR),
        ("class", STR),  # backlog | wait | active | done
        ("team", STR),
        ("assignee", STR),
        ("flagged", pa.bool_()),
        ("blocked", pa.bool_()),  # flagged (when flags block) or a blocked status
        ("start", TS),
        ("end", TS),  # open item: the analysis' as_of
        ("duration_s", S),
        ("in_window_s", S),  # part of the segment inside the item's flow window
        ("touch_s", S),  # active, not blocked, not stalled, inside the window
        ("wait_s", S),  # in_window_s - touch_s
    ]
)

STINTS = pa.schema(
    [
        ("item", STR),
        ("stint", INT),  # 0-based
        ("team", STR),
        ("prev_team", STR),  # null for the first stint
        ("start", TS),
        ("end", TS),
        ("duration_s", S),
        ("touch_s", S),
        ("queue_s", S),  # from the stint's start to its first active (touch) moment
    ]
)

ITEMS = pa.schema(
    [
        ("item", STR),
        ("project", STR),
        ("type", STR),
        ("priority", STR),
        ("summary", STR),
        ("labels", pa.list_(STR)),
        ("created", TS),
        ("committed", TS),  # first entry into wait or active
        ("delivered", TS),  # last entry into done (null while open)
        ("is_open", pa.bool_()),
        ("current_status", STR),
        ("current_class", STR),
        ("lead_time_s", S),  # created -> delivered
        ("cycle_time_s", S),  # committed -> delivered
        ("window_start", TS),
        ("window_end", TS),  # delivered, or as_of for open items
        ("window_s", S),
        ("touch_s", S),
        ("wait_s", S),
        ("blocked_s", S),
        ("flow_efficiency", S),  # touch / window; null when the window is empty
        ("handoffs", INT),
        ("teams_visited", INT),
        ("team_path", STR),  # "Dev > QA > Dev"
        ("rework", INT),
        ("steering_touches", INT),
        ("age_s", S),  # open items: as_of - committed (or created); null when delivered
        ("touch_work_s", S),
        ("wait_work_s", S),
        ("window_work_s", S),
        ("flow_efficiency_work", S),
    ]
)

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

HANDOFF_EVENTS = pa.schema(
    [
        ("item", STR),
        ("ts", TS),
        ("from_team", STR),
        ("to_team", STR),
        ("wait_s", S),  # handoff -> next active segment (to as_of/window end if none)
    ]
)

DAILY = pa.schema(
    [
        ("date", pa.date32()),
        ("status", STR),
        ("class", STR),
        ("items", INT),  # items in this status at the end of the day (CFD)
    ]
)

DAILY_TOTALS = pa.schema(
    [
        ("date", pa.date32()),
        ("wip", INT),  # committed, not delivered, at the end of the day
        ("arrivals", INT),  # committed that day
        ("departures", INT),  # delivered that day
    ]
)

WEEKLY = pa.schema(
    [
        ("week", pa.date32()),  # Monday
        ("throughput", INT),
        ("lead_p50_s", S),
        ("lead_p85_s", S),
        ("lead_p95_s", S),
        ("flow_efficiency_median", S),
        ("flow_efficiency_pooled", S),
    ]
)

STEERING_TOUCHES = pa.schema(
    [
        ("item", STR),
        ("ts", TS),
        ("meeting_date", pa.date32()),
        ("kind", STR),  # status | label | comment | meeting | recurring
        ("detail", STR),
    ]
)

STEERING_MEETINGS = pa.schema(
    [
        ("meeting_date", pa.date32()),
        ("items", INT),
        ("touches", INT),
        ("cost_minutes", S),  # touches x minutes_per_item x attendees
    ]
)

STEERING_COMPARISON = pa.schema(
    [
        ("type", STR),
        ("period", STR),  # calendar quarter of delivery, "2026-Q1"
        ("steered_items", INT),
        ("unsteered_items", INT),
        ("steered_lead_median_s", S),
        ("unsteered_lead_median_s", S),
        ("steered_flow_efficiency_median", S),
        ("unsteered_flow_efficiency_median", S),
    ]
)

STATUS_CLASSES = pa.schema(
    [
        ("status", STR),
        ("class", STR),
        ("guessed", pa.bool_()),
        ("category", STR),  # Jira status category when known
        ("events", INT),  # times an item entered it
    ]
)

# Process mining (pm4py, in mining.py): directly-follows edges with frequency and performance.
PROCESS_EDGES = pa.schema(
    [
        ("source", STR),
        ("target", STR),
        ("count", INT),
        ("median_s", S),  # performance: time between leaving source and entering target
        ("mean_s", S),
    ]
)

CENTRALITY = pa.schema(
    [
        ("node", STR),
        ("in_degree", INT),
        ("out_degree", INT),
        ("betweenness", S),
    ]
)

#: Every table of an Analysis, by attribute name.
TABLES: dict[str, pa.Schema] = {
    "timeline": TIMELINE,
    "stints": STINTS,
    "items": ITEMS,
    "stages": STAGES,
    "teams": TEAMS,
    "handoffs": HANDOFFS,
    "handoff_events": HANDOFF_EVENTS,
    "daily": DAILY,
    "daily_totals": DAILY_TOTALS,
    "weekly": WEEKLY,
    "steering_touches": STEERING_TOUCHES,
    "steering_meetings": STEERING_MEETINGS,
    "steering_comparison": STEERING_COMPARISON,
    "status_classes": STATUS_CLASSES,
    "status_map": PROCESS_EDGES,
    "handoff_graph": PROCESS_EDGES,
    "team_centrality": CENTRALITY,
}
