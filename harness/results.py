"""The result model: how a test ends, how a check's tests add up to its verdict, and the exit rule.

Four verdicts: ``passed``; ``failed`` (the target broke the rule the check states); ``not_applicable``
(the profile says the target lacks a capability the check needs, or an adapter cannot do an action,
with the reason); ``error`` (the harness could not test: a precondition could not be arranged, the
target was unreachable or too slow, or it answered something that makes the check meaningless).
The pytest plugin, the CLI and ``reports/`` all use this module, so the rule is written once.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Iterable

PASSED, FAILED, ERROR, NOT_APPLICABLE = "passed", "failed", "error", "not_applicable"
OUTCOMES = (PASSED, FAILED, ERROR, NOT_APPLICABLE)

EXIT_OK = 0  # every applicable counted check passed
EXIT_FAILED = 1  # a counted check failed (a required one; with --strict any)
EXIT_USAGE = 2  # bad command line or profile, or the run could not start
EXIT_UNTESTED = 3  # none failed, but some checks could not be tested (verdict error)
EXIT_CODES = {
    EXIT_OK: "every applicable check that counts passed",
    EXIT_FAILED: "a required check failed (with --strict: any check)",
    EXIT_USAGE: "usage problem: bad option or profile, or the run could not start",
    EXIT_UNTESTED: "no check failed, but some could not be tested (verdict error); CI may choose to accept it",
}


class CannotTest(Exception):
    """The harness could not arrange what a check needs (a setup step was refused, a precondition does
    not hold); the check ends as ``error`` with this message, never as ``failed``."""

    verdict = ERROR


def cannot_test(reason: str) -> None:
    """End the current check as ``error``: the harness could not test it, for ``reason``."""
    raise CannotTest(reason)


def precondition(condition: object, reason: str) -> None:
    """``cannot_test(reason)`` unless ``condition`` holds."""
    if not condition:
        raise CannotTest(reason)


def classify(exc: BaseException | None) -> str | None:
    """The verdict an exception stands for: ``not_applicable``, ``error``, or None (a plain failure).

    The harness's exceptions name theirs in a class attribute ``verdict`` (``NotSupported``: not
    applicable; ``CannotTest``, ``AdminActionFailed``, ``TargetUnreachable``, ``TargetTimeout``,
    ``RequestNotSent``, ``ProfileError``: error). Looks through exception groups and ``raise … from``
    chains (hypothesis and schemathesis wrap)."""
    seen: set[int] = set()

    def walk(e: BaseException | None) -> str | None:
        if e is None or id(e) in seen:
            return None
        seen.add(id(e))
        declared = getattr(type(e), "verdict", None)
        if declared in (NOT_APPLICABLE, ERROR):
            return declared
        if isinstance(e, BaseExceptionGroup):
            found = [walk(inner) for inner in e.exceptions]
            for verdict in (ERROR, NOT_APPLICABLE):
                if verdict in found:
                    return verdict
        return walk(e.__cause__)

    return walk(exc)


def combine(outcomes: Iterable[str]) -> str:
    """A check's verdict from its tests' outcomes: any failed → failed; else any error → error;
    else any passed → passed; else not applicable (no test could apply)."""
    seen = set(outcomes)
    for verdict in (FAILED, ERROR, PASSED):
        if verdict in seen:
            return verdict
    return NOT_APPLICABLE


def counts(level: str, strict: bool) -> bool:
    """Whether a check of ``level`` counts towards the exit code."""
    return strict or level == "required"


@dataclass
class CheckResult:
    """What the tests of one check found: their outcomes, messages and the exchanges of failures."""

    check: Any  # harness.checks.Check
    outcomes: list[str] = field(default_factory=list)
    messages: list[str] = field(default_factory=list)
    tests: list[str] = field(default_factory=list)
    exchanges: list[dict[str, Any]] = field(default_factory=list)

    @property
    def outcome(self) -> str:
        return combine(self.outcomes)

    def add(self, outcome: str, test: str, message: str = "", exchanges: list[dict[str, Any]] | None = None) -> None:
        if outcome not in OUTCOMES:
            raise ValueError(f"unknown outcome {outcome!r}")
        self.outcomes.append(outcome)
        self.tests.append(test)
        if message and outcome != PASSED:
            self.messages.append(message)
        if outcome in (FAILED, ERROR) and exchanges:
            self.exchanges.extend(exchanges[-6:])

    def to_dict(self) -> dict[str, Any]:
        c = self.check
        out: dict[str, Any] = {
            "id": c.id, "title": c.title, "suite": c.suite, "level": c.level, "source": c.source,
            "needs": list(c.needs), "outcome": self.outcome, "tests": self.tests,
        }
        if self.outcome != PASSED:
            out["messages"] = list(dict.fromkeys(self.messages))
        if self.outcome in (FAILED, ERROR):
            out["exchanges"] = self.exchanges[-6:]
            out["curl"] = [e["curl"] for e in self.exchanges[-3:] if "curl" in e]
        return out


def exit_code(checks: Iterable[dict[str, Any]], *, strict: bool, unlinked_failures: int = 0, stale_baseline: int = 0) -> int:
    """The run's exit code from its checks (``to_dict`` form): 1 when a counted check failed (a known
    failure, marked ``"known"`` by a baseline, does not count), a test tied to no check failed, or a
    baseline entry is stale (expired, or its check now passes); else 3 when any check ended in error;
    else 0."""
    items = list(checks)
    if unlinked_failures or stale_baseline or any(
        i["outcome"] == FAILED and counts(i["level"], strict) and not i.get("known") for i in items
    ):
        return EXIT_FAILED
    if any(i["outcome"] == ERROR for i in items):
        return EXIT_UNTESTED
    return EXIT_OK


def tally(items: Iterable[dict[str, Any]]) -> dict[str, int]:
    """How many checks ended in each verdict."""
    out = dict.fromkeys(OUTCOMES, 0)
    for i in items:
        out[i["outcome"]] += 1
    return out
