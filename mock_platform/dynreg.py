"""Dynamic registration routes: the registration token, the OpenID configuration, POST
/api/lti/registrations, a registration's configuration (GET, and PUT for a tool's update request)
and the platform's JWKS (seeds 000 and 002; canvas-facts §1, §2).

Validating and rendering a registration is :mod:`registration`'s job; applying an update is
:mod:`updates`'s."""

from __future__ import annotations

import json
import time
from typing import Any
from urllib.parse import quote, urlsplit

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from lti_harness.harness import keys, schemas
from lti_harness.vocab import PLATFORM_CONFIG, REG_READ_SCOPE, REG_SCOPE

from . import faults, forms, oauth, registration, updates, web
from .config import Platform
from .registrations_admin import flag_on
from .store import DeveloperKey, Registration, UpdateRequest

RECORDED_MAX = 50  # what ``GET /_mock/recorded`` keeps
REMEMBERED_MAX = 1024  # verified registration tokens and rendered OpenID configurations kept per platform
# The faults that loosen the registration-token check: while one is on, every token is checked afresh.
LOOSER_TOKEN_CHECKS = (faults.ACCEPT_FORGED_TOKEN, faults.ACCEPT_EXPIRED_TOKEN, faults.TOKEN_WITHOUT_EXPIRY)


def _record(request: Request, route: str, body: Any = None) -> None:
    """Keep what a tool sent (test support: ``GET /_mock/recorded``), bounded."""
    log: list[dict[str, Any]] = request.app.state.recorded
    log.append({"route": route, "method": request.method, "authorization": request.headers.get("authorization"),
                "registration_token": request.query_params.get("registration_token"), "body": body})
    del log[:-RECORDED_MAX]


def _remember(cache: dict[Any, Any], slot: Any, value: Any) -> None:
    if len(cache) >= REMEMBERED_MAX:
        del cache[next(iter(cache))]
    cache[slot] = value


def _registration_claims(token: str | None, platform: Platform) -> dict[str, Any]:
    """The claims of a valid registration token, else the documented 401 ``{"errorMessage": ...}``. A
    token that passed passes again until its ``exp`` without a second signature check (then it is
    checked afresh, which says why it fails)."""
    remembering = bool(token) and not any(platform.has(f) for f in LOOSER_TOKEN_CHECKS)
    if remembering:
        claims = platform.verified_tokens.get(str(token))
        if claims is not None and int(claims["exp"]) > time.time():
            return dict(claims)
    try:
        claims = oauth.verify_registration_token(token, platform.secret, platform.config.faults)
    except oauth.TokenRejected as exc:
        raise web.Refusal(401, {"errorMessage": str(exc)}) from None
    if remembering and "exp" in claims:
        _remember(platform.verified_tokens, str(token), claims)
    return dict(claims)


def _unauthorized(platform: Platform, message: str) -> web.Refusal:
    """The documented 401 body ``{"errorMessage": ...}`` (seed 000, "Error Response (401)"), to raise."""
    key = "error" if platform.has(faults.WRONG_401_BODY) else "errorMessage"
    return web.Refusal(401, {key: message})


def _answer(request: Request, platform: Platform, reg: Registration) -> dict[str, Any]:
    """The platform's answer for a stored registration."""
    return registration.render(
        reg.configuration,
        client_id=reg.client_id,
        scopes=reg.scopes,
        base_url=web.base_url(request),
        registration_id=reg.id,
        active=platform.config.faults,
    )


@web.admin_only(account=True)
async def registration_token(request: Request, platform: Platform) -> Response:
    """GET /api/lti/accounts/:account_id/registration_token (canvas-facts §1a)."""
    return web.json_response(issue_token(request, platform, request.query_params.get("registration_url", "")))


def issue_token(request: Request, platform: Platform, registration_url: str = "") -> dict[str, Any]:
    """A new registration token as the token route answers it (``uuid``, ``oidc_configuration_url``,
    ``token``); the admin API and the admin pages both issue tokens through here."""
    base = web.base_url(request)
    token, token_uuid = oauth.issue_registration_token(
        platform.secret,
        account_id=platform.config.account_id,
        domain=urlsplit(base).netloc,
        user_id=platform.config.admin_user_id,
        registration_url=registration_url,
        active=platform.config.faults,
    )
    body = {
        "uuid": token_uuid,
        "oidc_configuration_url": f"{base}/api/lti/security/openid-configuration?registration_token={quote(token)}",
        "token": token,
    }
    if platform.has(faults.TOKEN_RESPONSE_MISSING_UUID):
        body.pop("uuid")
    return body


