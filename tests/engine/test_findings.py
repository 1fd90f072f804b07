"""build_findings: exact sentences and ranking on the hand-computed tables of hand_tables.py."""

from __future__ import annotations

import sys
from pathlib import Path

import pyarrow as pa
import pytest

sys.path.insert(0, str(Path(__file__).parent))
import hand_tables as ht

from flowgap.config import Config
from flowgap.engine.findings import build_findings, pct, steered_lead_ratio, story
from flowgap.engine.schemas import ITEMS
from flowgap.engine.summary import build_summary

DAY = ht.DAY


def findings(tables=None, config=None, has_history=True) -> list[dict]:
    tables = tables or ht.tables()
    config = config or Config()
    summary = build_summary(
        tables, config=config, as_of=ht.AS_OF, has_history=has_history, events=40
    )
    return build_findings(summary, tables, config)


def test_sentences_ranked_by_the_waiting_they_explain() -> None:
    got = findings()
    assert [(f["ranking"], f["rank"], f["kind"], f["subject"], f["item"]) for f in got] == [
        ("main", 1, "flow", "all items", None),
        ("main", 2, "bottleneck_status", "Ready for QA", None),
        ("main", 3, "worst_item", "I-2", "I-2"),
        ("main", 4, "bottleneck_status", "Review", None),
        ("main", 5, "worst_item", "I-4", "I-4"),
        ("main", 6, "ping_pong", "Dev <-> QA", None),
        ("main", 7, "worst_item", "I-3", "I-3"),
        ("main", 8, "bottleneck_handoff", "Dev -> QA", None),
        ("main", 9, "worst_item", "I-1", "I-1"),
        ("main", 10, "bottleneck_status", "In Progress", None),
        ("main", 11, "bottleneck_handoff", "QA -> Dev", None),
        ("main", 12, "bottleneck_handoff", "QA -> Ops", None),
        ("main", 13, "steering", "steering committee", None),
        # waiting by team: a second share of the same waiting, ranked on its own
        ("team", 1, "bottleneck_team", "QA", None),
        ("team", 2, "bottleneck_team", "Dev", None),
    ]
    assert [f["impact_s"] for f in got] == [
        52.2 * DAY,
        31.32 * DAY,
        19 * DAY,
        15.66 * DAY,
        15.2 * DAY,
        13 * DAY,
        10 * DAY,
        9 * DAY,
        8 * DAY,
        5.22 * DAY,
        4 * DAY,
        1 * DAY,
        320 * 60.0,
        36.54 * DAY,
        15.66 * DAY,
    ]
    assert [f["text"] for f in got] == [
        "Work waits 76% of its cycle time (flow efficiency: median 20% per item, 24% pooled).",
        "60% of all waiting happens in 'Ready for QA' (median 6.2 days per visit, 1 item "
        "waiting now, the oldest for 5.5 days).",
        "I-2: 1.0 days of touch in 20.0 days (5.0%), 22.0 days from creation to delivery, "
        "4 handoffs across 3 teams, 3 steering touches.",
        "30% of all waiting happens in 'Review' (median 3.0 days per visit).",
        "I-4: 3.8 days of touch in 19.0 days (20.0%), still open, 1 handoff across 2 teams.",
        "Work ping-pongs between Dev and QA: 1 return to the team that had it just before, "
        "13.0 days of waiting on the handoffs between them.",
        "I-3: 10.0 days of touch in 20.0 days (50.0%), 33.0 days from creation to delivery, "
        "0 handoffs across 1 team.",
        "Dev -> QA: 3 handoffs, median 3.1 days before QA picks the work up.",
        "I-1: 2.0 days of touch in 10.0 days (20.0%), 11.0 days from creation to delivery, "
        "2 handoffs across 2 teams, 1 steering touch.",
        "10% of all waiting happens in 'In Progress' (median 0.5 days per visit, 2 items "
        "waiting now, the oldest for 1.3 days).",
        "QA -> Dev: 2 handoffs, median 2.0 days before Dev picks the work up.",
        "QA -> Ops: 2 handoffs, median 0.5 days before Ops picks the work up.",
        # Story, 2026-Q1: steered I-1 (11 d) and I-2 (22 d) against unsteered I-3 (33 d)
        "2 items were discussed in 4 steering touches costing 5.3 hours of meeting time; "
        "steered items were delivered in 0.5x the lead time of comparable unsteered ones.",
        "70% of all waiting happens while work sits with QA (median 2.0 days from arrival to "
        "pickup, 3 handoffs in).",
        "30% of all waiting happens while work sits with Dev (1 handoff in).",
    ]
    assert findings() == got
    # each ranking's shares of all waiting add up to at most 100%
    assert [f["text"][:4] for f in got if f["kind"] == "bottleneck_status"] == [
        "60% ",
        "30% ",
        "10% ",
    ]


