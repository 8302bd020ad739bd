"""Helpers for property-based checks that talk to a target over HTTP."""

from __future__ import annotations

from contextlib import contextmanager
from typing import Iterator

from .client import TargetError
from .results import CannotTest


class TargetGuard:
    """Stops a property at the first target error or set-up failure: later examples return at once,
    and the error is raised after the run. Hypothesis would otherwise keep generating and shrinking
    inputs against a target that is down, slow, not speaking JSON, or refusing a step the check needs
    (``CannotTest``: the check ends ``error``, and shrinking would not make it more informative)."""

    def __init__(self) -> None:
        self.error: TargetError | CannotTest | None = None

    @contextmanager
    def example(self) -> Iterator[bool]:
        """``with guard.example() as live:`` run the example's body only when ``live``."""
        if self.error is not None:
            yield False
            return
        try:
            yield True
        except (TargetError, CannotTest) as exc:
            self.error = exc

    def raise_if_failed(self) -> None:
        if self.error is not None:
            raise self.error
