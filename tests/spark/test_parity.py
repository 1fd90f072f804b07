"""The same Ibis expressions on Spark give tables identical to DuckDB's: in local mode, on a
standalone cluster of two workers, and through a Spark Connect server (``conftest.py`` starts
the cluster once per test session).

The log is small (60 items) and configured to reach every layer: the sample configuration plus
``stall_after``, whose touch pieces exercise the widest expressions (per-event intervals joined
back to segments), a working calendar and a recurring steering rule (every kind of steering
touch is scanned on the backend). Every table the engine keeps or aggregates is compared, not
only the report's. A JVM start and a first run cost about a minute per target on 2 cores.
"""

from __future__ import annotations

import pytest
from local_cluster import APP_CONF, needs_spark

import flowgap
from flowgap.engine import lookups
from flowgap.tables import TABLES

pytestmark = [pytest.mark.spark, pytest.mark.slow]


@pytest.fixture(scope="module")
def log():
    needs_spark()
    sample = pytest.importorskip("flowgap.sample")
    s = sample.generate(items=60, seed=5)
    raw = s.config.to_toml_dict()
    raw["flow"]["stall_after"] = "2d"
    raw["steering"]["recurring"] = [{"weekday": "wednesday", "priorities": ["Highest"]}]
    raw["calendar"] = {"timezone": "Europe/Berlin"}
    config = flowgap.Config.from_dict(raw, "test")
    return s.result, config, flowgap.analyze(s.result, config, engine="duckdb")


def with_spark(config: flowgap.Config, **spark: object) -> flowgap.Config:
    raw = config.to_toml_dict()
    raw["engine"] = {"spark": spark}
    return flowgap.Config.from_dict(raw, "test")


def assert_same_tables(duck, spark) -> None:
    assert spark.engine == "spark"
    names = duck._source.names
    assert set(TABLES) <= set(names)
    for name in names:
        a, b = duck.value(name), spark.value(name)
        if hasattr(a, "schema"):
            assert a.schema.equals(b.schema), name
            assert a.equals(b), name
        else:
            assert a == b, name


def test_the_log_reaches_every_layer(log):
    result, config, duck = log
    assert duck.items.num_rows == 60 and duck.timeline.num_rows > 300
    # stall_after really cut touch somewhere, so the stall path is compared too.
    plain = flowgap.analyze(result, config.model_copy(update={"flow": flowgap.Config().flow}))
    assert sum(r["touch_s"] or 0 for r in duck.items.to_pylist()) < sum(
        r["touch_s"] or 0 for r in plain.items.to_pylist()
    )
    kinds = set(duck.steering_touches.column("kind").to_pylist())
    assert {"status", "comment", "recurring"} <= kinds


def test_local_mode_gives_identical_tables(log, monkeypatch):
    """In local mode, every mapping (status -> class, workflow rank) past INLINE_KEYS keys is
    a registered table joined on the backend (engine/lookups.py): forced here for every
    mapping, so that both forms run on Spark (the cluster tests below keep them inline)."""
    result, config, duck = log
    monkeypatch.setattr(lookups, "INLINE_KEYS", 0)
    spark = flowgap.analyze(result, with_spark(config, master="local[2]"), engine="spark")
    assert_same_tables(duck, spark)


def test_a_standalone_cluster_gives_identical_tables(log, spark_cluster):
    result, config, duck = log
    cfg = with_spark(config, master=spark_cluster.master_url, conf=APP_CONF)
    spark = flowgap.analyze(result, cfg, engine="spark")
    session = spark_session_in_use()
    assert session.sparkContext.master == spark_cluster.master_url
    # The work ran on the workers' executors, not in the driver.
    executors = session.sparkContext._jsc.sc().getExecutorMemoryStatus().size()
    assert executors >= 3, "driver plus an executor on each worker"
    assert_same_tables(duck, spark)


def test_spark_connect_gives_identical_tables(log, spark_cluster):
    result, config, duck = log
    cfg = with_spark(config, remote=spark_cluster.remote_url)
    spark = flowgap.analyze(result, cfg, engine="spark")
    assert type(spark_session_in_use()).__module__.startswith("pyspark.sql.connect")
    assert_same_tables(duck, spark)


def spark_session_in_use():
    from flowgap.engine import spark_session

    assert spark_session._current is not None
    return spark_session._current[1]
