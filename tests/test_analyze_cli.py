"""`flowgap analyze` as a subprocess: files, content, exit codes 0/1/2, the one error line."""

from __future__ import annotations

import csv
import json
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import jsonschema
import pytest

from cli_process import flowgap_cli as flowgap

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(Path(__file__).parent / "report"))
pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def sample(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A generated Jira export with the four-month story item and its flowgap.toml."""
    work = tmp_path_factory.mktemp("sample")
    done = flowgap("sample", "-o", "abc.jira.ndjson", "--items", "60", "--seed", "3", cwd=work)
    assert done.returncode == 0, done.stderr
    return work


@pytest.fixture(scope="module")
def full_run(sample: Path) -> subprocess.CompletedProcess:
    return flowgap(
        "analyze",
        "abc.jira.ndjson",
        "-c",
        "abc.jira.flowgap.toml",
        "-o",
        "report",
        "--fail-on",
        "lead_time.p85 > 30d",
        "--fail-on",
        "flow_efficiency.median < 5%",
        cwd=sample,
    )


def test_a_failed_threshold_exits_1_and_every_format_is_written(full_run, sample) -> None:
    assert full_run.returncode == 1, full_run.stderr
    out = sample / "report"
    assert sorted(p.name for p in out.iterdir()) == [
        "csv",
        "junit.xml",
        "report.html",
        "report.json",
        "report.md",
    ]
    assert [p.name for p in sample.iterdir() if p.name.startswith(".")] == []  # no temp dir
    lines = full_run.stderr.strip().splitlines()
    assert lines[-1].startswith("flowgap: 60 items, flow efficiency ")
    assert lines[-1].endswith("; 1 threshold held, 1 failed -> report/")


def test_report_json_is_schema_valid_and_complete(full_run, sample) -> None:
    report = json.loads((sample / "report" / "report.json").read_text(encoding="utf-8"))
    schema = json.loads((ROOT / "docs" / "report-schema.json").read_text(encoding="utf-8"))
    jsonschema.Draft202012Validator(schema).validate(report)
    assert report["summary"]["items"]["total"] == 60
    (inp,) = report["inputs"]
    assert inp["path"] == "abc.jira.ndjson" and inp["format"] == "jira-json"
    assert inp["records_read"] == inp["records_loaded"] + inp["records_rejected"]
    results = {r["expression"]: r["held"] for r in report["thresholds"]["results"]}
    assert results == {"lead_time.p85 > 30d": False, "flow_efficiency.median < 5%": True}
    assert report["config"]["input"]["jira"]["team_field"] == "Team"
    story = next(f for f in report["findings"] if f["item"] == "FLOW-1042")
    assert "9 handoffs across 6 teams" in story["text"] and "16 steering" in story["text"]


def test_csv_junit_and_markdown(full_run, sample) -> None:
    out = sample / "report"
    with (out / "csv" / "items.csv").open(encoding="utf-8", newline="") as fh:
        items = list(csv.DictReader(fh))
    assert len(items) == 60
    truth = {}
    with (sample / "abc.jira.truth.csv").open(encoding="utf-8", newline="") as fh:
        truth = {r["item"]: r for r in csv.DictReader(fh)}
    story = next(r for r in items if r["item"] == "FLOW-1042")
    assert float(story["touch_s"]) == pytest.approx(float(truth["FLOW-1042"]["touch_s"]))
    suite = ET.parse(out / "junit.xml").getroot().find("testsuite")
    assert (suite.get("tests"), suite.get("failures")) == ("2", "1")
    md = (out / "report.md").read_text(encoding="utf-8")
    assert "## Thresholds: 1 held, 1 failed" in md
    assert "- FLOW-1042: " in md and "## Top bottlenecks" in md


def test_same_input_gives_byte_identical_json_and_baseline_compares(full_run, sample) -> None:
    again = flowgap(
        "analyze",
        "abc.jira.ndjson",
        "-c",
        "abc.jira.flowgap.toml",
        "-o",
        "again",
        "--format",
        "json",
        "--fail-on",
        "lead_time.p85 > 30d",
        "--fail-on",
        "flow_efficiency.median < 5%",
        "-q",
        cwd=sample,
    )
    assert again.returncode == 1, again.stderr
    assert (sample / "again" / "report.json").read_bytes() == (
        sample / "report" / "report.json"
    ).read_bytes()
    base = flowgap(
        "analyze",
        "abc.jira.ndjson",
        "-c",
        "abc.jira.flowgap.toml",
        "-o",
        "vs",
        "--format",
        "json,md",
        "--baseline",
        "report/report.json",
        "--fail-on",
        "lead_time.p85 > baseline + 10%",
        cwd=sample,
    )
    assert base.returncode == 0, base.stderr
    report = json.loads((sample / "vs" / "report.json").read_text(encoding="utf-8"))
    assert all(m["delta"] in (0, None) for m in report["baseline"]["metrics"])
    (result,) = report["thresholds"]["results"]
    assert result["held"] and result["limit"] == pytest.approx(result["baseline"] * 1.1, rel=1e-5)
    assert "## Changes since the baseline" in (sample / "vs" / "report.md").read_text("utf-8")


def test_corrupt_input_is_one_line_exit_2_and_writes_nothing(tmp_path: Path) -> None:
    bad = tmp_path / "broken.jira.ndjson"
    bad.write_bytes(b"\x00\x01\x02 not json at all \xff\xfe")
    done = flowgap("analyze", bad.name, "-o", "out", "--input-format", "jira-json", cwd=tmp_path)
    assert done.returncode == 2
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("flowgap: error: broken.jira.ndjson")
    assert "Traceback" not in done.stderr
    assert not (tmp_path / "out").exists()


def test_every_record_rejected_is_exit_2_with_the_reasons_and_writes_nothing(
    tmp_path: Path,
) -> None:
    log = tmp_path / "events.csv"
    log.write_text(
        "case,activity,timestamp\nc1,A,yesterday\nc2,A,today\nc3,,2024-01-01\nc4,B,13/13/2024\n"
    )
    done = flowgap("analyze", log.name, "-o", "out", cwd=tmp_path)
    assert done.returncode == 2
    assert done.stderr.splitlines() == [
        "flowgap: error: events.csv: nothing to analyse: all 4 of 4 input records were rejected"
        " (1 x bad timestamp: unrecognised timestamp 'yesterday';"
        " 1 x bad timestamp: unrecognised timestamp 'today';"
        " 1 x missing status (column 'activity'); and 1 other reason(s));"
        " `flowgap inspect` lists each with its source"
    ]
    assert not (tmp_path / "out").exists()
    log.write_text("case,activity,timestamp\n")
    done = flowgap("analyze", log.name, "-o", "out", cwd=tmp_path)
    assert (done.returncode, done.stderr) == (
        2,
        "flowgap: error: events.csv: nothing to analyse: no item in the input(s)"
        " (0 records read)\n",
    )
    assert not (tmp_path / "out").exists()


def test_unknown_metric_is_a_short_usage_error(tmp_path: Path) -> None:
    # It listed every metric: about 900 characters for a typo.
    done = flowgap("analyze", "whatever.xes", "--fail-on", "lead_time.p99 > 3d", cwd=tmp_path)
    assert done.returncode == 2
    (line,) = done.stderr.strip().splitlines()
    assert line.startswith(
        "flowgap: error: --fail-on: unknown metric 'lead_time.p99' (did you mean 'lead_time.p95',"
    )
    assert line.endswith("metrics are in docs/metrics.md (section Summary)")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--as-of", "soon"], "flowgap: error: --as-of: 'soon' is not a date"),
        (["--format", "pdf"], "flowgap: error: --format: unknown format 'pdf'"),
        (["--engine", "oracle"], "flowgap: error: --engine: unknown engine 'oracle'"),
        (
            ["--fail-on", "handoffs.mean > baseline"],
            "flowgap: error: --fail-on: a threshold relative to 'baseline' needs --baseline",
        ),
        (["--baseline", "missing.json"], "flowgap: error: missing.json: baseline report not"),
        # Checked before the input is even read (x.xes does not exist): no report is written
        # and then followed by a crash.
        (
            ["--tables-out", "foo://bucket/x"],
            "flowgap: error: --tables-out: cannot write into foo://bucket/x: Unrecognized",
        ),
        (
            ["--tables-out", "a-file/x"],
            "flowgap: error: --tables-out: cannot write into a-file/x: ",
        ),
    ],
)
def test_bad_options_exit_2(tmp_path: Path, args: list[str], message: str) -> None:
    (tmp_path / "a-file").write_text("")
    done = flowgap("analyze", "x.xes", *args, cwd=tmp_path)
    assert done.returncode == 2
    assert done.stderr.startswith(message) and done.stderr.count("\n") == 1


@pytest.mark.realdata
def test_running_example(shared_data: Path, tmp_path: Path) -> None:
    done = flowgap(
        "analyze",
        shared_data / "running-example.xes",
        "-o",
        "out",
        "--format",
        "json,md,junit",
        "--as-of",
        "2011-02-01",
        "--fail-on",
        "handoffs.mean > 100",
        cwd=tmp_path,
    )
    assert done.returncode == 0, done.stderr
    report = json.loads((tmp_path / "out" / "report.json").read_text(encoding="utf-8"))
    (inp,) = report["inputs"]
    assert (inp["format"], inp["records_read"], inp["records_loaded"]) == ("xes", 42, 42)
    assert report["summary"]["items"]["total"] == 6
    assert report["as_of"] == "2011-02-01T00:00:00Z"
    assert report["thresholds"]["held"] == 1
    assert not (tmp_path / "out" / "report.html").exists()
    schema = json.loads((ROOT / "docs" / "report-schema.json").read_text(encoding="utf-8"))
    jsonschema.Draft202012Validator(schema).validate(report)
    assert "Loading inputs" not in done.stderr  # not a terminal: no progress bars


def run_with_tty_stderr(args: list[str], cwd: Path) -> tuple[int, str]:
    """Run flowgap with stderr attached to a pseudo-terminal; return (exit code, stderr)."""
    import os
    import pty

    leader, follower = pty.openpty()
    proc = subprocess.Popen(
        [sys.executable, "-m", "flowgap", *args],
        cwd=cwd,
        stdout=subprocess.DEVNULL,
        stderr=follower,
        env={**os.environ, "COLUMNS": "120", "TERM": "xterm"},
    )
    os.close(follower)
    chunks = []
    while True:
        try:
            data = os.read(leader, 65536)
        except OSError:  # EIO: the child closed the terminal
            break
        if not data:
            break
        chunks.append(data)
    os.close(leader)
    return proc.wait(timeout=300), b"".join(chunks).decode("utf-8", "replace")


def test_progress_bars_on_a_terminal(sample: Path) -> None:
    code, err = run_with_tty_stderr(
        [
            "analyze",
            "abc.jira.ndjson",
            "-c",
            "abc.jira.flowgap.toml",
            "-o",
            "tty",
            "--format",
            "json",
        ],
        sample,
    )
    assert code == 0
    assert "Loading inputs" in err and "Analysing" in err
    assert "flowgap: 60 items" in err


def test_version_option_alone() -> None:
    import subprocess
    import sys

    from flowgap import __version__

    run = subprocess.run(
        [sys.executable, "-m", "flowgap", "--version"], capture_output=True, text=True, timeout=60
    )
    assert run.returncode == 0, run.stderr
    assert run.stdout == f"flowgap {__version__}\n"


def test_a_class_mapping_with_no_work_status_is_warned_on_stderr_and_in_the_report(
    tmp_path: Path,
) -> None:
    rows = ["item,from,to,timestamp"]
    for i in range(3):
        day = 10 + i
        rows += [
            f"P-{i},,Queued,2026-01-{day}T09:00:00Z",
            f"P-{i},Queued,Accepted,2026-01-{day}T12:00:00Z",
            f"P-{i},Accepted,Completed,2026-01-{day + 3}T12:00:00Z",
        ]
    (tmp_path / "moves.csv").write_text("\n".join(rows) + "\n", encoding="utf-8")
    done = flowgap("analyze", "moves.csv", "-o", "out", "--format", "json", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    message = (
        "No status is classed active, so flow efficiency is 0 by construction. Look at"
        " 'Accepted' (wait, guessed, 3 visits, 9.0 d in flow windows), 'Queued' (wait,"
        " guessed, 3 visits, 0.4 d in flow windows): class the statuses where someone works"
        " as active (no status classed wait or backlog is named like work), in flowgap.toml:"
        ' [statuses.classes] "<status>" = "active"'
    )
    # the first warning after the summary line
    assert done.stderr.splitlines()[1] == f"flowgap: warning: {message}"
    report = json.loads((tmp_path / "out" / "report.json").read_text(encoding="utf-8"))
    assert report["warnings"][0] == {
        "kind": "no_active_status",
        "message": message,
        "item": None,
        "source": None,
    }


def test_the_quick_exit_keeps_exit_codes_output_and_cleanup(sample: Path, tmp_path: Path) -> None:
    """``flowgap`` ends with ``os._exit`` after its atexit functions (cli.run): the exit code,
    the last lines of output and the removal of its temporary folders all survive."""
    import os

    env = {**os.environ, "TMPDIR": str(tmp_path)}
    run = subprocess.run(
        [sys.executable, "-m", "flowgap", "analyze", "abc.jira.ndjson", "-c",
         "abc.jira.flowgap.toml", "-o", str(tmp_path / "out"), "--format", "json",
         "--fail-on", "lead_time.p85 > 1d"],
        cwd=sample, capture_output=True, text=True, timeout=300, env=env,
    )  # fmt: skip
    assert run.returncode == 1, run.stderr
    assert "1 failed" in run.stderr
    assert json.loads((tmp_path / "out" / "report.json").read_text())["thresholds"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]  # no spill folder left
