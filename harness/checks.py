"""The check registry: every conformance check's id, title, source, level, paired faults, needs,
side and kind.

Suites declare their checks in ``suites/<area>/checks.py`` with :func:`define`; tests claim a
check with the :func:`check` marker. The self-tests read this registry, so a check without a
fault or a fault without a check fails the build.
"""

from __future__ import annotations

import importlib
import re
from dataclasses import asdict, dataclass, field
from typing import Any

import pytest

LEVELS = ("required", "recommended")
KINDS = ("example", "property", "contract")
SIDES = ("platform", "tool")
_ID = re.compile(r"^[A-Z]+(-[A-Z]+)*-\d{3}$")


@dataclass(frozen=True)
class Check:
    """One conformance check, as its suite declares it."""

    id: str
    title: str
    source: str
    level: str
    faults: tuple[str, ...]
    """The mock faults that must make this check fail (and no other check of its suite)."""
    suite: str
    description: str = ""
    needs: tuple[str, ...] = field(default_factory=tuple)
    """The capabilities the target must have; without one the check is not applicable."""
    side: str = "platform"
    """What the check tests: ``platform`` (the profile's platform) or ``tool`` (the profile's tool)."""
    kind: str = "example"
    """``example`` (fixed cases), ``property`` (some test draws generated inputs) or ``contract`` (a
    schemathesis run over an OpenAPI document). Generated checks cost most of a suite's time."""
    error_faults: tuple[str, ...] = field(default_factory=tuple)
    """Faults that break what this check must arrange before it can test (a control launch, a token,
    a registration): under them the check ends ``error``, never passed or failed."""

    def to_dict(self) -> dict[str, Any]:
        out = asdict(self)
        for name in ("faults", "needs", "error_faults"):
            out[name] = list(out[name])
        return out


REGISTRY: dict[str, Check] = {}


def define(
    *,
    id: str,
    title: str,
    source: str,
    level: str,
    faults: list[str] | tuple[str, ...],
    suite: str,
    side: str,
    needs: tuple[str, ...] = (),
    kind: str = "example",
    error_faults: tuple[str, ...] = (),
    description: str = "",
) -> Check:
    """Register a check; ids are unique and look like ``DR-001``, and every capability it needs is
    one of its side's."""
    if not _ID.match(id):
        raise ValueError(f"check id {id!r} does not look like AREA-NNN")
    for name, value, allowed in (("level", level, LEVELS), ("kind", kind, KINDS), ("side", side, SIDES)):
        if value not in allowed:
            raise ValueError(f"check {id}: {name} must be one of {allowed}")
    if id in REGISTRY:
        raise ValueError(f"check {id} defined twice")
    from .capabilities import CAPABILITIES

    unknown = [n for n in needs if n not in CAPABILITIES]
    if unknown:
        raise ValueError(f"check {id}: unknown capability {', '.join(unknown)}; known: {', '.join(CAPABILITIES)}")
    other_side = [n for n in needs if CAPABILITIES[n].side != side]
    if other_side:
        raise ValueError(f"check {id}: a {side} check cannot need {', '.join(other_side)} (a capability of the other side)")
    both = sorted(set(faults) & set(error_faults))
    if both:
        raise ValueError(f"check {id}: {', '.join(both)} cannot both fail the check and keep it from testing")
    item = Check(id=id, title=title, source=source, level=level, faults=tuple(faults), suite=suite, description=description,
                 needs=tuple(needs), side=side, kind=kind, error_faults=tuple(error_faults))
    REGISTRY[id] = item
    return item


def check(*ids: str) -> pytest.MarkDecorator:
    """Mark a test as (part of) the named checks."""
    for cid in ids:
        if cid not in REGISTRY:
            raise KeyError(f"unknown check id {cid!r}: define it in the suite's checks.py first")
    return pytest.mark.lti_check(*ids)


def load_all(suites: list[str] | None = None) -> list[Check]:
    """Import every suite's check declarations and return them in id order."""
    from lti_harness.suites import SUITES

    for name in suites or SUITES:
        if name not in SUITES:
            raise KeyError(f"unknown suite {name!r}; known: {', '.join(SUITES)}")
        importlib.import_module(f"lti_harness.suites.{name}.checks")
    chosen = set(suites or SUITES)
    return sorted((c for c in REGISTRY.values() if c.suite in chosen), key=lambda c: c.id)


SUITE_MARKER = "suite_{}"


def selection_markers() -> dict[str, str]:
    """The markers the pytest plugin puts on the harness's tests, by name, with their descriptions:
    each level (``required``, ``recommended``) and each suite (``suite_registration``, …)."""
    from lti_harness.suites import SUITES

    out = {level: f"tests of {level} LTI conformance checks" for level in LEVELS}
    out.update({SUITE_MARKER.format(name): f"tests of the {name} LTI conformance suite" for name in SUITES})
    return out


def markers_for(ids: tuple[str, ...] | list[str]) -> list[str]:
    """The selection markers of a test that verifies the checks ``ids``: their levels and suites."""
    names: list[str] = []
    for cid in ids:
        c = REGISTRY[cid]
        for name in (c.level, SUITE_MARKER.format(c.suite)):
            if name not in names:
                names.append(name)
    return names
