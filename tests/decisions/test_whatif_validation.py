"""The what-if, validated against the simulator: ``flowgap sample`` simulates the same
organisation with the change applied, and the prediction made from the baseline log must land
within TOLERANCE of that simulated truth (docs/metrics.md reports how close it gets).
"""

from __future__ import annotations

import pyarrow.compute as pc
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


def test_flowgap_sample_simulates_the_change(tmp_path) -> None:
    """`flowgap sample --shrink "Ready for QA=0%"`: nobody waits in the QA queue longer than
    the night or weekend until the next working minute."""
    import subprocess
    import sys

    def qa_queue_days(*extra: str) -> list[float]:
        out = tmp_path / f"s{len(extra)}.jira.ndjson"
        args = ["sample", "-o", out, "--items", "80", "--seed", "2", "--no-story", *extra]
        done = subprocess.run(
            [sys.executable, "-m", "flowgap", *map(str, args)], capture_output=True, text=True
        )
        assert done.returncode == 0, done.stderr
        sample_config = flowgap.Config.load(
            out.with_name(out.name.replace(".ndjson", ".flowgap.toml"))
        )
        analysis = flowgap.analyze(flowgap.load(out, sample_config), sample_config)
        tl = analysis.timeline.filter(pc.equal(analysis.timeline["status"], "Ready for QA"))
        return [d / 86400 for d in tl["duration_s"].to_pylist()]

    before = qa_queue_days()
    after = qa_queue_days("--shrink", "Ready for QA=0%")
    assert max(before) > 3
    assert after and max(after) < 3
