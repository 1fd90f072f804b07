"""The what-if, validated against the simulator: ``flowgap sample`` simulates the same
organisation with the change applied, and the prediction made from the baseline log must land
within TOLERANCE of that simulated truth (docs/metrics.md reports how close it gets).
"""

from __future__ import annotations

import pytest

import flowgap
from flowgap.decisions.whatif import Change, whatif
from flowgap.sample import OrgChange, generate

pytestmark = pytest.mark.slow

#: Relative distance allowed between the predicted and the simulated p50 and p85.
TOLERANCE = 0.10
ITEMS, SEED = 800, 11
#: Longer than the simulated half year: every delivered item is replayed.
ALL_DAYS = 400

CASES = {
    "QA queue halved": (
        Change(scale={"Ready for QA": 0.5}),
        OrgChange(queue_scale={"Ready for QA": 0.5}),
    ),
    "Backend and QA merged": (
        Change(merged=(frozenset({"Backend", "QA"}),)),
        OrgChange(merged=frozenset({"Backend", "QA"})),
    ),
}


@pytest.fixture(scope="module")
def baseline():
    sample = generate(ITEMS, SEED, story=False)
    return flowgap.analyze(sample.result, sample.config)


@pytest.mark.parametrize("case", list(CASES))
def test_prediction_lands_near_the_simulated_truth(baseline, case: str) -> None:
    change, org = CASES[case]
    predicted = whatif(baseline, change, window_days=ALL_DAYS)
    sample = generate(ITEMS, SEED, story=False, change=org)
    simulated = whatif(flowgap.analyze(sample.result, sample.config), Change(), ALL_DAYS)
    for metric in ("lead_time", "cycle_time"):
        for key in ("p50", "p85"):
            before = predicted[metric]["before"][key]
            after = predicted[metric]["after"][key]
            truth = simulated[metric]["before"][key]
            assert after < before, (metric, key)  # the change helps
            assert truth < before, (metric, key)  # and it did in the simulation
            assert abs(after - truth) <= TOLERANCE * truth, (metric, key, after, truth)
