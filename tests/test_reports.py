"""The reports of an embedded run: present, complete, and free of secrets. (The full run of every
suite is the self-tests'; they check its reports for secrets too.)"""

from __future__ import annotations

import re
import shlex
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Iterator

import pytest

from conftest import RunResult, cli, made_once
from lti_harness.harness.checks import load_all

SUITES = ["registration", "tool_side"]  # a platform suite and a tool suite

JWT = re.compile(r"eyJ[A-Za-z0-9_-]{2,}\.[A-Za-z0-9_-]{2,}\.[A-Za-z0-9_-]+")
PRIVATE_JWK = re.compile(r'"(d|p|q|dp|dq|qi)"\s*:\s*"[A-Za-z0-9_-]{16,}"')


@pytest.fixture(scope="module")
def two_suite_run(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunResult]:
    yield made_once(tmp_path_factory, "two-suite-run", lambda base: _run(base / "out", "--seed", "12345", *[a for s in SUITES for a in ("--suite", s)]))


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


# --- what a CI reader sees: JUnit names and messages, report.html, the reproduce line ----------------

FAULT_RUN = ["--suite", "registration", "--check", "DR-012", "--check", "DR-014", "--fault", "accept-expired-token",
             "--fault", "accept-reused-token", "--examples", "2", "--seed", "7"]  # two checks, each failing under its fault


def _run(report_dir, *args: str) -> RunResult:
    proc = cli("run", "--report-dir", str(report_dir), *args, cwd=report_dir.parent)
    return RunResult(proc.returncode, proc.stdout, proc.stderr, report_dir)


@pytest.fixture(scope="module")
def fault_run(tmp_path_factory: pytest.TempPathFactory) -> RunResult:
    return made_once(tmp_path_factory, "fault-run", lambda base: _run(base / "out", *FAULT_RUN))


@pytest.fixture(scope="module")
def down_run(tmp_path_factory: pytest.TempPathFactory) -> RunResult:
    """A [platform]-only profile whose target is down: platform checks end in error, tool checks are not applicable."""

    def make(base: Path) -> RunResult:
        profile = base / "down.toml"
        profile.write_text('[platform]\nbase_url = "http://127.0.0.1:9"\naccount_id = "1"\nadmin_token = "abcdefgh12345678"\ntimeout = 2\n', encoding="utf-8")
        return _run(base / "out", "--profile", str(profile), "--suite", "registration", "--suite", "tool_side", "--examples", "2")

    return made_once(tmp_path_factory, "down-run", make)


def _testcases(run: RunResult) -> list[ET.Element]:
    return list(ET.parse(run.report_dir / "junit.xml").getroot().iter("testcase"))


def _checks_of(case: ET.Element) -> list[tuple[str, str]]:
    props = [(p.get("name"), p.get("value")) for p in case.iter("property")]
    levels = {k.removesuffix(".level"): v for k, v in props if k.endswith(".level")}
    return [(cid, levels[cid]) for cid in dict.fromkeys(v for k, v in props if k == "check")]


def _html_data(run: RunResult) -> dict:
    import html as htmllib
    import json

    page = (run.report_dir / "report.html").read_text(encoding="utf-8")
    return json.loads(htmllib.unescape(re.search(r'data-jsonblob="([^"]*)"', page).group(1)))


def test_every_junit_test_name_starts_with_its_checks_and_levels(two_suite_run, down_run):
    for run in (two_suite_run, down_run):
        cases = _testcases(run)
        assert cases
        for case in cases:
            checks = _checks_of(case)
            assert checks, case.get("name")
            label = "[" + ", ".join(f"{cid} {level}" for cid, level in checks) + "] "
            assert case.get("name").startswith(label), case.get("name")


