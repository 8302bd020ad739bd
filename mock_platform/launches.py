"""LTI 1.3 launches from the mock platform, as Canvas makes them (ims-facts.md §3.3, §3.4; Canvas's
``Lti::IMS::AuthenticationController``):

1. a launch page — a course's navigation link to an installed tool (``/courses/:id/external_tools/:tool_id``),
   an assignment with an external tool link (``/courses/:id/assignments/:id``), or the one-time URL of
   ``GET /api/v1/courses/:id/external_tools/sessionless_launch`` — answers the browser with the third-party
   login initiation: an auto-submitting form posting ``iss``, ``login_hint``, ``target_link_uri``,
   ``lti_message_hint``, ``client_id`` and ``lti_deployment_id`` to the tool's ``initiate_login_uri``;
2. the tool's authentication request reaches ``/api/lti/authorize_redirect`` (the announced endpoint),
   which redirects to ``/api/lti/authorize`` as Canvas does;
3. ``/api/lti/authorize`` checks the request and answers with an auto-submitting form posting
   ``id_token`` and ``state`` to the ``redirect_uri`` — or an OIDC error (``error``,
   ``error_description``, ``state``) there instead. An unregistered ``redirect_uri`` or an unreadable
   ``lti_message_hint`` gets a 400 JSON answer and no post at all.

A launch is made once: its ``lti_message_hint`` names a pending launch (5 minutes, single use) whose
claims were fixed when the login initiation was sent; the id_token adds the tool's nonce. The browser's
user is a session cookie set by the launch page (a mock has no passwords: the page asks whom to launch
as, among the course's members)."""

from __future__ import annotations

import hashlib
import hmac
import html
import secrets
import time
from dataclasses import dataclass, field
from typing import Any, Callable
from urllib.parse import parse_qsl, urlencode

import jwt
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response
from starlette.routing import Route

from lti_harness.harness import keys
from lti_harness.vocab import (AGS_SCOPE, INSTRUCTOR, LEARNER, LINEITEM_READONLY_SCOPE, LINEITEM_SCOPE, LTI_CLAIM,
                               NRPS_SCOPE, RESULT_READONLY_SCOPE, SCORE_SCOPE)

from . import faults, forms, updates, web
from .config import Platform
from .store import Course, DeveloperKey, LineItem, User

AGS_CLAIM = "https://purl.imsglobal.org/spec/lti-ags/claim/endpoint"
NRPS_CLAIM = "https://purl.imsglobal.org/spec/lti-nrps/claim/namesroleservice"
PLACEMENT_CLAIM = "https://www.instructure.com/placement"
LEGACY_USER_CLAIM = LTI_CLAIM + "lti11_legacy_user_id"
COURSE_OFFERING = "http://purl.imsglobal.org/vocab/lis/v2/course#CourseOffering"
STUDENT = "http://purl.imsglobal.org/vocab/lis/v2/institution/person#Student"
FACULTY = "http://purl.imsglobal.org/vocab/lis/v2/institution/person#Instructor"
SYSTEM_USER = "http://purl.imsglobal.org/vocab/lis/v2/system/person#User"
AGS_SCOPES = (LINEITEM_SCOPE, LINEITEM_READONLY_SCOPE, RESULT_READONLY_SCOPE, SCORE_SCOPE)
REQUIRED_PARAMS = ("client_id", "login_hint", "lti_message_hint", "nonce", "prompt", "redirect_uri", "response_mode", "response_type", "scope")
SESSION_COOKIE = "mock_canvas_session"
LAUNCH_LIFETIME = 300  # seconds a login initiation can be answered (Canvas caches the launch for 5 minutes)
ID_TOKEN_LIFETIME = 3600  # Canvas's id_tokens expire an hour after issue
MAX_PENDING = 10_000
MAX_PARAM = 4096


@dataclass
class PendingLaunch:
    """A launch whose login initiation was sent: its claims (without the nonce), for one authentication request."""

    key_id: str
    user_id: int
    course_id: int
    claims: dict[str, Any]
    at: float = field(default_factory=time.time)
    used: bool = False