def test_flow_over_the_lead_time_window() -> None:
    config = Config.from_dict({"flow": {"flow_window": "created"}})
    first = findings(config=config)[0]
    assert first["text"].startswith("Work waits 76% of its lead time (")


def test_without_status_history() -> None:
    got = findings(has_history=False)
    assert [(f["rank"], f["kind"], f["text"]) for f in got] == [
        (
            1,
            "steering",
            "2 items were discussed in 4 steering touches costing 5.3 hours of meeting time; "
            "steered items were delivered in 0.5x the lead time of comparable unsteered ones.",
        ),
        (
            2,
            "flow",
            "Flow efficiency needs status history: this input has none (a Jira UI CSV export "
            "has only created, resolved and the current status), so only lead time is reported.",
        ),
        (
            3,
            "lead_time",
            "Half of the delivered items took up to 22.0 days from creation to delivery, 85% "
            "up to 29.7 days, 95% up to 31.9 days.",
        ),
    ]


def set_column(table: pa.Table, name: str, values: list) -> pa.Table:
    i = table.schema.get_field_index(name)
    return table.set_column(
        i, table.schema.field(name), pa.array(values, table.schema.field(name).type)
    )


def test_steered_items_slower_and_similar() -> None:
    tables = ht.tables()
    items = tables["items"]
    # make I-3 (unsteered) faster: 12 days
    leads = [11 * DAY, 22 * DAY, 12 * DAY, None, None]
    tables["items"] = set_column(items, "lead_time_s", leads)
    assert steered_lead_ratio(tables["items"], tables["steering_touches"]) == 16.5 / 12
    steering = next(f for f in findings(tables) if f["kind"] == "steering")
    assert steering["text"].endswith(
        "; steered items took 1.4x longer than comparable unsteered ones."
    )
    leads = [11 * DAY, 22 * DAY, 16.6 * DAY, None, None]
    tables["items"] = set_column(items, "lead_time_s", leads)
    steering = next(f for f in findings(tables) if f["kind"] == "steering")
    assert steering["text"].endswith(
        "; steered items took about as long as comparable unsteered ones."
    )


def test_no_comparable_group_no_ratio() -> None:
    tables = ht.tables()
    tables["items"] = set_column(tables["items"], "type", ["Story", "Story", "Bug", "Bug", "Bug"])
    assert steered_lead_ratio(tables["items"], tables["steering_touches"]) is None
    steering = next(f for f in findings(tables) if f["kind"] == "steering")
    assert steering["text"] == (
        "2 items were discussed in 4 steering touches costing 5.3 hours of meeting time."
    )


def test_at_most_five_stories_of_the_items_that_waited_most_among_those_worked_on() -> None:
    long_fe = [0.02, 0.01, 0.01, 0.03, 0.01, 0.02, 0.001, 0.001]
    rows = []
    for i in range(24):
        window = (100 - i) if i < 8 else 10
        fe = long_fe[i] if i < 8 else 0.5
        rows.append(
            {
                "item": f"W-{i:02d}",
                "delivered": ht.d(2, 1),
                "lead_time_s": window * DAY,
                "window_s": window * DAY,
                "touch_s": fe * window * DAY,
                "wait_s": (1 - fe) * window * DAY,
                "flow_efficiency": fe,
                "handoffs": 1,
                "teams_visited": 2,
            }
        )
    # Never worked on (it never reached an active status): the longest wait, but no story.
    rows.append(
        {
            "item": "W-99",
            "delivered": ht.d(2, 1),
            "lead_time_s": 300 * DAY,
            "window_s": 300 * DAY,
            "touch_s": 0.0,
            "wait_s": 300 * DAY,
            "flow_efficiency": 0.0,
            "handoffs": 0,
            "teams_visited": 1,
        }
    )
    tables = {"items": pa.Table.from_pylist(rows, schema=ITEMS)}
    summary = {
        "items": {"with_history": 25},
        "flow_efficiency": {"pooled": None, "median": None},
        "steering_touches": {"total": 0},
    }
    got = build_findings(summary, tables, Config())
    # waits: W-01 98.01, W-00 98.0, W-02 97.02, W-04 95.04, W-03 94.09 days; W-06 (93.906)
    # and the others waited less
    assert [f["item"] for f in got] == ["W-01", "W-00", "W-02", "W-04", "W-03"]
    assert [(f["ranking"], f["rank"]) for f in got] == [("main", i) for i in range(1, 6)]
    assert got[-1]["text"] == (
        "W-03: 2.9 days of touch in 97.0 days (3.0%), 1 handoff across 2 teams."
    )


