"""The AGS schemas (ags_*.json): valid 2020-12 schemas; hand-made documents (the spec's timestamp examples, seed 003's
error strings) validate; targeted mutations are rejected at the mutated spot; the in-process mock platform's AGS answers
validate against the schemas and the OpenAPI document; the AGS operations load in schemathesis, generate requests whose
bodies satisfy the schemas, and schemathesis cases sent to the mock get documented answers."""

from __future__ import annotations

import functools
import json
from datetime import datetime, timedelta, timezone
from typing import Any

import pytest
from hypothesis import HealthCheck, Phase, given, settings
from jsonschema import Draft202012Validator
from schemathesis import checks as sc
from starlette.testclient import TestClient

from lti_harness import mock_platform
from lti_harness.harness import dynreg, keys, openapi, schemas

NAMES = ["ags_line_item", "ags_line_item_request", "ags_line_item_container", "ags_score", "ags_score_response",
         "ags_result", "ags_result_container", "ags_error"]
BASE, ADMIN = "http://testserver", {"Authorization": "Bearer t"}
AGS = "https://purl.imsglobal.org/spec/lti-ags/scope/"
LINEITEM, LINEITEM_READ, SCORE, RESULT_READ = AGS + "lineitem", AGS + "lineitem.readonly", AGS + "score", AGS + "result.readonly"
EXT = "https://canvas.instructure.com/lti/submission"
ITEMS, ITEM = "/api/lti/courses/{course_id}/line_items", "/api/lti/courses/{course_id}/line_items/{id}"
SCORES, RESULTS, RESULT_ONE = ITEM + "/scores", ITEM + "/results", ITEM + "/results/{result_id}"
ITEM_URL = "https://canvas.example.edu/api/lti/courses/1/line_items/7"

# Hand-made documents ----------------------------------------------------------------------------------------------
LINE_ITEM = {"id": ITEM_URL, "label": "Chapter 5 Test", "scoreMaximum": 60, "resourceId": "quiz-231", "tag": "grade",
             "resourceLinkId": "1g3k4dlk49fk", "startDateTime": "2018-03-06T20:05:02Z", "endDateTime": "2018-04-06T22:05:03Z",
             "gradesReleased": True, "https://canvas.instructure.com/lti/submission_type": {"type": "external_tool"}}
REQUEST = {k: v for k, v in LINE_ITEM.items() if k != "id"}
SCORE_BODY = {"timestamp": "2017-04-16T18:54:36.736+00:00", "scoreGiven": 83, "scoreMaximum": 100, "comment": "This is exceptional work.",
              "activityProgress": "Completed", "gradingProgress": "FullyGraded", "userId": "5323497", "scoringUserId": "4567",
              "submission": {"startedAt": "2017-04-16T18:50:00.000Z", "submittedAt": "2017-04-16T18:54:30.000Z"},
              EXT: {"new_submission": True, "submission_type": "online_upload", "submission_data": "https://tool.example/s/1",
                    "submitted_at": "2017-04-16T18:54:30.000Z", "prioritize_non_tool_grade": False,
                    "content_items": [{"type": "file", "url": "https://tool.example/f.pdf", "title": "Essay", "media_type": "application/pdf"}]}}
RESULT = {"id": ITEM_URL + "/results/5323497", "scoreOf": ITEM_URL, "userId": "5323497", "resultScore": 0.83, "resultMaximum": 1,
          "comment": "This is exceptional work.", "scoringUserId": "4567"}
AGS_ERROR = {"errors": {"type": "unprocessable_entity", "message": "ScoreMaximum not supplied when ScoreGiven present."}}
VALID: dict[str, Any] = {"ags_line_item": LINE_ITEM, "ags_line_item_request": REQUEST, "ags_line_item_container": [LINE_ITEM],
                         "ags_score": SCORE_BODY, "ags_score_response": {"resultUrl": ITEM_URL + "/results/5323497"},
                         "ags_result": RESULT, "ags_result_container": [RESULT], "ags_error": AGS_ERROR}
