"""The mock tool's LTI 1.3 launch: OIDC third-party login initiation and the launch endpoint that
verifies the platform's id_token (ims-facts.md §3.3 and §3.4; seed 001 toolLoginUrl/toolLaunchUrl).

Login finds the registration by ``iss`` (and ``client_id``), keeps ``state`` → ``nonce`` and redirects
to the platform's authorization endpoint. Launch checks, against that registration: the state, the
RS256 signature with the platform's JWKS, ``iss``, ``aud``, ``exp``, the nonce (single use), the
deployment id, the message type and the LTI version. A deleted registration never launches.
"""

from __future__ import annotations

import json
import secrets
import time
from typing import Any
from urllib.parse import urlencode, urlsplit

import httpx
import jwt
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response
from starlette.routing import Route

from harness.keys import public_key_from_jwks

LTI = "https://purl.imsglobal.org/spec/lti/claim/"
MESSAGE_TYPES = ("LtiResourceLinkRequest", "LtiDeepLinkingRequest")
STATE_LIFETIME = 600
MAX_JWKS = 256 * 1024


def _refuse(status: int, message: str) -> Response:
    return HTMLResponse(f"<html><body><h1>Launch refused</h1><p>{message}</p></body></html>", status)


def _loopback(url: str) -> bool:
    host = urlsplit(url).hostname or ""
    return host in ("localhost", "::1") or host.startswith("127.")


async def _params(request: Request) -> dict[str, str]:
    if request.method == "POST":
        form = await request.form()
        return {k: str(v) for k, v in form.items()}
    return dict(request.query_params)


def _registration(request: Request, issuer: str, client_id: str | None) -> dict[str, Any] | None:
    store = request.app.state.registrations
    faults = request.app.state.config.faults
    pool = list(store.items.values())
    if "deleted-still-launches" in faults:
        pool += list(store.graveyard.values())
    found = [r for r in pool if r["platformIssuer"] == issuer and (client_id is None or r["clientId"] == client_id)]
    return found[0] if len(found) == 1 else None


async def login(request: Request) -> Response:
    """GET or POST /v1/platform/lti/login (OIDC third-party initiated login)."""
    p = await _params(request)
    for name in ("iss", "login_hint", "target_link_uri"):
        if not p.get(name):
            return _refuse(400, f"{name} is required")
    reg = _registration(request, p["iss"], p.get("client_id"))
    if reg is None or reg.get("status") != "active":
        return _refuse(400, "no active registration for this issuer and client id")
    state, nonce = secrets.token_urlsafe(24), secrets.token_urlsafe(24)
    request.app.state.launch_states[state] = {"nonce": nonce, "registration": reg["id"], "at": time.time()}
    query = {
        "scope": "openid", "response_type": "id_token", "response_mode": "form_post", "prompt": "none",
        "client_id": reg["clientId"], "redirect_uri": f"{str(request.base_url).rstrip('/')}/v1/platform/lti/launch",
        "login_hint": p["login_hint"], "state": state, "nonce": nonce,
    }
    if "login-without-nonce" in request.app.state.config.faults:
        query.pop("nonce")
    if p.get("lti_message_hint"):
        query["lti_message_hint"] = p["lti_message_hint"]
    return RedirectResponse(f"{reg['platformAuthorizationEndpoint']}?{urlencode(query)}", status_code=302)


async def _platform_key(url: str, kid: str | None) -> Any:
    if not _loopback(url):
        raise ValueError("this mock only fetches platform JWKS from loopback addresses")
    async with httpx.AsyncClient(timeout=5.0) as client:
        response = await client.get(url)
    if len(response.content) > MAX_JWKS:
        raise ValueError("the platform JWKS is too large")
    return public_key_from_jwks(json.loads(response.content), kid)


async def launch(request: Request) -> Response:
    """POST /v1/platform/lti/launch with ``id_token`` and ``state`` (form_post)."""
    faults = request.app.state.config.faults
    p = await _params(request)
    token, state = p.get("id_token", ""), p.get("state", "")
    states: dict[str, dict[str, Any]] = request.app.state.launch_states
    issued = states.get(state) if "nonce-reuse-accepted" in faults else states.pop(state, None)
    if issued is None or time.time() - issued["at"] > STATE_LIFETIME:
        return _refuse(400, "unknown or expired state")
    try:
        header = jwt.get_unverified_header(token)
        unverified = jwt.decode(token, options={"verify_signature": False})
    except jwt.PyJWTError:
        return _refuse(400, "id_token is not a JWT")
    aud = unverified.get("aud")
    client_id = unverified.get("azp") or (aud if isinstance(aud, str) else (aud or [None])[0])
    reg = _registration(request, str(unverified.get("iss")), str(client_id) if client_id else None)
    if reg is None or reg["id"] != issued["registration"]:
        return _refuse(401, "no registration for this issuer and audience (deleted?)")
    options = {"verify_aud": "aud-not-checked" not in faults, "verify_exp": "exp-not-checked" not in faults}
    try:
        if "accepts-forged-id-token" in faults:
            claims = jwt.decode(token, options={"verify_signature": False, **options}, audience=reg["clientId"], issuer=reg["platformIssuer"])
        else:
            if header.get("alg") != "RS256":
                return _refuse(401, "id_token must be RS256")
            key = await _platform_key(reg["platformJwksUrl"], header.get("kid"))
            claims = jwt.decode(token, key, algorithms=["RS256"], audience=reg["clientId"], issuer=reg["platformIssuer"], options=options)
    except (jwt.PyJWTError, KeyError, ValueError, httpx.HTTPError) as exc:
        if "refuse-with-500" in faults:
            raise RuntimeError("id_token verification failed") from exc  # the bug: the library's error is not handled
        return _refuse(401, f"id_token refused: {exc}")
    used: set[str] = request.app.state.used_nonces
    if claims.get("nonce") != issued["nonce"] or (claims.get("nonce") in used and "nonce-reuse-accepted" not in faults):
        return _refuse(401, "nonce does not match or was used before")
    used.add(str(claims.get("nonce")))
    if reg.get("deploymentId") and claims.get(LTI + "deployment_id") != reg["deploymentId"] and "deployment-not-checked" not in faults:
        return _refuse(401, "unknown deployment")
    if claims.get(LTI + "message_type") not in MESSAGE_TYPES:
        return _refuse(400, "unsupported message type")
    if claims.get(LTI + "version") != "1.3.0" and "version-not-checked" not in faults:
        return _refuse(400, "LTI version must be 1.3.0")
    request.app.state.launches.append({"registration": reg["id"], "sub": claims.get("sub"), "message_type": claims.get(LTI + "message_type")})
    return HTMLResponse(f"<html><body><h1>Launched</h1><p>registration {reg['id']}</p></body></html>", 200)


ROUTES = [
    Route("/v1/platform/lti/login", login, methods=["GET", "POST"]),
    Route("/v1/platform/lti/launch", launch, methods=["POST"]),
]
