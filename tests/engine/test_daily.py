"""The daily tables (engine/daily.py): the cumulative flow diagram, WIP, arrivals and
departures per day, and weekly throughput, lead-time percentiles and flow efficiency."""

from __future__ import annotations

from datetime import date

import pytest
from engine_log import DAY, build, config, three_items

import flowgap


@pytest.fixture(scope="module")
def analysis():
    return flowgap.analyze(three_items(), config(3.5))


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


def test_an_item_delivered_at_as_of_is_counted_once_on_the_last_day():
    """By default as_of is the data's last event, often a delivery: the segment it ends and
    the one it starts were both counted that day (helpdesk's last day held 4,581 of its 4,580
    items). The item is done that day, as daily_totals counts its departure."""
    log = build({"G": [(0, "status", "Dev"), (2, "status", "Done")], "H": [(0.5, "status", "Dev")]})
    a = flowgap.analyze(log, config(2))
    last = date(2026, 1, 7)
    got = {d["status"]: d["items"] for d in a.daily.to_pylist() if d["date"] == last}
    assert got == {"Dev": 1, "Done": 1}
    assert a.daily_totals.to_pylist()[-1]["departures"] == 1


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


def test_an_item_delivered_without_commitment_is_throughput_but_no_departure():
    log = build(
        {
            "B": [(0, "status", "Backlog"), (1, "status", "Done")],  # never committed
            "C": [(0, "status", "Dev"), (2, "status", "Done")],
        }
    )
    a = flowgap.analyze(log, config(2.5))
    totals = [(d["wip"], d["arrivals"], d["departures"]) for d in a.daily_totals.to_pylist()]
    assert totals == [(1, 1, 0), (1, 0, 0), (0, 0, 1)]  # C only
    (week,) = a.weekly.to_pylist()
    assert week["throughput"] == 2  # B and C were delivered
    assert week["lead_p50_s"] == 1.5 * DAY  # lead times 1 and 2 days
    # B has no window: only C's flow efficiency (1.0) counts.
    assert week["flow_efficiency_median"] == 1.0 and week["flow_efficiency_pooled"] == 1.0
    # Backlog at the end of day 0 (B), Done from day 1.
    cfd = {(d["date"].day, d["status"]): d["items"] for d in a.daily.to_pylist() if d["items"]}
    assert cfd == {(5, "Backlog"): 1, (5, "Dev"): 1, (6, "Done"): 1, (6, "Dev"): 1, (7, "Done"): 2}
