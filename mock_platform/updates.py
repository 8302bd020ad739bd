"""Registration updates: Canvas's internal configuration, overlays, applying an update, history.

Sources: seed 000 (the whole update workflow), canvas-facts.md §2 ("Applying an update",
"Overlays", "Lti::RegistrationHistoryEntry").
"""

from __future__ import annotations

import copy
from collections.abc import Collection
from datetime import datetime, timezone
from typing import Any

from lti_harness.vocab import TOOL_CONFIG

from . import faults
from .store import DeveloperKey, Registration, UpdateRequest

CANVAS_PREFIX = "https://canvas.instructure.com/lti/"
ALIASES = {"ContentArea": "link_selection", "RichTextEditor": "editor_button"}
PLACEMENT_FIELDS = ("text", "target_link_uri", "message_type", "launch_height", "launch_width", "icon_url", "default")


def now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _placement(name: str) -> str:
    name = name[len(CANVAS_PREFIX):] if name.startswith(CANVAS_PREFIX) else name
    return ALIASES.get(name, name)


def _privacy(tool: dict[str, Any]) -> str:
    level = tool.get(CANVAS_PREFIX + "privacy_level")
    if isinstance(level, str):
        return level
    claims = set(tool.get("claims") or [])
    if "picture" in claims or {"name", "email"} <= claims:
        return "public"
    return "name_only" if "name" in claims else "email_only" if "email" in claims else "anonymous"


def internal_configuration(attrs: dict[str, Any], scopes: list[str]) -> dict[str, Any]:
    """A registration in Canvas's internal LTI configuration format (title, scopes, placements …)."""
    tool = attrs.get(TOOL_CONFIG) or {}
    placements = []
    for message in tool.get("messages") or []:
        if not isinstance(message, dict):
            continue
        for name in message.get("placements") or ["link_selection"]:
            placements.append(
                {
                    "placement": _placement(str(name)),
                    "enabled": True,
                    "message_type": message.get("type"),
                    "text": message.get("label") or attrs.get("client_name"),
                    "target_link_uri": message.get("target_link_uri") or tool.get("target_link_uri"),
                    "icon_url": message.get("icon_uri"),
                }
            )
    return {
        "title": attrs.get("client_name"),
        "description": tool.get("description"),
        "target_link_uri": tool.get("target_link_uri"),
        "oidc_initiation_url": attrs.get("initiate_login_uri"),
        "domain": tool.get("domain"),
        "scopes": list(scopes),
        "redirect_uris": list(attrs.get("redirect_uris") or []),
        "custom_fields": dict(tool.get("custom_parameters") or {}),
        "privacy_level": _privacy(tool),
        "placements": placements,
    }


def apply_overlay(config: dict[str, Any], overlay: dict[str, Any], active: Collection[str]) -> dict[str, Any]:
    """``Lti::Overlay#apply_to``: root keys overwrite, disabled scopes and placements win, overrides merge."""
    out = copy.deepcopy(config)
    ignore_names = faults.on(active, faults.IGNORE_OVERLAY_NAMES)
    names = ("title", "description", "custom_fields", "target_link_uri", "oidc_initiation_url", "domain", "privacy_level")
    for key in names:
        if key in overlay and not (key == "title" and ignore_names):
            out[key] = copy.deepcopy(overlay[key])
    if not faults.on(active, faults.IGNORE_OVERLAY_DISABLED_SCOPES):
        disabled = set(overlay.get("disabled_scopes") or [])
        out["scopes"] = [s for s in out["scopes"] if s not in disabled]
    overrides = overlay.get("placements") or {}
    present = {p["placement"] for p in out["placements"]}
    for placement in out["placements"]:
        for key, value in (overrides.get(placement["placement"]) or {}).items():
            if key in PLACEMENT_FIELDS and not (key == "text" and ignore_names):
                placement[key] = value
    for name, values in overrides.items():
        if name not in present:
            out["placements"].append({"placement": name, "enabled": True, **{k: v for k, v in values.items() if k in PLACEMENT_FIELDS}})
    if not faults.on(active, faults.IGNORE_OVERLAY_DISABLED_PLACEMENTS):
        for placement in out["placements"]:
            if placement["placement"] in set(overlay.get("disabled_placements") or []):
                placement["enabled"] = False
    return out


def overlaid(reg: Registration, active: Collection[str]) -> dict[str, Any]:
    return apply_overlay(internal_configuration(reg.configuration, reg.scopes), reg.overlay, active)


def _snapshot(reg: Registration, key: DeveloperKey | None, active: Collection[str]) -> dict[str, Any]:
    return {
        "internal_config": internal_configuration(reg.configuration, reg.scopes),
        "overlaid_internal_config": overlaid(reg, active),
        "registration": {"name": reg.configuration.get("client_name"), "workflow_state": reg.workflow_state},
        "developer_key": {"name": key.name, "scopes": list(key.scopes)} if key else None,
        "overlay": copy.deepcopy(reg.overlay),
    }


def _changes(old: Any, new: Any) -> dict[str, Any]:
    """Field-level changes between two snapshot parts: {field: [old, new]}."""
    if isinstance(old, dict) and isinstance(new, dict):
        return {k: [old.get(k), new.get(k)] for k in sorted(set(old) | set(new)) if old.get(k) != new.get(k)}
    return {} if old == new else {"value": [old, new]}


