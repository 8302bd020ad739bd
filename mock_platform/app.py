"""The mock Canvas platform as a Starlette app: the routes Canvas uses, with its statuses and bodies.

Build one with :func:`create_app`; serve it with ``lti-harness serve platform``.
"""

from __future__ import annotations

import json
import secrets
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote, urlsplit

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.middleware import Middleware
from starlette.routing import Route

from lti_harness.harness import inbound, keys, schemas
from lti_harness.harness.statedb import FlushBeforeResponse

from . import admin, ags, devkeys, forms, oauth, outcomes, registration, rest, updates, userauth
from .faults import check_names
from .store import DeveloperKey, MemoryStore, Registration, Store, UpdateRequest
from .sqlstore import SqliteStore

MAX_BODY = 1024 * 1024
LIMITS = inbound.Limits(max_body=MAX_BODY)  # body size, JSON depth and form fields (README "Serving the mocks")
MAX_ID_DIGITS = 18  # ids are ASCII digits that fit a 64-bit integer
NOT_FOUND = "The specified resource does not exist."
REG_SCOPE = "https://purl.imsglobal.org/spec/lti-reg/scope/registration"
REG_READ_SCOPE = "https://purl.imsglobal.org/spec/lti-reg/scope/registration.readonly"
NO_STORE = {"Cache-Control": "no-store", "Pragma": "no-cache"}


@dataclass
class PlatformConfig:
    """How the mock platform behaves; ``faults`` switch on documented bugs."""

    admin_token: str = field(default_factory=lambda: secrets.token_urlsafe(24), repr=False)
    account_id: str = "1"
    issuer: str | None = None
    faults: set[str] = field(default_factory=set)
    jwks_loopback_only: bool = True
    admin_user_id: int = 1
    flags: dict[str, bool] = field(default_factory=dict)  # feature flag defaults (lti_dr_registrations_update: on)
    authorize_needs_browser: bool = False  # as real Canvas: the authorize step redirects to the login page
    throttle_high_water_mark: float = 600.0  # Canvas's LTI bucket (canvas-facts §4); a request costs 0.01
    # Not a fault: a behaviour the documents allow (seed 004 invalidates tokens when a key loses a scope).
    # Every update applied to a registration, and every one ignored, invalidates its key's access tokens,
    # so a check that reuses a token from before the change gets 401.
    invalidate_tokens_on_update: bool = False
    db: str | None = None  # a SQLite state file (``serve --db``): state, ids and keys survive a restart; None keeps all in memory


@dataclass
class Platform:
    config: PlatformConfig
    store: Store
    secret: str
    signing_key: keys.KeyPair

    def has(self, fault: str) -> bool:
        return fault in self.config.faults


def _json(body: Any, status: int = 200, headers: dict[str, str] | None = None, media_type: str = "application/json") -> JSONResponse:
    return JSONResponse(body, status_code=status, headers=headers, media_type=media_type)


def api_error(message: str, status: int) -> JSONResponse:
    """Canvas's generic API error body ``{"errors":[{"message": ...}]}``."""
    return _json({"errors": [{"message": message}]}, status)


def base_url(request: Request) -> str:
    return str(request.base_url).rstrip("/")


def _platform(request: Request) -> Platform:
    return request.app.state.platform


def _admin(request: Request, platform: Platform) -> Response | None:
    """None when the request carries the admin token, else Canvas's 401."""
    auth = request.headers.get("authorization", "")
    if not auth:
        return _json({"status": "unauthenticated", "errors": [{"message": "user authorization required"}]}, 401)
    scheme, _, token = auth.partition(" ")
    if scheme.lower() != "bearer" or not secrets.compare_digest(token.strip(), platform.config.admin_token):
        return _json({"errors": [{"message": "Invalid access token."}]}, 401, {"WWW-Authenticate": 'Bearer realm="canvas-lms"'})
    return None


def _account(request: Request, platform: Platform) -> Response | None:
    if request.path_params["account_id"] not in (platform.config.account_id, "self"):
        return api_error(NOT_FOUND, 404)
    return None