def openid_document(request: Request, platform: Platform) -> dict[str, Any]:
    """The platform's OpenID configuration with Canvas's LTI platform configuration."""
    base = web.base_url(request)
    doc: dict[str, Any] = {
        "issuer": platform.config.issuer or base,
        "authorization_endpoint": f"{base}/api/lti/authorize_redirect",
        "registration_endpoint": f"{base}/api/lti/registrations",
        "jwks_uri": f"{base}/api/lti/security/jwks",
        "token_endpoint": f"{base}/login/oauth2/token",
        "token_endpoint_auth_methods_supported": ["private_key_jwt"],
        "token_endpoint_auth_signing_alg_values_supported": ["RS256"],
        "scopes_supported": ["openid", *schemas.known_lti_scopes()],
        "response_types_supported": ["id_token"],
        "id_token_signing_alg_values_supported": ["RS256"],
        "claims_supported": ["sub", "picture", "email", "name", "given_name", "family_name", "locale"],
        "subject_types_supported": ["public"],
        "authorization_server": urlsplit(base).netloc,
        PLATFORM_CONFIG: {
            "product_family_code": "canvas",
            "version": "OpenSource",
            "messages_supported": [
                {"type": "LtiResourceLinkRequest", "placements": ["course_navigation", "account_navigation", "assignment_selection", "link_selection"]},
                {"type": "LtiDeepLinkingRequest", "placements": ["assignment_selection", "editor_button", "link_selection"]},
            ],
            "variables": ["Context.id", "Person.name.full", "User.id", "Canvas.course.id"],
            "https://canvas.instructure.com/lti/account_name": "Mock Canvas",
            "https://canvas.instructure.com/lti/account_lti_guid": "mock-canvas-guid",
        },
    }
    if platform.has(faults.OPENID_CONFIG_MISSING_JWKS_URI):
        doc.pop("jwks_uri")
    return doc


async def openid_configuration(request: Request) -> Response:
    """GET /api/lti/security/openid-configuration?registration_token=… (canvas-facts §1b)."""
    platform = web.platform_of(request)
    _record(request, "openid-configuration")
    if not platform.has(faults.OPENID_CONFIG_WITHOUT_TOKEN):
        token = request.query_params.get("registration_token")
        if not token:
            raise web.Refusal(401, {"error": "Access token missing (You must include the registration_token parameter)."})
        claims = _registration_claims(token, platform)
        if str(claims.get("root_account_global_id")) != platform.config.account_id:
            raise web.Refusal(404, {"error": f"Account {claims.get('root_account_global_id')} not found."})
    slot = (web.base_url(request), platform.config.issuer, platform.has(faults.OPENID_CONFIG_MISSING_JWKS_URI))
    body = platform.openid_documents.get(slot)
    if body is None:  # rendered once per base URL and settings
        body = web.json_response(openid_document(request, platform)).body
        _remember(platform.openid_documents, slot, body)
    return web.json_bytes_response(body)


async def _record_registration(request: Request) -> None:
    """Record the registration request, with its JSON body when it has one."""
    if not request.headers.get("content-type", "").startswith("application/json"):
        _record(request, "registrations")
        return
    raw = await web.body_bytes(request)
    try:
        _record(request, "registrations", json.loads(raw) if raw.strip() else None)
    except ValueError:
        _record(request, "registrations", raw[:2000].decode("utf-8", "replace"))


async def _registration_body(request: Request, platform: Platform) -> Any:
    """The registration body, JSON or (as Canvas also takes it) form-encoded."""
    data = await web.body_bytes(request)
    ctype = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if ctype == "application/x-www-form-urlencoded":
        if platform.has(faults.FORM_ENCODED_REJECTED):
            raise web.api_error("Unsupported content type: application/x-www-form-urlencoded", 415)
        try:
            body = forms.decode(data.decode("utf-8"))
        except (UnicodeDecodeError, forms.FormError) as exc:
            raise web.Refusal(400, {"errors": [f"the form body cannot be read: {exc}"]}) from None
        body.pop("registration_token", None)
        return body
    if ctype in ("application/json", "") or ctype.endswith("+json"):
        return _json_body(data)
    raise web.api_error(f"Unsupported content type: {ctype}", 415)


def _json_body(data: bytes) -> Any:
    try:
        return json.loads(data.decode("utf-8")) if data else None
    except (UnicodeDecodeError, ValueError):
        raise web.Refusal(400, {"errors": ["the request body is not valid JSON"]}) from None


