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

from . import admin
from .store import Course, LineItem, Result

MAX_SKEW = 90 * 60  # Canvas: ±90 minutes
_report_ids = itertools.count(1)


def _app():
    from . import app as app_module

    return app_module


def sourced_id(secret: str, tool_id: str, course_id: int, item_id: int, user_id: int) -> str:
    """A signed ``lis_result_sourcedid`` naming tool, course, assignment and user (as a launch would send)."""
    core = f"{tool_id}-{course_id}-{item_id}-{user_id}"
    mac = hmac.new(secret.encode(), core.encode(), hashlib.sha256).hexdigest()[:16]
    return f"{core}-{mac}"


def _resolve(request: Request, tool_id: str, raw: str) -> tuple[Course, LineItem, Result] | None:
    platform = _app()._platform(request)
    parts = raw.split("-")
    ids = [_app().parse_id(p) for p in parts[1:4]]
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


def _unauthorized(message: str) -> Response:
    return _app()._json({"errors": [{"message": message}]}, 401)


def _verify_oauth(request: Request, body: bytes, key: str, secret: str) -> str | None:
    """None when the OAuth 1.0a signature, body hash, timestamp and nonce hold; else Canvas's message."""
    platform = _app()._platform(request)
    header = request.headers.get("authorization", "")
    try:
        pairs = utils.parse_authorization_header(header) if header.lower().startswith("oauth ") else []
        params = {k: utils.unescape(v) for k, v in pairs}
    except (ValueError, IndexError):
        params = {}
    if not params or params.get("oauth_consumer_key") != key or params.get("oauth_signature_method") != "HMAC-SHA1":
        return "Invalid authorization header"
    if platform.has("outcomes-signature-not-checked"):
        return None
    try:
        stamp = int(params.get("oauth_timestamp", ""))
    except ValueError:
        return "Invalid authorization header"
    if abs(time.time() - stamp) > MAX_SKEW:
        return "Timestamp too old or too far in the future, request has expired"
    expected_hash = base64.b64encode(hashlib.sha1(body).digest()).decode()
    if not hmac.compare_digest(params.get("oauth_body_hash", ""), expected_hash):
        return "Invalid authorization header"
    url = str(request.url)
    collected = signature.collect_parameters(uri_query=request.url.query, headers={"Authorization": header}, exclude_oauth_signature=True)
    base = signature.signature_base_string("POST", signature.base_string_uri(url), signature.normalize_parameters(collected))
    expected = signature.sign_hmac_sha1_with_client(base, SimpleNamespace(client_secret=secret, resource_owner_secret=""))
    if not hmac.compare_digest(expected, params.get("oauth_signature", "")):
        return "Invalid authorization header"
    nonces: set[str] = request.app.state.outcome_nonces
    nonce = f"{key}:{params.get('oauth_nonce', '')}"
    if nonce in nonces:
        return "Duplicate nonce detected"
    nonces.add(nonce)
    return None


def _answer(request: Request, code: str, description: str, outcome: pox.OutcomeRequest, score: str | None = None) -> Response:
    platform = _app()._platform(request)
    status = 200
    if code in ("failure", "unsupported"):
        description += f"\n[EID_{next(_report_ids)}]"
        status = 200 if platform.has("outcomes-failure-200") else 422
    xml = pox.response_xml(code, description, outcome.operation, outcome.message_id, score=score)
    return Response(xml, status, media_type="application/xml")


def _number(raw: str | None) -> float | None:
    try:
        value = float(raw) if raw is not None else None
    except ValueError:
        return None
    return value if value is not None and math.isfinite(value) else None


def _replace(request: Request, outcome: pox.OutcomeRequest, item: LineItem, result: Result) -> Response:
    platform = _app()._platform(request)
    extensions = not platform.has("outcomes-extensions-ignored")
    score = _number(outcome.score) if outcome.score is not None else None
    if outcome.score is not None and (score is None or not 0 <= score <= 1):
        return _answer(request, "failure", "Score is not between 0 and 1", outcome)
    total = _number(outcome.total_score) if outcome.total_score is not None and extensions else None
    if extensions and outcome.total_score is not None and (total is None or total < 0):
        return _answer(request, "failure", "Total score is not a number of 0 or more", outcome)
    points = total if total is not None else (score * item.score_maximum if score is not None else None)
    keep_teacher_grade = extensions and outcome.prioritize_non_tool_grade and result.graded_by == "teacher"
    if points is not None and not keep_teacher_grade and not platform.has("outcomes-replace-ignored"):
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
    return _answer(request, "success", f"Score for {outcome.sourced_id} is now {shown}", outcome)


