"""A baseline of known failures: a TOML file listing checks a vendor already knows fail.

``[[known]]`` entries name a check id, the reason and optionally an expiry date::

    [[known]]
    check = "AGS-012"
    reason = "scores are rounded; fix planned for 2027 Q1"
    expires = 2027-03-31

A known failure is reported as such and does not fail the run; an entry whose check now passes, or
whose date has passed, fails the run with a message saying to remove it, so the file stays honest.
"""

from __future__ import annotations

import datetime as dt
import difflib
import json
import re
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterable

from . import results

FIELDS = ("check", "reason", "expires")
NOW_PASSES = "known failure now passes"


class BaselineError(ValueError):
    """The baseline file cannot be used; the message names the file, entry, line and field."""


@dataclass(frozen=True)
class Known:
    """One entry: a check that is known to fail, why, and until when the entry holds (inclusive)."""

    check: str
    reason: str
    expires: dt.date | None = None

    def expired(self, today: dt.date) -> bool:
        return self.expires is not None and today > self.expires

    def to_dict(self) -> dict[str, Any]:
        return {"reason": self.reason, "expires": self.expires.isoformat() if self.expires else None}


def _entry_lines(text: str) -> list[int]:
    """The line number of each ``[[known]]`` header, in order (tomllib does not report positions)."""
    return [n for n, line in enumerate(text.splitlines(), 1) if re.match(r"^\s*\[\[\s*known\s*\]\]", line)]


def _date(value: Any) -> dt.date | None:
    if isinstance(value, dt.datetime):
        return None
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str):
        try:
            return dt.date.fromisoformat(value)
        except ValueError:
            return None
    return None


def parse(text: str, *, name: str = "baseline", known_ids: Iterable[str] | None = None) -> list[Known]:
    """The entries of a baseline document; every problem in it is reported at once (BaselineError)."""
    try:
        doc = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise BaselineError(f"{name}: not valid TOML: {exc}") from None
    problems: list[str] = []
    for key in doc:
        if key != "known":
            hint = " (did you mean 'known'?)" if difflib.get_close_matches(key, ["known"]) else ""
            problems.append(f"{name}: unknown top-level key {key!r}{hint}; a baseline holds only [[known]] entries")
    raw = doc.get("known", [])
    if not isinstance(raw, list) or not all(isinstance(e, dict) for e in raw):
        problems.append(f"{name}: 'known' must be an array of tables, written [[known]]")
        raw = []
    lines = _entry_lines(text)
    ids = set(known_ids) if known_ids is not None else None
    entries: list[Known] = []
    seen: dict[str, int] = {}
    for n, entry in enumerate(raw, 1):
        where = f"{name}: entry {n}" + (f" (line {lines[n - 1]})" if len(lines) == len(raw) else "")
        for key in entry:
            if key not in FIELDS:
                close = difflib.get_close_matches(key, FIELDS, n=1)
                hint = f" (did you mean {close[0]!r}?)" if close else ""
                problems.append(f"{where}: unknown field {key!r}{hint}; fields are {', '.join(FIELDS)}")
        check, reason, expires = entry.get("check"), entry.get("reason"), entry.get("expires")
        ok = True
        if not isinstance(check, str) or not check.strip():
            problems.append(f"{where}: field 'check' must name a check id, e.g. check = \"AGS-012\"")
            ok = False
        elif ids is not None and check not in ids:
            close = difflib.get_close_matches(check, sorted(ids), n=1)
            hint = f" (did you mean {close[0]!r}?)" if close else ""
            problems.append(f"{where}: field 'check': unknown check id {check!r}{hint} (see 'lti-harness checks')")
            ok = False
        elif check in seen:
            problems.append(f"{where}: field 'check': {check} is already listed in entry {seen[check]}")
            ok = False
        else:
            seen[check] = n
        if not isinstance(reason, str) or not reason.strip():
            problems.append(f"{where}: field 'reason' must be a non-empty string saying why the check is known to fail")
            ok = False
        date = None
        if expires is not None:
            date = _date(expires)
            if date is None:
                problems.append(f"{where}: field 'expires' must be a date, e.g. expires = 2027-03-31 (got {expires!r})")
                ok = False
        if ok:
            entries.append(Known(check=check, reason=reason.strip(), expires=date))  # type: ignore[arg-type, union-attr]
    if problems:
        raise BaselineError("\n".join(problems))
    return entries


