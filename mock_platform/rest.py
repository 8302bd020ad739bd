"""A handful of Canvas REST routes, guarded as Canvas guards API requests (canvas-facts.md §3), and
the admin routes that set up their data: create a course, users and enrolments, install a tool in a
course. GET on the enrolment and tool routes is a scoped token's read (the scope checks probe it).

Order of the guard: token present (else 401 ``user authorization required``), token known and
unexpired, its key active and on in this account (else 401 ``Invalid access token.``), then the
scope check when the key requires scopes (else 401 ``Insufficient scopes on access token.``).
The admin token is a manually generated token: it carries no scopes and passes unscoped.
"""

from __future__ import annotations

import secrets
import time
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from . import admin, apiscopes
from .store import Course, LineItem, User

INSUFFICIENT = "Insufficient scopes on access token."
INVALID = "Invalid access token."


def _app():
    from . import app as app_module

    return app_module


def _invalid_token() -> Response:
    return _app()._json({"errors": [{"message": INVALID}]}, 401, {"WWW-Authenticate": 'Bearer realm="canvas-lms"'})


def guard(request: Request) -> tuple[int, Response | None]:
    """The user id behind the request's token, or the 401 Canvas answers."""
    a = _app()
    platform = a._platform(request)
    auth = request.headers.get("authorization", "")
    scheme, _, token = auth.partition(" ")
    token = token.strip() if scheme.lower() == "bearer" else ""
    if request.method in ("GET", "HEAD"):  # a token in the URL reads only: a cross-site form cannot write with it
        token = token or request.query_params.get("access_token", "")
    if not token:
        return 0, a._json({"status": "unauthenticated", "errors": [{"message": "user authorization required"}]}, 401)
    if secrets.compare_digest(token, platform.config.admin_token):
        return platform.config.admin_user_id, None
    stored = platform.store.user_token(token)
    if stored is None or stored.expires_at < time.time():
        return 0, _invalid_token()
    key = platform.store.developer_key(stored.key_id)
    if key is None or key.workflow_state != "active":
        return 0, _invalid_token()
    if key.binding != "on" and not platform.has("binding-off-ignored"):
        return 0, _invalid_token()
    if key.require_scopes and not apiscopes.allowed(stored.scopes, request.method, request.url.path, platform.config.faults):
        return 0, a._json({"errors": [{"message": INSUFFICIENT}]}, 401)
    return stored.user_id, None


def _course(request: Request, name: str = "course_id") -> Course | None:
    course_id = _app().parse_id(request.path_params.get(name, ""))
    return _app()._platform(request).store.course(course_id) if course_id is not None else None


def course_json(course: Course) -> dict[str, Any]:
    return {"id": course.id, "name": course.name, "account_id": course.account_id, "workflow_state": course.workflow_state, "course_code": f"C{course.id}"}


async def course(request: Request) -> Response:
    """GET, PUT (``course[name]``, ``course[event]=conclude``) and DELETE (``event=delete``) /api/v1/courses/:id."""
    a = _app()
    _, refused = guard(request)
    if refused:
        return refused
    found = _course(request, "id")
    if found is None or found.workflow_state == "deleted":
        return a.api_error(a.NOT_FOUND, 404)
    if request.method == "DELETE":
        event = request.query_params.get("event")
        if event not in ("delete", "conclude"):
            return a.api_error("event must be delete or conclude", 400)
        found.workflow_state = "deleted" if event == "delete" else "completed"
        return a._json({event: True})
    if request.method == "PUT":
        params = await admin._params(request)
        if isinstance(params, Response):
            return params
        fields = params.get("course") if isinstance(params.get("course"), dict) else {}
        if isinstance(fields.get("name"), str) and fields["name"].strip():
            found.name = fields["name"]
        if fields.get("event") == "conclude":
            found.workflow_state = "completed"
        elif fields.get("event") == "offer":
            found.workflow_state = "available"
    return a._json(course_json(found))


async def rubrics(request: Request) -> Response:
    a = _app()
    _, refused = guard(request)
    if refused:
        return refused
    if _course(request) is None:
        return a.api_error(a.NOT_FOUND, 404)
    return a._json([])


async def assignments(request: Request) -> Response:
    """GET and POST /api/v1/courses/:course_id/assignments."""
    a = _app()
    _, refused = guard(request)
    if refused:
        return refused
    found = _course(request)
    if found is None:
        return a.api_error(a.NOT_FOUND, 404)
    if request.method == "POST":
        return await _create_assignment(request, found)
    return a._json([assignment_json(request, i) for i in found.line_items])


def assignment_json(request: Request, item: LineItem) -> dict[str, Any]:
    out: dict[str, Any] = {
        "id": item.id, "name": item.label, "points_possible": item.score_maximum, "course_id": item.course_id,
        "submission_types": item.submission_types, "allowed_attempts": item.allowed_attempts if item.allowed_attempts is not None else -1,
        "lti_line_item_url": f"{_app().base_url(request)}/api/lti/courses/{item.course_id}/line_items/{item.id}",
    }
    if item.resource_link_id:
        out["external_tool_tag_attributes"] = {"content_id": item.client_id, "resource_link_id": item.resource_link_id}
    return out


