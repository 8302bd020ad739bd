"""Good manners on a target: what a run changed there, put back at the end, and (``--cleanup``) undone.

The adapter keeps a :class:`Ledger` of what it did: the objects it created, the feature flags it
switched (with the state each had before the run first switched it) and the developer keys it
activated or deactivated. At the end of a session :func:`finish` always restores every flag to the
state it had before the run, and with ``undo`` deletes or deactivates what the run created where the
adapter can: developer keys (``DELETE``), dynamic registrations (their developer key), courses (the
``delete`` event, which takes their assignments, installed tools and line items along). Users are left
(listed). Everything is listed: what was created (with what became of it), what was changed, what was left.
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass, field
from typing import Any

CLEANUP_SECONDS = 60.0  # the whole clean-up, however many objects and however slow the target

# Objects whose removal the harness does not attempt, and why.
LEFT_WHY = {
    "user": "users are left on the target (the harness does not delete accounts' users)",
    "enrollment": "left with its user",
}


@dataclass
class Made:
    """One object the adapter created: its kind, its id and the course it lives in."""

    kind: str  # developer_key, course, user, assignment, tool, ...
    ident: str
    course: str | None = None


@dataclass
class Ledger:
    """What an adapter did on the target during the run."""

    made: dict[str, Made] = field(default_factory=dict)  # the report's description → the object
    flags_before: dict[str, str | None] = field(default_factory=dict)  # None: the state could not be read
    flags_unread_why: dict[str, str] = field(default_factory=dict)
    flags_set: dict[str, str] = field(default_factory=dict)  # the state the run last set
    flag_switches: dict[str, int] = field(default_factory=dict)
    keys_active: dict[str, bool] = field(default_factory=dict)  # keys whose activation the run changed: state now
    removed: set[tuple[str, str]] = field(default_factory=set)  # ("developer_key" | "course", id) deleted during the run

    def created(self, what: str, kind: str, ident: Any, course: Any = None) -> None:
        self.made[what] = Made(kind, str(ident), None if course is None else str(course))

    def flag_read(self, feature: str, state: str | None, why: str = "") -> None:
        if feature not in self.flags_before:
            self.flags_before[feature] = state
            if state is None:
                self.flags_unread_why[feature] = why

    def flag_set(self, feature: str, state: str) -> None:
        self.flags_set[feature] = state
        self.flag_switches[feature] = self.flag_switches.get(feature, 0) + 1

    def key_active(self, key_id: str, active: bool) -> None:
        self.keys_active[key_id] = active


_REGISTRATION = re.compile(r"^an LTI registration \(client_id (?P<id>[^)\s]+)\) via POST (?P<url>\S+)")
_LINE_ITEM = re.compile(r"^AGS line item \S*/courses/(?P<course>[^/\s]+)/line_items/")


@dataclass
class Outcome:
    """What became of the run's traces: created entries annotated, changes listed, what was left."""

    created: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)
    left: list[str] = field(default_factory=list)
    undone: int = 0


def _classify(what: str, ledger: Ledger | None, base_url: str) -> Made | None:
    if ledger is not None and what in ledger.made:
        return ledger.made[what]
    reg = _REGISTRATION.match(what)
    if reg and reg["url"].startswith(base_url):
        return Made("registration", reg["id"])
    item = _LINE_ITEM.match(what)
    if item:
        return Made("line_item", "", item["course"])
    return None


def _short(exc: BaseException) -> str:
    return (str(exc) or type(exc).__name__).splitlines()[0][:200]


def restore_flags(adapter: Any, ledger: Ledger) -> list[str]:
    """Put every flag the run switched back to the state it had before the run; one line per flag."""
    lines = []
    for feature, now in ledger.flags_set.items():
        before = ledger.flags_before.get(feature)
        times = ledger.flag_switches.get(feature, 0)
        head = f"feature flag {feature}: switched {times} time(s) during the run"
        if before is None:
            why = ledger.flags_unread_why.get(feature, "its state could not be read")
            lines.append(f"{head}; its state before the run is unknown ({why}), so it is left '{now}'")
            continue
        if now == before:
            lines.append(f"{head}; it is '{before}' again, as before the run")
            continue
        try:
            adapter.set_feature_flag(feature, before)
        except Exception as exc:  # noqa: BLE001 - the clean-up reports every failure and goes on
            lines.append(f"{head}; NOT restored to '{before}' (it was before the run; now '{now}'): {_short(exc)}")
            continue
        lines.append(f"{head}; restored to '{before}', its state before the run")
    return lines


