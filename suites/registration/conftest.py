"""Fixtures of the dynamic registration suite: tokens, the platform's discovery document, endpoints."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest

from lti_harness.harness import dynreg
from lti_harness.harness.adapters import RegistrationToken
from lti_harness.harness.client import json_body
from lti_harness.harness.session import HarnessSession


@dataclass
class Endpoints:
    registration: str
    token: str
    jwks: str
    openid: dict[str, Any]


@pytest.fixture
def reg_token(platform: HarnessSession) -> RegistrationToken:
    """A fresh registration token issued through the adapter."""
    return platform.adapter.registration_token()


@pytest.fixture
def endpoints(platform: HarnessSession, reg_token: RegistrationToken) -> Endpoints:
    """Endpoints from the platform's OpenID configuration, falling back to Canvas's routes.

    The fallback keeps one broken field from failing unrelated checks; DR-003 judges the document.
    """
    base = platform.platform.base_url  # type: ignore[union-attr]
    doc: dict[str, Any] = {}
    url = dynreg.with_token_in_url(reg_token.oidc_configuration_url or f"{base}/api/lti/security/openid-configuration", reg_token.token)
    response = platform.client.get(url, headers={"Accept": "application/json"})
    if response.status_code == 200:
        body = json_body(response)
        doc = body if isinstance(body, dict) else {}

    def pick(key: str, default: str) -> str:
        value = doc.get(key)
        return value if isinstance(value, str) and value.startswith(("http://", "https://")) else default

    return Endpoints(
        registration=pick("registration_endpoint", f"{base}/api/lti/registrations"),
        token=pick("token_endpoint", f"{base}/login/oauth2/token"),
        jwks=pick("jwks_uri", f"{base}/api/lti/security/jwks"),
        openid=doc,
    )


@pytest.fixture
def new_token(platform: HarnessSession):
    """A function returning a fresh registration token (one per registration attempt)."""
    return lambda: platform.adapter.registration_token().token


@pytest.fixture
def tool_body(platform: HarnessSession) -> dict[str, Any]:
    """A complete registration for the harness's tool (its JWKS is served by the tool counterpart)."""
    tool = platform.harness_tool
    return dynreg.sample_registration(tool.base_url, tool.jwks_url)
