"""The reports of a full embedded run: present, complete, and free of secrets."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

from harness.checks import load_all

JWT = re.compile(r"eyJ[A-Za-z0-9_-]{2,}\.[A-Za-z0-9_-]{2,}\.[A-Za-z0-9_-]+")
PRIVATE_JWK = re.compile(r'"(d|p|q|dp|dq|qi)"\s*:\s*"[A-Za-z0-9_-]{16,}"')


def test_run_writes_three_reports_and_a_summary_screen(embedded_run):
    out = embedded_run.report_dir
    assert embedded_run.code == 0
    for name in ("report.html", "junit.xml", "summary.json"):
        assert (out / name).stat().st_size > 0, name
    assert "LTI conformance summary" in embedded_run.stdout and "result: PASS" in embedded_run.stdout
    assert "reproduce: lti-harness run --seed 12345" in embedded_run.stdout


def test_summary_json_shape(embedded_run):
    s = embedded_run.summary
    assert s["passed"] + s["failed"] + s["not_applicable"] == len(s["checks"]) == len(load_all())
    assert s["seed"] == 12345 and s["exit_code"] == 0
    for item in s["checks"]:
        assert {"id", "outcome", "level", "source", "title", "suite"} <= set(item)


def test_junit_carries_check_ids(embedded_run):
    root = ET.parse(embedded_run.report_dir / "junit.xml").getroot()
    ids = {p.get("value") for p in root.iter("property") if p.get("name") == "check"}
    assert ids == {c.id for c in load_all()}


def test_html_report_names_checks_and_sources(embedded_run):
    html = (embedded_run.report_dir / "report.html").read_text(encoding="utf-8")
    assert "DR-009" in html and "002_dbbfc42e48a9805e.txt" in html


def test_no_secret_in_any_report(embedded_run):
    assert_no_secrets(embedded_run.report_dir)


def assert_no_secrets(report_dir) -> None:
    """No JWT, private key or bearer credential in any file of a report folder."""
    for path in report_dir.iterdir():
        text = path.read_text(encoding="utf-8", errors="replace")
        assert not JWT.search(text), f"a JWT leaked into {path.name}"
        assert not PRIVATE_JWK.search(text), f"a private key member leaked into {path.name}"
        assert "PRIVATE KEY-----" not in text
        assert not re.search(r"Bearer (?!\[REDACTED\])[A-Za-z0-9._~+/-]{8,}", text), f"a bearer token leaked into {path.name}"
