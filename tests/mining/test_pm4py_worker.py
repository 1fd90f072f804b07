"""pm4py in a process of its own: the same answers as in process, errors raised to the caller,
and the calls carried on in process when the worker is gone."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pyarrow as pa
import pytest

from flowgap.mining import map_drawings, pm4py_worker, process_maps, variants

ROOT = Path(__file__).resolve().parents[2]
STORY = ROOT / "sample_logs" / "story.jira.ndjson.gz"
STORY_CONFIG = ROOT / "sample_logs" / "story.jira.flowgap.toml"


@pytest.fixture(scope="module")
def worker():
    started = pm4py_worker._Worker()
    yield started
    started.close()


def _rows() -> tuple[pa.ChunkedArray, pa.ChunkedArray, pa.ChunkedArray]:
    item = pa.chunked_array([["A", "A", "A", "B", "B"]])
    status = pa.chunked_array([["To Do", "Doing", "Done", "To Do", "Done"]])
    hours = [0, 5, 9, 1, 3]
    start = pa.chunked_array(
        [pa.array([h * 3_600_000_000 for h in hours], pa.timestamp("us", "UTC"))]
    )
    return item, status, start


def test_the_worker_answers_as_pm4py_in_process(worker) -> None:
    item, status, start = _rows()
    case = np.array([0, 0, 0, 1, 1], dtype=np.int64)
    here = process_maps._discover(case, status, start)
    there = worker.call(process_maps._discover, (case, status, start))
    assert there.equals(here)
    assert there.to_pylist()[0] == {
        "source": "Doing",
        "target": "Done",
        "count": 1,
        "median_s": 4 * 3600.0,
        "mean_s": 4 * 3600.0,
    }
    assert worker.call(variants._find_variants, (item, status, start)) == {
        "A": ("To Do", "Doing", "Done"),
        "B": ("To Do", "Done"),
    }
    if map_drawings.graphviz_available():
        dfg = {("To Do", "Doing"): 1, ("Doing", "Done"): 1}
        args = (dfg, "frequency", {}, ["To Do", "Doing", "Done"])
        assert worker.call(map_drawings._draw, args) == map_drawings._draw(*args)


def test_an_error_in_the_worker_is_raised_to_the_caller(worker) -> None:
    with pytest.raises(ValueError, match="invalid literal"):
        worker.call(int, ("not a number",))
    assert worker.call(len, ([1, 2, 3],)) == 3  # and the worker answers on


def test_without_a_worker_or_once_it_died_the_calls_run_in_process(monkeypatch) -> None:
    monkeypatch.setattr(pm4py_worker, "_worker", None)
    assert pm4py_worker.call(len, [1, 2]) == 2
    dying = pm4py_worker._Worker()
    monkeypatch.setattr(pm4py_worker, "_worker", dying)
    dying.process.kill()
    dying.process.wait()
    assert pm4py_worker.call(len, [1, 2, 3]) == 3
    assert not pm4py_worker.running()


def test_start_leaves_pm4py_in_process_where_it_is_imported_already(monkeypatch) -> None:
    import pm4py  # noqa: F401

    monkeypatch.setattr(pm4py_worker, "_worker", None)
    assert pm4py_worker.start() is False
    assert not pm4py_worker.running()


#: `flowgap analyze` in a fresh interpreter; with "in-process" as the first argument, pm4py is
#: imported first (no worker). Prints whether the analysing process imported pm4py itself.
ANALYZE = (
    "import sys\n"
    "if sys.argv[1] == 'in-process':\n"
    "    import pm4py\n"
    "from typer.testing import CliRunner\n"
    "from flowgap.cli import app\n"
    "result = CliRunner().invoke(app, sys.argv[2:])\n"
    "assert result.exit_code == 0, result.output\n"
    "from flowgap.mining import pm4py_worker\n"
    "print('pm4py' in sys.modules, pm4py_worker.running())\n"
)


def test_analyze_writes_the_same_reports_with_pm4py_in_a_worker(tmp_path: Path) -> None:
    reports = {}
    for mode in ("worker", "in-process"):
        out = tmp_path / mode
        args = ["analyze", str(STORY), "-c", str(STORY_CONFIG), "-o", str(out), "--quiet"]
        run = subprocess.run(
            [sys.executable, "-c", ANALYZE, mode, *args],
            capture_output=True,
            text=True,
            timeout=300,
            cwd=tmp_path,
        )
        assert run.returncode == 0, run.stderr
        # With the worker, the analysing process never imports pm4py (and the worker is
        # gone once the reports are written).
        assert run.stdout.split() == (["False", "False"] if mode == "worker" else ["True", "False"])
        reports[mode] = {
            name: (out / name).read_bytes() for name in ("report.json", "report.md", "report.html")
        }
    assert reports["worker"] == reports["in-process"]
