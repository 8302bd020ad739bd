"""Scores and results: the happy path, scopes, and each documented score error
(AGS-002, AGS-005, AGS-010 … AGS-013, AGS-019 … AGS-025, AGS-030)."""

from __future__ import annotations

from typing import Any

from lti_harness.harness.adapters import AdminActionFailed
from lti_harness.harness.checks import check
from lti_harness.harness.client import json_body
from lti_harness.harness.results import cannot_test, precondition
from lti_harness.vocab import LINEITEM_READONLY_SCOPE, RESULT_READONLY_SCOPE, SCORE_SCOPE

from .conftest import SUBMISSION_EXT, expect_error, new_course, score, stamp

MAX_MISSING = "ScoreMaximum not supplied when ScoreGiven present"
LINK = "The specified LTI link ID is not associated with the line item"


def linked_item(platform, course, **fields: Any) -> dict[str, Any]:
    """A line item behind an assignment that launches the harness's tool (so it has a resource link)."""
    fields = {"name": "Harness linked assignment", "points_possible": 10, "submission_types": ["external_tool"], **fields}
    fields["external_tool_tag_attributes"] = {"content_id": course.tool_id or course.lti.id, "content_type": "ContextExternalTool"}
    try:
        assignment = platform.adapter.create_assignment(course.id, fields)
    except AdminActionFailed as exc:  # a route outside DESIGN.md's admin surface: the set-up, not the rule
        cannot_test(f"the check needs an assignment bound to the harness's tool (POST /api/v1/courses/:course_id/assignments): {exc}")
        raise
    link = (assignment.get("external_tool_tag_attributes") or {}).get("resource_link_id")
    precondition(link, f"the assignment made for the check shows no resource link id, so it cannot be addressed: {assignment!r}")
    listed = course.call("GET", course.line_items_url, [LINEITEM_READONLY_SCOPE], params={"resource_link_id": link})
    items = json_body(listed) if listed.status_code == 200 else []
    precondition(isinstance(items, list) and len(items) == 1,
                 f"the line items filtered by resource_link_id={link} are {items!r}, not the assignment's one (a set-up step)")
    return items[0]


def result_for(course, item_url: str, user: str) -> dict[str, Any] | None:
    response = course.results(item_url, user_id=user)
    assert response.status_code == 200, f"GET results?user_id answered {response.status_code}: {response.text[:300]}"
    found = [r for r in json_body(response) if str(r.get("userId")) == user]
    return found[0] if found else None


def ratio(result: dict[str, Any]) -> float | None:
    if result.get("resultScore") is None:
        return None
    return float(result["resultScore"]) / float(result.get("resultMaximum") or 1)


@check("AGS-002")
def test_score_updates_result(course, item):
    first, second = course.students
    response = course.post_score(item["id"], score(first, 7, 10, comment="Well done"))
    assert response.status_code == 200, f"posting a score answered {response.status_code}: {response.text[:300]}"
    result = result_for(course, item["id"], first)
    assert result is not None, "the results hold nothing for the scored user"
    assert ratio(result) == 0.7, f"the result is {result.get('resultScore')}/{result.get('resultMaximum')}, expected 7/10"
    assert result.get("scoreOf") in (None, item["id"]), f"scoreOf {result.get('scoreOf')!r} is not the line item"
    other = course.results(item["id"], user_id=second)
    assert all(str(r.get("userId")) == second for r in json_body(other)), "results?user_id returned another user's result"
    assert result_for(course, item["id"], second) is None or ratio(result_for(course, item["id"], second)) is None


@check("AGS-005")
def test_score_and_result_scopes(course, item):
    refused = course.post_score(item["id"], score(course.students[0]), [RESULT_READONLY_SCOPE])
    expect_error(refused, 401, "typed", "Insufficient permissions")
    no_read = course.call("GET", f"{item['id']}/results", [SCORE_SCOPE])
    expect_error(no_read, 401, "typed", "Insufficient permissions")
    assert course.post_score(item["id"], score(course.students[0])).status_code == 200, "a score token could not post a score"


@check("AGS-010")
def test_missing_parameter(course, item):
    body = score(course.students[0])
    del body["timestamp"]
    expect_error(course.post_score(item["id"], body), 400, "generic", "timestamp is missing")


@check("AGS-011")
def test_invalid_timestamp(course, item):
    body = score(course.students[0], timestamp="yesterday-ish")
    expect_error(course.post_score(item["id"], body), 400, "typed", "Provided timestamp of yesterday-ish not a valid timestamp")


