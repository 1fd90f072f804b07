"""The decisions layer reads the engine (and the mining layer) and is read by the report and
the dashboard, never the reverse."""

from __future__ import annotations

import ast
from pathlib import Path

SRC = Path(__file__).resolve().parents[2] / "src" / "flowgap"
LATER = ("report", "dashboard", "figures", "cli")


def imported(path: Path) -> set[str]:
    """The flowgap modules a file imports, as dotted names under ``flowgap``."""
    package = path.relative_to(SRC.parent).with_suffix("").parts[:-1]
    names = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom):
            base = list(package[: len(package) - node.level + 1]) if node.level else []
            module = ".".join([*base, *(node.module or "").split(".")]).strip(".")
            names.add(module)
            names.update(f"{module}.{a.name}" for a in node.names)
        elif isinstance(node, ast.Import):
            names.update(a.name for a in node.names)
    return {n for n in names if n.startswith("flowgap")}


def test_decisions_import_no_later_layer() -> None:
    for path in sorted((SRC / "decisions").glob("*.py")):
        later = {n for n in imported(path) if n.split(".")[1:2] and n.split(".")[1] in LATER}
        assert not later, f"{path.name} imports {sorted(later)}"


def test_engine_and_mining_import_no_decisions() -> None:
    for path in [*sorted((SRC / "engine").glob("*.py")), *sorted((SRC / "mining").glob("*.py"))]:
        bad = {n for n in imported(path) if n.startswith("flowgap.decisions")}
        assert not bad, f"{path.name} imports {sorted(bad)}"
