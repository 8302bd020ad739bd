"""AGS under ``/api/lti/courses/:course_id/line_items…`` (seed 003; canvas-facts.md §4): line items,
scores and results, with the before-action chain that decides which error wins, Canvas's two
error body shapes, media types, ``limit`` paging with ``Link`` headers and request throttling.

Order (canvas-facts §4 "Before-action chain"): access token, developer key, scope (LtiServices);
binding, course, deleted course, tool deployment (AdvantageServices); concluded course, line item
ownership (GradebookServices); then, for scores: line item in context and resource link, user is a
student, required parameters, timestamp, scoreMaximum, submitted_at, content items, attempts.
The messages are the documented ones (seed 003 "Common Error Codes"); real Canvas ends two of them
with a period (fault ``messages-with-trailing-period``).

Each handler raises a :class:`~.web.Refusal` at the first check that fails; :func:`lti_service` runs
LtiServices and the throttle before it and puts the throttle headers on every later answer.
"""

from __future__ import annotations

import functools
import json
import math
import time
from datetime import datetime, timezone
from typing import Any, Awaitable, Callable
from urllib.parse import urlencode

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from lti_harness.vocab import CONTAINER_TYPE, LINEITEM_TYPE, RESULTS_TYPE, SCORE_TYPE
from lti_harness.vocab import LINEITEM_READONLY_SCOPE, LINEITEM_SCOPE, RESULT_READONLY_SCOPE, SCORE_SCOPE

from . import faults, oauth, validation, web
from .config import Platform
from .store import Course, DeveloperKey, LineItem, Result

SUBMISSION_EXT = "https://canvas.instructure.com/lti/submission"
STATUS_TYPES = {400: "bad_request", 401: "unauthorized", 404: "not_found", 412: "precondition_failed", 422: "unprocessable_entity"}
ACCEPT_GIVEN_SCORE = ("FullyGraded", "PendingManual")
DEFAULT_PAGE, MAX_PAGE = 10, 100
LINK_HEADERS_KEPT = 1024  # a Link header depends on the request's URL and the number of items only: kept, not rebuilt
_link_headers: dict[tuple[Any, ...], str] = {}
FUTURE_BUFFER = 60  # seconds a submitted_at may lie ahead (Setting ags_submitted_at_future_buffer)
# The range a timestamp must lie in (in UTC) to be read as one; outside it the documented 400 "not a
# valid timestamp" answers (README "Serving the mocks").
EARLIEST = datetime(1970, 1, 1, tzinfo=timezone.utc)
LATEST = datetime(3000, 1, 1, tzinfo=timezone.utc)

MESSAGES = {
    "concluded": "This course has concluded. AGS requests will no longer be accepted for this course.",
    "not_student": "User not found in course or is not a student",
    "max_negative": "ScoreMaximum must be greater than or equal to 0",
    "max_missing": "ScoreMaximum not supplied when ScoreGiven present",
    "content_items": "Content items must be provided with submission type 'online_upload'",
    "attempts": "The maximum number of allowed attempts has been reached for this submission",
    "link": "The specified LTI link ID is not associated with the line item",
    "permission": "Tool does not have permission to view line_item",
    "context": "Context is deleted or not found",
    "invalid_key": "Invalid Developer Key",
    "not_linked": "Access Token not linked to a Tool associated with this Context",
}


def message(platform: Platform, name: str) -> str:
    text = MESSAGES[name]
    if name in ("max_missing", "link") and platform.has(faults.MESSAGES_WITH_TRAILING_PERIOD):
        text += "."
    return text


def ags_error(text: str, status: int) -> web.Refusal:
    """``{"errors":{"type": <status symbol>, "message": ...}}`` (canvas-facts §4), to raise."""
    return web.Refusal(status, {"errors": {"type": STATUS_TYPES.get(status, "error"), "message": text}})


