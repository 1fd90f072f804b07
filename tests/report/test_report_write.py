"""Writing the reports: all formats land, and a failure leaves no partial report behind."""

from __future__ import annotations

import errno
import os
import shutil
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
    # A share under 10% keeps one decimal (the findings' rule): not "1 of 307 ... (0%)".
    report["inputs"], report["rejects"] = [dict(report["inputs"][0], records_read=307)], 1
    assert run.notice_lines(report)[0].startswith(
        "flowgap: warning: 1 of 307 input records rejected (0.3%);"
    )
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


def test_a_folder_in_the_place_of_a_report_is_an_error_and_kept(tmp_path: Path) -> None:
    out = tmp_path / "out"
    (out / "report.json").mkdir(parents=True)
    (out / "report.json" / "mine.txt").write_text("keep me")
    a = make_analysis()
    with pytest.raises(UsageError) as err:
        run.write_reports(a, json_report.build_report(a), out, ["json", "md"])
    assert str(err.value) == (
        f"--out: {out}/report.json is a folder where the report report.json goes: move it "
        "away (flowgap does not delete it)"
    )
    assert (out / "report.json" / "mine.txt").read_text() == "keep me"
    assert sorted(p.name for p in out.iterdir()) == ["report.json"]
    assert [p.name for p in tmp_path.iterdir()] == ["out"]


def test_the_new_set_replaces_the_old_as_a_whole_keeping_the_users_files(tmp_path: Path) -> None:
    out = tmp_path / "out"
    a = make_analysis()
    report = json_report.build_report(a)
    run.write_reports(a, report, out, list(run.FORMATS))
    out.chmod(0o751)
    (out / "notes.txt").write_text("mine")
    (out / "own").mkdir()
    (out / "own" / "deep.txt").write_text("mine too")
    (out / "link").symlink_to("notes.txt")
    inode = (out / "notes.txt").stat().st_ino
    old_dir_inode = out.stat().st_ino
    run.write_reports(a, report, out, ["json"])
    assert sorted(p.name for p in out.iterdir()) == ["link", "notes.txt", "own", "report.json"]
    assert out.stat().st_ino != old_dir_inode  # a new folder took the place of the old one
    assert (out / "notes.txt").stat().st_ino == inode  # the same file, not a copy
    assert (out / "own" / "deep.txt").read_text() == "mine too"
    assert (out / "link").readlink() == Path("notes.txt")
    assert out.stat().st_mode & 0o777 == 0o751
    assert [p.name for p in tmp_path.iterdir()] == ["out"]


KILLED = """
import os, sys
sys.path.insert(0, sys.argv[2])
from analysis_factory import make_analysis
from flowgap.report import json_report, run, switch
real = switch.exchange
def killed(new, out):
    if sys.argv[3] == "after":
        real(new, out)
    os._exit(9)
switch.exchange = killed
a = make_analysis()
report = json_report.build_report(a)
report["summary"]["marker"] = "new"
run.write_reports(a, report, sys.argv[1], ["json", "md", "csv"])
"""


@pytest.mark.parametrize("when", ["before", "after"])
def test_a_run_killed_while_switching_leaves_one_whole_set_and_is_cleaned_next(
    tmp_path: Path, when: str
) -> None:
    import subprocess
    import sys

    out = tmp_path / "out"
    a = make_analysis()
    report = json_report.build_report(a)
    run.write_reports(a, report, out, ["json", "md", "csv"])
    old = {p.relative_to(out): p.read_bytes() for p in out.rglob("*") if p.is_file()}
    factory = str(Path(__file__).parent)
    done = subprocess.run(
        [sys.executable, "-c", KILLED, str(out), factory, when], capture_output=True, timeout=120
    )
    assert done.returncode == 9, done.stderr
    now = {p.relative_to(out): p.read_bytes() for p in out.rglob("*") if p.is_file()}
    assert now.keys() == old.keys()
    if when == "before":
        assert now == old
    else:
        assert b'"marker": "new"' in now[Path("report.json")]
        assert all(now[k] == old[k] for k in now if k != Path("report.json") and k.suffix != ".md")
    left = [p.name for p in tmp_path.iterdir() if p.name != "out"]
    assert len(left) == 1 and left[0].startswith(".out-")
    run.write_reports(a, report, out, ["json"])
    assert [p.name for p in tmp_path.iterdir()] == ["out"]  # the next run cleaned it


