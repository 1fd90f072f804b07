"""Loaders: one module per input format, each ``load(path, config) -> LoadResult``.

``detect.detect_format(path)`` picks the format when the user does not; ``load_paths`` loads
every input (directories are expanded) and combines them.
"""

from __future__ import annotations

import importlib
import os
from collections.abc import Sequence
from pathlib import Path

from ..config import Config
from ..errors import InputError, UsageError
from ..model import Finding, InputSummary, LoadResult, Reject, empty_events, empty_items
from . import inflate

#: Format name -> module implementing ``load(path: Path, config: Config) -> LoadResult``.
LOADERS: dict[str, str] = {
    "jira-json": "flowgap.ingest.jira_json",
    "jira-statuses": "flowgap.ingest.jira_statuses",
    "jira-csv": "flowgap.ingest.jira_csv",
    "transition-csv": "flowgap.ingest.transition_csv",
    "csv": "flowgap.ingest.event_csv",
    "xes": "flowgap.ingest.xes",
    "parquet": "flowgap.ingest.parquet",
    "zip": "flowgap.ingest.archive",
}


def load_path(path: Path, config: Config, format: str | None = None) -> LoadResult:
    """Load one file, a Parquet dataset (a directory of canonical Parquet files), or every
    file of any other directory (each by its own detected format)."""
    from .detect import detect_format
    from .parquet import is_dataset

    if path.is_dir() and format in (None, "parquet") and is_dataset(path):
        format = "parquet"
    elif path.is_dir():
        return load_directory(path, config, format)
    if format is not None and format not in LOADERS:
        raise UsageError(f"unknown input format {format!r}; known: {', '.join(LOADERS)}")
    if not path.exists():
        raise InputError(path, "no such file or directory")
    if not path.is_file() and not path.is_dir():  # a named pipe waits for a writer forever
        raise InputError(path, "not a regular file (a pipe, socket or device): give a file")
    fmt = format or config.input.format or detect_format(path, config)
    if fmt not in LOADERS:
        raise UsageError(f"unknown input format {fmt!r}; known: {', '.join(LOADERS)}")
    module = importlib.import_module(LOADERS[fmt])
    with inflate.limits(config):  # every layer of this input (and of a directory's) shares it
        result = module.load(path, config)
    from .name_length import reject_long_names

    result = reject_long_names(result)
    result.warnings.extend(_date_order_warnings(path, result))
    return result


def _date_order_warnings(path: Path, result: LoadResult) -> list[Finding]:
    """Dates rejected because they only parse the other way round (13/04) mean the loaded
    ones (03/04) were probably read the wrong way round too: say so once per file."""
    from .csv_timestamps import DAY_FIRST_HINT, MONTH_FIRST_HINT

    out = []
    for hint, setting in ((DAY_FIRST_HINT, "true"), (MONTH_FIRST_HINT, "false")):
        n = sum(hint in r.reason for r in result.rejects)
        if n:
            order = "day" if setting == "true" else "month"
            out.append(
                Finding(
                    kind="date_order",
                    message=(
                        f"{path.name}: {n:,} date(s) parse only {order} first and were rejected;"
                        f" the dates that were loaded are probably read the wrong way round too:"
                        f" set dayfirst = {setting}"
                    ),
                    source=path.name,
                )
            )
    return out


def load_directory(path: Path, config: Config, format: str | None = None) -> LoadResult:
    """Every file below ``path``, in name order. A file that is not a readable export does not
    stop the others: it is one rejected record with the reason."""
    return LoadResult.combine(
        [load_or_reject(file, config, format) for file in directory_inputs(path)]
    )


def directory_inputs(path: Path) -> list[Path]:
    """The inputs of a directory, in name order: its files (an events Parquet file reads its
    items companion itself), and the links to nothing and the pipes, sockets and devices
    among them (each a rejected record)."""
    found = sorted(path.rglob("*"))
    files = [p for p in found if p.is_file()]
    dangling = [p for p in found if not p.is_file() and not p.is_dir()]
    names = {p.name for p in files}
    files = [
        p
        for p in files
        if not (
            p.name.endswith(".items.parquet")
            and p.name.removesuffix(".items.parquet") + ".parquet" in names
        )
    ]
    if not files and not dangling:
        raise InputError(path, "empty directory")
    return sorted([*dangling, *files])


def load_or_reject(path: Path, config: Config, format: str | None = None) -> LoadResult:
    """One input of a directory: loaded, or one rejected record saying why not."""
    if path.is_symlink() and not path.exists():
        return _unreadable(path, f"a link to {os.readlink(path)}, which does not exist")
    try:
        return load_path(path, config, format)
    except InputError as err:
        problem = f"{err.record}: {err.problem}" if err.record else err.problem
        return _unreadable(path, problem)


def _unreadable(path: Path, problem: str) -> LoadResult:
    return LoadResult(
        events=empty_events(),
        items=empty_items(),
        rejects=[Reject(str(path), f"not loaded: {problem}")],
        inputs=[InputSummary(str(path), "unknown", 1, 0, 1, record_unit="file")],
    )


def load_paths(
    paths: Sequence[str | Path], config: Config, format: str | None = None
) -> LoadResult:
    if not paths:
        raise UsageError("no input given")
    return combine_inputs([load_path(Path(p), config, format) for p in paths])


def combine_inputs(results: Sequence[LoadResult]) -> LoadResult:
    """The inputs of one analysis as one result; records with a time far from the rest of
    the data (a typo in the year) are rejected here (``time_span``)."""
    from ..time_span import reject_far_times

    return reject_far_times(LoadResult.combine(results))
