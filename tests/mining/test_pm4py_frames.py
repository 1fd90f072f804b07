"""The pm4py boundary: frames pm4py reads correctly, and pm4py imported only where needed."""

from __future__ import annotations

import contextlib
import http.server
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pyarrow as pa

from flowgap.mining.pm4py_frames import (
    ACTIVITY,
    CASE,
    TIMESTAMP,
    case_numbers,
    event_frame,
    in_order,
    objects,
)

ROOT = Path(__file__).resolve().parents[2]
STORY = ROOT / "sample_logs" / "story.jira.ndjson.gz"

#: Run commands of the CLI in one fresh interpreter, then tell which heavy modules they imported.
PROBE = (
    "import sys\n"
    "from typer.testing import CliRunner\n"
    "from flowgap.cli import app\n"
    "for args in sys.argv[1:]:\n"
    "    result = CliRunner().invoke(app, args.split('|'))\n"
    "    print(result.exit_code)\n"
    "print('pm4py' in sys.modules, 'networkx' in sys.modules)\n"
)

#: Commands that do not mine (one per string, arguments separated by |).
NOT_MINING = [
    "--help",
    "analyze|--help",
    f"inspect|{STORY}",
    "sample|--items|20|-o|log.jira.json",
    # A site that refuses the credentials (``_refusing_site``): the pull fails (exit 2) at
    # its first request, without importing pm4py.
    "pull|--url|http://127.0.0.1:{port}|--jql|project = X|-o|out.ndjson",
]


@contextlib.contextmanager
def _refusing_site() -> Iterator[int]:
    """A loopback HTTP server answering 401 to everything (a closed port would be retried
    with backoff for two minutes): its port while it runs."""

    class Refuse(http.server.BaseHTTPRequestHandler):
        def _refuse(self) -> None:
            self.send_response(401)
            self.send_header("Content-Length", "0")
            self.end_headers()

        do_GET = do_POST = _refuse

        def log_message(self, *args) -> None:  # quiet
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Refuse)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server.server_address[1]
    finally:
        server.shutdown()


def test_commands_that_do_not_mine_never_import_pm4py(tmp_path: Path) -> None:
    with _refusing_site() as port:
        run = subprocess.run(
            [sys.executable, "-c", PROBE, *(a.replace("{port}", str(port)) for a in NOT_MINING)],
            capture_output=True,
            text=True,
            timeout=300,
            cwd=tmp_path,
        )
    assert run.returncode == 0, run.stderr
    *codes, pm4py, networkx = run.stdout.split()
    assert codes == ["0", "0", "0", "0", "2"]
    assert (pm4py, networkx) == ("False", "False")


def test_analyze_imports_pm4py_while_the_engine_works(tmp_path: Path) -> None:
    code = (
        "import sys, threading\n"
        "import flowgap\n"
        "from flowgap.mining import pm4py_frames\n"
        "from flowgap.sample import generate\n"
        "sample = generate(items=30, seed=1)\n"
        "assert pm4py_frames._preloading is None\n"
        "analysis = flowgap.analyze(sample.result, sample.config)\n"
        "print(pm4py_frames._preloading is not None, analysis.status_map.num_rows > 0)\n"
    )
    run = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=300, cwd=tmp_path
    )
    assert run.returncode == 0, run.stderr
    assert run.stdout.split() == ["True", "True"]


def test_event_frame_gives_pm4py_object_text_and_utc_times() -> None:
    ts = pa.array([0, 5_000_000], pa.timestamp("us", "UTC"))
    frame = event_frame(pa.array(["A-1", "A-1"]), pa.array(["Ready", None]), ts)
    assert list(frame.columns) == [CASE, ACTIVITY, TIMESTAMP]
    assert frame[CASE].dtype == object and frame[ACTIVITY].dtype == object
    assert frame[ACTIVITY].tolist() == ["Ready", None]
    assert str(frame[TIMESTAMP].dt.tz) == "UTC"
    assert (frame[TIMESTAMP].iloc[1] - frame[TIMESTAMP].iloc[0]).total_seconds() == 5.0
    naive = event_frame(pa.array(["x"]), pa.array(["Ready"]), pa.array([0], pa.timestamp("us")))
    assert str(naive[TIMESTAMP].dt.tz) == "UTC"
    assert objects(pa.array(["a", None]), fill="(none)").tolist() == ["a", "(none)"]


def test_rows_are_put_in_item_then_sequence_order_and_numbered_by_case() -> None:
    table = pa.table({"item": ["B", "A", "A", "B"], "seg": [0, 1, 0, 1]})
    ordered = in_order(table, "seg")
    assert ordered.to_pylist() == [
        {"item": "A", "seg": 0},
        {"item": "A", "seg": 1},
        {"item": "B", "seg": 0},
        {"item": "B", "seg": 1},
    ]
    assert in_order(ordered, "seg") is ordered  # already in order: no sort
    assert case_numbers(ordered.column("item")).tolist() == [0, 0, 1, 1]
    coded = pa.array(["A", "A", "B"]).dictionary_encode()
    assert case_numbers(coded).tolist() == [0, 0, 1]
