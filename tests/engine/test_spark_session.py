"""Where ``--engine spark`` runs, from ``[engine.spark]``, the command line and SPARK_REMOTE;
and every way to get it wrong is one line and exit code 2 (no JVM is started here)."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest
from typer.testing import CliRunner

from flowgap.cli import app
from flowgap.config import Config
from flowgap.config.models import SparkConfig
from flowgap.engine import spark_session
from flowgap.engine.spark_session import resolve, session_for, with_options
from flowgap.errors import ConfigError, InputError, UsageError


def test_local_is_the_default_and_spark_remote_is_honoured():
    assert resolve(SparkConfig(), {}).master.startswith("local[")
    target = resolve(SparkConfig(), {"SPARK_REMOTE": "sc://spark.example:15002"})
    assert (target.master, target.remote) == (None, "sc://spark.example:15002")
    # A master in the configuration wins over the environment.
    configured = resolve(SparkConfig(master="yarn"), {"SPARK_REMOTE": "sc://x:1"})
    assert (configured.master, configured.remote) == ("yarn", None)
    with pytest.raises(UsageError, match="SPARK_REMOTE"):
        resolve(SparkConfig(), {"SPARK_REMOTE": "http://x"})


def test_endpoints_and_whether_the_cluster_shares_this_machine():
    assert resolve(SparkConfig(master="spark://a:7000,b"), {}).endpoints() == [
        ("a", 7000),
        ("b", 7077),
    ]
    assert resolve(SparkConfig(remote="sc://h"), {}).endpoints() == [("h", 15002)]
    # credentials before the hosts are no part of a host (an error names the host probed)
    assert resolve(SparkConfig(master="spark://u:p@h:7000"), {}).endpoints() == [("h", 7000)]
    assert resolve(SparkConfig(master="local[2]"), {}).on_this_machine
    assert resolve(SparkConfig(master="spark://127.0.0.1:7077"), {}).on_this_machine
    assert not resolve(SparkConfig(master="spark://spark.example:7077"), {}).on_this_machine
    assert not resolve(SparkConfig(master="yarn"), {}).on_this_machine


def test_the_command_line_overrides_the_file():
    cfg = Config.from_dict(
        {"engine": {"spark": {"master": "yarn", "conf": {"spark.executor.memory": "2g"}}}}
    )
    out = with_options(cfg, remote="sc://h:1", conf=["spark.executor.memory=4g", "spark.a = b"])
    assert out.engine.spark.remote == "sc://h:1" and out.engine.spark.master is None
    assert out.engine.spark.conf == {"spark.executor.memory": "4g", "spark.a": "b"}
    assert cfg.engine.spark.master == "yarn"  # the given config is left as it was
    assert with_options(cfg) is cfg


@pytest.mark.parametrize(
    ("options", "message"),
    [
        (
            {"conf": ["spark.executor.memory"]},
            "--spark-conf: 'spark.executor.memory' is not key=value",
        ),
        ({"conf": ["=4g"]}, "--spark-conf: '=...' names no setting"),
        (  # the name only: the rest may be a secret's value
            {"conf": ["spark.hadoop.fs.s3a.secret.key:wJalrXUt"]},
            "--spark-conf: 'spark.hadoop.fs.s3a.secret.key' is not key=value (e.g.",
        ),
        (
            {"conf": ["executor.memory=4g"]},
            "--spark-conf: 'executor.memory' is not a Spark setting",
        ),
        ({"master": "spork://h:1"}, "--spark-master: 'spork://h:1' is not a Spark master URL"),
        ({"remote": "http://h:1"}, "--spark-remote: 'http://h:1' is not a Spark Connect URL"),
        (
            {"master": "local", "remote": "sc://h"},
            "give --spark-master or --spark-remote, not both",
        ),
    ],
)
def test_bad_options_are_usage_errors(options, message):
    with pytest.raises(UsageError) as err:
        with_options(Config(), **options)
    assert str(err.value).startswith(message)


def test_bad_keys_in_the_file_name_the_key(tmp_path: Path):
    path = tmp_path / "flowgap.toml"
    path.write_text('[engine.spark]\nmaster = "local[2]"\nremote = "sc://h"\n', encoding="utf-8")
    with pytest.raises(ConfigError, match=r"flowgap.toml: engine.spark: give master or remote"):
        Config.load(path)


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.mark.parametrize("kind", ["master", "remote"])
def test_an_unreachable_endpoint_is_one_line_before_any_jvm(monkeypatch, kind):
    pytest.importorskip("pyspark")
    monkeypatch.setattr(spark_session, "_current", None)
    url = (
        f"spark://127.0.0.1:{_closed_port()}"
        if kind == "master"
        else f"sc://127.0.0.1:{_closed_port()}"
    )
    with pytest.raises(InputError) as err:
        session_for(resolve(SparkConfig(**{kind: url}), {}))
    message = str(err.value)
    assert message.startswith("--engine spark: cannot reach the Spark ") and "\n" not in message
    assert url in message


@pytest.mark.parametrize(
    "args",
    [
        ["--spark-conf", "spark.executor.memory"],
        ["--spark-master", "nonsense"],
        ["--spark-remote", "sc://127.0.0.1:{port}"],
    ],
)
def test_the_cli_says_one_line_and_exits_2(tmp_path: Path, args):
    pytest.importorskip("pyspark")
    from flowgap.sample import write_sample

    write_sample(tmp_path / "s.parquet", items=5, seed=1)
    args = [a.format(port=_closed_port()) for a in args]
    result = CliRunner().invoke(
        app, ["analyze", str(tmp_path / "s.parquet"), "--engine", "spark", "-q", *args]
    )
    assert result.exit_code == 2, result.output
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("flowgap: error: "), result.output
    assert "Traceback" not in result.output


def test_spark_options_without_the_spark_engine_are_refused(tmp_path: Path):
    result = CliRunner().invoke(
        app, ["analyze", str(tmp_path / "x.parquet"), "--spark-conf", "a=b"]
    )
    assert result.exit_code == 2
    assert "need --engine spark" in result.output