def load(path: str | Path, *, known_ids: Iterable[str] | None = None) -> list[Known]:
    """Read and validate a baseline file (BaselineError for a missing, unreadable or invalid one)."""
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise BaselineError(f"baseline {p}: no such file") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise BaselineError(f"baseline {p}: cannot read it: {getattr(exc, 'strerror', None) or exc}") from None
    return parse(text, name=str(p), known_ids=known_ids)


def apply(items: list[dict[str, Any]], entries: Iterable[Known], *, today: dt.date | None = None) -> list[dict[str, Any]]:
    """Mark the known failures among ``items`` (checks in summary form): a failed check with a current
    entry gets ``"known": {"reason", "expires"}`` (its outcome stays ``failed``). Returns the stale
    entries, each ``{"check", "reason", "expires", "problem"}``: an expired entry, or one whose check
    now passes. An entry whose check did not run, or could not be judged (error, not applicable), is
    neither."""
    today = today or dt.date.today()
    by_id = {i["id"]: i for i in items}
    stale: list[dict[str, Any]] = []
    for entry in entries:
        item = by_id.get(entry.check)
        if entry.expired(today):
            stale.append({"check": entry.check, **entry.to_dict(),
                          "problem": f"the entry expired on {entry.expires.isoformat()}"})  # type: ignore[union-attr]
            continue
        if item is None:
            continue
        if item["outcome"] == results.FAILED:
            item["known"] = entry.to_dict()
        elif item["outcome"] == results.PASSED:
            stale.append({"check": entry.check, **entry.to_dict(), "problem": NOW_PASSES})
    return stale


def stale_message(entry: dict[str, Any], source: str = "the baseline") -> str:
    """What the console says of a stale entry: what happened, and to remove it."""
    if entry["problem"] == NOW_PASSES:
        return f"{entry['check']}: {NOW_PASSES}; remove it from {source}"
    return f"{entry['check']}: {entry['problem']}; remove it from {source} (or fix the check and renew the date)"


def _toml_string(text: str) -> str:
    out = []
    for ch in text:
        if ch == '"':
            out.append('\\"')
        elif ch == "\\":
            out.append("\\\\")
        elif ch == "\n":
            out.append("\\n")
        elif ch == "\t":
            out.append("\\t")
        elif ord(ch) < 0x20 or ord(ch) == 0x7F:
            out.append(f"\\u{ord(ch):04X}")
        elif 0xD800 <= ord(ch) <= 0xDFFF:
            out.append("\\uFFFD")
        else:
            out.append(ch)
    return '"' + "".join(out) + '"'


def from_summary(doc: dict[str, Any]) -> list[Known]:
    """One entry per failed check of a run's summary: its baseline reason if it was known already (with
    its date), else its first message."""
    out = []
    for item in doc.get("checks", []):
        if item.get("outcome") != results.FAILED:
            continue
        known = item.get("known") or {}
        reason = known.get("reason") or next(iter(item.get("messages") or []), "") or item.get("title", "") or "known to fail"
        out.append(Known(check=item["id"], reason=str(reason), expires=_date(known.get("expires"))))
    return out


def render(entries: Iterable[Known], *, header: str = "") -> str:
    """The TOML text of a baseline file."""
    lines = [f"# {line}" if line else "#" for line in header.splitlines()]
    lines += [
        "# Known failures: these checks fail today and do not fail the run. Remove an entry when its check",
        "# passes (the run fails until you do); an entry may carry a date (expires = 2027-03-31) after which",
        "# it fails the run too.",
    ]
    for e in entries:
        lines += ["", "[[known]]", f"check = {json.dumps(e.check)}", f"reason = {_toml_string(e.reason)}"]
        if e.expires:
            lines.append(f"expires = {e.expires.isoformat()}")
    return "\n".join(lines) + "\n"
