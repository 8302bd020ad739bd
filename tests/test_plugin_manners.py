"""The pytest plugin in a QA team's own pytest: it leaves the team's tests as they would be without it
(hypothesis settings, fixtures, reports, exit code), and the harness's tests are selected the pytest way
(``-m required``, ``-m suite_registration``, ``-k DR-012``)."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from lti_harness.harness import checks as registry
from conftest import RUN_TIMEOUT, child_env

FOREIGN_CONFTEST = '''
import lti_harness.harness.plugin

OPENED = []
_open = lti_harness.harness.plugin.open_session


def _recording(*args, **kwargs):
    OPENED.append(1)
    return _open(*args, **kwargs)


lti_harness.harness.plugin.open_session = _recording
'''

FOREIGN_TESTS = '''
import json
import os

from hypothesis import given, settings, strategies as st

import conftest

AT_IMPORT = settings.default
SEEN = []


def describe(s):
    return {"max_examples": s.max_examples, "deadline": str(s.deadline), "database": s.database is not None,
            "suppress_health_check": sorted(str(h) for h in s.suppress_health_check),
            "phases": sorted(str(p) for p in s.phases), "print_blob": s.print_blob}


@given(st.integers())
def test_foreign_property(x):
    SEEN.append(describe(settings.default))


def test_foreign_record():
    out = {"import": describe(AT_IMPORT), "run": SEEN[0], "examples": len(SEEN), "sessions_opened": len(conftest.OPENED)}
    with open(os.environ["FOREIGN_OUT"], "w") as f:
        json.dump(out, f)


def test_foreign_failure():
    assert os.environ.get("FOREIGN_FAIL") != "1", "a failure of the team's own test"
'''


@pytest.fixture
def foreign(tmp_path: Path) -> Path:
    """A QA team's project: its own hypothesis test, which records the settings it sees."""
    project = tmp_path / "project"
    project.mkdir()
    (project / "conftest.py").write_text(FOREIGN_CONFTEST, encoding="utf-8")
    (project / "test_foreign.py").write_text(FOREIGN_TESTS, encoding="utf-8")
    return project


def pytest_run(cwd: Path, *args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """``python -m pytest ARGS`` in a fresh interpreter, where the harness plugin loads by entry point."""
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", *args],
        capture_output=True, text=True, timeout=RUN_TIMEOUT, cwd=cwd, env=child_env(env), stdin=subprocess.DEVNULL,
    )


def recorded(path: Path) -> dict[str, Any]:
    return json.loads(path.read_text(encoding="utf-8"))


def test_foreign_hypothesis_tests_see_the_settings_they_would_without_the_plugin(foreign: Path, tmp_path: Path) -> None:
    with_plugin, without = tmp_path / "with.json", tmp_path / "without.json"
    # --lti-examples is accepted only when the plugin is loaded; it must not reach the team's tests
    proc = pytest_run(foreign, "-q", "--lti-examples=3", "-k", "property or record", env={"FOREIGN_OUT": str(with_plugin)})
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-2000:]
    assert "LTI conformance summary" not in proc.stdout
    control = pytest_run(foreign, "-q", "-p", "no:lti_harness", "-k", "property or record", env={"FOREIGN_OUT": str(without)})
    assert control.returncode == 0, control.stdout[-3000:] + control.stderr[-2000:]
    seen, expected = recorded(with_plugin), recorded(without)
    assert seen == expected
    assert seen["import"] == seen["run"]
    assert seen["run"]["max_examples"] != 3 and seen["examples"] == seen["run"]["max_examples"]
    assert seen["sessions_opened"] == 0, "the harness session (and its mocks) started for a test that is not the harness's"


