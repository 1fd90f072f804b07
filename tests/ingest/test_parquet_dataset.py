"""Canonical Parquet datasets: ``flowgap convert --dataset`` writes one from many inputs (one at
a time, hive-partitioned by project and month, rejects listed) and the loader reads a directory
of files back as the same log."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

import flowgap
from flowgap.config import Config
from flowgap.errors import UsageError
from flowgap.ingest import parquet
from flowgap.ingest.parquet_dataset import parse_partitions, write_dataset
from flowgap.model import EVENTS_SCHEMA, ITEMS_SCHEMA
from flowgap.sample.writers import write_sample


@pytest.fixture(scope="module")
def inputs(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    """Three inputs in three formats (overlapping item keys) and one with a bad record."""
    d = tmp_path_factory.mktemp("inputs")
    a = write_sample(d / "a.jira.json", items=12, seed=1)[0]
    b = write_sample(d / "b.csv", items=6, seed=2, format="transition-csv")[0]
    c = write_sample(d / "c.parquet", items=5, seed=3)[0]
    bad = d / "z.csv"
    bad.write_text("case,activity,timestamp\nX-1,Open,2024-01-01\nX-1,Done,tomorrow\n")
    return [a, b, c, bad]


def _files(root: Path) -> list[str]:
    return sorted(p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file())


def test_many_inputs_become_one_partitioned_dataset(inputs: list[Path], tmp_path: Path) -> None:
    config = Config()
    out = tmp_path / "events.parquet"
    done = write_dataset(inputs, out, config)
    whole = flowgap.load(inputs, config)  # the same inputs loaded together, in memory
    assert done.paths == [out, tmp_path / "events.items.parquet", tmp_path / "events.rejects.csv"]
    assert (done.inputs, done.events, done.items, done.rejects) == (
        4,
        whole.events.num_rows,
        whole.items.num_rows,
        1,
    )
    assert done.events == sum(pq.read_metadata(out / f).num_rows for f in _files(out))
    # hive partitions: project, then the UTC month of each event
    dirs = {f.rsplit("/", 1)[0] for f in _files(out)}
    assert "project=FLOW/month=2025-01" in dirs
    assert all(d.startswith("project=") and "/month=20" in d for d in dirs)
    # one file per input and partition, one items file per input that brought new items
    assert {f.rsplit("/", 1)[1].split("-")[1] for f in _files(out)} == {
        "00000",
        "00001",
        "00002",
        "00003",
    }
    # b.csv and c.parquet hold keys a.jira.json brought first: no new items, no file
    assert _files(tmp_path / "events.items.parquet") == ["part-00000.parquet", "part-00003.parquet"]
    rejects = (tmp_path / "events.rejects.csv").read_text(encoding="utf-8").splitlines()
    assert rejects == [
        "source,reason",
        "z.csv:3,X-1: bad timestamp: unrecognised timestamp 'tomorrow'",
    ]
    # read back, it is the log the inputs make together
    again = flowgap.load([out], config)
    assert again.events.equals(whole.events)
    assert again.items.sort_by("item").equals(whole.items.sort_by("item"))
    (summary,) = again.inputs
    assert (summary.records_read, summary.records_loaded) == (done.events, done.events)
    assert again.rejects == [] and again.warnings == []


def test_convert_cli_writes_a_dataset_and_replaces_it(inputs: list[Path], tmp_path: Path) -> None:
    out = tmp_path / "events.parquet"

    def convert(*extra: str) -> subprocess.CompletedProcess:
        return subprocess.run(
            [sys.executable, "-m", "flowgap", "convert", *map(str, inputs[:2]), "-o", str(out),
             "--dataset", *extra],
            capture_output=True, text=True, timeout=120,
        )  # fmt: skip

    first = convert("--partition-by", "month")
    assert first.returncode == 0, first.stderr
    loaded = flowgap.load(inputs[:2], Config())
    assert first.stdout.splitlines() == [str(out), str(tmp_path / "events.items.parquet")]
    assert first.stderr.splitlines()[-1] == (
        f"flowgap: {loaded.events.num_rows:,} events and {loaded.items.num_rows:,} items from"
        " 2 input(s); 0 rejected"
    )
    assert all(f.startswith("month=") for f in _files(out))
    second = convert("--partition-by", "")
    assert second.returncode == 0, second.stderr
    assert _files(out) == ["part-00000-0.parquet", "part-00001-0.parquet"]
    assert second.stdout.splitlines()[0] == f"{out} (replaced)"
    bad = convert("--partition-by", "team")
    assert bad.returncode == 2
    assert "--partition-by: unknown 'team'" in bad.stderr


def test_partitions_parsed() -> None:
    assert parse_partitions("month, project") == ("month", "project")
    assert parse_partitions("") == ()
    with pytest.raises(UsageError):
        parse_partitions("status")


def test_a_written_dataset_with_null_keys_and_partitioned_items(tmp_path: Path) -> None:
    """A dataset from elsewhere (Spark): null key rows are rejects named by file and row; an
    items dataset partitioned by project gets its project back from the directory names."""
    events = tmp_path / "log" / "events"
    (events / "month=2024-01").mkdir(parents=True)
    (events / "_SUCCESS").write_text("")
    rows = [
        {"item": "A-1", "ts": 1_704_100_000_000_000, "seq": 0, "field": "status", "value": "Open"},
        {"item": None, "ts": 1_704_100_000_000_000, "seq": 1, "field": "status", "value": "x"},
        {"item": "A-1", "ts": 1_704_200_000_000_000, "seq": 0, "field": "status", "value": "Done"},
    ]
    table = pa.Table.from_pylist(
        rows, schema=pa.schema([(f.name, f.type) for f in EVENTS_SCHEMA][:5])
    )
    table = table.append_column("prev", pa.nulls(3, pa.string()))
    table = table.append_column("actor", pa.nulls(3, pa.string()))
    table = table.append_column("source", pa.nulls(3, pa.string()))
    pq.write_table(table, events / "month=2024-01" / "part-0.parquet")
    items = tmp_path / "log" / "events.items.parquet" / "project=007"
    items.mkdir(parents=True)
    schema = pa.schema([f for f in ITEMS_SCHEMA if f.name != "project"])
    pq.write_table(
        pa.Table.from_pylist([{"item": "A-1", "labels": [], "components": []}], schema=schema),
        items / "part-0.parquet",
    )
    assert parquet.is_dataset(events) and parquet.stem_of(events) == "events"
    result = flowgap.load([events], Config())
    assert result.events.column("value").to_pylist() == ["Open", "Done"]
    assert [(r.source, r.reason) for r in result.rejects] == [
        ("events/month=2024-01/part-0.parquet:row 2", "null item in an event row")
    ]
    assert result.items.column("project").to_pylist() == ["007"]
    (summary,) = result.inputs
    assert (summary.records_read, summary.records_loaded, summary.records_rejected) == (3, 2, 1)


@pytest.mark.parametrize("dataset", [["--dataset"], []])
def test_convert_to_a_uri_is_refused_by_name(tmp_path: Path, dataset: list[str]) -> None:
    # The URI was taken for a path and folded: "s3a:/bucket/.x.tmp", then a traceback.
    from typer.testing import CliRunner

    from flowgap.cli import app

    logs = Path(__file__).resolve().parents[2] / "sample_logs"
    args = ["convert", str(logs / "story.jira.ndjson.gz"), *dataset, "-o", "s3a://bucket/x"]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 2
    (line,) = result.output.strip().splitlines()
    assert line.startswith("flowgap: error: --out s3a://bucket/x: a URI; this writes on this")


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("nul.csv", b"item,from,to,timestamp\nA,x,y,2024-01-01\x00\n"),
        ("empty.xes", b"<log><trace><event/></trace></log>"),
    ],
)
def test_an_unreadable_named_input_is_an_error_as_without_dataset(
    inputs: list[Path], tmp_path: Path, name: str, content: bytes
) -> None:
    """Named on the command line, a file that cannot be read at all stops the conversion, with
    or without --dataset (with it, it was one rejected record and exit 0); found in a
    directory it stays a rejected record, as in a combined load."""
    bad = tmp_path / "in" / name
    bad.parent.mkdir()
    bad.write_bytes(content)
    for dataset in ([], ["--dataset"]):
        out = tmp_path / f"out{len(dataset)}"
        args = ["convert", *dataset, str(inputs[1]), str(bad), "-o", str(out)]
        done = subprocess.run(
            [sys.executable, "-m", "flowgap", *args], capture_output=True, text=True
        )
        assert done.returncode == 2, (dataset, done.stderr)
        # (the XES reader's own panic message may come before: not this test's concern)
        assert done.stderr.splitlines()[-1].startswith(f"flowgap: error: {bad}: ")
        assert sorted(p.name for p in tmp_path.iterdir()) == ["in"]
    done = write_dataset([inputs[1], bad.parent], tmp_path / "ds", Config())
    assert done.rejects == 1