def merged(old: dict[str, Any], new: dict[str, Any]) -> dict[str, Any]:
    """What a buggy platform does instead of replacing (fault ``merge-instead-of-replace``)."""
    out = {**copy.deepcopy(old), **copy.deepcopy(new)}
    if isinstance(old.get(TOOL_CONFIG), dict) and isinstance(new.get(TOOL_CONFIG), dict):
        out[TOOL_CONFIG] = {**old[TOOL_CONFIG], **new[TOOL_CONFIG]}
    return out


def replace_configuration(
    reg: Registration, request: UpdateRequest, key: DeveloperKey | None, overlay: dict[str, Any] | None, active: Collection[str],
    *, invalidate_tokens: bool = False,
) -> None:
    """Put the request's configuration in place (replace, not merge) and sync the developer key;
    with ``invalidate_tokens`` the key's access tokens issued before stop working."""
    if faults.on(active, faults.MERGE_INSTEAD_OF_REPLACE):
        reg.configuration = merged(reg.configuration, request.configuration)
        reg.scopes = list(dict.fromkeys([*reg.scopes, *request.scopes]))
    else:
        reg.configuration = copy.deepcopy(request.configuration)
        reg.scopes = list(request.scopes)
    if overlay is not None:
        reg.overlay = copy.deepcopy(overlay)
    if key is not None:
        key.scopes = list(overlaid(reg, active)["scopes"])
        key.name = str(reg.configuration.get("client_name", key.name))
        key.public_jwk_url = reg.configuration.get("jwks_uri")
        key.redirect_uris = list(reg.configuration.get("redirect_uris") or [])
        if invalidate_tokens:
            invalidate(key)


def invalidate(key: DeveloperKey | None) -> None:
    """Make every access token issued to ``key`` so far stop working (the mock's token check compares versions)."""
    if key is not None:
        key.scope_version += 1


def apply(
    reg: Registration,
    request: UpdateRequest,
    key: DeveloperKey | None,
    *,
    overlay: dict[str, Any] | None,
    comment: str | None,
    admin: dict[str, Any],
    history_id: int,
    active: Collection[str],
    invalidate_tokens: bool = False,
) -> None:
    """Accept ``request``: replace the configuration, set the overlay, sync the key, record history."""
    before = _snapshot(reg, key, active)
    replace_configuration(reg, request, key, overlay, active, invalidate_tokens=invalidate_tokens)
    after = _snapshot(reg, key, active)
    request.accepted_at = now()
    request.comment = comment
    request.updated_by = admin
    if faults.on(active, faults.NO_HISTORY_ENTRY):
        return
    diff = {part: _changes(before[src], after[src]) for part, src in (
        ("registration", "registration"), ("internal_lti_configuration", "internal_config"),
        ("developer_key", "developer_key"), ("overlay", "overlay"))}
    reg.history.append(
        {
            "id": history_id,
            "lti_registration_id": reg.id,
            "root_account_id": reg.account_id,
            "update_type": "registration_update",
            "diff": {k: v for k, v in diff.items() if v},
            "old_configuration": before,
            "new_configuration": after,
            "created_at": request.accepted_at,
            "created_by": admin,
            "comment": comment,
        }
    )


def request_json(reg: Registration, request: UpdateRequest, active: Collection[str] = frozenset()) -> dict[str, Any]:
    newest = reg.update_requests[-1] is request if reg.update_requests else False
    old_shown = faults.on(active, faults.PENDING_REQUEST_SHOWS_OLD_CONFIGURATION) and request.pending
    shown = reg.configuration if old_shown else request.configuration
    status = "applied" if request.accepted_at else "rejected" if request.rejected_at else "pending" if newest else "superseded"
    return {
        "id": request.id,
        "lti_registration_id": reg.id,
        "root_account_id": reg.account_id,
        "created_at": request.created_at,
        "accepted_at": request.accepted_at,
        "rejected_at": request.rejected_at,
        "comment": request.comment,
        "created_by": None,
        "updated_by": request.updated_by,
        "lti_ims_registration": copy.deepcopy(shown),
        "internal_lti_configuration": internal_configuration(shown, request.scopes),
        "status": status,
    }


def newest_pending(reg: Registration) -> UpdateRequest | None:
    """Only the newest request per registration counts as pending (canvas-facts §2 ``most_recent?``)."""
    if reg.update_requests and reg.update_requests[-1].pending:
        return reg.update_requests[-1]
    return None


def registration_json(reg: Registration, active: Collection[str]) -> dict[str, Any]:
    pending = newest_pending(reg)
    return {
        "id": reg.id,
        "name": reg.configuration.get("client_name"),
        "workflow_state": reg.workflow_state,
        "client_id": reg.client_id,
        "account_id": reg.account_id,
        "created_at": reg.created_at,
        "pending_update": request_json(reg, pending, active) if pending else None,
        "configuration": internal_configuration(reg.configuration, reg.scopes),
        "overlay": copy.deepcopy(reg.overlay) or None,
        "overlaid_configuration": overlaid(reg, active),
    }
