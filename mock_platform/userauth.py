"""The user OAuth2 flow of Canvas API keys: ``GET /login/oauth2/auth`` and the
``authorization_code`` / ``refresh_token`` grants of ``POST /login/oauth2/token``.

The order of the authorize checks follows Canvas's ``oauth2_provider`` controller (canvas-facts.md
§3; seed 004 "Developer Key Management"): unknown client, redirect URI, scopes (``invalid_scope``
when they are not a subset of the key's), account binding (``unauthorized_client``), response type.

The browser login has no place on a mock: an ``Authorization: Bearer <admin token>`` header on the
authorize request stands in for the logged-in administrator, who approves at once.
"""

from __future__ import annotations

import secrets
import time
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlencode, urlsplit

from lti_harness.vocab import to_sentence

from . import faults, web
from .config import Platform
from .oauth import OAuthError
from .store import DeveloperKey, UserToken

USER_TOKEN_LIFETIME = 3600
INVALID_SCOPE = (
    "A requested scope is invalid, unknown, malformed, or exceeds the scope granted by the resource owner. "
    "The following scopes were requested, but not granted: {}"
)


def _redirect(redirect_uri: str, **params: str | None) -> str:
    query = urlencode({k: v for k, v in params.items() if v is not None})
    sep = "&" if urlsplit(redirect_uri).query else "?"
    return f"{redirect_uri}{sep}{query}"


def usable_key(platform: Platform, client_id: str | None) -> DeveloperKey | None:
    key = platform.store.developer_key(str(client_id)) if client_id else None
    return key if key is not None and key.workflow_state == "active" else None


def key_enabled(platform: Platform, key: DeveloperKey) -> bool:
    """Whether the key's binding in this account is on (canvas-facts §3 ``usable_in_context?``)."""
    return key.binding == "on" or platform.has(faults.BINDING_OFF_IGNORED)


def authorize(platform: Platform, q: Mapping[str, str], *, login_page: str, signed_in: bool) -> str:
    """Where the authorize step sends the browser (302): back to the redirect URI with a code or an
    error, or to the login page. ``OAuthError`` (400) for an unknown client or redirect URI; Canvas's
    401 when no administrator is signed in (``signed_in``: the admin token came with the request)."""
    key = usable_key(platform, q.get("client_id"))
    if key is None or key.is_lti_key:
        raise OAuthError(400, "invalid_client", "unknown client")
    redirect_uri = q.get("redirect_uri", "")
    if redirect_uri not in key.redirect_uris:
        raise OAuthError(400, "invalid_request", "redirect_uri does not match client settings")
    state = q.get("state")
    scopes = [s for s in (q.get("scope") or q.get("scopes") or "").split() if s]
    missing = [s for s in scopes if s not in key.scopes]
    if key.require_scopes and (missing or not scopes) and not platform.has(faults.SUPERSET_SCOPES_GRANTED):
        return _redirect(redirect_uri, error="invalid_scope", error_description=INVALID_SCOPE.format(to_sentence(missing or ["(none)"])), state=state)
    if not key_enabled(platform, key):
        return _redirect(redirect_uri, error="unauthorized_client", error_description="Client does not have access to the specified Canvas account.", state=state)
    if q.get("response_type") != "code":
        return _redirect(redirect_uri, error="unsupported_response_type", error_description="Only response_type=code is permitted", state=state)
    if platform.config.authorize_needs_browser:
        return login_page
    if not signed_in:
        raise web.api_error("log in first: this mock takes the admin token as 'Authorization: Bearer' in place of a browser session", 401)
    code = secrets.token_urlsafe(24)
    platform.store.add_code(code, {"key_id": key.id, "redirect_uri": redirect_uri, "scopes": scopes, "user_id": platform.config.admin_user_id, "at": time.time()})
    return _redirect(redirect_uri, code=code, state=state)


def _client(platform: Platform, form: dict[str, str]) -> DeveloperKey:
    key = usable_key(platform, form.get("client_id"))
    if key is None or key.is_lti_key or not secrets.compare_digest(form.get("client_secret", ""), key.api_key):
        raise OAuthError(401, "invalid_client", "unknown client")
    return key


def _issue(platform: Platform, key: DeveloperKey, user_id: int, scopes: list[str]) -> dict[str, Any]:
    token = UserToken(
        token=f"1~{secrets.token_urlsafe(48)}",
        refresh_token=f"1~{secrets.token_urlsafe(48)}",
        key_id=key.id,
        user_id=user_id,
        scopes=list(scopes),
        expires_at=time.time() + USER_TOKEN_LIFETIME,
    )
    platform.store.add_user_token(token)
    return {
        "access_token": token.token,
        "token_type": "Bearer",
        "user": {"id": user_id, "name": "Mock Admin"},
        "refresh_token": token.refresh_token,
        "expires_in": USER_TOKEN_LIFETIME,
        "scope": " ".join(scopes),
    }


def grant_code(platform: Platform, form: dict[str, str]) -> dict[str, Any]:
    """``grant_type=authorization_code``: exchange a code from the authorize step."""
    key = _client(platform, form)
    grant = platform.store.take_code(form.get("code", ""))
    if grant is None or grant["key_id"] != key.id or time.time() - grant["at"] > 600:
        raise OAuthError(400, "invalid_grant", "authorization_code not found")
    if form.get("redirect_uri") and form["redirect_uri"] != grant["redirect_uri"]:
        raise OAuthError(400, "invalid_grant", "redirect_uri does not match the authorization request")
    return _issue(platform, key, grant["user_id"], grant["scopes"])


def grant_refresh(platform: Platform, form: dict[str, str]) -> dict[str, Any]:
    """``grant_type=refresh_token``: a new access token for a stored token's scopes."""
    key = _client(platform, form)
    old = platform.store.user_token_by_refresh(form.get("refresh_token", ""))
    if old is None or old.key_id != key.id:
        raise OAuthError(400, "invalid_grant", "refresh_token not found")
    body = _issue(platform, key, old.user_id, old.scopes)
    body.pop("refresh_token")
    return body
