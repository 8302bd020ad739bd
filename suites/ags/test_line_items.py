"""Line items: create and list, paging, media types, and the context / ownership errors
(AGS-001, AGS-003, AGS-004, AGS-014 … AGS-018)."""

from __future__ import annotations

import uuid

from harness.checks import check
from harness.client import json_body
from suites.common import LINEITEM, LINEITEM_READ, new_lti_key

from .conftest import CONTAINER_TYPE, LINEITEM_TYPE, RESULTS_TYPE, SCORE_TYPE, expect_error, new_course, score

NOT_FOUND = "The specified resource does not exist."


def media_type(response) -> str:
    return response.headers.get("content-type", "").split(";")[0].strip().lower()


@check("AGS-001")
def test_created_line_item_is_listed(course):
    resource = f"harness-{uuid.uuid4().hex[:8]}"
    response = course.call("POST", course.line_items_url, [LINEITEM], json={"label": "Harness essay", "scoreMaximum": 25, "resourceId": resource, "tag": "grade"}, accept=LINEITEM_TYPE)
    assert response.status_code == 201, f"creating a line item answered {response.status_code}, expected 201: {response.text[:300]}"
    created = json_body(response)
    assert isinstance(created.get("id"), str) and created["id"].startswith(("http://", "https://")), f"the line item id is not its URL: {created.get('id')!r}"
    assert created.get("label") == "Harness essay" and created.get("scoreMaximum") == 25, f"the created line item does not echo label and scoreMaximum: {created!r}"
    assert created.get("resourceId") == resource and created.get("tag") == "grade", "the platform changed resourceId or tag (it must not)"
    listed = course.call("GET", course.line_items_url, [LINEITEM_READ], accept=CONTAINER_TYPE, params={"resource_id": resource})
    assert listed.status_code == 200, f"listing line items answered {listed.status_code}"
    ids = [i.get("id") for i in json_body(listed)]
    assert ids == [created["id"]], f"the container filtered by resource_id lists {ids}, expected just the created line item"
    shown = course.call("GET", created["id"], [LINEITEM_READ], accept=LINEITEM_TYPE)
    assert shown.status_code == 200 and json_body(shown).get("id") == created["id"], f"GET on the line item id answered {shown.status_code}"


@check("AGS-003")
def test_paging_visits_every_item_once(course):
    tag = f"page-{uuid.uuid4().hex[:8]}"
    made = {course.create_item(f"Paged {n}", tag=tag)["id"] for n in range(5)}
    seen: list[str] = []
    url, params = course.line_items_url, {"tag": tag, "limit": "2"}
    for _ in range(10):  # 5 items in pages of 2: 3 pages; more means the links never end
        response = course.call("GET", url, [LINEITEM_READ], accept=CONTAINER_TYPE, params=params)
        assert response.status_code == 200, f"GET {url} answered {response.status_code}"
        page = json_body(response)
        assert len(page) <= 2, f"a page of limit=2 held {len(page)} items"
        seen += [i["id"] for i in page]
        nxt = response.links.get("next", {}).get("url")
        if not nxt:
            break
        url, params = nxt, None
    else:
        raise AssertionError("the Link rel=\"next\" headers never ended")
    doubles = sorted({i for i in seen if seen.count(i) > 1})
    assert not doubles, f"paging returned line items more than once: {doubles}"
    assert set(seen) == made, f"paging missed {len(made - set(seen))} of the {len(made)} line items"


@check("AGS-004")
def test_media_types(course, item):
    listed = course.call("GET", course.line_items_url, [LINEITEM_READ], accept=CONTAINER_TYPE, params={"limit": "1"})
    assert media_type(listed) == CONTAINER_TYPE, f"the container answered as {media_type(listed)!r}"
    shown = course.call("GET", item["id"], [LINEITEM_READ], accept=LINEITEM_TYPE)
    assert media_type(shown) == LINEITEM_TYPE, f"the line item answered as {media_type(shown)!r}"
    posted = course.post_score(item["id"], score(course.students[0]))
    assert posted.status_code == 200, f"posting a score answered {posted.status_code}"
    assert media_type(posted) in (SCORE_TYPE, "application/json"), f"the score answer came as {media_type(posted)!r}"
    results = course.results(item["id"])
    assert media_type(results) == RESULTS_TYPE, f"the results answered as {media_type(results)!r}"


@check("AGS-014")
def test_key_off_in_account(platform, course):
    other = new_lti_key(platform, [LINEITEM_READ])
    platform.adapter.install_tool(course.id, other.id)
    theirs = course.with_key(other)
    assert theirs.call("GET", course.line_items_url, [LINEITEM_READ]).status_code == 200, "a freshly installed key could not list line items"
    platform.adapter.set_developer_key_binding(other.id, "off")
    try:
        expect_error(theirs.call("GET", course.line_items_url, [LINEITEM_READ]), 401, "typed", "Invalid Developer Key")
    finally:
        platform.adapter.set_developer_key_binding(other.id, "on")


@check("AGS-015")
def test_tool_not_installed(platform, course):
    stranger = new_lti_key(platform, [LINEITEM_READ])
    expect_error(course.with_key(stranger).call("GET", course.line_items_url, [LINEITEM_READ]), 401, "typed", "Access Token not linked to a Tool associated with this Context")


@check("AGS-016")
def test_unknown_line_item(course):
    missing = f"{course.line_items_url}/987654321987"
    expect_error(course.call("GET", missing, [LINEITEM_READ], accept=LINEITEM_TYPE), 404, "generic", NOT_FOUND)
    expect_error(course.post_score(missing, score(course.students[0])), 404, "generic", NOT_FOUND)


@check("AGS-017")
def test_deleted_course(platform, course):
    doomed = new_course(platform, course.lti, "LTI Harness course to delete")
    assert doomed.call("GET", doomed.line_items_url, [LINEITEM_READ]).status_code == 200
    platform.adapter.set_course_state(doomed.id, "delete")
    expect_error(doomed.call("GET", doomed.line_items_url, [LINEITEM_READ]), 404, "typed", "Context not found", "Context is deleted or not found")


@check("AGS-018")
def test_other_tools_line_item(platform, course):
    other = new_lti_key(platform, [LINEITEM, LINEITEM_READ])
    platform.adapter.install_tool(course.id, other.id)
    theirs = course.with_key(other).create_item("Another tool's item")
    mine = course.call("GET", theirs["id"], [LINEITEM_READ], accept=LINEITEM_TYPE)
    expect_error(mine, 412, "typed", "Tool does not have permission to view line_item")

