"""Fault switches, declared once: each mock's ``faults.py`` declares its switches as constants through a
:class:`Catalogue` and reads them through :meth:`Catalogue.on`, so a misspelt name fails at once."""

from __future__ import annotations

from collections.abc import Collection


class Catalogue:
    """The fault switches of one mock: name → what the bug does."""

    def __init__(self, mock: str, noun: str = "fault") -> None:
        self.mock = mock
        self.noun = noun  # how an unknown name is called in the message of :meth:`check`
        self.faults: dict[str, str] = {}

    def declare(self, name: str, description: str) -> str:
        """Declare a switch; returns its name, to be bound to a constant."""
        if name in self.faults:
            raise ValueError(f"fault {name!r} of the mock {self.mock} declared twice")
        self.faults[name] = description
        return name

    def check(self, names: Collection[str]) -> set[str]:
        """The given names as a set; ``ValueError`` naming any unknown one."""
        unknown = sorted(set(names) - set(self.faults))
        if unknown:
            raise ValueError(f"unknown {self.noun}(s): {', '.join(unknown)}; known: {', '.join(sorted(self.faults))}")
        return set(names)

    def on(self, active: Collection[str], name: str) -> bool:
        """Whether the switch ``name`` is among ``active``; ``KeyError`` for a name never declared."""
        if name not in self.faults:
            raise KeyError(f"fault {name!r} is not declared in the mock {self.mock}'s faults.py")
        return name in active
