"""Packaging: dependency bounds that admit what is installed, a licence, a changelog, the version."""

from __future__ import annotations

import tomllib
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

import pytest
from packaging.requirements import Requirement

from conftest import cli

ROOT = Path(__file__).resolve().parents[1]
PROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
REQUIREMENTS = [Requirement(r) for r in PROJECT["dependencies"] + [r for rs in PROJECT["optional-dependencies"].values() for r in rs]]
# libraries whose internals the harness touches: a new major (or, before 1.0, minor) release may break it
BOUNDED = {"schemathesis", "hypothesis", "pytest", "pytest-html", "pytest-xdist", "starlette", "httpx", "httpcore", "uvicorn"}


@pytest.mark.parametrize("req", REQUIREMENTS, ids=str)
def test_declared_bounds_admit_the_installed_version(req):
    try:
        installed = version(req.name)
    except PackageNotFoundError:
        pytest.fail(f"{req.name} is declared but not installed")
    assert req.specifier.contains(installed, prereleases=True), f"{req} excludes the installed {req.name} {installed}"


def test_libraries_whose_internals_are_used_have_upper_bounds():
    by_name = {r.name.lower(): r for r in REQUIREMENTS}
    for name in sorted(BOUNDED):
        assert any(s.operator in ("<", "<=", "~=", "==") for s in by_name[name].specifier), f"{name} has no upper bound"


def test_licence_changelog_and_version():
    licence = (ROOT / "LICENSE").read_text(encoding="utf-8")
    assert licence.startswith("MIT License") and "the lti-harness authors" in licence and PROJECT["license"] == {"text": "MIT"}
    changelog = (ROOT / "CHANGELOG.md").read_text(encoding="utf-8")
    assert "## [Unreleased]" in changelog and all(f"### {kind}" in changelog for kind in ("Added", "Changed", "Fixed"))
    proc = cli("--version")
    assert proc.returncode == 0 and proc.stdout.strip() == f"lti-harness {PROJECT['version']}"