MINIMAL_SCORE = {"userId": "5323497", "timestamp": "2017-04-16T18:54:36.736Z", "activityProgress": "Initialized", "gradingProgress": "NotReady"}
VARIANTS = [
    ("ags_line_item", {"id": ITEM_URL, "label": "L", "scoreMaximum": 0}),  # Canvas and the mock accept 0
    ("ags_line_item", {**LINE_ITEM, "resourceId": None, "tag": "", "resourceLinkId": None, "startDateTime": "", "endDateTime": None}),
    ("ags_line_item_request", {"label": "L", "scoreMaximum": 0.5, "id": ITEM_URL}), ("ags_line_item_container", []),
    ("ags_score", MINIMAL_SCORE),
    ("ags_score", {**MINIMAL_SCORE, "timestamp": "2017-04-16T18:54:36.736+00"}),  # the spec's third example (hour-only offset)
    ("ags_score", {**MINIMAL_SCORE, "scoreGiven": None, "scoreMaximum": None, "comment": None}),  # clears the score
    ("ags_score", {**MINIMAL_SCORE, "scoreGiven": 1.1, "scoreMaximum": 1, "gradingProgress": "FullyGraded"}),  # above the maximum
    ("ags_score", {**MINIMAL_SCORE, EXT: {"new_submission": False, "submission_type": "none"}}),
    ("ags_result", {"userId": "5323497"}), ("ags_result_container", []),
    ("ags_result", {**RESULT, "resultScore": None, "resultMaximum": None, "comment": ""}),
    # seed 003 "Common Error Codes" / canvas-facts.md §4 "The requested error strings", in Canvas's AGS shape
    *(("ags_error", {"errors": {"type": t, "message": m}}) for t, m in [
        ("bad_request", "Provided timestamp of 2017-04-16 not a valid timestamp"), ("not_found", "Context is deleted or not found"),
        ("unauthorized", "Access Token not linked to a Tool associated with this Context"),
        ("precondition_failed", "The specified LTI link ID is not associated with the line item."),
        ("unprocessable_entity", "This course has concluded. AGS requests will no longer be accepted for this course.")]),
]


@pytest.mark.parametrize("name", NAMES)
def test_schema_is_valid_draft_2020_12(name):
    schema = schemas.load(name)
    Draft202012Validator.check_schema(schema)
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert schema["$id"] == f"{schemas.BASE_URI}{name}.json" and schema["title"].strip()
    assert "Source:" in schema["description"] and "canvas-facts.md" in schema["description"]


@pytest.mark.parametrize(("name", "doc"), [pytest.param(n, VALID[n], id=n) for n in NAMES]
                         + [pytest.param(n, d, id=f"{n}-{i}") for i, (n, d) in enumerate(VARIANTS)])
def test_valid_document(name, doc):
    assert schemas.errors(name, doc) == []


