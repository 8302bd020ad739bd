"""The check registry: every conformance check's id, title, source, level and paired faults.

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
_ID = re.compile(r"^[A-Z]+(-[A-Z]+)*-\d{3}$")


@dataclass(frozen=True)
class Check:
    id: str
    title: str
    source: str
    level: str
    faults: tuple[str, ...]
    suite: str
    description: str = ""
    needs: tuple[str, ...] = field(default_factory=tuple)

    @property
    def side(self) -> str:
        """``tool`` for checks of a tool under test, ``platform`` for checks of a platform."""
        from lti_harness.suites import TOOL_SUITES

        return "tool" if self.suite in TOOL_SUITES else "platform"

    def to_dict(self) -> dict[str, Any]:
        out = asdict(self)
        out["side"] = self.side
        out["faults"] = list(self.faults)
        out["needs"] = list(self.needs)
        return out


REGISTRY: dict[str, Check] = {}


def define(
    id: str,
    title: str,
    *,
    source: str,
    level: str,
    faults: list[str] | tuple[str, ...],
    suite: str,
    description: str = "",
    needs: tuple[str, ...] = (),
) -> Check:
    """Register a check; ids are unique and look like ``DR-001``."""
    if not _ID.match(id):
        raise ValueError(f"check id {id!r} does not look like AREA-NNN")
    if level not in LEVELS:
        raise ValueError(f"check {id}: level must be one of {LEVELS}")
    if id in REGISTRY:
        raise ValueError(f"check {id} defined twice")
    from .capabilities import CAPABILITIES

    unknown = [n for n in needs if n not in CAPABILITIES]
    if unknown:
        raise ValueError(f"check {id}: unknown capability {', '.join(unknown)}; known: {', '.join(CAPABILITIES)}")
    item = Check(id, title, source, level, tuple(faults), suite, description, tuple(needs))
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
