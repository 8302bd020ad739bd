"""The import rules of the project's layout, as a test: what each folder may import, and no circles.

Every import counts, at module level or inside a function: a late import still ties the two modules
together. The rules (README "Layout"):

- ``suites`` speak to targets only through ``harness``: they never import ``mock_platform`` or ``mock_tool``;
- the mocks never import the CLI, the pytest plugin, the runner, the check registry or the suites, and
  never each other; from the engine they use only small building blocks (keys, limits, state files);
- ``reports`` never imports the engine's pytest parts (plugin, runner, CLI) nor the suites or the mocks;
- ``vocab`` and ``switches`` import nothing of the project;
- no module imports itself back through others (no import circles).
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("harness", "mock_platform", "mock_tool", "suites", "reports", "schemas")
PKG = "lti_harness"
ENGINE_PYTEST_PARTS = {f"{PKG}.harness.{name}" for name in ("cli", "plugin", "runner", "checks")}


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join([PKG, *parts])


def project_modules() -> dict[str, Path]:
    """Every module of the installed package, by its import name."""
    found = {_module_name(p): p for p in ROOT.glob("*.py")}
    for package in PACKAGES:
        found.update({_module_name(p): p for p in (ROOT / package).rglob("*.py")})
    return found


def imports_of(name: str, path: Path, known: set[str]) -> set[str]:
    """The project modules ``name`` imports anywhere in its source (relative imports resolved)."""
    is_package = path.name == "__init__.py"
    out: set[str] = set()
    tree = ast.parse(path.read_text(encoding="utf-8"))
    typing_only = {id(n) for block in ast.walk(tree) if _is_type_checking_block(block) for n in ast.walk(block)}
    for node in ast.walk(tree):
        if id(node) in typing_only:  # ``if TYPE_CHECKING:`` imports are annotations, not imports
            continue
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = name.split(".")
                base = base if is_package else base[:-1]
                base = base[: len(base) - (node.level - 1)]
                module = ".".join(base + ([node.module] if node.module else []))
            else:
                module = node.module or ""
            # ``from pkg import mod`` imports the module pkg.mod; ``from pkg import name`` imports pkg itself
            targets = [f"{module}.{a.name}" if f"{module}.{a.name}" in known else module for a in node.names]
        else:
            continue
        for target in targets:
            while target and target not in known:  # ``from pkg import mod`` names a module; ``import a.b.c`` imports a.b too
                target = target.rpartition(".")[0]
            if target and target != name and target != PKG:
                out.add(target)
    return out


def _is_type_checking_block(node: ast.AST) -> bool:
    return isinstance(node, ast.If) and isinstance(node.test, ast.Name) and node.test.id == "TYPE_CHECKING"


def import_graph() -> dict[str, set[str]]:
    modules = project_modules()
    known = set(modules)
    return {name: imports_of(name, path, known) for name, path in modules.items()}


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected groups of more than one module (Tarjan), each sorted."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for nxt in sorted(graph.get(node, ())):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            group = []
            while True:
                item = stack.pop()
                on_stack.discard(item)
                group.append(item)
                if item == node:
                    break
            if len(group) > 1:
                found.append(sorted(group))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


GRAPH = import_graph()


def _in(module: str, package: str) -> bool:
    return module == f"{PKG}.{package}" or module.startswith(f"{PKG}.{package}.")


def violations(rule: str) -> list[str]:
    bad = []
    for module, targets in sorted(GRAPH.items()):
        for target in sorted(targets):
            if RULES[rule](module, target):
                bad.append(f"{module} imports {target}")
    return bad


RULES = {
    "suites never import the mocks": lambda m, t: _in(m, "suites") and (_in(t, "mock_platform") or _in(t, "mock_tool")),
    "the mocks never import the CLI, plugin, runner, check registry or suites": lambda m, t: (
        (_in(m, "mock_platform") or _in(m, "mock_tool")) and (t in ENGINE_PYTEST_PARTS or _in(t, "suites"))),
    "the mocks never import each other": lambda m, t: (
        (_in(m, "mock_platform") and _in(t, "mock_tool")) or (_in(m, "mock_tool") and _in(t, "mock_platform"))),
    "reports never import the engine's pytest parts, the suites or the mocks": lambda m, t: _in(m, "reports") and (
        t in ENGINE_PYTEST_PARTS or _in(t, "suites") or _in(t, "mock_platform") or _in(t, "mock_tool")),
    "vocab and switches import nothing of the project": lambda m, t: m in (f"{PKG}.vocab", f"{PKG}.switches"),
}


@pytest.mark.parametrize("rule", sorted(RULES))
def test_import_rule(rule):
    assert violations(rule) == [], rule


def test_no_import_circles():
    assert cycles(GRAPH) == []


def test_the_graph_is_read():
    """The rules above are only as good as the graph: it must see the imports we know exist."""
    assert f"{PKG}.harness.client" in GRAPH[f"{PKG}.harness.adapters"]
    assert f"{PKG}.mock_platform.faults" in GRAPH[f"{PKG}.mock_platform.config"]
    assert any(_in(t, "harness") for t in GRAPH[f"{PKG}.suites.common"])


def test_the_checks_can_fail(tmp_path):
    """The reader, the circle finder and a rule each catch a made-up offence."""
    source = tmp_path / "x.py"
    source.write_text("def late():\n    from .store import Store\n    from lti_harness.mock_tool import faults\n", encoding="utf-8")
    known = {f"{PKG}.mock_platform.store", f"{PKG}.mock_tool.faults", f"{PKG}.mock_tool"}
    assert imports_of(f"{PKG}.mock_platform.x", source, known) == {f"{PKG}.mock_platform.store", f"{PKG}.mock_tool.faults"}
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    assert RULES["suites never import the mocks"](f"{PKG}.suites.ags.conftest", f"{PKG}.mock_platform.ags")
    assert not RULES["suites never import the mocks"](f"{PKG}.suites.ags.conftest", f"{PKG}.harness.client")
