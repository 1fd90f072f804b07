"""``--engine spark`` on canonical Parquet whose key columns have a type Spark casts and a value
that cast cannot take (``seq`` text "abc", ``ts`` text that is no moment): one line naming the
file, the row and the column, exit code 2 (Spark's ANSI mode failed the query with a Java
stack trace naming neither). Local mode, one small file each: about a minute, most of it the
JVMs' start."""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from local_cluster import needs_spark
from test_parity import with_spark

import flowgap
from cli_process import flowgap_cli
from flowgap.engine.backend import connect
from flowgap.engine.parquet_source import read_source, source_of
from flowgap.errors import InputError
from flowgap.sample.writers import write_sample

pytestmark = [pytest.mark.spark, pytest.mark.slow]


@pytest.fixture(scope="module")
def sample(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, pa.Table]:
    needs_spark()
    d = tmp_path_factory.mktemp("bad-types")
    write_sample(d / "log.parquet", items=5, seed=2)
    return d, pq.read_table(d / "log.parquet")


def _with_column(sample, name: str, values: list, file: str) -> Path:
    d, events = sample
    table = events.set_column(events.schema.get_field_index(name), name, pa.array(values))
    pq.write_table(table, d / f"{file}.parquet")
    (d / f"{file}.items.parquet").write_bytes((d / "log.items.parquet").read_bytes())
    return d / f"{file}.parquet"


def test_the_cli_names_the_file_row_and_column(sample) -> None:
    d, events = sample
    seq = [str(s) for s in events.column("seq").to_pylist()]
    seq[2] = "abc"
    _with_column(sample, "seq", seq, "seq_text")
    done = flowgap_cli(
        "analyze", "seq_text.parquet", "--engine", "spark", "-o", "out", "-q", cwd=d, timeout=600
    )
    assert (done.returncode, done.stderr) == (
        2,
        "flowgap: error: seq_text.parquet: row 3: column 'seq' of type string holds 'abc',"
        " which cannot be read as a bigint\n",
    )
    assert not (d / "out").exists()


def test_text_that_is_no_moment_and_a_type_with_no_cast(sample) -> None:
    d, events = sample
    ts = [t.isoformat() for t in events.column("ts").to_pylist()]
    ts[4] = "soon\n"
    _with_column(sample, "ts", ts, "ts_text")
    _with_column(sample, "ts", [True] * events.num_rows, "ts_bool")
    config = with_spark(flowgap.Config(), master="local[1]")
    backend = connect("spark", config.engine.spark)
    try:
        with pytest.raises(InputError) as err:
            read_source(source_of(str(d / "ts_text.parquet")), backend)
        assert str(err.value) == (
            "ts_text.parquet: row 5: column 'ts' of type string holds 'soon\\n',"
            " which cannot be read as a timestamp"
        )
        with pytest.raises(InputError) as err:
            read_source(source_of(str(d / "ts_bool.parquet")), backend)
        assert str(err.value) == (
            f"{d / 'ts_bool.parquet'}: column 'ts' of type boolean is not a timestamp"
        )
    finally:
        backend.close()
