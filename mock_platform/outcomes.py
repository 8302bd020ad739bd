"""LTI 1.1 Basic Outcomes at ``POST /api/lti/v1/tools/:tool_id/grade_passback`` (seed 003 "LTI 1.1
Grade Passback Tools"; canvas-facts.md §5), and the submission routes an admin reads them back with.

Requests are POX XML signed with OAuth 1.0a (HMAC-SHA1 and ``oauth_body_hash``), verified with
oauthlib. A non-success ``imsx_codeMajor`` (``failure``, ``unsupported``) answers 422 with the POX body
and ``[EID_<n>]`` appended to the description (Canvas's ``check_outcome``); OAuth failures are 401.
Honoured extensions: resultData (text, url, ltiLaunchUrl), resultTotalScore, submissionDetails with
submittedAt, prioritizeNonToolGrade and needsAdditionalReview.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import itertools
import math
import time
from types import SimpleNamespace
from typing import Any

from oauthlib.oauth1.rfc5849 import signature, utils
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from lti_harness.harness import pox

from . import faults, web
from .config import Platform
from .store import Course, LineItem, Result

MAX_SKEW = 90 * 60  # Canvas: ±90 minutes
XML = "application/xml"
_report_ids = itertools.count(1)


def sourced_id(secret: str, tool_id: str, course_id: int, item_id: int, user_id: int) -> str:
    """A signed ``lis_result_sourcedid`` naming tool, course, assignment and user (as a launch would send)."""
    core = f"{tool_id}-{course_id}-{item_id}-{user_id}"
    mac = hmac.new(secret.encode(), core.encode(), hashlib.sha256).hexdigest()[:16]
    return f"{core}-{mac}"


def resolve(platform: Platform, tool_id: str, raw: str) -> tuple[Course, LineItem, Result] | None:
    """The course, assignment and result a sourcedid of ``tool_id`` names, if it is genuine and the user a student."""
    parts = raw.split("-")
    ids = [web.parse_id(p) for p in parts[1:4]]
    if len(parts) != 5 or parts[0] != tool_id or None in ids:
        return None
    course_id, item_id, user_id = ids
    if not hmac.compare_digest(sourced_id(platform.secret, tool_id, course_id, item_id, user_id), raw):
        return None
    course = platform.store.course(course_id)
    item = next((i for i in course.line_items if i.id == item_id), None) if course else None
    if course is None or item is None or user_id not in course.students:
        return None
    return course, item, item.results.setdefault(user_id, Result(user_id=user_id))


def verify_oauth(request: Request, platform: Platform, body: bytes, key: str, secret: str) -> None:
    """The OAuth 1.0a signature, body hash, timestamp and nonce, else 401 with Canvas's message."""
    header = request.headers.get("authorization", "")
    try:
        pairs = utils.parse_authorization_header(header) if header.lower().startswith("oauth ") else []
        params = {k: utils.unescape(v) for k, v in pairs}
    except (ValueError, IndexError):
        params = {}
    if not params or params.get("oauth_consumer_key") != key or params.get("oauth_signature_method") != "HMAC-SHA1":
        raise web.api_error("Invalid authorization header", 401)
    if platform.has(faults.OUTCOMES_SIGNATURE_NOT_CHECKED):
        return
    try:
        stamp = int(params.get("oauth_timestamp", ""))
    except ValueError:
        raise web.api_error("Invalid authorization header", 401) from None
    if abs(time.time() - stamp) > MAX_SKEW:
        raise web.api_error("Timestamp too old or too far in the future, request has expired", 401)
    expected_hash = base64.b64encode(hashlib.sha1(body).digest()).decode()
    if not hmac.compare_digest(params.get("oauth_body_hash", ""), expected_hash):
        raise web.api_error("Invalid authorization header", 401)
    collected = signature.collect_parameters(uri_query=request.url.query, headers={"Authorization": header}, exclude_oauth_signature=True)
    base = signature.signature_base_string("POST", signature.base_string_uri(str(request.url)), signature.normalize_parameters(collected))
    expected = signature.sign_hmac_sha1_with_client(base, SimpleNamespace(client_secret=secret, resource_owner_secret=""))
    if not hmac.compare_digest(expected, params.get("oauth_signature", "")):
        raise web.api_error("Invalid authorization header", 401)
    nonces: set[str] = request.app.state.outcome_nonces
    nonce = f"{key}:{params.get('oauth_nonce', '')}"
    if nonce in nonces:
        raise web.api_error("Duplicate nonce detected", 401)
    nonces.add(nonce)


def success(outcome: pox.OutcomeRequest, description: str, score: str | None = None) -> Response:
    """A POX answer with ``imsx_codeMajor`` success."""
    return Response(pox.response_xml("success", description, outcome.operation, outcome.message_id, score=score), 200, media_type=XML)


def refusal(platform: Platform, code: str, outcome: pox.OutcomeRequest, description: str) -> web.Refusal:
    """A POX answer with ``imsx_codeMajor`` ``failure`` or ``unsupported``, to raise: 422 (Canvas's
    ``check_outcome``) with ``[EID_<n>]`` appended to the description."""
    description += f"\n[EID_{next(_report_ids)}]"
    status = 200 if platform.has(faults.OUTCOMES_FAILURE_200) else 422
    return web.Refusal(status, pox.response_xml(code, description, outcome.operation, outcome.message_id), media_type=XML)


def number(raw: str | None) -> float | None:
    try:
        value = float(raw) if raw is not None else None
    except ValueError:
        return None
    return value if value is not None and math.isfinite(value) else None


