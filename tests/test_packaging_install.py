"""The distribution: ``python -m build`` makes an sdist and a wheel (built from the sdist) that hold every
package, the JSON schemas, the source documents and ``harness/run.ini``, all under the one import name ``lti_harness``; a clean
install of the wheel into a fresh venv, outside the repository, runs ``lti-harness run``, and beside a
project with its own ``harness``, ``suites``, ``reports`` and ``schemas`` packages neither shadows the other.

It builds and installs for real (dependencies come from the package index, or pip's cache), so it takes
about a minute; every step has a timeout so a stuck index cannot hang the suite."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tarfile
import zipfile
from pathlib import Path

import pytest

from conftest import made_once

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ["harness", "mock_platform", "mock_tool", "suites", "reports", "schemas", "sources"]
STEP_TIMEOUT = 600  # a hang guard for one build or install step, not a performance assertion


def _clean_env() -> dict[str, str]:
    """The environment of a user's shell: nothing pointing into this repository or its venv."""
    drop = {"PYTHONPATH", "VIRTUAL_ENV", "PYTHONHOME", "PYTHONDONTWRITEBYTECODE"}
    env = {k: v for k, v in os.environ.items() if k not in drop and not k.startswith(("PYTEST_", "HYPOTHESIS_"))}
    env["PATH"] = os.pathsep.join(p for p in env.get("PATH", "").split(os.pathsep) if not p.startswith(str(ROOT)))
    return env


