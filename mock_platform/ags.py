"""AGS under ``/api/lti/courses/:course_id/line_items…`` (seed 003; canvas-facts.md §4): line items,
scores and results, with the before-action chain that decides which error wins, Canvas's two
error body shapes, media types, ``limit`` paging with ``Link`` headers and request throttling.

Order (canvas-facts §4 "Before-action chain"): access token, developer key, scope (LtiServices);
binding, course, deleted course, tool deployment (AdvantageServices); concluded course, line item
ownership (GradebookServices); then, for scores: line item in context and resource link, user is a
student, required parameters, timestamp, scoreMaximum, submitted_at, content items, attempts.
The messages are the documented ones (seed 003 "Common Error Codes"); real Canvas ends two of them
with a period (fault ``messages-with-trailing-period``).
"""

from __future__ import annotations

import json
import math
import time
from datetime import datetime, timezone
from typing import Any
from urllib.parse import urlencode

from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route

from . import oauth
from .store import Course, DeveloperKey, LineItem, Result

AGS = "https://purl.imsglobal.org/spec/lti-ags/scope/"
LINEITEM, LINEITEM_READ, SCORE, RESULT_READ = AGS + "lineitem", AGS + "lineitem.readonly", AGS + "score", AGS + "result.readonly"
LINEITEM_TYPE = "application/vnd.ims.lis.v2.lineitem+json"
CONTAINER_TYPE = "application/vnd.ims.lis.v2.lineitemcontainer+json"
SCORE_TYPE = "application/vnd.ims.lis.v1.score+json"
RESULTS_TYPE = "application/vnd.ims.lis.v2.resultcontainer+json"
SUBMISSION_EXT = "https://canvas.instructure.com/lti/submission"
STATUS_TYPES = {400: "bad_request", 401: "unauthorized", 404: "not_found", 412: "precondition_failed", 422: "unprocessable_entity"}
ACCEPT_GIVEN_SCORE = ("FullyGraded", "PendingManual")
ACTIVITY = ("Initialized", "Started", "InProgress", "Submitted", "Completed")
GRADING = ("FullyGraded", "Pending", "PendingManual", "Failed", "NotReady")
DEFAULT_PAGE, MAX_PAGE = 10, 100
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


def _app():
    from . import app as app_module

    return app_module


def _platform(request: Request) -> Any:
    return _app()._platform(request)


def message(request: Request, name: str) -> str:
    text = MESSAGES[name]
    if name in ("max_missing", "link") and _platform(request).has("messages-with-trailing-period"):
        text += "."
    return text


def ags_error(message_text: str, status: int) -> Response:
    """``{"errors":{"type": <status symbol>, "message": ...}}`` (canvas-facts §4)."""
    return _app()._json({"errors": {"type": STATUS_TYPES.get(status, "error"), "message": message_text}}, status)


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


def throttled(request: Request, client: str) -> Response | dict[str, str]:
    """The 403 of a full bucket, or the headers to add to the answer."""
    platform = _platform(request)
    throttle: Throttle = request.app.state.throttle
    allowed, remaining = throttle.take(client)
    if not allowed:
        if platform.has("throttle-wrong-status"):
            return _app()._json({"errors": [{"message": "Rate Limit Exceeded"}]}, 429)
        return PlainTextResponse("403 Forbidden (Rate Limit Exceeded)\n", 403, headers={"X-Rate-Limit-Remaining": "0.0"})
    if platform.has("no-throttle-headers"):
        return {}
    return {"X-Request-Cost": f"{throttle.cost:.4f}", "X-Rate-Limit-Remaining": f"{remaining:.1f}"}


# --- the before-action chain ------------------------------------------------------------------


