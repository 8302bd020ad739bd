"""The routes that set up a course's data on the mock: create a course and users (admin), enrol a
user and install a tool in a course (admin), create an assignment, rename, conclude or delete a
course. The last three are Canvas REST writes: any token the REST guard passes may make them (the
admin token, or a user token whose scopes allow the write)."""

from __future__ import annotations

import secrets
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from . import web
from .config import Platform
from .rest import assignment_json, course_json, guard, path_course
from .store import Course, LineItem, User

ENROLLMENT_TYPES = {"StudentEnrollment": "students", "TeacherEnrollment": "teachers"}


@web.admin_only(account=True, body=True)
async def create_course(request: Request, platform: Platform, params: dict[str, Any]) -> Response:
    """POST /api/v1/accounts/:account_id/courses with ``course[name]`` (admin)."""
    fields = params.get("course") if isinstance(params.get("course"), dict) else {}
    name = fields.get("name") if isinstance(fields.get("name"), str) else "Unnamed Course"
    found = Course(id=platform.store.next_id(), name=name, account_id=platform.config.account_id)
    platform.store.add_course(found)
    return web.json_response(course_json(found))


@web.admin_only(account=True, body=True)
async def create_user(request: Request, platform: Platform, params: dict[str, Any]) -> Response:
    """POST /api/v1/accounts/:account_id/users with ``user[name]`` (admin)."""
    fields = params.get("user") if isinstance(params.get("user"), dict) else {}
    name = fields.get("name") if isinstance(fields.get("name"), str) and fields["name"].strip() else None
    if name is None:
        raise web.api_error("user[name] is missing", 400)
    user = User(id=platform.store.next_id(), name=name, lti_id=secrets.token_hex(16))
    platform.store.add_user(user)
    return web.json_response({"id": user.id, "name": user.name, "lti_user_id": user.lti_id})


@web.admin_only(body=True)
async def enroll(request: Request, platform: Platform, params: dict[str, Any]) -> Response:
    """POST /api/v1/courses/:course_id/enrollments with ``enrollment[user_id]`` and ``enrollment[type]`` (admin)."""
    found = path_course(request, platform, deleted=True)
    fields = params.get("enrollment") if isinstance(params.get("enrollment"), dict) else {}
    kind = fields.get("type", "StudentEnrollment")
    user_id = web.parse_id(fields.get("user_id", ""))
    user = platform.store.user(user_id) if user_id is not None else None
    if user is None:
        raise web.api_error("enrollment[user_id] names no user", 400)
    if kind not in ENROLLMENT_TYPES:
        raise web.api_error("enrollment[type] must be StudentEnrollment or TeacherEnrollment", 400)
    getattr(found, ENROLLMENT_TYPES[kind]).add(user.id)
    return web.json_response({"id": platform.store.next_id(), "course_id": found.id, "user_id": user.id, "type": kind, "enrollment_state": "active"})


@web.admin_only(body=True)
async def install_tool(request: Request, platform: Platform, params: dict[str, Any]) -> Response:
    """POST /api/v1/courses/:course_id/external_tools (admin): with ``client_id``, deploy an LTI 1.3
    key's tool in the course; with ``consumer_key`` and ``shared_secret``, install an LTI 1.1 tool."""
    found = path_course(request, platform, deleted=True)
    if "client_id" not in params and params.get("consumer_key") and params.get("shared_secret"):
        # an LTI 1.1 tool: a consumer key and shared secret sign its outcomes requests (seed 003)
        if not all(isinstance(params[k], str) for k in ("consumer_key", "shared_secret")):
            raise web.api_error("consumer_key and shared_secret must be strings", 400)
        tool_id = str(platform.store.next_id())
        found.legacy_tools[tool_id] = (params["consumer_key"], params["shared_secret"])
        request.app.state.legacy_tools[tool_id] = found.id
        return web.json_response({"id": int(tool_id), "name": str(params.get("name", "LTI 1.1 tool")), "consumer_key": params["consumer_key"], "workflow_state": "public"})
    key = platform.store.developer_key(str(params.get("client_id", "")))
    if key is None or not key.is_lti_key or key.workflow_state != "active":
        raise web.api_error("client_id does not name an active LTI developer key", 400)
    deployment = found.tools.setdefault(key.id, f"{platform.store.next_id()}:{secrets.token_hex(8)}")
    return web.json_response({"id": int(deployment.split(":")[0]), "name": key.name, "developer_key_id": key.id, "deployment_id": deployment, "workflow_state": "public"})