def replace_result(platform: Platform, outcome: pox.OutcomeRequest, item: LineItem, result: Result) -> Response:
    """replaceResultRequest: a score from 0 to 1 (or resultTotalScore in points) and the extensions."""
    extensions = not platform.has(faults.OUTCOMES_EXTENSIONS_IGNORED)
    score = number(outcome.score) if outcome.score is not None else None
    if outcome.score is not None and (score is None or not 0 <= score <= 1):
        raise refusal(platform, "failure", outcome, "Score is not between 0 and 1")
    total = number(outcome.total_score) if outcome.total_score is not None and extensions else None
    if extensions and outcome.total_score is not None and (total is None or total < 0):
        raise refusal(platform, "failure", outcome, "Total score is not a number of 0 or more")
    points = total if total is not None else (score * item.score_maximum if score is not None else None)
    keep_teacher_grade = extensions and outcome.prioritize_non_tool_grade and result.graded_by == "teacher"
    if points is not None and not keep_teacher_grade and not platform.has(faults.OUTCOMES_REPLACE_IGNORED):
        result.score_given, result.score_maximum, result.graded_by = points, item.score_maximum, "tool"
        result.workflow_state = "graded"
    if extensions:
        if "text" in outcome.result_data:
            result.body, result.url = outcome.result_data["text"], None
        elif "url" in outcome.result_data or "ltiLaunchUrl" in outcome.result_data:
            result.url = outcome.result_data.get("url") or outcome.result_data.get("ltiLaunchUrl")
        if outcome.submitted_at:
            result.submitted_at = outcome.submitted_at
        if outcome.needs_additional_review:
            result.workflow_state = "pending_review"
    if result.workflow_state == "unsubmitted":
        result.workflow_state = "submitted"
    shown = outcome.score if outcome.score is not None else outcome.total_score
    return success(outcome, f"Score for {outcome.sourced_id} is now {shown}")


async def grade_passback(request: Request) -> Response:
    """POST /api/lti/v1/tools/:tool_id/grade_passback with an OAuth-signed POX request: the tool, the
    content type, the signature, the POX body, the operation, the sourcedid, then the operation."""
    platform = web.platform_of(request)
    tool_id = request.path_params["tool_id"]
    course_id = request.app.state.legacy_tools.get(tool_id)
    course = platform.store.course(course_id) if course_id else None
    if course is None:
        raise web.api_error(web.NOT_FOUND, 404)
    ctype = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if ctype not in (XML, "text/xml"):
        raise web.api_error("The outcomes service takes application/xml.", 415)
    body = await web.body_bytes(request)
    key, secret = course.legacy_tools[tool_id]
    verify_oauth(request, platform, body, key, secret)
    try:
        outcome = pox.parse_request(body)
    except pox.PoxError as exc:
        raise refusal(platform, "failure", pox.OutcomeRequest(operation="unknownRequest", sourced_id=""), f"Invalid request: {exc}") from None
    if outcome.operation not in pox.OPERATIONS:
        raise refusal(platform, "unsupported", outcome, f"{outcome.operation} is not supported")
    found = resolve(platform, tool_id, outcome.sourced_id)
    if found is None:
        raise refusal(platform, "failure", outcome, "Invalid sourcedid")
    _, item, result = found
    if outcome.operation == "replaceResultRequest":
        return replace_result(platform, outcome, item, result)
    if outcome.operation == "deleteResultRequest":
        result.score_given = result.score_maximum = None
        result.workflow_state, result.graded_by = "submitted", None
        return success(outcome, f"Score for {outcome.sourced_id} was deleted")
    fraction = "" if result.score_given is None else f"{result.score_given / (result.score_maximum or item.score_maximum or 1):g}"
    return success(outcome, f"Result read for {outcome.sourced_id}", score=fraction)


def submission_json(item: LineItem, result: Result) -> dict[str, Any]:
    return {
        "assignment_id": item.id, "user_id": result.user_id, "score": result.score_given,
        "grade": None if result.score_given is None else f"{result.score_given:g}",
        "submitted_at": result.submitted_at, "body": result.body, "url": result.url,
        "workflow_state": result.workflow_state, "graded_by": result.graded_by,
    }


@web.admin_only()
async def submission(request: Request, platform: Platform) -> Response:
    """GET (read) and PUT (``submission[posted_grade]``, a teacher's grade) the submission of an
    assignment's user: ``/api/v1/courses/:course_id/assignments/:assignment_id/submissions/:user_id`` (admin)."""
    raw = request.path_params
    course_id, user_id = web.parse_id(raw["course_id"]), web.parse_id(raw["user_id"])
    course = platform.store.course(course_id) if course_id is not None else None
    item = next((i for i in course.line_items if str(i.id) == raw["assignment_id"]), None) if course else None
    if item is None or user_id is None or user_id not in course.students:
        raise web.api_error(web.NOT_FOUND, 404)
    result = item.results.setdefault(user_id, Result(user_id=user_id))
    if request.method == "PUT":
        params = await web.params(request)
        grade = params["submission"].get("posted_grade") if isinstance(params.get("submission"), dict) else None
        value = number(str(grade)) if grade is not None else None
        if value is None and platform.has(faults.SUBMISSION_GRADE_500):
            raise web.Refusal(500, "<html><body><h1>Internal Server Error</h1></body></html>", media_type="text/html")
        if value is None:
            raise web.api_error("submission[posted_grade] must be a number", 400)
        result.score_given, result.score_maximum, result.graded_by, result.workflow_state = value, item.score_maximum, "teacher", "graded"
    return web.json_response(submission_json(item, result))


ROUTES = [
    Route("/api/lti/v1/tools/{tool_id}/grade_passback", grade_passback, methods=["POST"]),
    Route("/api/v1/courses/{course_id}/assignments/{assignment_id}/submissions/{user_id}", submission, methods=["GET", "PUT"]),
]