@check("AGS-012")
def test_timestamp_before_last_update(course, item):
    student = course.students[0]
    earlier, later = stamp(-60), stamp()
    first = course.post_score(item["id"], score(student, 5, timestamp=later))
    precondition(first.status_code == 200, f"the first score was refused (a set-up step): {first.status_code} {first.text[:200]}")
    refused = course.post_score(item["id"], score(student, 9, timestamp=earlier))
    expect_error(refused, 400, "typed", f"Provided timestamp of {earlier} before last updated timestamp of ", prefix=True)
    assert ratio(result_for(course, item["id"], student) or {}) == 0.5, "the refused older score changed the result"


@check("AGS-013")
def test_submitted_at_in_the_future(course, item):
    future = stamp(3 * 24 * 3600)
    body = score(course.students[1], **{SUBMISSION_EXT: {"submitted_at": future, "new_submission": False}})
    expect_error(course.post_score(item["id"], body), 400, "typed", f"Provided submitted_at timestamp of {future} in the future")


@check("AGS-019")
def test_resource_link_not_of_this_item(platform, course):
    linked = linked_item(platform, course)
    body = score(course.students[0], resourceLinkId="not-this-line-items-link")
    expect_error(course.post_score(linked["id"], body), 412, "typed", LINK, LINK + ".")


@check("AGS-020")
def test_concluded_course(platform, course):
    ended = new_course(platform, course.lti, "LTI Harness course to conclude")
    target = ended.create_item()
    platform.adapter.set_course_state(ended.id, "conclude")
    response = ended.post_score(target["id"], score(ended.students[0]))
    assert response.status_code >= 300, f"a concluded course accepted a score ({response.status_code}); seed 003 says its AGS requests are no longer accepted"
    if response.status_code != 404:  # 404: real Canvas without the ags_improved_course_concluded_response_codes flag
        expect_error(response, 422, "typed", "This course has concluded. AGS requests will no longer be accepted for this course.")


@check("AGS-021")
def test_user_not_a_student(course, item):
    expect_error(course.post_score(item["id"], score(course.teacher)), 422, "typed", "User not found in course or is not a student")
    nobody = score(course.students[0])
    del nobody["userId"]
    expect_error(course.post_score(item["id"], nobody), 422, "typed", "User not found in course or is not a student")


@check("AGS-022")
def test_negative_score_maximum(course, item):
    expect_error(course.post_score(item["id"], score(course.students[0], 1, -1)), 422, "typed", "ScoreMaximum must be greater than or equal to 0")


@check("AGS-023")
def test_score_given_without_maximum(course, item):
    response = course.post_score(item["id"], score(course.students[0], 4, None))
    expect_error(response, (422, 412), "typed", MAX_MISSING, MAX_MISSING + ".")


@check("AGS-024")
def test_content_items_need_online_upload(course, item):
    ext = {"new_submission": True, "submission_type": "online_text_entry", "content_items": [{"type": "file", "url": "https://files.invalid/essay.txt", "title": "essay.txt"}]}
    body = score(course.students[0], **{SUBMISSION_EXT: ext})
    expect_error(course.post_score(item["id"], body), 422, "typed", "Content items must be provided with submission type 'online_upload'")


@check("AGS-025")
def test_attempts_exhausted(platform, course):
    limited = linked_item(platform, course, submission_types=["online_upload", "external_tool"], allowed_attempts=1)
    ext = {"new_submission": True, "submission_type": "external_tool"}
    student = course.students[1]
    first = course.post_score(limited["id"], score(student, **{SUBMISSION_EXT: ext}))
    precondition(first.status_code == 200, f"the first (allowed) submission was refused (a set-up step): {first.status_code} {first.text[:300]}")
    expect_error(course.post_score(limited["id"], score(student, **{SUBMISSION_EXT: ext})), 422, "typed",
                 "The maximum number of allowed attempts has been reached for this submission")


@check("AGS-030")
def test_documented_wording(platform, course, item):
    expect_error(course.post_score(item["id"], score(course.students[0], 4, None)), (422, 412), "typed", MAX_MISSING)
    linked = linked_item(platform, course)
    expect_error(course.post_score(linked["id"], score(course.students[0], resourceLinkId="not-this-line-items-link")), 412, "typed", LINK)
