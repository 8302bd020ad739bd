"""The OAuth2 routes under ``/login/oauth2``: the token endpoint (LTI client credentials, and the
authorization-code and refresh grants of API keys) and the authorize step of API keys
(canvas-facts §3). The grants themselves are :mod:`oauth`'s and :mod:`userauth`'s."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from lti_harness.harness import outbound

from . import faults, forms, oauth, userauth, web
from .config import Platform


def _refusal(exc: oauth.OAuthError) -> web.Refusal:
    """An RFC 6749 §5.2 error body with its status."""
    return web.Refusal(exc.status, exc.body())


async def _form(request: Request) -> dict[str, str]:
    data = await web.body_bytes(request)
    try:
        return dict(forms.parse_qsl_flat(data.decode("utf-8")))
    except UnicodeDecodeError:
        raise web.Refusal(400, {"error": "invalid_request", "error_description": "the body is not form-encoded UTF-8"}) from None
    except forms.FormError as exc:
        raise web.Refusal(400, {"error": "invalid_request", "error_description": str(exc)}) from None


async def _grant(form: dict[str, str], platform: Platform, base: str, fetcher: outbound.Fetcher) -> dict[str, Any]:
    """The token response for the form's ``grant_type``, or ``OAuthError``."""
    grant_type = form.get("grant_type")
    if grant_type == "authorization_code":
        return userauth.grant_code(platform, form)
    if grant_type == "refresh_token":
        return userauth.grant_refresh(platform, form)
    if grant_type != "client_credentials":
        if platform.has(faults.WRONG_GRANT_TYPE_ERROR):
            raise oauth.OAuthError(400, "invalid_request", "grant_type is invalid")
        raise oauth.OAuthError(400, "unsupported_grant_type", "The grant_type you requested is not currently supported")
    token_url = f"{base}/login/oauth2/token"
    return await oauth.grant_client_credentials(
        form,
        store=platform.store,
        token_url=token_url,
        audiences={token_url, base, urlsplit(base).netloc},
        issuer=platform.config.issuer or base,
        signing_key=platform.signing_key,
        active=platform.config.faults,
        loopback_only=platform.config.jwks_loopback_only,
        fetcher=fetcher,
    )


async def token(request: Request) -> Response:
    """POST /login/oauth2/token (canvas-facts §3)."""
    platform = web.platform_of(request)
    form = await _form(request)
    try:
        body = await _grant(form, platform, web.base_url(request), request.app.state.outbound)
    except oauth.OAuthError as exc:
        raise _refusal(exc) from None
    return web.json_response(body, headers=web.NO_STORE)


async def authorize(request: Request) -> Response:
    """GET /login/oauth2/auth?client_id&response_type=code&redirect_uri&scope&state."""
    platform = web.platform_of(request)
    try:
        target = userauth.authorize(
            platform, request.query_params,
            login_page=f"{web.base_url(request)}/login/canvas",
            signed_in=web.is_admin(request, platform),
        )
    except oauth.OAuthError as exc:
        raise _refusal(exc) from None
    return RedirectResponse(target, status_code=302)


ROUTES = [
    Route("/login/oauth2/token", token, methods=["POST"]),
    Route("/login/oauth2/auth", authorize, methods=["GET"]),
]