def _pending(request: Request) -> dict[str, PendingLaunch]:
    return request.app.state.pending_launches


def _remember(request: Request, launch: PendingLaunch) -> str:
    """Keep ``launch`` under a new verifier (the oldest go first past ``MAX_PENDING``)."""
    pending = _pending(request)
    now = time.time()
    for verifier in [v for v, p in pending.items() if now - p.at > LAUNCH_LIFETIME] + list(pending)[:max(0, len(pending) - MAX_PENDING + 1)]:
        pending.pop(verifier, None)
    verifier = secrets.token_urlsafe(24)
    pending[verifier] = launch
    return verifier


# --- the browser's user -----------------------------------------------------------------------------

def _session_value(platform: Platform, user_id: int) -> str:
    mac = hmac.new(platform.secret.encode(), f"session:{user_id}".encode(), hashlib.sha256).hexdigest()[:32]
    return f"{user_id}.{mac}"


def session_user(request: Request, platform: Platform) -> User | None:
    """The user of the browser's session cookie, or None."""
    raw = request.cookies.get(SESSION_COOKIE, "")
    user_id = web.parse_id(raw.partition(".")[0])
    if user_id is None or not hmac.compare_digest(raw, _session_value(platform, user_id)):
        return None
    return platform.store.user(user_id)


def _with_session(response: Response, platform: Platform, user: User) -> Response:
    response.set_cookie(SESSION_COOKIE, _session_value(platform, user.id), httponly=True, samesite="lax", path="/")
    return response


def _page(title: str, body: str, status: int = 200) -> HTMLResponse:
    return HTMLResponse(f"<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>{html.escape(title)}</title></head>"
                        f"<body><h1>{html.escape(title)}</h1>{body}</body></html>", status,
                        headers={"Cache-Control": "no-store", "Referrer-Policy": "no-referrer"})


def auto_post(action: str, fields: dict[str, str], title: str) -> HTMLResponse:
    """A page whose form posts ``fields`` to ``action`` as soon as it loads (a button without script)."""
    inputs = "".join(f'<input type="hidden" name="{html.escape(k)}" value="{html.escape(v)}">' for k, v in fields.items())
    body = (f'<form id="lti" action="{html.escape(action)}" method="post">{inputs}<button type="submit">Continue</button></form>'
            '<script>document.getElementById("lti").submit();</script>')
    return _page(title, body)


def _choose_user(course: Course, platform: Platform, request: Request | None = None) -> HTMLResponse:
    """Whom to launch as: the course's members, each a link that sets the session (a mock has no passwords);
    the links keep the ``request``'s other query parameters (a placement)."""
    members = [(uid, "Teacher") for uid in sorted(course.teachers)] + [(uid, "Student") for uid in sorted(course.students)]
    kept = [(k, v) for k, v in request.query_params.multi_items() if k != "as_user_id"] if request is not None else []
    items = "".join(f'<li><a href="?{html.escape(urlencode([*kept, ("as_user_id", uid)]))}">{html.escape(u.name)} ({kind})</a></li>'
                    for uid, kind in members if (u := platform.store.user(uid)) is not None)
    return _page("Launch as", f"<p>Choose a member of {html.escape(course.name)} to launch as.</p><ul>{items or '<li>The course has no members.</li>'}</ul>", 401)


def _browser_user(request: Request, platform: Platform, course: Course) -> User | None:
    """The launching user: ``as_user_id`` (a course member) chosen on the page, else the session's."""
    chosen = request.query_params.get("as_user_id")
    if chosen is None:
        return session_user(request, platform)
    user_id = web.parse_id(chosen)
    member = user_id is not None and (user_id in course.students or user_id in course.teachers)
    return platform.store.user(user_id) if member and user_id is not None else None


# --- what a launch sends ----------------------------------------------------------------------------

