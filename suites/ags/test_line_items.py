"""Line items: create and list, paging, media types, and the context / ownership errors
(AGS-001, AGS-003, AGS-004, AGS-014 … AGS-018, AGS-065)."""

from __future__ import annotations

import uuid

from lti_harness.harness.checks import check
from lti_harness.harness.client import json_body
from lti_harness.harness.results import precondition
from lti_harness.suites.common import new_lti_key
from lti_harness.vocab import CONTAINER_TYPE, LINEITEM_READONLY_SCOPE, LINEITEM_SCOPE, LINEITEM_TYPE, RESULTS_TYPE, SCORE_SCOPE, SCORE_TYPE

from .conftest import beneath, expect_error, new_course, score

NOT_FOUND = "The specified resource does not exist."


def media_type(response) -> str:
    return response.headers.get("content-type", "").split(";")[0].strip().lower()


@check("AGS-001")
def test_created_line_item_is_listed(course):
    resource = f"harness-{uuid.uuid4().hex[:8]}"
    response = course.call("POST", course.line_items_url, [LINEITEM_SCOPE], json={"label": "Harness essay", "scoreMaximum": 25, "resourceId": resource, "tag": "grade"}, accept=LINEITEM_TYPE)
    assert response.status_code == 201, f"creating a line item answered {response.status_code}; AGS §2.4 and Canvas answer 201 with the created item: {response.text[:300]}"
    created = json_body(response)
    assert isinstance(created, dict) and isinstance(created.get("id"), str) and created["id"].startswith(("http://", "https://")), (
        f"the created line item's id is not its URL: {created!r}; AGS §2.4 says the response MUST include the id")
    if course.given_url:
        course.platform.note_created(f"AGS line item {created['id']}")
    assert created.get("resourceId") == resource and created.get("tag") == "grade", "the platform changed resourceId or tag; AGS §2.4 says it MUST NOT"
    listed = course.call("GET", course.line_items_url, [LINEITEM_READONLY_SCOPE], accept=CONTAINER_TYPE, params={"resource_id": resource})
    assert listed.status_code == 200, f"listing line items answered {listed.status_code}; the container is read with GET (AGS §2.5)"
    ids = [i.get("id") for i in json_body(listed)]
    assert ids == [created["id"]], f"the container filtered by resource_id lists {ids}, expected just the created line item (AGS §2.5: the platform MUST support the filter)"
    shown = course.call("GET", created["id"], [LINEITEM_READONLY_SCOPE], accept=LINEITEM_TYPE)
    assert shown.status_code == 200 and json_body(shown).get("id") == created["id"], f"GET on the line item id answered {shown.status_code}; AGS §2.4 says the id is addressable for GET"


@check("AGS-006")
def test_line_item_updated_and_deleted(course):
    item = course.create_item("Harness item to change", 10, tag="harness-update")
    change = {"id": item["id"], "label": "Harness item changed", "scoreMaximum": 30, "tag": "harness-update"}
    updated = course.call("PUT", item["id"], [LINEITEM_SCOPE], json=change, accept=LINEITEM_TYPE)
    assert updated.status_code == 200, f"PUT on the line item answered {updated.status_code}; AGS §2.4 says the line item is addressable for PUT: {updated.text[:300]}"
    applied = json_body(updated)
    assert isinstance(applied, dict) and applied.get("id") == item["id"], f"the PUT answer is not the line item: {applied!r}; AGS §2.4: it MUST return the line item as applied"
    shown = json_body(course.call("GET", item["id"], [LINEITEM_READONLY_SCOPE], accept=LINEITEM_TYPE))
    kept = {k: shown.get(k) for k in ("label", "scoreMaximum")} if isinstance(shown, dict) else shown
    assert kept == {k: applied.get(k) for k in ("label", "scoreMaximum")}, (
        f"the PUT answered {applied!r} but the line item reads {shown!r}; AGS §2.4: the answer is the line item as applied")
    deleted = course.call("DELETE", item["id"], [LINEITEM_SCOPE])
    assert 200 <= deleted.status_code < 300, f"DELETE on the line item answered {deleted.status_code}; Canvas answers 204 (canvas-facts.md §4): {deleted.text[:200]}"
    gone = course.call("GET", item["id"], [LINEITEM_READONLY_SCOPE], accept=LINEITEM_TYPE)
    assert gone.status_code >= 300, (f"the deleted line item still answers {gone.status_code} to GET: {gone.text[:200]}; after DELETE it must be gone "
                                     "(how an unknown line item is answered is AGS-016)")


@check("AGS-003")
def test_paging_visits_every_item_once(course):
    tag = f"page-{uuid.uuid4().hex[:8]}"
    made = {course.create_item(f"Paged {n}", tag=tag)["id"] for n in range(5)}
    seen: list[str] = []
    url, params = course.line_items_url, {"tag": tag, "limit": "2"}
    for _ in range(10):  # 5 items in pages of 2: 3 pages; more means the links never end
        response = course.call("GET", url, [LINEITEM_READONLY_SCOPE], accept=CONTAINER_TYPE, params=params)
        assert response.status_code == 200, f"GET {url} answered {response.status_code}; a Link rel=\"next\" URL must be usable unchanged (AGS §2.5)"
        page = json_body(response)
        assert len(page) <= 2, f"a page of limit=2 held {len(page)} items; limit is the page size (AGS §2.5)"
        seen += [i["id"] for i in page]
        nxt = response.links.get("next", {}).get("url")
        if not nxt:
            break
        url, params = nxt, None
    else:
        raise AssertionError("the Link rel=\"next\" headers never ended (5 line items in pages of 2 took more than 10 pages)")
    doubles = sorted({i for i in seen if seen.count(i) > 1})
    assert not doubles, f"paging returned line items more than once: {doubles}; following rel=\"next\" visits each once (AGS §2.5)"
    assert set(seen) == made, (f"paging missed {len(made - set(seen))} of the {len(made)} line items; while more items follow, the page "
                               "MUST carry a Link rel=\"next\" header (AGS §2.5)")