def test_one_session_with_harness_and_foreign_tests(foreign: Path, tmp_path: Path) -> None:
    """The harness's tests use --lti-examples; the team's tests, run after them, get their settings back;
    a failure of the team's test is the team's (exit code 1), not a harness result."""
    control_out, mixed_out = tmp_path / "control.json", tmp_path / "mixed.json"
    control = pytest_run(foreign, "-q", "-p", "no:lti_harness", "-k", "property or record", env={"FOREIGN_OUT": str(control_out)})
    assert control.returncode == 0, control.stdout[-3000:]
    report = tmp_path / "out"
    proc = pytest_run(
        foreign, "--lti-examples=3", "--hypothesis-show-statistics", f"--lti-report-dir={report}",
        "--pyargs", "lti_harness.suites.ags", "test_foreign.py", "-k", "AGS-040 or foreign",
        env={"FOREIGN_OUT": str(mixed_out), "FOREIGN_FAIL": "1"},
    )
    assert proc.returncode == 1, proc.stdout[-3000:] + proc.stderr[-2000:]
    assert "FAILED test_foreign.py::test_foreign_failure" in proc.stdout
    harness_stats = proc.stdout.split("test_newest_accepted_score_wins:")[1].split("test_foreign")[0]
    assert "Stopped because settings.max_examples=3" in harness_stats
    seen = recorded(mixed_out)
    expected = recorded(control_out)
    assert (seen["import"], seen["run"], seen["examples"]) == (expected["import"], expected["run"], expected["examples"])
    summary = json.loads((report / "summary.json").read_text(encoding="utf-8"))
    assert [c["id"] for c in summary["checks"]] == ["AGS-040"]
    assert summary["unlinked_failures"] == [] and summary["exit_code"] == 1
    assert "not tied to a check" not in proc.stdout


def registration_run(tmp_path: Path, *selection: str) -> tuple[subprocess.CompletedProcess[str], set[str]]:
    report = tmp_path / "out"
    proc = pytest_run(tmp_path, "-q", "--strict-markers", "--lti-examples=2", f"--lti-report-dir={report}",
                      "--pyargs", "lti_harness.suites.registration", *selection)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-2000:]
    summary = json.loads((report / "summary.json").read_text(encoding="utf-8"))
    return proc, {c["id"] for c in summary["checks"]}


def test_select_by_level_marker(tmp_path: Path) -> None:
    _, ran = registration_run(tmp_path, "-m", "recommended")
    wanted = {c.id for c in registry.load_all(["registration"]) if c.level == "recommended"}
    assert wanted and ran == wanted


def test_select_by_check_id_keyword(tmp_path: Path) -> None:
    _, ran = registration_run(tmp_path, "-k", "DR-012")
    assert ran == {"DR-012"}


def collected(tmp_path: Path, *selection: str) -> tuple[set[str], int]:
    """The packages of the tests ``--collect-only`` selects from the registration and scopes suites, and their number."""
    proc = pytest_run(tmp_path, "--strict-markers", "--collect-only", "--pyargs", "lti_harness.suites.registration", "lti_harness.suites.scopes", *selection)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-2000:]
    packages = set(re.findall(r"^ +<Package (\w+)>", proc.stdout, re.MULTILINE))
    count = re.search(r"(\d+)(?:/\d+)? tests? collected", proc.stdout)
    assert count, proc.stdout[-2000:]
    return packages, int(count.group(1))


def test_select_by_suite_marker(tmp_path: Path) -> None:
    packages, all_scopes = collected(tmp_path, "-m", "suite_scopes")
    assert packages == {"scopes"} and all_scopes
    packages, required = collected(tmp_path, "-m", "suite_scopes and required")
    assert packages == {"scopes"}
    assert 0 < required <= all_scopes
    if any(c.level == "recommended" for c in registry.load_all(["scopes"])):
        assert required < all_scopes


def test_every_check_has_its_level_and_suite_markers() -> None:
    names = registry.selection_markers()
    for c in registry.load_all():
        assert registry.markers_for((c.id,)) == [c.level, registry.SUITE_MARKER.format(c.suite)]
        assert set(registry.markers_for((c.id,))) <= set(names)
