"""The layout holds: data flows one way through the layers, no two modules import each other
(directly or round a longer cycle), and no module grows past about 600 lines.

Imports are read from the source (``ast``), including those inside functions (a lazy import
is still a dependency) and excluding those under ``if TYPE_CHECKING:`` (annotations only).
"""

from __future__ import annotations

import ast
from pathlib import Path

import networkx as nx

SRC = Path(__file__).resolve().parents[1] / "src"
PACKAGE = SRC / "flowgap"
#: The layers, upstream first: a module may import its own layer and those before it.
LAYERS = (
    (
        "base",
        ("errors", "units", "model", "progress", "scratch", "locations", "outputs", "redaction"),
    ),
    ("config", ("config",)),
    # time_span: the span an analysis can hold, enforced on load (rejects) and on as_of
    ("ingest", ("ingest", "pull", "sample", "time_span")),
    ("engine", ("engine",)),
    ("mining", ("mining",)),
    ("decisions", ("decisions",)),
    # tables: every table of an analysis by name, as the reports write them; inspection: the
    # report of `flowgap inspect` (it counts statuses with the engine's own rule)
    ("report", ("report", "figures", "tables", "inspection")),
    ("dashboard", ("dashboard",)),
    ("entry points", ("cli", "cli_group", "__init__", "__main__")),
)
MAX_LINES = 620


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(SRC).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _modules() -> dict[str, Path]:
    return {_module_name(p): p for p in sorted(PACKAGE.rglob("*.py"))}


def _is_type_checking(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _imports(name: str, path: Path, known: set[str]) -> set[str]:
    """The flowgap modules ``name`` imports (a package import names its ``__init__``)."""
    tree = ast.parse(path.read_text())
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found: set[str] = set()

    def resolve(target: str) -> None:
        # ``from .x import y``: y may be a module of x, or a name defined in x
        while target and target not in known:
            target = target.rpartition(".")[0]
        if target and target != name:
            found.add(target)

    def visit(node: ast.AST) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.If) and _is_type_checking(child):
                for other in child.orelse:
                    visit(other)
                continue
            if isinstance(child, ast.Import):
                for alias in child.names:
                    if alias.name.startswith("flowgap"):
                        resolve(alias.name)
            elif isinstance(child, ast.ImportFrom):
                if child.level:
                    base = package.split(".")
                    base = base[: len(base) - child.level + 1]
                    module = ".".join([*base, *([child.module] if child.module else [])])
                else:
                    module = child.module or ""
                if not module.startswith("flowgap"):
                    continue
                for alias in child.names:
                    resolve(f"{module}.{alias.name}")
            visit(child)

    visit(tree)
    return found


def _graph() -> nx.DiGraph:
    modules = _modules()
    graph = nx.DiGraph()
    graph.add_nodes_from(modules)
    for name, path in modules.items():
        for target in _imports(name, path, set(modules)):
            graph.add_edge(name, target)
    return graph


def _layer(module: str) -> int:
    parts = module.split(".")
    top = parts[1] if len(parts) > 1 else "__init__"
    for rank, (_, members) in enumerate(LAYERS):
        if top in members:
            return rank
    raise AssertionError(f"{module}: in no layer of tests/test_architecture.py LAYERS")


def test_every_module_is_in_a_layer() -> None:
    for module in _modules():
        _layer(module)


def test_data_flows_one_way() -> None:
    wrong = [
        f"{a} ({LAYERS[_layer(a)][0]}) imports {b} ({LAYERS[_layer(b)][0]})"
        for a, b in _graph().edges
        if _layer(b) > _layer(a) and b != "flowgap"
    ]
    assert wrong == [], "imports against the flow:\n" + "\n".join(sorted(wrong))


def test_no_import_cycles() -> None:
    graph = _graph()
    # A package's __init__ re-exporting its modules is not a cycle with them: what matters is
    # modules that need each other.
    graph.remove_edges_from(
        [(a, b) for a, b in graph.edges if b.startswith(a + ".") or a.startswith(b + ".")]
    )
    cycles = [c for c in nx.simple_cycles(graph, length_bound=6)]
    assert cycles == [], "import cycles:\n" + "\n".join(" -> ".join(c) for c in cycles[:20])


def test_the_checker_sees_imports() -> None:
    # A test that cannot fail is a defect: the graph must hold edges we know exist.
    graph = _graph()
    assert graph.has_edge("flowgap.engine.runner", "flowgap.engine.analysis") or graph.has_edge(
        "flowgap.engine.analysis", "flowgap.engine.runner"
    )
    assert graph.has_edge("flowgap.cli", "flowgap.config") or any(
        b.startswith("flowgap.config") for b in graph.successors("flowgap.cli")
    )


def test_no_module_over_about_600_lines() -> None:
    long = {
        name: n
        for name, path in _modules().items()
        if (n := len(path.read_text().splitlines())) > MAX_LINES
    }
    assert long == {}, f"modules over {MAX_LINES} lines (split them by feature): {long}"