# Targeted mutations -----------------------------------------------------------------------------------------------
DROP = object()
INVALID: dict[str, list[tuple[str, tuple, Any]]] = {  # schema -> (case, mutated path, new value or DROP)
    "ags_score": [("activityProgress-Done", ("activityProgress",), "Done"), ("gradingProgress-Graded", ("gradingProgress",), "Graded"),
        ("missing-timestamp", ("timestamp",), DROP), ("missing-userId", ("userId",), DROP), ("missing-activityProgress", ("activityProgress",), DROP),
        ("scoreGiven-without-scoreMaximum", ("scoreMaximum",), DROP), ("scoreGiven-with-null-scoreMaximum", ("scoreMaximum",), None),
        ("negative-scoreGiven", ("scoreGiven",), -1), ("negative-scoreMaximum", ("scoreMaximum",), -5), ("scoreGiven-string", ("scoreGiven",), "83"),
        ("timestamp-without-zone", ("timestamp",), "2017-04-16T18:54:36.736"), ("timestamp-not-a-time", ("timestamp",), "yesterday"),
        ("timestamp-hour-offset-bad-month", ("timestamp",), "2017-13-16T18:54:36.736+00"), ("userId-number", ("userId",), 5323497),
        ("scoringUserId-empty", ("scoringUserId",), ""), ("submittedAt-not-a-time", ("submission", "submittedAt"), "soon"),
        ("ext-submission_type-unknown", (EXT, "submission_type"), "paper"), ("ext-new_submission-string", (EXT, "new_submission"), "true"),
        ("ext-content-item-link", (EXT, "content_items", 0, "type"), "link"), ("ext-content-item-no-url", (EXT, "content_items", 0, "url"), DROP)],
    "ags_line_item": [("missing-id", ("id",), DROP), ("id-not-uri", ("id",), "7"), ("label-blank", ("label",), "   "),
        ("negative-scoreMaximum", ("scoreMaximum",), -1), ("scoreMaximum-null", ("scoreMaximum",), None),
        ("startDateTime-not-a-time", ("startDateTime",), "tomorrow"), ("startDateTime-without-zone", ("startDateTime",), "2018-03-06T20:05:02"),
        ("gradesReleased-string", ("gradesReleased",), "yes")],
    "ags_line_item_request": [("label-blank", ("label",), ""), ("label-spaces", ("label",), " \t "), ("missing-label", ("label",), DROP),
        ("missing-scoreMaximum", ("scoreMaximum",), DROP), ("scoreMaximum-zero", ("scoreMaximum",), 0)],
    "ags_line_item_container": [("bad-member", (0, "label"), DROP)],
    "ags_score_response": [("missing-resultUrl", ("resultUrl",), DROP), ("resultUrl-not-uri", ("resultUrl",), "results/1")],
    "ags_result": [("resultMaximum-zero", ("resultMaximum",), 0), ("missing-userId", ("userId",), DROP), ("scoreOf-not-uri", ("scoreOf",), "x y")],
    "ags_result_container": [("bad-member", (0, "resultMaximum"), -1)],
    "ags_error": [("errors-as-list", ("errors",), [{"message": "x"}]), ("missing-type", ("errors", "type"), DROP),
        ("missing-message", ("errors", "message"), DROP), ("type-not-a-symbol", ("errors", "type"), "Unprocessable Entity")],
}


@pytest.mark.parametrize(("name", "path", "value"), [pytest.param(n, path, v, id=f"{n}-{case}") for n, cases in INVALID.items()
                                                     for case, path, v in cases])
def test_mutation_is_invalid(name, path, value):
    doc = dynreg.mutated(VALID[name], path, ... if value is DROP else value)  # documents and arrays alike
    problems = schemas.errors(name, doc)
    assert problems, "the mutation was accepted"
    where = "/".join(str(p) for p in (path[:-1] if value is DROP else path)) or "(root)"
    assert any(p.startswith(where) for p in problems), problems


# The mock platform's answers --------------------------------------------------------------------------------------
def stamp(offset: float = 0) -> str:  # e.g. 2026-11-02T10:00:00.123+00:00, as the spec's examples
    return (datetime.now(timezone.utc) + timedelta(seconds=offset)).isoformat(timespec="milliseconds")


