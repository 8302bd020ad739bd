"""Self-tests: every check passes against the faultless mocks, and each fault makes its paired checks
fail while the other example-based checks of those suites still pass."""

from __future__ import annotations

import pytest

from lti_harness.harness.checks import load_all
from lti_harness.mock_platform.faults import FAULTS as PLATFORM_FAULTS
from lti_harness.mock_tool.faults import FAULTS as TOOL_FAULTS
from test_reports import assert_no_secrets

FAULTS = {**PLATFORM_FAULTS, **TOOL_FAULTS}
CHECKS = load_all()
# Property-based and contract checks cost most of a suite's time; a fault run includes them only
# when they are paired with the fault (the faultless run above runs them all).
GENERATED = {c.id for c in CHECKS if c.kind != "example"}


def cannot_test(fault: str) -> set[str]:
    """The checks that end error under ``fault``: it breaks what they must arrange first."""
    return {c.id for c in CHECKS if fault in c.error_faults}


def test_faultless_mocks_pass_every_check(embedded_run):
    assert embedded_run.code == 0, embedded_run.stdout[-3000:] + embedded_run.stderr[-2000:]
    outcomes = embedded_run.outcomes()
    assert set(outcomes) == {c.id for c in CHECKS}, "some checks did not run"
    bad = {cid: o for cid, o in outcomes.items() if o != "passed"}
    assert not bad, f"checks not passing against the faultless mocks: {bad}"
    assert_no_secrets(embedded_run.report_dir)  # every suite's exchanges, redacted


def test_error_faults_are_faults_of_the_mocks():
    unknown = {c.id: sorted(set(c.error_faults) - set(FAULTS)) for c in CHECKS if set(c.error_faults) - set(FAULTS)}
    assert not unknown, f"checks naming unknown error faults: {unknown}"


@pytest.mark.parametrize("fault", sorted(FAULTS))
def test_fault_fails_exactly_its_paired_checks(run_in_worker, fault):
    """Run the suites holding the fault's paired checks (in a long-lived harness worker: a fresh collection and
    fresh mocks with only this fault on, no interpreter start): exactly the paired checks fail."""
    paired = {c.id for c in CHECKS if fault in c.faults}
    suites = sorted({c.suite for c in CHECKS if fault in c.faults})
    chosen = sorted(paired | {c.id for c in CHECKS if c.suite in suites and c.id not in GENERATED})
    selection = [arg for suite in suites for arg in ("--suite", suite)] + [arg for cid in chosen for arg in ("--check", cid)]
    result = run_in_worker("--fault", fault, *selection, "--examples", "5", "--seed", "7", "--no-shrink")
    assert result.report_dir.joinpath("summary.json").exists(), result.stdout[-2000:] + result.stderr[-2000:]
    assert result.failed() == paired, (
        f"fault {fault}: failed {sorted(result.failed())}, expected exactly {sorted(paired)}\n{result.stdout[-2500:]}"
    )
    assert set(result.outcomes()) == set(chosen), "not every chosen check ran"
    assert result.summary["not_applicable"] == 0
    errors = {c["id"] for c in result.summary["checks"] if c["outcome"] == "error"}
    assert errors == cannot_test(fault), f"fault {fault}: checks the harness could not test: {sorted(errors)}"
    assert set(result.summary["suites"]) == set(suites)
    required = any(c.level == "required" for c in CHECKS if c.id in paired)
    assert result.code == (1 if required else 0), f"exit code {result.code} for fault {fault}"
