"""Deep Linking 2.0 on the mock platform, as Canvas does it: the ``LtiDeepLinkingRequest`` launch, its
return endpoint and what the returned content items create.

**The request.** A placement that takes content (Canvas's ``Lti::Messages::DeepLinkingRequest``:
assignment_selection, course_assignments_menu, editor_button, link_selection, module_index_menu_modal,
module_menu_modal) launches with message type ``LtiDeepLinkingRequest``, no resource_link claim and the
``deep_linking_settings`` claim holding Canvas's values for that placement (accept_types, document targets,
accept_media_types as one comma-joined string, accept_multiple, auto_create). A placement configured with
``message_type: LtiResourceLinkRequest`` launches a resource link instead. The browser page is Canvas's
``/courses/:course_id/external_tools/:id/resource_selection?placement=…`` (the sessionless launch's
``launch_type`` leads there); without a placement it is link_selection, the placement Canvas gives a message
that names none (canvas-facts.md §1c).

The return URL is Canvas's ``/courses/:course_id/deep_linking_response?data=…``: ``data`` is an HS256 token
of the platform's (Canvas's ``Lti::DeepLinkingData``: a nonce, the placement, and here also the client, course
and user), usable once. The mock also sends that token as the settings' ``data`` (Canvas sends none), so the
response must echo it in its ``data`` claim.

**The return endpoint** (POST, form field ``JWT``) checks, in Canvas's order, and answers each refusal with
400 and a JSON body ``{attribute: [message]}`` as Canvas's ``DeepLinkingJwt`` validation renders it:
the token's form (``jwt``: "JWT format is invalid"), its client (``iss``, "Client not found"), its RS256
signature by the key's public JWK or, by ``kid``, its JWKS URL ("JWT verification failure"), the standard
claims of Canvas's ``JwtValidator`` (``base``: missing assertions, "the 'aud' is invalid" — ``aud`` must be or
contain the platform's issuer —, "the JWT has expired", an ``iat`` more than 300 s old or in the future), the
key active and on in the account (``developer_key``). Beyond Canvas, as the documents ask (ims-facts.md §3.4:
``nonce`` required; replays rejected): the nonce is used once, the message type must be
``LtiDeepLinkingResponse``, the version ``1.3.0`` and the ``deployment_id`` that of the tool in the course
(real Canvas checks none of these three). Then the return URL's ``data`` (400 ``{"errors": {"data_jwt":
[…]}}`` with Canvas's "Do not modify the deep_link_return_url in any way." or "Do not attempt to submit
content items multiple times."), the ``data`` claim echoed unchanged, the browser's user a teacher of the
course and the tool installed there (401, Canvas's ``render_unauthorized_action``), and finally the content
items' shapes (400 ``{"content_items": […]}``, the mock's own: Canvas's front end would fail on them).
Nothing is created on a refusal.

**What the items create.** Canvas's controller creates some things itself and leaves the rest to its front
end (the editor inserts HTML, the assignment form takes the link); the mock does both at once so that a
client can read everything back:

* ``assignment_selection`` (accept_multiple false): the first ``ltiResourceLink`` becomes an external-tool
  assignment — its line item visible through AGS to the tool — named by ``lineItem.label`` (else the title),
  worth ``lineItem.scoreMaximum`` (else 0, the form's blank), with the lineItem's resourceId and tag. Items
  past the first are not created (Canvas's assignment holds one link; its controller never reads
  accept_multiple).
* module placements (link_selection, module_index_menu_modal, module_menu_modal, course_assignments_menu):
  each ``ltiResourceLink`` with a ``lineItem`` becomes such an assignment (Canvas's
  ``create_update_assignment!``; a lineItem without scoreMaximum is that item's error,
  "lineItem.scoreMaximum is a required field", and the others go on); each ``ltiResourceLink`` without one a
  module item of type ``ExternalTool``. They go into a new unpublished module "New Content From App" (Canvas
  makes it for module_index_menu_modal and course_assignments_menu; for the others it uses the module the
  teacher opened the tool from, which the mock does not have). Canvas lists them at
  ``GET /api/v1/courses/:id/modules`` and ``…/modules/:id/items``.
* ``editor_button``: nothing is stored; the answer page hands the items (link, file, html, image,
  ltiResourceLink) to the editor, as Canvas's does. An ``ltiResourceLink`` gets a resource link.
* an item whose type the placement does not accept is not created; the page names it.

The answer page shows ``msg`` and ``errormsg`` (with Canvas's "Message from external tool: " prefixes) and
carries Canvas's ``deep_link_response`` object (placement, content items with their errors and what they
became, msg, log, errormsg, errorlog, reloadpage, moduleCreated) as JSON in
``<script type="application/json" id="deep_link_response">``.
"""

