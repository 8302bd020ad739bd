"""A handful of Canvas REST reads a developer key's token may reach, guarded as Canvas guards API
requests (canvas-facts.md §3): a course, its rubrics, assignments, enrolments, tools and modules (with
their items), a user and a profile.

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

from . import apiscopes, faults, web
from .config import Platform
from .store import Course, LineItem

INSUFFICIENT = "Insufficient scopes on access token."
INVALID = "Invalid access token."


def guard(request: Request, platform: Platform) -> int:
    """The user id behind the request's token; else the 401 Canvas answers."""
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    token = token.strip() if scheme.lower() == "bearer" else ""
    if request.method in ("GET", "HEAD"):  # a token in the URL reads only: a cross-site form cannot write with it
        token = token or request.query_params.get("access_token", "")
    if not token:
        raise web.Refusal(401, {"status": "unauthenticated", "errors": [{"message": "user authorization required"}]})
    if secrets.compare_digest(token, platform.config.admin_token):
        return platform.config.admin_user_id
    stored = platform.store.user_token(token)
    if stored is None or stored.expires_at < time.time():
        raise web.api_error(INVALID, 401, web.CANVAS_REALM)
    key = platform.store.developer_key(stored.key_id)
    if key is None or key.workflow_state != "active":
        raise web.api_error(INVALID, 401, web.CANVAS_REALM)
    if key.binding != "on" and not platform.has(faults.BINDING_OFF_IGNORED):
        raise web.api_error(INVALID, 401, web.CANVAS_REALM)
    if key.require_scopes and not apiscopes.allowed(stored.scopes, request.method, request.url.path, platform.config.faults):
        raise web.api_error(INSUFFICIENT, 401)
    return stored.user_id


def path_course(request: Request, platform: Platform, name: str = "course_id", *, deleted: bool = False) -> Course:
    """The course the path names (a deleted one only with ``deleted``), else 404."""
    if platform.has(faults.COURSE_ID_500):
        int(request.path_params.get(name, ""))  # the bug: a non-numeric id raises, an unhandled error (500)
    course_id = web.parse_id(request.path_params.get(name, ""))
    course = platform.store.course(course_id) if course_id is not None else None
    if course is None or (course.workflow_state == "deleted" and not deleted):
        raise web.api_error(web.NOT_FOUND, 404)
    return course


def course_json(course: Course) -> dict[str, Any]:
    return {"id": course.id, "name": course.name, "account_id": course.account_id, "workflow_state": course.workflow_state, "course_code": f"C{course.id}"}


def assignment_json(request: Request, item: LineItem) -> dict[str, Any]:
    out: dict[str, Any] = {
        "id": item.id, "name": item.label, "points_possible": item.score_maximum, "course_id": item.course_id,
        "submission_types": item.submission_types, "allowed_attempts": item.allowed_attempts if item.allowed_attempts is not None else -1,
        "lti_line_item_url": f"{web.base_url(request)}/api/lti/courses/{item.course_id}/line_items/{item.id}",
    }
    if item.resource_link_id:
        out["external_tool_tag_attributes"] = {"content_id": item.client_id, "resource_link_id": item.resource_link_id}
    return out


async def course(request: Request) -> Response:
    """GET /api/v1/courses/:id."""
    platform = web.platform_of(request)
    guard(request, platform)
    return web.json_response(course_json(path_course(request, platform, "id")))


async def rubrics(request: Request) -> Response:
    """GET /api/v1/courses/:course_id/rubrics: none (a deleted course answers too)."""
    platform = web.platform_of(request)
    guard(request, platform)
    path_course(request, platform, deleted=True)
    return web.json_response([])


async def assignments(request: Request) -> Response:
    """GET /api/v1/courses/:course_id/assignments (a deleted course answers too)."""
    platform = web.platform_of(request)
    guard(request, platform)
    found = path_course(request, platform, deleted=True)
    return web.json_response([assignment_json(request, i) for i in found.line_items])


