"""Loaders: one module per input format, each ``load(path, config) -> LoadResult``.

``detect.detect_format(path)`` picks the format when the user does not; ``load_paths`` loads
every input (directories are expanded) and combines them.
"""

from __future__ import annotations

import importlib
from collections.abc import Sequence
from pathlib import Path

from ..config import Config
from ..errors import InputError, UsageError
from ..model import LoadResult

#: Format name -> module implementing ``load(path: Path, config: Config) -> LoadResult``.
LOADERS: dict[str, str] = {
    "jira-json": "flowgap.ingest.jira_json",
    "jira-csv": "flowgap.ingest.jira_csv",
    "transition-csv": "flowgap.ingest.transition_csv",
    "csv": "flowgap.ingest.event_csv",
    "xes": "flowgap.ingest.xes",
    "parquet": "flowgap.ingest.parquet",
    "zip": "flowgap.ingest.archive",
}


def load_path(path: Path, config: Config, format: str | None = None) -> LoadResult:
    """Load one file (or a directory of Jira JSON pages / mixed exports)."""
    from .detect import detect_format

    fmt = format or config.input.format or detect_format(path, config)
    if fmt not in LOADERS:
        raise UsageError(f"unknown input format {fmt!r}; known: {', '.join(LOADERS)}")
    if not path.exists():
        raise InputError(path, "no such file or directory")
    module = importlib.import_module(LOADERS[fmt])
    return module.load(path, config)


def load_paths(
    paths: Sequence[str | Path], config: Config, format: str | None = None
) -> LoadResult:
    if not paths:
        raise UsageError("no input given")
    results = [load_path(Path(p), config, format) for p in paths]
    return LoadResult.combine(results)
