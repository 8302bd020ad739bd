"""The check registry is complete: every check is tested, has a fault, and every fault has a check."""

from __future__ import annotations

import importlib
import inspect
import pkgutil

import pytest

from lti_harness import suites
from lti_harness.harness.checks import REGISTRY, define, load_all
from lti_harness.mock_platform.faults import FAULTS as PLATFORM_FAULTS
from lti_harness.mock_tool.faults import FAULTS as TOOL_FAULTS

ALL_FAULTS = {**PLATFORM_FAULTS, **TOOL_FAULTS}
CHECKS = load_all()


def _claimed_ids() -> set[str]:
    claimed: set[str] = set()
    for name in suites.SUITES:
        package = importlib.import_module(f"lti_harness.suites.{name}")
        for info in pkgutil.iter_modules(package.__path__):
            if not info.name.startswith("test_"):
                continue
            module = importlib.import_module(f"lti_harness.suites.{name}.{info.name}")
            for _, fn in inspect.getmembers(module, inspect.isfunction):
                for mark in getattr(fn, "pytestmark", []):
                    if mark.name == "lti_check":
                        claimed.update(mark.args)
    return claimed


def test_catalogue_is_not_empty():
    assert len(CHECKS) >= 10


@pytest.mark.parametrize("check", CHECKS, ids=lambda c: c.id)
def test_every_check_has_a_known_fault(check):
    assert check.faults, f"{check.id} has no fault switch that can make it fail"
    unknown = set(check.faults) - set(ALL_FAULTS)
    assert not unknown, f"{check.id} names unknown faults {unknown}"


@pytest.mark.parametrize("check", CHECKS, ids=lambda c: c.id)
def test_every_check_cites_a_source_and_level(check):
    assert check.source.strip() and check.title.strip()
    assert check.level in ("required", "recommended")
    if check.level == "recommended":
        assert check.description, f"{check.id} is recommended but its description does not say why"


def test_every_fault_is_paired_with_a_check():
    paired = {f for c in REGISTRY.values() for f in c.faults}
    orphans = set(ALL_FAULTS) - paired
    assert not orphans, f"faults no check notices: {sorted(orphans)}"


def test_every_check_is_claimed_by_a_test():
    unclaimed = {c.id for c in CHECKS} - _claimed_ids()
    assert not unclaimed, f"checks no test verifies: {sorted(unclaimed)}"


def test_each_suite_tests_one_side():
    sides = {}
    for c in CHECKS:
        sides.setdefault(c.suite, set()).add(c.side)
    assert all(len(found) == 1 for found in sides.values()), sides


@pytest.mark.parametrize("fields, message", [
    ({"kind": "fuzz"}, "kind must be one of"),
    ({"side": "browser"}, "side must be one of"),
    ({"side": "tool", "needs": ("ags",)}, "a tool check cannot need ags"),
    ({"error_faults": ("score-not-stored",)}, "cannot both fail the check and keep it from testing"),
])
def test_define_refuses_inconsistent_metadata(fields, message):
    base = {"id": "ZZZ-999", "title": "t", "source": "s", "level": "required", "faults": ("score-not-stored",),
            "suite": "ags", "side": "platform", "needs": ()}
    with pytest.raises(ValueError, match=message):
        define(**{**base, **fields})
    assert "ZZZ-999" not in REGISTRY