def deploy(scopes: list[str], throttle: int | None = None) -> dict[str, Any]:
    """A mock with a course, a student and a non-student, and an LTI key with ``scopes`` deployed there."""
    c = TestClient(mock_platform.create_app(mock_platform.PlatformConfig(admin_token="t")), base_url=BASE)
    if throttle:
        assert c.put("/_mock/throttle", json={"high_water_mark": throttle}, headers=ADMIN).status_code == 200
    course = c.post("/api/v1/accounts/1/courses", json={"course": {"name": "C"}}, headers=ADMIN).json()["id"]
    student, other = (c.post("/api/v1/accounts/1/users", json={"user": {"name": n}}, headers=ADMIN).json() for n in "ST")
    enrolment = {"enrollment": {"user_id": student["id"], "type": "StudentEnrollment"}}
    assert c.post(f"/api/v1/courses/{course}/enrollments", json=enrolment, headers=ADMIN).status_code == 200
    pair = keys.generate()  # the LTI key, installed in the course
    key = c.post("/api/v1/accounts/1/developer_keys", headers=ADMIN, json={"developer_key": {
        "name": "t", "is_lti_key": True, "public_jwk": pair.public_jwk, "scopes": scopes}}).json()
    assert c.post(f"/api/v1/courses/{course}/external_tools", json={"client_id": key["id"]}, headers=ADMIN).status_code == 200

    def token(granted: list[str]) -> dict[str, str]:  # the audience is the token URL as the TestClient's base URL spells it
        form = {"grant_type": "client_credentials", "client_assertion_type": "urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
                "client_assertion": keys.client_assertion(pair, str(key["id"]), f"{BASE}/login/oauth2/token"), "scope": " ".join(granted)}
        answer = c.post("/login/oauth2/token", data=form)
        return {"Authorization": f"Bearer {answer.json()['access_token']}"}

    return {"client": c, "course": str(course), "student": student, "other": other, "auth": token(scopes), "token": token,
            "items": f"/api/lti/courses/{course}/line_items"}


@pytest.fixture(scope="module")
def world() -> dict[str, Any]:
    return deploy([LINEITEM, LINEITEM_READ, SCORE, RESULT_READ])


def conforms(path: str, method: str, response: Any) -> None:
    """The answer has a documented status and matches the OpenAPI document (which $refs the schema files)."""
    assert str(response.status_code) in openapi.document()["paths"][path][method.lower()]["responses"], response.status_code
    platform_schema()[path][method].validate_response(response)


def check(response: Any, status: int, name: str | None, path: str, method: str) -> Any:
    """The answer has ``status``, its body satisfies schema ``name`` (none: no body checked) and it conforms."""
    assert response.status_code == status, response.text
    body = response.json() if name else None
    assert name is None or schemas.errors(name, body) == [], (name, body)
    conforms(path, method, response)
    return body


def test_mock_ags_answers_are_valid(world):
    c, auth, items = world["client"], world["auth"], world["items"]
    created = c.post(items, json={"label": "Quiz", "scoreMaximum": 10, "tag": "grade"}, headers=auth)
    item = check(created, 201, "ags_line_item", ITEMS, "POST")
    assert created.headers["content-type"].startswith("application/vnd.ims.lis.v2.lineitem+json")
    listed = c.get(items, params={"limit": 1}, headers=auth)
    assert check(listed, 200, "ags_line_item_container", ITEMS, "GET") and 'rel="first"' in listed.headers["link"]
    assert "x-request-cost" in listed.headers and "x-rate-limit-remaining" in listed.headers
    check(c.get(item["id"], headers=auth), 200, "ags_line_item", ITEM, "GET")
    check(c.put(item["id"], json={**item, "label": "Quiz 2", "scoreMaximum": 20}, headers=auth), 200, "ags_line_item", ITEM, "PUT")
    score = {"userId": world["student"]["lti_user_id"], "scoreGiven": 7, "scoreMaximum": 10, "activityProgress": "Completed",
             "gradingProgress": "FullyGraded", "timestamp": stamp(), "comment": "Good"}
    assert schemas.errors("ags_score", score) == []
    posted = c.post(item["id"] + "/scores", json=score, headers={**auth, "Content-Type": "application/vnd.ims.lis.v1.score+json"})
    result_url = check(posted, 200, "ags_score_response", SCORES, "POST")["resultUrl"]
    results = check(c.get(item["id"] + "/results", headers=auth), 200, "ags_result_container", RESULTS, "GET")
    assert [r["id"] for r in results] == [result_url] and results[0]["userId"] == score["userId"]
    nobody = c.get(item["id"] + "/results", params={"user_id": world["other"]["lti_user_id"]}, headers=auth)
    assert check(nobody, 200, "ags_result_container", RESULTS, "GET") == []
    no_max = {**score, "scoreMaximum": None, "timestamp": stamp(1)}
    assert schemas.errors("ags_score", no_max)  # the schema refuses it too
    refused = check(c.post(item["id"] + "/scores", json=no_max, headers=auth), 422, "ags_error", SCORES, "POST")
    assert refused["errors"]["type"] == "unprocessable_entity" and refused["errors"]["message"].startswith("ScoreMaximum not supplied")
    stranger = check(c.post(item["id"] + "/scores", json={**score, "userId": world["other"]["lti_user_id"]}, headers=auth),
                     422, "ags_error", SCORES, "POST")
    assert stranger["errors"]["message"] == "User not found in course or is not a student"
    missing = {k: v for k, v in score.items() if k != "timestamp"}
    check(c.post(item["id"] + "/scores", json=missing, headers=auth), 400, "canvas_api_error", SCORES, "POST")
    check(c.get(item["id"] + "/results", headers=world["token"]([SCORE])), 401, "ags_error", RESULTS, "GET")
    check(c.get(items + "/0", headers=auth), 404, "canvas_api_error", ITEM, "GET")
    check(c.delete(item["id"], headers=auth), 204, None, ITEM, "DELETE")