async def enrollments(request: Request) -> Response:
    """GET /api/v1/courses/:course_id/enrollments."""
    platform = web.platform_of(request)
    guard(request, platform)
    found = path_course(request, platform)
    kinds = [(uid, "StudentEnrollment") for uid in sorted(found.students)] + [(uid, "TeacherEnrollment") for uid in sorted(found.teachers)]
    return web.json_response([{"course_id": found.id, "user_id": uid, "type": kind, "enrollment_state": "active"} for uid, kind in kinds])


async def external_tools(request: Request) -> Response:
    """GET /api/v1/courses/:course_id/external_tools: LTI 1.3 deployments and LTI 1.1 tools."""
    platform = web.platform_of(request)
    guard(request, platform)
    found = path_course(request, platform)
    tools = [{"id": int(d.split(":")[0]), "developer_key_id": k, "deployment_id": d, "workflow_state": "public"} for k, d in found.tools.items()]
    tools += [{"id": int(t), "consumer_key": ck, "workflow_state": "public"} for t, (ck, _) in found.legacy_tools.items()]
    return web.json_response(tools)


def module_json(request: Request, course: Course, module: dict[str, Any], with_items: bool) -> dict[str, Any]:
    out = {k: v for k, v in module.items() if k != "items"}
    out.update(items_count=len(module["items"]), published=module.get("workflow_state") == "active",
               items_url=f"{web.base_url(request)}/api/v1/courses/{course.id}/modules/{module['id']}/items")
    if with_items:
        out["items"] = list(module["items"])
    return out


async def modules(request: Request) -> Response:
    """GET /api/v1/courses/:course_id/modules (``include[]=items`` adds each module's items): what deep links created."""
    platform = web.platform_of(request)
    guard(request, platform)
    found = path_course(request, platform)
    with_items = "items" in request.query_params.getlist("include[]")
    return web.json_response([module_json(request, found, m, with_items) for m in found.modules])


async def module_items(request: Request) -> Response:
    """GET /api/v1/courses/:course_id/modules/:module_id/items."""
    platform = web.platform_of(request)
    guard(request, platform)
    found = path_course(request, platform)
    module = next((m for m in found.modules if str(m["id"]) == request.path_params["module_id"]), None)
    if module is None:
        raise web.api_error(web.NOT_FOUND, 404)
    return web.json_response(list(module["items"]))


async def user(request: Request) -> Response:
    """GET /api/v1/users/:id (``self`` is the token's user)."""
    user_id = guard(request, web.platform_of(request))
    if request.path_params["id"] not in ("self", str(user_id)):
        raise web.api_error(web.NOT_FOUND, 404)
    return web.json_response({"id": user_id, "name": "Mock Admin", "sortable_name": "Admin, Mock"})


async def profile(request: Request) -> Response:
    """GET /api/v1/users/:user_id/profile (``self`` is the token's user)."""
    user_id = guard(request, web.platform_of(request))
    if request.path_params["user_id"] not in ("self", str(user_id)):
        raise web.api_error(web.NOT_FOUND, 404)
    return web.json_response({"id": user_id, "name": "Mock Admin", "primary_email": "admin@mock.invalid"})


ROUTES = [
    Route("/api/v1/courses/{id}", course, methods=["GET", "HEAD"]),
    Route("/api/v1/courses/{course_id}/rubrics", rubrics, methods=["GET", "HEAD"]),
    Route("/api/v1/courses/{course_id}/assignments", assignments, methods=["GET", "HEAD"]),
    Route("/api/v1/courses/{course_id}/enrollments", enrollments, methods=["GET", "HEAD"]),
    Route("/api/v1/courses/{course_id}/external_tools", external_tools, methods=["GET", "HEAD"]),
    Route("/api/v1/courses/{course_id}/modules", modules, methods=["GET", "HEAD"]),
    Route("/api/v1/courses/{course_id}/modules/{module_id}/items", module_items, methods=["GET", "HEAD"]),
    Route("/api/v1/users/{id}", user, methods=["GET", "HEAD"]),
    Route("/api/v1/users/{user_id}/profile", profile, methods=["GET", "HEAD"]),
]
