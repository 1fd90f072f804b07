"""Format detection by content: magic bytes, XML root, JSON markers, CSV headers."""

from __future__ import annotations

import gzip
import zipfile
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

import flowgap
from flowgap.config import Config
from flowgap.errors import InputError
from flowgap.ingest import LOADERS
from flowgap.ingest.detect import detect_format

FIX = Path(__file__).resolve().parents[1] / "fixtures" / "jira"


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("v2_page.json", "jira-json"),
        ("v3_page.json", "jira-json"),
        ("issues.ndjson", "jira-json"),
        ("issues.ndjson.gz", "jira-json"),
        ("list_of_pages.json", "jira-json"),
        ("pages", "jira-json"),
        ("ui_export.csv", "jira-csv"),
    ],
)
def test_fixtures(name: str, expected: str) -> None:
    assert detect_format(FIX / name) == expected
    assert expected in LOADERS


def write(tmp_path: Path, name: str, data: bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


def test_binary_magics(tmp_path: Path) -> None:
    pq.write_table(pa.table({"a": [1]}), tmp_path / "t.bin")
    assert detect_format(tmp_path / "t.bin") == "parquet"
    with zipfile.ZipFile(tmp_path / "a.dat", "w") as z:
        z.writestr("x.csv", "a,b\n")
    assert detect_format(tmp_path / "a.dat") == "zip"
    assert "zip" in LOADERS


def test_xes_plain_and_gzipped_whatever_the_name(tmp_path: Path) -> None:
    xes = b'<?xml version="1.0" encoding="UTF-8"?>\n<log xes.version="1.0">\n<trace/></log>\n'
    assert detect_format(write(tmp_path, "log.txt", xes)) == "xes"
    assert detect_format(write(tmp_path, "log", gzip.compress(xes))) == "xes"
    with pytest.raises(InputError, match="not an XES event log"):
        detect_format(write(tmp_path, "page.html", b"<html><body></body></html>"))


def test_csv_kinds(tmp_path: Path) -> None:
    bom = b"\xef\xbb\xbf"
    assert detect_format(write(tmp_path, "a.csv", bom + b"Summary;Issue key\nx;A-1\n")) == (
        "jira-csv"
    )
    assert (
        detect_format(
            write(tmp_path, "t.csv", b"item,from,to,timestamp\nA-1,Open,Done,2023-01-01\n")
        )
        == "transition-csv"
    )
    assert detect_format(write(tmp_path, "e.tsv", b"case\tactivity\ttime\n1\ta\tx\n")) == "csv"


def test_transition_mapping_from_config(tmp_path: Path) -> None:
    path = write(tmp_path, "t.csv", b"key,old,new,at\nA-1,Open,Done,2023-01-01\n")
    assert detect_format(path) == "csv"
    cfg = Config.from_dict({"input": {"transitions": {"from": "old", "to": "new"}}})
    assert detect_format(path, cfg) == "transition-csv"


def test_undetectable_inputs_name_the_file_and_the_expectation(tmp_path: Path) -> None:
    cases = {
        "empty.json": (b"", "empty file"),
        "blank.csv": (b"\n  \n", "holds no records (only whitespace)"),
        "other.json": (b'{"hello": "world"}', "JSON, but not a Jira export"),
        "words.txt": (b"just some words\n", "expected Jira JSON"),
        "blob.bin": (b"\x00\x01\x02\x03garbage", "binary data"),
        "bad.gz": (b"\x1f\x8b\x08\x00garbage-not-deflate", "corrupt gzip"),
    }
    for name, (data, message) in cases.items():
        path = write(tmp_path, name, data)
        with pytest.raises(InputError) as err:
            detect_format(path)
        assert str(err.value).startswith(str(path)), name
        assert message in str(err.value), name
        assert "\n" not in str(err.value)


def test_missing_and_directory_without_json(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="no such file"):
        detect_format(tmp_path / "nope.json")
    (tmp_path / "d").mkdir()
    (tmp_path / "d" / "a.csv").write_text("a,b\n")
    with pytest.raises(InputError, match="directory holds no"):
        detect_format(tmp_path / "d")


def test_a_transition_csv_missing_a_column_says_which(tmp_path: Path) -> None:
    path = write(tmp_path, "t.csv", b"item,from,timestamp\nA-1,Open,2023-01-01\n")
    assert detect_format(path) == "transition-csv"
    with pytest.raises(
        InputError, match=r"missing column 'to' \(config key input.transitions.to\)"
    ):
        flowgap.load(path, Config())
    # An event log with a column named like "from" stays an event log.
    log = write(tmp_path, "e.csv", b"case,activity,timestamp,from\n1,a,2023-01-01,x\n")
    assert detect_format(log) == "csv"


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-be", "utf-16-le"])
def test_utf16_with_a_byte_order_mark_is_text(tmp_path: Path, encoding: str) -> None:
    """Its zero bytes made it "binary data" although it loads with --input-format."""
    text = "item,from,to,timestamp\nA-1,,Open,2025-01-06T09:00:00Z\nA-1,Open,Done,2025-01-07\n"
    bom = "\ufeff" if encoding != "utf-16" else ""
    path = tmp_path / "u16.csv"
    path.write_bytes((bom + text).encode(encoding))
    assert detect_format(path) == "transition-csv"
    result = flowgap.load(path)
    summary = result.inputs[0]
    assert (summary.format, summary.records_read, summary.records_loaded) == (
        "transition-csv",
        2,
        2,
    )
    status = [e["value"] for e in result.events.to_pylist() if e["field"] == "status"]
    assert status == ["Open", "Done"]


WHITESPACE = "holds no records (only whitespace)"


@pytest.mark.parametrize("loader", [None, "csv", "transition-csv", "jira-json", "xes"])
@pytest.mark.parametrize(
    ("data", "problem"),
    # mtime=0: the same bytes in every process (pytest-xdist's workers must collect the same
    # tests), and named ids rather than the bytes.
    [
        pytest.param(b"", "holds no records (empty file)", id="empty"),
        pytest.param(b"   \n\n  ", WHITESPACE, id="spaces"),
        pytest.param(gzip.compress(b"", mtime=0), "holds no records (empty file)", id="gz-empty"),
        pytest.param(gzip.compress(b"   \n\n  ", mtime=0), WHITESPACE, id="gz-spaces"),
        pytest.param(
            gzip.compress(b"\xef\xbb\xbf \t\r\n" + "\u3000\u00a0\n".encode(), mtime=0),
            WHITESPACE,
            id="gz-unicode-spaces",
        ),
        # past the 1 MiB head, within the limits
        pytest.param(gzip.compress(b" " * 3_000_000, mtime=0), WHITESPACE, id="gz-3mb-spaces"),
    ],
)
def test_a_file_of_only_whitespace_holds_no_records(
    tmp_path: Path, data: bytes, problem: str, loader: str | None
) -> None:
    path = write(tmp_path, "x.csv.gz", data)
    with pytest.raises(InputError) as err:
        flowgap.load(path, Config(), format=loader)
    assert str(err.value) == f"{path}: {problem}"


def test_a_whitespace_bomb_stops_at_the_decompression_limits(tmp_path: Path) -> None:
    path = write(tmp_path, "bomb.csv.gz", gzip.compress(b" " * (64 << 20)))
    with pytest.raises(InputError, match="max_compression_ratio"):
        detect_format(path)


def test_records_after_a_mib_of_whitespace_are_not_called_empty(tmp_path: Path) -> None:
    text = b" " * (2 << 20) + b"item,from,to,timestamp\nA-1,,Open,2025-01-06\n"
    for data in (text, gzip.compress(text)):
        path = write(tmp_path, "late.csv", data)
        with pytest.raises(InputError, match=r"first 1 MiB hold only whitespace.*--input-format"):
            detect_format(path)


def test_an_undetected_format_says_how_to_force_one_on_the_command_line_and_in_a_config(
    tmp_path: Path,
) -> None:
    # The way out named only --input-format: nothing a dashboard user, who uploads files and
    # may upload a flowgap.toml but has no command line, can act on.
    path = write(tmp_path, "words.txt", b"hello\n")
    with pytest.raises(InputError) as info:
        flowgap.load(path, Config())
    assert str(info.value).endswith(
        "; or force one (jira-json, jira-statuses, jira-csv, transition-csv, csv, xes, parquet,"
        " zip) with --input-format or with [input] format in flowgap.toml"
    )
