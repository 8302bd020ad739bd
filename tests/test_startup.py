"""A narrow run does less: ``--check`` collects only the suites of the named checks, and within them only
the test modules whose source holds their tests (read without importing them, see harness.testscan). The
reading never misses a test: every check a collected test verifies is one its module's source claims."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import RUN_TIMEOUT, child_env
from lti_harness import harness
from lti_harness.harness import checks as registry
from lti_harness.harness import testscan
from lti_harness.harness.plugin import _SUITES_DIR
from lti_harness.harness.runner import RunOptions, pytest_args
from lti_harness.suites import SUITES

PROBE = '''
import json, os, sys

def pytest_collection_finish(session):
    items = {}
    for item in session.items:
        marker = item.get_closest_marker("lti_check")
        items[item.nodeid] = {"path": str(item.path), "ids": list(marker.args) if marker else []}
    suites = os.path.realpath(os.environ["PROBE_SUITES"])
    files = {os.path.realpath(getattr(m, "__file__", None) or "") for m in list(sys.modules.values())}
    imported = sorted(f for f in files if f.startswith(suites + os.sep) and os.path.basename(f).startswith("test_"))
    with open(os.environ["PROBE_OUT"], "w") as f:
        json.dump({"items": items, "imported": imported}, f)
'''


def collect(tmp_path: Path, *options: str) -> dict:
    """What pytest collects from every suite (and which suites test modules it imported), with ``options``."""
    (tmp_path / "startup_probe.py").write_text(PROBE, encoding="utf-8")
    out = tmp_path / f"probe-{len(list(tmp_path.glob('probe-*')))}.json"
    proc = subprocess.run(
        [sys.executable, "-m", "pytest", "-c", str(Path(harness.__file__).parent / "run.ini"), "--rootdir", str(tmp_path),
         "-p", "no:cacheprovider", "-p", "startup_probe", "--collect-only", "-q",
         "--pyargs", *[f"lti_harness.suites.{s}" for s in SUITES], *options],
        capture_output=True, text=True, timeout=RUN_TIMEOUT, cwd=tmp_path, stdin=subprocess.DEVNULL,
        env=child_env({"PYTHONPATH": os.pathsep.join(filter(None, (str(tmp_path), os.environ.get("PYTHONPATH")))), "PROBE_OUT": str(out), "PROBE_SUITES": str(_SUITES_DIR)}),
    )
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-2000:]
    return json.loads(out.read_text(encoding="utf-8"))


def by_module(items: dict) -> dict[str, set[str]]:
    out: dict[str, set[str]] = {}
    for item in items.values():
        out.setdefault(str(Path(item["path"]).resolve()), set()).update(item["ids"])
    return out


def test_the_source_reading_never_misses_a_test_and_narrows_a_check_run(tmp_path):
    everything = collect(tmp_path)
    modules = by_module(everything["items"])
    assert modules
    for path, ids in modules.items():
        claimed = testscan.claimed_ids(Path(path), _SUITES_DIR)
        assert claimed is not None, f"{path}: its checks cannot be read from its source (every --check run imports it)"
        assert ids <= claimed, f"{path}: tests of {sorted(ids - claimed)} would be missed by a --check run"
    wanted = sorted({ids_ for ids in modules.values() for ids_ in ids})[::37][:3]  # a few checks of different suites
    narrow = collect(tmp_path, *[f"--lti-check={cid}" for cid in wanted])
    expected = {node for node, item in everything["items"].items() if set(item["ids"]) & set(wanted)}
    assert set(narrow["items"]) == expected
    holding = {path for path, ids in modules.items() if ids & set(wanted)}
    assert {str(Path(p).resolve()) for p in narrow["imported"]} == holding
    assert len(everything["imported"]) > len(holding)


@pytest.mark.parametrize("source", [
    'from lti_harness.harness.checks import check as c\n@c("DR-001")\ndef test_a(): pass\n',
    'from lti_harness.harness.checks import check\nmark = check\n@mark("DR-001")\ndef test_a(): pass\n',
    'import pytest\n@pytest.mark.lti_check("DR-001")\ndef test_a(): pass\n',
    'from lti_harness.harness.checks import check\nIDS = ["DR-001"]\n@check(*IDS)\ndef test_a(): pass\n',
    'from lti_harness.harness.checks import check\n@check(f"DR-00{1}")\ndef test_a(): pass\n',
    'from .test_other import test_a\n',
    'from .test_other import *\n',
    'from .common import Base\nclass TestMore(Base):\n    pass\n',
    'from .common import machine\nTestMachine = machine.TestCase\n',
    'import pytest\nfrom .common import MARKS\npytestmark = MARKS\n',
    'from .common import MARK\ndef pytest_generate_tests(metafunc):\n    metafunc.definition.add_marker(MARK)\n'
    'def test_a(): pass\n',
    'def test_a(:\n',
])
def test_a_source_that_does_not_say_plainly_is_always_imported(tmp_path, source):
    suite = tmp_path / "suite"
    suite.mkdir()
    module = suite / "test_x.py"
    module.write_text(source, encoding="utf-8")
    assert testscan.claimed_ids(module, tmp_path) is None
    assert testscan.may_verify(module, tmp_path, {"KEY-001"})


def test_a_plain_module_is_read_and_a_marking_conftest_makes_it_unclear(tmp_path):
    suite = tmp_path / "suite"
    suite.mkdir()
    module = suite / "test_x.py"
    module.write_text('from lti_harness.harness.checks import check\n\n@check("DR-001", "DR-002")\ndef test_a(): pass\n'
                      '\n\nclass TestB:\n    @check("DR-003")\n    def test_b(self): pass\n', encoding="utf-8")
    assert testscan.claimed_ids(module, tmp_path) == {"DR-001", "DR-002", "DR-003"}
    assert not testscan.may_verify(module, tmp_path, {"KEY-001"}) and testscan.may_verify(module, tmp_path, {"DR-003"})
    (suite / "conftest.py").write_text("def pytest_collection_modifyitems(items):\n    for item in items:\n"
                                       "        item.add_marker('slow')\n", encoding="utf-8")
    assert testscan.claimed_ids(module, tmp_path) is None


def test_a_check_run_collects_only_the_suites_of_its_checks():
    for wanted in (["DR-001"], ["DR-001", "LAUNCH-001"], ["TREG-011"]):
        args = pytest_args(RunOptions(checks=wanted, seed=1))
        suites = {a.removeprefix("lti_harness.suites.") for a in args if a.startswith("lti_harness.suites.")}
        assert suites == {registry.load_all() and registry.REGISTRY[cid].suite for cid in wanted}
    every = pytest_args(RunOptions(seed=1))
    assert {a for a in every if a.startswith("lti_harness.suites.")} == {f"lti_harness.suites.{s}" for s in SUITES}


def test_an_in_process_run_forgets_the_suites_modules_whatever_pytest_named_them():
    """A long-lived process re-imports the suites' test modules for each run (their ``@given`` settings are
    the run's): pytest names them after the folders above them, ``lti_harness.suites.…`` or a checkout's own."""
    from types import ModuleType

    from lti_harness.harness.runner import _imported_per_run

    def module(path: Path) -> ModuleType:
        m = ModuleType("m")
        m.__file__ = str(path)
        return m

    inside = _SUITES_DIR / SUITES[0] / "test_x.py"
    for name in (f"lti_harness.suites.{SUITES[0]}.test_x", f"checkout.suites.{SUITES[0]}.test_x"):
        assert _imported_per_run(name, module(inside))
        assert _imported_per_run(name.replace("test_x", "conftest"), module(inside.with_name("conftest.py")))
    assert not _imported_per_run(f"lti_harness.suites.{SUITES[0]}.checks", module(inside.with_name("checks.py")))
    assert not _imported_per_run("test_elsewhere", module(Path(harness.__file__).parent / "test_elsewhere.py"))