@dataclass
class ToolSettings:
    """Where a key's tool is launched and what it is sent: from its registration (with the overlay) or the key."""

    login_url: str
    target_link_uri: str
    custom: dict[str, str]
    placements: dict[str, dict[str, Any]]  # placement name -> its settings (enabled, target_link_uri, text)
    title: str


def tool_settings(platform: Platform, key: DeveloperKey) -> ToolSettings:
    if key.registration_id is not None and (reg := platform.store.registration(key.registration_id)) is not None:
        config = updates.overlaid(reg, platform.config.faults)
        return ToolSettings(str(config.get("oidc_initiation_url") or ""), str(config.get("target_link_uri") or ""),
                            {str(k): str(v) for k, v in (config.get("custom_fields") or {}).items()},
                            {p["placement"]: p for p in config.get("placements") or []}, str(config.get("title") or key.name))
    return ToolSettings(key.oidc_initiation_url, key.target_link_uri, dict(key.custom_fields), {}, key.name)


def _roles(platform: Platform, course: Course, user: User) -> list[str]:
    if platform.has(faults.ROLES_IGNORE_ENROLLMENT):
        return [LEARNER, STUDENT, SYSTEM_USER]
    roles = [INSTRUCTOR, FACULTY] if user.id in course.teachers else [LEARNER, STUDENT] if user.id in course.students else []
    roles.append(SYSTEM_USER)
    if platform.has(faults.ROLES_SHORT_NAMES):
        return [r.rsplit("#", 1)[-1] for r in roles]
    return roles


def _expand(value: str, course: Course, user: User) -> str:
    """Canvas's substitution variables a custom parameter may hold (the few the mock knows; others stay as written)."""
    known = {"$Canvas.course.id": str(course.id), "$Canvas.user.id": str(user.id), "$Context.id": f"course-{course.id}",
             "$User.id": user.lti_id, "$Person.name.full": user.name, "$Canvas.course.name": course.name}
    return known.get(value, value)


def legacy_user_id(platform: Platform, user: User) -> str:
    """The user's opaque LTI 1.1 id (Canvas's ``Lti::Asset.opaque_identifier_for``): the launch's
    ``lti11_legacy_user_id`` claim and the NRPS member field alike."""
    return hashlib.sha1(f"{platform.secret}:{user.id}".encode()).hexdigest()


def launch_claims(request: Request, platform: Platform, key: DeveloperKey, course: Course, user: User, *,
                  placement: str, target: str, settings: ToolSettings, item: LineItem | None = None) -> dict[str, Any]:
    """The id_token's claims but ``nonce``, ``iat`` and ``exp``: fixed when the login initiation is sent."""
    base = web.base_url(request)
    deployment = course.tools[key.id]
    link_id = item.resource_link_id if item is not None and item.resource_link_id else f"course-nav-{course.id}-{key.id}"
    given, _, family = user.name.partition(" ")
    claims: dict[str, Any] = {
        "iss": platform.config.issuer or base, "aud": key.id, "azp": key.id, "sub": user.lti_id,
        "name": user.name, "given_name": given, "family_name": family, "locale": "en",
        LTI_CLAIM + "message_type": "LtiResourceLinkRequest", LTI_CLAIM + "version": "1.3.0",
        LTI_CLAIM + "deployment_id": deployment, LTI_CLAIM + "target_link_uri": target,
        LTI_CLAIM + "resource_link": {"id": link_id, "title": item.label if item is not None else settings.title},
        LTI_CLAIM + "roles": _roles(platform, course, user),
        LTI_CLAIM + "context": {"id": f"course-{course.id}", "label": f"C{course.id}", "title": course.name, "type": [COURSE_OFFERING]},
        LTI_CLAIM + "tool_platform": {"guid": "mock-canvas-guid", "name": "Mock Canvas", "version": "cloud", "product_family_code": "canvas"},
        LTI_CLAIM + "launch_presentation": {"document_target": "iframe", "locale": "en",
                                            "return_url": f"{base}/courses/{course.id}/external_content/success/external_tool_redirect"},
        LTI_CLAIM + "custom": {name: _expand(value, course, user) for name, value in settings.custom.items()},
        LEGACY_USER_CLAIM: legacy_user_id(platform, user),
        PLACEMENT_CLAIM: placement,
    }
    if platform.has(faults.ID_TOKEN_WITHOUT_DEPLOYMENT_ID):
        del claims[LTI_CLAIM + "deployment_id"]
    if platform.has(faults.ID_TOKEN_AZP_WRONG):
        claims["azp"] = deployment
    scopes = [s for s in key.scopes if s in AGS_SCOPES]
    if platform.has(faults.AGS_CLAIM_UNGRANTED_SCOPE):
        scopes.append(next((s for s in AGS_SCOPES if s not in scopes), AGS_SCOPE + "lineitem.all"))
    if scopes:
        ags: dict[str, Any] = {"scope": scopes, "lineitems": f"{base}/api/lti/courses/{course.id}/line_items"}
        if item is not None:
            ags["lineitem"] = f"{base}/api/lti/courses/{course.id}/line_items/{item.id}"
        claims[AGS_CLAIM] = ags
    if NRPS_SCOPE in key.scopes:  # Canvas sends the claim to a tool whose key holds the NRPS scope (ims-facts §4)
        claims[NRPS_CLAIM] = {"context_memberships_url": f"{base}/api/lti/courses/{course.id}/names_and_roles",
                              "service_versions": "2.0" if platform.has(faults.NRPS_CLAIM_VERSION_STRING) else ["2.0"]}
    return claims


