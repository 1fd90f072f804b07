"""Service level expectations and items in trouble on hand-built tables with known answers."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pyarrow as pa
import pytest

from flowgap.config import Config
from flowgap.decisions.service_level import (
    chance_within,
    in_trouble,
    percentile_met,
    service_levels,
    trouble_finding,
    wip_ages,
)
from flowgap.engine.summary_metrics import GROUP
from flowgap.report import thresholds

DAY = 86400.0
T0 = datetime(2026, 1, 1, tzinfo=UTC)

#: Ten delivered stories taking 1..10 days, two delivered bugs (1 and 20 days).
DELIVERED = [("S", "Story", float(d)) for d in range(1, 11)] + [
    ("B1", "Bug", 1.0),
    ("B2", "Bug", 20.0),
]
#: Open, committed items and their age in days; "X" never left the backlog.
OPEN = [("S-old", "Story", 12.0), ("S-mid", "Story", 5.0), ("S-half", "Story", 8.5),
        ("S-new", "Story", 0.5), ("S-past", "Story", 9.5), ("B-open", "Bug", 9.9)]  # fmt: skip


def items() -> pa.Table:
    rows = [
        {"item": f"{key}{i}", "type": typ, "summary": None, "age_s": None, "is_open": False,
         "committed": T0, "delivered": T0 + timedelta(days=d), "cycle_time_s": d * DAY}
        for i, (key, typ, d) in enumerate(DELIVERED)
    ] + [
        {"item": key, "type": typ, "summary": f"open {key}", "age_s": age * DAY, "is_open": True,
         "committed": T0, "delivered": None, "cycle_time_s": None}
        for key, typ, age in OPEN
    ] + [
        {"item": "X", "type": "Story", "summary": None, "age_s": 30 * DAY, "is_open": True,
         "committed": None, "delivered": None, "cycle_time_s": None}
    ]  # fmt: skip
    return pa.Table.from_pylist(rows)


def timeline() -> pa.Table:
    rows = [
        {"item": key, "seg": 0, "status": "Ready", "class": "wait", "team": "Dev",
         "duration_s": DAY}
        for key, _, _ in OPEN
    ] + [
        {"item": key, "seg": 1, "status": "QA Queue", "class": "wait", "team": "QA",
         "duration_s": 2 * DAY}
        for key, _, _ in OPEN
    ]  # fmt: skip
    return pa.Table.from_pylist(rows)


CONFIG = Config()


def by_item(table: pa.Table) -> dict[str, dict]:
    return {r["item"]: r for r in table.to_pylist()}


def test_the_sle_is_a_cycle_time_the_history_met() -> None:
    import numpy as np

    assert percentile_met(np.arange(1.0, 11.0), 85) == 9.0  # 9 of 10 took 9 days or less
    assert percentile_met(np.arange(1.0, 11.0), 50) == 5.0
    assert percentile_met(np.array([]), 85) is None


def test_chance_given_the_age() -> None:
    import numpy as np

    cycle = np.arange(1.0, 11.0)
    # Six items reached five days (5..10); five of them finished within nine.
    assert chance_within(cycle, 5.0, 9.0) == pytest.approx(5 / 6)
    assert chance_within(cycle, 8.5, 9.0) == 0.5
    assert chance_within(cycle, 9.5, 9.0) == 0.0  # already past the SLE
    assert chance_within(cycle, 0.0, 9.0) == 0.9


def test_wip_ages_and_items_in_trouble() -> None:
    wip = by_item(wip_ages(items(), timeline(), CONFIG))
    assert set(wip) == {key for key, _, _ in OPEN}  # X is not committed: not WIP
    assert wip["S-old"]["sle_s"] == 9 * DAY
    assert (wip["S-old"]["chance"], wip["S-old"]["over_sle"]) == (0.0, True)
    assert wip["S-mid"]["chance"] == pytest.approx(5 / 6)
    assert wip["S-half"]["chance"] == 0.5
    assert wip["S-new"]["chance"] == 0.9
    assert wip["S-past"]["over_sle"] is True
    # Two delivered bugs are fewer than min_items (5): the SLE of all twelve items, 10 days
    # (the 11th of 1, 1, 2, ..., 10, 20), and the chance from all of them: 10 and 20 reached
    # 9.9 days, one of them within 10.
    assert wip["B-open"]["sle_s"] == 10 * DAY
    assert wip["B-open"]["chance"] == 0.5
    # Where it waits now: its last segment.
    assert (wip["S-mid"]["status"], wip["S-mid"]["team"], wip["S-mid"]["in_status_s"]) == (
        "QA Queue",
        "QA",
        2 * DAY,
    )
    trouble = in_trouble(wip_ages(items(), timeline(), CONFIG), CONFIG)
    # Past the SLE (S-old, S-past); under 50% chance: none (S-half has exactly 50%).
    assert trouble["item"].to_pylist() == ["S-old", "S-past"]


def test_min_chance_is_configurable() -> None:
    cfg = Config.from_dict({"service_level": {"min_chance": 0.85}})
    trouble = in_trouble(wip_ages(items(), timeline(), cfg), cfg)
    assert trouble["item"].to_pylist() == ["S-old", "B-open", "S-past", "S-half", "S-mid"]


def test_service_levels_per_type() -> None:
    wip = wip_ages(items(), timeline(), CONFIG)
    by_type = {r["type"]: r for r in service_levels(items(), wip, CONFIG).to_pylist()}
    assert list(by_type) == ["*", "Bug", "Story"]
    assert by_type["*"] == {
        "type": "*", "delivered": 12, "sle_s": 10 * DAY, "pooled": False, "wip": 6,
        "over_sle": 2, "in_trouble": 2,
    }  # fmt: skip
    assert by_type["Story"]["sle_s"] == 9 * DAY and not by_type["Story"]["pooled"]
    assert by_type["Bug"]["sle_s"] == 10 * DAY and by_type["Bug"]["pooled"]


def test_the_percentile_is_configurable() -> None:
    cfg = Config.from_dict({"service_level": {"percentile": 50}})
    wip = by_item(wip_ages(items(), timeline(), cfg))
    assert wip["S-mid"]["sle_s"] == 5 * DAY


def test_trouble_finding_names_the_oldest() -> None:
    (finding,) = trouble_finding(wip_ages(items(), timeline(), CONFIG), CONFIG)
    assert finding["kind"] == "in_trouble"
    assert finding["item"] == "S-old"
    assert finding["impact_s"] == pytest.approx(3 * DAY + 0.5 * DAY)
    assert finding["text"] == (
        "2 open items in trouble: 2 past the service level expectation (the cycle time 85% of "
        "delivered items met), 0 with under 50% chance to finish within it. The oldest, "
        "S-old, is 12.0 d old against 9.0 d and waits in 'QA Queue' (QA) for 2.0 d."
    )


def test_an_item_being_worked_on_is_not_said_to_wait() -> None:
    """The oldest item in trouble sits in an active status: it "is in" it, it does not wait
    there (the helpdesk log's "waits in 'Resolve ticket' for 1311.9 d")."""
    worked = pa.Table.from_pylist(
        [
            {**r, "status": "Testing", "class": "active"} if r["seg"] == 1 else r
            for r in timeline().to_pylist()
        ]
    )
    (finding,) = trouble_finding(wip_ages(items(), worked, CONFIG), CONFIG)
    assert finding["text"].endswith(
        "S-old, is 12.0 d old against 9.0 d and is in 'Testing' (QA) for 2.0 d."
    )


def test_wip_over_sle_is_a_threshold_metric() -> None:
    assert [m.key for m in GROUP["wip"].added] == ["over_sle", "in_trouble"]
    (t,) = [thresholds.parse("wip.over_sle > 5")]
    summary = {"wip": {"current": 6, "median_age_s": 1.0, "over_sle": 6, "in_trouble": 6}}
    (outcome,) = thresholds.evaluate([t], summary)
    assert not outcome.held
    (outcome,) = thresholds.evaluate([thresholds.parse("wip.over_sle > 6")], summary)
    assert outcome.held
