"""The layers hold: domain ← store ← operations ← cli / (ui ← flows ← screens ← app), with no
import circles. Screens reach the app through the `host` interface; the app module itself is
only the wiring on top (it builds the screens), and the command line opens it lazily.

Read from the source (every `import` and `from … import`, at module level or inside a
function, type-checking imports included), so a lazy import cannot hide a circle. The graph
has one node per module: `from pipeline_tui.pkg import name` imports the module `pkg.name`
when there is one (`pkg/name.py` or `pkg/name/__init__.py`), else a name from `pkg`."""

from __future__ import annotations

import ast
import textwrap
from collections.abc import Callable
from itertools import pairwise
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent / "src" / "pipeline_tui"
ROOT = "__init__"  # the graph's name for the package's own __init__.py

# Lower layers never import higher ones. A module's layer is the first rule that names it.
LAYERS = [
    ("domain", ("models", "errors", "limits", "text", "memo", "display", "dates", "money", "rules", "config",
                "paths", "migrations", "report", "files", "csv_cells", "xlsx", "transitions", "search",
                "slips", "changes", "velocity", "stopping",
                "__init__")),
    ("store", ("store",)),
    ("operations", ("operations", "serialize", "importer", "csv_io", "ics", "demo", "review", "trend",
                    "report_render", "agenda")),
    ("cli", ("cli",)),
    ("ui", ("paste", "keygate", "styles", "modals", "widgets")),  # parts a screen is made of; forms
    ("flows", ("flows", "actions", "host")),  # what happens between a key and a saved change
    ("screens", ("screens",)),
    ("app", ("app", "app_support", "launch", "__main__")),
]  # fmt: skip
ORDER = {name: rank for rank, (name, _) in enumerate(LAYERS)}
ALLOWED_UP = {("cli", "app")}  # the command line opens the board (lazily, to stay fast)
FORBIDDEN = {
    ("ui", "cli"),
    ("flows", "cli"),
    ("screens", "cli"),
}  # the board never reaches into the command line


def module_name(path: Path, package: Path = PACKAGE) -> str:
    """`importer/formats/own.py` -> "importer.formats.own"; a package is its __init__."""
    rel = path.relative_to(package).with_suffix("")
    return ".".join(p for p in rel.parts if p != "__init__") or ROOT


def is_module(name: str, package: Path) -> bool:
    """Whether "a.b" is a module of the package: a/b.py or a/b/__init__.py."""
    path = package.joinpath(*name.split("."))
    return path.with_suffix(".py").is_file() or (path / "__init__.py").is_file()


def from_base(node: ast.ImportFrom, path: Path, package: Path) -> str | None:
    """The module a `from X import …` in `path` reads from ("" for the package root), or
    None when X is outside the package."""
    if node.level == 0:
        module = node.module or ""
        if module != package.name and not module.startswith(package.name + "."):
            return None
        return module.removeprefix(package.name).lstrip(".")
    # Relative: level 1 is the package the file is in, each further dot one package up.
    here = list(path.parent.relative_to(package).parts)
    if node.level - 1 > len(here):
        raise AssertionError(f"{path}: a relative import reaches above {package.name}")
    parts = here[: len(here) - (node.level - 1)] + (node.module.split(".") if node.module else [])
    return ".".join(parts)


def targets(node: ast.AST, path: Path, package: Path) -> list[str]:
    """The package's modules one import statement imports, as graph names."""
    top = package.name
    if isinstance(node, ast.Import):
        return [
            a.name.removeprefix(top + ".") if a.name != top else ROOT
            for a in node.names
            if a.name == top or a.name.startswith(top + ".")
        ]
    if not isinstance(node, ast.ImportFrom):
        return []
    base = from_base(node, path, package)
    if base is None:
        return []
    found = []
    for alias in node.names:
        sub = f"{base}.{alias.name}" if base else alias.name
        # `from pkg import name`: the module pkg.name if there is one, else a name from pkg.
        found.append(sub if alias.name != "*" and is_module(sub, package) else base or ROOT)
    return found


def imports(package: Path = PACKAGE) -> dict[str, set[str]]:
    """Every module of the package -> the package's modules it imports, anywhere in it."""
    graph: dict[str, set[str]] = {}
    for path in sorted(package.rglob("*.py")):
        name = module_name(path, package)
        imported = graph.setdefault(name, set())
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            imported.update(t for t in targets(node, path, package) if t != name)
    return graph


