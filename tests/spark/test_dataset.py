"""Spark reads a partitioned canonical Parquet dataset itself (``flowgap convert --dataset``
output, plus a file with null keys): every table, the rejects and the tables written with
``--tables-out`` equal DuckDB's, which loads the same dataset in memory: in local mode; on the
two-worker standalone cluster (``conftest.py``), through Spark Connect, the dataset given as a
``file://`` URI there (the files read and checked by the executors; the whole analysis of a
Parquet input on the cluster, through its master, is ``test_cli_on_cluster.py``'s). On 2
busy cores the local analysis took about two minutes with the JVM's start, the cluster read
40 to 65 s.
"""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
import pytest
from local_cluster import needs_spark
from test_parity import assert_same_tables, with_spark

import flowgap
from flowgap.engine.backend import connect
from flowgap.engine.parquet_source import read_source, source_of
from flowgap.ingest.parquet_dataset import write_dataset
from flowgap.model import EVENTS_SCHEMA
from flowgap.report.tables_out import TABLES_OUT, write_tables
from flowgap.sample.writers import write_sample

pytestmark = [pytest.mark.spark, pytest.mark.slow]


@pytest.fixture(scope="module")
def dataset(tmp_path_factory: pytest.TempPathFactory):
    needs_spark()
    d = tmp_path_factory.mktemp("dataset")
    log, _, toml = write_sample(d / "a.jira.json", items=30, seed=4)
    other = write_sample(d / "b.xes", items=8, seed=9)[0]
    config = flowgap.Config.load(toml)
    out = d / "events.parquet"
    write_dataset([log, other], out, config)
    # A file from elsewhere in the dataset: two rows with a null key (rejects) and a good one.
    rows = [
        {"item": "FLOW-1", "ts": 1_736_000_000_000_000, "seq": 90, "field": "label", "value": "x"},
        {"item": None, "ts": 1_736_000_000_000_000, "seq": 91, "field": "label", "value": "y"},
        {"item": "FLOW-2", "ts": None, "seq": 92, "field": "label", "value": "z"},
    ]
    extra = out / "project=FLOW" / "month=2025-01" / "part-09999-0.parquet"
    nullable = pa.schema([pa.field(f.name, f.type) for f in EVENTS_SCHEMA])
    pq.write_table(pa.Table.from_pylist(rows, schema=nullable), extra)
    loaded = flowgap.load([out], config)
    return out, config, loaded, flowgap.analyze(loaded, config)


def _written(analysis, where: Path) -> dict[str, pa.Table]:
    write_tables(analysis, str(where))
    return {name: pq.read_table(where / f"{name}.parquet") for name in TABLES_OUT}


def test_the_dataset_reaches_the_engine(dataset):
    _, _, loaded, duck = dataset
    (summary,) = duck.inputs
    assert (summary.records_rejected, duck.rejects) == (2, 2)
    assert summary.records_read == summary.records_loaded + 2
    assert [(r.source, r.reason) for r in loaded.rejects] == [
        ("events.parquet/project=FLOW/month=2025-01/part-09999-0.parquet:row 2",
         "null item in an event row"),
        ("events.parquet/project=FLOW/month=2025-01/part-09999-0.parquet:row 3",
         "null ts in an event row"),
    ]  # fmt: skip
    assert duck.items.num_rows == 30  # the XES log's 8 item keys are among the Jira log's


def test_local_mode_reads_the_dataset_itself(dataset, tmp_path):
    out, config, loaded, duck = dataset
    local = with_spark(config, master="local[2]")
    spark = flowgap.analyze(source_of(str(out)), local, engine="spark")
    assert_same_tables(duck, spark)
    backend = connect("spark", local.engine.spark)
    try:  # the rejects, each named by its file and row, as the loader names them
        read = read_source(source_of(str(out)), backend)
    finally:
        backend.close()
    assert read.rejects == loaded.rejects
    assert spark.inputs == duck.inputs and spark.rejects == duck.rejects
    written = _written(spark, tmp_path / "spark")
    assert written == _written(duck, tmp_path / "duck")
    assert written["timeline"].num_rows == duck.timeline.num_rows


def test_the_cluster_reads_the_dataset_at_a_uri(dataset, spark_cluster):
    """The executors on the workers read the files (a ``file://`` URI) and apply the rules,
    through Spark Connect: the same rejects, counts and items as the loader. (Through a
    master URL, the same reader with classic PySpark's functions: those read this dataset in
    local mode above, and ``test_cli_on_cluster.py`` reads and analyses a Parquet input on
    this cluster through its master.)"""
    out, config, loaded, _ = dataset
    cfg = with_spark(config, remote=spark_cluster.remote_url)
    backend = connect("spark", cfg.engine.spark)
    try:
        read = read_source(source_of(out.as_uri()), backend)
        n_item_codes = backend.to_arrow(read.events.select("item").distinct()).num_rows
    finally:
        backend.close()
    assert read.rejects == loaded.rejects
    (summary,) = read.inputs
    assert summary.path == out.as_uri()
    assert (summary.records_read, summary.records_loaded, summary.records_rejected) == (
        loaded.inputs[0].records_read,
        loaded.events.num_rows,
        2,
    )
    assert read.items.sort_by("item").equals(loaded.items.sort_by("item"))
    assert n_item_codes == loaded.items.num_rows
    ts = loaded.events.column("ts")
    assert (read.first, read.last) == (pc.min(ts).as_py(), pc.max(ts).as_py())
    status = loaded.events.filter(pc.equal(loaded.events.column("field"), "status"))
    assert read.status_events.equals(status.select(read.status_events.column_names))
