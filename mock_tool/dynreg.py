"""The mock tool's side of LTI Dynamic Registration (ims-facts.md §1.1, §1.3, §1.6; seed 002 for what a
tool sends): ``GET /v1/platform/lti/dynamic-registration?openid_configuration=…&registration_token=…``
fetches the platform's OpenID configuration, posts the tool's registration with the registration
token as bearer, stores the answer as a registration and answers with the page that posts
``{subject: "org.imsglobal.lti.close"}`` to the window that opened it.

It fetches only with the operator's consent: the request carries the tool's API key
(``Authorization: Bearer tf_platform_…``), or the OpenID configuration URL lies under a prefix the
operator allowed (``lti-harness serve tool --allow-dr-from URL``); else 403. The registration token
is sent only to the configuration's own origin (a ``registration_endpoint`` elsewhere is refused),
and every fetch goes through :mod:`harness.outbound` (resolved addresses checked, no redirects,
bounded decompressed reads, one deadline).
"""

from __future__ import annotations

import html
import secrets
import uuid
from collections.abc import Collection
from datetime import datetime, timezone
from typing import Any
from urllib.parse import urlsplit

from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.routing import Route

from lti_harness.harness import outbound
from lti_harness.vocab import LINEITEM_SCOPE, NRPS_SCOPE, SCORE_SCOPE, TOOL_CONFIG

from . import faults
from .config import ToolConfig, config_of

MAX_BODY = 256 * 1024
CLOSE = '<script>(window.opener || window.parent).postMessage({subject: "org.imsglobal.lti.close"}, "*");</script>'


def _page(status: int, text: str, close: bool) -> HTMLResponse:
    return HTMLResponse(f"<html><body><p>{html.escape(text)}</p>{CLOSE if close else ''}</body></html>", status)


def under_prefix(url: str, prefix: str) -> bool:
    """Whether ``url`` lies under an allowed ``prefix``: same scheme and host, the same port when the
    prefix names one (any port when it does not), and a path that starts with the prefix's path.
    URLs with credentials never match."""
    try:
        u, p = urlsplit(url), urlsplit(prefix)
        u_port, p_port = u.port, p.port
    except ValueError:
        return False
    if u.username is not None or u.password is not None or not u.hostname:
        return False
    if (u.scheme, u.hostname) != (p.scheme, p.hostname):
        return False
    default = 443 if u.scheme == "https" else 80
    if p_port is not None and (u_port or default) != p_port:
        return False
    return u.path.startswith(p.path)


def _consent(request: Request, config: ToolConfig, oidc_url: str) -> Response | None:
    """None when the operator consented to this initiation (API key, or an allowed prefix), else the refusal."""
    auth = request.headers.get("authorization")
    if auth:
        scheme, _, key = auth.partition(" ")
        if scheme.lower() == "bearer" and secrets.compare_digest(key.strip().encode(), config.api_key.encode()):
            return None
        return _page(401, "the Authorization header does not carry this tool's API key", False)
    if any(under_prefix(oidc_url, prefix) for prefix in config.dr_allowed):
        return None
    return _page(403, "dynamic registration needs the operator's consent: send the tool's API key as a bearer token, "
                      "or serve the tool with --allow-dr-from naming the platform's URL", False)


def registration_body(base: str, active: Collection[str]) -> dict[str, Any]:
    """What this tool registers (seed 002 "create"; ims-facts.md §1.3)."""
    body: dict[str, Any] = {
        "application_type": "web",
        "client_name": "Mock Tool",
        "grant_types": ["client_credentials", "implicit"],
        "response_types": ["id_token"],
        "initiate_login_uri": f"{base}/v1/platform/lti/login",
        "redirect_uris": [f"{base}/v1/platform/lti/launch"],
        "jwks_uri": f"{base}/v1/platform/lti/.well-known/jwks.json",
        "token_endpoint_auth_method": "private_key_jwt",
        "scope": f"{LINEITEM_SCOPE} {SCORE_SCOPE} {NRPS_SCOPE}",
        TOOL_CONFIG: {
            "domain": urlsplit(base).netloc,
            "target_link_uri": f"{base}/v1/platform/lti/launch",
            "claims": ["iss", "sub", "name"],
            "messages": [{"type": "LtiResourceLinkRequest", "label": "Mock Tool", "placements": ["course_navigation"]}],
        },
    }
    if faults.on(active, faults.REGISTRATION_MISSING_JWKS_URI):
        body.pop("jwks_uri")
    return body


async def initiate(request: Request) -> Response:
    """The tool's dynamic-registration initiation URL, opened by the platform in an iframe or window."""
    config = config_of(request)
    close = not config.has(faults.NO_CLOSE_MESSAGE)
    oidc_url = request.query_params.get("openid_configuration", "")
    token = request.query_params.get("registration_token")
    if not oidc_url.startswith(("http://", "https://")):
        return _page(400, "openid_configuration is required", False)
    refused = _consent(request, config, oidc_url)
    if refused is not None:
        return refused
    headers = {"Accept": "application/json"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    fetch = {"loopback_only": config.loopback_only, "max_bytes": MAX_BODY, "via": request.app.state.outbound}
    try:
        found = await outbound.fetch(oidc_url, headers=headers, **fetch)
        platform = _json(found) if found.status == 200 else None
        endpoint = platform.get("registration_endpoint") if isinstance(platform, dict) else None
        if not isinstance(endpoint, str) or not endpoint.startswith(("http://", "https://")):
            return _page(502, f"the platform's OpenID configuration ({found.status}) has no registration_endpoint", False)
        if not outbound.same_origin(endpoint, oidc_url):
            return _page(400, "the registration_endpoint is on another origin than the OpenID configuration; "
                              "this tool sends the registration token only to the configuration's origin", False)
        base = str(request.base_url).rstrip("/")
        post_headers = {"Accept": "application/json"} if config.has(faults.REGISTRATION_TOKEN_NOT_SENT) else headers
        posted = await outbound.fetch(endpoint, method="POST", json_body=registration_body(base, config.faults), headers=post_headers, **fetch)
    except outbound.AddressRefused as exc:
        return _page(400, f"this mock does not fetch that URL: {exc}", False)
    except outbound.FetchRefused as exc:
        return _page(502, f"the platform could not be reached or answered badly: {exc}", False)
    answer = _json(posted)
    if posted.status not in (200, 201) or not isinstance(answer, dict) or not answer.get("client_id"):
        return _page(502, f"the platform refused the registration ({posted.status})", close)
    tool_config = answer.get(TOOL_CONFIG) if isinstance(answer.get(TOOL_CONFIG), dict) else {}
    now = datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    item = {
        "id": str(uuid.uuid4()), "name": f"Dynamic registration {platform.get('issuer', '')}",
        "platformIssuer": str(platform.get("issuer", "")), "platformAuthorizationEndpoint": str(platform.get("authorization_endpoint", "")),
        "platformTokenEndpoint": str(platform.get("token_endpoint", "")), "platformJwksUrl": str(platform.get("jwks_uri", "")),
        "clientId": str(answer["client_id"]), "deploymentId": tool_config.get("deployment_id"),
        "status": "active", "createdAt": now, "updatedAt": now,
    }
    store = request.app.state.registrations
    with store.lock:
        store.items[item["id"]] = item
    return _page(200, f"Registered as client {item['clientId']}.", close)


def _json(fetched: outbound.Fetched) -> Any:
    try:
        return fetched.json()
    except ValueError:
        return None


ROUTES = [Route("/v1/platform/lti/dynamic-registration", initiate, methods=["GET"])]