def _login_initiation(request: Request, platform: Platform, key: DeveloperKey, course: Course, user: User, *,
                      placement: str, item: LineItem | None = None,
                      adjust: Callable[[dict[str, Any]], None] | None = None) -> Response:
    """The page that starts the launch: the login initiation posted to the tool's initiate_login_uri;
    ``adjust`` changes the claims of another message type (a deep-linking request) before they are fixed."""
    settings = tool_settings(platform, key)
    chosen = settings.placements.get(placement)
    if chosen is not None and not chosen.get("enabled", True):
        return _page("Not available", "<p>This placement of the tool is turned off in this account.</p>", 404)
    target = str((chosen or {}).get("target_link_uri") or settings.target_link_uri)
    if not settings.login_url.startswith(("https://", "http://")) or not target:
        return _page("Tool not configured", "<p>The tool's key has no login initiation URL or target link URI.</p>", 400)
    claims = launch_claims(request, platform, key, course, user, placement=placement, target=target, settings=settings, item=item)
    if adjust is not None:
        adjust(claims)
    if platform.has(faults.TARGET_LINK_URI_CHANGED):
        claims[LTI_CLAIM + "target_link_uri"] = target.rstrip("/") + "/elsewhere"
    verifier = _remember(request, PendingLaunch(key_id=key.id, user_id=user.id, course_id=course.id, claims=claims))
    hint = jwt.encode({"verifier": verifier, "context_id": course.id, "exp": int(time.time()) + LAUNCH_LIFETIME}, platform.secret, algorithm="HS256")
    fields = {"iss": claims["iss"], "login_hint": user.lti_id, "target_link_uri": target, "lti_message_hint": hint,
              "client_id": key.id, "lti_deployment_id": course.tools[key.id], "canvas_region": "not_configured",
              "canvas_environment": "prod"}
    if platform.has(faults.LOGIN_WITHOUT_TARGET_LINK_URI):
        del fields["target_link_uri"]
    return _with_session(auto_post(settings.login_url, fields, f"Launching {settings.title}"), platform, user)


def _course(platform: Platform, raw: str) -> Course:
    course_id = web.parse_id(raw)
    found = platform.store.course(course_id) if course_id is not None else None
    if found is None or found.workflow_state == "deleted":
        raise web.Refusal(404, "<p>The page you requested does not exist.</p>", media_type="text/html")
    return found


