"""A directory input: every file loaded by its own format, nothing skipped silently."""

from __future__ import annotations

import shutil
from pathlib import Path

import flowgap
from flowgap.config import Config

LOGS = Path(__file__).resolve().parents[2] / "sample_logs"


def test_mixed_directory_loads_each_file_and_lists_what_it_cannot(tmp_path: Path) -> None:
    for name in (
        "sample.jira.json",
        "sample.transitions.csv",
        "sample.canonical.parquet",
        "sample.canonical.items.parquet",
    ):
        shutil.copy(LOGS / name, tmp_path / name)
    (tmp_path / "notes").mkdir()
    (tmp_path / "notes" / "readme.txt").write_text("not an export\n", encoding="utf-8")
    config = Config.load(LOGS / "sample.jira.flowgap.toml")
    result = flowgap.load(tmp_path, config)
    formats = {Path(i.path).name: i.format for i in result.inputs}
    assert formats == {
        "readme.txt": "unknown",
        "sample.canonical.parquet": "parquet",  # reads its .items.parquet companion itself
        "sample.jira.json": "jira-json",
        "sample.transitions.csv": "transition-csv",
    }
    assert all(i.reconciles for i in result.inputs)
    assert [(Path(r.source).name, r.reason.startswith("not loaded: ")) for r in result.rejects] == [
        ("readme.txt", True)
    ]
    # The three exports describe the same 40 items: said, not hidden.
    duplicate = [w for w in result.warnings if w.kind == "duplicate_items"]
    assert len(duplicate) == 1 and duplicate[0].message.startswith("40 item key(s)")
    assert result.items.num_rows == 40


def test_a_dangling_link_in_a_directory_is_a_rejected_record(tmp_path: Path) -> None:
    shutil.copy(LOGS / "sample.transitions.csv", tmp_path / "sample.transitions.csv")
    (tmp_path / "gone.csv").symlink_to(tmp_path / "moved-away.csv")
    result = flowgap.load(tmp_path)
    assert [(r.source, r.reason) for r in result.rejects] == [
        (
            str(tmp_path / "gone.csv"),
            f"not loaded: a link to {tmp_path}/moved-away.csv, which does not exist",
        )
    ]
    assert [(Path(i.path).name, i.records_read, i.records_rejected) for i in result.inputs] == [
        ("gone.csv", 1, 1),
        ("sample.transitions.csv", 307, 0),
    ]


def test_a_named_pipe_or_a_device_is_refused_not_waited_on(tmp_path: Path) -> None:
    """Reading a named pipe waits for a writer forever (inspect and analyze hung); inside a
    folder a pipe or a link to /dev/zero was skipped without a word."""
    import os

    import pytest

    from flowgap.errors import InputError

    os.mkfifo(tmp_path / "pipe.csv")
    with pytest.raises(InputError) as info:
        flowgap.load(tmp_path / "pipe.csv")
    assert str(info.value) == (
        f"{tmp_path / 'pipe.csv'}: not a regular file (a pipe, socket or device): give a file"
    )
    shutil.copy(LOGS / "sample.transitions.csv", tmp_path / "sample.transitions.csv")
    (tmp_path / "zero.csv").symlink_to("/dev/zero")
    result = flowgap.load(tmp_path)
    assert [(Path(r.source).name, r.reason) for r in result.rejects] == [
        (name, "not loaded: not a regular file (a pipe, socket or device): give a file")
        for name in ("pipe.csv", "zero.csv")
    ]
    assert result.items.num_rows == 40


def test_a_directory_holding_only_a_dangling_link_lists_it(tmp_path: Path) -> None:
    (tmp_path / "gone.csv").symlink_to("nowhere.csv")
    result = flowgap.load(tmp_path)
    assert [r.reason for r in result.rejects] == [
        "not loaded: a link to nowhere.csv, which does not exist"
    ]


def test_an_unreadable_file_in_a_directory_keeps_the_line_its_error_names(tmp_path: Path) -> None:
    (tmp_path / "bad.csv").write_text(
        'item,from,to,timestamp\nA-1,,"Open,2025-01-01T10:00:00Z\n', encoding="utf-8"
    )
    (tmp_path / "good.csv").write_text(
        "item,from,to,timestamp\nA-2,,Open,2025-01-01T10:00:00Z\n", encoding="utf-8"
    )
    result = flowgap.load([tmp_path])
    assert [(r.source, r.reason) for r in result.rejects] == [
        (
            str(tmp_path / "bad.csv"),
            "not loaded: line 2: a quote opens a value that never closes: the rest of the file"
            " would be one value",
        )
    ]
