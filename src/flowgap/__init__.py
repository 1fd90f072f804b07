"""flowgap: how work flows, from ticket history.

The public API::

    import flowgap
    result = flowgap.load(["export.jira.ndjson.gz"], config)   # -> LoadResult
    analysis = flowgap.analyze(result, config)                  # -> Analysis
    frame = flowgap.to_pm4py(analysis)                          # -> pandas.DataFrame for pm4py
"""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version
from typing import TYPE_CHECKING

from .model import LoadResult

if TYPE_CHECKING:
    from collections.abc import Sequence
    from pathlib import Path

    import pandas as pd

    from .config import Config
    from .engine.analysis import Analysis

try:
    __version__ = version("flowgap")
except PackageNotFoundError:  # running from a source tree without install
    __version__ = "0.0.0"

__all__ = ["Config", "LoadResult", "__version__", "analyze", "load", "to_pm4py"]


def __getattr__(name: str) -> object:
    """``flowgap.Config`` on first use: the configuration brings pydantic (about 0.15 s), which
    ``flowgap --help``, ``--version`` and a plain ``import flowgap`` do not need."""
    if name == "Config":
        from .config import Config

        return Config
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def load(
    paths: Sequence[str | Path] | str | Path,
    config: Config | None = None,
    *,
    format: str | None = None,
) -> LoadResult:
    """Load one or more inputs (files or directories) into the canonical tables."""
    from .config import Config
    from .ingest import load_paths

    if isinstance(paths, (str, bytes)) or hasattr(paths, "__fspath__"):
        paths = [paths]  # type: ignore[list-item]
    return load_paths(list(paths), config or Config(), format=format)


def analyze(
    result: LoadResult,
    config: Config | None = None,
    *,
    engine: str = "duckdb",
) -> Analysis:
    """Compute every flow table, the process maps and the findings for a loaded log.

    The engine computes the per-item rows once; every other table is computed on first read.
    ``analysis.select(items)`` is the same analysis over fewer items (a dashboard filter)."""
    from .config import Config
    from .engine.analyze import analyze as run_engine
    from .mining import STEPS as MINING_STEPS
    from .mining import preload

    # pm4py and networkx import in the background while the engine works (DuckDB does not
    # hold the GIL): the process maps need them only after the engine's per-item rows.
    preload()
    return run_engine(result, config or Config(), engine=engine, extra_steps=MINING_STEPS)


def to_pm4py(analysis: Analysis) -> pd.DataFrame:
    """The analysis' status segments as a pm4py event frame (start and complete events per
    segment, ``org:group`` = team, ``org:resource`` = assignee), ready for pm4py's functions
    and ``pm4py.write_xes``."""
    from .mining.event_log import to_pm4py as segments_frame

    return segments_frame(analysis)
