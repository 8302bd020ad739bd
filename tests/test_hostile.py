"""`lti-harness run` against a hostile target (tests/hostile.py): every misbehaviour ends in a clear verdict
with a plain message, in bounded time and bounded memory, with the reports written; and nothing the
target echoes back puts a secret of the profile into any output."""

from __future__ import annotations

import re
import subprocess
import sys
import time
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

import pytest

from conftest import RunResult, child_env, write_profile
from hostile import Hostile
from test_robustness import _assert_clean

ADMIN_TOKEN = "hostile-admin-token-5f2c9d81e7"
ENV = {"LTI_TEST_ADMIN_TOKEN": ADMIN_TOKEN}
HANG_GUARD_S = 240  # a hang guard for each run, not a performance assertion
PEAK_MB = 300  # the memory bound issue 13 asks of the harness facing a hostile target
_MEASURE = ("import resource, subprocess, sys\n"
            "code = subprocess.call(sys.argv[1:], stdin=subprocess.DEVNULL)\n"
            "print('PEAK_KB', resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss, file=sys.stderr)\n"
            "sys.exit(code)\n")


@dataclass
class Measured:
    result: RunResult
    peak_mb: float
    seconds: float


@pytest.fixture(scope="module", autouse=True)
def _hypothesis_storage(tmp_path_factory) -> Iterator[None]:
    """One hypothesis storage directory for the runs, its Unicode tables built beforehand: hypothesis
    builds them once per directory (about 200 MB for a moment), which is not what is measured here."""
    storage = tmp_path_factory.mktemp("hypothesis")
    subprocess.run([sys.executable, "-c", "from hypothesis.internal.charmap import intervals_from_codec as f; f('utf-8')"],
                   env=child_env({"HYPOTHESIS_STORAGE_DIRECTORY": str(storage)}), timeout=HANG_GUARD_S, check=True)
    ENV["HYPOTHESIS_STORAGE_DIRECTORY"] = str(storage)
    yield
    ENV.pop("HYPOTHESIS_STORAGE_DIRECTORY", None)


def run_measured(tmp_path: Path, target: str, *args: str, name: str = "report") -> Measured:
    """``lti-harness run --profile`` against ``target`` (timeout 2 s per request) in a child process whose
    peak resident memory is measured. Failing examples are not shrunk (``--no-shrink``): against a
    hostile target shrinking only repeats the same answers, and it is not what these tests are about."""
    report_dir = tmp_path / name
    profile = write_profile(tmp_path / f"{name}.toml", target)
    started = time.monotonic()
    proc = subprocess.run(
        [sys.executable, "-c", _MEASURE, sys.executable, "-m", "lti_harness.harness.cli", "run", "--report-dir", str(report_dir),
         "--profile", str(profile), "--examples", "2", "--seed", "7", "--no-shrink", *args],
        capture_output=True, text=True, timeout=HANG_GUARD_S, env=child_env(ENV), cwd=tmp_path,
    )
    seconds = time.monotonic() - started
    peak = re.findall(r"PEAK_KB (\d+)", proc.stderr)
    stderr = re.sub(r"PEAK_KB \d+\n?", "", proc.stderr)
    return Measured(RunResult(proc.returncode, proc.stdout, stderr, report_dir), int(peak[-1]) / 1024, seconds)


@pytest.fixture
def hostile() -> Iterator:
    started: list[Hostile] = []

    def _start(mode: str) -> Hostile:
        server = Hostile(mode)
        server.start()
        started.append(server)
        return server

    yield _start
    for server in started:
        server.stop()


def _assert_reports(result: RunResult) -> None:
    for name in ("report.html", "junit.xml", "summary.json"):
        assert (result.report_dir / name).is_file(), f"{name} was not written"


@pytest.mark.parametrize("mode,phrase,may_fail", [
    ("dribble", "was still sending its answer after 2 s", frozenset()),
    ("gzip_bomb", "target sent a compression bomb", frozenset()),
    ("huge_body", "target answered with a body over 2048 KiB", frozenset()),
    ("reset", "target reset the connection", frozenset()),
    ("silent", "target timed out after 2 s", frozenset()),
    # every answer is a 302 to another path: the admin step says so; DR-016's contract run sees an
    # undocumented status, which breaks the contract it checks
    ("redirect_loop", "302 from GET", frozenset({"DR-016"})),
])
def test_hostile_target_ends_with_a_plain_verdict(tmp_path, hostile, mode, phrase, may_fail):
    server = hostile(mode)
    run = run_measured(tmp_path, server.url, "--suite", "registration", "--deadline", "120")
    _assert_reports(run.result)
    _assert_clean(run.result, phrase, may_fail=may_fail)
    assert run.peak_mb < PEAK_MB, f"the harness peaked at {run.peak_mb:.0f} MB against {mode}"
    assert server.requests >= 1