def authorize(request: Request, any_of: tuple[str, ...]) -> tuple[DeveloperKey, Course, dict[str, str]] | Response:
    """LtiServices and AdvantageServices checks; the key, the course and throttle headers, or the error."""
    a = _app()
    platform = _platform(request)
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
    headers = throttled(request, grant.key.id)
    if isinstance(headers, Response):
        return headers
    if grant.key.binding != "on" and not platform.has("ags-ignores-binding"):
        return _with(ags_error(message(request, "invalid_key"), 401), headers)
    course_id = a.parse_id(request.path_params["course_id"])
    course = platform.store.course(course_id) if course_id is not None else None
    if course is None:
        return _with(a.api_error(a.NOT_FOUND, 404), headers)
    if course.workflow_state == "deleted":
        if platform.has("context-error-wrong-shape"):
            return _with(a.api_error(message(request, "context"), 404), headers)
        return _with(ags_error(message(request, "context"), 404), headers)
    if grant.key.id not in course.tools and not platform.has("unlinked-tool-accepted"):
        return _with(ags_error(message(request, "not_linked"), 401), headers)
    if course.workflow_state == "completed" and not platform.has("concluded-course-accepted"):
        return _with(ags_error(message(request, "concluded"), 422), headers)
    return grant.key, course, headers


def _with(response: Response, headers: dict[str, str]) -> Response:
    response.headers.update(headers)
    return response


def _json(request: Request, body: Any, headers: dict[str, str], status: int = 200, media_type: str = "application/json") -> Response:
    if _platform(request).has("wrong-media-type"):
        media_type = "application/json"
    return _app()._json(body, status, headers=headers, media_type=media_type)


def _line_item(course: Course, raw: str) -> LineItem | None:
    return next((i for i in course.line_items if str(i.id) == raw), None)


def item_url(request: Request, item: LineItem) -> str:
    return f"{_app().base_url(request)}/api/lti/courses/{item.course_id}/line_items/{item.id}"


def item_json(request: Request, item: LineItem) -> dict[str, Any]:
    out: dict[str, Any] = {"id": item_url(request, item), "scoreMaximum": item.score_maximum, "label": item.label}
    for name, value in (("resourceId", item.resource_id), ("tag", item.tag), ("resourceLinkId", item.resource_link_id),
                        ("startDateTime", item.start_date_time), ("endDateTime", item.end_date_time)):
        if value is not None:
            out[name] = value
    return out


async def _body(request: Request) -> dict[str, Any] | Response:
    a = _app()
    data = await a._body_bytes(request)
    if isinstance(data, Response):
        return data
    try:
        body = json.loads(data.decode("utf-8")) if data.strip() else {}
    except (UnicodeDecodeError, ValueError):
        return a.api_error("The request body is not valid JSON.", 400)
    return body if isinstance(body, dict) else a.api_error("The request body must be a JSON object.", 400)


def _page(request: Request, items: list[Any], headers: dict[str, str]) -> list[Any] | Response:
    """One page of ``items`` by ``limit`` and ``page``, with an RFC 8288 ``Link`` header (filters kept)."""
    a = _app()
    q = request.query_params
    try:
        limit = min(MAX_PAGE, max(1, int(q.get("limit", DEFAULT_PAGE))))
        page = max(1, int(q.get("page", "1")))
    except ValueError:
        return _with(a.api_error("limit and page must be whole numbers", 400), headers)
    start = (page - 1) * limit
    if _platform(request).has("pagination-skips-items") and page > 1:
        start += 1  # the bug: an off-by-one between pages
    chunk = items[start:start + limit]
    base = f"{a.base_url(request)}{request.url.path}"
    kept = [(k, v) for k, v in q.multi_items() if k not in ("page", "limit")]
    last = max(1, math.ceil(len(items) / limit))

    def link(p: int, rel: str) -> str:
        return f'<{base}?{urlencode([*kept, ("page", str(p)), ("limit", str(limit))])}>; rel="{rel}"'

    links = [link(page, "current"), link(1, "first"), link(last, "last")]
    if page < last:
        links.append(link(page + 1, "next"))
    if page > 1:
        links.append(link(page - 1, "prev"))
    headers["Link"] = ", ".join(links)
    return chunk


# --- line items -------------------------------------------------------------------------------


def _write_scopes(request: Request) -> tuple[str, ...]:
    return (LINEITEM, LINEITEM_READ) if _platform(request).has("readonly-can-write") else (LINEITEM,)


