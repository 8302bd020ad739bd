"""The README's CI recipes: the YAML parses, every ``lti-harness`` command in it is one the CLI accepts,
the jobs install, serve or target, run with a baseline and keep report.html and junit.xml, and the
profile they use loads. (The YAML itself cannot run here; its commands can be checked.)"""

from __future__ import annotations

import re
import shlex
from pathlib import Path
from typing import Any

import pytest
import yaml

from lti_harness.harness import profile as profiles
from lti_harness.harness.cli import parser

README = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")
SEPARATORS = {";", "&&", "||", "&", "|"}


def _section(title: str) -> str:
    start = README.index(f"\n## {title}\n")
    end = README.find("\n## ", start + 1)
    return README[start:end if end != -1 else None]


def _blocks(lang: str) -> list[str]:
    return re.findall(rf"```{lang}\n(.*?)```", _section("CI recipes"), flags=re.S)


def _jobs() -> dict[str, dict[str, Any]]:
    """The recipe jobs, by CI system: GitHub's job, GitLab's job."""
    found = {}
    for block in _blocks("yaml"):
        doc = yaml.safe_load(block)
        if "jobs" in doc:
            found["github"] = next(iter(doc["jobs"].values()))
        else:
            found["gitlab"] = next(iter(doc.values()))
    return found


def _shell_lines(system: str, job: dict[str, Any]) -> list[str]:
    if system == "github":
        runs = [step["run"] for step in job["steps"] if "run" in step]
        return [line for run in runs for line in run.splitlines() if line.strip()]
    return list(job["script"])


def _commands(line: str) -> list[list[str]]:
    """The simple commands of a shell line, split at ; && || & | (comments dropped)."""
    lexer = shlex.shlex(line, posix=True, punctuation_chars=";&|")
    lexer.whitespace_split = True
    lexer.commenters = "#"
    commands: list[list[str]] = [[]]
    for token in lexer:
        if token in SEPARATORS:
            commands.append([])
        else:
            commands[-1].append(token)
    return [c for c in commands if c]


def _harness_commands(system: str) -> list[list[str]]:
    job = _jobs()[system]
    return [c[1:] for line in _shell_lines(system, job) for c in _commands(line) if c[0] == "lti-harness"]


def test_there_is_a_github_and_a_gitlab_recipe():
    assert set(_jobs()) == {"github", "gitlab"}


@pytest.mark.parametrize("system", ["github", "gitlab"])
def test_every_lti_harness_command_parses(system):
    commands = _harness_commands(system)
    assert commands, f"the {system} recipe runs no lti-harness command"
    for argv in commands:
        try:
            parser().parse_args(argv)
        except SystemExit as exc:  # argparse's way to refuse (code 2) or to answer --version (code 0)
            assert exc.code == 0 and argv == ["--version"], f"lti-harness {shlex.join(argv)} is refused by the CLI"


@pytest.mark.parametrize("system", ["github", "gitlab"])
def test_recipe_installs_serves_runs_with_a_baseline_and_keeps_the_reports(system):
    job = _jobs()[system]
    lines = _shell_lines(system, job)
    assert any(line.lstrip().startswith("pip install") for line in lines), "the harness is not installed"
    commands = _harness_commands(system)
    assert ["--version"] in commands
    serve = [parser().parse_args(c) for c in commands if c[0] == "serve"]
    runs = [parser().parse_args(c) for c in commands if c[0] == "run"]
    assert len(serve) == 1 and serve[0].what == "platform" and len(runs) == 1
    run = runs[0]
    assert run.profile and run.baseline, "the run names no profile or no baseline"
    text = yaml.safe_dump(job)
    for name in ("report.html", "junit.xml"):
        assert f"{run.report_dir}/{name}" in text, f"{name} of {run.report_dir} is not kept as an artifact"
    # the served mock is where the profile points, with the token the profile reads
    profile = _profile()
    assert profile.platform is not None and profile.platform.base_url == f"http://127.0.0.1:{serve[0].port}"


def _profile() -> Any:
    import os
    import tempfile

    (block,) = _blocks("toml")
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "target.toml"
        path.write_text(block, encoding="utf-8")
        old = os.environ.get("CANVAS_ADMIN_TOKEN")
        os.environ["CANVAS_ADMIN_TOKEN"] = "mock-admin-token"
        try:
            return profiles.load(str(path))
        finally:
            if old is None:
                os.environ.pop("CANVAS_ADMIN_TOKEN")
            else:
                os.environ["CANVAS_ADMIN_TOKEN"] = old


def test_the_recipes_profile_loads():
    loaded = _profile()
    assert loaded.platform is not None and loaded.platform.admin_token == "mock-admin-token"
