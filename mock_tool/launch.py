"""The mock tool's LTI 1.3 launch: OIDC third-party login initiation and the launch endpoint that
verifies the platform's id_token (ims-facts.md §3.3 and §3.4; seed 001 toolLoginUrl/toolLaunchUrl).

Login finds the registration by ``iss`` (and ``client_id``), keeps ``state`` → ``nonce`` and the
``target_link_uri`` it was asked for, and redirects to the platform's authorization endpoint. Launch
checks, against that registration (found by ``azp``, else ``aud``): the state, the kid (in the
platform's JWKS) and the RS256 signature, ``iss``, ``aud``, ``exp`` and ``iat`` (both present; a token
without ``exp`` never expires; one issued more than ``MAX_TOKEN_AGE`` seconds ago is too old), the nonce
(the login's, single use), the required claims (``REQUIRED_CLAIMS``; a resource link's id), the deployment
id, the message type, the LTI version and the ``target_link_uri`` (the login's). A deleted registration
never launches. A resource link launch carrying the NRPS claim first reads the course's members
(:mod:`mock_tool.nrps`, every page). A verified deep-linking request is answered by :mod:`mock_tool.deep_linking`. Login states live ``STATE_LIFETIME`` seconds, at most
``MAX_STATES`` of them (the oldest go first); a used state is kept until it expires, so a replay is told
apart from an unknown state.
"""

from __future__ import annotations

import html
import secrets
import time
from typing import Any
from urllib.parse import urlencode

import httpx
import jwt
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response
from starlette.routing import Route

from lti_harness.harness import outbound
from lti_harness.harness.keys import public_key_from_jwks
from lti_harness.vocab import LTI_CLAIM

from . import deep_linking, faults, nrps
from .config import config_of

MESSAGE_TYPES = ("LtiResourceLinkRequest", "LtiDeepLinkingRequest")
STATE_LIFETIME = 600
MAX_STATES = 10_000
MAX_JWKS = 256 * 1024
MAX_TOKEN_AGE = 900  # seconds: an id_token issued longer ago is refused (SEC step 8 lets the tool choose)
TARGET_LINK_URI = LTI_CLAIM + "target_link_uri"
RESOURCE_LINK = LTI_CLAIM + "resource_link"
# claim → the fault that lets an id_token without it through (ims-facts §3.4; §5.1's "Claim Missing" cases)
REQUIRED_CLAIMS = {
    LTI_CLAIM + "message_type": faults.LAUNCH_WITHOUT_MESSAGE_TYPE_ACCEPTED,
    LTI_CLAIM + "version": faults.LAUNCH_WITHOUT_VERSION_ACCEPTED,
    LTI_CLAIM + "roles": faults.LAUNCH_WITHOUT_ROLES_ACCEPTED,
    LTI_CLAIM + "deployment_id": faults.LAUNCH_WITHOUT_DEPLOYMENT_ID_ACCEPTED,
    "sub": faults.LAUNCH_WITHOUT_SUB_ACCEPTED,
}


def _refuse(status: int, message: str) -> Response:
    return HTMLResponse(f"<html><body><h1>Launch refused</h1><p>{message}</p></body></html>", status)


def _expire_states(states: dict[str, dict[str, Any]], now: float) -> None:
    """Drop login states older than ``STATE_LIFETIME``, then the oldest until fewer than ``MAX_STATES``
    remain (states are kept in the order they were issued)."""
    while states:
        oldest = next(iter(states))
        if now - states[oldest]["at"] <= STATE_LIFETIME and len(states) < MAX_STATES:
            return
        del states[oldest]


async def _params(request: Request) -> dict[str, str]:
    if request.method == "POST":
        form = await request.form()
        return {k: str(v) for k, v in form.items()}
    return dict(request.query_params)