def test_single_result_is_one_object(world):
    c, auth = world["client"], world["auth"]
    item = c.post(world["items"], json={"label": "One", "scoreMaximum": 1}, headers=auth).json()
    score = {"userId": world["student"]["lti_user_id"], "scoreGiven": 1, "scoreMaximum": 1,
             "activityProgress": "Completed", "gradingProgress": "FullyGraded", "timestamp": stamp()}
    posted = c.post(item["id"] + "/scores", json=score, headers=auth)
    check(c.get(posted.json()["resultUrl"], headers=auth), 200, "ags_result", RESULT_ONE, "GET")


def test_mock_refuses_what_the_schemas_refuse(world):
    c, auth = world["client"], world["auth"]
    zoneless = c.post(world["items"], json={"label": "D", "scoreMaximum": 1, "startDateTime": "2018-03-06T20:05:02"}, headers=auth)
    assert zoneless.status_code == 422 and "time zone" in zoneless.json()["errors"]["message"]
    item = c.post(world["items"], json={"label": "One", "scoreMaximum": 1}, headers=auth).json()
    for bad in ("7", True, "abc"):
        score = {"userId": world["student"]["lti_user_id"], "scoreGiven": bad, "scoreMaximum": 1,
                 "activityProgress": "Completed", "gradingProgress": "FullyGraded", "timestamp": stamp()}
        assert c.post(item["id"] + "/scores", json=score, headers=auth).status_code == 422, bad
    check(c.get(item["id"] + "/results", headers=auth), 200, "ags_result_container", RESULTS, "GET")


def test_mock_throttled_answer_is_documented():
    throttled = deploy([LINEITEM], throttle=1)
    c, items, auth = throttled["client"], throttled["items"], throttled["auth"]
    answer = [c.get(items, headers=auth) for _ in range(2)][-1]
    assert answer.status_code == 403 and answer.text.startswith("403 Forbidden (Rate Limit Exceeded)")
    assert answer.headers["content-type"].startswith("text/plain") and answer.headers["x-rate-limit-remaining"] == "0.0"
    conforms(ITEMS, "GET", answer)


# The OpenAPI operations -------------------------------------------------------------------------------------------
AGS_OPS = [(ITEMS, "GET"), (ITEMS, "POST"), (ITEM, "GET"), (ITEM, "PUT"), (ITEM, "DELETE"), (SCORES, "POST"), (RESULTS, "GET"), (RESULT_ONE, "GET")]
NEW_OPS = AGS_OPS[3:]  # the first three are also sent to the mock by tests/test_key_schemas.py
BODY_SCHEMA = {(ITEMS, "POST"): "ags_line_item_request", (ITEM, "PUT"): "ags_line_item_request", (SCORES, "POST"): "ags_score"}


