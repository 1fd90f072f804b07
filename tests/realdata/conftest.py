"""Session-wide loads of the public real logs, shared by every test that needs them.

Loading BPI Challenge 2012 (262,200 events) takes seconds; it is done once per session. Each
fixture skips with the reason of ``shared_data`` when ../shared/data is absent.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from flowgap.config import Config
from flowgap.ingest import xes
from flowgap.model import LoadResult


@pytest.fixture(scope="session")
def helpdesk_result(shared_data: Path) -> LoadResult:
    """helpdesk.xes.gz with the default Config (every event a status change)."""
    return xes.load(shared_data / "helpdesk.xes.gz", Config())


@pytest.fixture(scope="session")
def bpi_result(shared_data: Path) -> LoadResult:
    """BPI_Challenge_2012.xes.gz with the default Config (START/COMPLETE -> state changes)."""
    return xes.load(shared_data / "BPI_Challenge_2012.xes.gz", Config())


@pytest.fixture(scope="session")
def running_example_result(shared_data: Path) -> LoadResult:
    return xes.load(shared_data / "running-example.xes", Config())
