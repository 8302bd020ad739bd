"""LTI Advantage scopes on the services (KEY-009 … KEY-011): AGS line items and the registration
configuration endpoint refuse tokens without their scope; a scope removed from the key."""

from __future__ import annotations

import httpx

from lti_harness.harness.checks import check
from lti_harness.harness.client import json_body
from lti_harness.harness.results import precondition
from lti_harness.suites import common
from lti_harness.vocab import CONTAINER_TYPE, LINEITEM_READONLY_SCOPE, LINEITEM_SCOPE, LINEITEM_TYPE, REG_READ_SCOPE, SCORE_SCOPE

from .conftest import course_id, lti_token, new_lti_key

PERMISSIONS = "Insufficient permissions"


def line_items_url(platform, course: str) -> str:
    return f"{platform.platform.base_url}/api/lti/courses/{course}/line_items"


def ags(platform, method: str, course: str, token: str, body: dict | None = None) -> httpx.Response:
    headers = {"Authorization": f"Bearer {token}", "Accept": f"{CONTAINER_TYPE}, application/json"}
    if body is not None:
        headers["Content-Type"] = LINEITEM_TYPE
        return platform.client.request(method, line_items_url(platform, course), headers=headers, json=body)
    return platform.client.request(method, line_items_url(platform, course), headers=headers)


def deployed_key(platform, scopes: list[str]):
    lti = new_lti_key(platform, scopes)
    course = course_id(platform)
    platform.adapter.install_tool(course, lti.id)
    return lti, course


def assert_insufficient_permissions(response: httpx.Response, what: str) -> None:
    assert response.status_code == 401, f"{what}: answered {response.status_code}; a token without the route's AGS scope gets 401 (canvas-facts.md §4)"
    body = json_body(response)
    errors = body.get("errors") if isinstance(body, dict) else None
    message = errors.get("message") if isinstance(errors, dict) else None
    assert message == PERMISSIONS, f'{what}: expected {{"errors":{{"type":"unauthorized","message":"{PERMISSIONS}"}}}}, got {body!r}'


@check("KEY-010")
def test_ags_scopes_enforced(platform):
    lti, course = deployed_key(platform, [LINEITEM_SCOPE, LINEITEM_READONLY_SCOPE, SCORE_SCOPE])
    item = {"label": "Harness scope check", "scoreMaximum": 10}
    writer = lti_token(platform, lti, [LINEITEM_SCOPE])
    created = ags(platform, "POST", course, writer, item)
    precondition(created.status_code == 201, f"a lineitem token could not create a line item (a set-up step): {created.status_code} {created.text[:300]}")
    reader = lti_token(platform, lti, [LINEITEM_READONLY_SCOPE])
    listed = ags(platform, "GET", course, reader)
    precondition(listed.status_code == 200, f"a lineitem.readonly token could not list line items (a set-up step): {listed.status_code} {listed.text[:300]}")
    assert_insufficient_permissions(ags(platform, "POST", course, reader, item), "POST line_items with a lineitem.readonly token")
    scorer = lti_token(platform, lti, [SCORE_SCOPE])
    assert_insufficient_permissions(ags(platform, "GET", course, scorer), "GET line_items with a score-only token")


@check("KEY-009")
def test_removed_scope_invalidates_lti_tokens(platform):
    lti, course = deployed_key(platform, [LINEITEM_SCOPE, LINEITEM_READONLY_SCOPE, SCORE_SCOPE])
    reader = lti_token(platform, lti, [LINEITEM_READONLY_SCOPE])
    before = ags(platform, "GET", course, reader)
    precondition(before.status_code == 200, f"a lineitem.readonly token could not list line items before the change (a set-up step): {before.status_code} {before.text[:300]}")
    platform.adapter.update_developer_key(lti.id, {"scopes": [LINEITEM_SCOPE, SCORE_SCOPE]})
    after = ags(platform, "GET", course, reader)
    assert after.status_code == 401, (
        f"an LTI token issued before lineitem.readonly was removed from its key still lists line items ({after.status_code}); "
        "the document says every token derived from the key is invalidated (real Canvas keeps it until it expires)"
    )


@check("KEY-011")
def test_registration_endpoint_scopes_enforced(platform):
    tool = common.register(platform, [REG_READ_SCOPE, SCORE_SCOPE])
    allowed = tool.read(tool.token([REG_READ_SCOPE]))
    precondition(allowed.status_code == 200, f"a registration.readonly token could not read the configuration (a set-up step): {allowed.status_code}")
    refused = tool.read(tool.token([SCORE_SCOPE]))
    assert refused.status_code == 401, f"a token with only the AGS score scope read the registration configuration ({refused.status_code})"
    body = json_body(refused)
    assert isinstance(body, dict) and isinstance(body.get("errorMessage"), str), f'the 401 body is not {{"errorMessage": ...}}: {body!r}'