def _validate_item(request: Request, body: dict[str, Any], headers: dict[str, str]) -> Response | None:
    a = _app()
    for name in ("label", "scoreMaximum"):
        if name not in body:
            return _with(a.api_error(f"{name} is missing", 400), headers)
    maximum = body["scoreMaximum"]
    if not isinstance(body["label"], str) or not body["label"].strip():
        return _with(ags_error("label must be a non-empty string", 422), headers)
    if isinstance(maximum, bool) or not isinstance(maximum, (int, float)) or not math.isfinite(maximum) or maximum < 0:
        return _with(ags_error("scoreMaximum must be a number greater than or equal to 0", 422), headers)
    for name in ("startDateTime", "endDateTime"):
        if body.get(name) not in (None, "") and parse_time(body[name], zone_required=True) is None:
            return _with(ags_error(f"{name} must be an ISO 8601 timestamp with a time zone, from 1970 up to 3000", 422), headers)
    return None


async def line_items(request: Request) -> Response:
    """GET (lineitem or lineitem.readonly) and POST (lineitem) /api/lti/courses/:course_id/line_items."""
    a = _app()
    writing = request.method == "POST"
    found = authorize(request, _write_scopes(request) if writing else (LINEITEM, LINEITEM_READ))
    if isinstance(found, Response):
        return found
    key, course, headers = found
    platform = _platform(request)
    if not writing:
        q = request.query_params
        items = [i for i in course.line_items
                 if (not q.get("resource_link_id") or i.resource_link_id == q["resource_link_id"])
                 and (not q.get("resource_id") or i.resource_id == q["resource_id"])
                 and (not q.get("tag") or i.tag == q["tag"])
                 and not (platform.has("created-line-item-not-listed") and i.resource_link_id is None)]
        page = _page(request, items, headers)
        if isinstance(page, Response):
            return page
        return _json(request, [item_json(request, i) for i in page], headers, media_type=CONTAINER_TYPE)
    body = await _item_body(request, headers)
    if isinstance(body, Response):
        return body
    link = body.get("resourceLinkId")
    if link is not None:
        owner = course.resource_links.get(str(link))
        if owner is None:
            return _with(a.api_error(a.NOT_FOUND, 404), headers)
        if owner != key.id:
            return _with(Response(status_code=412), headers)
    item = LineItem(
        id=platform.store.next_id(), course_id=course.id, label=body["label"], score_maximum=body["scoreMaximum"], client_id=key.id,
        resource_id=body.get("resourceId") if isinstance(body.get("resourceId"), str) else None,
        tag=body.get("tag") if isinstance(body.get("tag"), str) else None,
        resource_link_id=str(link) if link is not None else None,
        start_date_time=body.get("startDateTime") or None, end_date_time=body.get("endDateTime") or None,
    )
    course.line_items.append(item)
    return _json(request, item_json(request, item), headers, 201, LINEITEM_TYPE)


async def _item_body(request: Request, headers: dict[str, str]) -> dict[str, Any] | Response:
    """A line item body that reads and validates, or the error to answer."""
    body = await _body(request)
    if isinstance(body, Response):
        return _with(body, headers)
    return _validate_item(request, body, headers) or body


def _owned(request: Request, key: DeveloperKey, course: Course, headers: dict[str, str]) -> LineItem | Response:
    """verify_line_item_client_id_connection of the line item routes (show, update, destroy)."""
    item = _score_item(request, course, headers)
    if isinstance(item, Response):
        return item
    if item.client_id != key.id and not _platform(request).has("foreign-line-item-visible"):
        return _with(ags_error(message(request, "permission"), 412), headers)
    return item


async def line_item(request: Request) -> Response:
    """GET, PUT (lineitem) and DELETE (lineitem) /api/lti/courses/:course_id/line_items/:id."""
    a = _app()
    scopes = (LINEITEM, LINEITEM_READ) if request.method == "GET" else _write_scopes(request)
    found = authorize(request, scopes)
    if isinstance(found, Response):
        return found
    key, course, headers = found
    item = _owned(request, key, course, headers)
    if isinstance(item, Response):
        return item
    if request.method == "DELETE":
        if not _platform(request).has("line-item-delete-ignored"):
            course.line_items.remove(item)
        return _with(Response(status_code=204), headers)
    if request.method == "PUT":
        body = await _item_body(request, headers)
        if isinstance(body, Response):
            return body
        if body.get("resourceLinkId") not in (None, item.resource_link_id):
            return _with(ags_error(message(request, "link"), 412), headers)
        item.label, item.score_maximum = body["label"], body["scoreMaximum"]
        for attr, name in (("resource_id", "resourceId"), ("tag", "tag"), ("start_date_time", "startDateTime"), ("end_date_time", "endDateTime")):
            if name in body:
                setattr(item, attr, body[name] or None)
    return _json(request, item_json(request, item), headers, media_type=LINEITEM_TYPE)