def parse_time(raw: Any, *, zone_required: bool = False) -> datetime | None:
    """An ISO 8601 timestamp (taken as UTC without a zone, as Canvas's loose parsing does, unless
    ``zone_required``) between ``EARLIEST`` and ``LATEST``, or None."""
    if not isinstance(raw, str) or not raw.strip() or len(raw) > 64:
        return None
    text = raw.strip().replace("Z", "+00:00").replace("z", "+00:00")
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        return None
    if parsed.tzinfo is None:
        if zone_required:
            return None
        parsed = parsed.replace(tzinfo=timezone.utc)
    try:
        in_range = EARLIEST <= parsed.astimezone(timezone.utc) < LATEST
    except (OverflowError, ValueError):
        return None
    return parsed if in_range else None


def iso3(moment: datetime) -> str:
    """Ruby's ``iso8601(3)`` of a UTC time: ``2024-05-01T10:00:00.123Z``."""
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


# --- throttling (canvas-facts §4 "Throttling") ------------------------------------------------


class Throttle:
    """A leaky bucket per client: each request adds ``cost``, the bucket drains ``outflow``/s,
    and a bucket at or above ``high_water_mark`` is full."""

    def __init__(self, high_water_mark: float = 600.0, cost: float = 0.01, outflow: float = 10.0) -> None:
        self.high_water_mark, self.cost, self.outflow = high_water_mark, cost, outflow
        self._buckets: dict[str, tuple[float, float]] = {}

    def take(self, client: str) -> tuple[bool, float]:
        """(allowed, remaining) after charging one request to ``client``."""
        now = time.monotonic()
        level, last = self._buckets.get(client, (0.0, now))
        level = max(0.0, level - (now - last) * self.outflow)
        if level >= self.high_water_mark:
            self._buckets[client] = (level, now)
            return False, 0.0
        level += self.cost
        self._buckets[client] = (level, now)
        return True, max(0.0, self.high_water_mark - level)


def throttle_headers(request: Request, platform: Platform, client: str) -> dict[str, str]:
    """Charge one request to ``client``: the headers its answer carries; a full bucket is refused."""
    throttle: Throttle = request.app.state.throttle
    allowed, remaining = throttle.take(client)
    if not allowed:
        if platform.has(faults.THROTTLE_WRONG_STATUS):
            raise web.api_error("Rate Limit Exceeded", 429)
        raise web.Refusal(403, "403 Forbidden (Rate Limit Exceeded)\n", {"X-Rate-Limit-Remaining": "0.0"}, media_type="text/plain")
    if platform.has(faults.NO_THROTTLE_HEADERS):
        return {}
    return {"X-Request-Cost": f"{throttle.cost:.4f}", "X-Rate-Limit-Remaining": f"{remaining:.1f}"}


# --- the before-action chain ------------------------------------------------------------------

Scopes = Callable[[Platform], tuple[str, ...]]
Handler = Callable[[Request, Platform, DeveloperKey], Awaitable[Response]]


def access_key(request: Request, platform: Platform, any_of: tuple[str, ...]) -> DeveloperKey:
    """LtiServices: the access token, its developer key and a scope among ``any_of`` (401)."""
    try:
        grant = web.lti_grant(request, platform, any_of)
    except oauth.TokenRejected as exc:
        raise ags_error(str(exc), 401) from None
    return grant.key


def lti_service(scopes: Scopes) -> Callable[[Handler], Callable[[Request], Awaitable[Response]]]:
    """An AGS route: LtiServices with the route's ``scopes``, then the throttle, then the handler
    with the token's developer key. Every answer after the throttle, the handler's or a refusal,
    carries the throttle headers."""

    def wrap(handler: Handler) -> Callable[[Request], Awaitable[Response]]:
        @functools.wraps(handler)
        async def route(request: Request) -> Response:
            platform = web.platform_of(request)
            headers: dict[str, str] = {}
            try:
                key = access_key(request, platform, scopes(platform))
                headers = throttle_headers(request, platform, key.id)
                response = await handler(request, platform, key)
            except web.Refusal as refusal:
                response = refusal.response()
            web.add_headers(response, headers)
            return response

        return route

    return wrap


