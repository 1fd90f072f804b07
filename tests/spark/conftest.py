"""One real Spark cluster for the whole test session: a standalone master, two workers and a
Spark Connect server running its jobs on them, all from the PySpark distribution, bound to
127.0.0.1 and stopped by their process ids at the end (``local_cluster.py``).

Small on purpose: each worker offers 2 cores and 1 GiB, each application (the tests' own
driver, the Connect server) 2 cores and 512 MiB executors, 2 shuffle partitions.
"""

from __future__ import annotations

import importlib.util
from collections.abc import Iterator

import pytest
from local_cluster import APP_CONF, LocalCluster, needs_spark


@pytest.fixture(scope="session")
def spark_cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalCluster]:
    needs_spark()
    if importlib.util.find_spec("grpc") is None:
        pytest.skip("the Spark Connect client is not installed (pyspark[connect])")
    cluster = LocalCluster(tmp_path_factory.mktemp("spark-cluster"), workers=2, worker_cores=2)
    cluster.start(connect=True, connect_conf=APP_CONF)
    try:
        yield cluster
    finally:
        from flowgap.engine import spark_session

        spark_session.stop()  # the tests' driver first: its executors live on the workers
        cluster.stop()
