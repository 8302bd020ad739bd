"""Every operation of the platform's and the tool's OpenAPI documents is exercised by some contract check
(each suite's ``test_contract.py`` declares what its checks run, :func:`harness.contract.declare`), or is
listed in :data:`UNCOVERED` with the reason no contract check can exercise it. No silent gap, and no
stale declaration."""

from __future__ import annotations

import importlib
from pathlib import Path

import pytest

from lti_harness.harness import checks, contract, openapi
from lti_harness.suites import SUITES

METHODS = ("get", "put", "post", "delete", "patch")
DOCUMENTS = ("platform", "tool")

UNCOVERED: dict[tuple[str, str, str], str] = {}
"""(document, path, METHOD) → why no contract check exercises the operation. Empty: every operation of
both documents is under a contract check. (Browser-only pages the mocks serve — the launch pages, the
admin pages — are not operations of the documents at all.)"""


def _operations(name: str) -> set[tuple[str, str]]:
    doc = openapi.source(name)
    return {(path, method.upper()) for path, item in doc.get("paths", {}).items() for method in item if method in METHODS}


def _contract_modules() -> list[str]:
    """The suites' contract test modules (``suites/<suite>/test_contract.py``)."""
    import lti_harness.suites as package

    root = Path(package.__file__).parent
    return [f"lti_harness.suites.{name}.test_contract" for name in SUITES if (root / name / "test_contract.py").is_file()]


@pytest.fixture(scope="module")
def covered() -> dict[str, dict[tuple[str, str], list[str]]]:
    checks.load_all()
    for module in _contract_modules():
        importlib.import_module(module)
    return contract.COVERED


@pytest.mark.parametrize("name", DOCUMENTS)
def test_every_operation_is_under_a_contract_check(covered, name):
    missing = sorted(op for op in _operations(name) - set(covered.get(name, {})) if (name, *op) not in UNCOVERED)
    assert not missing, (f"operations of the {name} document that no contract check exercises and UNCOVERED does not explain: "
                         + "; ".join(f"{m} {p}" for p, m in missing))


@pytest.mark.parametrize("name", DOCUMENTS)
def test_declared_operations_are_in_the_document(covered, name):
    stale = sorted(set(covered.get(name, {})) - _operations(name))
    assert not stale, f"contract checks declare operations the {name} document does not have: " + "; ".join(f"{m} {p}" for p, m in stale)


def test_declaring_checks_are_contract_checks(covered):
    ids = {cid for ops in covered.values() for owners in ops.values() for cid in owners}
    assert ids, "no contract test module declared what it covers"
    for cid in sorted(ids):
        assert cid in checks.REGISTRY, f"{cid} declares operations but is no check"
        assert checks.REGISTRY[cid].kind == "contract", f"{cid} declares operations but is a {checks.REGISTRY[cid].kind} check"


def test_every_contract_check_declares_what_it_covers(covered):
    declared = {cid for ops in covered.values() for owners in ops.values() for cid in owners}
    undeclared = sorted(c.id for c in checks.load_all() if c.kind == "contract" and c.id not in declared)
    assert not undeclared, f"contract checks that declare no operations: {', '.join(undeclared)}"


def test_every_exemption_has_a_reason_and_is_needed(covered):
    for (name, path, method), reason in UNCOVERED.items():
        assert (path, method) in _operations(name), f"UNCOVERED names {method} {path}, which the {name} document does not have"
        assert len(reason.split()) >= 5, f"UNCOVERED {method} {path}: write why no contract check can exercise it"
        assert (path, method) not in covered.get(name, {}), f"{method} {path} is under {covered[name][(path, method)]}: drop it from UNCOVERED"


def test_the_document_is_the_one_the_checks_read():
    for name in DOCUMENTS:
        assert _operations(name) == {(p, m.upper()) for p, item in openapi.document(name)["paths"].items() for m in item if m in METHODS}