def test_junit_failure_messages_start_with_check_and_level(fault_run):
    assert fault_run.code == 1 and fault_run.failed() == {"DR-012", "DR-014"}
    failures = {}
    for case in _testcases(fault_run):
        for failure in case.iter("failure"):
            (cid, level), = _checks_of(case)
            failures[cid] = failure.get("message")
            assert failure.get("message").startswith(f"{cid} [{level}]: "), failure.get("message")
    assert set(failures) == {"DR-012", "DR-014"}
    summary = {c["id"]: c for c in fault_run.summary["checks"]}
    for cid, message in failures.items():  # then the check's reason, as summary.json says it
        assert message == f"{cid} [{summary[cid]['level']}]: {summary[cid]['messages'][0]}"


def test_junit_error_messages_start_with_check_and_level(down_run):
    errors = [(case, e) for case in _testcases(down_run) for e in case.iter("error")]
    assert errors
    for case, error in errors:
        label = ", ".join(f"{cid} [{level}]" for cid, level in _checks_of(case))
        assert error.get("message").startswith(label + ": "), error.get("message")
        assert "connection refused" in error.get("message")


def test_not_applicable_rows_name_no_harness_file(down_run):
    from lti_harness import harness
    from lti_harness import suites

    na = [c["id"] for c in down_run.summary["checks"] if c["outcome"] == "not_applicable"]
    assert na and all(cid.startswith("TOOL-") for cid in na)
    skipped = [s for case in _testcases(down_run) for s in case.iter("skipped")]
    assert len(skipped) >= len(na)
    for s in skipped:
        assert s.text.startswith("lti_harness.suites.tool_side.") and ": not applicable: " in s.text, s.text
    data = _html_data(down_run)
    logs = [row["log"] for rows in data["tests"].values() for row in rows if row["result"] == "Skipped"]
    assert logs and all(log.startswith("lti_harness.suites.tool_side.") and "not applicable" in log for log in logs)
    harness_dirs = {str(Path(harness.__file__).resolve().parent), str(Path(suites.__file__).resolve().parent)}
    for name in ("report.html", "junit.xml", "summary.json"):
        text = (down_run.report_dir / name).read_text(encoding="utf-8")
        assert not any(d in text for d in harness_dirs), f"a harness file path in {name}"
        assert "plugin.py" not in text


def test_html_report_has_its_title_and_check_columns(two_suite_run, down_run):
    page = (two_suite_run.report_dir / "report.html").read_text(encoding="utf-8")
    assert "<title id=\"head-title\">LTI conformance report — the embedded mocks</title>" in page
    assert "LTI conformance report — http://127.0.0.1:9<" in (down_run.report_dir / "report.html").read_text(encoding="utf-8")
    for column in ("check", "level", "suite"):
        assert f'data-column-type="{column}"' in page
    catalogue = {c.id: c for c in load_all(SUITES)}
    rows = [row for rows in _html_data(two_suite_run)["tests"].values() for row in rows]
    assert rows
    for row in rows:
        ids = row["check"].split(", ")
        assert all(cid in catalogue for cid in ids), row["check"]
        assert set(row["level"].split(", ")) == {catalogue[cid].level for cid in ids}
        assert set(row["suite"].split(", ")) == {catalogue[cid].suite for cid in ids}
    assert {cid for row in rows for cid in row["check"].split(", ")} == set(catalogue)


def test_html_extras_show_the_decisive_exchange_first(fault_run):
    summary = {c["id"]: c for c in fault_run.summary["checks"]}
    for rows in _html_data(fault_run)["tests"].values():
        for row in rows:
            if row["result"] != "Failed":
                continue
            block = next(e["content"] for e in row["extras"] if "lti-check" in e["content"])
            cid = row["check"]
            last = summary[cid]["exchanges"][-1]  # the last exchange of the failing test: the one the check judged
            decisive = block.index("lti-decisive")
            assert decisive < block.find("<details") or "<details" not in block
            first_pre = block[decisive:].split("<pre>", 1)[1]
            import html as htmllib

            assert htmllib.unescape(first_pre).startswith(f"> {last['method']} {last['url']}")
            assert f"--check {cid}" in block and "--fault accept-expired-token" in block