async def create_registration(request: Request) -> Response:
    """POST /api/lti/registrations (seed 002 "create"; canvas-facts §1c)."""
    platform = web.platform_of(request)
    token = web.bearer(request)  # Canvas reads the header or the access_token parameter only
    await _record_registration(request)
    claims = _registration_claims(token, platform)
    if str(claims.get("root_account_global_id")) != platform.config.account_id:
        raise web.api_error(web.NOT_FOUND, 404)
    body = await _registration_body(request, platform)
    errors, attrs, scopes = registration.validate(body, platform.config.faults)
    if errors:
        if platform.has(faults.INVALID_BODY_500):
            raise web.Refusal(500, "<html><body><h1>Internal Server Error</h1></body></html>", media_type="text/html")
        raise web.Refusal(422, {"errors": errors})
    if not platform.has(faults.ACCEPT_REUSED_TOKEN) and not platform.store.use_registration_token(str(claims["uuid"])):
        raise web.Refusal(401, {"errorMessage": "registration_token has already been used"})
    reg_id = platform.store.next_id()
    client_id = str(platform.store.next_id())
    if platform.has(faults.SAME_CLIENT_ID) and platform.store.registrations():
        client_id = platform.store.registrations()[0].client_id  # the bug: one developer key for every tool
    reg = Registration(
        id=reg_id, client_id=client_id, account_id=platform.config.account_id, uuid=str(claims["uuid"]),
        configuration=attrs, scopes=scopes, created_at=updates.now(),
    )
    key = DeveloperKey(
        id=client_id,
        name=str(attrs.get("client_name", "")),
        scopes=list(scopes),
        public_jwk_url=attrs.get("jwks_uri"),
        redirect_uris=list(attrs.get("redirect_uris", [])),
        registration_id=reg_id,
    )
    platform.store.add_registration(reg, key)
    return web.json_response(_answer(request, platform, reg))


async def configuration(request: Request) -> Response:
    """GET and PUT /api/lti/registrations/:registration_id/configuration (seed 000; canvas-facts §2)."""
    platform = web.platform_of(request)
    reg_id = web.parse_id(request.path_params["registration_id"])
    reg = platform.store.registration(reg_id) if reg_id is not None else None
    if reg is None:
        raise web.api_error(web.NOT_FOUND, 404)
    writing = request.method == "PUT"
    if writing and not flag_on(platform, reg.account_id) and not platform.has(faults.FLAG_IGNORED):
        raise web.api_error(web.NOT_FOUND, 404)
    scopes: tuple[str, ...] = (REG_SCOPE, REG_READ_SCOPE)
    if writing and not platform.has(faults.PUT_WITHOUT_SCOPE_ACCEPTED):
        scopes = (REG_SCOPE,)
    if not writing and platform.has(faults.REGISTRATION_READ_WITHOUT_SCOPE):
        scopes = ()  # the bug: any valid token may read
    try:
        grant = web.lti_grant(request, platform, scopes)
    except oauth.TokenRejected as exc:
        raise _unauthorized(platform, str(exc)) from None
    if writing and grant.key.id != reg.client_id and not platform.has(faults.NO_OWNERSHIP_CHECK):
        raise _unauthorized(platform, "Access token does not belong to this registration")
    if not writing:
        return web.json_response(_answer(request, platform, reg))
    return await _submit_update(request, platform, reg)


async def _submit_update(request: Request, platform: Platform, reg: Registration) -> Response:
    """Record the tool's update as a pending request; nothing changes until an admin accepts it."""
    try:
        body = _json_body(await web.body_bytes(request))
    except web.Refusal:
        if not platform.has(faults.UPDATE_INVALID_BODY_500):
            raise
        body = None  # the bug: taken on as no body at all, which fails below
    errors, attrs, scopes = registration.validate(body, platform.config.faults)
    if errors and platform.has(faults.UPDATE_INVALID_BODY_500):
        raise web.Refusal(500, "<html><body><h1>Internal Server Error</h1></body></html>", media_type="text/html")
    if errors and not platform.has(faults.INVALID_UPDATE_ACCEPTED):
        raise web.Refusal(422, {"errors": errors})
    proposal = UpdateRequest(id=platform.store.next_id(), registration_id=reg.id, configuration=attrs, scopes=scopes, created_at=updates.now())
    reg.update_requests.append(proposal)
    body = _answer(request, platform, reg)  # the current configuration, before any change
    if platform.has(faults.APPLY_WITHOUT_APPROVAL):
        updates.replace_configuration(reg, proposal, platform.store.developer_key(reg.client_id), None, platform.config.faults,
                                      invalidate_tokens=platform.config.invalidate_tokens_on_update)
    if not platform.has(faults.PUT_ECHOES_OLD_CONFIGURATION):
        proposed = Registration(id=reg.id, client_id=reg.client_id, account_id=reg.account_id, uuid=reg.uuid, configuration=attrs, scopes=scopes)
        body = _answer(request, platform, proposed)
    return web.json_response(body)


async def jwks(request: Request) -> Response:
    """GET /api/lti/security/jwks: the platform's public keys."""
    platform = web.platform_of(request)
    doc = keys.jwks(platform.signing_key)
    if platform.has(faults.JWKS_KEY_WITHOUT_KID):
        for key in doc["keys"]:
            key.pop("kid", None)
    return web.json_response(doc)


ROUTES = [
    Route("/api/lti/accounts/{account_id}/registration_token", registration_token, methods=["GET"]),
    Route("/api/lti/security/openid-configuration", openid_configuration, methods=["GET"]),
    Route("/api/lti/registrations", create_registration, methods=["POST"]),
    Route("/api/lti/registrations/{registration_id}/configuration", configuration, methods=["GET", "PUT"]),
    Route("/api/lti/security/jwks", jwks, methods=["GET"]),
]