from __future__ import annotations

import html
import json
import secrets
import time
from dataclasses import dataclass
from functools import partial
from typing import Any
from urllib.parse import urlencode

import jwt
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.routing import Route

from lti_harness.vocab import LTI_CLAIM

from . import faults, forms, launches, oauth, web
from .config import Platform
from .store import Course, DeveloperKey, LineItem, User

DL_CLAIM = "https://purl.imsglobal.org/spec/lti-dl/claim/"
SETTINGS_CLAIM = DL_CLAIM + "deep_linking_settings"
REQUEST_TYPE = "LtiDeepLinkingRequest"
RESPONSE_TYPE = "LtiDeepLinkingResponse"
LTI_LINK_MEDIA = "application/vnd.ims.lti.v1.ltilink"
ITEM_TYPES = ("ltiResourceLink", "link", "file", "html", "image")
MAX_ITEMS = 100
IAT_MAX_AGE = 300  # Canvas's JwtValidator: iat at most 5 minutes old
IAT_FUTURE = 30  # … and at most 30 seconds ahead
MAX_USED = 100_000
MODULE_NAME = "New Content From App"
DATA_ERRORS = {"presence_required": "Do not modify the deep_link_return_url in any way.",
               "invalid_or_malformed": "Do not modify the deep_link_return_url in any way.",
               "already_used": "Do not attempt to submit content items multiple times."}


@dataclass(frozen=True)
class PlacementSettings:
    """What a placement's deep-linking request asks for (Canvas's ``DEEP_LINKING_DETAILS``)."""

    accept_multiple: bool
    accept_types: tuple[str, ...]
    auto_create: bool
    document_targets: tuple[str, ...]
    media_types: tuple[str, ...]


_LINKS = partial(PlacementSettings, accept_types=("ltiResourceLink",), document_targets=("iframe", "window"), media_types=(LTI_LINK_MEDIA,))
PLACEMENTS: dict[str, PlacementSettings] = {
    "assignment_selection": _LINKS(accept_multiple=False, auto_create=False),
    "course_assignments_menu": _LINKS(accept_multiple=True, auto_create=False),
    "editor_button": PlacementSettings(True, ("link", "file", "html", "ltiResourceLink", "image"), False, ("embed", "iframe", "window"),
                                       ("image/*", "text/html", LTI_LINK_MEDIA, "*/*")),
    "link_selection": _LINKS(accept_multiple=True, auto_create=False),
    "module_index_menu_modal": _LINKS(accept_multiple=True, auto_create=True),
    "module_menu_modal": _LINKS(accept_multiple=True, auto_create=True),
}
LINE_ITEM_PLACEMENTS = {"assignment_selection", "course_assignments_menu", "link_selection", "module_index_menu_modal", "module_menu_modal"}
MODULE_PLACEMENTS = {"course_assignments_menu", "link_selection", "module_index_menu_modal", "module_menu_modal"}


def takes_content(settings: launches.ToolSettings, placement: str) -> bool:
    """Whether a launch from ``placement`` is a deep-linking request (unless its settings name another message type)."""
    configured = settings.placements.get(placement) or {}
    return placement in PLACEMENTS and configured.get("message_type", REQUEST_TYPE) == REQUEST_TYPE


# --- the request ----------------------------------------------------------------------------------

def _data_token(platform: Platform, key: DeveloperKey, course: Course, user: User, placement: str) -> str:
    """The opaque ``data`` of one request: signed by the platform, used once."""
    claims = {"nonce": secrets.token_urlsafe(16), "placement": placement, "modal": True, "client_id": key.id,
              "course_id": course.id, "user_id": user.id, "iat": int(time.time())}
    return jwt.encode(claims, platform.secret, algorithm="HS256")