def _registration(request: Request, issuer: str, client_id: str | None) -> dict[str, Any] | None:
    store = request.app.state.registrations
    pool = list(store.items.values())
    if config_of(request).has(faults.DELETED_STILL_LAUNCHES):
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
    states: dict[str, dict[str, Any]] = request.app.state.launch_states
    _expire_states(states, time.time())
    states[state] = {"nonce": nonce, "registration": reg["id"], "at": time.time(), "used": False, "target_link_uri": p["target_link_uri"]}
    query = {
        "scope": "openid", "response_type": "id_token", "response_mode": "form_post", "prompt": "none",
        "client_id": reg["clientId"], "redirect_uri": f"{str(request.base_url).rstrip('/')}/v1/platform/lti/launch",
        "login_hint": p["login_hint"], "state": state, "nonce": nonce,
    }
    if config_of(request).has(faults.LOGIN_WITHOUT_NONCE):
        query.pop("nonce")
    if p.get("lti_message_hint"):
        query["lti_message_hint"] = p["lti_message_hint"]
    return RedirectResponse(f"{reg['platformAuthorizationEndpoint']}?{urlencode(query)}", status_code=302)


async def _platform_key(url: str, kid: str | None, loopback_only: bool, fetcher: outbound.Fetcher, any_key: bool = False) -> Any:
    """The platform's public key ``kid`` from its JWKS, fetched through the app's client under
    :mod:`harness.outbound`'s rules (resolved addresses checked, no redirect, a decompressed-size cap, one deadline).
    ``any_key`` (a fault) falls back to the JWKS's first key when none has ``kid``."""
    try:
        fetched = await fetcher.fetch(url, headers={"Accept": "application/json"}, loopback_only=loopback_only, max_bytes=MAX_JWKS)
        document = fetched.json()
    except outbound.FetchRefused as exc:
        raise ValueError(f"the platform JWKS could not be fetched: {exc}") from None
    except (ValueError, RecursionError):
        raise ValueError("the platform JWKS is not JSON") from None
    try:
        return public_key_from_jwks(document, kid)
    except KeyError:
        if not any_key:
            raise
        return public_key_from_jwks(document, None)


def _issued_login(states: dict[str, dict[str, Any]], state: str, token: str, by_nonce: bool) -> dict[str, Any] | None:
    """The login ``state`` names; with ``by_nonce`` (a fault), an unknown state is passed over and the
    login is found by the id_token's (unverified) nonce instead."""
    issued = states.get(state)
    if issued is not None or not by_nonce:
        return issued
    try:
        nonce = jwt.decode(token, options={"verify_signature": False}).get("nonce")
    except jwt.PyJWTError:
        return None
    return next((s for s in states.values() if s["nonce"] == nonce), None)


def _missing_claim(claims: dict[str, Any], config: Any) -> str | None:
    """The first required claim the id_token lacks (a fault lets its claim be absent), or None."""
    for claim, lenient in REQUIRED_CLAIMS.items():
        if claim not in claims and not config.has(lenient):
            return claim.removeprefix(LTI_CLAIM)
    link = claims.get(RESOURCE_LINK)
    if claims.get(LTI_CLAIM + "message_type") == "LtiResourceLinkRequest" and not config.has(faults.LAUNCH_WITHOUT_RESOURCE_LINK_ID_ACCEPTED):
        if not isinstance(link, dict) or not link.get("id"):
            return "resource_link.id"
    return None