def _installed(platform: Platform, course: Course, tool_id: str) -> DeveloperKey:
    """The LTI key of the tool installed in ``course`` under ``tool_id`` (the installation's id, or the key's)."""
    key_id = next((k for k, deployment in course.tools.items() if deployment.split(":")[0] == tool_id or k == tool_id), None)
    key = platform.store.developer_key(key_id) if key_id is not None else None
    if key is None or not key.is_lti_key or key.workflow_state != "active":
        raise web.Refusal(404, "<p>The tool is not installed in this course.</p>", media_type="text/html")
    return key


async def course_navigation(request: Request) -> Response:
    """GET /courses/:course_id/external_tools/:tool_id: the tool's course navigation launch."""
    platform = web.platform_of(request)
    course = _course(platform, request.path_params["course_id"])
    key = _installed(platform, course, request.path_params["tool_id"])
    user = _browser_user(request, platform, course)
    if user is None:
        return _choose_user(course, platform)
    return _login_initiation(request, platform, key, course, user, placement="course_navigation")


def _assignment(platform: Platform, course: Course, raw: str) -> LineItem:
    item = next((i for i in course.line_items if str(i.id) == raw), None)
    if item is None:
        raise web.Refusal(404, "<p>The page you requested does not exist.</p>", media_type="text/html")
    return item


async def assignment(request: Request) -> Response:
    """GET /courses/:course_id/assignments/:assignment_id: an assignment with an external tool link launches its tool."""
    platform = web.platform_of(request)
    course = _course(platform, request.path_params["course_id"])
    item = _assignment(platform, course, request.path_params["assignment_id"])
    if item.client_id is None or item.client_id not in course.tools:
        return _page(item.label, "<p>This assignment has no external tool.</p>")
    user = _browser_user(request, platform, course)
    if user is None:
        return _choose_user(course, platform)
    key = _installed(platform, course, item.client_id)
    return _login_initiation(request, platform, key, course, user, placement="assignment_selection", item=item)


@web.admin_only()
async def sessionless_launch(request: Request, platform: Platform) -> Response:
    """GET /api/v1/courses/:course_id/external_tools/sessionless_launch?id=…|assignment_id=…&as_user_id=… (admin):
    a one-time URL that launches the tool (course navigation, or the placement ``launch_type`` names: its
    resource-selection page) or the assignment's tool as ``as_user_id``."""
    course = _course(platform, request.path_params["course_id"])
    q = request.query_params
    user_id = web.parse_id(q.get("as_user_id", ""))
    if user_id is None or not (user_id in course.students or user_id in course.teachers):
        raise web.api_error("as_user_id must name a member of the course", 400)
    if q.get("assignment_id"):
        item = _assignment(platform, course, q["assignment_id"])
        if item.client_id is None or item.client_id not in course.tools:
            raise web.api_error("the assignment has no external tool", 400)
        key, target = _installed(platform, course, item.client_id), f"/courses/{course.id}/assignments/{item.id}"
    elif q.get("id"):
        key, target = _installed(platform, course, q["id"]), f"/courses/{course.id}/external_tools/{q['id']}"
        if q.get("launch_type", "course_navigation") != "course_navigation":  # a placement's launch (Canvas's launch_type)
            target += "/resource_selection?" + urlencode({"placement": q["launch_type"][:MAX_PARAM]})
    else:
        raise web.api_error("id or assignment_id is required", 400)
    verifier = _remember(request, PendingLaunch(key_id=key.id, user_id=user_id, course_id=course.id, claims={"page": target}))
    return web.json_response({"id": key.id, "name": key.name, "url": f"{web.base_url(request)}/courses/{course.id}/external_tools/sessionless_launch?verifier={verifier}"})


async def sessionless_page(request: Request) -> Response:
    """GET /courses/:course_id/external_tools/sessionless_launch?verifier=…: the one-time URL; logs its user in and launches."""
    platform = web.platform_of(request)
    course = _course(platform, request.path_params["course_id"])
    found = _pending(request).pop(request.query_params.get("verifier", ""), None)
    if found is None or found.course_id != course.id or "page" not in found.claims or time.time() - found.at > LAUNCH_LIFETIME:
        return _page("Launch expired", "<p>This launch link was used before or has expired.</p>", 401)
    user = platform.store.user(found.user_id)
    assert user is not None
    return _with_session(RedirectResponse(found.claims["page"], 302), platform, user)


