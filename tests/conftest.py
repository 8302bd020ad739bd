"""Shared helpers for the project's own tests: run the CLI in a subprocess, start mocks on loopback."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterator

import pytest

from lti_harness.harness import servers

RUN_TIMEOUT = 300  # a hang guard for subprocess runs, not a performance assertion


@dataclass
class RunResult:
    code: int
    stdout: str
    stderr: str
    report_dir: Path

    @property
    def summary(self) -> dict[str, Any]:
        return json.loads((self.report_dir / "summary.json").read_text(encoding="utf-8"))

    def outcomes(self) -> dict[str, str]:
        return {c["id"]: c["outcome"] for c in self.summary["checks"]}

    def messages(self, cid: str) -> str:
        """Every message the run gave for check ``cid``, joined."""
        return " ".join(m for c in self.summary["checks"] if c["id"] == cid for m in c.get("messages", []))

    def failed(self) -> set[str]:
        return {cid for cid, outcome in self.outcomes().items() if outcome == "failed"}


def child_env(extra: dict[str, str] | None = None) -> dict[str, str]:
    """The environment for a harness process the tests start. The tests start over a hundred of them:
    letting them cache bytecode (and pytest's rewritten suite modules) saves about 2 s each where
    PYTHONDONTWRITEBYTECODE is set."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    return {**env, **(extra or {})}


def cli(*args: str, env: dict[str, str] | None = None, cwd: Path | None = None, timeout: float = RUN_TIMEOUT) -> subprocess.CompletedProcess[str]:
    """Run ``lti-harness ARGS`` in a fresh interpreter (no input, bounded time)."""
    return subprocess.run(
        [sys.executable, "-m", "lti_harness.harness.cli", *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        stdin=subprocess.DEVNULL,
        env=child_env(env),
        cwd=cwd,
    )


@pytest.fixture
def run_harness(tmp_path: Path):
    """Run ``lti-harness run`` with a fresh report folder; returns a :class:`RunResult`."""

    def _run(*args: str, env: dict[str, str] | None = None) -> RunResult:
        report_dir = tmp_path / f"report-{len(list(tmp_path.iterdir()))}"
        head = list(args[: args.index("--")] if "--" in args else args)
        one = [] if {"-n", "--workers"} & set(head) else ["-n", "1"]  # the project's tests already spread over the cores
        proc = cli("run", "--report-dir", str(report_dir), *one, *args, env=env, cwd=tmp_path)
        return RunResult(proc.returncode, proc.stdout, proc.stderr, report_dir)

    return _run


@pytest.fixture
def serve():
    """Start ASGI apps on free loopback ports for the test; all are stopped afterwards."""
    started: list[servers.RunningServer] = []

    def _serve(app: Any) -> str:
        server = servers.start(app)
        started.append(server)
        return server.url

    yield _serve
    for server in started:
        server.stop()


def write_profile(path: Path, base_url: str, token_env: str = "LTI_TEST_ADMIN_TOKEN", extra: str = "") -> Path:
    path.write_text(
        f'[platform]\nbase_url = "{base_url}"\naccount_id = "1"\nadmin_token = "env:{token_env}"\ntimeout = 2\n{extra}',
        encoding="utf-8",
    )
    return path


@pytest.fixture(scope="session")
def embedded_run(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunResult]:
    """One full embedded run (all suites, faultless mocks), read by the self-tests."""
    report_dir = tmp_path_factory.mktemp("embedded") / "out"
    proc = cli("run", "--report-dir", str(report_dir), "--seed", "12345", cwd=report_dir.parent)
    yield RunResult(proc.returncode, proc.stdout, proc.stderr, report_dir)
