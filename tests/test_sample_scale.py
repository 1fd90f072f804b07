"""flowgap sample --teams/--statuses: a bigger organisation whose truth the engine recovers."""

from __future__ import annotations

import csv
import math
import tomllib
from pathlib import Path

import pytest

import flowgap
from flowgap.config import Config
from flowgap.errors import UsageError
from flowgap.sample import write_sample
from flowgap.sample.scale import BASE, Shape, config_toml, order, steps, sub_teams
from flowgap.sample.workflow import SAMPLE_CONFIG_TOML

WIDE = Shape(teams=60, statuses=25)


def test_the_base_shape_is_the_sample_itself() -> None:
    assert config_toml(BASE) == SAMPLE_CONFIG_TOML
    assert sum(len(v) for v in sub_teams(BASE).values()) == 8


def test_the_wide_shape_has_its_teams_and_statuses_in_workflow_order() -> None:
    assert sum(len(v) for v in sub_teams(WIDE).values()) == 60
    assert len(Config.from_dict(tomllib.loads(config_toml(WIDE))).statuses.classes) == 25
    ordered = order(WIDE)
    assert ordered.index("In Development 2") == ordered.index("In Development") + 1
    assert steps(WIDE)["In Analysis"] == ["In Analysis", "In Analysis 2", "In Analysis 3"]


@pytest.fixture(scope="module")
def wide(tmp_path_factory) -> list[Path]:
    out = tmp_path_factory.mktemp("wide") / "wide.jira.ndjson.gz"
    return write_sample(out, items=300, seed=3, shape=WIDE)


def test_the_engine_recovers_the_truth_of_the_wide_log(wide) -> None:
    log, truth_csv, toml = wide
    config = Config.load(toml)
    a = flowgap.analyze(flowgap.load(log, config), config)
    got = {r["item"]: r for r in a.items.to_pylist()}
    with truth_csv.open(encoding="utf-8") as fh:
        truth = list(csv.DictReader(fh))
    assert len(truth) == len(got) == 300
    bad = []
    for t in truth:
        g = got[t["item"]]
        for col in ("touch_s", "wait_s", "handoffs", "teams_visited", "team_path", "rework"):
            want, have = t[col], g[col]
            if isinstance(have, float):
                ok = want != "" and math.isclose(float(want), have, rel_tol=1e-12, abs_tol=1e-6)
            else:
                ok = want == ("" if have is None else str(have))
            if not ok:
                bad.append((t["item"], col, want, have))
    assert bad == []
    # The log uses the bigger organisation: many teams, every status of the workflow.
    assert len({r["team"] for r in a.teams.to_pylist()}) > 40
    assert len(a.stages) == 25


def test_only_jira_json_and_no_smaller_shape(tmp_path) -> None:
    with pytest.raises(UsageError, match="Jira JSON only"):
        write_sample(tmp_path / "x.xes.gz", items=5, shape=WIDE)
    with pytest.raises(UsageError, match="--teams must be at least 8"):
        write_sample(tmp_path / "x.jira.ndjson.gz", items=5, shape=Shape(teams=3))