async def _create_assignment(request: Request, course: Course) -> Response:
    """``assignment[name]``, ``points_possible``, ``submission_types[]``, ``allowed_attempts`` and
    ``external_tool_tag_attributes[content_id]`` (the LTI key's id): an assignment whose line item
    and resource link belong to that tool."""
    a = _app()
    platform = a._platform(request)
    params = await admin._params(request)
    if isinstance(params, Response):
        return params
    fields = params.get("assignment")
    if not isinstance(fields, dict) or not isinstance(fields.get("name"), str) or not fields["name"].strip():
        return a.api_error("assignment[name] is missing", 400)
    try:
        points = float(fields.get("points_possible", 10))
        attempts = int(fields["allowed_attempts"]) if fields.get("allowed_attempts") not in (None, "", -1, "-1") else None
    except (TypeError, ValueError):
        return a.api_error("points_possible and allowed_attempts must be numbers", 400)
    types = fields.get("submission_types") or ["external_tool"]
    if isinstance(types, str):
        types = [types]
    if not isinstance(types, list) or not all(isinstance(t, str) for t in types):
        return a.api_error("submission_types must be a list of strings", 400)
    tag = fields.get("external_tool_tag_attributes") if isinstance(fields.get("external_tool_tag_attributes"), dict) else {}
    client_id = str(tag.get("content_id")) if tag.get("content_id") is not None else None
    if client_id is not None and client_id not in course.tools:  # the installed tool's id names its key too
        client_id = next((k for k, d in course.tools.items() if d.split(":")[0] == client_id), client_id)
    if client_id is not None and client_id not in course.tools:
        return a.api_error("external_tool_tag_attributes[content_id] names no tool installed in this course", 400)
    link = f"{platform.store.next_id()}-{secrets.token_hex(6)}" if client_id else None
    item = LineItem(id=platform.store.next_id(), course_id=course.id, label=fields["name"], score_maximum=points,
                    client_id=client_id, resource_link_id=link, submission_types=types, allowed_attempts=attempts)
    if link and client_id:
        course.resource_links[link] = client_id
    course.line_items.append(item)
    return a._json(assignment_json(request, item))


def _readable_course(request: Request) -> Any:
    """The course a scoped token's GET names, or the refusal: the token's (guard), or 404 for a course
    that does not exist or was deleted."""
    _, refused = guard(request)
    if refused:
        return refused
    found = _course(request)
    if found is None or found.workflow_state == "deleted":
        a = _app()
        return a.api_error(a.NOT_FOUND, 404)
    return found


async def enrollments(request: Request) -> Response:
    """GET /api/v1/courses/:course_id/enrollments (a scoped token's read); POST enrols (admin)."""
    if request.method == "POST":
        return await enroll(request)
    found = _readable_course(request)
    if isinstance(found, Response):
        return found
    a = _app()
    kinds = [(uid, "StudentEnrollment") for uid in sorted(found.students)] + [(uid, "TeacherEnrollment") for uid in sorted(found.teachers)]
    return a._json([{"course_id": found.id, "user_id": uid, "type": kind, "enrollment_state": "active"} for uid, kind in kinds])


async def external_tools(request: Request) -> Response:
    """GET /api/v1/courses/:course_id/external_tools (a scoped token's read); POST installs a tool (admin)."""
    if request.method == "POST":
        return await install_tool(request)
    found = _readable_course(request)
    if isinstance(found, Response):
        return found
    a = _app()
    tools = [{"id": int(d.split(":")[0]), "developer_key_id": k, "deployment_id": d, "workflow_state": "public"} for k, d in found.tools.items()]
    tools += [{"id": int(t), "consumer_key": ck, "workflow_state": "public"} for t, (ck, _) in found.legacy_tools.items()]
    return a._json(tools)


@admin.admin_only(account=True, body=True)
async def create_user(request: Request, platform: Any, params: dict[str, Any]) -> Response:
    """POST /api/v1/accounts/:account_id/users with ``user[name]`` (admin)."""
    a = _app()
    fields = params.get("user") if isinstance(params.get("user"), dict) else {}
    name = fields.get("name") if isinstance(fields.get("name"), str) and fields["name"].strip() else None
    if name is None:
        return a.api_error("user[name] is missing", 400)
    user = User(id=platform.store.next_id(), name=name, lti_id=secrets.token_hex(16))
    platform.store.add_user(user)
    return a._json({"id": user.id, "name": user.name, "lti_user_id": user.lti_id})


ENROLLMENT_TYPES = {"StudentEnrollment": "students", "TeacherEnrollment": "teachers"}