# --- scores and results -----------------------------------------------------------------------


def _student(platform: Any, course: Course, raw: Any) -> int | None:
    """The Canvas user id behind an LTI user id (or Canvas id) when that user is a student here."""
    if raw is None or isinstance(raw, (dict, list, bool)):
        return None
    user = platform.store.user_by_lti_id(str(raw))
    canvas_id = _app().parse_id(raw)
    if user is None and canvas_id is not None:
        user = platform.store.user(canvas_id)
    return user.id if user is not None and user.id in course.students else None


def _score_item(request: Request, course: Course, headers: dict[str, str]) -> LineItem | Response:
    """verify_line_item_in_context: unknown or foreign line item → 404; wrong resourceLinkId → 412."""
    a = _app()
    item = _line_item(course, request.path_params["item_id"])
    if item is None:
        if _platform(request).has("missing-line-item-500"):
            return _with(a.api_error("An internal error occurred.", 500), headers)
        return _with(a.api_error(a.NOT_FOUND, 404), headers)
    return item


async def scores(request: Request) -> Response:
    """POST /api/lti/courses/:course_id/line_items/:id/scores (scope ``score``)."""
    a = _app()
    platform = _platform(request)
    scopes = (SCORE, RESULT_READ) if platform.has("readonly-scope-can-post") else (SCORE,)
    found = authorize(request, scopes)
    if isinstance(found, Response):
        return found
    _, course, headers = found
    item = _score_item(request, course, headers)
    if isinstance(item, Response):
        return item
    body = await _body(request)
    if isinstance(body, Response):
        return _with(body, headers)
    link = body.get("resourceLinkId")
    if link not in (None, "") and link != item.resource_link_id and not platform.has("resource-link-mismatch-accepted"):
        return _with(ags_error(message(request, "link"), 412), headers)
    user_id = _student(platform, course, body.get("userId"))
    if user_id is None:
        if not platform.has("non-student-score-accepted") or body.get("userId") is None:
            return _with(ags_error(message(request, "not_student"), 422), headers)
        user_id = -1
    if not platform.has("missing-param-accepted"):
        for name in ("activityProgress", "gradingProgress", "timestamp"):
            if body.get(name) in (None, ""):
                return _with(a.api_error(f"{name} is missing", 400), headers)
    raw_ts = body.get("timestamp")
    stamp = parse_time(raw_ts)
    result = item.results.get(user_id)
    if stamp is None and raw_ts is not None and not platform.has("invalid-timestamp-accepted"):
        return _with(ags_error(f"Provided timestamp of {raw_ts} not a valid timestamp", 400), headers)
    if stamp is not None and result is not None and result.updated_at and stamp.timestamp() < result.updated_at:
        if not platform.has("out-of-order-timestamps-accepted"):
            last = datetime.fromtimestamp(result.updated_at, timezone.utc)
            return _with(ags_error(f"Provided timestamp of {raw_ts} before last updated timestamp of {iso3(last)}", 400), headers)
    given, maximum = body.get("scoreGiven"), body.get("scoreMaximum")
    for name, value in (("ScoreGiven", given), ("ScoreMaximum", maximum)):
        if value is not None and (isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value)):
            return _with(ags_error(f"{name} must be a number", 422), headers)
    counted = body.get("gradingProgress") in ACCEPT_GIVEN_SCORE and given is not None
    if counted:
        if maximum is None:
            if platform.has("missing-score-maximum-500"):
                return _with(Response("<html><body>Internal Server Error</body></html>", 500, media_type="text/html"), headers)
            return _with(ags_error(message(request, "max_missing"), 422), headers)
        if isinstance(maximum, (int, float)) and not isinstance(maximum, bool) and maximum < 0 and not platform.has("negative-score-maximum-accepted"):
            return _with(ags_error(message(request, "max_negative"), 422), headers)
    ext = body.get(SUBMISSION_EXT) if isinstance(body.get(SUBMISSION_EXT), dict) else {}
    sub = body.get("submission") if isinstance(body.get("submission"), dict) else {}
    raw_sub = ext.get("submitted_at") or sub.get("submittedAt")
    if raw_sub:
        submitted = parse_time(raw_sub)
        if submitted is None:
            return _with(ags_error(f"Provided submitted_at timestamp of {raw_sub} not a valid timestamp", 400), headers)
        if submitted.timestamp() > time.time() + FUTURE_BUFFER and not platform.has("future-submitted-at-accepted"):
            return _with(ags_error(f"Provided submitted_at timestamp of {raw_sub} in the future", 400), headers)
    # verify_valid_content_item_submission_type: content items come with the score's submission type online_upload
    if ext.get("content_items") and ext.get("submission_type") != "online_upload" and not platform.has("content-items-accepted"):
        return _with(ags_error(message(request, "content_items"), 422), headers)
    new_submission = bool(ext) and ext.get("new_submission", True) not in (False, "false") and ext.get("submission_type") != "none"
    if new_submission and item.allowed_attempts is not None and result is not None and result.attempts >= item.allowed_attempts:
        if not platform.has("attempts-not-enforced"):
            return _with(ags_error(message(request, "attempts"), 422), headers)
    # accepted: store the score (the newest timestamp wins; scores without scoreGiven clear it)
    if result is None:
        result = item.results[user_id] = Result(user_id=user_id)
    if not platform.has("score-not-stored"):
        result.score_given = given if counted else None
        result.score_maximum = maximum if counted else None
        result.comment = body.get("comment") if isinstance(body.get("comment"), str) else None
    result.activity_progress, result.grading_progress = str(body.get("activityProgress")), str(body.get("gradingProgress"))
    if stamp is not None:
        result.timestamp, result.updated_at = str(raw_ts), max(result.updated_at, stamp.timestamp())
    if new_submission:
        result.attempts += 1
        result.submitted_at = raw_sub or result.submitted_at
    url = f"{item_url(request, item)}/results/{user_id}"
    return _json(request, {"resultUrl": url}, headers, media_type=SCORE_TYPE)