async def create_assignment(request: Request) -> Response:
    """POST /api/v1/courses/:course_id/assignments with ``assignment[name]``, ``points_possible``,
    ``submission_types[]``, ``allowed_attempts`` and ``external_tool_tag_attributes[content_id]`` (the
    LTI key's id, or its tool's): an assignment whose line item and resource link belong to that tool."""
    platform = web.platform_of(request)
    guard(request, platform)
    course = path_course(request, platform, deleted=True)
    params = await web.params(request)
    fields = params.get("assignment")
    if not isinstance(fields, dict) or not isinstance(fields.get("name"), str) or not fields["name"].strip():
        raise web.api_error("assignment[name] is missing", 400)
    try:
        points = float(fields.get("points_possible", 10))
        attempts = int(fields["allowed_attempts"]) if fields.get("allowed_attempts") not in (None, "", -1, "-1") else None
    except (TypeError, ValueError):
        raise web.api_error("points_possible and allowed_attempts must be numbers", 400) from None
    types = fields.get("submission_types") or ["external_tool"]
    if isinstance(types, str):
        types = [types]
    if not isinstance(types, list) or not all(isinstance(t, str) for t in types):
        raise web.api_error("submission_types must be a list of strings", 400)
    tag = fields.get("external_tool_tag_attributes") if isinstance(fields.get("external_tool_tag_attributes"), dict) else {}
    client_id = str(tag.get("content_id")) if tag.get("content_id") is not None else None
    if client_id is not None and client_id not in course.tools:  # the installed tool's id names its key too
        client_id = next((k for k, d in course.tools.items() if d.split(":")[0] == client_id), client_id)
    if client_id is not None and client_id not in course.tools:
        raise web.api_error("external_tool_tag_attributes[content_id] names no tool installed in this course", 400)
    link = f"{platform.store.next_id()}-{secrets.token_hex(6)}" if client_id else None
    item = LineItem(id=platform.store.next_id(), course_id=course.id, label=fields["name"], score_maximum=points,
                    client_id=client_id, resource_link_id=link, submission_types=types, allowed_attempts=attempts)
    if link and client_id:
        course.resource_links[link] = client_id
    course.line_items.append(item)
    return web.json_response(assignment_json(request, item))


async def update_course(request: Request) -> Response:
    """PUT /api/v1/courses/:id with ``course[name]`` and ``course[event]`` (``conclude`` or ``offer``)."""
    platform = web.platform_of(request)
    guard(request, platform)
    found = path_course(request, platform, "id")
    params = await web.params(request)
    fields = params.get("course") if isinstance(params.get("course"), dict) else {}
    if isinstance(fields.get("name"), str) and fields["name"].strip():
        found.name = fields["name"]
    if fields.get("event") == "conclude":
        found.workflow_state = "completed"
    elif fields.get("event") == "offer":
        found.workflow_state = "available"
    return web.json_response(course_json(found))


async def end_course(request: Request) -> Response:
    """DELETE /api/v1/courses/:id?event=delete|conclude."""
    platform = web.platform_of(request)
    guard(request, platform)
    found = path_course(request, platform, "id")
    event = request.query_params.get("event")
    if event not in ("delete", "conclude"):
        raise web.api_error("event must be delete or conclude", 400)
    found.workflow_state = "deleted" if event == "delete" else "completed"
    return web.json_response({event: True})


ROUTES = [
    Route("/api/v1/accounts/{account_id}/courses", create_course, methods=["POST"]),
    Route("/api/v1/accounts/{account_id}/users", create_user, methods=["POST"]),
    Route("/api/v1/courses/{course_id}/enrollments", enroll, methods=["POST"]),
    Route("/api/v1/courses/{course_id}/external_tools", install_tool, methods=["POST"]),
    Route("/api/v1/courses/{course_id}/assignments", create_assignment, methods=["POST"]),
    Route("/api/v1/courses/{id}", update_course, methods=["PUT"]),
    Route("/api/v1/courses/{id}", end_course, methods=["DELETE"]),
]