def components(graph: dict[str, set[str]]) -> list[set[str]]:
    """The strongly connected components with more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found: list[set[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        for nxt in sorted(graph.get(node, ())):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            component = set()
            while True:
                member = stack.pop()
                component.add(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(component)

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def path_within(graph: dict[str, set[str]], start: str, goal: str, nodes: set[str]) -> list[str]:
    """A shortest import path from start to goal through `nodes` only."""
    came: dict[str, str] = {start: start}
    queue = [start]
    for node in queue:
        if node == goal:
            break
        for nxt in sorted(graph.get(node, set()) & nodes):
            if nxt not in came:
                came[nxt] = node
                queue.append(nxt)
    path = [goal]
    while path[-1] != start:
        path.append(came[path[-1]])
    return path[::-1]


def circles(
    graph: dict[str, set[str]], excuse: Callable[[str, str], bool] = lambda source, target: False
) -> list[list[str]]:
    """Import circles as paths (a -> b -> a): for every import inside a circle that is not
    excused, the shortest circle through it. Empty exactly when every circle is made of
    excused imports only."""
    found: dict[frozenset[tuple[str, str]], list[str]] = {}
    for component in components(graph):
        for source in sorted(component):
            for target in sorted(graph[source] & component):
                if excuse(source, target):
                    continue
                circle = [source, *path_within(graph, target, source, component)]
                found.setdefault(frozenset(pairwise(circle)), circle)
    return list(found.values())


def layer(name: str) -> str:
    top = name.split(".")[0]
    for layer_name, tops in LAYERS:
        if top in tops:
            return layer_name
    raise AssertionError(f"pipeline_tui.{name} is in no layer: add it to LAYERS")


def test_no_module_imports_a_higher_layer() -> None:
    wrong = []
    for source, imported in imports().items():
        for target in imported:
            a, b = layer(source), layer(target)
            if (ORDER[b] > ORDER[a] and (a, b) not in ALLOWED_UP) or (a, b) in FORBIDDEN:
                wrong.append(f"{source} ({a}) imports {target} ({b})")
    assert not wrong, "\n".join(sorted(wrong))


def test_there_are_no_import_circles() -> None:
    # Any circle counts, lazy imports and a package's own modules included: a circle is an
    # import order that works today and breaks when someone moves an import to the top.
    found = circles(imports())
    assert not found, "import circles:\n" + "\n".join(" -> ".join(c) for c in found)


def test_the_rules_see_every_module() -> None:
    for name in imports():
        layer(name)


def write(package: Path, files: dict[str, str]) -> None:
    for rel, source in files.items():
        path = package / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(source), encoding="utf-8")


def test_the_graph_sees_submodules_and_relative_imports(tmp_path: Path) -> None:
    # Guards the circle test against passing vacuously: `from pkg import module` is an
    # import of that module, at any depth, relative or lazy, not of the package.
    package = tmp_path / "pipeline_tui"
    write(
        package,
        {
            "__init__.py": "__version__ = '1'\n",
            "a/__init__.py": "from .b import thing\n",
            "a/b.py": "from pipeline_tui.a import c\nthing = 1\n",
            "a/c/__init__.py": "",
            "a/c/d.py": """
                from typing import TYPE_CHECKING
                from .. import b
                from ...a.c import e as _e
                from pipeline_tui import __version__, a
                if TYPE_CHECKING:
                    import pipeline_tui.top
                def later():
                    from pipeline_tui.a.b import thing
                """,
            "a/c/e.py": "import pipeline_tui\nfrom . import d\n",
            "top.py": "from pipeline_tui.a import thing\nimport os\nfrom os import path\n",
        },
    )
    assert imports(package) == {
        ROOT: set(),
        "a": {"a.b"},
        "a.b": {"a.c"},
        "a.c": set(),
        "a.c.d": {"a.b", "a.c.e", ROOT, "a", "top"},
        "a.c.e": {ROOT, "a.c.d"},
        "top": {"a"},
    }
    assert circles(imports(package)) == [["a.c.d", "a.c.e", "a.c.d"]]


def test_a_circle_through_an_excused_import_is_still_found() -> None:
    def star(source: str, target: str) -> bool:
        return {source, target} in ({"p", "p.a"}, {"p", "p.b"})

    assert circles({"x": {"y"}, "y": {"x"}}) == [["x", "y", "x"]]
    assert circles({"p": {"p.a", "p.b"}, "p.a": {"p"}, "p.b": {"p"}}, star) == []
    # p -> p.a is excused, but not the way back through q.
    assert circles({"p": {"p.a"}, "p.a": {"p", "q"}, "q": {"p"}}, star) == [["p.a", "q", "p", "p.a"]]
    # Also when a depth-first walk meets the excused circle first (p -> p.a -> p) and
    # reaches p.a again from q only after it is done.
    assert circles({"p": {"p.a", "q"}, "p.a": {"p"}, "q": {"p.a"}}, star) == [["p", "q", "p.a", "p"]]
