"""A real LTI tool library (PyLTI1p3, from PyPI) gets a token from the mock platform and posts
grades through AGS: finds or creates its line item, posts scores, reads the results back."""

from __future__ import annotations

from datetime import datetime, timezone

import httpx
from pylti1p3.assignments_grades import AssignmentsGradesService
from pylti1p3.grade import Grade
from pylti1p3.lineitem import LineItem
from pylti1p3.registration import Registration
from pylti1p3.service_connector import ServiceConnector

from lti_harness import mock_platform
from lti_harness.harness import keys

ADMIN = {"Authorization": "Bearer real-client-admin"}
AGS = "https://purl.imsglobal.org/spec/lti-ags/scope/"
SCOPES = [AGS + "lineitem", AGS + "lineitem.readonly", AGS + "score", AGS + "result.readonly"]


def setup_course(base: str, pair: keys.KeyPair) -> tuple[str, str, str]:
    """An LTI key holding the tool's public JWK, a course with the tool installed and one student."""
    with httpx.Client(base_url=base, headers=ADMIN) as admin:
        key = admin.post("/api/v1/accounts/1/developer_keys", json={"developer_key": {
            "name": "PyLTI1p3 tool", "is_lti_key": True, "public_jwk": pair.public_jwk, "scopes": SCOPES}}).json()["id"]
        course = admin.post("/api/v1/accounts/1/courses", json={"course": {"name": "Real client course"}}).json()["id"]
        admin.post(f"/api/v1/courses/{course}/external_tools", json={"client_id": key}).raise_for_status()
        student = admin.post("/api/v1/accounts/1/users", json={"user": {"name": "Student"}}).json()
        admin.post(f"/api/v1/courses/{course}/enrollments", json={"enrollment": {"user_id": student["id"], "type": "StudentEnrollment"}}).raise_for_status()
    return key, str(course), student["lti_user_id"]


def grade(user: str, given: float) -> Grade:
    now = datetime.now(timezone.utc)
    stamp = now.strftime("%Y-%m-%dT%H:%M:%S.") + f"{now.microsecond // 1000:03d}+00:00"
    return (Grade().set_score_given(given).set_score_maximum(10).set_timestamp(stamp)
            .set_activity_progress("Completed").set_grading_progress("FullyGraded").set_user_id(user))


def test_pylti1p3_posts_grades_to_the_mock(serve):
    base = serve(mock_platform.create_app(mock_platform.PlatformConfig(admin_token="real-client-admin")))
    pair = keys.generate()
    client_id, course, student = setup_course(base, pair)
    registration = (Registration().set_client_id(client_id).set_auth_token_url(f"{base}/login/oauth2/token")
                    .set_tool_private_key(pair.private_pem.decode()).set_issuer(base))
    service = AssignmentsGradesService(ServiceConnector(registration), {"scope": SCOPES, "lineitems": f"{base}/api/lti/courses/{course}/line_items"})
    wanted = LineItem().set_label("Quiz 1").set_score_maximum(10).set_tag("quiz").set_resource_id("quiz-1")

    answer = service.put_grade(grade(student, 6), wanted)
    assert answer["body"]["resultUrl"].startswith(base)
    service.put_grade(grade(student, 8), wanted)  # finds the line item it created instead of making another

    items = service.get_lineitems()
    assert [i["label"] for i in items] == ["Quiz 1"], items
    results = service.get_grades(LineItem(items[0]))
    assert [(r["userId"], r["resultScore"], r["resultMaximum"]) for r in results] == [(student, 8, 10)]
