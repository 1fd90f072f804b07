"""docs/metrics.md documents every output table: each table of ``engine/schemas.py`` has one
section (a heading naming it in backticks) that names every column in backticks and says which
module computes the table and which test file checks it, and both files exist.

The summary's metrics are documented by the generated block of the same file, which
tests/report/test_report_docs.py keeps equal to the metric registry.
"""

from __future__ import annotations

import inspect
import re
from pathlib import Path

import pytest

from flowgap import mining
from flowgap.engine import analyze as engine
from flowgap.tables import TABLES

ROOT = Path(__file__).resolve().parents[1]
SRC = ROOT / "src" / "flowgap"
TEXT = (ROOT / "docs" / "metrics.md").read_text(encoding="utf-8")
#: "Computed in `engine/items.py`; tested in `tests/engine/test_items.py`".
WHERE = re.compile(r"Computed in `([^`]+)`; tested in `([^`]+)`")
#: Sections that define numbers without being a table of engine/schemas.py.
OTHER_SECTIONS = {
    "Summary": "engine/summary.py",
    "Findings": "engine/findings.py",
    "Working time": "engine/calendar.py",
}


def sections(text: str) -> list[tuple[str, str]]:
    """(heading, text up to the next heading of the same or a higher level), without the
    fenced code blocks (whose backticks would pair with the prose's)."""
    headings: list[tuple[int, int, str]] = []  # line, level, title
    lines = []
    fenced = False
    for line in text.splitlines():
        if line.startswith("```"):
            fenced = not fenced
        elif not fenced:
            lines.append(line)
    for number, line in enumerate(lines):
        if match := re.match(r"(#+) (.*)", line):
            headings.append((number, len(match.group(1)), match.group(2).strip()))
    out = []
    for i, (number, level, title) in enumerate(headings):
        end = next((n for n, lv, _ in headings[i + 1 :] if lv <= level), len(lines))
        out.append((title, "\n".join(lines[number + 1 : end])))
    return out


SECTIONS = sections(TEXT)


def section_of(name: str) -> str:
    """The one section whose heading names ``name`` in backticks."""
    found = [body for title, body in SECTIONS if f"`{name}`" in title]
    assert len(found) == 1, f"docs/metrics.md: {len(found)} headings name `{name}`, not one"
    return found[0]


def section_titled(title: str) -> str:
    (body,) = [body for heading, body in SECTIONS if heading == title]
    return body


def computed_in(table: str) -> str:
    """The module (path under src/flowgap) whose step makes ``table``."""
    (step,) = [s for s in [*engine.STEPS, *mining.STEPS] if s.name == table]
    module = inspect.getmodule(step.make)
    assert module is not None and module.__file__ is not None
    return Path(module.__file__).resolve().relative_to(SRC).as_posix()


def expected_tests(module: str) -> str:
    """Where the tests of ``module`` live: tests/<its package>/test_<its name>.py."""
    path = Path(module)
    folder = path.parent.as_posix() if path.parent.as_posix() != "." else path.stem
    return f"tests/{folder}/test_{path.stem}.py"


@pytest.mark.parametrize("table", sorted(TABLES))
def test_every_column_of_every_table_is_documented_in_its_section(table: str) -> None:
    documented = set(re.findall(r"`([^`]+)`", section_of(table)))
    missing = [name for name in TABLES[table].names if name not in documented]
    assert not missing, f"docs/metrics.md, section of `{table}`: columns missing {missing}"


@pytest.mark.parametrize("table", sorted(TABLES))
def test_every_table_section_names_its_module_and_test_file(table: str) -> None:
    module = computed_in(table)
    places = dict(WHERE.findall(section_of(table)))
    assert module in places, f"section of `{table}`: say 'Computed in `{module}`; tested in ...'"
    assert places[module] == expected_tests(module)


@pytest.mark.parametrize("title", sorted(OTHER_SECTIONS))
def test_the_other_metric_sections_name_their_module(title: str) -> None:
    module = OTHER_SECTIONS[title]
    places = dict(WHERE.findall(section_titled(title)))
    assert places.get(module) == expected_tests(module), title


def test_every_module_and_test_file_named_exists() -> None:
    places = WHERE.findall(TEXT)
    assert places
    for module, tests in places:
        assert (SRC / module).is_file(), f"docs/metrics.md names a missing module {module}"
        assert (ROOT / tests).is_file(), f"docs/metrics.md names a missing test file {tests}"
        assert tests == expected_tests(module), (module, tests)
