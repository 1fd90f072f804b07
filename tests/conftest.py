"""Shared fixtures: the public logs in ../shared/data, Chromium, sample logs."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from hypothesis import HealthCheck, settings

if TYPE_CHECKING:
    from playwright.sync_api import Browser

# Timing-based deadlines are flaky on a shared 2-core CI machine (a first pyarrow cast alone can
# take seconds); correctness, not speed, is what property tests check here.
settings.register_profile("flowgap", deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.load_profile("flowgap")

ROOT = Path(__file__).resolve().parents[1]
SHARED_DATA = ROOT.parent / "shared" / "data"
SAMPLE_LOGS = ROOT / "sample_logs"
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


# tryfirst: pytest-xdist reads the groups in its own pytest_collection_modifyitems, and its
# worker plugin is registered after this file, so it would run first and find none.
@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Under ``pytest -n N --dist loadgroup`` (``make test``): the tests of one file run on one
    worker, so that its module fixtures (a sample log analysed, a server, a browser page) are
    built once, and every test under tests/spark runs on the same worker, so that one Spark
    cluster and one Spark session serve them all."""
    tests = ROOT / "tests"
    for item in items:
        relative = Path(str(item.path)).resolve().relative_to(tests)
        group = "spark" if relative.parts[0] == "spark" else relative.as_posix()
        item.add_marker(pytest.mark.xdist_group(group))


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """The folder of public real logs; tests using it skip with a reason when it is absent."""
    if not SHARED_DATA.is_dir():
        pytest.skip(f"real logs not found: {SHARED_DATA} is absent (clone ../shared beside)")
    return SHARED_DATA


@pytest.fixture(scope="session")
def chromium_path() -> Path:
    if not CHROMIUM.exists() and not shutil.which("chromium"):
        pytest.skip("Debian's chromium is not installed (make test installs it as root)")
    return CHROMIUM if CHROMIUM.exists() else Path(shutil.which("chromium"))  # type: ignore[arg-type]


@pytest.fixture(scope="session")
def chromium_args() -> list[str]:
    """Flags for headless Chromium on a machine without a network or a GPU."""
    return list(CHROMIUM_ARGS)


@pytest.fixture(scope="session")
def browser(chromium_path: Path, chromium_args: list[str]) -> Iterator[Browser]:
    """One headless Chromium for the whole session: Playwright's sync API cannot run twice at
    once in a process, so every browser test shares this one."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        instance = pw.chromium.launch(executable_path=str(chromium_path), args=chromium_args)
        yield instance
        instance.close()


@pytest.fixture(scope="session")
def sample_logs() -> Path:
    return SAMPLE_LOGS