def _step(args: list[str], cwd: Path, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    proc = subprocess.run(args, cwd=cwd, env=env or _clean_env(), capture_output=True, text=True,
                          timeout=STEP_TIMEOUT, stdin=subprocess.DEVNULL)
    assert proc.returncode == 0, f"{' '.join(args)} exited {proc.returncode}:\n{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}"
    return proc


def _expected_files() -> set[str]:
    """Every module, schema and data file (the source documents too) of the installed packages, as paths
    inside the distribution."""
    found = set()
    for package in PACKAGES:
        for path in (ROOT / package).rglob("*"):
            if path.is_file() and "__pycache__" not in path.parts and path.suffix in (".py", ".json", ".ini", ".md", ".txt"):
                found.add(path.relative_to(ROOT).as_posix())
    return found


@pytest.fixture(scope="module")
def dist(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """The sdist and the wheel ``python -m build`` makes (the wheel is built from the sdist)."""

    def build(out: Path) -> dict[str, Path]:
        _step([sys.executable, "-m", "build", "--outdir", str(out), str(ROOT)], cwd=out, env={**_clean_env(), "PYTHONDONTWRITEBYTECODE": "1"})
        wheels, sdists = list(out.glob("*.whl")), list(out.glob("*.tar.gz"))
        assert len(wheels) == 1 and len(sdists) == 1, sorted(p.name for p in out.iterdir())
        return {"wheel": wheels[0], "sdist": sdists[0]}

    return made_once(tmp_path_factory, "dist", build)  # built once, whichever xdist worker asks first


@pytest.fixture(scope="module")
def venv(dist, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A fresh venv holding nothing but the wheel and the dependencies it declares, installed by pip. The tests
    below only read it (each works in its own folder outside the repository), so they share one install.
    The pip of the tests' interpreter installs into it (``--python``), which spares seeding the venv with a
    pip of its own; ``--no-compile``: pip would compile every module of every dependency, Python compiles
    what is imported."""

    def install(base: Path) -> dict[str, Path]:
        venv = base / "venv"
        _step([sys.executable, "-m", "venv", "--without-pip", str(venv)], cwd=base)
        _step([sys.executable, "-m", "pip", "--python", str(_bin(venv) / "python"), "install", "--quiet", "--no-compile",
               str(dist["wheel"])], cwd=base)
        return {"venv": venv}

    return made_once(tmp_path_factory, "venv", install)["venv"]  # installed once, whichever xdist worker asks first


def _bin(venv: Path) -> Path:
    return venv / ("Scripts" if os.name == "nt" else "bin")


def test_wheel_and_sdist_hold_every_package_schema_and_run_ini(dist):
    expected = _expected_files()
    assert "harness/run.ini" in expected and "schemas/openapi/platform.json" in expected and "schemas/profile.json" in expected
    assert {"sources/canvas-facts.md", "sources/ims-facts.md", "sources/seeds/README.md"} <= expected
    in_wheel = set(zipfile.ZipFile(dist["wheel"]).namelist())
    in_wheel_pkg = {name.removeprefix("lti_harness/") for name in in_wheel if name.startswith("lti_harness/")}
    assert not expected - in_wheel_pkg, f"missing from the wheel: {sorted(expected - in_wheel_pkg)}"
    assert "lti_harness/__init__.py" in in_wheel
    top = {name.split("/", 1)[0] for name in in_wheel if not name.split("/", 1)[0].endswith(".dist-info")}
    assert top == {"lti_harness"}, f"the wheel installs more than the lti_harness package: {sorted(top)}"
    with tarfile.open(dist["sdist"]) as sdist:
        in_sdist = {name.split("/", 1)[1] for name in sdist.getnames() if "/" in name}
    assert not expected - in_sdist, f"missing from the sdist: {sorted(expected - in_sdist)}"
    assert {"LICENSE", "README.md", "pyproject.toml"} <= in_sdist
    assert not any(name.startswith(("tests/", "bench/", "lti_harness/tests/", "lti_harness/bench/", "lti_harness/.venv/"))
                   for name in in_wheel), "the project's own tests are not installed"


def test_clean_install_of_the_wheel_runs_lti_harness(venv, tmp_path):
    bin_dir = _bin(venv)
    work = tmp_path / "elsewhere"  # outside the repository: nothing can be imported from the source tree
    work.mkdir()
    version = _step([str(bin_dir / "lti-harness"), "--version"], cwd=work)
    assert version.stdout.startswith("lti-harness ")
    origin = _step([str(bin_dir / "python"), "-c", "from lti_harness import harness, suites; print(harness.__file__); print(suites.__file__)"], cwd=work)
    assert all(str(venv) in line for line in origin.stdout.split()), f"imported from outside the venv: {origin.stdout}"
    listing = json.loads(_step([str(bin_dir / "lti-harness"), "checks", "--format", "json"], cwd=work).stdout)
    cited = [d["path"] for item in listing for d in item["documents"]]  # every citation opens in the installed package
    assert cited and all(str(venv) in path and Path(path).is_file() for path in cited), cited[:5]
    run = _step([str(bin_dir / "lti-harness"), "run", "--suite", "registration", "--examples", "2", "--report-dir", "out"], cwd=work)
    summary = json.loads((work / "out" / "summary.json").read_text(encoding="utf-8"))
    assert summary["exit_code"] == 0 and summary["passed"] > 0 and summary["failed"] == 0, run.stdout[-2000:]
    assert (work / "out" / "report.html").is_file() and (work / "out" / "junit.xml").is_file()
    bare = subprocess.run([str(bin_dir / "python"), "-c", "import harness"], cwd=work, env=_clean_env(), capture_output=True,
                          text=True, timeout=STEP_TIMEOUT, stdin=subprocess.DEVNULL)
    assert bare.returncode != 0 and "No module named 'harness'" in bare.stderr, "the wheel installs a top-level harness package"


FOREIGN_PACKAGES = ("harness", "suites", "reports", "schemas")
FOREIGN_TEST = """
from hypothesis import given, strategies as st

import harness, reports, schemas, suites


def test_own_packages_win():
    assert (harness.summary, reports.summary, schemas.summary, suites.summary) == ("foreign",) * 4


@given(st.integers())
def test_property_with_own_packages(n):
    assert reports.double(n) == 2 * n


def test_harness_plugin_is_loaded(pytestconfig):
    assert pytestconfig.pluginmanager.has_plugin("lti_harness")
"""


def test_wheel_beside_a_project_with_packages_of_the_same_names(venv, tmp_path):
    """A QA team's project with its own ``harness``, ``suites``, ``reports`` and ``schemas`` packages: its
    tests import its packages (with the harness plugin loaded), and ``lti-harness run`` from its folder
    still runs the harness's own suites."""
    bin_dir = _bin(venv)
    project = tmp_path / "project"
    for name in FOREIGN_PACKAGES:
        (project / name).mkdir(parents=True)
        (project / name / "__init__.py").write_text('summary = "foreign"\n\n\ndef double(n):\n    return 2 * n\n', encoding="utf-8")
    (project / "tests").mkdir()
    (project / "tests" / "test_team.py").write_text(FOREIGN_TEST, encoding="utf-8")
    (project / "pytest.ini").write_text("[pytest]\npythonpath = .\naddopts = -p no:cacheprovider\n", encoding="utf-8")
    team = _step([str(bin_dir / "python"), "-m", "pytest", "-q"], cwd=project)
    assert "3 passed" in team.stdout, team.stdout[-2000:]
    run = _step([str(bin_dir / "lti-harness"), "run", "--suite", "registration", "--examples", "2", "--report-dir", "out"], cwd=project)
    summary = json.loads((project / "out" / "summary.json").read_text(encoding="utf-8"))
    assert summary["exit_code"] == 0 and summary["passed"] > 0 and summary["failed"] == 0, run.stdout[-2000:]
    assert {c["suite"] for c in summary["checks"]} == {"registration"}
