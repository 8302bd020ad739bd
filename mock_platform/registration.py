"""Dynamic registration: validating a tool's registration body and rendering the platform's answer.

Rules: seed 002 (example create request/response), seed 000 (same schema for updates, 422 body),
canvas-facts.md §1c (OidcRegistration and LtiToolConfiguration schemas, scope check, response).
"""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

from lti_harness.harness import schemas
from lti_harness.vocab import TOOL_CONFIG

from . import faults

REGISTRATION_CONFIG_URL = "https://canvas.instructure.com/lti/registration_config_url"
# Canvas keeps only the properties its schema knows (canvas-facts §1c "unknown properties are filtered out").
KNOWN_PROPERTIES = (
    "application_type",
    "grant_types",
    "response_types",
    "redirect_uris",
    "initiate_login_uri",
    "client_name",
    "jwks_uri",
    "token_endpoint_auth_method",
    "scope",
    "contacts",
    "client_uri",
    "logo_uri",
    "tos_uri",
    "policy_uri",
    TOOL_CONFIG,
)


def split_scopes(scope: Any) -> list[str]:
    if not isinstance(scope, str):
        return []
    return [s for s in scope.split(" ") if s]


def _message(err: Any) -> str:
    path = "/".join(str(p) for p in err.absolute_path)
    if err.validator == "required":
        missing = err.message.split("'")[1] if "'" in err.message else err.message
        return f"{path + '/' if path else ''}{missing} is required"
    return f"{path or '(root)'}: {err.message}"


def validate(body: Any, active: Collection[str]) -> tuple[list[str], dict[str, Any], list[str]]:
    """Check a registration body; return (errors, accepted attributes, granted scopes)."""
    if not isinstance(body, dict):
        return ["the registration must be a JSON object"], {}, []
    body = dict(body)
    scopes = [s for s in split_scopes(body.get("scope")) if s != "openid"]
    known = set(schemas.known_lti_scopes())
    unknown = [s for s in scopes if s not in known]
    if unknown and faults.on(active, faults.IGNORE_UNKNOWN_SCOPES):
        scopes = [s for s in scopes if s in known]
        unknown = []
    body["scope"] = " ".join(scopes) if isinstance(body.get("scope"), str) else body.get("scope")
    errors = []
    for err in sorted(schemas.validator("registration_request").iter_errors(body), key=lambda e: list(e.absolute_path)):
        if faults.on(active, faults.ACCEPT_MISSING_REDIRECT_URIS) and err.validator == "required" and "'redirect_uris'" in err.message:
            continue
        errors.append(_message(err))
    if unknown:
        errors.append(f"Invalid scopes: {', '.join(unknown)}")
    attrs = {k: body[k] for k in KNOWN_PROPERTIES if k in body}
    return errors, attrs, scopes


def render(
    attrs: dict[str, Any],
    *,
    client_id: str,
    scopes: list[str],
    base_url: str,
    registration_id: int,
    active: Collection[str],
) -> dict[str, Any]:
    """The platform's answer for a stored registration (Canvas's ``render_registration``)."""
    tool_config = dict(attrs.get(TOOL_CONFIG) or {})
    tool_config[REGISTRATION_CONFIG_URL] = f"{base_url}/api/lti/registrations/{registration_id}/view"
    if faults.on(active, faults.DROP_CLAIMS_FROM_ECHO):
        tool_config.pop("claims", None)
    granted = list(scopes) if faults.on(active, faults.SCOPE_WITHOUT_OPENID) else [*scopes, "openid"]
    body: dict[str, Any] = {
        "client_id": client_id,
        "application_type": "web",
        "grant_types": ["client_credentials", "implicit"],
        "initiate_login_uri": attrs.get("initiate_login_uri"),
        "redirect_uris": attrs.get("redirect_uris", []),
        "response_types": ["id_token"],
        "client_name": attrs.get("client_name"),
        "jwks_uri": attrs.get("jwks_uri"),
        "logo_uri": attrs.get("logo_uri"),
        "token_endpoint_auth_method": "private_key_jwt",
        "scope": " ".join(granted),
        TOOL_CONFIG: tool_config,
        "registration_client_uri": f"{base_url}/api/lti/registrations/{registration_id}",
    }
    if faults.on(active, faults.NO_CLIENT_ID):
        body.pop("client_id")
    if faults.on(active, faults.NO_REGISTRATION_CLIENT_URI):
        body.pop("registration_client_uri")
    return {k: v for k, v in body.items() if v is not None}