# --- the OIDC authorization endpoint ------------------------------------------------------------------

async def _oidc_params(request: Request) -> dict[str, str]:
    """The authentication request's parameters (the query for GET, the form for POST), each bounded."""
    if request.method == "POST":
        data = await web.body_bytes(request)
        try:
            raw = forms.decode(data.decode("utf-8"))
        except (forms.FormError, UnicodeDecodeError):
            raise web.Refusal(400, {"status": "bad_request", "message": "The form body cannot be read"}) from None
        found = {k: v for k, v in raw.items() if isinstance(v, str)}
    else:
        found = dict(request.query_params)
    if any(len(v) > MAX_PARAM for v in found.values()):
        raise web.Refusal(400, {"status": "bad_request", "message": f"A parameter is longer than {MAX_PARAM} characters"})
    return {k: v for k, v in found.items() if k in REQUIRED_PARAMS or k == "state"}


async def authorize_redirect(request: Request) -> Response:
    """GET or POST /api/lti/authorize_redirect: Canvas sends the authentication request on to the
    authorize action of the launch's domain (here the same host), as a redirect."""
    p = await _oidc_params(request)
    return RedirectResponse(f"{web.base_url(request)}/api/lti/authorize?{urlencode(p)}", 302)


def _bad_request(message: str) -> web.Refusal:
    return web.Refusal(400, {"status": "bad_request", "message": message})


def _registered(uri: str, registered: list[str]) -> bool:
    """Canvas's redirect_uri rule: equal to a registered URI without a query, or carrying every query
    parameter of one that has a query."""
    base, _, query = uri.partition("?")
    for known in registered:
        if "?" in known:
            known_base, _, known_query = known.partition("?")
            wanted = set(parse_qsl(known_query, keep_blank_values=True))  # flat pairs: any query text reads
            if known_base == base and wanted <= set(parse_qsl(query, keep_blank_values=True)):
                return True
        elif known == base and not query:
            return True
    return False


def _oidc_error(p: dict[str, str], platform: Platform, hint: dict[str, Any], launch: PendingLaunch | None,
               key: DeveloperKey, user: User | None) -> tuple[str, str] | None:
    """The OIDC error the request earns, in Canvas's order (a later one replaces an earlier one)."""
    error = None
    missing = [name for name in REQUIRED_PARAMS if not p.get(name)]
    if platform.has(faults.AUTHORIZE_WITHOUT_NONCE) and "nonce" in missing:
        missing.remove("nonce")
    if missing:
        error = ("invalid_request_object", f"The following parameters are missing: {','.join(missing)}")
    elif p["scope"] != "openid":
        error = ("invalid_request_object", "The 'scope' must be 'openid'")
    elif p["response_type"] != "id_token" and not platform.has(faults.RESPONSE_TYPE_NOT_CHECKED):
        error = ("unsupported_response_type", "The 'response_type' must be 'id_token'")
    elif p["response_mode"] != "form_post":
        error = ("invalid_request_object", "The 'response_mode' must be 'form_post'")
    elif p["prompt"] != "none":
        error = ("invalid_request_object", "The 'prompt' must be 'none'")
    if user is None or p.get("login_hint") != user.lti_id or (launch is not None and launch.user_id != user.id):
        error = ("login_required", "Must have an active user session")
    course_id = web.parse_id(hint.get("context_id"))
    course = platform.store.course(course_id) if course_id is not None else None
    other_tool = launch is not None and launch.key_id != key.id and not platform.has(faults.AUTHORIZE_IGNORES_CLIENT_ID)
    if other_tool or key.workflow_state != "active" or key.binding != "on" or course is None or key.id not in course.tools:
        error = ("unauthorized_client", "Client not authorized in requested context")
    if error is None and (launch is None or (launch.used and not platform.has(faults.LAUNCH_HINT_REUSABLE))
                          or time.time() - launch.at > LAUNCH_LIFETIME):
        error = ("launch_no_longer_valid", "The launch has either expired or already been consumed")
    return error


