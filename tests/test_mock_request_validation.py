"""The mock platform refuses requests outside its OpenAPI document before a route runs: query parameters
and bodies are judged by the matching operation's schemas, answered with the operation's documented
refusal, and nothing is stored; where Canvas reads a value leniently the mock follows Canvas."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from starlette.testclient import TestClient

from lti_harness import mock_platform
from lti_harness.harness import keys, openapi, schemas
from lti_harness.mock_platform import validation

BASE = "http://127.0.0.1:8000"
ADMIN = {"Authorization": "Bearer t"}
AGS = "https://purl.imsglobal.org/spec/lti-ags/scope/"
SCOPES = [AGS + "lineitem", AGS + "lineitem.readonly", AGS + "score", AGS + "result.readonly"]
SCORE = "/api/lti/courses/{course_id}/line_items/{id}/scores"


class World:
    """A mock platform with a course, an LTI tool deployed in it, a student, a line item and a token."""

    def __init__(self) -> None:
        self.c = TestClient(mock_platform.create_app(mock_platform.PlatformConfig(admin_token="t")), base_url=BASE)
        pair = keys.generate()
        self.key = self.c.post("/api/v1/accounts/1/developer_keys", headers=ADMIN, json={"developer_key": {
            "name": "t", "is_lti_key": True, "public_jwk": pair.public_jwk, "scopes": SCOPES}}).json()["id"]
        self.course = self.c.post("/api/v1/accounts/1/courses", headers=ADMIN, json={"course": {"name": "C"}}).json()["id"]
        assert self.c.post(f"/api/v1/courses/{self.course}/external_tools", headers=ADMIN, json={"client_id": self.key}).status_code == 200
        self.student = self.c.post("/api/v1/accounts/1/users", headers=ADMIN, json={"user": {"name": "S"}}).json()
        self.c.post(f"/api/v1/courses/{self.course}/enrollments", headers=ADMIN, json={"enrollment": {"user_id": self.student["id"]}})
        assertion = keys.client_assertion(pair, self.key, f"{BASE}/login/oauth2/token")
        token = self.c.post("/login/oauth2/token", data={
            "grant_type": "client_credentials", "client_assertion_type": "urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
            "client_assertion": assertion, "scope": " ".join(SCOPES)}).json()["access_token"]
        self.auth = {"Authorization": f"Bearer {token}"}
        self.items = f"/api/lti/courses/{self.course}/line_items"
        made = self.c.post(self.items, headers=self.auth, json={"label": "L", "scoreMaximum": 10})
        assert made.status_code == 201, made.text
        self.item = made.json()["id"].replace(BASE, "")

    def score(self, **fields: object) -> object:
        body = {"userId": str(self.student["id"]), "activityProgress": "Completed", "gradingProgress": "FullyGraded",
                "timestamp": "2030-01-01T00:00:00Z", "scoreGiven": 5, "scoreMaximum": 10, **fields}
        return self.c.post(f"{self.item}/scores", headers=self.auth, json=body)

    def results(self) -> list:
        return self.c.get(f"{self.item}/results", headers=self.auth).json()


@pytest.fixture(scope="module")
def w() -> World:
    return World()


def test_page_zero_is_refused_with_canvas_error_body(w):
    for path in (w.items, f"{w.item}/results", f"/api/lti/courses/{w.course}/names_and_roles"):
        answer = w.c.get(path, headers=w.auth, params={"page": "0"})
        assert answer.status_code == 400, (path, answer.status_code, answer.text)
        assert "page" in str(answer.json()["errors"]) and schemas.is_valid("canvas_error", answer.json())
    assert w.c.get(w.items, headers=w.auth, params={"page": "1"}).status_code == 200


def test_a_page_size_above_the_cap_is_clamped_as_canvas_does(w):
    # Canvas clamps page sizes (Api.per_page_for; "the platform may return fewer"): limit=1130 is read, not refused
    for n in range(3):
        assert w.c.post(w.items, headers=w.auth, json={"label": f"x{n}", "scoreMaximum": 1}).status_code == 201
    answer = w.c.get(w.items, headers=w.auth, params={"limit": "1130"})
    assert answer.status_code == 200 and 1 <= len(answer.json()) <= 100
    assert "limit=100>" in answer.headers["link"]  # the page size actually used


def test_grading_progress_outside_its_enum_is_refused_and_not_stored(w):
    before = w.results()
    answer = w.score(gradingProgress="Bogus", scoreGiven=7)
    assert answer.status_code == 422, answer.text
    assert answer.json()["errors"]["type"] == "unprocessable_entity" and "gradingProgress" in answer.json()["errors"]["message"]
    assert w.results() == before  # nothing stored
    assert w.score(activityProgress="Wandering").status_code == 422
    assert w.score(gradingProgress="FullyGraded", scoreGiven=7).status_code == 200
    assert [r.get("resultScore") for r in w.results()] == [7]


def test_canvas_messages_still_win_where_the_suites_rely_on_them(w):
    missing = w.score(gradingProgress=None)
    assert missing.status_code == 400 and missing.json() == {"errors": [{"message": "gradingProgress is missing"}]}
    bad_time = w.score(timestamp="yesterday")
    assert bad_time.status_code == 400 and bad_time.json()["errors"]["message"] == "Provided timestamp of yesterday not a valid timestamp"
    nobody = w.score(userId=None)
    assert nobody.status_code == 422 and nobody.json()["errors"]["message"] == "User not found in course or is not a student"


def test_the_courses_route_of_the_issue_answers_4xx_not_500(w):
    for path in ("/api/v1/courses/%C2%B2", "/api/v1/courses/%C2%B2?x=1"):
        answer = w.c.put(path, headers=ADMIN, json={"course": {"event": "conclude"}})
        assert 400 <= answer.status_code < 500, answer.text
    wrong = w.c.put(f"/api/v1/courses/{w.course}", headers=ADMIN, json={"course": {"name": 5}})
    assert wrong.status_code == 400 and wrong.json()["errors"][0]["message"].startswith("course/name")
    assert w.c.get(f"/api/v1/courses/{w.course}", headers=ADMIN).json()["name"] == "C"


def test_admin_bodies_outside_the_schema_change_nothing(w):
    flag = f"/api/v1/accounts/1/features/flags/lti_dr_registrations_update"
    before = w.c.get(flag, headers=ADMIN).json()
    refused = w.c.put(flag, headers=ADMIN, json={"state": "sideways"})
    assert refused.status_code == 400 and "state" in refused.json()["errors"][0]["message"]
    assert w.c.get(flag, headers=ADMIN).json() == before
    missing = w.c.post(f"/api/v1/courses/{w.course}/external_tools", headers=ADMIN, json={"name": "no key"})
    assert missing.status_code == 400


def test_every_checked_operation_has_a_documented_refusal():
    ops = validation.operations("platform")
    doc = openapi.document("platform")
    keys_ = {f"{m.upper()} {p}" for p, item in doc["paths"].items() for m in item if m in validation.METHODS}
    assert {o.key for o in ops} == keys_
    for key in validation.LEFT_TO_ROUTE:
        assert key in keys_, f"LEFT_TO_ROUTE names {key}, which the document does not have"
    for op in (o for o in ops if o.checks_anything):
        for kind, (status, shape) in op.refusals.items():
            assert status in (400, 422) and schemas.is_valid("canvas_error", shape(status, "m")), (op.key, kind)


# --- a property: nothing outside an operation's schema is stored or answered with a 5xx -------------

JSONISH = st.recursive(st.none() | st.booleans() | st.integers(-10**20, 10**20) | st.floats(allow_nan=False, allow_infinity=False) | st.text(max_size=12),
                       lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3), max_leaves=8)
SCORE_FIELDS = ("userId", "activityProgress", "gradingProgress", "timestamp", "scoreGiven", "scoreMaximum", "comment")


@pytest.fixture(scope="module")
def fuzzed() -> World:
    return World()


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(changes=st.dictionaries(st.sampled_from(SCORE_FIELDS), JSONISH, min_size=1, max_size=3))
def test_no_score_outside_the_schema_is_stored_or_answered_5xx(fuzzed, changes):
    w = fuzzed
    body = {"userId": str(w.student["id"]), "activityProgress": "Completed", "gradingProgress": "Pending",
            "timestamp": "2999-01-01T00:00:00Z", **changes}
    valid = schemas.is_valid("ags_score", body)
    before = w.results()
    answer = w.c.post(f"{w.item}/scores", headers=w.auth, json=body)
    assert answer.status_code < 500, answer.text
    if not valid:
        assert 400 <= answer.status_code < 500, f"a score outside ags_score.json was accepted: {body}"
        assert w.results() == before, f"a refused score changed the results: {body}"


QUERY_VALUES = st.one_of(st.integers(-5, 5000).map(str), st.text(max_size=6), st.sampled_from(["0", "-1", "1.5", "²", "1e3", ""]))


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(page=QUERY_VALUES, limit=QUERY_VALUES)
def test_paging_parameters_never_answer_5xx_and_bad_pages_are_refused(fuzzed, page, limit):
    w = fuzzed
    answer = w.c.get(w.items, headers=w.auth, params={"page": page, "limit": limit})
    assert answer.status_code < 500, answer.text
    text = page.strip()
    if not (text.lstrip("+-").isascii() and text.lstrip("+-").isdigit()) or int(text) < 1:
        assert answer.status_code == 400, (page, limit, answer.status_code)
