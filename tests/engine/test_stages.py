"""The stages table (engine/stages.py): per status, visits, time, touch, wait inside flow
windows and its share, and the current WIP and its age."""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pytest
from engine_log import DAY, analyze, build, config, three_items

import flowgap
from flowgap.engine import stages


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


def test_a_visit_spans_changes_inside_a_status_and_a_return_is_a_new_visit():
    log = build(
        {
            "X": [
                (0, "status", "Ready"),
                (1, "status", "Dev"),
                (1, "assignee", "ann"),
                (2, "assignee", "bob"),  # still the same visit of Dev
                (3, "status", "Test"),
                (3.5, "status", "Dev"),  # back: a second visit of Dev
            ],
            "Y": [(1, "status", "Ready")],
            "Z": [(3, "status", "Ready")],
        }
    )
    stages = {s["status"]: s for s in analyze(log, config(4)).stages.to_pylist()}
    assert sorted(stages) == ["Dev", "Ready", "Test"]
    dev = stages["Dev"]
    assert (dev["visits"], dev["items"], dev["total_s"]) == (2, 1, 2.5 * DAY)
    assert dev["median_visit_s"] == 1.25 * DAY  # visits of 2 and 0.5 days
    assert dev["p85_visit_s"] == pytest.approx(1.775 * DAY)  # 0.5 + 0.85 x (2 - 0.5)
    assert (dev["touch_s"], dev["wait_s"], dev["wait_share"]) == (2.5 * DAY, 0.0, 0.0)
    assert (dev["wip"], dev["wip_age_median_s"], dev["wip_age_max_s"]) == (1, 0.5 * DAY, 0.5 * DAY)
    ready = stages["Ready"]
    # Visits of 1 (X), 3 (Y) and 1 (Z) days, all waiting inside the windows: all the wait.
    assert (ready["visits"], ready["items"], ready["total_s"]) == (3, 3, 5 * DAY)
    assert ready["median_visit_s"] == 1 * DAY
    assert ready["p85_visit_s"] == pytest.approx(2.4 * DAY)  # 1 + 0.7 x (3 - 1)
    assert (ready["wait_s"], ready["wait_share"]) == (5 * DAY, 1.0)
    # Y and Z wait in Ready at as_of, for 3 and 1 days.
    assert (ready["wip"], ready["wip_age_median_s"], ready["wip_age_max_s"]) == (
        2,
        2 * DAY,
        3 * DAY,
    )
    assert (ready["class"], ready["guessed"]) == ("wait", False)
    assert stages["Test"]["wip"] == 0 and stages["Test"]["wip_age_max_s"] is None


def test_percentiles_of_many_groups_are_numpys_bit_for_bit(monkeypatch):
    """Past GROUPS_EACH groups the percentiles come from one sort of every value: the same
    floats np.percentile gives for each group (ties, one-value groups, q = 1)."""
    rng = np.random.default_rng(7)
    for trial in range(60):
        m = int(rng.integers(1, 400))
        groups = pa.array([f"g{x}" for x in rng.integers(0, int(rng.integers(1, 40)), m)])
        if trial % 2:
            values = rng.integers(0, 10**12, m) / 1e6
        else:
            values = rng.integers(0, 4, m).astype(float)
        for qs in ((0.5, 0.85), (0.5, 1.0)):
            want = {
                g: [
                    float(v)
                    for v in np.percentile(values[np.array(groups) == g], [q * 100 for q in qs])
                ]
                for g in set(groups.to_pylist())
            }
            monkeypatch.setattr(stages, "GROUPS_EACH", 0)
            assert stages.percentiles(groups, values, qs) == want
            monkeypatch.setattr(stages, "GROUPS_EACH", 1000)
            assert stages.percentiles(groups, values, qs) == want
