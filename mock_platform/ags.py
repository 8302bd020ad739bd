"""AGS line items under ``/api/lti/courses/:course_id/line_items`` (canvas-facts.md §4), with the
before-action chain Canvas runs first: access token, developer key, scope (LtiServices), then the
key's binding, the course and the tool's deployment in it (AdvantageServices).

AGS-specific errors have the body ``{"errors":{"type": <status symbol>, "message": ...}}``; generic
Canvas errors (unknown course or line item) have ``{"errors":[{"message": ...}]}``.
"""

from __future__ import annotations

import json
import math
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from . import oauth
from .store import Course, DeveloperKey

AGS = "https://purl.imsglobal.org/spec/lti-ags/scope/"
LINEITEM, LINEITEM_READ = AGS + "lineitem", AGS + "lineitem.readonly"
LINEITEM_TYPE = "application/vnd.ims.lis.v2.lineitem+json"
CONTAINER_TYPE = "application/vnd.ims.lis.v2.lineitemcontainer+json"
STATUS_TYPES = {400: "bad_request", 401: "unauthorized", 404: "not_found", 412: "precondition_failed", 422: "unprocessable_entity"}


def _app():
    from . import app as app_module

    return app_module


def ags_error(message: str, status: int) -> Response:
    return _app()._json({"errors": {"type": STATUS_TYPES.get(status, "error"), "message": message}}, status)


def authorize(request: Request, any_of: tuple[str, ...]) -> tuple[DeveloperKey, Course] | Response:
    """Run Canvas's before-actions; the key and course, or the error response."""
    a = _app()
    platform = a._platform(request)
    try:
        grant = oauth.verify_access_token(
            request.headers.get("authorization"),
            store=platform.store,
            signing_key=platform.signing_key,
            token_url=f"{a.base_url(request)}/login/oauth2/token",
            any_of=any_of,
            faults=platform.config.faults,
        )
    except oauth.TokenRejected as exc:
        return ags_error(str(exc), 401)
    if grant.key.binding != "on":
        return ags_error("Invalid Developer Key", 401)
    raw = request.path_params["course_id"]
    course = platform.store.course(int(raw)) if raw.isdigit() else None
    if course is None:
        return a.api_error(a.NOT_FOUND, 404)
    if course.workflow_state == "deleted":
        return ags_error("Context is deleted or not found", 404)
    if grant.key.id not in course.tools:
        return ags_error("Access Token not linked to a Tool associated with this Context", 401)
    return grant.key, course


def _item_json(request: Request, course: Course, item: dict[str, Any]) -> dict[str, Any]:
    base = _app().base_url(request)
    out = {"id": f"{base}/api/lti/courses/{course.id}/line_items/{item['id']}"}
    out.update({k: v for k, v in item.items() if k not in ("id", "client_id")})
    return out


def _write_scopes(request: Request) -> tuple[str, ...]:
    if _app()._platform(request).has("readonly-can-write"):
        return (LINEITEM, LINEITEM_READ)
    return (LINEITEM,)


async def line_items(request: Request) -> Response:
    """GET (lineitem or lineitem.readonly) and POST (lineitem) /api/lti/courses/:course_id/line_items."""
    a = _app()
    writing = request.method == "POST"
    found = authorize(request, _write_scopes(request) if writing else (LINEITEM, LINEITEM_READ))
    if isinstance(found, Response):
        return found
    key, course = found
    platform = a._platform(request)
    if writing:
        data = await a._body_bytes(request)
        if isinstance(data, Response):
            return data
        try:
            body = json.loads(data.decode("utf-8")) if data.strip() else {}
        except (UnicodeDecodeError, ValueError):
            return a.api_error("The request body is not valid JSON.", 400)
        if not isinstance(body, dict):
            return a.api_error("The request body must be an object.", 400)
        for name in ("label", "scoreMaximum"):
            if name not in body:
                return a.api_error(f"{name} is missing", 400)
        maximum = body["scoreMaximum"]
        if not isinstance(body["label"], str) or not body["label"].strip():
            return ags_error("label must be a non-empty string", 422)
        if isinstance(maximum, bool) or not isinstance(maximum, (int, float)) or not math.isfinite(maximum) or maximum < 0:
            return ags_error("scoreMaximum must be a number greater than or equal to 0", 422)
        item = {"id": platform.store.next_id(), "label": body["label"], "scoreMaximum": maximum, "client_id": key.id}
        for name in ("resourceId", "tag", "startDateTime", "endDateTime"):
            if isinstance(body.get(name), str):
                item[name] = body[name]
        course.line_items.append(item)
        return a._json(_item_json(request, course, item), 201, media_type=LINEITEM_TYPE)
    items = [_item_json(request, course, i) for i in course.line_items]
    return a._json(items, media_type=CONTAINER_TYPE)


async def line_item(request: Request) -> Response:
    """GET /api/lti/courses/:course_id/line_items/:id."""
    a = _app()
    found = authorize(request, (LINEITEM, LINEITEM_READ))
    if isinstance(found, Response):
        return found
    _, course = found
    item = next((i for i in course.line_items if str(i["id"]) == request.path_params["item_id"]), None)
    if item is None:
        return a.api_error(a.NOT_FOUND, 404)
    return a._json(_item_json(request, course, item), media_type=LINEITEM_TYPE)


ROUTES = [
    Route("/api/lti/courses/{course_id}/line_items", line_items, methods=["GET", "POST"]),
    Route("/api/lti/courses/{course_id}/line_items/{item_id}", line_item, methods=["GET"]),
]
