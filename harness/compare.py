"""Comparing two runs: what changed between run A's summary.json and run B's.

Newly failing, newly passing, other changed verdicts (e.g. passed → error), changed messages under the
same verdict, and checks present in one run only. A comparison *regresses* when B has a failed
``required`` check that A did not have failed (whether A passed it, could not test it, or did not run
it); CI gates on that.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from . import results

SUMMARY = "summary.json"
MAX_SUMMARY_BYTES = 64 * 1024 * 1024


class SummaryError(ValueError):
    """A path that is not a run's summary (missing, unreadable, not JSON, not a summary)."""


def load_summary(path: str | Path) -> dict[str, Any]:
    """A run's summary document from ``path``: a summary.json, or a report directory holding one."""
    p = Path(path)
    if p.is_dir():
        p = p / SUMMARY
        if not p.is_file():
            raise SummaryError(f"{path}: a directory without a {SUMMARY} (is it a run's report directory?)")
    try:
        if p.stat().st_size > MAX_SUMMARY_BYTES:
            raise SummaryError(f"{path}: over {MAX_SUMMARY_BYTES // (1024 * 1024)} MiB; not a run's summary")
        doc = json.loads(p.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise SummaryError(f"{path}: no such file or directory") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise SummaryError(f"{path}: cannot read it: {getattr(exc, 'strerror', None) or exc}") from None
    except json.JSONDecodeError as exc:
        raise SummaryError(f"{path}: not JSON ({exc.msg} at line {exc.lineno}); expected a run's {SUMMARY}") from None
    checks = doc.get("checks") if isinstance(doc, dict) else None
    if not isinstance(checks, list) or not all(
        isinstance(c, dict) and isinstance(c.get("id"), str) and c.get("outcome") in results.OUTCOMES for c in checks
    ):
        raise SummaryError(f"{path}: not a run's {SUMMARY} (expected an object whose 'checks' list holds "
                           "objects with an 'id' and an 'outcome')")
    return doc


@dataclass
class Change:
    """One check that differs between the runs (``before``/``after`` are None where it is absent)."""

    id: str
    level: str
    title: str
    before: str | None
    after: str | None
    messages_before: list[str] = field(default_factory=list)
    messages_after: list[str] = field(default_factory=list)
    known_after: bool = False

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, "level": self.level, "title": self.title, "before": self.before, "after": self.after,
                "messages_before": self.messages_before, "messages_after": self.messages_after,
                "known_after": self.known_after}


@dataclass
class Comparison:
    """What differs between run A and run B, by kind; ``unchanged`` counts the checks alike in both."""

    a: str
    b: str
    newly_failing: list[Change] = field(default_factory=list)
    newly_passing: list[Change] = field(default_factory=list)
    changed_verdicts: list[Change] = field(default_factory=list)
    changed_messages: list[Change] = field(default_factory=list)
    only_in_a: list[Change] = field(default_factory=list)
    only_in_b: list[Change] = field(default_factory=list)
    unchanged: int = 0

    KINDS = ("newly_failing", "newly_passing", "changed_verdicts", "changed_messages", "only_in_a", "only_in_b")

    @property
    def regressions(self) -> list[Change]:
        """Failed required checks of B that A had not failed (including ones only B ran)."""
        return [c for c in self.newly_failing + self.only_in_b if c.after == results.FAILED and c.level == "required"]

    @property
    def exit_code(self) -> int:
        return results.EXIT_FAILED if self.regressions else results.EXIT_OK

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"a": self.a, "b": self.b}
        for kind in self.KINDS:
            out[kind] = [c.to_dict() for c in getattr(self, kind)]
        out["unchanged"] = self.unchanged
        out["regressions"] = [c.id for c in self.regressions]
        out["exit_code"] = self.exit_code
        return out


def _messages(item: dict[str, Any] | None) -> list[str]:
    return [str(m) for m in (item or {}).get("messages") or []]


def compare(a: dict[str, Any], b: dict[str, Any], *, a_name: str = "A", b_name: str = "B") -> Comparison:
    """How run B differs from run A (both summary documents)."""
    before = {c["id"]: c for c in a["checks"]}
    after = {c["id"]: c for c in b["checks"]}
    out = Comparison(a=a_name, b=b_name)
    for cid in sorted(before.keys() | after.keys()):
        x, y = before.get(cid), after.get(cid)
        ref = y or x
        change = Change(
            id=cid, level=str(ref.get("level", "")), title=str(ref.get("title", "")),  # type: ignore[union-attr]
            before=x["outcome"] if x else None, after=y["outcome"] if y else None,
            messages_before=_messages(x), messages_after=_messages(y), known_after=bool(y and y.get("known")),
        )
        if x is None:
            out.only_in_b.append(change)
        elif y is None:
            out.only_in_a.append(change)
        elif change.before != change.after:
            if change.after == results.FAILED:
                out.newly_failing.append(change)
            elif change.before == results.FAILED and change.after == results.PASSED:
                out.newly_passing.append(change)
            else:
                out.changed_verdicts.append(change)
        elif change.messages_before != change.messages_after:
            out.changed_messages.append(change)
        else:
            out.unchanged += 1
    return out