def request_claims(request: Request, platform: Platform, key: DeveloperKey, course: Course, user: User, placement: str,
                   claims: dict[str, Any]) -> None:
    """Turn a launch's claims into a deep-linking request's (in place)."""
    wanted = PLACEMENTS[placement]
    data = _data_token(platform, key, course, user, placement)
    settings: dict[str, Any] = {
        "deep_link_return_url": f"{web.base_url(request)}/courses/{course.id}/deep_linking_response?{urlencode({'data': data})}",
        "accept_types": list(wanted.accept_types),
        "accept_presentation_document_targets": list(wanted.document_targets),
        "accept_media_types": ",".join(wanted.media_types),
        "accept_multiple": wanted.accept_multiple,
        "auto_create": wanted.auto_create,
        "data": data,
    }
    if platform.has(faults.DL_SETTINGS_WITHOUT_ACCEPT_TYPES):
        del settings["accept_types"]
    claims[LTI_CLAIM + "message_type"] = REQUEST_TYPE
    claims.pop(LTI_CLAIM + "resource_link", None)
    claims[SETTINGS_CLAIM] = settings


async def resource_selection(request: Request) -> Response:
    """GET /courses/:course_id/external_tools/:tool_id/resource_selection?placement=…: the tool's launch from a
    placement — a deep-linking request where the placement takes content, a resource link otherwise."""
    platform = web.platform_of(request)
    course = launches._course(platform, request.path_params["course_id"])
    key = launches._installed(platform, course, request.path_params["tool_id"])
    user = launches._browser_user(request, platform, course)
    if user is None:
        return launches._choose_user(course, platform, request)  # the links keep the placement
    placement = request.query_params.get("placement") or request.query_params.get("launch_type") or "link_selection"
    if len(placement) > 64 or not placement.replace("_", "").isalnum():
        return launches._page("Unknown placement", "<p>The placement is not one of Canvas's.</p>", 400)
    if not takes_content(launches.tool_settings(platform, key), placement):
        return launches._login_initiation(request, platform, key, course, user, placement=placement)
    adjust = partial(request_claims, request, platform, key, course, user, placement)
    return launches._login_initiation(request, platform, key, course, user, placement=placement, adjust=adjust)


# --- the response: its checks ----------------------------------------------------------------------

def _refused(attribute: str, message: str) -> web.Refusal:
    return web.Refusal(400, {attribute: [message]})