def course_of(request: Request, platform: Platform, key: DeveloperKey) -> Course:
    """AdvantageServices (binding, course, deleted course, tool deployment), then GradebookServices's
    concluded course: the course in the path."""
    if key.binding != "on" and not platform.has(faults.AGS_IGNORES_BINDING):
        raise ags_error(message(platform, "invalid_key"), 401)
    course_id = web.parse_id(request.path_params["course_id"])
    course = platform.store.course(course_id) if course_id is not None else None
    if course is None:
        raise web.api_error(web.NOT_FOUND, 404)
    if course.workflow_state == "deleted":
        if platform.has(faults.CONTEXT_ERROR_WRONG_SHAPE):
            raise web.api_error(message(platform, "context"), 404)
        raise ags_error(message(platform, "context"), 404)
    if key.id not in course.tools and not platform.has(faults.UNLINKED_TOOL_ACCEPTED):
        raise ags_error(message(platform, "not_linked"), 401)
    if course.workflow_state == "completed" and not platform.has(faults.CONCLUDED_COURSE_ACCEPTED):
        raise ags_error(message(platform, "concluded"), 422)
    return course


def line_item_in_context(request: Request, platform: Platform, course: Course) -> LineItem:
    """verify_line_item_in_context: the path's line item in ``course``, else 404 generic."""
    item = next((i for i in course.line_items if str(i.id) == request.path_params["item_id"]), None)
    if item is None:
        if platform.has(faults.MISSING_LINE_ITEM_500):
            raise web.api_error("An internal error occurred.", 500)
        raise web.api_error(web.NOT_FOUND, 404)
    return item


def owned_line_item(request: Request, platform: Platform, key: DeveloperKey, course: Course) -> LineItem:
    """verify_line_item_client_id_connection (show, update, destroy): the line item, made by the key's tool."""
    item = line_item_in_context(request, platform, course)
    if item.client_id != key.id and not platform.has(faults.FOREIGN_LINE_ITEM_VISIBLE):
        raise ags_error(message(platform, "permission"), 412)
    return item


# --- bodies and answers -----------------------------------------------------------------------


async def json_object(request: Request) -> dict[str, Any]:
    """The request body as a JSON object (400 otherwise; 413 over the size cap)."""
    data = await web.body_bytes(request)
    kept = request.scope.get(validation.JSON_KEY)
    try:
        if kept is not None and kept[0] is data:  # the request validation parsed this very body
            body = kept[1]
        else:
            body = json.loads(data.decode("utf-8")) if data.strip() else {}
    except (UnicodeDecodeError, ValueError):
        raise web.api_error("The request body is not valid JSON.", 400) from None
    if not isinstance(body, dict):
        raise web.api_error("The request body must be a JSON object.", 400)
    return body


