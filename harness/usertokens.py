"""User (API) access tokens of a developer key, obtained as an OAuth2 client does: the authorize
step, then the ``authorization_code`` grant (Canvas ``doc/api/oauth.md``; seed 004).

The authorize step normally needs a browser. The adapter performs it as the logged-in admin; when
the target answers with anything but a redirect to the key's redirect URI (a login page, say),
the flow is :class:`NotSupported` and the checks that need user tokens are not applicable. A flow
that starts but is refused for scopes the key has is a set-up failure (``CannotTest``: verdict error).
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx

from .adapters import Adapter, NotSupported
from .client import Client, json_body
from .results import precondition


@dataclass
class ApiKey:
    """A developer key created for a check: its id, secret, scopes and redirect URI."""

    id: str
    secret: str = field(repr=False)
    scopes: list[str]
    redirect_uri: str


@dataclass
class UserToken:
    access_token: str = field(repr=False)
    refresh_token: str | None = field(repr=False)
    scopes: list[str]


def redirect_params(response: httpx.Response, redirect_uri: str) -> dict[str, str] | None:
    """The query parameters of a redirect to ``redirect_uri``, or None when it is no such redirect."""
    if response.status_code not in (301, 302, 303, 307, 308):
        return None
    location = response.headers.get("location", "")
    if not location.startswith(redirect_uri):
        return None
    return {k: v[0] for k, v in parse_qs(urlsplit(location).query).items()}


def authorize(adapter: Adapter, key: ApiKey, scopes: list[str], state: str | None = None) -> httpx.Response:
    params = {"client_id": key.id, "response_type": "code", "redirect_uri": key.redirect_uri, "state": state or secrets.token_hex(8)}
    if scopes:
        params["scope"] = " ".join(scopes)
    return adapter.authorize(params)


def exchange(client: Client, token_url: str, key: ApiKey, code: str) -> httpx.Response:
    return client.post(
        token_url,
        data={"grant_type": "authorization_code", "client_id": key.id, "client_secret": key.secret, "code": code, "redirect_uri": key.redirect_uri},
        headers={"Accept": "application/json"},
    )


def obtain(client: Client, adapter: Adapter, token_url: str, key: ApiKey, scopes: list[str]) -> UserToken:
    """A user token of ``key`` for ``scopes`` (``NotSupported`` when the target needs a browser)."""
    response = authorize(adapter, key, scopes)
    params = redirect_params(response, key.redirect_uri)
    if params is None:
        raise NotSupported(
            f"the authorize step answered {response.status_code} without redirecting to the key's redirect URI "
            "(it needs a browser login); user-token checks need a target that completes it for the admin"
        )
    precondition("code" in params, f"authorizing scopes the key has was refused (a set-up step): {params.get('error')} {params.get('error_description', '')}")
    answer = exchange(client, token_url, key, params["code"])
    precondition(answer.status_code == 200, f"exchanging the authorization code failed (a set-up step): {answer.status_code} {answer.text[:300]}")
    body: Any = json_body(answer)
    precondition(isinstance(body, dict) and isinstance(body.get("access_token"), str), "the token answer has no access_token (a set-up step)")
    from . import redact

    redact.register_secret(body["access_token"])
    if isinstance(body.get("refresh_token"), str):
        redact.register_secret(body["refresh_token"])
    return UserToken(access_token=body["access_token"], refresh_token=body.get("refresh_token"), scopes=list(scopes))
