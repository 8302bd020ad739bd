"""The mock tool's answer to an ``LtiDeepLinkingRequest`` launch: a page that auto-posts a signed
deep-linking response to the request's ``deep_link_return_url`` as the form field ``JWT`` (ims-facts.md
§3.4, tool-originated JWTs: ``iss`` = its client id, ``aud`` = the platform issuer, ``exp``, ``iat`` and a
fresh ``nonce``), signed by its first signing key under that key's ``kid`` (the key its JWKS publishes).

The response carries the request's deployment id, message type ``LtiDeepLinkingResponse``, version 1.3.0,
the request's ``data`` unchanged, a ``msg``, and one content item chosen without a user (the tool's
picker picks for them): an ``ltiResourceLink`` back to the tool's launch URL with a ``lineItem`` (when the
platform accepts that type and line items), else a ``link``, else none.
"""

from __future__ import annotations

import html
import secrets
import time
from typing import Any
from urllib.parse import urlencode

from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response

from lti_harness.harness import keys
from lti_harness.vocab import LTI_CLAIM

from . import faults
from .config import config_of

DL_CLAIM = "https://purl.imsglobal.org/spec/lti-dl/claim/"
SETTINGS = DL_CLAIM + "deep_linking_settings"
LIFETIME = 300  # seconds the response is valid
REUSED_NONCE = "mock-tool-deep-linking-nonce"  # what every response carries under a fault


def _settings(claims: dict[str, Any]) -> dict[str, Any] | None:
    """The request's deep_linking_settings, when they name an http(s) return URL."""
    settings = claims.get(SETTINGS)
    if not isinstance(settings, dict):
        return None
    url = settings.get("deep_link_return_url")
    return settings if isinstance(url, str) and url.startswith(("http://", "https://")) else None


def content_items(settings: dict[str, Any], launch_url: str, config: Any) -> list[dict[str, Any]]:
    """The one item the tool returns, of a type the platform accepts."""
    accepted = settings.get("accept_types") or []
    if "ltiResourceLink" in accepted:
        item: dict[str, Any] = {"type": "ltiResourceLink", "title": "Fractions quiz", "text": "Ten questions on fractions",
                                "url": launch_url, "custom": {"quiz_id": "fractions-1"}}
        if settings.get("accept_lineitem") is not False:
            line_item: dict[str, Any] = {"scoreMaximum": 10, "label": "Fractions quiz", "resourceId": "fractions-1", "tag": "quiz"}
            if config.has(faults.DL_LINE_ITEM_WITHOUT_SCORE_MAXIMUM):
                del line_item["scoreMaximum"]
            item["lineItem"] = line_item
        return [item]
    if "link" in accepted:
        return [{"type": "link", "title": "Fractions explained", "url": launch_url.rsplit("/v1/", 1)[0] + "/fractions"}]
    return []


def response_claims(reg: dict[str, Any], claims: dict[str, Any], settings: dict[str, Any], launch_url: str, config: Any,
                    base_url: str) -> dict[str, Any]:
    """The claims of the deep-linking response to the request ``claims`` (faults change some)."""
    now = int(time.time())
    out: dict[str, Any] = {
        "iss": base_url if config.has(faults.DL_ISS_NOT_CLIENT_ID) else reg["clientId"],
        "aud": reg["clientId"] if config.has(faults.DL_AUD_CLIENT_ID) else reg["platformIssuer"],
        "iat": now, "exp": now + LIFETIME,
        "nonce": REUSED_NONCE if config.has(faults.DL_NONCE_REUSED) else secrets.token_urlsafe(16),
        LTI_CLAIM + "deployment_id": claims.get(LTI_CLAIM + "deployment_id"),
        LTI_CLAIM + "message_type": "LtiDeepLinkingRequest" if config.has(faults.DL_WRONG_MESSAGE_TYPE) else "LtiDeepLinkingResponse",
        LTI_CLAIM + "version": "1.3.0",
        DL_CLAIM + "content_items": content_items(settings, launch_url, config),
        DL_CLAIM + "msg": "One item selected",
    }
    if "data" in settings and not config.has(faults.DL_DATA_NOT_ECHOED):
        out[DL_CLAIM + "data"] = settings["data"]
    for fault, claim in ((faults.DL_RESPONSE_WITHOUT_EXP, "exp"), (faults.DL_RESPONSE_WITHOUT_NONCE, "nonce"),
                         (faults.DL_DEPLOYMENT_ID_MISSING, LTI_CLAIM + "deployment_id")):
        if config.has(fault):
            out.pop(claim)
    return out


def _signed(request: Request, claims: dict[str, Any]) -> str:
    config = config_of(request)
    key = config.signing_keys[0]
    if config.has(faults.DL_RESPONSE_FOREIGN_KEY):
        foreign = getattr(request.app.state, "dl_foreign_key", None)
        if foreign is None:
            foreign = request.app.state.dl_foreign_key = keys.generate(kid=key.kid)
        key = foreign
    return key.sign(claims, kid=not config.has(faults.DL_RESPONSE_WITHOUT_KID))


def respond(request: Request, reg: dict[str, Any], claims: dict[str, Any]) -> Response:
    """The page answering a verified ``LtiDeepLinkingRequest``: an auto-submitting form posting ``JWT`` to
    the return URL (a redirect carrying it in the query under a fault); 400 without usable settings."""
    settings = _settings(claims)
    if settings is None:
        return HTMLResponse("<html><body><h1>Launch refused</h1><p>deep_linking_settings with a deep_link_return_url is required</p>"
                            "</body></html>", 400)
    base = str(request.base_url).rstrip("/")
    token = _signed(request, response_claims(reg, claims, settings, f"{base}/v1/platform/lti/launch", config_of(request), base))
    back = settings["deep_link_return_url"]
    if config_of(request).has(faults.DL_RESPONSE_BY_REDIRECT):
        return RedirectResponse(f"{back}{'&' if '?' in back else '?'}{urlencode({'JWT': token})}", status_code=302)
    return HTMLResponse(
        f'<html><body><form id="dl" action="{html.escape(back)}" method="post">'
        f'<input type="hidden" name="JWT" value="{html.escape(token)}"></form>'
        '<script>document.getElementById("dl").submit();</script></body></html>', 200)