async def launch(request: Request) -> Response:
    """POST /v1/platform/lti/launch with ``id_token`` and ``state`` (form_post)."""
    config = config_of(request)
    p = await _params(request)
    token, state = p.get("id_token", ""), p.get("state", "")
    states: dict[str, dict[str, Any]] = request.app.state.launch_states
    issued = _issued_login(states, state, token, config.has(faults.STATE_NOT_CHECKED))
    if issued is None or time.time() - issued["at"] > STATE_LIFETIME:
        return _refuse(400, "unknown or expired state")
    if issued["used"] and not config.has(faults.NONCE_REUSE_ACCEPTED):
        return _refuse(400, "this state and nonce were used before")
    issued["used"] = True  # one try per login, whatever comes of it
    try:
        header = jwt.get_unverified_header(token)
        unverified = jwt.decode(token, options={"verify_signature": False})
    except jwt.PyJWTError:
        return _refuse(400, "id_token is not a JWT")
    aud = unverified.get("aud")
    client_id = aud if isinstance(aud, str) else (aud or [None])[0]
    if not config.has(faults.AZP_NOT_CHECKED):  # azp, when present, names the client: a wrong one finds no registration
        client_id = unverified.get("azp") or client_id
    reg = _registration(request, str(unverified.get("iss")), str(client_id) if client_id else None)
    if reg is None or reg["id"] != issued["registration"]:
        return _refuse(401, "no registration for this issuer and client id (azp, else aud; deleted?)")
    lenient = ((faults.LAUNCH_WITHOUT_EXP_ACCEPTED, "exp"), (faults.LAUNCH_WITHOUT_IAT_ACCEPTED, "iat"))
    required = [claim for fault, claim in lenient if not config.has(fault)]
    if not header.get("kid") and not config.has(faults.LAUNCH_WITHOUT_KID_ACCEPTED):
        return _refuse(401, "id_token has no kid in its header")
    options: dict[str, Any] = {"verify_aud": not config.has(faults.AUD_NOT_CHECKED), "verify_exp": not config.has(faults.EXP_NOT_CHECKED),
                               "require": required}
    try:
        if config.has(faults.ACCEPTS_FORGED_ID_TOKEN):
            claims = jwt.decode(token, options={"verify_signature": False, **options}, audience=reg["clientId"], issuer=reg["platformIssuer"])
        else:
            if header.get("alg") != "RS256":
                return _refuse(401, "id_token must be RS256")
            key = await _platform_key(reg["platformJwksUrl"], header.get("kid"), config.loopback_only, request.app.state.outbound,
                                      any_key=config.has(faults.UNKNOWN_KID_ACCEPTED))
            claims = jwt.decode(token, key, algorithms=["RS256"], audience=reg["clientId"], issuer=reg["platformIssuer"], options=options)
    except (jwt.PyJWTError, KeyError, ValueError, httpx.HTTPError) as exc:
        if config.has(faults.REFUSE_WITH_500):
            raise RuntimeError("id_token verification failed") from exc  # the bug: the library's error is not handled
        return _refuse(401, f"id_token refused: {exc}")
    if not claims.get("nonce") or (claims["nonce"] != issued["nonce"] and not config.has(faults.NONCE_NOT_COMPARED)):
        return _refuse(401, "nonce does not match the login's")
    iat = claims.get("iat")
    if isinstance(iat, (int, float)) and time.time() - iat > MAX_TOKEN_AGE and not config.has(faults.STALE_IAT_ACCEPTED):
        return _refuse(401, f"id_token issued more than {MAX_TOKEN_AGE} seconds ago")
    missing = _missing_claim(claims, config)
    if missing:
        return _refuse(400, f"the id_token lacks the required claim {missing}")
    deployment = claims.get(LTI_CLAIM + "deployment_id")
    if reg.get("deploymentId") and deployment is not None and deployment != reg["deploymentId"] and not config.has(faults.DEPLOYMENT_NOT_CHECKED):
        return _refuse(401, "unknown deployment")
    message_type = claims.get(LTI_CLAIM + "message_type", "LtiResourceLinkRequest")  # absent only under a fault
    if message_type not in MESSAGE_TYPES:
        return _refuse(400, "unsupported message type")
    version = claims.get(LTI_CLAIM + "version")
    if version is not None and version != "1.3.0" and not config.has(faults.VERSION_NOT_CHECKED):
        return _refuse(400, "LTI version must be 1.3.0")
    if claims.get(TARGET_LINK_URI) != issued.get("target_link_uri") and not config.has(faults.TARGET_LINK_URI_NOT_CHECKED):
        return _refuse(400, "target_link_uri is not the one the login initiation named")
    launched: dict[str, Any] = {"registration": reg["id"], "sub": claims.get("sub"), "message_type": message_type}
    request.app.state.launches.append(launched)
    if message_type == "LtiDeepLinkingRequest":
        return deep_linking.respond(request, reg, claims)
    roster = ""
    members_url = nrps.memberships_url(claims)
    if members_url is not None:  # a roster page: the course's members, read through NRPS before answering
        read = await nrps.read_members(request.app.state.outbound, reg, members_url, config)
        launched["nrps"] = read.as_dict()
        roster = f"<p>{read.members} members on {read.pages} pages{html.escape(': ' + read.error) if read.error else ''}</p>"
    return HTMLResponse(f"<html><body><h1>Launched</h1><p>registration {reg['id']}</p>{roster}</body></html>", 200)


ROUTES = [
    Route("/v1/platform/lti/login", login, methods=["GET", "POST"]),
    Route("/v1/platform/lti/launch", launch, methods=["POST"]),
]
