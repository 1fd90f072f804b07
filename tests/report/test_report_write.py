"""Writing the reports: all formats land, and a failure leaves no partial report behind."""

from __future__ import annotations

from pathlib import Path

import pytest
from analysis_factory import make_analysis

from flowgap.errors import UsageError
from flowgap.report import html, json_report, run


def test_all_formats_written_and_old_csv_replaced(tmp_path: Path) -> None:
    out = tmp_path / "flowgap-report"
    (out / "csv").mkdir(parents=True)
    (out / "csv" / "stale.csv").write_text("old")
    a = make_analysis()
    report = json_report.build_report(a)
    written = run.write_reports(a, report, out, list(run.FORMATS))
    assert sorted(p.name for p in written) == [
        "csv",
        "junit.xml",
        "report.html",
        "report.json",
        "report.md",
    ]
    assert not (out / "csv" / "stale.csv").exists()
    assert (out / "csv" / "items.csv").is_file()
    assert [p.name for p in tmp_path.iterdir()] == ["flowgap-report"]  # no temp dir left


def test_reports_of_formats_not_asked_for_are_removed(tmp_path: Path) -> None:
    out = tmp_path / "flowgap-report"
    a = make_analysis()
    report = json_report.build_report(a)
    run.write_reports(a, report, out, list(run.FORMATS))
    (out / "notes.txt").write_text("mine")
    run.write_reports(a, report, out, ["json", "junit"])
    assert sorted(p.name for p in out.iterdir()) == ["junit.xml", "notes.txt", "report.json"]
    assert [p.name for p in tmp_path.iterdir()] == ["flowgap-report"]


def test_a_failing_writer_leaves_no_report(tmp_path: Path, monkeypatch) -> None:
    out = tmp_path / "out"

    def boom(*args: object) -> str:
        raise RuntimeError("disk full")

    monkeypatch.setattr(html, "render", boom)
    a = make_analysis()
    with pytest.raises(RuntimeError):
        run.write_reports(a, json_report.build_report(a), out, list(run.FORMATS))
    assert not out.exists()
    assert list(tmp_path.iterdir()) == []


def test_summary_line() -> None:
    report = json_report.build_report(make_analysis())
    assert run.summary_line(report, Path("flowgap-report")) == (
        "flowgap: 4 items, flow efficiency 50.0% median / 33.3% pooled, "
        "lead time p85 31.7 d -> flowgap-report/"
    )


def test_rejects_and_warnings_are_repeated_for_the_ci_log() -> None:
    report = json_report.build_report(make_analysis())
    report["inputs"] = (
        [dict(report["inputs"][0], records_read=1228)]
        if report["inputs"]
        else [{"records_read": 1228}]
    )
    report["rejects"] = 819
    assert run.notice_lines(report) == [
        "flowgap: warning: 819 of 1,228 input records rejected (67%); `flowgap inspect` lists"
        " them with their reasons",
        "flowgap: warning: ABC-3: changelog truncated (20 of 25)",
    ]
    report["warnings"] = report["warnings"] * 5
    report["warnings_total"] = 7
    assert run.notice_lines(report)[-1] == "flowgap: 4 more warnings in report.json"
    report["rejects"], report["warnings"], report["warnings_total"] = 0, [], 0
    assert run.notice_lines(report) == []


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (
            lambda: run.parse_formats("json,pdf"),
            "--format: unknown format 'pdf'; choose from json,md,html,csv,junit",
        ),
        (
            lambda: run.parse_as_of("next tuesday"),
            "--as-of: 'next tuesday' is not a date (expected YYYY-MM-DD or an ISO 8601 date-time)",
        ),
    ],
)
def test_usage_errors(call, message: str) -> None:
    with pytest.raises(UsageError) as err:
        call()
    assert str(err.value) == message


def test_as_of_forms() -> None:
    assert run.parse_as_of("2026-11-01").isoformat() == "2026-11-01T00:00:00+00:00"
    assert run.parse_as_of("2026-11-01T12:00:00+02:00").isoformat() == ("2026-11-01T10:00:00+00:00")
    assert run.parse_as_of("2026-11-01T12:00:00").isoformat() == "2026-11-01T12:00:00+00:00"


class _Terminal:
    def isatty(self) -> bool:
        return True


def test_progress_is_on_for_a_terminal_unless_quiet(monkeypatch) -> None:
    from flowgap import progress

    monkeypatch.setattr("sys.stderr", _Terminal())
    assert progress.enabled(quiet=False) is True
    assert progress.enabled(quiet=True) is False


def test_out_must_be_a_directory(tmp_path: Path) -> None:
    out = tmp_path / "report.txt"
    out.write_text("not a directory")
    a = make_analysis()
    with pytest.raises(UsageError) as err:
        run.write_reports(a, json_report.build_report(a), out, ["json"])
    assert str(err.value) == f"--out: {out} exists and is not a directory"
    assert out.read_text() == "not a directory"
