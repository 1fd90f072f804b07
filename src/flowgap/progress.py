"""The one progress display of every long command (``analyze``, ``pull``): rich bars on stderr,
shown only when stderr is a terminal and not ``--quiet``, so CI logs stay clean.

``with Steps(enabled(quiet)) as steps:`` then ``with steps.task("Loading", total=3) as task:``
and ``task()`` (one step) or ``task.advance(n)``; ``task.set_total(n)`` once the total is
known. Everything is a no-op when the display is off.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any


def enabled(quiet: bool) -> bool:
    return not quiet and sys.stderr.isatty()


class Task:
    """One bar; a no-op without a display."""

    def __init__(self, progress: Any = None, task_id: Any = None) -> None:
        self._progress = progress
        self._id = task_id

    def __call__(self) -> None:
        self.advance(1)

    def advance(self, n: int) -> None:
        if self._progress is not None:
            self._progress.advance(self._id, n)

    def set_total(self, total: int) -> None:
        if self._progress is not None:
            self._progress.update(self._id, total=total)


class Steps:
    """The display: a context that shows the bars of its tasks while it is open."""

    def __init__(self, show: bool) -> None:
        self.progress: Any = None
        if show:
            # rich only when it shows something: a CI run (no terminal, --quiet) skips its import.
            from rich.console import Console
            from rich.progress import (
                BarColumn,
                MofNCompleteColumn,
                Progress,
                SpinnerColumn,
                TextColumn,
                TimeElapsedColumn,
            )

            self.progress = Progress(
                SpinnerColumn(),
                TextColumn("{task.description}"),
                BarColumn(),
                MofNCompleteColumn(),
                TimeElapsedColumn(),
                console=Console(stderr=True),
                transient=True,
            )

    def __enter__(self) -> Steps:
        if self.progress is not None:
            self.progress.start()
        return self

    def __exit__(self, *exc: object) -> None:
        if self.progress is not None:
            self.progress.stop()

    @contextmanager
    def task(
        self, description: str, total: int | None = None, completed: int = 0
    ) -> Iterator[Task]:
        if self.progress is None:
            yield Task()
            return
        # total=None gives rich's pulsing bar for work that cannot count its steps.
        progress = self.progress
        task_id = progress.add_task(description, total=total, completed=completed)
        yield Task(progress, task_id)
        done = progress.tasks[task_id].total or 1
        progress.update(task_id, completed=done, total=done)