def test_open_item_story() -> None:
    row = {
        "item": "FLOW-1042",
        "touch_s": 4.5 * DAY,
        "window_s": 121 * DAY,
        "flow_efficiency": 4.5 / 121,
        "delivered": None,
        "lead_time_s": None,
        "handoffs": 9,
        "teams_visited": 6,
    }
    assert story(row, 16) == (
        "FLOW-1042: 4.5 days of touch in 121.0 days (3.7%), still open, 9 handoffs across "
        "6 teams, 16 steering touches."
    )


def test_a_story_of_minutes_of_touch_says_minutes() -> None:
    """BPI Challenge 2013's worst item "among items worked on" read "0.0 days of touch in
    ... (0.0%)" for its 293 seconds."""
    row = {
        "item": "1-109135791",
        "touch_s": 293.0,
        "window_s": 293 * DAY,
        "flow_efficiency": 293 / (293 * DAY),
        "delivered": None,
        "lead_time_s": None,
        "handoffs": 1,
        "teams_visited": 2,
    }
    assert story(row, 0) == (
        "1-109135791: 5 minutes of touch in 293.0 days (under 0.1%), still open, 1 handoff"
        " across 2 teams."
    )
    row.update(touch_s=3600.0, flow_efficiency=1 / 24 / 293)
    assert story(row, 0).startswith("1-109135791: 1.0 hours of touch in 293.0 days (under 0.1%)")
    row.update(touch_s=40.0, flow_efficiency=0.0)
    assert story(row, 0).startswith("1-109135791: 40 seconds of touch in 293.0 days (0.0%)")


def test_percent_format() -> None:
    assert [pct(x) for x in (0.91, 0.037, 0.0996, 0.1, 0.0, 1.0)] == [
        "91%",
        "3.7%",
        "10%",
        "10%",
        "0.0%",
        "100%",
    ]


def test_team_without_pickup_median_or_handoffs_in() -> None:
    tables = ht.tables()
    tables["teams"] = pa.Table.from_pylist(
        [{"team": "Ops", "wait_s": 2 * DAY, "wait_share": 1.0, "handoffs_in": 0}],
        schema=tables["teams"].schema,
    )
    team = next(f for f in findings(tables) if f["kind"] == "bottleneck_team")
    assert team["text"] == "100% of all waiting happens while work sits with Ops."


@pytest.mark.slow
def test_story_item_of_the_sample_log_is_the_worst_item_story(sample_logs: Path) -> None:
    """The four-month story (sample_logs/README.md): the full analysis tells it."""
    import flowgap

    config = Config.load(sample_logs / "story.jira.flowgap.toml")
    analysis = flowgap.analyze(flowgap.load([sample_logs / "story.jira.ndjson.gz"], config), config)
    stories = [f for f in analysis.findings if f["kind"] == "worst_item"]
    assert stories[0]["item"] == "FLOW-1042"
    # truth: 426600 s of touch in a 9770400 s cycle-time window, lead 10375200 s
    assert stories[0]["text"] == (
        "FLOW-1042: 4.9 days of touch in 113.1 days (4.4%), 120.1 days from creation to "
        "delivery, 9 handoffs across 6 teams, 16 steering touches."
    )
    assert stories[0]["impact_s"] == 9770400.0 - 426600.0
    assert len(stories) <= 5
    for ranking in ("main", "team"):
        ranks = [f["rank"] for f in analysis.findings if f["ranking"] == ranking]
        assert ranks == list(range(1, len(ranks) + 1))
    steering = next(f for f in analysis.findings if f["kind"] == "steering")
    assert steering["text"].startswith(
        "14 items were discussed in 30 steering touches costing 40 hours of meeting time"
    )