def _key_lines(ledger: Ledger, deleted: set[str]) -> list[str]:
    lines = []
    for key_id, active in ledger.keys_active.items():
        if key_id in deleted:
            lines.append(f"developer key {key_id}: deactivated during the run{' and activated again' if active else ''}; deleted since")
        elif active:
            lines.append(f"developer key {key_id}: deactivated during the run and activated again")
        else:
            lines.append(f"developer key {key_id}: deactivated by the run and left deactivated")
    return lines


def _undo(adapter: Any, made: Made, deleted_keys: set[str], deleted_courses: set[str]) -> str:
    """Delete or deactivate one object; what happened, as a suffix for its report line."""
    if made.kind in ("developer_key", "registration"):
        if made.ident in deleted_keys:
            return "already deleted" if made.kind == "developer_key" else "deleted (its developer key)"
        adapter.delete_developer_key(made.ident)
        deleted_keys.add(made.ident)
        return "deleted by --cleanup" if made.kind == "developer_key" else "deleted by --cleanup (its developer key)"
    if made.kind == "course":
        if made.ident in deleted_courses:
            return "deleted during the run"
        adapter.set_course_state(made.ident, "delete")
        deleted_courses.add(made.ident)
        return "deleted by --cleanup"
    raise LookupError(LEFT_WHY.get(made.kind, "the adapter cannot remove it"))


def finish(session: Any, *, undo: bool) -> Outcome:
    """Restore the flags the run switched and, with ``undo``, remove what it created; never raises.
    The outcome's lines are also kept on the session (``created``, ``changed``, ``cleanup``)."""
    out = Outcome(created=list(session.created))
    adapter = getattr(session, "_adapter", None)  # never start an adapter only to clean up
    ledger: Ledger | None = getattr(adapter, "ledger", None)
    platform = session.profile.platform
    if adapter is None or platform is None:
        if undo:
            out.left = [f"{what} — not undone: no admin adapter was used in this run" for what in out.created]
        _store(session, out, undo)
        return out
    client = session.client
    client.run_deadline = time.monotonic() + CLEANUP_SECONDS  # the run's deadline no longer applies; this one does
    removed = ledger.removed if ledger is not None else set()
    deleted_keys = {ident for kind, ident in removed if kind == "developer_key"}
    deleted_courses = {ident for kind, ident in removed if kind == "course"}
    flag_lines = restore_flags(adapter, ledger) if ledger is not None else []  # first: it matters most
    if undo:
        items = [(what, _classify(what, ledger, platform.base_url)) for what in out.created]
        # keys and registrations first, then courses, then what lived in the deleted courses
        order = {"developer_key": 0, "registration": 0, "course": 1}
        annotated: dict[int, str] = {}
        for index, (what, made) in sorted(enumerate(items), key=lambda x: order.get(x[1][1].kind if x[1][1] else "", 2)):
            if made is None:
                if what.startswith("tool registration ") and "(not deleted)" not in what:
                    annotated[index] = what  # deleted by its check already (suites/toolapi)
                    continue
                suffix = "not undone: the harness cannot remove it"
            elif made.course is not None and made.course in deleted_courses:
                annotated[index] = f"{what} — removed with course {made.course}"
                out.undone += 1
                continue
            else:
                try:
                    suffix = _undo(adapter, made, deleted_keys, deleted_courses)
                    annotated[index] = f"{what} — {suffix}"
                    out.undone += 1
                    continue
                except Exception as exc:  # noqa: BLE001 - every failure is listed, the rest goes on
                    suffix = f"not undone: {_short(exc)}"
            annotated[index] = f"{what} — {suffix}"
            out.left.append(annotated[index])
        out.created = [annotated[i] for i in range(len(items))]
    if ledger is not None:
        out.changed = flag_lines + _key_lines(ledger, deleted_keys)
    _store(session, out, undo)
    return out


def _store(session: Any, out: Outcome, undo: bool) -> None:
    session.created[:] = out.created
    session.changed[:] = out.changed
    session.cleanup = {"undone": out.undone, "left": list(out.left)} if undo else None