platform_schema = functools.cache(lambda: openapi.load("platform"))


def test_components_point_at_the_ags_files():
    raw = openapi.source("platform")  # the document as written, area files merged, each operation complete
    for stem in NAMES:  # AgsLineItem -> ../ags_line_item.json, …
        assert raw["components"]["schemas"]["".join(w.capitalize() for w in stem.split("_"))] == {"$ref": f"../{stem}.json"}
    for path, method in AGS_OPS:
        op = raw["paths"][path][method.lower()]
        assert op["security"] == [{"ltiAccessToken": []}] and op["description"]
        assert op["responses"]["401"]["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/AgsError"}
        assert "text/plain" in op["responses"]["403"]["content"]
        assert all("X-Rate-Limit-Remaining" in r.get("headers", {}) for s, r in op["responses"].items() if s in ("200", "201", "204"))
    assert set(raw["paths"][SCORES]["post"]["requestBody"]["content"]) == {"application/vnd.ims.lis.v1.score+json", "application/json"}
    for path in (ITEMS, RESULTS):
        assert "Link" in raw["paths"][path]["get"]["responses"]["200"]["headers"]


def _cases(path: str, method: str, n: int = 3, **kwargs: Any) -> list[Any]:
    found: list[Any] = []
    settings(max_examples=n, phases=[Phase.generate], derandomize=True, database=None, deadline=None, suppress_health_check=list(HealthCheck))(
        given(platform_schema()[path][method].as_strategy(**kwargs))(lambda generated: found.append(generated)))()
    return found


@pytest.mark.parametrize(("path", "method"), AGS_OPS)
def test_operation_generates_requests(path, method):
    cases = _cases(path, method, n=15 if (path, method) in BODY_SCHEMA else 3)
    for generated in cases or pytest.fail("no cases"):
        assert "{" not in generated.formatted_path
        if (path, method) in BODY_SCHEMA:
            assert schemas.errors(BODY_SCHEMA[(path, method)], generated.body) == [], generated.body


CHECKS = [sc.not_a_server_error, sc.status_code_conformance, sc.content_type_conformance, sc.response_schema_conformance]


@pytest.mark.parametrize(("path", "method"), NEW_OPS)
def test_mock_answers_generated_requests_as_documented(world, path, method):
    c, auth = world["client"], world["auth"]
    item = c.post(world["items"], json={"label": "G", "scoreMaximum": 5}, headers=auth).json()
    params = {"course_id": world["course"], "id": item["id"].rsplit("/", 1)[1], "result_id": "0"}  # result 0: no such result
    params = {k: v for k, v in params.items() if "{" + k + "}" in path}
    statuses: list[int] = []
    for generated in _cases(path, method, n=6, path_parameters=params):
        if path == SCORES:  # a real student, so the chain gets past "User not found in course or is not a student"
            generated.body["userId"] = world["student"]["lti_user_id"]
        for headers in (auth, {}):
            kw = generated.as_transport_kwargs(base_url=BASE, headers=headers)
            send = {k: v for k, v in kw["headers"].items() if k.lower() not in ("accept-encoding", "connection", "user-agent")}
            body = {"content": json.dumps(kw["json"]).encode()} if "json" in kw else {}
            send.update({"Content-Type": send.get("Content-Type") or generated.media_type or "application/json"} if body else {})
            response = c.request(kw["method"], kw["url"], headers=send, params=kw.get("params") or None, **body)
            assert response.status_code != 401 if headers else response.status_code == 401
            generated.validate_response(response, checks=CHECKS)
            statuses.append(response.status_code)
    assert any(200 <= code < 300 for code in statuses) or path == RESULT_ONE, statuses
