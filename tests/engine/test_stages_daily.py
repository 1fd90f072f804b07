"""Stages (visits, wait shares, WIP and age), the daily CFD, WIP totals and weekly trends."""

from __future__ import annotations

from datetime import date

import pytest
from engine_log import DAY, build, config

import flowgap


def three_items():
    # as_of = day 3.5 (Thursday noon)
    return build(
        {
            "A": [(0, "status", "Ready"), (1, "status", "Dev"), (2.5, "status", "Done")],
            "B": [(1, "status", "Ready"), (3, "status", "Dev")],
            "C": [
                (0, "status", "Ready"),
                (0.5, "status", "QA Queue"),
                (2, "status", "Test"),
                (3, "status", "Done"),
            ],
        }
    )


@pytest.fixture(scope="module")
def analysis():
    return flowgap.analyze(three_items(), config(3.5))


def test_stages_visits_wait_shares_and_wip(analysis):
    stages = {s["status"]: s for s in analysis.stages.to_pylist()}
    ready = stages["Ready"]
    # Visits: A 1 day, B 2 days, C 0.5 day.
    assert (ready["visits"], ready["items"], ready["total_s"]) == (3, 3, 3.5 * DAY)
    assert ready["median_visit_s"] == 1 * DAY
    assert ready["p85_visit_s"] == pytest.approx(1.7 * DAY)  # sorted .5,1,2: 1 + .7 * (2 - 1)
    # Waiting: Ready 1 + 2 + 0.5 = 3.5 days, QA Queue 1.5 days; all wait 5 days.
    assert ready["wait_s"] == 3.5 * DAY and ready["wait_share"] == pytest.approx(0.7)
    assert stages["QA Queue"]["wait_share"] == pytest.approx(0.3)
    assert stages["Dev"]["touch_s"] == 2 * DAY  # A 1.5 + B 0.5
    assert stages["Dev"]["wait_share"] == 0.0
    # Done after delivery is outside every window.
    assert stages["Done"]["total_s"] == 1.5 * DAY and stages["Done"]["wait_s"] == 0.0
    # WIP at as_of: B in Dev since day 3 (half a day); delivered items are not WIP.
    assert (stages["Dev"]["wip"], stages["Dev"]["wip_age_median_s"]) == (1, 0.5 * DAY)
    assert stages["Dev"]["wip_age_max_s"] == 0.5 * DAY
    assert stages["Done"]["wip"] == 0 and stages["Done"]["wip_age_median_s"] is None
    assert stages["Ready"]["wip"] == 0


def test_daily_cfd_counts_the_status_at_the_end_of_each_day(analysis):
    got = {(d["date"], d["status"]): d["items"] for d in analysis.daily.to_pylist() if d["items"]}
    d0, d1, d2, d3 = (date(2026, 1, 5 + i) for i in range(4))
    assert got == {
        (d0, "Ready"): 1,  # A
        (d0, "QA Queue"): 1,  # C (its Ready lasted half a day)
        (d1, "Dev"): 1,  # A
        (d1, "Ready"): 1,  # B
        (d1, "QA Queue"): 1,  # C
        (d2, "Done"): 1,  # A
        (d2, "Ready"): 1,  # B
        (d2, "Test"): 1,  # C
        (d3, "Done"): 2,  # A, C
        (d3, "Dev"): 1,  # B, at as_of
    }
    # A dense grid: every day x every status of the timeline.
    assert analysis.daily.num_rows == 4 * 5


def test_daily_totals_wip_arrivals_departures(analysis):
    totals = [(d["wip"], d["arrivals"], d["departures"]) for d in analysis.daily_totals.to_pylist()]
    # committed A 0, C 0, B 1; delivered A 2.5, C 3.
    assert totals == [(2, 2, 0), (3, 1, 0), (2, 0, 1), (1, 0, 1)]


def test_weekly_throughput_lead_percentiles_and_flow_efficiency(analysis):
    (week,) = analysis.weekly.to_pylist()
    assert week["week"] == date(2026, 1, 5) and week["throughput"] == 2
    # Lead A 2.5 days, C 3 days.
    assert week["lead_p50_s"] == pytest.approx(2.75 * DAY)
    assert week["lead_p85_s"] == pytest.approx(2.925 * DAY)
    assert week["lead_p95_s"] == pytest.approx(2.975 * DAY)
    # Flow efficiency A 1.5 / 2.5 = 0.6, C 1 / 3; pooled 2.5 / 5.5.
    assert week["flow_efficiency_median"] == pytest.approx((0.6 + 1 / 3) / 2)
    assert week["flow_efficiency_pooled"] == pytest.approx(2.5 / 5.5)


def test_weekly_rows_cover_every_week_to_as_of():
    log = build(
        {
            "E": [(0, "status", "Dev"), (1, "status", "Done")],
            "F": [(8, "status", "Dev"), (10, "status", "Done")],
        }
    )
    weeks = flowgap.analyze(log, config(15)).weekly.to_pylist()
    assert [(w["week"], w["throughput"]) for w in weeks] == [
        (date(2026, 1, 5), 1),
        (date(2026, 1, 12), 1),
        (date(2026, 1, 19), 0),
    ]
    assert weeks[1]["lead_p50_s"] == 2 * DAY and weeks[2]["lead_p50_s"] is None
