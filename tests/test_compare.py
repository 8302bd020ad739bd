"""Comparing two runs: the engine on hand-made summaries, its renderings, and ``lti-harness compare`` on a
faultless run and a fault run."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from conftest import cli
from lti_harness.harness import compare as engine
from lti_harness.harness import results
from lti_harness.reports import compare as render
from test_selftest import CHECKS


def _item(cid: str, outcome: str, level: str = "required", messages: list[str] | None = None, **extra) -> dict:
    out = {"id": cid, "title": f"title of {cid}", "level": level, "outcome": outcome, **extra}
    if outcome != results.PASSED:
        out["messages"] = messages if messages is not None else [f"{cid} went wrong"]
    return out


A = {"checks": [
    _item("C-001", "passed"), _item("C-002", "failed"), _item("C-003", "passed"), _item("C-004", "failed", messages=["old"]),
    _item("C-005", "passed"), _item("C-006", "error"), _item("C-007", "passed"), _item("C-009", "not_applicable"),
    _item("C-010", "passed", level="recommended"),
]}
B = {"checks": [
    _item("C-001", "passed"), _item("C-002", "passed"), _item("C-003", "error"), _item("C-004", "failed", messages=["new"]),
    _item("C-005", "failed"), _item("C-006", "failed", level="recommended"), _item("C-008", "failed"),
    _item("C-009", "passed"), _item("C-010", "failed", level="recommended"),
]}


def _ids(changes: list[engine.Change]) -> list[str]:
    return [c.id for c in changes]


def test_compare_sorts_every_difference_into_its_kind():
    cmp = engine.compare(A, B)
    assert _ids(cmp.newly_failing) == ["C-005", "C-006", "C-010"]
    assert _ids(cmp.newly_passing) == ["C-002"]
    assert _ids(cmp.changed_verdicts) == ["C-003", "C-009"]
    assert _ids(cmp.changed_messages) == ["C-004"]
    assert _ids(cmp.only_in_a) == ["C-007"] and _ids(cmp.only_in_b) == ["C-008"]
    assert cmp.unchanged == 1
    change = cmp.changed_verdicts[0]
    assert (change.before, change.after) == ("passed", "error")
    assert (cmp.only_in_a[0].before, cmp.only_in_a[0].after) == ("passed", None)


def test_regressions_are_required_failures_b_has_and_a_had_not():
    cmp = engine.compare(A, B)
    assert _ids(cmp.regressions) == ["C-005", "C-008"]  # C-006 and C-010 are recommended
    assert cmp.exit_code == results.EXIT_FAILED
    assert _ids(engine.compare(B, A).regressions) == ["C-002"]  # the reverse: C-004 failed in both, C-007 only passes
    assert engine.compare(A, A).exit_code == results.EXIT_OK and engine.compare(A, A).unchanged == len(A["checks"])


def test_to_dict_is_json_with_every_kind():
    doc = json.loads(json.dumps(engine.compare(A, B, a_name="a.json", b_name="b.json").to_dict()))
    assert doc["a"] == "a.json" and doc["regressions"] == ["C-005", "C-008"] and doc["exit_code"] == 1
    assert [c["id"] for c in doc["newly_passing"]] == ["C-002"]
    assert doc["changed_messages"][0]["messages_before"] == ["old"] and doc["changed_messages"][0]["messages_after"] == ["new"]


def test_console_table_and_html_page_show_each_change_and_the_result(tmp_path: Path):
    cmp = engine.compare(A, {"checks": B["checks"] + [_item("C-011", "failed", messages=["<script>x</script>"])]})
    lines = render.console(cmp)
    text = "\n".join(t for t, _ in lines)
    assert "newly failing    C-005" in text and "newly passing    C-002" in text and "verdict changed  C-003" in text
    assert "message changed  C-004" in text and "only in A        C-007" in text and "only in B        C-008" in text
    assert lines[-1] == ("result: REGRESSED (3 required check(s) fail in B that did not fail in A: C-005, C-008, C-011)", "red")
    page = render.write_page(cmp, tmp_path / "sub" / "cmp.html").read_text(encoding="utf-8")
    assert "<td>newly failing</td><td>C-005</td>" in page and "<script>x" not in page and "&lt;script&gt;" in page


def test_a_known_failure_shows_as_known_in_b():
    cmp = engine.compare({"checks": [_item("C-001", "passed")]}, {"checks": [_item("C-001", "failed", known={"reason": "r", "expires": None})]})
    assert cmp.newly_failing[0].known_after
    assert "known failure" in render.console(cmp)[3][0]


def test_secrets_in_messages_are_redacted():
    token = "Bearer eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.c2lnbmF0dXJlc2lnbmF0dXJl"
    cmp = engine.compare({"checks": [_item("C-001", "passed")]}, {"checks": [_item("C-001", "failed", messages=[f"sent {token}"])]})
    assert "eyJzdWIiOiIxMjM0NTY3ODkwIn0" not in "\n".join(t for t, _ in render.console(cmp)) + render.page(cmp)


@pytest.mark.parametrize("content, expected", [
    (None, "no such file"),
    ("{not json", "not JSON"),
    ('{"checks": [{"id": "C-001"}]}', "not a run's summary.json"),
    ('["a list"]', "not a run's summary.json"),
])
def test_load_summary_refuses_what_is_not_a_summary(tmp_path: Path, content: str | None, expected: str):
    path = tmp_path / "summary.json"
    if content is not None:
        path.write_text(content, encoding="utf-8")
    with pytest.raises(engine.SummaryError, match=expected):
        engine.load_summary(path)


def test_load_summary_reads_a_report_directory_and_refuses_one_without_a_summary(tmp_path: Path):
    with pytest.raises(engine.SummaryError, match="a directory without a summary.json"):
        engine.load_summary(tmp_path)
    (tmp_path / "summary.json").write_text(json.dumps(A), encoding="utf-8")
    assert engine.load_summary(tmp_path) == A


def test_compare_cli_formats_and_usage_errors(tmp_path: Path):
    a, b = tmp_path / "a.json", tmp_path / "b.json"
    a.write_text(json.dumps(A), encoding="utf-8")
    b.write_text(json.dumps(B), encoding="utf-8")
    proc = cli("compare", str(a), str(b), "--format", "json", "--html", str(tmp_path / "cmp.html"), timeout=60)
    assert proc.returncode == 1, proc.stderr
    assert json.loads(proc.stdout)["regressions"] == ["C-005", "C-008"]
    assert "C-005" in (tmp_path / "cmp.html").read_text(encoding="utf-8")
    proc = cli("compare", str(a), str(tmp_path), timeout=60)  # a report directory without a summary
    assert proc.returncode == 2 and "a directory without a summary.json" in proc.stderr
    (tmp_path / "summary.json").write_text(json.dumps(A), encoding="utf-8")
    proc = cli("compare", str(a), str(tmp_path), timeout=60)
    assert proc.returncode == 0 and "result: no new required failure (0 check(s) differ, 9 alike)" in proc.stdout
    proc = cli("compare", str(a), str(tmp_path / "missing.json"), timeout=60)
    assert proc.returncode == 2 and "missing.json: no such file" in proc.stderr and "Traceback" not in proc.stderr


def test_compare_of_a_faultless_run_and_a_fault_run_lists_exactly_the_paired_checks(run_harness):
    fault = "jwks-key-without-kid"
    paired = {c.id for c in CHECKS if fault in c.faults}
    chosen = sorted(paired | {"DR-001", "DR-013"})
    selection = ["--suite", "registration", *[a for cid in chosen for a in ("--check", cid)], "--examples", "2", "--seed", "7", "--no-shrink"]
    faultless = run_harness(*selection)
    under_fault = run_harness("--fault", fault, *selection)
    assert faultless.code == 0 and under_fault.code == 1, under_fault.stdout[-2000:]
    proc = cli("compare", str(faultless.report_dir), str(under_fault.report_dir), "--format", "json", timeout=60)
    assert proc.returncode == 1, proc.stderr
    doc = json.loads(proc.stdout)
    assert {c["id"] for c in doc["newly_failing"]} == paired
    assert not doc["newly_passing"] and not doc["changed_verdicts"] and not doc["only_in_a"] and not doc["only_in_b"]
    assert set(doc["regressions"]) == {c.id for c in CHECKS if c.id in paired and c.level == "required"}


def test_two_targets_in_one_command(serve, tmp_path: Path):
    """run --profile staging --profile prod: both runs, each with its reports, then their comparison; the
    second target's new required failure (a fault of that platform) decides the exit code."""
    from conftest import write_profile
    from lti_harness import mock_platform

    admin = "two-targets-admin-token-1"
    staging = write_profile(tmp_path / "staging.toml", serve(mock_platform.create_app(mock_platform.PlatformConfig(admin_token=admin))))
    prod = write_profile(tmp_path / "prod.toml", serve(mock_platform.create_app(
        mock_platform.PlatformConfig(admin_token=admin, faults={"accept-expired-token"}))))
    out = tmp_path / "out"
    selection = ["--suite", "registration", "--check", "DR-012", "--check", "DR-013", "--examples", "2"]
    env = {"LTI_TEST_ADMIN_TOKEN": admin}
    proc = cli("run", "--report-dir", str(out), "--profile", str(staging), "--profile", str(prod), *selection, env=env, cwd=tmp_path)
    assert proc.returncode == 1, proc.stdout[-3000:] + proc.stderr[-2000:]
    for name in ("staging", "prod"):
        assert (out / name / "summary.json").exists() and (out / name / "report.html").exists()
    assert (out / "compare.html").exists()
    assert "DR-012" in proc.stdout.split("comparison of", 1)[1]
    alike = cli("run", "--report-dir", str(tmp_path / "same"), "--profile", str(staging), "--profile", str(staging), *selection, env=env, cwd=tmp_path)
    assert alike.returncode == 0, alike.stdout[-3000:]
    assert (tmp_path / "same" / "staging-1" / "summary.json").exists() and (tmp_path / "same" / "staging-2" / "summary.json").exists()
    three = cli("run", "--profile", str(staging), "--profile", str(prod), "--profile", str(staging), *selection, env=env, cwd=tmp_path)
    assert three.returncode == 2 and "at most twice" in three.stderr