def parse_id(raw: Any) -> int | None:
    """An id written in ASCII digits (``'²'.isdigit()`` is true, ``int('²')`` raises), else None."""
    text = str(raw) if isinstance(raw, (str, int)) and not isinstance(raw, bool) else ""
    if not text or len(text) > MAX_ID_DIGITS or not (text.isascii() and text.isdigit()):
        return None
    return int(text)


async def _body_bytes(request: Request) -> bytes | Response:
    """The request body; the input-limits middleware has read it under the byte cap already."""
    data = await request.body()
    if len(data) > MAX_BODY:
        return api_error(f"The request body is larger than {MAX_BODY} bytes.", 413)
    return data


# --- dynamic registration -------------------------------------------------------------------


@admin.admin_only(account=True)
async def registration_token(request: Request, platform: Any) -> Response:
    """GET /api/lti/accounts/:account_id/registration_token (canvas-facts §1a)."""
    host = urlsplit(base_url(request)).netloc
    token, token_uuid = oauth.issue_registration_token(
        platform.secret,
        account_id=platform.config.account_id,
        domain=host,
        user_id=platform.config.admin_user_id,
        registration_url=request.query_params.get("registration_url", ""),
        faults=platform.config.faults,
    )
    body = {
        "uuid": token_uuid,
        "oidc_configuration_url": f"{base_url(request)}/api/lti/security/openid-configuration?registration_token={quote(token)}",
        "token": token,
    }
    if platform.has("token-response-missing-uuid"):
        body.pop("uuid")
    return _json(body)


@admin.admin_only(account=True)
async def expired_registration_token(request: Request, platform: Any) -> Response:
    """GET /_mock/accounts/:account_id/expired_registration_token: test support, not a Canvas route."""
    token, _ = oauth.issue_registration_token(
        platform.secret,
        account_id=platform.config.account_id,
        domain=urlsplit(base_url(request)).netloc,
        user_id=platform.config.admin_user_id,
        registration_url="",
        faults=set(),
        lifetime=-120,
    )
    return _json({"token": token})


