"""The layers hold: domain ← store ← operations ← cli / (host ← screens ← app), with no
import circles. Screens reach the app through the `host` interface; the app module itself is
only the wiring on top (it builds the screens), and the command line opens it lazily.

Read from the source (every `import` and `from … import`, at module level or inside a
function, type-checking imports included), so a lazy import cannot hide a circle."""

from __future__ import annotations

import ast
from collections import defaultdict
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent / "src" / "pipeline_tui"

# Lower layers never import higher ones. A module's layer is the first rule that names it.
LAYERS = [
    ("domain", ("models", "errors", "limits", "text", "display", "dates", "money", "rules", "config",
                "paths", "migrations", "report", "files", "csv_cells", "__init__")),
    ("store", ("store",)),
    ("operations", ("operations", "serialize", "importer", "csv_io", "ics", "demo", "review", "trend",
                    "report_render")),
    ("cli", ("cli",)),
    ("ui", ("host", "keygate", "styles")),
    ("screens", ("screens", "modals", "widgets")),
    ("app", ("app", "__main__")),
]  # fmt: skip
MODULES = {p.stem for p in PACKAGE.iterdir() if p.suffix == ".py" or (p / "__init__.py").exists()}
ORDER = {name: rank for rank, (name, _) in enumerate(LAYERS)}
ALLOWED_UP = {("cli", "app")}  # the command line opens the board (lazily, to stay fast)
FORBIDDEN = {("ui", "cli"), ("screens", "cli")}  # the board never reaches into the command line


def module_name(path: Path) -> str:
    rel = path.relative_to(PACKAGE).with_suffix("")
    parts = [p for p in rel.parts if p != "__init__"] or ["__init__"]
    return ".".join(parts)


def layer(name: str) -> str:
    top = name.split(".")[0]
    for layer_name, tops in LAYERS:
        if top in tops:
            return layer_name
    raise AssertionError(f"pipeline_tui.{name} is in no layer: add it to LAYERS")


def imports() -> dict[str, set[str]]:
    graph: dict[str, set[str]] = defaultdict(set)
    for path in PACKAGE.rglob("*.py"):
        name = module_name(path)
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            targets: list[str] = []
            if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("pipeline_tui"):
                base = node.module.removeprefix("pipeline_tui").lstrip(".")
                # `from pipeline_tui import x`: x is a module, or a name from the package root.
                targets = (
                    [base] if base else [a.name if a.name in MODULES else "__init__" for a in node.names]
                )
            elif isinstance(node, ast.Import):
                targets = [
                    a.name.removeprefix("pipeline_tui.")
                    for a in node.names
                    if a.name.startswith("pipeline_tui.")
                ]
            for target in targets:
                if target and target != name:
                    graph[name].add(target)
    return graph


def test_no_module_imports_a_higher_layer() -> None:
    wrong = []
    for source, targets in imports().items():
        for target in targets:
            a, b = layer(source), layer(target)
            if (ORDER[b] > ORDER[a] and (a, b) not in ALLOWED_UP) or (a, b) in FORBIDDEN:
                wrong.append(f"{source} ({a}) imports {target} ({b})")
    assert not wrong, "\n".join(sorted(wrong))


def test_there_are_no_import_circles() -> None:
    graph = imports()
    # Resolve package imports ("store") to the package's __init__ module name.
    names = set(graph) | {t for ts in graph.values() for t in ts}
    circles: list[list[str]] = []
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(node: str) -> None:
        state[node] = 1
        stack.append(node)
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == 1:
                circles.append(stack[stack.index(nxt) :] + [nxt])
            elif nxt not in state:
                visit(nxt)
        stack.pop()
        state[node] = 2

    for node in sorted(names):
        if node not in state:
            visit(node)
    # A package importing its own modules (store -> store.codec) is not a circle of layers.
    real = [c for c in circles if len({n.split(".")[0] for n in c}) > 1 or c[0].count(".") != 0]
    assert not real, "\n".join(" -> ".join(c) for c in real)


def test_the_rules_see_every_module() -> None:
    for path in PACKAGE.rglob("*.py"):
        layer(module_name(path))
