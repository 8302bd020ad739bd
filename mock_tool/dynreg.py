"""The mock tool's side of LTI Dynamic Registration (ims-facts.md §1.1, §1.3, §1.6; seed 002 for what a
tool sends): ``GET /v1/platform/lti/dynamic-registration?openid_configuration=…&registration_token=…``
fetches the platform's OpenID configuration, posts the tool's registration with the registration
token as bearer, stores the answer as a registration and answers with the page that posts
``{subject: "org.imsglobal.lti.close"}`` to the window that opened it.
"""

from __future__ import annotations

import uuid
from datetime import datetime, timezone
from typing import Any
from urllib.parse import urlsplit

import httpx
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.routing import Route

TOOL_CONFIG = "https://purl.imsglobal.org/spec/lti-tool-configuration"
AGS = "https://purl.imsglobal.org/spec/lti-ags/scope/"
MAX_BODY = 256 * 1024
CLOSE = '<script>(window.opener || window.parent).postMessage({subject: "org.imsglobal.lti.close"}, "*");</script>'


def _page(status: int, text: str, close: bool) -> HTMLResponse:
    return HTMLResponse(f"<html><body><p>{text}</p>{CLOSE if close else ''}</body></html>", status)


def _loopback(url: str) -> bool:
    host = urlsplit(url).hostname or ""
    return host in ("localhost", "::1") or host.startswith("127.")


def registration_body(base: str, faults: set[str]) -> dict[str, Any]:
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
        "scope": f"{AGS}lineitem {AGS}score",
        TOOL_CONFIG: {
            "domain": urlsplit(base).netloc,
            "target_link_uri": f"{base}/v1/platform/lti/launch",
            "claims": ["iss", "sub", "name"],
            "messages": [{"type": "LtiResourceLinkRequest", "label": "Mock Tool", "placements": ["course_navigation"]}],
        },
    }
    if "registration-missing-jwks-uri" in faults:
        body.pop("jwks_uri")
    return body


async def initiate(request: Request) -> Response:
    """The tool's dynamic-registration initiation URL, opened by the platform in an iframe or window."""
    config = request.app.state.config
    faults: set[str] = config.faults
    close = "no-close-message" not in faults
    oidc_url = request.query_params.get("openid_configuration", "")
    token = request.query_params.get("registration_token")
    if not oidc_url.startswith(("http://", "https://")):
        return _page(400, "openid_configuration is required", False)
    if config.loopback_only and not _loopback(oidc_url):
        return _page(400, "this mock only registers with platforms on loopback addresses", False)
    headers = {"Accept": "application/json"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    try:
        async with httpx.AsyncClient(timeout=5.0) as client:
            found = await client.get(oidc_url, headers=headers)
            platform = found.json() if len(found.content) <= MAX_BODY else None
            endpoint = platform.get("registration_endpoint") if isinstance(platform, dict) else None
            if found.status_code != 200 or not isinstance(endpoint, str) or not endpoint.startswith(("http://", "https://")):
                return _page(502, "the platform's OpenID configuration has no registration_endpoint", False)
            if config.loopback_only and not _loopback(endpoint):
                return _page(400, "this mock only registers with platforms on loopback addresses", False)
            base = str(request.base_url).rstrip("/")
            post_headers = {"Accept": "application/json"} if "registration-token-not-sent" in faults else headers
            posted = await client.post(endpoint, json=registration_body(base, faults), headers=post_headers)
            answer = posted.json() if len(posted.content) <= MAX_BODY else None
    except (httpx.HTTPError, ValueError):
        return _page(502, "the platform could not be reached or did not answer JSON", False)
    if posted.status_code not in (200, 201) or not isinstance(answer, dict) or not answer.get("client_id"):
        return _page(502, f"the platform refused the registration ({posted.status_code})", close)
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


ROUTES = [Route("/v1/platform/lti/dynamic-registration", initiate, methods=["GET"])]

