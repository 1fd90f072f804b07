"""The one progress display: off (and rich not even imported) without a terminal or with
--quiet; on a terminal, bars on stderr."""

from __future__ import annotations

import io
import subprocess
import sys

from flowgap import progress


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_on_only_for_a_terminal_and_not_quiet(monkeypatch) -> None:
    monkeypatch.setattr("sys.stderr", _Terminal())
    assert progress.enabled(quiet=False) is True
    assert progress.enabled(quiet=True) is False
    monkeypatch.setattr("sys.stderr", io.StringIO())
    assert progress.enabled(quiet=False) is False


def test_off_does_nothing_and_never_imports_rich() -> None:
    code = (
        "import sys\n"
        "from flowgap.progress import Steps, enabled\n"
        "with Steps(enabled(False)) as steps, steps.task('x', total=3) as task:\n"
        "    task(); task.advance(2); task.set_total(5)\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] == 'rich'))\n"
    )
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert run.returncode == 0, run.stderr
    assert run.stdout.strip() == "[]"
    assert run.stderr == ""


def test_on_a_terminal_the_bar_counts_on_stderr(monkeypatch) -> None:
    err = _Terminal()
    monkeypatch.setattr("sys.stderr", err)
    with progress.Steps(progress.enabled(quiet=False)) as steps:
        with steps.task("pulling issues", total=None, completed=2) as task:
            task.set_total(10)
            task.advance(2)
            assert steps.progress.tasks[0].completed == 4
        assert steps.progress.tasks[0].completed == 10  # a finished task shows as complete
    assert "pulling issues" in err.getvalue()
