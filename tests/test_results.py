"""The result model: verdicts from exceptions, a check's verdict from its tests, and the exit rule."""

from __future__ import annotations

import pytest

from lti_harness.harness import results
from lti_harness.harness.adapters import AdminActionFailed, NotSupported
from lti_harness.harness.checks import Check
from lti_harness.harness.client import TargetBadResponse, TargetTimeout, TargetUnreachable


def item(outcome: str, level: str = "required") -> dict:
    return {"outcome": outcome, "level": level}


@pytest.mark.parametrize(
    "exc, verdict",
    [
        (NotSupported("no admin API"), results.NOT_APPLICABLE),
        (AdminActionFailed("404 from POST /api/v1/accounts/1/courses"), results.ERROR),
        (results.CannotTest("setup refused"), results.ERROR),
        (TargetUnreachable("connection refused"), results.ERROR),
        (TargetTimeout("deadline"), results.ERROR),
        (TargetBadResponse("non-JSON"), None),  # the target broke the rule the check reads it for
        (AssertionError("the rule"), None),
        (ExceptionGroup("hypothesis", [AssertionError("x"), TargetUnreachable("down")]), results.ERROR),
    ],
)
def test_classify(exc, verdict):
    assert results.classify(exc) == verdict


def test_classify_follows_the_cause_chain():
    try:
        try:
            raise NotSupported("no flags")
        except NotSupported as inner:
            raise RuntimeError("wrapped") from inner
    except RuntimeError as outer:
        assert results.classify(outer) == results.NOT_APPLICABLE


@pytest.mark.parametrize(
    "outcomes, verdict",
    [
        (["passed", "failed", "error"], "failed"),
        (["passed", "error"], "error"),
        (["passed", "not_applicable"], "passed"),
        (["not_applicable"], "not_applicable"),
        ([], "not_applicable"),
    ],
)
def test_combine(outcomes, verdict):
    assert results.combine(outcomes) == verdict


def test_exit_rule():
    assert results.exit_code([item("passed"), item("not_applicable")], strict=False) == results.EXIT_OK
    assert results.exit_code([item("passed"), item("failed")], strict=False) == results.EXIT_FAILED
    assert results.exit_code([item("failed", "recommended")], strict=False) == results.EXIT_OK
    assert results.exit_code([item("failed", "recommended")], strict=True) == results.EXIT_FAILED
    assert results.exit_code([item("error"), item("passed")], strict=False) == results.EXIT_UNTESTED
    assert results.exit_code([item("error"), item("failed")], strict=False) == results.EXIT_FAILED
    assert results.exit_code([item("passed")], strict=False, unlinked_failures=1) == results.EXIT_FAILED
    assert len(set(results.EXIT_CODES)) == 4


def test_check_result_keeps_messages_and_exchanges_of_errors():
    check = Check("DR-001", "t", "s", "required", ("f",), "registration")
    res = results.CheckResult(check)
    res.add("passed", "a", "ignored")
    res.add("error", "b", "setup refused", [{"url": "u", "curl": "curl u"}])
    out = res.to_dict()
    assert out["outcome"] == "error" and out["messages"] == ["setup refused"] and out["curl"] == ["curl u"]
    with pytest.raises(ValueError):
        res.add("skipped", "c")


def test_tally_counts_every_verdict():
    assert results.tally([item("passed"), item("error"), item("error")]) == {"passed": 1, "failed": 0, "error": 2, "not_applicable": 0}


def test_readme_documents_verdicts_exit_codes_and_capabilities():
    from pathlib import Path

    from lti_harness.harness.capabilities import CAPABILITIES

    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")
    for verdict in ("`passed`", "`failed`", "`error`", "`not applicable`"):
        assert verdict in readme, verdict
    for code in results.EXIT_CODES:
        assert f"| `{code}` |" in readme, code
    for name in CAPABILITIES:
        assert f"`{name}`" in readme, name


def test_console_says_when_nothing_was_tested():
    from lti_harness.reports import summary

    check = Check("DR-001", "t", "s", "required", ("f",), "registration", needs=("dynamic_registration",))
    res = results.CheckResult(check)
    res.add("not_applicable", "a", "the profile declares dynamic_registration = false")
    doc = summary.build([res], target="t", seed=1, strict=False, duration_s=0, unlinked_failures=[])
    assert doc["exit_code"] == results.EXIT_OK
    assert any("NOTHING TESTED" in text for text, _ in summary.console(doc))
    res.add("passed", "b")
    assert not any("NOTHING TESTED" in text for text, _ in summary.console(summary.build([res], target="t", seed=1, strict=False, duration_s=0, unlinked_failures=[])))
