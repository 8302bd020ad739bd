"""The OpenAPI contract of the AGS routes, checked by schemathesis: each operation (AGS-066) and the
document's links, line items → scores → results (AGS-067)."""

from __future__ import annotations

from typing import Any

import pytest

from lti_harness.harness import contract
from lti_harness.harness.checks import check
from lti_harness.harness.client import json_body
from lti_harness.harness.plugin import not_applicable
from lti_harness.harness.results import precondition

from lti_harness.vocab import RESULT_READONLY_SCOPE, RESULTS_TYPE

from .conftest import Course, beneath, score, stamp

OPERATIONS = contract.area_operations("ags")
SCHEMA = contract.subset("platform", OPERATIONS)
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