@admin.admin_only(body=True)
async def enroll(request: Request, platform: Any, params: dict[str, Any]) -> Response:
    """POST /api/v1/courses/:course_id/enrollments with ``enrollment[user_id]`` and ``enrollment[type]`` (admin)."""
    a = _app()
    found = _course(request)
    if found is None:
        return a.api_error(a.NOT_FOUND, 404)
    fields = params.get("enrollment") if isinstance(params.get("enrollment"), dict) else {}
    kind = fields.get("type", "StudentEnrollment")
    user_id = a.parse_id(fields.get("user_id", ""))
    user = platform.store.user(user_id) if user_id is not None else None
    if user is None:
        return a.api_error("enrollment[user_id] names no user", 400)
    if kind not in ENROLLMENT_TYPES:
        return a.api_error("enrollment[type] must be StudentEnrollment or TeacherEnrollment", 400)
    getattr(found, ENROLLMENT_TYPES[kind]).add(user.id)
    return a._json({"id": platform.store.next_id(), "course_id": found.id, "user_id": user.id, "type": kind, "enrollment_state": "active"})


async def user(request: Request) -> Response:
    """GET /api/v1/users/:id (``self`` is the token's user)."""
    a = _app()
    user_id, refused = guard(request)
    if refused:
        return refused
    raw = request.path_params["id"]
    if raw not in ("self", str(user_id)):
        return a.api_error(a.NOT_FOUND, 404)
    return a._json({"id": user_id, "name": "Mock Admin", "sortable_name": "Admin, Mock"})


async def profile(request: Request) -> Response:
    a = _app()
    user_id, refused = guard(request)
    if refused:
        return refused
    if request.path_params["user_id"] not in ("self", str(user_id)):
        return a.api_error(a.NOT_FOUND, 404)
    return a._json({"id": user_id, "name": "Mock Admin", "primary_email": "admin@mock.invalid"})


@admin.admin_only(account=True, body=True)
async def create_course(request: Request, platform: Any, params: dict[str, Any]) -> Response:
    """POST /api/v1/accounts/:account_id/courses with ``course[name]`` (admin)."""
    a = _app()
    fields = params.get("course") if isinstance(params.get("course"), dict) else {}
    name = fields.get("name") if isinstance(fields.get("name"), str) else "Unnamed Course"
    found = Course(id=platform.store.next_id(), name=name, account_id=platform.config.account_id)
    platform.store.add_course(found)
    return a._json(course_json(found))


@admin.admin_only(body=True)
async def install_tool(request: Request, platform: Any, params: dict[str, Any]) -> Response:
    """POST /api/v1/courses/:course_id/external_tools with ``client_id``: deploy an LTI 1.3 key's tool in a course."""
    a = _app()
    found = _course(request)
    if found is None:
        return a.api_error(a.NOT_FOUND, 404)
    if "client_id" not in params and params.get("consumer_key") and params.get("shared_secret"):
        # an LTI 1.1 tool: a consumer key and shared secret sign its outcomes requests (seed 003)
        if not all(isinstance(params[k], str) for k in ("consumer_key", "shared_secret")):
            return a.api_error("consumer_key and shared_secret must be strings", 400)
        tool_id = str(platform.store.next_id())
        found.legacy_tools[tool_id] = (params["consumer_key"], params["shared_secret"])
        request.app.state.legacy_tools[tool_id] = found.id
        return a._json({"id": int(tool_id), "name": str(params.get("name", "LTI 1.1 tool")), "consumer_key": params["consumer_key"], "workflow_state": "public"})
    key = platform.store.developer_key(str(params.get("client_id", "")))
    if key is None or not key.is_lti_key or key.workflow_state != "active":
        return a.api_error("client_id does not name an active LTI developer key", 400)
    deployment = found.tools.setdefault(key.id, f"{platform.store.next_id()}:{secrets.token_hex(8)}")
    return a._json({"id": int(deployment.split(":")[0]), "name": key.name, "developer_key_id": key.id, "deployment_id": deployment, "workflow_state": "public"})


ROUTES = [
    Route("/api/v1/courses/{id}", course, methods=["GET", "PUT", "HEAD", "DELETE"]),
    Route("/api/v1/courses/{course_id}/rubrics", rubrics, methods=["GET", "HEAD"]),
    Route("/api/v1/courses/{course_id}/assignments", assignments, methods=["GET", "POST", "HEAD"]),
    Route("/api/v1/users/{id}", user, methods=["GET", "HEAD"]),
    Route("/api/v1/users/{user_id}/profile", profile, methods=["GET", "HEAD"]),
    Route("/api/v1/accounts/{account_id}/courses", create_course, methods=["POST"]),
    Route("/api/v1/courses/{course_id}/external_tools", external_tools, methods=["GET", "HEAD", "POST"]),
    Route("/api/v1/accounts/{account_id}/users", create_user, methods=["POST"]),
    Route("/api/v1/courses/{course_id}/enrollments", enrollments, methods=["GET", "HEAD", "POST"]),
]