def _used(request: Request) -> dict[str, float]:
    """What accepted responses used (response nonces and request data nonces), kept an hour (bounded)."""
    state = request.app.state
    if getattr(state, "deep_linking_used", None) is None:
        state.deep_linking_used = {}
    used: dict[str, float] = state.deep_linking_used
    now = time.time()
    if len(used) >= MAX_USED:
        for name in [n for n, until in used.items() if until < now][:MAX_USED // 2] or list(used)[:MAX_USED // 2]:
            used.pop(name, None)
    return used


def _standard_claims(platform: Platform, claims: dict[str, Any], issuer: str) -> None:
    """Canvas's ``JwtValidator`` over the response (iss as sub, nonce as jti), then the documents' nonce."""
    lax_exp = platform.has(faults.DL_EXP_NOT_CHECKED)
    missing = [c for c in ("iss", "aud", "exp", "iat", "nonce") if c not in claims and not (c == "exp" and lax_exp)]
    if missing:
        raise _refused("base", f"the following assertions are missing: {','.join(missing)}")
    aud = claims["aud"]
    audiences = aud if isinstance(aud, list) else [aud]
    if issuer not in audiences and not platform.has(faults.DL_AUD_NOT_CHECKED):
        raise _refused("base", "the 'aud' is invalid")
    now = time.time()
    exp, iat = claims.get("exp"), claims["iat"]
    if exp is not None and (not isinstance(exp, (int, float)) or isinstance(exp, bool)):
        raise _refused("base", "the 'exp' must be a number")
    if isinstance(exp, (int, float)) and exp < now and not lax_exp:
        raise _refused("base", "the JWT has expired")
    if not isinstance(iat, (int, float)) or isinstance(iat, bool):
        raise _refused("base", "the 'iat' must be a number")
    if iat < now - IAT_MAX_AGE:
        raise _refused("base", f"the 'iat' must be less than {IAT_MAX_AGE} seconds old")
    if iat > now + IAT_FUTURE:
        raise _refused("base", "the 'iat' must not be in the future")
    if not isinstance(claims["nonce"], str) or not claims["nonce"]:
        raise _refused("nonce", "the 'nonce' must be a non-empty string")


async def verified_response(request: Request, platform: Platform, course: Course, token: str) -> tuple[DeveloperKey, dict[str, Any]]:
    """The tool's key and the response JWT's claims, once every check of the token has passed (else 400)."""
    try:
        header = jwt.get_unverified_header(token)
        claims = jwt.decode(token, options={"verify_signature": False})
    except jwt.PyJWTError:
        raise _refused("jwt", "JWT format is invalid") from None
    if not isinstance(claims, dict):
        raise _refused("jwt", "JWT format is invalid")
    iss = claims.get("iss")
    key = platform.store.developer_key(iss) if isinstance(iss, str) and iss else None
    if key is None or not key.is_lti_key or key.workflow_state == "deleted":
        raise _refused("jwt", "Client not found")
    if not platform.has(faults.DL_SIGNATURE_NOT_CHECKED):
        try:  # the key's public JWK, or the JWKS at its URL by kid (no token-endpoint fault applies here)
            await oauth._verify_signature(token, header, key, (), platform.config.jwks_loopback_only, request.app.state.outbound)
        except oauth.OAuthError:
            raise _refused("jwt", "JWT verification failure") from None
    _standard_claims(platform, claims, platform.config.issuer or web.base_url(request))
    if key.workflow_state != "active":
        raise _refused("developer_key", "Developer key inactive")
    if key.binding != "on":
        raise _refused("developer_key", "Developer key inactive in context")
    if f"nonce:{key.id}:{claims['nonce']}" in _used(request) and not platform.has(faults.DL_RESPONSE_REPLAYABLE):
        raise _refused("nonce", "the 'nonce' has already been used")
    if claims.get(LTI_CLAIM + "message_type") != RESPONSE_TYPE and not platform.has(faults.DL_MESSAGE_TYPE_NOT_CHECKED):
        raise _refused("message_type", f"the message_type must be {RESPONSE_TYPE}")
    if claims.get(LTI_CLAIM + "version") != "1.3.0":
        raise _refused("version", "the version must be 1.3.0")
    deployment = course.tools.get(key.id)
    if claims.get(LTI_CLAIM + "deployment_id") != deployment and not platform.has(faults.DL_DEPLOYMENT_NOT_CHECKED):
        raise _refused("deployment_id", "the deployment_id is not the tool's deployment in this course")
    return key, claims


def _data_refused(kind: str) -> web.Refusal:
    return web.Refusal(400, {"errors": {"data_jwt": [{"attribute": "?data=JWT", "type": kind, "message": DATA_ERRORS[kind]}]}})


def return_data(request: Request, platform: Platform, course: Course, key: DeveloperKey) -> tuple[str, dict[str, Any]]:
    """The return URL's ``data`` (raw and decoded): the platform's own, for this course and tool, not used before."""
    raw = request.query_params.get("data", "")
    if not raw:
        raise _data_refused("presence_required")
    try:
        data = jwt.decode(raw, platform.secret, algorithms=["HS256"], options={"verify_exp": False})
    except jwt.PyJWTError:
        raise _data_refused("invalid_or_malformed") from None
    if not isinstance(data, dict) or data.get("course_id") != course.id or data.get("client_id") != key.id \
            or data.get("placement") not in PLACEMENTS:
        raise _data_refused("invalid_or_malformed")
    if f"data:{data.get('nonce')}" in _used(request) and not platform.has(faults.DL_RESPONSE_REPLAYABLE):
        raise _data_refused("already_used")
    return raw, data


# --- the response: its content items ----------------------------------------------------------------

def _is_url(value: Any) -> bool:
    return isinstance(value, str) and value.startswith(("https://", "http://")) and len(value) <= 4096


def _shape_problem(index: int, item: Any) -> str | None:
    """Why an item cannot be taken (the whole response is refused), or None."""
    if not isinstance(item, dict):
        return f"item {index} is not an object"
    kind = item.get("type")
    if not isinstance(kind, str) or not kind:
        return f"item {index} has no type"
    for name in ("title", "text"):
        if name in item and not isinstance(item[name], str):
            return f"item {index} ({kind}): {name} must be a string"
    if kind in ("link", "file", "image") and not _is_url(item.get("url")):
        return f"item {index} ({kind}): url must be an http(s) URL"
    if kind == "ltiResourceLink" and "url" in item and not _is_url(item["url"]):
        return f"item {index} (ltiResourceLink): url must be an http(s) URL"
    if kind == "html" and not isinstance(item.get("html"), str):
        return f"item {index} (html): html must be a string"
    if kind == "ltiResourceLink":
        custom = item.get("custom", {})
        if not isinstance(custom, dict) or not all(isinstance(v, str) for v in custom.values()):
            return f"item {index} (ltiResourceLink): custom must be an object of strings"
        line = item.get("lineItem")
        if line is not None:
            if not isinstance(line, dict):
                return f"item {index} (ltiResourceLink): lineItem must be an object"
            for name in ("label", "resourceId", "tag"):
                if name in line and not isinstance(line[name], str):
                    return f"item {index} (ltiResourceLink): lineItem.{name} must be a string"
            score = line.get("scoreMaximum")
            if score is not None and (isinstance(score, bool) or not isinstance(score, (int, float)) or not score > 0):
                return f"item {index} (ltiResourceLink): lineItem.scoreMaximum must be a number above 0"
    return None


def content_items(claims: dict[str, Any]) -> list[dict[str, Any]]:
    """The response's items (none when the claim is absent), else 400 naming what is wrong with them."""
    items = claims.get(DL_CLAIM + "content_items", [])
    if not isinstance(items, list):
        raise _refused("content_items", "content_items must be an array")
    if len(items) > MAX_ITEMS:
        raise _refused("content_items", f"at most {MAX_ITEMS} content items are taken at once")
    problems = [p for i, item in enumerate(items) if (p := _shape_problem(i, item)) is not None]
    if problems:
        raise web.Refusal(400, {"content_items": problems[:10]})
    return [dict(item) for item in items]


def _new_tab(item: dict[str, Any]) -> bool:
    window = item.get("window")
    return isinstance(window, dict) and window.get("targetName") == "_blank"


def _assignment(platform: Platform, course: Course, key: DeveloperKey, item: dict[str, Any]) -> LineItem:
    """An external-tool assignment for an ltiResourceLink (its lineItem's label, points, resourceId and tag)."""
    line = {} if platform.has(faults.DL_LINE_ITEM_IGNORED) else item.get("lineItem") or {}
    link = f"{platform.store.next_id()}-{secrets.token_hex(6)}"
    created = LineItem(id=platform.store.next_id(), course_id=course.id, label=str(line.get("label") or item.get("title") or "Untitled"),
                       score_maximum=float(line.get("scoreMaximum") or 0), client_id=key.id, resource_link_id=link,
                       resource_id=line.get("resourceId"), tag=line.get("tag"))
    course.resource_links[link] = key.id
    course.line_items.append(created)
    return created


def _module_item(module: dict[str, Any], kind: str, title: str, **fields: Any) -> dict[str, Any]:
    entry = {"id": len(module["items"]) + module["id"] * 1000 + 1, "module_id": module["id"], "position": len(module["items"]) + 1,
             "title": title, "indent": 0, "type": kind, "published": False, **fields}
    module["items"].append(entry)
    return entry


def create(platform: Platform, course: Course, key: DeveloperKey, placement: str, items: list[dict[str, Any]]) -> bool:
    """Create what ``items`` describe from ``placement`` (see the module's docstring); each item is marked with
    what it became or its error. Whether a module was created."""
    wanted = PLACEMENTS[placement]
    if not wanted.accept_multiple and not platform.has(faults.DL_ACCEPT_MULTIPLE_IGNORED):
        for extra in items[1:]:
            extra["errors"] = {"content_items": "the placement takes one content item (accept_multiple is false)"}
    tool_id = int(course.tools[key.id].split(":")[0])
    module: dict[str, Any] | None = None
    for item in items:
        if "errors" in item:
            continue
        kind = item["type"]
        if kind not in wanted.accept_types:
            item["errors"] = {"type": f"{kind} is not accepted from {placement}"}
            continue
        title = str(item.get("title") or item.get("url") or kind)
        line = item.get("lineItem") if placement in LINE_ITEM_PLACEMENTS and not platform.has(faults.DL_LINE_ITEM_IGNORED) else None
        if kind == "ltiResourceLink" and isinstance(line, dict) and line.get("scoreMaximum") is None:
            item["errors"] = {"lineItem.scoreMaximum": "lineItem.scoreMaximum is a required field"}
            continue
        if placement == "assignment_selection" or (kind == "ltiResourceLink" and line is not None):
            made = _assignment(platform, course, key, item)
            item["assignment_id"] = made.id
            if placement in MODULE_PLACEMENTS and placement != "course_assignments_menu":
                module = module or _new_module(platform, course)
                item["module_item_id"] = _module_item(module, "Assignment", made.label, content_id=made.id)["id"]
        elif placement in MODULE_PLACEMENTS:
            module = module or _new_module(platform, course)
            link = f"{platform.store.next_id()}-{secrets.token_hex(6)}"
            course.resource_links[link] = key.id
            item["module_item_id"] = _module_item(module, "ExternalTool", title, content_id=tool_id, external_url=item.get("url"),
                                                  new_tab=_new_tab(item))["id"]
        elif kind == "ltiResourceLink":  # the editor's LTI link: Canvas makes its resource link now
            link = f"{platform.store.next_id()}-{secrets.token_hex(6)}"
            course.resource_links[link] = key.id
            item["lookup_uuid"] = link
    return module is not None


def _new_module(platform: Platform, course: Course) -> dict[str, Any]:
    module = {"id": platform.store.next_id(), "name": MODULE_NAME, "position": len(course.modules) + 1,
              "workflow_state": "unpublished", "items": []}
    course.modules.append(module)
    return module


# --- the return endpoint ----------------------------------------------------------------------------

def _unauthorized() -> web.Refusal:
    return web.Refusal(401, "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>Unauthorized</title></head>"
                            "<body><h1>Unauthorized</h1><p>You are not authorized to perform this action.</p></body></html>",
                       media_type="text/html")


def _answer_page(placement: str, items: list[dict[str, Any]], claims: dict[str, Any], module_created: bool) -> HTMLResponse:
    """Canvas's answer: the messages shown, and its ``deep_link_response`` object for the page's script."""
    def said(name: str) -> str | None:
        value = claims.get(DL_CLAIM + name)
        return str(value) if value not in (None, "") else None

    msg, errormsg = said("msg"), said("errormsg")
    body = {"placement": placement, "content_items": items, "msg": f"Message from external tool: {msg}" if msg else None,
            "log": said("log"), "errormsg": f"Error message from external tool: {errormsg}" if errormsg else None,
            "errorlog": said("errorlog"), "reloadpage": placement in MODULE_PLACEMENTS, "moduleCreated": module_created}
    body = {k: v for k, v in body.items() if v is not None}
    shown = "".join(f'<p class="{name}">{html.escape(body[name])}</p>' for name in ("msg", "errormsg") if name in body)
    blob = json.dumps(body).replace("</", "<\\/")
    return HTMLResponse(f"<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>Content from the tool</title></head>"
                        f"<body><h1>Content from the tool</h1>{shown}"
                        f'<script type="application/json" id="deep_link_response">{blob}</script></body></html>',
                        headers={"Cache-Control": "no-store"})


async def deep_linking_response(request: Request) -> Response:
    """POST /courses/:course_id/deep_linking_response?data=… with the form field ``JWT``: the tool's
    LtiDeepLinkingResponse, checked as the module's docstring says; what its items describe is created."""
    platform = web.platform_of(request)
    course = launches._course(platform, request.path_params["course_id"])
    try:
        form = forms.decode((await web.body_bytes(request)).decode("utf-8"))
    except (forms.FormError, UnicodeDecodeError):
        form = {}  # read as a form without a JWT field
    token = form.get("JWT")
    if "JWT" not in form and platform.has(faults.DL_RETURN_WITHOUT_JWT_500):
        raise web.Refusal(500, "<html><body><h1>Internal Server Error</h1></body></html>", media_type="text/html")
    if not isinstance(token, str) or not token:
        raise _refused("jwt", "JWT format is invalid")
    key, claims = await verified_response(request, platform, course, token)
    raw, data = return_data(request, platform, course, key)
    if claims.get(DL_CLAIM + "data") != raw and not platform.has(faults.DL_DATA_NOT_COMPARED):
        raise _refused("data", "the data claim must be the deep-linking request's data, unchanged")
    user = launches.session_user(request, platform)
    if user is None or user.id not in course.teachers:
        raise _unauthorized()
    if key.id not in course.tools:
        raise _unauthorized()
    items = content_items(claims)
    placement = str(data["placement"])
    used = _used(request)
    until = time.time() + 3600
    used[f"nonce:{key.id}:{claims['nonce']}"] = used[f"data:{data.get('nonce')}"] = until
    module_created = create(platform, course, key, placement, items)
    return _answer_page(placement, items, claims, module_created)


ROUTES = [
    Route("/courses/{course_id}/external_tools/{tool_id}/resource_selection", resource_selection, methods=["GET"]),
    Route("/courses/{course_id}/deep_linking_response", deep_linking_response, methods=["POST"]),
]
