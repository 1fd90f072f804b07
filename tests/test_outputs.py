"""An output path holding anything but a regular file (a named pipe, a device, a symbolic link)
is refused, for every file a command would write, and nothing is written."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from typer.testing import CliRunner

from flowgap.cli import app
from flowgap.errors import UsageError
from flowgap.outputs import atomic_write

SAMPLE = Path(__file__).resolve().parents[1] / "sample_logs" / "sample.transitions.csv"


def _run(*args: str | Path):
    return CliRunner().invoke(app, [str(a) for a in args])


def _listing(folder: Path) -> dict[str, str]:
    return {
        p.name: os.readlink(p) if p.is_symlink() else p.stat().st_mode for p in folder.iterdir()
    }


@pytest.mark.parametrize("name", ["p.parquet", "p.items.parquet", "p.rejects.csv"])
def test_convert_refuses_a_named_pipe_at_any_output(tmp_path: Path, name: str) -> None:
    os.mkfifo(tmp_path / name)
    before = _listing(tmp_path)
    done = _run("convert", SAMPLE, "-o", tmp_path / "p.parquet")
    assert done.exit_code == 2
    assert f"{tmp_path / name} exists and is a named pipe" in done.output
    assert len(done.output.strip().splitlines()) == 1
    assert _listing(tmp_path) == before  # the pipe is still one, nothing beside it


@pytest.mark.parametrize("to", ["parquet", "xes"])
def test_convert_refuses_a_symbolic_link(tmp_path: Path, to: str) -> None:
    out = tmp_path / f"link.{to}"
    out.symlink_to(tmp_path / "target")
    done = _run("convert", SAMPLE, "--to", to, "-o", out)
    assert done.exit_code == 2, done.output
    assert "is a symbolic link" in done.output
    assert out.is_symlink() and not (tmp_path / "target").exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == [out.name]


def test_convert_dataset_refuses_a_named_pipe(tmp_path: Path) -> None:
    os.mkfifo(tmp_path / "ds")
    done = _run("convert", "--dataset", SAMPLE, "-o", tmp_path / "ds")
    assert done.exit_code == 2
    assert "is a named pipe" in done.output
    assert sorted(p.name for p in tmp_path.iterdir()) == ["ds"]


@pytest.mark.parametrize("name", ["s.json", "s.truth.csv", "s.flowgap.toml"])
def test_sample_refuses_a_named_pipe_at_any_output(tmp_path: Path, name: str) -> None:
    os.mkfifo(tmp_path / name)
    done = _run("sample", "--items", "5", "-o", tmp_path / "s.json")
    assert done.exit_code == 2
    assert "is a named pipe" in done.output
    assert sorted(p.name for p in tmp_path.iterdir()) == [name]


def test_regular_files_are_replaced(tmp_path: Path) -> None:
    out = tmp_path / "e.parquet"
    assert _run("convert", SAMPLE, "-o", out).exit_code == 0
    done = _run("convert", SAMPLE, "-o", out)
    assert done.exit_code == 0
    assert f"{out} (replaced)" in done.output
    assert sorted(p.name for p in tmp_path.iterdir()) == ["e.items.parquet", "e.parquet"]


def test_the_rule_holds_at_the_rename_too(tmp_path: Path) -> None:
    """A pipe made while the file is written (after the first check) is still not replaced."""
    target = tmp_path / "x.csv"

    def write(tmp: Path) -> None:
        tmp.write_text("a\n")
        os.mkfifo(target)

    with pytest.raises(UsageError, match="is a named pipe"):
        atomic_write(target, write)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["x.csv"]
    assert not target.is_file()
