"""The OpenAPI contract of the AGS routes, checked by schemathesis: each operation (AGS-066) and the
document's links, line items → scores → results (AGS-067); and of the outcomes routes, LTI 1.1 grade
passback and the submissions (AGS-068)."""

from __future__ import annotations

import secrets
from typing import Any

import pytest

from lti_harness.harness import contract
from lti_harness.harness.checks import check
from lti_harness.harness.client import json_body
from lti_harness.harness.plugin import not_applicable
from lti_harness.harness.results import precondition

from lti_harness.vocab import RESULT_READONLY_SCOPE, RESULTS_TYPE

from .conftest import Course, beneath, score, stamp

OPERATIONS = contract.declare("AGS-066", "platform", contract.area_operations("ags"))
contract.declare("AGS-067", "platform", OPERATIONS)
SCHEMA = contract.subset("platform", OPERATIONS)
OUTCOME_OPERATIONS = contract.declare("AGS-068", "platform", contract.area_operations("outcomes"))
OUTCOME_SCHEMA = contract.subset("platform", OUTCOME_OPERATIONS)
# The passback's generated POX bodies are unsigned (schemathesis cannot sign what it serializes): positive data only.
OUTCOME_CASES = contract.cases(OUTCOME_OPERATIONS, negative=("PUT",))
CASES = contract.cases(OPERATIONS)  # negative data where the platform validates input: line items and scores (AGS §2.4, §2.6)


def _leaf(url: Any) -> str:
    return str(url).rstrip("/").rsplit("/", 1)[-1].split("?", 1)[0]


def _area(course: Course) -> contract.Area:
    """The course's AGS routes, with an LTI token of every AGS scope, a line item and a result of its own."""
    session = course.platform
    if not course.id:
        not_applicable("the contract run addresses Canvas's AGS routes by course id; the profile's hand registration gives only a lineitems_url")
    cache_key = f"ags contract area {course.id}"
    if cache_key not in session.cache:
        item = course.create_item("Harness contract item")
        student = course.student()
        posted = course.post_score(item["id"], score(student))
        precondition(posted.status_code == 200, f"posting a score (a set-up step) answered {posted.status_code}")
        results = course.call("GET", beneath(item["id"], "results"), [RESULT_READONLY_SCOPE], accept=RESULTS_TYPE)
        listed = json_body(results) if results.status_code == 200 else None
        precondition(isinstance(listed, list) and listed and isinstance(listed[0], dict) and listed[0].get("id"),
                     f"listing the results of a scored line item (a set-up step) answered {results.status_code}")
        assert isinstance(listed, list)
        ids = {"id": _leaf(item["id"]), "result_id": _leaf(listed[0]["id"])}
        students = list(course.students)

        def prepare(case: Any) -> None:
            if case.method == "DELETE" and (case.path_parameters or {}).get("id") == ids["id"]:
                case.path_parameters["id"] = _leaf(course.create_item("Harness contract item (deleted)")["id"])  # keep the shared one
            body = case.body
            if not isinstance(body, dict) or hash(repr(body)) % 2:
                return
            if case.path.endswith("/scores"):  # half the scores name a student, now
                case.body = {**body, "userId": students[hash(repr(body)) % len(students)], "timestamp": stamp()}
            elif case.method in ("POST", "PUT"):  # half the line items leave out their dates (Canvas takes 1970…3000 only)
                case.body = {k: v for k, v in body.items() if k not in ("startDateTime", "endDateTime")}

        assert session.platform is not None
        session.cache[cache_key] = contract.Area(
            client=session.client, base_url=session.platform.base_url, schema=SCHEMA,
            credentials={"ltiAccessToken": lambda: course.token(course.default_scopes)},
            pinned={"course_id": course.id}, ids=ids, prepare=prepare,
        )
    return session.cache[cache_key]


@check("AGS-066")
@pytest.mark.parametrize("path,method,mode", CASES, ids=contract.case_ids(CASES))
def test_ags_contract(course, path, method, mode):
    contract.check_operation(_area(course), path, method, mode)


@check("AGS-067")
def test_ags_links(course):
    contract.run_stateful(_area(course))


def _outcomes_area(course: Course) -> contract.Area:
    """The outcomes routes in the course: an LTI 1.1 tool and an assignment of the harness's own, a student
    of the course; the submissions with the admin's token, the passback without a signature."""
    session = course.platform
    if not course.id:
        not_applicable("the outcomes routes are addressed by course id; the profile's hand registration gives none")
    cache_key = f"outcomes contract area {course.id}"
    if cache_key not in session.cache:
        target = session.platform
        assert target is not None
        adapter = session.adapter
        tool = adapter.install_legacy_tool(course.id, f"harness-{session.unique('contract')}", secrets.token_urlsafe(24))
        assignment = adapter.create_assignment(course.id, {"name": session.unique("Harness contract outcomes assignment"),
                                                           "points_possible": 10, "submission_types": ["external_tool"]})
        session.cache[cache_key] = contract.Area(
            client=session.client, base_url=target.base_url, schema=OUTCOME_SCHEMA,
            credentials={"adminBearer": lambda: target.admin_token},
            pinned={"course_id": course.id, "tool_id": str(tool["id"])},
            ids={"assignment_id": str(assignment["id"]), "user_id": str(course.student_ids[0])},
        )
    return session.cache[cache_key]


@check("AGS-068")
@pytest.mark.parametrize("path,method,mode", OUTCOME_CASES, ids=contract.case_ids(OUTCOME_CASES))
def test_outcomes_contract(course, path, method, mode):
    contract.check_operation(_outcomes_area(course), path, method, mode)