def result_json(request: Request, item: LineItem, result: Result) -> dict[str, Any]:
    user = _platform(request).store.user(result.user_id)
    out: dict[str, Any] = {
        "id": f"{item_url(request, item)}/results/{result.user_id}",
        "scoreOf": item_url(request, item),
        "userId": user.lti_id if user else str(result.user_id),
    }
    if result.score_given is not None:
        out["resultScore"] = result.score_given
        out["resultMaximum"] = result.score_maximum
    if result.comment:
        out["comment"] = result.comment
    return out


async def results(request: Request) -> Response:
    """GET /api/lti/courses/:course_id/line_items/:id/results[/:result_id] (scope ``result.readonly``)."""
    a = _app()
    found = authorize(request, (RESULT_READ,))
    if isinstance(found, Response):
        return found
    _, course, headers = found
    item = _score_item(request, course, headers)
    if isinstance(item, Response):
        return item
    platform = _platform(request)
    chosen = sorted(item.results.values(), key=lambda r: r.user_id)
    one = request.path_params.get("result_id")
    if one is not None:
        match = [r for r in chosen if str(r.user_id) == one]
        if not match:
            return _with(a.api_error(a.NOT_FOUND, 404), headers)
        return _json(request, result_json(request, item, match[0]), headers, media_type=RESULTS_TYPE)
    wanted = request.query_params.get("user_id")
    if wanted is not None:
        user_id = _student(platform, course, wanted)
        chosen = [r for r in chosen if r.user_id == user_id]
    page = _page(request, chosen, headers)
    if isinstance(page, Response):
        return page
    return _json(request, [result_json(request, item, r) for r in page], headers, media_type=RESULTS_TYPE)


ROUTES = [
    Route("/api/lti/courses/{course_id}/line_items", line_items, methods=["GET", "POST"]),
    Route("/api/lti/courses/{course_id}/line_items/{item_id}", line_item, methods=["GET", "PUT", "DELETE"]),
    Route("/api/lti/courses/{course_id}/line_items/{item_id}/scores", scores, methods=["POST"]),
    Route("/api/lti/courses/{course_id}/line_items/{item_id}/results", results, methods=["GET"]),
    Route("/api/lti/courses/{course_id}/line_items/{item_id}/results/{result_id}", results, methods=["GET"]),
]
