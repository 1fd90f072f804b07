"""``flowgap analyze --engine spark`` on the standalone cluster, as a user runs it: the
report equals DuckDB's, and Spark's console output stays off flowgap's."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest
from local_cluster import APP_CONF

from cli_process import flowgap_cli

pytestmark = [pytest.mark.spark, pytest.mark.slow]


def _flowgap(*args: str | Path, cwd: Path) -> subprocess.CompletedProcess:
    return flowgap_cli(*args, cwd=cwd, timeout=900)  # a cluster's JVMs start slowly


def _report(path: Path) -> dict:
    doc = json.loads(path.read_text(encoding="utf-8"))
    doc.pop("engine")
    doc.pop("config")  # names the engine's settings
    return doc


def test_the_cli_on_a_cluster_writes_duckdbs_report_and_nothing_else(tmp_path, spark_cluster):
    from flowgap.engine import spark_session
    from flowgap.sample import write_sample

    # The tests' own driver, when another test left it running, holds cores of the cluster
    # the CLI's driver needs (the Connect server holds the others): it would wait for
    # executors without end.
    spark_session.stop()

    write_sample(tmp_path / "log.parquet", items=25, seed=3)
    common = ["analyze", "log.parquet", "-c", "log.flowgap.toml", "--format", "json", "-q"]
    duck = _flowgap(*common, "-o", "duck", cwd=tmp_path)
    assert duck.returncode == 0, duck.stderr
    conf = [arg for key, value in APP_CONF.items() for arg in ("--spark-conf", f"{key}={value}")]
    spark = _flowgap(
        *common, "-o", "spark", "--engine", "spark", "--spark-master", spark_cluster.master_url,
        *conf, cwd=tmp_path,
    )  # fmt: skip
    assert spark.returncode == 0, spark.stderr
    # flowgap's one summary line and nothing else: no JVM start-up lines, no log4j, no stage
    # progress (the line names the output folder).
    assert spark.stderr.replace("-> spark/", "-> duck/") == duck.stderr
    assert len(duck.stderr.splitlines()) == 1
    assert spark.stdout == duck.stdout
    assert json.loads((tmp_path / "spark" / "report.json").read_text())["engine"] == "spark"
    assert _report(tmp_path / "spark" / "report.json") == _report(tmp_path / "duck" / "report.json")