@check("AGS-004")
def test_line_item_media_types(course, item):
    listed = course.call("GET", course.line_items_url, [LINEITEM_READONLY_SCOPE], accept=CONTAINER_TYPE, params={"limit": "1"})
    precondition(listed.status_code == 200, f"listing line items answered {listed.status_code} (a set-up step): {listed.text[:200]}")
    assert media_type(listed) == CONTAINER_TYPE, f"the container answered as {media_type(listed)!r}; AGS §2.2 names {CONTAINER_TYPE}"
    shown = course.call("GET", item["id"], [LINEITEM_READONLY_SCOPE], accept=LINEITEM_TYPE)
    precondition(shown.status_code == 200, f"reading the line item answered {shown.status_code} (a set-up step): {shown.text[:200]}")
    assert media_type(shown) == LINEITEM_TYPE, f"the line item answered as {media_type(shown)!r}; AGS §2.2 names {LINEITEM_TYPE}"


@check("AGS-004")
def test_score_and_result_media_types(course, item):
    posted = course.post_score(item["id"], score(course.student()))
    precondition(posted.status_code == 200, f"posting a score answered {posted.status_code} (a set-up step): {posted.text[:200]}")
    assert media_type(posted) in (SCORE_TYPE, "application/json"), f"the score answer came as {media_type(posted)!r}; canvas-facts.md §4 names {SCORE_TYPE}"
    results = course.results(item["id"])
    precondition(results.status_code == 200, f"reading the results answered {results.status_code} (a set-up step): {results.text[:200]}")
    assert media_type(results) == RESULTS_TYPE, f"the results answered as {media_type(results)!r}; AGS §2.2 names {RESULTS_TYPE}"


@check("AGS-014")
def test_key_off_in_account(platform, course):
    other = new_lti_key(platform, [LINEITEM_READONLY_SCOPE])
    platform.adapter.install_tool(course.id, other.id)
    theirs = course.with_key(other)
    precondition(theirs.call("GET", course.line_items_url, [LINEITEM_READONLY_SCOPE]).status_code == 200, "a freshly installed key could not list line items (a set-up step)")
    platform.adapter.set_developer_key_binding(other.id, "off")
    try:
        expect_error(theirs.call("GET", course.line_items_url, [LINEITEM_READONLY_SCOPE]), 401, "typed", "Invalid Developer Key")
    finally:
        platform.adapter.set_developer_key_binding(other.id, "on")


@check("AGS-015")
def test_tool_not_installed(platform, course):
    stranger = new_lti_key(platform, [LINEITEM_READONLY_SCOPE])
    expect_error(course.with_key(stranger).call("GET", course.line_items_url, [LINEITEM_READONLY_SCOPE]), 401, "typed", "Access Token not linked to a Tool associated with this Context")


@check("AGS-016")
def test_unknown_line_item(course):
    missing = beneath(course.line_items_url, "987654321987")
    canvas = course.platform.missing("canvas_conventions") is None  # else the 404 alone is judged, not Canvas's body
    expect_error(course.call("GET", missing, [LINEITEM_READONLY_SCOPE], accept=LINEITEM_TYPE), 404, "generic", NOT_FOUND, canvas=canvas)
    if SCORE_SCOPE in course.default_scopes:  # the line item is looked up before the user, so any user id will do
        user = course.students[0] if course.students else "harness-unknown-user"
        expect_error(course.post_score(missing, score(user)), 404, "generic", NOT_FOUND, canvas=canvas)


@check("AGS-017")
def test_deleted_course(platform, course):
    doomed = new_course(platform, course.lti, "LTI Harness course to delete")
    precondition(doomed.call("GET", doomed.line_items_url, [LINEITEM_READONLY_SCOPE]).status_code == 200, "a new course's line items could not be listed (a set-up step)")
    platform.adapter.set_course_state(doomed.id, "delete")
    expect_error(doomed.call("GET", doomed.line_items_url, [LINEITEM_READONLY_SCOPE]), 404, "typed", "Context not found", "Context is deleted or not found")


@check("AGS-018")
def test_other_tools_line_item(platform, course):
    other = new_lti_key(platform, [LINEITEM_SCOPE, LINEITEM_READONLY_SCOPE])
    platform.adapter.install_tool(course.id, other.id)
    theirs = course.with_key(other).create_item("Another tool's item")
    mine = course.call("GET", theirs["id"], [LINEITEM_READONLY_SCOPE], accept=LINEITEM_TYPE)
    expect_error(mine, 412, "typed", "Tool does not have permission to view line_item")


@check("AGS-065")
def test_list_shows_own_line_items(platform, course):
    other = new_lti_key(platform, [LINEITEM_SCOPE, LINEITEM_READONLY_SCOPE])
    platform.adapter.install_tool(course.id, other.id)
    theirs = course.with_key(other).create_item("Another tool's listed item")
    seen, url = [], course.line_items_url
    for _ in range(50):  # pages of the container, bounded
        response = course.call("GET", url, [LINEITEM_READONLY_SCOPE], accept=CONTAINER_TYPE)
        body = json_body(response)
        precondition(response.status_code == 200 and isinstance(body, list), f"listing the line items answered {response.status_code}: {response.text[:200]}")
        seen += [i.get("id") for i in body if isinstance(i, dict)]
        url = response.links.get("next", {}).get("url")
        if not url:
            break
    assert theirs["id"] not in seen, f"the line-item list of one tool shows another tool's line item {theirs['id']}"

