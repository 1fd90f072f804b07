"""Progress on stderr with rich: shown only when stderr is a terminal and not ``--quiet``, so
CI logs stay clean."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any


def enabled(quiet: bool) -> bool:
    return not quiet and sys.stderr.isatty()


class Steps:
    """``with steps.task("Loading", total=3) as advance: ... advance()``; no-op when off."""

    def __init__(self, show: bool) -> None:
        self.progress: Any = None
        if show:
            # rich only when it shows something: a CI run (no terminal, --quiet) skips its import.
            from rich.console import Console
            from rich.progress import (
                BarColumn,
                Progress,
                SpinnerColumn,
                TextColumn,
                TimeElapsedColumn,
            )

            self.progress = Progress(
                SpinnerColumn(),
                TextColumn("{task.description}"),
                BarColumn(),
                TextColumn("{task.completed}/{task.total}"),
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
    def task(self, description: str, total: int | None = None) -> Iterator[Callable[[], None]]:
        if self.progress is None:
            yield lambda: None
            return
        # total=None gives rich's pulsing bar for work that cannot count its steps.
        task_id = self.progress.add_task(description, total=total)
        progress = self.progress
        yield lambda: progress.advance(task_id)
        progress.update(task_id, completed=total or 1, total=total or 1)
