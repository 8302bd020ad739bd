"""LTI 1.1 Basic Outcomes (AGS-060 … AGS-064): POX replaceResult / readResult with OAuth 1.0a body
signing; non-success codeMajor → 422; the Canvas extensions."""

from __future__ import annotations

import secrets
from dataclasses import dataclass

import httpx
import pytest
from oauthlib.oauth1 import Client as OAuth1

from lti_harness.harness import pox
from lti_harness.harness.checks import check

from .conftest import Course


@dataclass
class Passback:
    course: Course
    url: str
    key: str
    secret: str
    assignment: str
    student: str
    sourced_id: str

    def send(self, xml: str, secret: str | None = None) -> httpx.Response:
        signer = OAuth1(self.key, client_secret=secret or self.secret)
        _, headers, body = signer.sign(self.url, http_method="POST", body=xml, headers={"Content-Type": "application/xml"})
        return self.course.platform.client.post(self.url, content=body, headers=headers)

    def outcome(self, response: httpx.Response, status: int) -> pox.OutcomeResponse:
        assert response.status_code == status, f"the outcomes service answered {response.status_code}, expected {status}: {response.text[:300]}"
        assert response.headers.get("content-type", "").split(";")[0] in ("application/xml", "text/xml"), "the answer is not XML"
        return pox.parse_response(response.content)


@pytest.fixture
def passback(platform, course) -> Passback:
    adapter = platform.adapter
    key, secret = f"harness-{secrets.token_hex(4)}", secrets.token_urlsafe(24)
    tool = adapter.install_legacy_tool(course.id, key, secret)
    assignment = str(adapter.create_assignment(course.id, {"name": "Harness LTI 1.1 assignment", "points_possible": 20, "submission_types": ["external_tool"]})["id"])
    student = course.student_ids[0]
    sourced = platform.mock_controls.lti11_sourcedid(str(tool["id"]), course.id, assignment, student)
    assert platform.platform is not None
    url = f"{platform.platform.base_url}/api/lti/v1/tools/{tool['id']}/grade_passback"
    return Passback(course, url, key, secret, assignment, student, sourced)


@check("AGS-060")
def test_replace_then_read(passback):
    done = passback.outcome(passback.send(pox.request_xml("replaceResultRequest", passback.sourced_id, score="0.75")), 200)
    assert done.code_major == "success", f"replaceResult answered imsx_codeMajor {done.code_major}"
    read = passback.outcome(passback.send(pox.request_xml("readResultRequest", passback.sourced_id)), 200)
    assert read.code_major == "success" and read.score is not None and float(read.score) == 0.75, f"readResult gave {read.score!r}, expected 0.75"


@check("AGS-061")
def test_failure_is_422(passback):
    failed = passback.outcome(passback.send(pox.request_xml("replaceResultRequest", passback.sourced_id, score="1.5")), 422)
    assert failed.code_major == "failure", f"a score of 1.5 answered imsx_codeMajor {failed.code_major}, expected failure"


@check("AGS-062")
def test_unsupported_is_422(passback):
    answer = passback.outcome(passback.send(pox.request_xml("replaceResultSetRequest", passback.sourced_id)), 422)
    assert answer.code_major == "unsupported", f"an unknown operation answered imsx_codeMajor {answer.code_major}, expected unsupported"


@check("AGS-063")
def test_wrong_secret_is_401(passback):
    response = passback.send(pox.request_xml("readResultRequest", passback.sourced_id), secret="not-the-shared-secret")
    assert response.status_code == 401, f"a request signed with the wrong secret answered {response.status_code}"


@check("AGS-064")
def test_extensions_honoured(platform, passback):
    adapter, course = platform.adapter, passback.course
    xml = pox.request_xml("replaceResultRequest", passback.sourced_id, total_score="13", result_data={"text": "My essay"},
                          submission_details={"submittedAt": "2026-01-02T03:04:05Z", "needsAdditionalReview": None})
    assert passback.outcome(passback.send(xml), 200).code_major == "success"
    got = adapter.submission(course.id, passback.assignment, passback.student)
    assert got.get("score") == 13, f"resultTotalScore 13 gave a submission score of {got.get('score')!r} (a raw score, not a percentage)"
    assert got.get("body") == "My essay", f"resultData text gave a submission body of {got.get('body')!r}"
    assert str(got.get("submitted_at", "")).startswith("2026-01-02T03:04:05"), f"submittedAt gave {got.get('submitted_at')!r}"
    assert got.get("workflow_state") == "pending_review", f"needsAdditionalReview gave workflow_state {got.get('workflow_state')!r}"
    adapter.grade_submission(course.id, passback.assignment, passback.student, 19)
    keep = pox.request_xml("replaceResultRequest", passback.sourced_id, score="0.1", submission_details={"prioritizeNonToolGrade": None})
    assert passback.outcome(passback.send(keep), 200).code_major == "success"
    assert adapter.submission(course.id, passback.assignment, passback.student).get("score") == 19, "prioritizeNonToolGrade did not keep the teacher's grade"