def test_the_current_folder_is_not_a_report_folder(tmp_path: Path, monkeypatch) -> None:
    (tmp_path / "sub").mkdir()
    monkeypatch.chdir(tmp_path / "sub")
    a = make_analysis()
    for out in (Path("."), tmp_path):
        with pytest.raises(UsageError) as err:
            run.write_reports(a, json_report.build_report(a), out, ["json"])
        assert str(err.value) == (
            f"--out: {os.path.abspath(out)} is the current folder or holds it; give the reports "
            "a folder of their own (the default is flowgap-report)"
        )
    assert sorted(p.name for p in tmp_path.iterdir()) == ["sub"]
    assert list((tmp_path / "sub").iterdir()) == []


def _parent_refuses(monkeypatch, out: Path) -> None:
    """Making a folder beside ``out`` fails as in a parent this process may not write (what
    chmod cannot make root feel)."""
    from flowgap import scratch

    real = scratch.make

    def make(parent, prefix, **kw):
        if Path(parent) == out.parent:
            raise PermissionError(errno.EACCES, os.strerror(errno.EACCES), str(parent))
        return real(parent, prefix, **kw)

    monkeypatch.setattr(scratch, "make", make)


def test_a_folder_whose_parent_may_not_be_written_gets_its_reports_one_by_one(
    tmp_path: Path, monkeypatch
) -> None:
    out = tmp_path / "out"
    a = make_analysis()
    report = json_report.build_report(a)
    run.write_reports(a, report, out, ["json", "md", "csv", "junit"])
    (out / "mine.txt").write_text("the user's")
    _parent_refuses(monkeypatch, out)
    report["summary"]["marker"] = "new"
    written = run.write_reports(a, report, out, ["json", "md", "csv"])
    assert [p.name for p in written] == ["csv", "report.md", "report.json"]
    assert '"marker": "new"' in (out / "report.json").read_text()
    assert sorted(p.name for p in out.iterdir()) == ["csv", "mine.txt", "report.json", "report.md"]
    assert (out / "csv" / "items.csv").is_file()
    assert [p.name for p in tmp_path.iterdir()] == ["out"]  # nothing written beside it

    def boom(*args: object) -> str:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(json_report, "dumps", boom)
    before = {p.relative_to(out): p.read_bytes() for p in out.rglob("*") if p.is_file()}
    with pytest.raises(UsageError, match="No space left"):
        run.write_reports(a, report, out, ["json", "md", "csv"])
    after = {p.relative_to(out): p.read_bytes() for p in out.rglob("*") if p.is_file()}
    assert after == before  # nothing half-written, no scratch folder left inside


def test_a_missing_folder_in_a_parent_that_may_not_be_written_is_an_error(
    tmp_path: Path, monkeypatch
) -> None:
    out = tmp_path / "out"
    _parent_refuses(monkeypatch, out)
    a = make_analysis()
    with pytest.raises(UsageError, match=f"--out: cannot write into {tmp_path}: Permission"):
        run.write_reports(a, json_report.build_report(a), out, ["json"])
    assert list(tmp_path.iterdir()) == []


AS_NOBODY = """
import os, sys
from pathlib import Path
sys.path.insert(0, sys.argv[2])
from analysis_factory import make_analysis
from flowgap.report import csv_export, json_report, markdown, run, switch
a = make_analysis()
report = json_report.build_report(a)
# A first write, still as this user, imports every module the writing imports on first use:
# the user nobody may not read the source tree (a checkout under a private folder).
import shutil, tempfile
rehearsal = Path(tempfile.mkdtemp())
run.write_reports(a, report, rehearsal / "out", ["json", "md", "csv"])
shutil.rmtree(rehearsal)
if os.geteuid() == 0:  # root writes anywhere: the check needs a user the mode bits bind
    os.setgid(65534)
    os.setuid(65534)
out = Path(sys.argv[1])
assert not os.access(out.parent, os.W_OK) and os.access(out, os.W_OK)
run.write_reports(a, report, out, ["json", "md", "csv"])
print(sorted(p.name for p in out.iterdir()), sorted(os.listdir(out.parent)))
"""


def test_a_read_only_parent_for_real() -> None:
    """The parent's mode bits, not a simulation: as root, the writing process drops to the
    user nobody first."""
    import subprocess
    import sys
    import tempfile

    top = Path(tempfile.mkdtemp())  # not tmp_path: its parents are closed to other users
    try:
        out = top / "parent" / "out"
        out.mkdir(parents=True)
        top.chmod(0o755)
        if os.geteuid() == 0:
            os.chown(out, 65534, 65534)
        out.parent.chmod(0o555)
        factory = str(Path(__file__).parent)
        done = subprocess.run(
            [sys.executable, "-c", AS_NOBODY, str(out), factory],
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert done.returncode == 0, done.stderr
        assert done.stdout == "['csv', 'report.json', 'report.md'] ['out']\n"
    finally:
        (top / "parent").chmod(0o755)
        shutil.rmtree(top)