async def grade_passback(request: Request) -> Response:
    """POST /api/lti/v1/tools/:tool_id/grade_passback with an OAuth-signed POX request."""
    a = _app()
    tool_id = request.path_params["tool_id"]
    course_id = request.app.state.legacy_tools.get(tool_id)
    course = a._platform(request).store.course(course_id) if course_id else None
    if course is None:
        return a.api_error(a.NOT_FOUND, 404)
    ctype = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if ctype not in ("application/xml", "text/xml"):
        return a.api_error("The outcomes service takes application/xml.", 415)
    body = await a._body_bytes(request)
    if isinstance(body, Response):
        return body
    key, secret = course.legacy_tools[tool_id]
    problem = _verify_oauth(request, body, key, secret)
    if problem:
        return _unauthorized(problem)
    try:
        outcome = pox.parse_request(body)
    except pox.PoxError as exc:
        return _answer(request, "failure", f"Invalid request: {exc}", pox.OutcomeRequest(operation="unknownRequest", sourced_id=""))
    if outcome.operation not in pox.OPERATIONS:
        return _answer(request, "unsupported", f"{outcome.operation} is not supported", outcome)
    found = _resolve(request, tool_id, outcome.sourced_id)
    if found is None:
        return _answer(request, "failure", "Invalid sourcedid", outcome)
    _, item, result = found
    if outcome.operation == "replaceResultRequest":
        return _replace(request, outcome, item, result)
    if outcome.operation == "deleteResultRequest":
        result.score_given = result.score_maximum = None
        result.workflow_state, result.graded_by = "submitted", None
        return _answer(request, "success", f"Score for {outcome.sourced_id} was deleted", outcome)
    fraction = "" if result.score_given is None else f"{result.score_given / (result.score_maximum or item.score_maximum or 1):g}"
    return _answer(request, "success", f"Result read for {outcome.sourced_id}", outcome, score=fraction)


def submission_json(item: LineItem, result: Result) -> dict[str, Any]:
    return {
        "assignment_id": item.id, "user_id": result.user_id, "score": result.score_given,
        "grade": None if result.score_given is None else f"{result.score_given:g}",
        "submitted_at": result.submitted_at, "body": result.body, "url": result.url,
        "workflow_state": result.workflow_state, "graded_by": result.graded_by,
    }


@admin.admin_only()
async def submission(request: Request, platform: Any) -> Response:
    """GET (read) and PUT (``submission[posted_grade]``, a teacher's grade) the submission of an
    assignment's user: ``/api/v1/courses/:course_id/assignments/:assignment_id/submissions/:user_id`` (admin)."""
    a = _app()
    raw = request.path_params
    course_id, user_id = a.parse_id(raw["course_id"]), a.parse_id(raw["user_id"])
    course = platform.store.course(course_id) if course_id is not None else None
    item = next((i for i in course.line_items if str(i.id) == raw["assignment_id"]), None) if course else None
    if item is None or user_id is None or user_id not in course.students:
        return a.api_error(a.NOT_FOUND, 404)
    result = item.results.setdefault(user_id, Result(user_id=user_id))
    if request.method == "PUT":
        params = await admin._params(request)
        if isinstance(params, Response):
            return params
        grade = (params.get("submission") or {}).get("posted_grade") if isinstance(params.get("submission"), dict) else None
        value = _number(str(grade)) if grade is not None else None
        if value is None:
            return a.api_error("submission[posted_grade] must be a number", 400)
        result.score_given, result.score_maximum, result.graded_by, result.workflow_state = value, item.score_maximum, "teacher", "graded"
    return a._json(submission_json(item, result))


@admin.admin_only()
async def mock_sourced_id(request: Request, platform: Any) -> Response:
    """GET /_mock/lti11/sourcedid?tool_id&course_id&assignment_id&user_id: what a launch would carry (test support)."""
    a = _app()
    q = request.query_params
    ids = [a.parse_id(q.get(name, "")) for name in ("course_id", "assignment_id", "user_id")]
    if "tool_id" not in q or None in ids:
        return a.api_error("tool_id, course_id, assignment_id and user_id (numbers) are required", 400)
    made = sourced_id(platform.secret, q["tool_id"], *ids)
    return a._json({"lis_result_sourcedid": made})


ROUTES = [
    Route("/api/lti/v1/tools/{tool_id}/grade_passback", grade_passback, methods=["POST"]),
    Route("/api/v1/courses/{course_id}/assignments/{assignment_id}/submissions/{user_id}", submission, methods=["GET", "PUT"]),
    Route("/_mock/lti11/sourcedid", mock_sourced_id, methods=["GET"]),
]
