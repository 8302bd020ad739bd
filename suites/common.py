"""Helpers shared by several suites: the harness's tool, registered or holding a developer key."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import httpx

from lti_harness.harness import dynreg, keys
from lti_harness.harness.client import json_body
from lti_harness.harness.dynreg import RegisteredTool
from lti_harness.harness.plugin import not_applicable
from lti_harness.harness.results import precondition
from lti_harness.harness.session import HarnessSession, ToolIdentity
from lti_harness.vocab import LINEITEM_READONLY_SCOPE, LINEITEM_SCOPE, SCORE_SCOPE


def tool_identity(platform: HarnessSession) -> ToolIdentity:
    """The harness acting as a tool; not applicable when the platform cannot reach its JWKS."""
    tool = platform.harness_tool
    if not tool.reachable:
        not_applicable(tool.why_unreachable)
    return tool


def register(platform: HarnessSession, scopes: list[str]) -> RegisteredTool:
    """Register the harness's tool with ``scopes`` through dynamic registration."""
    tool = tool_identity(platform)
    target = platform.platform
    assert target is not None
    return dynreg.register_tool(
        platform.client, platform.adapter, target.base_url, tool.base_url, tool.jwks_url, tool.key,
        scopes, tos_uri=f"{tool.base_url}/tos",
    )


LTI_KEY_SCOPES = [LINEITEM_SCOPE, LINEITEM_READONLY_SCOPE, SCORE_SCOPE]
ASSERTION_TYPE = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"


def token_url(platform: HarnessSession) -> str:
    """The platform's OAuth2 token endpoint: the hand registration's ``token_url``, else Canvas's route."""
    assert platform.platform is not None
    registration = platform.platform.registration
    return registration.token_url if registration is not None else f"{platform.platform.base_url}/login/oauth2/token"


def course_id(platform: HarnessSession) -> str:
    """A course created once per session for the checks of this suite."""
    if "course" not in platform.cache:
        platform.cache["course"] = str(platform.adapter.create_course("LTI Harness course")["id"])
    return platform.cache["course"]


@dataclass
class LtiKey:
    """An LTI client the harness acts as: a developer key it created, or the profile's hand registration."""

    id: str
    key: keys.KeyPair
    token_url: str
    scopes: list[str] = field(default_factory=list)  # the scopes the platform granted the client
    registered: bool = False  # the profile's [platform.registration], not a key the harness created

    def assertion(self, **overrides: Any) -> str:
        return keys.client_assertion(self.key, self.id, self.token_url, **overrides)


def post_assertion(platform: HarnessSession, assertion: str, scopes: list[str], url: str | None = None) -> httpx.Response:
    return platform.client.post(
        url or token_url(platform),
        data={"grant_type": "client_credentials", "client_assertion_type": ASSERTION_TYPE, "client_assertion": assertion, "scope": " ".join(scopes)},
        headers={"Accept": "application/json"},
    )


def lti_token(platform: HarnessSession, lti: LtiKey, scopes: list[str]) -> str:
    """An LTI access token for ``scopes``; a refusal is a set-up problem (``error``), not the check's verdict."""
    response = post_assertion(platform, lti.assertion(), scopes, lti.token_url)
    body = json_body(response) if response.status_code == 200 else None
    precondition(isinstance(body, dict) and isinstance(body.get("access_token"), str),
                 f"the token endpoint refused {sorted(scopes)} with a valid assertion of client {lti.id} "
                 f"(a set-up step of this check): {response.status_code} {response.text[:300]}")
    return str(body["access_token"])  # type: ignore[index]


def new_lti_key(platform: HarnessSession, scopes: list[str] | None = None, *, jwks_url: bool = False) -> LtiKey:
    """An LTI developer key for the harness's key: inline public JWK (default) or its JWKS URL."""
    tool = tool_identity(platform) if jwks_url else platform.harness_tool
    fields: dict[str, Any] = {"name": "LTI Harness LTI key", "is_lti_key": True, "scopes": scopes or LTI_KEY_SCOPES, "require_scopes": True}
    fields.update({"public_jwk_url": tool.jwks_url} if jwks_url else {"public_jwk": tool.key.public_jwk})
    created = platform.adapter.create_developer_key(fields)
    platform.adapter.set_developer_key_binding(str(created["id"]), "on")
    return LtiKey(id=str(created["id"]), key=tool.key, token_url=token_url(platform), scopes=list(fields["scopes"]))


def registered_key(platform: HarnessSession) -> LtiKey | None:
    """The profile's hand-registered tool as an :class:`LtiKey`, or None when the profile gives none."""
    assert platform.platform is not None
    reg = platform.platform.registration
    if reg is None:
        return None
    return LtiKey(id=reg.client_id, key=reg.key, token_url=reg.token_url, scopes=list(reg.scopes), registered=True)


def lti_client(platform: HarnessSession, scopes: list[str] | None = None) -> LtiKey:
    """An LTI client to test the token endpoint with: a developer key the harness creates where it can
    (``admin_developer_keys``), else the profile's hand registration; not applicable when neither."""
    why = platform.missing("admin_developer_keys")
    if why is None:
        return new_lti_key(platform, scopes)
    registered = registered_key(platform)
    if registered is None:
        not_applicable(f"{why}; nor does the profile describe a tool registered by hand ([platform.registration])")
        raise AssertionError("unreachable")
    return registered


