"""What an update request changes, row by row, for the side-by-side view of the admin pages: the
tool's name and URIs, redirect URIs, scopes, placements and custom parameters of the current and the
requested configuration (seed 000, "Step 2": new or removed placements, added or removed scopes,
updates to tool metadata).

Both sides are Canvas's internal configuration (``updates.internal_configuration``) plus the
registration's own metadata URIs (``jwks_uri``, ``logo_uri``, …), which the internal one leaves out.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

ADDED, REMOVED, CHANGED, UNCHANGED = "added", "removed", "changed", "unchanged"

# (label, where: "internal" or "ims", key)
FIELDS = (
    ("Name", "internal", "title"),
    ("Description", "internal", "description"),
    ("Target link URI", "internal", "target_link_uri"),
    ("OIDC initiation URL", "internal", "oidc_initiation_url"),
    ("Domain", "internal", "domain"),
    ("Privacy level", "internal", "privacy_level"),
    ("JWKS URI", "ims", "jwks_uri"),
    ("Logo URI", "ims", "logo_uri"),
    ("Client URI", "ims", "client_uri"),
    ("Terms of service URI", "ims", "tos_uri"),
    ("Policy URI", "ims", "policy_uri"),
)
PLACEMENT_SHOWN = ("text", "message_type", "target_link_uri", "icon_url")


@dataclass(frozen=True)
class Row:
    """One line of the comparison: what it is, how it changed, and each side's text (None: absent)."""

    label: str
    change: str
    current: str | None
    requested: str | None


@dataclass(frozen=True)
class Section:
    title: str
    rows: tuple[Row, ...]

    def counts(self) -> dict[str, int]:
        """How many rows were added, removed or changed."""
        out = {ADDED: 0, REMOVED: 0, CHANGED: 0}
        for row in self.rows:
            if row.change in out:
                out[row.change] += 1
        return out


def _text(value: Any) -> str | None:
    if value is None or value == "" or value == [] or value == {}:
        return None
    return str(value)


def _pair(label: str, old: str | None, new: str | None) -> Row | None:
    if old is None and new is None:
        return None
    if old == new:
        return Row(label, UNCHANGED, old, new)
    change = ADDED if old is None else REMOVED if new is None else CHANGED
    return Row(label, change, old, new)


def short(item: str) -> str:
    """A scope's short name (what follows ``/scope/``), else the item itself."""
    return item.rsplit("/scope/", 1)[-1]


def _members(old: list[str], new: list[str]) -> tuple[Row, ...]:
    """Set members in the current order, then the requested newcomers."""
    rows = [Row(short(item), UNCHANGED if item in new else REMOVED, item, item if item in new else None) for item in dict.fromkeys(old)]
    rows += [Row(short(item), ADDED, None, item) for item in dict.fromkeys(new) if item not in old]
    return tuple(rows)


def placement_texts(config: dict[str, Any]) -> dict[str, str]:
    """Placement (with its message type when one placement has several) -> its description."""
    out: dict[str, str] = {}
    for placement in config.get("placements") or []:
        name = str(placement.get("placement"))
        key = name if name not in out else f"{name} ({placement.get('message_type')})"
        parts = [f"{field}: {placement[field]}" for field in PLACEMENT_SHOWN if placement.get(field) not in (None, "")]
        if placement.get("enabled") is False:
            parts.append("disabled")
        out[key] = "; ".join(parts) or name
    return out


def compare(current: dict[str, Any], current_ims: dict[str, Any], requested: dict[str, Any], requested_ims: dict[str, Any]) -> list[Section]:
    """The sections of the side-by-side view: current (internal configuration, registration) against requested."""
    sides = {"internal": (current, requested), "ims": (current_ims, requested_ims)}
    fields = [_pair(label, _text(sides[where][0].get(key)), _text(sides[where][1].get(key))) for label, where, key in FIELDS]
    old_p, new_p = placement_texts(current), placement_texts(requested)
    placements = [_pair(name, old_p.get(name), new_p.get(name)) for name in [*old_p, *(n for n in new_p if n not in old_p)]]
    old_c = {k: str(v) for k, v in (current.get("custom_fields") or {}).items()}
    new_c = {k: str(v) for k, v in (requested.get("custom_fields") or {}).items()}
    custom = [_pair(name, old_c.get(name), new_c.get(name)) for name in [*old_c, *(n for n in new_c if n not in old_c)]]
    return [
        Section("Name and URIs", tuple(r for r in fields if r is not None)),
        Section("Scopes", _members(list(current.get("scopes") or []), list(requested.get("scopes") or []))),
        Section("Placements", tuple(r for r in placements if r is not None)),
        Section("Redirect URIs", _members(list(current.get("redirect_uris") or []), list(requested.get("redirect_uris") or []))),
        Section("Custom parameters", tuple(r for r in custom if r is not None)),
    ]


def summary(sections: list[Section]) -> str:
    """One line: what changes, e.g. "Scopes: 1 added, 1 removed; Name and URIs: 1 changed"."""
    parts = []
    for section in sections:
        counts = section.counts()
        said = [f"{n} {what}" for what, n in counts.items() if n]
        if said:
            parts.append(f"{section.title}: {', '.join(said)}")
    return "; ".join(parts) or "no changes"
