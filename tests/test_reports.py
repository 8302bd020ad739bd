"""The reports of an embedded run: present, complete, and free of secrets. (The full run of every
suite is the self-tests'; they check its reports for secrets too.)"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from typing import Iterator

import pytest

from conftest import RunResult, cli
from harness.checks import load_all

SUITES = ["registration", "tool_side"]  # a platform suite and a tool suite

JWT = re.compile(r"eyJ[A-Za-z0-9_-]{2,}\.[A-Za-z0-9_-]{2,}\.[A-Za-z0-9_-]+")
PRIVATE_JWK = re.compile(r'"(d|p|q|dp|dq|qi)"\s*:\s*"[A-Za-z0-9_-]{16,}"')


@pytest.fixture(scope="module")
def two_suite_run(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunResult]:
    report_dir = tmp_path_factory.mktemp("reports") / "out"
    proc = cli("run", "--report-dir", str(report_dir), "--seed", "12345", *[a for s in SUITES for a in ("--suite", s)], cwd=report_dir.parent)
    yield RunResult(proc.returncode, proc.stdout, proc.stderr, report_dir)


def test_run_writes_three_reports_and_a_summary_screen(two_suite_run):
    out = two_suite_run.report_dir
    assert two_suite_run.code == 0
    for name in ("report.html", "junit.xml", "summary.json"):
        assert (out / name).stat().st_size > 0, name
    assert "LTI conformance summary" in two_suite_run.stdout and "result: PASS" in two_suite_run.stdout
    assert "reproduce: lti-harness run --seed 12345" in two_suite_run.stdout


def test_summary_json_shape(two_suite_run):
    s = two_suite_run.summary
    assert s["passed"] + s["failed"] + s["error"] + s["not_applicable"] == len(s["checks"]) == len(load_all(SUITES))
    assert s["seed"] == 12345 and s["exit_code"] == 0
    for item in s["checks"]:
        assert {"id", "outcome", "level", "source", "title", "suite"} <= set(item)


def test_junit_carries_check_ids(two_suite_run):
    root = ET.parse(two_suite_run.report_dir / "junit.xml").getroot()
    ids = {p.get("value") for p in root.iter("property") if p.get("name") == "check"}
    assert ids == {c.id for c in load_all(SUITES)}


def test_html_report_names_checks_and_sources(two_suite_run):
    html = (two_suite_run.report_dir / "report.html").read_text(encoding="utf-8")
    assert "DR-009" in html and "002_dbbfc42e48a9805e.txt" in html


def test_no_secret_in_any_report(two_suite_run):
    assert_no_secrets(two_suite_run.report_dir)


def assert_no_secrets(report_dir) -> None:
    """No JWT, private key or bearer credential in any file of a report folder."""
    for path in report_dir.iterdir():
        text = path.read_text(encoding="utf-8", errors="replace")
        assert not JWT.search(text), f"a JWT leaked into {path.name}"
        assert not PRIVATE_JWK.search(text), f"a private key member leaked into {path.name}"
        assert "PRIVATE KEY-----" not in text
        assert not re.search(r"Bearer (?!\[REDACTED\])[A-Za-z0-9._~+/-]{8,}", text), f"a bearer token leaked into {path.name}"


def test_untestable_checks_are_errors_in_every_report(run_harness, tmp_path):
    """A target that is down: every check ends in error (not failed) in the console, summary.json,
    junit.xml (<error>) and report.html (Error), and the exit code says "could not test"."""
    profile = tmp_path / "down.toml"
    profile.write_text('[platform]\nbase_url = "http://127.0.0.1:9"\naccount_id = "1"\nadmin_token = "abcdefgh12345678"\ntimeout = 2\n', encoding="utf-8")
    result = run_harness("--profile", str(profile), "--suite", "registration", "--examples", "2")
    assert result.code == 3 == result.summary["exit_code"]
    assert result.summary["failed"] == 0 and result.summary["error"] == len(result.summary["checks"]) > 0
    assert "connection refused" in result.summary["checks"][0]["messages"][0]
    root = ET.parse(result.report_dir / "junit.xml").getroot()
    assert len(list(root.iter("error"))) == len(list(root.iter("testcase"))) > 0 and not list(root.iter("failure"))
    page = (result.report_dir / "report.html").read_text(encoding="utf-8")
    assert "&#34;result&#34;: &#34;Error&#34;" in page or '"result": "Error"' in page
    assert "result: UNTESTED" in result.stdout
