"""Credentials in locations and Spark settings never reach an error line, a report or the
dashboard's flowgap.toml download."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import flowgap
from cli_process import flowgap_cli
from flowgap.config import Config
from flowgap.dashboard.data import View
from flowgap.dashboard.filters import Filters
from flowgap.dashboard.pages.class_editor import toml_for
from flowgap.redaction import redacted, shareable_config

SECRET = "wJalrXUtnFEMIK7MDENGbPxRfiCY"


@pytest.mark.parametrize(
    ("given", "shown"),
    [
        (f"s3://AKIA123:{SECRET}@bucket/x.parquet", "s3://AKIA123:***@bucket/x.parquet"),
        (f"s3a://bucket/x?region=eu-west-1&secret_key={SECRET}", "s3a://bucket/x?region=eu-west-1&secret_key=***"),
        (f"sc://spark.example:15002/;token={SECRET};user_id=ann", "sc://spark.example:15002/;token=***;user_id=ann"),
        (f"abfss://c@acct.dfs.core.windows.net/x?sv=2022&sig={SECRET}", "abfss://c@acct.dfs.core.windows.net/x?sv=2022&sig=***"),
        ("hdfs://namenode:8020/flow/events", "hdfs://namenode:8020/flow/events"),
        ("reports/2026-12/x.parquet", "reports/2026-12/x.parquet"),
        # a secret holding "/" or "@"; a URI a Path folded to one slash
        ("s3a://K:SEC/RET@b/x.parquet", "s3a://K:***@b/x.parquet"),
        ("https://ann:p@ss@host/x", "https://ann:***@host/x"),
        ("s3:/K:SECRET@b/x.parquet", "s3:/K:***@b/x.parquet"),
        ("s3a://b/x?X-Amz-Signature=abc&X-Amz-Credential=AK/2024&region=eu", "s3a://b/x?X-Amz-Signature=***&X-Amz-Credential=***&region=eu"),
        # not credentials: a port and a path, a local path, words that merely contain one
        ("hdfs://namenode:8020/path/file@2", "hdfs://namenode:8020/path/file@2"),
        ("runs;key=2024/in/log.xes", "runs;key=2024/in/log.xes"),
        ("statuses.classes.Wait;key=x", "statuses.classes.Wait;key=x"),
        ("https://x/y?keyword=find&design=1&signal=2&monkey=3", "https://x/y?keyword=find&design=1&signal=2&monkey=3"),
    ],
)  # fmt: skip
def test_uris_lose_their_credentials(given: str, shown: str) -> None:
    assert redacted(given) == shown
    assert redacted(f"--tables-out: cannot write into '{given}': denied") == (
        f"--tables-out: cannot write into '{shown}': denied"
    )


def test_spark_settings_named_for_a_secret_are_masked() -> None:
    raw = Config.from_dict(
        {
            "engine": {
                "tables_out": f"s3a://K:{SECRET}@b/out",
                "spark": {
                    "remote": f"sc://h:15002/;token={SECRET}",
                    "conf": {
                        "spark.hadoop.fs.s3a.secret.key": SECRET,
                        "spark.hadoop.fs.azure.account.key.acct.dfs.core.windows.net": SECRET,
                        "spark.executor.memory": "4g",
                        "spark.hadoop.fs.azure.sas.c.acct.blob.core.windows.net": f"sig={SECRET}",
                        "spark.kubernetes.driverEnv.DB_PASS": SECRET,
                        "spark.driver.extraJavaOptions": f"-Xss4m -Dfs.azure.sas={SECRET}",
                        "spark.hadoop.fs.s3a.endpoint": "https://s3.example:9000",
                    },
                },
            }
        }
    ).to_toml_dict()
    shared = shareable_config(raw)
    assert SECRET not in json.dumps(shared)
    conf = shared["engine"]["spark"]["conf"]
    assert conf["spark.executor.memory"] == "4g"
    assert conf["spark.hadoop.fs.s3a.endpoint"] == "https://s3.example:9000"
    assert conf["spark.driver.extraJavaOptions"] == "-Xss4m -Dfs.azure.sas=***"
    assert shared["engine"]["tables_out"] == "s3a://K:***@b/out"
    assert SECRET in json.dumps(raw)  # the config itself keeps them: it must still connect


@pytest.mark.parametrize("command", ["analyze", "inspect"])
def test_error_line_does_not_echo_the_secret_of_a_uri(tmp_path: Path, command: str) -> None:
    # (inspect reads its inputs as paths: "s3:/AKIA:...", one slash)
    run = flowgap_cli(command, f"s3a://AKIA:{SECRET}/x@bucket/events.parquet", cwd=tmp_path)
    assert run.returncode == 2
    assert SECRET not in run.stderr + run.stdout
    assert ":***@bucket/events.parquet" in run.stderr


def test_report_and_download_mask_the_served_secrets(sample_logs: Path, tmp_path: Path) -> None:
    config_path = tmp_path / "flowgap.toml"
    config_path.write_text(
        (sample_logs / "sample.jira-ui.flowgap.toml").read_text()
        + f'\n[engine.spark.conf]\n"spark.hadoop.fs.s3a.secret.key" = "{SECRET}"\n'
    )
    run = flowgap_cli(
        "analyze", sample_logs / "sample.jira-ui.csv", "-c", config_path, "-o", "out",
        cwd=tmp_path,
    )  # fmt: skip
    assert run.returncode == 0, run.stderr
    for name in ("report.json", "report.md", "report.html"):
        assert SECRET not in (tmp_path / "out" / name).read_text(), name
    report = json.loads((tmp_path / "out" / "report.json").read_text())
    assert report["config"]["engine"]["spark"]["conf"] == {"spark.hadoop.fs.s3a.secret.key": "***"}
    config = Config.load(config_path)
    result = flowgap.load(sample_logs / "sample.jira-ui.csv", config)
    text = toml_for(View(sid=None, config=config, filters=Filters(), result=result))
    assert SECRET not in text
    assert '"spark.hadoop.fs.s3a.secret.key" = "***"' in text
