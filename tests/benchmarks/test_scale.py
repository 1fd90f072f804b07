"""``make bench``, the scale part: 10M events on a two-worker standalone Spark cluster beside
DuckDB, and 30M events on DuckDB alone (``scale.py``). Narrow it with
``FLOWGAP_SCALE_SPARK=1m`` and ``FLOWGAP_SCALE_DUCKDB=`` (empty: none).

The test fails only when what was measured is wrong: a run crashed, or Spark's summary differs
from DuckDB's. Times and memory are reported (docs/scale.md), never asserted.
"""

from __future__ import annotations

import json
import os
import shutil

import pytest

from .scale import RESULTS, main


def test_scale() -> None:
    spark = os.environ.get("FLOWGAP_SCALE_SPARK", "10m")
    duckdb = os.environ.get("FLOWGAP_SCALE_DUCKDB", "30m")
    if spark and not shutil.which("java"):
        pytest.skip("no Java runtime for the Spark cluster (make test installs one as root)")
    main(["--spark", spark, "--duckdb", duckdb])
    results = json.loads(RESULTS.read_text())
    for size in filter(None, spark.split(",")):
        assert results["spark_standalone"][size]["same_summary"], size
