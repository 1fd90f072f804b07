"""What-if replays on a hand-built log with known answers, and the command line's checks."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from flowgap.decisions.whatif import Change, parse_change, replay, whatif
from flowgap.errors import UsageError

sys.path.insert(0, str(Path(__file__).parents[1] / "engine"))
from engine_log import STATUS_TEAMS, analyze, build, config

DAY = 86400.0


def two_items():
    """A waits two days in Ready and four in QA Queue (handed from Dev to QA); B never sees
    QA. Lead 9 d and 5 d, cycle 8 d and 3 d, two and one days of touch."""
    log = build(
        {
            "A": [
                (0, "status", "Backlog"),
                (1, "status", "Ready"),
                (3, "status", "Dev"),
                (4, "status", "QA Queue"),
                (8, "status", "Test"),
                (9, "status", "Done"),
            ],
            "B": [
                (0, "status", "Backlog"),
                (2, "status", "Ready"),
                (3, "status", "Dev"),
                (5, "status", "Done"),
            ],
        }
    )
    cfg = config(10, teams={"source": ["status"], "status_map": STATUS_TEAMS})
    return analyze(log, cfg)


def days(values) -> list[float]:
    return [round(v / DAY, 6) for v in values]


def test_shrinking_a_queue_saves_its_scaled_time() -> None:
    r = replay(two_items(), Change(scale={"QA Queue": 0.5}))
    assert r.items == ["A", "B"]
    assert days(r.lead_before) == [9, 5]
    assert days(r.lead_after) == [7, 5]
    assert days(r.cycle_after) == [6, 3]
    assert days(r.flow_after) == [6, 3]
    assert r.handoffs_removed == 0


def test_removing_a_status_saves_all_its_untouched_time() -> None:
    r = replay(two_items(), Change(scale={"Ready": 0.0}))
    assert days(r.lead_after) == [7, 4]
    assert days(r.cycle_after) == [6, 2]


def test_shrinking_an_active_status_keeps_the_work() -> None:
    r = replay(two_items(), Change(scale={"Dev": 0.0}))
    assert days(r.lead_after) == [9, 5]


def test_merging_teams_removes_the_handoff_and_its_waiting() -> None:
    r = replay(two_items(), Change(merged=(frozenset({"Dev", "QA"}),)))
    assert r.handoffs_removed == 1
    assert days(r.lead_after) == [5, 5]
    assert days(r.cycle_after) == [4, 3]


def test_result_shape_percentiles_and_flow_efficiency() -> None:
    out = whatif(two_items(), Change(scale={"QA Queue": 0.5}))
    assert out["items"] == 2
    lead = out["lead_time"]
    # Two items: p50 is their mean, p85 interpolates linearly (5 + 0.85 * 4 = 8.4 days).
    assert {k: v / DAY for k, v in lead["before"].items()} == pytest.approx({"p50": 7, "p85": 8.4})
    assert {k: v / DAY for k, v in lead["after"].items()} == pytest.approx({"p50": 6, "p85": 6.7})
    assert lead["saved"]["p85"] / DAY == pytest.approx(1.7)
    lo, hi = lead["ci"]["saved"]["p85"]
    assert lo <= hi
    fe = out["flow_efficiency"]
    # Touch: A two days (Dev, Test), B two days (Dev); windows 8 + 3 days, then 6 + 3.
    assert fe["before"]["pooled"] == pytest.approx(4 / 11)
    assert fe["after"] == pytest.approx({"median": (2 / 6 + 2 / 3) / 2, "pooled": 4 / 9})
    assert out["assumptions"] == [
        "work content (touch time) is unchanged",
        "queues are not re-ordered: each item keeps the rest of its waiting",
        "throughput is unchanged",
    ]
    assert out["changes"] == ["shrink 'QA Queue' to 50%"]


STATUSES = {"Ready for QA", "Steering Review"}
TEAMS = {"Backend", "QA"}


@pytest.mark.parametrize(
    ("shrink", "remove", "merge", "message"),
    [
        (["Ready for QA"], [], [], "expected 'STATUS=PERCENT%'"),
        (["Ready for QA=150%"], [], [], "more than 100%"),
        (["Nope=50%"], [], [], "unknown status 'Nope'"),
        ([], ["Nope"], [], "--remove: unknown status 'Nope'"),
        ([], [], ["Backend"], "expected 'TEAM\\+TEAM'"),
        ([], [], ["Backend+Nobody"], "unknown team 'Nobody'"),
        ([], [], [], "give at least one change"),
    ],
)
def test_malformed_changes_are_usage_errors(shrink, remove, merge, message) -> None:
    with pytest.raises(UsageError, match=message):
        parse_change(shrink, remove, merge, STATUSES, TEAMS)


def test_a_good_change_parses() -> None:
    change = parse_change(
        ["Ready for QA = 50 %"], ["Steering Review"], ["Backend+QA"], STATUSES, TEAMS
    )
    assert change.scale == {"Ready for QA": 0.5, "Steering Review": 0.0}
    assert change.merged == (frozenset({"Backend", "QA"}),)


def test_per_item_values_for_the_distributions() -> None:
    out = whatif(two_items(), Change(scale={"QA Queue": 0.5}), intervals=False, per_item=True)
    assert out["per_item"]["item"] == ["A", "B"]
    assert days(out["per_item"]["lead_time"]["after"]) == [7, 5]
    assert out["lead_time"]["ci"] is None