def test_html_console_and_json_counts_agree(fault_run, down_run, two_suite_run):
    for run in (fault_run, down_run, two_suite_run):
        s = run.summary
        page = (run.report_dir / "report.html").read_text(encoding="utf-8")
        head = re.search(r"LTI conformance: (\d+) passed, (\d+) failed, (\d+) error, (\d+) not applicable \(exit code (\d+)", page)
        assert head, "no verdict counts in report.html"
        assert [int(x) for x in head.groups()] == [s["passed"], s["failed"], s["error"], s["not_applicable"], s["exit_code"]]
        total = re.search(r"^total\s+(\d+)\s+(\d+)\s+(\d+)\s+(\d+)$", run.stdout, re.M)
        assert [int(x) for x in total.groups()] == [s["passed"], s["failed"], s["error"], s["not_applicable"]]
        assert s["exit_code"] == run.code


def test_reproduce_line_reproduces_the_run(fault_run, tmp_path):
    line = next(x for x in fault_run.stdout.splitlines() if x.startswith("reproduce: "))
    args = shlex.split(line.removeprefix("reproduce: "))
    assert args[:2] == ["lti-harness", "run"]
    for option in ("--seed 7", "--suite registration", "--check DR-012", "--check DR-014", "--examples 2",
                   "--fault accept-expired-token", "--fault accept-reused-token"):
        assert option in line, option
    again = _run(tmp_path / "out", *args[2:])
    assert again.outcomes() == fault_run.outcomes() and again.code == fault_run.code
    assert again.summary["seed"] == fault_run.summary["seed"]
    assert line in again.stdout  # the same command again


def test_reproduce_command_carries_every_run_option():
    from lti_harness.harness.runner import RunOptions, reproduce_command

    opts = RunOptions(profile="my target.toml", suites=["registration"], checks=["DR-012"], seed=5, examples=3,
                      faults=["accept-expired-token"], baseline="known.toml", deadline=90.0, strict=True, shrink=False,
                      level="required", max_failures=2, extra=["-x", "-k", "DR-012 or DR-013"])
    assert shlex.split(reproduce_command(opts)) == [
        "lti-harness", "run", "--seed", "5", "--profile", "my target.toml", "--suite", "registration", "--check", "DR-012",
        "--level", "required", "--examples", "3", "--fault", "accept-expired-token", "--baseline", "known.toml",
        "--deadline", "90", "--max-failures", "2", "--strict", "--no-shrink", "--", "-x", "-k", "DR-012 or DR-013"]
    from lti_harness.harness.cli import parser

    words = shlex.split(reproduce_command(opts))
    ns = parser().parse_args(words[1:words.index("--")])
    assert (ns.seed, ns.profile, ns.suite, ns.check, ns.level, ns.examples, ns.fault, ns.baseline, ns.deadline,
            ns.max_failures, ns.strict, ns.no_shrink) == (5, ["my target.toml"], ["registration"], ["DR-012"], "required", 3,
                                                         ["accept-expired-token"], "known.toml", 90.0, 2, True, True)


def test_exchanges_html_folds_all_but_the_decisive_one():
    from lti_harness.harness.client import Exchange
    from lti_harness.harness.plugin import FOLDED_EXCHANGES, exchanges_html

    def ex(i: int) -> Exchange:
        return Exchange(method="GET", url=f"http://127.0.0.1:1/thing/{i}/", request_headers={}, request_body="",
                        status=200, response_headers={}, response_body="{}", elapsed_ms=1.0)

    many = [ex(i) for i in range(FOLDED_EXCHANGES + 5)]
    block = exchanges_html(many, failed=True)
    decisive, folded = block.split("<details", 1)
    assert f"/thing/{len(many) - 1}/" in decisive and "/thing/0/" not in decisive
    assert folded.index(f"/thing/{len(many) - 2}/") < folded.index(f"/thing/{len(many) - 3}/")  # most recent first
    hidden = len(many) - 1 - FOLDED_EXCHANGES
    assert f"/thing/{hidden}/" in folded and f"/thing/{hidden - 1}/" not in folded and f"the {hidden} oldest are not shown" in folded
    assert "<details" not in exchanges_html(many[:1], failed=False)
    assert "no HTTP exchange" in exchanges_html([], failed=True)
