"""The OpenAPI contract of the developer-key routes with the token endpoint (KEY-025, KEY-026 for the
document's links) and of the REST routes of courses and users (KEY-027), checked by schemathesis."""

from __future__ import annotations

from typing import Any

import pytest

from lti_harness.harness import contract
from lti_harness.harness.checks import check
from lti_harness.harness.plugin import not_applicable
from lti_harness.harness.session import HarnessSession

KEY_OPERATIONS = contract.declare("KEY-025", "platform", contract.area_operations("developer_keys"))
contract.declare("KEY-026", "platform", KEY_OPERATIONS)
KEY_SCHEMA = contract.subset("platform", KEY_OPERATIONS)
# The user's authorize step is a browser redirect: positive data only; the token endpoint validates its form.
KEY_CASES = contract.cases(KEY_OPERATIONS, negative=("POST", "PUT"))
REST_OPERATIONS = contract.declare("KEY-027", "platform", contract.area_operations("courses"))
REST_SCHEMA = contract.subset("platform", REST_OPERATIONS)
REST_CASES = contract.cases(REST_OPERATIONS)


def _key_area(platform: HarnessSession) -> contract.Area:
    """The account's developer-key routes with the admin's token; ids name a key the harness made (a DELETE
    of it is given a fresh key)."""
    if "key contract area" not in platform.cache:
        target = platform.platform
        assert target is not None
        redirect = f"{platform.harness_tool.base_url}/oauth2/callback"

        def new_key() -> str:
            return str(platform.adapter.create_developer_key({"name": platform.unique("LTI Harness contract key"), "redirect_uris": [redirect]})["id"])

        ids = {"id": new_key()}
        ids["developer_key_id"] = ids["id"]

        def prepare(case: Any) -> None:
            params = case.path_parameters or {}
            if case.method == "DELETE" and params.get("id") == ids["id"]:
                params["id"] = new_key()

        platform.cache["key contract area"] = contract.Area(
            client=platform.client, base_url=target.base_url, schema=KEY_SCHEMA,
            credentials={"adminBearer": lambda: target.admin_token}, pinned={"account_id": target.account_id},
            ids=ids, prepare=prepare, after=contract.noting(platform, "developer key"),
        )
    return platform.cache["key contract area"]


def _rest_area(platform: HarnessSession) -> contract.Area:
    """The REST routes of courses and users with the admin's token (an unscoped API token), in a course and
    with a user of the run's own (a DELETE of the course is given a fresh one)."""
    if "rest contract area" not in platform.cache:
        target = platform.platform
        assert target is not None
        adapter = platform.adapter

        def new_course() -> str:
            return str(adapter.create_course(platform.unique("LTI Harness contract course"))["id"])

        course = new_course()
        user = str(adapter.create_user("Harness Contract Student")["id"])
        adapter.enroll(course, user)
        ids = {"id": course, "course_id": course, "user_id": "self"}  # Canvas names the token's own user "self"
        modules = platform.client.get(f"{target.base_url}/api/v1/courses/{course}/modules", headers={"Authorization": f"Bearer {target.admin_token}"})
        listed = modules.json() if modules.status_code == 200 and modules.headers.get("content-type", "").startswith("application/json") else []
        if isinstance(listed, list) and listed and isinstance(listed[0], dict) and listed[0].get("id") is not None:
            ids["module_id"] = str(listed[0]["id"])

        def prepare(case: Any) -> None:
            params = case.path_parameters or {}
            if case.method == "DELETE" and params.get("id") == course:
                params["id"] = new_course()
            elif case.path == "/api/v1/users/{id}" and params.get("id") == course:
                params["id"] = "self"

        platform.cache["rest contract area"] = contract.Area(
            client=platform.client, base_url=target.base_url, schema=REST_SCHEMA,
            credentials={"adminBearer": lambda: target.admin_token, "apiAccessToken": lambda: target.admin_token},
            pinned={"account_id": target.account_id}, ids=ids, prepare=prepare,
            after=contract.noting(platform, "course or user"),
        )
    return platform.cache["rest contract area"]


@check("KEY-025")
@pytest.mark.parametrize("path,method,mode", KEY_CASES, ids=contract.case_ids(KEY_CASES))
def test_developer_key_contract(platform, path, method, mode):
    contract.check_operation(_key_area(platform), path, method, mode)


@check("KEY-026")
def test_developer_key_links(platform):
    contract.run_stateful(_key_area(platform))


@check("KEY-027")
@pytest.mark.parametrize("path,method,mode", REST_CASES, ids=contract.case_ids(REST_CASES))
def test_rest_contract(platform, path, method, mode):
    area = _rest_area(platform)
    try:
        contract.run_operation(area, path, method, mode)
    except contract.NotThere as exc:
        if "{module_id}" in path and "module_id" not in area.ids:  # a new course has no module (deep links make them)
            not_applicable(f"{exc}; the run's course has no module to name, so its answers were all for generated module ids")
        not_applicable(str(exc))