def answer(platform: Platform, body: Any, media_type: str, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    """An AGS answer in its media type (``application/json`` under the fault ``wrong-media-type``)."""
    if platform.has(faults.WRONG_MEDIA_TYPE):
        media_type = "application/json"
    return web.json_response(body, status, headers, media_type)


def page_of(request: Request, platform: Platform, items: list[Any]) -> tuple[list[Any], dict[str, str]]:
    """One page of ``items`` by ``limit`` and ``page``, and its RFC 8288 ``Link`` header (filters kept)."""
    q = web.query(request)
    try:
        limit = min(MAX_PAGE, max(1, int(q.get("limit", DEFAULT_PAGE))))
        page = max(1, int(q.get("page", "1")))
    except ValueError:
        raise web.api_error("limit and page must be whole numbers", 400) from None
    start = (page - 1) * limit
    if platform.has(faults.PAGINATION_SKIPS_ITEMS) and page > 1:
        start += 1  # the bug: an off-by-one between pages
    scope = request.scope
    slot = (web.base_url(request), scope["path"], scope.get("query_string", b""), len(items))
    header = _link_headers.get(slot)
    if header is None:
        header = link_header(request, limit, page, len(items))
        if len(_link_headers) >= LINK_HEADERS_KEPT:
            del _link_headers[next(iter(_link_headers))]
        _link_headers[slot] = header
    return items[start:start + limit], {"Link": header}


def link_header(request: Request, limit: int, page: int, count: int) -> str:
    """The ``Link`` header of page ``page`` of ``count`` items, ``limit`` a page, with the request's other parameters."""
    base = f"{web.base_url(request)}{request.url.path}"
    kept = [(k, v) for k, v in request.query_params.multi_items() if k not in ("page", "limit")]
    last = max(1, math.ceil(count / limit))
    query = f"{urlencode(kept)}&" if kept else ""  # the filters, then page and limit (digits: nothing to encode)

    def link(p: int, rel: str) -> str:
        return f'<{base}?{query}page={p}&limit={limit}>; rel="{rel}"'

    links = [link(page, "current"), link(1, "first"), link(last, "last")]
    if page < last:
        links.append(link(page + 1, "next"))
    if page > 1:
        links.append(link(page - 1, "prev"))
    return ", ".join(links)


def item_url(request: Request, item: LineItem) -> str:
    return f"{web.base_url(request)}/api/lti/courses/{item.course_id}/line_items/{item.id}"


def item_json(request: Request, item: LineItem) -> dict[str, Any]:
    out: dict[str, Any] = {"id": item_url(request, item), "scoreMaximum": item.score_maximum, "label": item.label}
    for name, value in (("resourceId", item.resource_id), ("tag", item.tag), ("resourceLinkId", item.resource_link_id),
                        ("startDateTime", item.start_date_time), ("endDateTime", item.end_date_time)):
        if value is not None:
            out[name] = value
    return out


def result_json(request: Request, platform: Platform, item: LineItem, result: Result) -> dict[str, Any]:
    user = platform.store.user(result.user_id)
    out: dict[str, Any] = {
        "id": f"{item_url(request, item)}/results/{result.user_id}",
        "scoreOf": item_url(request, item),
        "userId": user.lti_id if user else str(result.user_id),
    }
    if result.score_given is not None:
        out["resultScore"] = result.score_given
        out["resultMaximum"] = result.score_maximum
        if platform.has(faults.RESULT_SCORE_AS_STRING):
            out["resultScore"], out["resultMaximum"] = str(result.score_given), str(result.score_maximum)
    if result.comment:
        out["comment"] = result.comment
    return out


# --- line items -------------------------------------------------------------------------------


def read_scopes(platform: Platform) -> tuple[str, ...]:
    return (LINEITEM_SCOPE, LINEITEM_READONLY_SCOPE)


def write_scopes(platform: Platform) -> tuple[str, ...]:
    return (LINEITEM_SCOPE, LINEITEM_READONLY_SCOPE) if platform.has(faults.READONLY_CAN_WRITE) else (LINEITEM_SCOPE,)


async def line_item_body(request: Request) -> dict[str, Any]:
    """A line item body: a JSON object with ``label`` and ``scoreMaximum`` (400 when missing), a
    non-empty label, a finite scoreMaximum of 0 or more, and dates with a time zone (422)."""
    body = await json_object(request)
    for name in ("label", "scoreMaximum"):
        if name not in body:
            raise web.api_error(f"{name} is missing", 400)
    maximum = body["scoreMaximum"]
    if not isinstance(body["label"], str) or not body["label"].strip():
        raise ags_error("label must be a non-empty string", 422)
    if isinstance(maximum, bool) or not isinstance(maximum, (int, float)) or not math.isfinite(maximum) or maximum < 0:
        raise ags_error("scoreMaximum must be a number greater than or equal to 0", 422)
    for name in ("startDateTime", "endDateTime"):
        if body.get(name) not in (None, "") and parse_time(body[name], zone_required=True) is None:
            raise ags_error(f"{name} must be an ISO 8601 timestamp with a time zone, from 1970 up to 3000", 422)
    return body


@lti_service(read_scopes)
async def list_line_items(request: Request, platform: Platform, key: DeveloperKey) -> Response:
    """GET /api/lti/courses/:course_id/line_items (lineitem or lineitem.readonly): the calling tool's line items, filtered, one page."""
    course = course_of(request, platform, key)
    q = web.query(request)
    link_id, resource_id, tag = q.get("resource_link_id"), q.get("resource_id"), q.get("tag")
    unlinked_hidden = platform.has(faults.CREATED_LINE_ITEM_NOT_LISTED)
    everyone = platform.has(faults.LINE_ITEMS_OF_ALL_TOOLS)  # Canvas lists only the calling key's line items
    items = [i for i in course.line_items
             if (everyone or i.client_id == key.id)
             and (not link_id or i.resource_link_id == link_id)
             and (not resource_id or i.resource_id == resource_id)
             and (not tag or i.tag == tag)
             and not (unlinked_hidden and i.resource_link_id is None)]
    page, link = page_of(request, platform, items)
    return answer(platform, [item_json(request, i) for i in page], CONTAINER_TYPE, headers=link)


@lti_service(write_scopes)
async def create_line_item(request: Request, platform: Platform, key: DeveloperKey) -> Response:
    """POST /api/lti/courses/:course_id/line_items (lineitem); a resourceLinkId must be the tool's own."""
    course = course_of(request, platform, key)
    body = await line_item_body(request)
    link = body.get("resourceLinkId")
    if link is not None:
        owner = course.resource_links.get(str(link))
        if owner is None:
            raise web.api_error(web.NOT_FOUND, 404)
        if owner != key.id:
            raise web.Refusal(412, media_type=None)
    item = LineItem(
        id=platform.store.next_id(), course_id=course.id, label=body["label"], score_maximum=body["scoreMaximum"], client_id=key.id,
        resource_id=body.get("resourceId") if isinstance(body.get("resourceId"), str) else None,
        tag=body.get("tag") if isinstance(body.get("tag"), str) else None,
        resource_link_id=str(link) if link is not None else None,
        start_date_time=body.get("startDateTime") or None, end_date_time=body.get("endDateTime") or None,
    )
    course.line_items.append(item)
    return answer(platform, item_json(request, item), LINEITEM_TYPE, 201)


@lti_service(read_scopes)
async def show_line_item(request: Request, platform: Platform, key: DeveloperKey) -> Response:
    """GET /api/lti/courses/:course_id/line_items/:id (lineitem or lineitem.readonly)."""
    item = owned_line_item(request, platform, key, course_of(request, platform, key))
    return answer(platform, item_json(request, item), LINEITEM_TYPE)


@lti_service(write_scopes)
async def update_line_item(request: Request, platform: Platform, key: DeveloperKey) -> Response:
    """PUT /api/lti/courses/:course_id/line_items/:id (lineitem); its resourceLinkId cannot change."""
    item = owned_line_item(request, platform, key, course_of(request, platform, key))
    body = await line_item_body(request)
    if body.get("resourceLinkId") not in (None, item.resource_link_id):
        raise ags_error(message(platform, "link"), 412)
    item.label, item.score_maximum = body["label"], body["scoreMaximum"]
    for attr, name in (("resource_id", "resourceId"), ("tag", "tag"), ("start_date_time", "startDateTime"), ("end_date_time", "endDateTime")):
        if name in body:
            setattr(item, attr, body[name] or None)
    return answer(platform, item_json(request, item), LINEITEM_TYPE)


@lti_service(write_scopes)
async def delete_line_item(request: Request, platform: Platform, key: DeveloperKey) -> Response:
    """DELETE /api/lti/courses/:course_id/line_items/:id (lineitem): 204."""
    course = course_of(request, platform, key)
    item = owned_line_item(request, platform, key, course)
    if not platform.has(faults.LINE_ITEM_DELETE_IGNORED):
        course.line_items.remove(item)
    return Response(status_code=204)


# --- scores and results -----------------------------------------------------------------------


def score_scopes(platform: Platform) -> tuple[str, ...]:
    return (SCORE_SCOPE, RESULT_READONLY_SCOPE) if platform.has(faults.READONLY_SCOPE_CAN_POST) else (SCORE_SCOPE,)


def result_scopes(platform: Platform) -> tuple[str, ...]:
    return (RESULT_READONLY_SCOPE,)


def student_id(platform: Platform, course: Course, raw: Any) -> int | None:
    """The Canvas user id behind an LTI user id (or Canvas id) when that user is a student here."""
    if raw is None or isinstance(raw, (dict, list, bool)):
        return None
    user = platform.store.user_by_lti_id(str(raw))
    canvas_id = web.parse_id(raw)
    if user is None and canvas_id is not None:
        user = platform.store.user(canvas_id)
    return user.id if user is not None and user.id in course.students else None


def finite(value: Any) -> bool:
    return not isinstance(value, bool) and isinstance(value, (int, float)) and math.isfinite(value)


@lti_service(score_scopes)
async def scores(request: Request, platform: Platform, key: DeveloperKey) -> Response:
    """POST /api/lti/courses/:course_id/line_items/:id/scores (scope ``score``), checked in
    ScoresController's order (canvas-facts §4)."""
    course = course_of(request, platform, key)
    item = line_item_in_context(request, platform, course)
    body = await json_object(request)
    link = body.get("resourceLinkId")
    if link not in (None, "") and link != item.resource_link_id and not platform.has(faults.RESOURCE_LINK_MISMATCH_ACCEPTED):
        raise ags_error(message(platform, "link"), 412)
    # verify_user_in_context runs before the required parameters: a missing userId is "not a student"
    user_id = student_id(platform, course, body.get("userId"))
    if user_id is None:
        if not platform.has(faults.NON_STUDENT_SCORE_ACCEPTED) or body.get("userId") is None:
            raise ags_error(message(platform, "not_student"), 422)
        user_id = -1
    if not platform.has(faults.MISSING_PARAM_ACCEPTED):
        for name in ("activityProgress", "gradingProgress", "timestamp"):
            if body.get(name) in (None, ""):
                raise web.api_error(f"{name} is missing", 400)
    # verify_valid_timestamp
    raw_ts = body.get("timestamp")
    stamp = parse_time(raw_ts)
    result = item.results.get(user_id)
    if stamp is None and raw_ts is not None and not platform.has(faults.INVALID_TIMESTAMP_ACCEPTED):
        raise ags_error(f"Provided timestamp of {raw_ts} not a valid timestamp", 400)
    if stamp is not None and result is not None and result.updated_at and stamp.timestamp() < result.updated_at:
        if not platform.has(faults.OUT_OF_ORDER_TIMESTAMPS_ACCEPTED):
            last = datetime.fromtimestamp(result.updated_at, timezone.utc)
            raise ags_error(f"Provided timestamp of {raw_ts} before last updated timestamp of {iso3(last)}", 400)
    # verify_valid_score_maximum
    given, maximum = body.get("scoreGiven"), body.get("scoreMaximum")
    for name, value in (("ScoreGiven", given), ("ScoreMaximum", maximum)):
        if value is not None and not finite(value):
            raise ags_error(f"{name} must be a number", 422)
    counted = body.get("gradingProgress") in ACCEPT_GIVEN_SCORE and given is not None
    if counted:
        if maximum is None:
            if platform.has(faults.MISSING_SCORE_MAXIMUM_500):
                raise web.Refusal(500, "<html><body>Internal Server Error</body></html>", media_type="text/html")
            raise ags_error(message(platform, "max_missing"), 422)
        if maximum < 0 and not platform.has(faults.NEGATIVE_SCORE_MAXIMUM_ACCEPTED):
            raise ags_error(message(platform, "max_negative"), 422)
    # verify_valid_submitted_at
    ext = body.get(SUBMISSION_EXT) if isinstance(body.get(SUBMISSION_EXT), dict) else {}
    sub = body.get("submission") if isinstance(body.get("submission"), dict) else {}
    raw_sub = ext.get("submitted_at") or sub.get("submittedAt")
    if raw_sub:
        submitted = parse_time(raw_sub)
        if submitted is None:
            raise ags_error(f"Provided submitted_at timestamp of {raw_sub} not a valid timestamp", 400)
        if submitted.timestamp() > time.time() + FUTURE_BUFFER and not platform.has(faults.FUTURE_SUBMITTED_AT_ACCEPTED):
            raise ags_error(f"Provided submitted_at timestamp of {raw_sub} in the future", 400)
    # verify_valid_content_item_submission_type: content items come with the score's submission type online_upload
    if ext.get("content_items") and ext.get("submission_type") != "online_upload" and not platform.has(faults.CONTENT_ITEMS_ACCEPTED):
        raise ags_error(message(platform, "content_items"), 422)
    # verify_attempts_for_online_upload
    new_submission = bool(ext) and ext.get("new_submission", True) not in (False, "false") and ext.get("submission_type") != "none"
    if new_submission and item.allowed_attempts is not None and result is not None and result.attempts >= item.allowed_attempts:
        if not platform.has(faults.ATTEMPTS_NOT_ENFORCED):
            raise ags_error(message(platform, "attempts"), 422)
    # accepted: store the score (the newest timestamp wins; scores without scoreGiven clear it)
    if result is None:
        result = item.results[user_id] = Result(user_id=user_id)
    if not platform.has(faults.SCORE_NOT_STORED):
        result.score_given = given if counted else None
        result.score_maximum = maximum if counted else None
        result.comment = body.get("comment") if isinstance(body.get("comment"), str) else None
    result.activity_progress, result.grading_progress = str(body.get("activityProgress")), str(body.get("gradingProgress"))
    if stamp is not None:
        result.timestamp, result.updated_at = str(raw_ts), max(result.updated_at, stamp.timestamp())
    if new_submission:
        result.attempts += 1
        result.submitted_at = raw_sub or result.submitted_at
        if result.workflow_state == "unsubmitted":
            result.workflow_state = "submitted"
    if result.score_given is not None and result.grading_progress in ACCEPT_GIVEN_SCORE:  # the tool graded it (Canvas's grade_student)
        result.workflow_state, result.graded_by = ("pending_review" if result.grading_progress == "PendingManual" else "graded"), "tool"
    return answer(platform, {"resultUrl": f"{item_url(request, item)}/results/{user_id}"}, SCORE_TYPE)


@lti_service(result_scopes)
async def list_results(request: Request, platform: Platform, key: DeveloperKey) -> Response:
    """GET /api/lti/courses/:course_id/line_items/:id/results[?user_id] (scope ``result.readonly``): one page."""
    course = course_of(request, platform, key)
    item = line_item_in_context(request, platform, course)
    chosen = sorted(item.results.values(), key=lambda r: r.user_id)
    wanted = request.query_params.get("user_id")
    if wanted is not None:
        user_id = student_id(platform, course, wanted)
        chosen = [r for r in chosen if r.user_id == user_id]
    page, link = page_of(request, platform, chosen)
    return answer(platform, [result_json(request, platform, item, r) for r in page], RESULTS_TYPE, headers=link)


@lti_service(result_scopes)
async def show_result(request: Request, platform: Platform, key: DeveloperKey) -> Response:
    """GET /api/lti/courses/:course_id/line_items/:id/results/:result_id (scope ``result.readonly``)."""
    item = line_item_in_context(request, platform, course_of(request, platform, key))
    result = next((r for r in item.results.values() if str(r.user_id) == request.path_params["result_id"]), None)
    if result is None:
        raise web.api_error(web.NOT_FOUND, 404)
    return answer(platform, result_json(request, platform, item, result), RESULTS_TYPE)


ITEMS = "/api/lti/courses/{course_id}/line_items"
ROUTES = [  # no two paths overlap: the busiest routes come first, as the router tries them in order
    Route(ITEMS + "/{item_id}/scores", scores, methods=["POST"]),
    Route(ITEMS, list_line_items, methods=["GET"]),
    Route(ITEMS, create_line_item, methods=["POST"]),
    Route(ITEMS + "/{item_id}", show_line_item, methods=["GET"]),
    Route(ITEMS + "/{item_id}", update_line_item, methods=["PUT"]),
    Route(ITEMS + "/{item_id}", delete_line_item, methods=["DELETE"]),
    Route(ITEMS + "/{item_id}/results", list_results, methods=["GET"]),
    Route(ITEMS + "/{item_id}/results/{result_id}", show_result, methods=["GET"]),
]
