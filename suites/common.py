"""Helpers shared by several suites: the harness's tool, registered or holding a developer key."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import httpx

from harness import dynreg, keys
from harness.client import json_body
from harness.dynreg import RegisteredTool
from harness.plugin import not_applicable
from harness.session import HarnessSession, ToolIdentity


def tool_identity(platform: HarnessSession) -> ToolIdentity:
    """The harness acting as a tool; not applicable when the platform cannot reach its JWKS."""
    tool = platform.tool
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


AGS = "https://purl.imsglobal.org/spec/lti-ags/scope/"
LINEITEM, LINEITEM_READ, SCORE, RESULT_READ = AGS + "lineitem", AGS + "lineitem.readonly", AGS + "score", AGS + "result.readonly"
LTI_KEY_SCOPES = [LINEITEM, LINEITEM_READ, SCORE]
ASSERTION_TYPE = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"


def token_url(platform: HarnessSession) -> str:
    assert platform.platform is not None
    return f"{platform.platform.base_url}/login/oauth2/token"


def course_id(platform: HarnessSession) -> str:
    """A course created once per session for the checks of this suite."""
    if "course" not in platform.cache:
        platform.cache["course"] = str(platform.adapter.create_course("LTI Harness course")["id"])
    return platform.cache["course"]


@dataclass
class LtiKey:
    id: str
    key: keys.KeyPair
    token_url: str

    def assertion(self, **overrides: Any) -> str:
        return keys.client_assertion(self.key, self.id, self.token_url, **overrides)


def post_assertion(platform: HarnessSession, assertion: str, scopes: list[str], url: str | None = None) -> httpx.Response:
    return platform.client.post(
        url or token_url(platform),
        data={"grant_type": "client_credentials", "client_assertion_type": ASSERTION_TYPE, "client_assertion": assertion, "scope": " ".join(scopes)},
        headers={"Accept": "application/json"},
    )


def lti_token(platform: HarnessSession, lti: LtiKey, scopes: list[str]) -> str:
    response = post_assertion(platform, lti.assertion(), scopes)
    assert response.status_code == 200, f"the token endpoint refused {scopes} with a valid assertion: {response.status_code} {response.text[:300]}"
    return str(json_body(response)["access_token"])


def new_lti_key(platform: HarnessSession, scopes: list[str] | None = None, *, jwks_url: bool = False) -> LtiKey:
    """An LTI developer key for the harness's key: inline public JWK (default) or its JWKS URL."""
    tool = tool_identity(platform) if jwks_url else platform.tool
    fields: dict[str, Any] = {"name": "LTI Harness LTI key", "is_lti_key": True, "scopes": scopes or LTI_KEY_SCOPES, "require_scopes": True}
    fields.update({"public_jwk_url": tool.jwks_url} if jwks_url else {"public_jwk": tool.key.public_jwk})
    created = platform.adapter.create_developer_key(fields)
    platform.adapter.set_developer_key_binding(str(created["id"]), "on")
    return LtiKey(id=str(created["id"]), key=tool.key, token_url=token_url(platform))


