"""The platform's half of an LTI 1.3 launch, as the harness performs it against a tool: OIDC
third-party login initiation, then the id_token posted to the tool's redirect URI (ims-facts.md §3.3,
§3.4). ``tamper`` edits the claims before signing, to try what a tool must refuse."""

from __future__ import annotations

import time
import uuid
from dataclasses import dataclass
from typing import Any, Callable
from urllib.parse import parse_qs, urlsplit

import httpx

from . import keys
from .client import Client

LTI = "https://purl.imsglobal.org/spec/lti/claim/"


@dataclass
class PlatformIdentity:
    """The harness acting as a platform: its signing key, issuer and where its JWKS is published."""

    key: keys.KeyPair
    issuer: str
    jwks_url: str  # "" when the tool holds the public key itself ([tool.launch] in the profile)
    reachable: bool = True
    why_unreachable: str = ""
    authorization_endpoint: str = ""  # where the tool's login must redirect; default {issuer}/authorize

    def __post_init__(self) -> None:
        self.authorization_endpoint = self.authorization_endpoint or f"{self.issuer}/authorize"


@dataclass
class Launch:
    login: httpx.Response
    response: httpx.Response | None  # None when the tool refused at login
    state: str = ""
    id_token: str = ""
    redirect_uri: str = ""
    authorization_endpoint: str = ""  # where the login was expected to redirect

    def login_refusal(self) -> str:
        """Why no id_token was posted: what the tool's login initiation answered instead of the redirect."""
        where = self.login.headers.get("location", "")
        if self.login.status_code in (302, 303):
            return f"the tool's login redirected to {where[:120]!r}, not to the platform's authorization endpoint {self.authorization_endpoint}"
        return f"the tool's login initiation answered {self.login.status_code} instead of redirecting to {self.authorization_endpoint}: {self.login.text[:160]!r}"


def claims_for(ident: PlatformIdentity, client_id: str, deployment_id: str, nonce: str, target: str) -> dict[str, Any]:
    now = int(time.time())
    return {
        "iss": ident.issuer, "aud": client_id, "azp": client_id, "sub": f"user-{uuid.uuid4().hex[:8]}",
        "iat": now, "exp": now + 300, "nonce": nonce,
        LTI + "message_type": "LtiResourceLinkRequest", LTI + "version": "1.3.0",
        LTI + "deployment_id": deployment_id, LTI + "target_link_uri": target,
        LTI + "resource_link": {"id": uuid.uuid4().hex}, LTI + "roles": ["http://purl.imsglobal.org/vocab/lis/v2/membership#Learner"],
    }


def launch(client: Client, ident: PlatformIdentity, login_url: str, target: str, client_id: str, deployment_id: str, *,
           tamper: Callable[[dict[str, Any]], None] | None = None, signer: keys.KeyPair | None = None) -> Launch:
    """Initiate login at ``login_url`` for ``target`` (the target_link_uri), then post a signed id_token
    with the tool's state and nonce to the redirect_uri the tool named."""
    login = client.get(login_url, params={"iss": ident.issuer, "login_hint": "harness-user", "target_link_uri": target,
                                         "client_id": client_id, "lti_deployment_id": deployment_id}, headers={"Accept": "text/html"})
    location = login.headers.get("location", "")
    if login.status_code not in (302, 303) or not location.startswith(ident.authorization_endpoint):
        return Launch(login=login, response=None, authorization_endpoint=ident.authorization_endpoint)
    params = {k: v[0] for k, v in parse_qs(urlsplit(location).query).items()}
    assert params.get("state") and params.get("nonce") and params.get("redirect_uri"), (
        f"the tool's login redirect lacks state, nonce or redirect_uri: {sorted(params)}")
    claims = claims_for(ident, client_id, deployment_id, params["nonce"], target)
    if tamper is not None:
        tamper(claims)
    token = (signer or ident.key).sign(claims)
    response = client.post(params["redirect_uri"], data={"id_token": token, "state": params["state"]}, headers={"Accept": "text/html"})
    return Launch(login=login, response=response, state=params["state"], id_token=token, redirect_uri=params["redirect_uri"],
                  authorization_endpoint=ident.authorization_endpoint)