def _id_token(request: Request, platform: Platform, launch: PendingLaunch, nonce: str) -> str:
    now = int(time.time())
    claims = {**launch.claims, "iat": now, "exp": now + ID_TOKEN_LIFETIME, "nonce": nonce}
    if platform.has(faults.ID_TOKEN_OWN_NONCE):
        claims["nonce"] = hashlib.sha256(f"{platform.secret}:{launch.key_id}".encode()).hexdigest()[:24]
    if platform.has(faults.ID_TOKEN_ALREADY_EXPIRED):
        claims["exp"] = now - 60
    if platform.has(faults.ID_TOKEN_LONG_LIVED):
        claims["exp"] = now + 366 * 86400
    signer = platform.signing_key
    if platform.has(faults.ID_TOKEN_UNPUBLISHED_KEY):
        if getattr(request.app.state, "unpublished_key", None) is None:
            request.app.state.unpublished_key = keys.generate(kid=platform.signing_key.kid + "-other")
        signer = request.app.state.unpublished_key
    return signer.sign(claims)


async def authorize(request: Request) -> Response:
    """GET or POST /api/lti/authorize: the authentication response, posted to the registered redirect_uri."""
    platform = web.platform_of(request)
    p = await _oidc_params(request)
    try:
        hint = jwt.decode(p.get("lti_message_hint", ""), platform.secret, algorithms=["HS256"])
    except jwt.PyJWTError:
        if platform.has(faults.AUTHORIZE_BAD_HINT_500):
            raise web.Refusal(500, "<html><body><h1>Internal Server Error</h1></body></html>", media_type="text/html") from None
        raise _bad_request("Invalid lti_message_hint") from None
    launch = _pending(request).get(str(hint.get("verifier", "")))
    if launch is not None and "page" in launch.claims:
        launch = None  # a sessionless link's verifier is no launch
    key = platform.store.developer_key(p.get("client_id", ""))
    if platform.has(faults.AUTHORIZE_IGNORES_CLIENT_ID) and launch is not None:
        key = platform.store.developer_key(launch.key_id)
    if key is None or not key.is_lti_key or key.workflow_state == "deleted":
        raise web.api_error(web.NOT_FOUND, 404)
    redirect_uri = p.get("redirect_uri", "")
    if not _registered(redirect_uri, key.redirect_uris) and not (platform.has(faults.ID_TOKEN_TO_ANY_REDIRECT_URI) and redirect_uri.startswith(("https://", "http://"))):
        raise _bad_request("Invalid redirect_uri")
    error = _oidc_error(p, platform, hint, launch, key, session_user(request, platform))
    state = {} if platform.has(faults.STATE_NOT_ECHOED) or "state" not in p else {"state": p["state"]}
    if error is not None:
        return auto_post(redirect_uri, {"error": error[0], "error_description": error[1], **state}, "Launch refused")
    assert launch is not None
    launch.used = True
    return auto_post(redirect_uri, {"id_token": _id_token(request, platform, launch, p.get("nonce", "")), **state}, "Launching")


ROUTES = [
    Route("/api/lti/authorize_redirect", authorize_redirect, methods=["GET", "POST"]),
    Route("/api/lti/authorize", authorize, methods=["GET", "POST"]),
    Route("/api/v1/courses/{course_id}/external_tools/sessionless_launch", sessionless_launch, methods=["GET"]),
    Route("/courses/{course_id}/external_tools/sessionless_launch", sessionless_page, methods=["GET"]),
    Route("/courses/{course_id}/external_tools/{tool_id}", course_navigation, methods=["GET"]),
    Route("/courses/{course_id}/assignments/{assignment_id}", assignment, methods=["GET"]),
]
