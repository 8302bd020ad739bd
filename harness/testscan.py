"""Which checks a suites test module verifies, read from its source without importing it.

``--lti-check ID`` keeps only the tests of the named checks; a module that provably has none of them
need not be imported at all (importing the suites is most of a narrow run's collection time). The
reading is conservative: a module whose tests could get a check marker in any way other than a plain
``check("ID", …)`` call with literal ids (an alias of ``check``, the ``lti_check`` marker by name, a
test imported or inherited from elsewhere, a conftest that adds markers) is reported as unknown, and
such a module is always imported.
"""

from __future__ import annotations

import ast
import re
from functools import lru_cache
from pathlib import Path

_ID = re.compile(r"^[A-Z]+(-[A-Z]+)*-\d{3}$")  # a check id, as harness.checks.define requires
_MARKING = ("check", "lti_check", "add_marker", "applymarker")  # names through which a test gets a check marker


class _Unclear(Exception):
    """The module's markers cannot be read from its source alone."""


def _is_test_name(name: str) -> bool:
    return name.lower().startswith("test")


def _check_call_ids(node: ast.Call) -> list[str]:
    if node.keywords or not node.args:
        raise _Unclear
    ids = [a.value for a in node.args if isinstance(a, ast.Constant) and isinstance(a.value, str) and _ID.match(a.value)]
    if len(ids) != len(node.args):
        raise _Unclear
    return ids


def _calls_check(node: ast.Call) -> bool:
    func = node.func
    return (isinstance(func, ast.Name) and func.id == "check") or (isinstance(func, ast.Attribute) and func.attr == "check")


def _read(tree: ast.Module) -> frozenset[str]:
    local = {n.name for n in tree.body if isinstance(n, (ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef))}
    called: set[int] = set()
    ids: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and _calls_check(node):
            ids.update(_check_call_ids(node))
            called.add(id(node.func))
    for node in ast.walk(tree):
        if isinstance(node, (ast.Name, ast.Attribute)) and (getattr(node, "id", None) or getattr(node, "attr", None)) in _MARKING:
            if id(node) not in called:  # ``check`` passed around or renamed, the marker named, a marker added
                raise _Unclear
        elif isinstance(node, ast.Constant) and node.value in _MARKING:
            raise _Unclear
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            for alias in node.names:
                if alias.name == "*" or _is_test_name(alias.name.rsplit(".", 1)[-1]) or (alias.asname and _is_test_name(alias.asname)):
                    raise _Unclear  # a test collected here but defined (and marked) elsewhere
                if alias.name.rsplit(".", 1)[-1] == "check" and alias.asname not in (None, "check"):
                    raise _Unclear
        elif isinstance(node, ast.ClassDef) and _is_test_name(node.name):
            if any(not (isinstance(b, ast.Name) and b.id in local) for b in node.bases):
                raise _Unclear  # tests inherited from a class defined elsewhere
        elif isinstance(node, (ast.Assign, ast.AnnAssign)):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            if any(isinstance(t, ast.Name) and (_is_test_name(t.id) or t.id == "pytestmark") for t in targets):
                names = {n.id for n in ast.walk(node.value) if isinstance(n, ast.Name)} if node.value is not None else set()
                if names - local - {"check", "pytest"}:
                    raise _Unclear  # a test (or the module's marks) built from something defined elsewhere
    return frozenset(ids)


@lru_cache(maxsize=256)
def _claimed(path: str, mtime_ns: int, size: int) -> frozenset[str] | None:
    source = Path(path).read_text(encoding="utf-8")
    try:
        return _read(ast.parse(source, filename=path))
    except (_Unclear, SyntaxError, ValueError):
        return None


@lru_cache(maxsize=64)
def _marks(path: str, mtime_ns: int, size: int) -> bool:
    try:
        tree = ast.parse(Path(path).read_text(encoding="utf-8"), filename=path)
    except (SyntaxError, ValueError):
        return True
    for node in ast.walk(tree):
        name = node.id if isinstance(node, ast.Name) else node.attr if isinstance(node, ast.Attribute) else None
        if name in _MARKING or (isinstance(node, ast.Constant) and node.value in _MARKING):
            return True
    return False


def _conftests_mark(path: Path, root: Path) -> bool:
    """Whether a conftest between the module and ``root`` could add check markers itself (it names
    ``check``, the ``lti_check`` marker or ``add_marker``)."""
    folder = path.parent
    while True:
        conftest = folder / "conftest.py"
        if conftest.is_file():
            stat = conftest.stat()
            if _marks(str(conftest), stat.st_mtime_ns, stat.st_size):
                return True
        if folder == root or root not in folder.parents:
            return False
        folder = folder.parent


def claimed_ids(path: Path, root: Path) -> frozenset[str] | None:
    """The check ids the tests of the module at ``path`` (under the suites folder ``root``) claim, or
    ``None`` when its source (or a conftest above it) does not say so plainly."""
    try:
        stat = path.stat()
        if _conftests_mark(path, root):
            return None
        return _claimed(str(path), stat.st_mtime_ns, stat.st_size)
    except (OSError, UnicodeDecodeError):
        return None


def may_verify(path: Path, root: Path, wanted: set[str]) -> bool:
    """Whether the module at ``path`` may hold a test of a check in ``wanted`` (True unless its source
    proves it has none)."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return True
    if any(cid in text for cid in wanted):  # named in it (perhaps only in a comment): import it
        return True
    claimed = claimed_ids(path, root)
    return claimed is None or bool(claimed & wanted)
