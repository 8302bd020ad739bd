"""Fault switches are declared once and read through their constants.

A scan of every module of both mocks fails on a fault read through a string literal (declared or
misspelt), on a ``faults.NAME`` that the mock's ``faults.py`` does not define, on a declared fault
that no check pairs with, and on a fault a check names that no mock declares. It reads the sources
only (no app is started), so a misspelt fault fails here in well under a second.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Collection
from pathlib import Path
from types import ModuleType

import pytest

from lti_harness.harness.checks import load_all
from lti_harness.mock_platform import faults as platform_faults
from lti_harness.mock_tool import faults as tool_faults

MOCKS: dict[str, ModuleType] = {"mock_platform": platform_faults, "mock_tool": tool_faults}
READERS = {"has", "on"}  # platform.has(faults.X), config.has(faults.X), faults.on(active, faults.X)
FAULT_LIKE = re.compile(r"^[a-z][a-z0-9]*(?:-[a-z0-9]+)+$")  # lowercase words joined by "-", two or more


def _faults_bindings(tree: ast.Module) -> tuple[set[str], list[tuple[str, int]]]:
    """The names a module binds to its mock's ``faults`` module, and the names it imports from it (with lines)."""
    modules: set[str] = set()
    imported: list[tuple[str, int]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            source = node.module or ""
            if source == "faults" or source.endswith(".faults"):
                imported += [(alias.name, node.lineno) for alias in node.names]
            else:
                modules |= {alias.asname or alias.name for alias in node.names if alias.name == "faults"}
        elif isinstance(node, ast.Import):
            modules |= {alias.asname for alias in node.names if alias.name.endswith(".faults") and alias.asname}
    return modules, imported


def _last_name(node: ast.expr) -> str:
    """``faults`` for ``faults``, ``config.faults`` or ``platform.config.faults``; else ``""``."""
    return node.id if isinstance(node, ast.Name) else node.attr if isinstance(node, ast.Attribute) else ""


def _docstrings(tree: ast.Module) -> set[int]:
    """The ids of the docstring constants (a fault named in prose is not a fault read)."""
    found: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)) and node.body:
            first = node.body[0]
            if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant) and isinstance(first.value.value, str):
                found.add(id(first.value))
    return found


def scan(source: str, where: str, declared: Collection[str], defined: Collection[str]) -> list[str]:
    """Problems in one module of a mock: ``declared`` are its fault names, ``defined`` the names its
    ``faults.py`` defines. Each problem names ``where:line``."""
    tree = ast.parse(source)
    modules, imported = _faults_bindings(tree)
    problems = [f"{where}:{line}: faults.py defines no {name}" for name, line in imported if name not in defined]
    read: set[int] = set()  # string constants passed to has(...) / on(...)
    tested: set[int] = set()  # string constants tested with ``in`` against a collection named for faults
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and _last_name(node.func) in READERS:
            read |= {id(a) for a in [*node.args, *(k.value for k in node.keywords)]}
        elif isinstance(node, ast.Compare) and any(isinstance(op, (ast.In, ast.NotIn)) for op in node.ops):
            if any("fault" in _last_name(c).lower() for c in node.comparators):
                tested.add(id(node.left))
        elif isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id in modules:
            if node.attr not in defined:
                problems.append(f"{where}:{node.lineno}: faults.{node.attr} is not defined in the mock's faults.py")
    prose, reads = _docstrings(tree), read | tested
    for node in ast.walk(tree):
        if not isinstance(node, ast.Constant) or not isinstance(node.value, str) or id(node) in prose:
            continue
        text, is_read = node.value, id(node) in reads
        if is_read and text in declared:
            problems.append(f"{where}:{node.lineno}: the fault {text!r} is read through a string literal; use its faults.py constant")
        elif is_read and (FAULT_LIKE.match(text) or id(node) in tested):
            problems.append(f"{where}:{node.lineno}: {text!r} is read like a fault, but no faults.py declares it")
        elif text in declared:
            problems.append(f"{where}:{node.lineno}: the fault {text!r} is written as a string literal; use its faults.py constant")
    return problems


def _mock_files(package: str) -> list[Path]:
    root = Path(MOCKS[package].__file__).parent
    return sorted(p for p in root.rglob("*.py") if "__pycache__" not in p.parts and p.name != "faults.py")


@pytest.mark.parametrize("package", sorted(MOCKS))
def test_mocks_read_faults_through_their_constants(package):
    module = MOCKS[package]
    declared, defined = set(module.FAULTS), set(vars(module))
    root = Path(module.__file__).parent.parent
    problems = [problem for path in _mock_files(package)
                for problem in scan(path.read_text(encoding="utf-8"), str(path.relative_to(root)), declared, defined)]
    assert not problems, "\n".join(problems)


def test_every_declared_fault_is_paired_with_a_check():
    paired = {f for c in load_all() for f in c.faults}
    orphans = [f"{package}: {name}" for package, module in MOCKS.items() for name in module.FAULTS if name not in paired]
    assert not orphans, "declared faults no check pairs with:\n" + "\n".join(orphans)


def test_every_fault_a_check_names_is_declared():
    declared = {name for module in MOCKS.values() for name in module.FAULTS}
    unknown = [f"{c.id}: {name}" for c in load_all() for name in (*c.faults, *c.error_faults) if name not in declared]
    assert not unknown, "faults named by checks but declared by no mock:\n" + "\n".join(unknown)


def test_no_fault_is_declared_by_both_mocks():
    assert not set(platform_faults.FAULTS) & set(tool_faults.FAULTS)


# --- the scanner itself ------------------------------------------------------------------------

DECLARED = {"score-not-stored"}
DEFINED = {"SCORE_NOT_STORED", "on", "FAULTS"}


def _scan(source: str) -> list[str]:
    return scan(source, "snippet.py", DECLARED, DEFINED)


def test_scanner_passes_reads_through_constants():
    assert _scan("from . import faults\n"
                 "def f(platform, active):\n"
                 "    '''Under score-not-stored the score is dropped.'''\n"
                 "    return platform.has(faults.SCORE_NOT_STORED) or faults.on(active, faults.SCORE_NOT_STORED)\n") == []


@pytest.mark.parametrize("source, expected", [
    ("def f(platform):\n    return platform.has('score-not-stord')\n", "snippet.py:2: 'score-not-stord' is read like a fault"),
    ("def f(active):\n    return faults.on(active, 'score-not-stored')\n", "snippet.py:2: the fault 'score-not-stored' is read through"),
    ("def f(config):\n    return 'score-not-stord' in config.faults\n", "snippet.py:2: 'score-not-stord' is read like a fault"),
    ("def f(config):\n    return 'score-not-stored' not in config.faults\n", "snippet.py:2: the fault 'score-not-stored' is read through"),
    ("from . import faults\n\ndef f(platform):\n    return platform.has(faults.SCORE_NOT_STORD)\n",
     "snippet.py:4: faults.SCORE_NOT_STORD is not defined"),
    ("from .faults import SCORE_NOT_STORD\n", "snippet.py:1: faults.py defines no SCORE_NOT_STORD"),
    ("SWITCH = 'score-not-stored'\n", "snippet.py:1: the fault 'score-not-stored' is written as a string literal"),
])
def test_scanner_fails_on_literal_or_misspelt_faults(source, expected):
    problems = _scan(source)
    assert any(p.startswith(expected) for p in problems), problems