def openid_document(request: Request, platform: Platform) -> dict[str, Any]:
    base = base_url(request)
    jwks_uri = f"{base}/api/lti/security/jwks"
    doc: dict[str, Any] = {
        "issuer": platform.config.issuer or base,
        "authorization_endpoint": f"{base}/api/lti/authorize_redirect",
        "registration_endpoint": f"{base}/api/lti/registrations",
        "jwks_uri": jwks_uri,
        "token_endpoint": f"{base}/login/oauth2/token",
        "token_endpoint_auth_methods_supported": ["private_key_jwt"],
        "token_endpoint_auth_signing_alg_values_supported": ["RS256"],
        "scopes_supported": ["openid", *schemas.known_lti_scopes()],
        "response_types_supported": ["id_token"],
        "id_token_signing_alg_values_supported": ["RS256"],
        "claims_supported": ["sub", "picture", "email", "name", "given_name", "family_name", "locale"],
        "subject_types_supported": ["public"],
        "authorization_server": urlsplit(base).netloc,
        "https://purl.imsglobal.org/spec/lti-platform-configuration": {
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
    if platform.has("openid-config-missing-jwks-uri"):
        doc.pop("jwks_uri")
    return doc


def _record(request: Request, route: str, body: Any = None) -> None:
    """Keep what a tool sent (test support: ``GET /_mock/recorded``), bounded."""
    log: list[dict[str, Any]] = request.app.state.recorded
    log.append({"route": route, "method": request.method, "authorization": request.headers.get("authorization"),
                "registration_token": request.query_params.get("registration_token"), "body": body})
    del log[:-50]


async def openid_configuration(request: Request) -> Response:
    """GET /api/lti/security/openid-configuration?registration_token=… (canvas-facts §1b)."""
    platform = _platform(request)
    _record(request, "openid-configuration")
    token = request.query_params.get("registration_token")
    if not platform.has("openid-config-without-token"):
        if not token:
            return _json({"error": "Access token missing (You must include the registration_token parameter)."}, 401)
        try:
            claims = oauth.verify_registration_token(token, platform.secret, platform.config.faults)
        except oauth.TokenRejected as exc:
            return _json({"errorMessage": str(exc)}, 401)
        if str(claims.get("root_account_global_id")) != platform.config.account_id:
            return _json({"error": f"Account {claims.get('root_account_global_id')} not found."}, 404)
    return _json(openid_document(request, platform))


def _bearer(request: Request) -> str | None:
    auth = request.headers.get("authorization", "")
    scheme, _, token = auth.partition(" ")
    if scheme.lower() == "bearer" and token.strip():
        return token.strip()
    return request.query_params.get("access_token")


async def _registration_body(request: Request, platform: Platform) -> Any | Response:
    data = await _body_bytes(request)
    if isinstance(data, Response):
        return data
    ctype = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if ctype == "application/x-www-form-urlencoded":
        if platform.has("form-encoded-rejected"):
            return api_error("Unsupported content type: application/x-www-form-urlencoded", 415)
        try:
            body = forms.decode(data.decode("utf-8"))
        except (UnicodeDecodeError, forms.FormError) as exc:
            return _json({"errors": [f"the form body cannot be read: {exc}"]}, 400)
        body.pop("registration_token", None)
        return body
    if ctype in ("application/json", "") or ctype.endswith("+json"):
        try:
            return json.loads(data.decode("utf-8")) if data else None
        except (UnicodeDecodeError, ValueError):
            return _json({"errors": ["the request body is not valid JSON"]}, 400)
    return api_error(f"Unsupported content type: {ctype}", 415)


async def create_registration(request: Request) -> Response:
    """POST /api/lti/registrations (seed 002 "create"; canvas-facts §1c)."""
    platform = _platform(request)
    token = _bearer(request)  # Canvas reads the header or the access_token parameter only
    if request.headers.get("content-type", "").startswith("application/json"):
        raw = await _body_bytes(request)
        if isinstance(raw, Response):
            return raw
        try:
            _record(request, "registrations", json.loads(raw) if raw.strip() else None)
        except ValueError:
            _record(request, "registrations", raw[:2000].decode("utf-8", "replace"))
    else:
        _record(request, "registrations")
    try:
        claims = oauth.verify_registration_token(token, platform.secret, platform.config.faults)
    except oauth.TokenRejected as exc:
        return _json({"errorMessage": str(exc)}, 401)
    if str(claims.get("root_account_global_id")) != platform.config.account_id:
        return api_error(NOT_FOUND, 404)
    body = await _registration_body(request, platform)
    if isinstance(body, Response):
        return body
    errors, attrs, scopes = registration.validate(body, platform.config.faults)
    if errors:
        if platform.has("invalid-body-500"):
            return Response("<html><body><h1>Internal Server Error</h1></body></html>", 500, media_type="text/html")
        return _json({"errors": errors}, 422)
    if not platform.has("accept-reused-token") and not platform.store.use_registration_token(str(claims["uuid"])):
        return _json({"errorMessage": "registration_token has already been used"}, 401)
    reg_id = platform.store.next_id()
    client_id = str(platform.store.next_id())
    if platform.has("same-client-id") and platform.store.registrations():
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
    return _json(render(request, platform, reg))


def render(request: Request, platform: Platform, reg: Registration) -> dict[str, Any]:
    return registration.render(
        reg.configuration,
        client_id=reg.client_id,
        scopes=reg.scopes,
        base_url=base_url(request),
        registration_id=reg.id,
        faults=platform.config.faults,
    )


def _unauthorized(platform: Platform, message: str) -> JSONResponse:
    """The documented 401 body ``{"errorMessage": ...}`` (seed 000, "Error Response (401)")."""
    key = "error" if platform.has("wrong-401-body") else "errorMessage"
    return _json({key: message}, 401)


async def configuration(request: Request) -> Response:
    """GET and PUT /api/lti/registrations/:registration_id/configuration (seed 000; canvas-facts §2)."""
    platform = _platform(request)
    reg_id = parse_id(request.path_params["registration_id"])
    reg = platform.store.registration(reg_id) if reg_id is not None else None
    if reg is None:
        return api_error(NOT_FOUND, 404)
    writing = request.method == "PUT"
    if writing and not admin.flag_on(platform, reg.account_id) and not platform.has("flag-ignored"):
        return api_error(NOT_FOUND, 404)
    scopes = (REG_SCOPE,) if writing and not platform.has("put-without-scope-accepted") else (REG_SCOPE, REG_READ_SCOPE)
    if not writing and platform.has("registration-read-without-scope"):
        scopes = ()  # the bug: any valid token may read
    try:
        grant = oauth.verify_access_token(
            request.headers.get("authorization"),
            store=platform.store,
            signing_key=platform.signing_key,
            token_url=f"{base_url(request)}/login/oauth2/token",
            any_of=scopes,
            faults=platform.config.faults,
        )
    except oauth.TokenRejected as exc:
        return _unauthorized(platform, str(exc))
    if writing and grant.key.id != reg.client_id and not platform.has("no-ownership-check"):
        return _unauthorized(platform, "Access token does not belong to this registration")
    if not writing:
        return _json(render(request, platform, reg))
    return await _submit_update(request, platform, reg)


async def _submit_update(request: Request, platform: Platform, reg: Registration) -> Response:
    """Record the tool's update as a pending request; nothing changes until an admin accepts it."""
    data = await _body_bytes(request)
    if isinstance(data, Response):
        return data
    try:
        body = json.loads(data.decode("utf-8")) if data else None
    except (UnicodeDecodeError, ValueError):
        return _json({"errors": ["the request body is not valid JSON"]}, 400)
    errors, attrs, scopes = registration.validate(body, platform.config.faults)
    if errors and not platform.has("invalid-update-accepted"):
        return _json({"errors": errors}, 422)
    proposal = UpdateRequest(id=platform.store.next_id(), registration_id=reg.id, configuration=attrs, scopes=scopes, created_at=updates.now())
    reg.update_requests.append(proposal)
    answer = render(request, platform, reg)
    if platform.has("apply-without-approval"):
        updates.replace_configuration(reg, proposal, platform.store.developer_key(reg.client_id), None, platform.config.faults,
                                      invalidate_tokens=platform.config.invalidate_tokens_on_update)
    if not platform.has("put-echoes-old-configuration"):
        proposed = Registration(id=reg.id, client_id=reg.client_id, account_id=reg.account_id, uuid=reg.uuid, configuration=attrs, scopes=scopes)
        answer = render(request, platform, proposed)
    return _json(answer)


async def jwks(request: Request) -> Response:
    """GET /api/lti/security/jwks: the platform's public keys."""
    platform = _platform(request)
    doc = keys.jwks(platform.signing_key)
    if platform.has("jwks-key-without-kid"):
        for key in doc["keys"]:
            key.pop("kid", None)
    return _json(doc)


async def token(request: Request) -> Response:
    """POST /login/oauth2/token: LTI client_credentials with a JWT client assertion (canvas-facts §3)."""
    platform = _platform(request)
    data = await _body_bytes(request)
    if isinstance(data, Response):
        return data
    try:
        form = dict(forms.parse_qsl_flat(data.decode("utf-8")))
    except UnicodeDecodeError:
        return _json({"error": "invalid_request", "error_description": "the body is not form-encoded UTF-8"}, 400)
    except forms.FormError as exc:
        return _json({"error": "invalid_request", "error_description": str(exc)}, 400)
    base = base_url(request)
    token_url = f"{base}/login/oauth2/token"
    grant_type = form.get("grant_type")
    try:
        if grant_type == "authorization_code":
            return _json(userauth.grant_code(platform, form), headers=NO_STORE)
        if grant_type == "refresh_token":
            return _json(userauth.grant_refresh(platform, form), headers=NO_STORE)
        if grant_type != "client_credentials":
            if platform.has("wrong-grant-type-error"):
                raise oauth.OAuthError(400, "invalid_request", "grant_type is invalid")
            raise oauth.OAuthError(400, "unsupported_grant_type", "The grant_type you requested is not currently supported")
        body = await oauth.grant_client_credentials(
            form,
            store=platform.store,
            token_url=token_url,
            audiences={token_url, base, urlsplit(base).netloc},
            issuer=platform.config.issuer or base,
            signing_key=platform.signing_key,
            faults=platform.config.faults,
            loopback_only=platform.config.jwks_loopback_only,
        )
    except oauth.OAuthError as exc:
        return _json(exc.body(), exc.status)
    return _json(body, headers=NO_STORE)


@admin.admin_only()
async def throttle_settings(request: Request, platform: Any) -> Response:
    """PUT /_mock/throttle {"high_water_mark": n}: a bucket that ``n`` requests fill (each costs 1, none drains
    while n < 600), so tests can reach the 403; 600 or more restores a draining bucket (test support)."""
    try:
        body = json.loads((await request.body()).decode("utf-8") or "{}")
        mark = float(body["high_water_mark"])
    except (ValueError, KeyError, TypeError, UnicodeDecodeError):
        return api_error("send {\"high_water_mark\": <number of requests>}", 400)
    if not 1 <= mark <= 100000:
        return api_error("high_water_mark must be between 1 and 100000", 400)
    request.app.state.throttle = ags.Throttle(high_water_mark=mark, cost=1.0, outflow=0.0 if mark < 600 else 10.0)
    return _json({"high_water_mark": mark})


@admin.admin_only()
async def recorded(request: Request, platform: Any) -> Response:
    """GET /_mock/recorded: what tools sent to the DR routes, newest last (test support, admin only)."""
    return _json(request.app.state.recorded)


async def active_faults(request: Request) -> Response:
    """GET /_mock/faults: the fault switches this instance runs with (test support)."""
    return _json({"faults": sorted(_platform(request).config.faults)})


async def _not_found(request: Request, exc: Exception) -> Response:
    status = getattr(exc, "status_code", 404)
    if status == 405:
        refused = api_error("The request method is not allowed for this resource.", 405)
        refused.headers["Allow"] = inbound.allowed_methods(request.scope, request.app.router.routes)
        return refused
    return api_error(NOT_FOUND, 404 if status == 404 else status)


async def _internal(request: Request, exc: Exception) -> Response:
    return api_error("An internal error occurred in the mock platform.", 500)


def create_app(config: PlatformConfig | None = None, store: Store | None = None) -> Starlette:
    """A mock Canvas platform; ``config.faults`` names the fault switches to turn on."""
    config = config or PlatformConfig()
    config.faults = check_names(config.faults)
    routes = [
        Route("/api/lti/accounts/{account_id}/registration_token", registration_token, methods=["GET"]),
        Route("/api/lti/security/openid-configuration", openid_configuration, methods=["GET"]),
        Route("/api/lti/registrations", create_registration, methods=["POST"]),
        Route("/api/lti/registrations/{registration_id}/configuration", configuration, methods=["GET", "PUT"]),
        Route("/api/lti/security/jwks", jwks, methods=["GET"]),
        Route("/login/oauth2/token", token, methods=["POST"]),
        Route("/login/oauth2/auth", userauth.authorize, methods=["GET"]),
        Route("/_mock/accounts/{account_id}/expired_registration_token", expired_registration_token, methods=["GET"]),
        Route("/_mock/faults", active_faults, methods=["GET"]),
        Route("/_mock/throttle", throttle_settings, methods=["PUT"]),
        Route("/_mock/recorded", recorded, methods=["GET"]),
        *admin.ROUTES,
        *devkeys.ROUTES,
        *rest.ROUTES,
        *ags.ROUTES,
        *outcomes.ROUTES,
    ]
    limits = Middleware(inbound.InputLimits, limits=LIMITS, error=lambda status, message: api_error(message, status))
    app = Starlette(routes=routes, middleware=[limits], exception_handlers={HTTPException: _not_found, Exception: _internal})
    app.state.throttle = ags.Throttle(high_water_mark=config.throttle_high_water_mark)
    if store is None:  # a state file that is in use or not a platform's raises StateFileError
        store = SqliteStore(config.db) if config.db else MemoryStore()
    if isinstance(store, SqliteStore):  # what a request changed is saved before it is answered
        app.add_middleware(FlushBeforeResponse, flush=store.flush, changed=lambda: store.written,
                           failure_body=b'{"errors":[{"message":"The state could not be saved."}]}')
    app.state.legacy_tools = {tool_id: c.id for c in store.courses() for tool_id in c.legacy_tools}  # LTI 1.1 tool id -> course id
    app.state.outcome_nonces = store.outcome_nonces()
    app.state.recorded = []
    secret = store.keep("registration_token_secret", lambda: secrets.token_urlsafe(32))
    app.state.platform = Platform(config=config, store=store, secret=secret, signing_key=store.signing_key())
    return app
