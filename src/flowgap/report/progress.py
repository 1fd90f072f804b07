"""Moved to :mod:`flowgap.progress`, the one progress display of every command; kept so that
``report.run`` imports keep working until they point there."""

from __future__ import annotations

from ..progress import Steps, Task, enabled

__all__ = ["Steps", "Task", "enabled"]