def test_run_deadline_ends_a_long_run_with_its_reports(tmp_path, hostile):
    """A target that answers, but whose run takes long: --deadline ends the checks not yet done as
    error, saying why, and the summary and reports are still written."""
    server = hostile("slow")  # answers every request a second late: the run would take minutes
    run = run_measured(tmp_path, server.url, "--suite", "registration", "--suite", "scopes", "--deadline", "4")
    _assert_reports(run.result)
    summary = run.result.summary
    cut = [c["id"] for c in summary["checks"] if any("the run's deadline passed" in m for m in c.get("messages", []))]
    assert cut, "no check says the run's deadline passed"
    assert all(c["outcome"] == "error" for c in summary["checks"] if c["id"] in cut)
    assert run.result.code in (1, 3) and "Traceback" not in run.result.stdout + run.result.stderr
    assert "the run's deadline passed" in run.result.stdout
    assert run.seconds < 60  # a hang guard: the deadline, plus start-up and writing the reports


# --- secrets stay secret against an echoing target --------------------------------------------------


@pytest.fixture(scope="module")
def echoed(tmp_path_factory) -> Iterator[tuple[Measured, list[str]]]:
    """One run of the registration and scopes suites against a target echoing every credential it gets,
    and the registration tokens it issued (which it echoes too)."""
    server = Hostile("echo")
    server.start()
    try:
        run = run_measured(tmp_path_factory.mktemp("echo"), server.url, "--suite", "registration", "--suite", "scopes", "--deadline", "200")
    finally:
        server.stop()
    assert server.issued, "the harness never asked the echoing target for a registration token"
    yield run, [ADMIN_TOKEN, *server.issued]


def _no_secret(text: str, secrets: list[str], where: str) -> None:
    for secret in secrets:
        assert secret not in text, f"a secret ({secret[:4]}…) appears in {where}"
        assert secret[:12] not in text, f"the start of a secret ({secret[:4]}…) appears in {where}"


def test_echoed_secrets_stay_out_of_the_console(echoed):
    run, secrets = echoed
    _no_secret(run.result.stdout + run.result.stderr, secrets, "the console")
    assert "Bearer [REDACTED]" in run.result.stdout  # the echoed credential was there, redacted


def test_echoed_secrets_stay_out_of_summary_json(echoed):
    run, secrets = echoed
    text = (run.result.report_dir / "summary.json").read_text(encoding="utf-8")
    _no_secret(text, secrets, "summary.json")
    assert "[REDACTED]" in text and run.result.summary["error"] + run.result.summary["failed"] > 0


def test_echoed_secrets_stay_out_of_junit_xml(echoed):
    run, secrets = echoed
    text = (run.result.report_dir / "junit.xml").read_text(encoding="utf-8")
    _no_secret(text, secrets, "junit.xml")
    # the <failure message="…"> attributes come from each failure's text; some quote the echo, redacted
    messages = [el.get("message", "") for el in ET.fromstring(text).iter() if el.tag in ("failure", "error")]
    assert messages and any("[REDACTED]" in m for m in messages)


def test_echoed_secrets_stay_out_of_report_html(echoed):
    run, secrets = echoed
    text = (run.result.report_dir / "report.html").read_text(encoding="utf-8")
    _no_secret(text, secrets, "report.html")
    assert "[REDACTED]" in text


def test_echoed_secrets_stay_out_of_every_output_with_two_processes(tmp_path):
    """With ``-n 2`` a token issued to one process may be echoed to the other: the controller knows every
    worker's secrets before it writes summary.json, junit.xml and report.html or prints the summary."""
    server = Hostile("echo")
    server.start()
    try:
        run = run_measured(tmp_path, server.url, "--suite", "registration", "--suite", "scopes", "--deadline", "200", "-n", "2")
    finally:
        server.stop()
    assert server.issued and "bringing up nodes" in run.result.stdout, run.result.stdout[-2000:]
    secrets = [ADMIN_TOKEN, *server.issued]
    _no_secret(run.result.stdout + run.result.stderr, secrets, "the console")
    for name in ("summary.json", "junit.xml", "report.html"):
        text = (run.result.report_dir / name).read_text(encoding="utf-8")
        _no_secret(text, secrets, name)
        assert "[REDACTED]" in text, name
