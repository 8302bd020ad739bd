"""The mock platform's AGS and LTI 1.1 outcomes, in-process: the before-action order, paging,
throttling, OAuth 1.0a replay and expiry, deleteResult, hostile XML, and no 5xx for any score body."""

from __future__ import annotations

import time

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from oauthlib.oauth1 import Client as OAuth1
from starlette.testclient import TestClient

from lti_harness import mock_platform
from lti_harness.harness import keys, pox

BASE = "http://127.0.0.1:8000"
ADMIN = {"Authorization": "Bearer t"}
AGS = "https://purl.imsglobal.org/spec/lti-ags/scope/"
SCOPES = [AGS + "lineitem", AGS + "lineitem.readonly", AGS + "score", AGS + "result.readonly"]


class World:
    def __init__(self, *faults: str) -> None:
        self.c = TestClient(mock_platform.create_app(mock_platform.PlatformConfig(admin_token="t", faults=set(faults))), base_url=BASE)
        self.pair = keys.generate()
        self.key = self.c.post("/api/v1/accounts/1/developer_keys", headers=ADMIN, json={"developer_key": {"name": "t", "is_lti_key": True, "public_jwk": self.pair.public_jwk, "scopes": SCOPES}}).json()["id"]
        self.course = self.c.post("/api/v1/accounts/1/courses", headers=ADMIN, json={"course": {"name": "C"}}).json()["id"]
        self.c.post(f"/api/v1/courses/{self.course}/external_tools", headers=ADMIN, json={"client_id": self.key})
        self.student = self.c.post("/api/v1/accounts/1/users", headers=ADMIN, json={"user": {"name": "S"}}).json()
        self.c.post(f"/api/v1/courses/{self.course}/enrollments", headers=ADMIN, json={"enrollment": {"user_id": self.student["id"]}})
        assertion = keys.client_assertion(self.pair, self.key, f"{BASE}/login/oauth2/token")
        token = self.c.post("/login/oauth2/token", data={"grant_type": "client_credentials", "client_assertion_type": "urn:ietf:params:oauth:client-assertion-type:jwt-bearer", "client_assertion": assertion, "scope": " ".join(SCOPES)}).json()["access_token"]
        self.auth = {"Authorization": f"Bearer {token}"}
        self.items = f"/api/lti/courses/{self.course}/line_items"

    def item(self, **extra) -> str:
        r = self.c.post(self.items, headers=self.auth, json={"label": "L", "scoreMaximum": 10, **extra})
        assert r.status_code == 201, r.text
        return r.json()["id"].replace(BASE, "")


@pytest.fixture(scope="module")
def w() -> World:
    return World()


def test_paging_links_keep_filters_and_end(w):
    for n in range(3):
        w.item(tag="paged")
    r = w.c.get(w.items, headers=w.auth, params={"tag": "paged", "limit": 2})
    assert len(r.json()) == 2 and 'rel="next"' in r.headers["link"] and "tag=paged" in r.links["next"]["url"]
    last = w.c.get(r.links["next"]["url"].replace(BASE, ""), headers=w.auth)
    assert len(last.json()) == 1 and "next" not in last.links
    assert w.c.get(w.items, headers=w.auth, params={"limit": "x"}).status_code == 400


def test_error_order_token_then_scope_then_course(w):
    assert w.c.get("/api/lti/courses/424242/line_items").json() == {"errors": {"type": "unauthorized", "message": "Missing access token"}}
    assert w.c.get("/api/lti/courses/424242/line_items", headers=w.auth).json() == {"errors": [{"message": "The specified resource does not exist."}]}
    teacher_less = w.c.post(f"{w.item()}/scores", headers=w.auth, json={"scoreGiven": 1})
    assert teacher_less.status_code == 422, "a missing userId is 'not a student' before any parameter check"


def test_throttle_fills_and_answers_403_plain_text(w):
    assert w.c.put("/_mock/throttle", headers=ADMIN, json={"high_water_mark": 3}).status_code == 200
    statuses = [w.c.get(w.items, headers=w.auth, params={"limit": 1}).status_code for _ in range(5)]
    last = w.c.get(w.items, headers=w.auth)
    assert statuses[:3] == [200, 200, 200] and statuses[3:] == [403, 403]
    assert last.text == "403 Forbidden (Rate Limit Exceeded)\n" and last.headers["x-rate-limit-remaining"] == "0.0"
    assert w.c.put("/_mock/throttle", headers=ADMIN, json={"high_water_mark": 600}).status_code == 200
    assert w.c.put("/_mock/throttle", headers=ADMIN, json={"high_water_mark": "lots"}).status_code == 400


@settings(max_examples=60, deadline=None)
@given(body=st.dictionaries(st.sampled_from(["userId", "scoreGiven", "scoreMaximum", "timestamp", "activityProgress", "gradingProgress", "comment", "submission", "https://canvas.instructure.com/lti/submission"]),
                            st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False) | st.text(max_size=12) | st.lists(st.integers(), max_size=2) | st.dictionaries(st.text(max_size=8), st.text(max_size=8), max_size=2)))
def test_no_score_body_gets_a_5xx(w, body):
    r = w.c.post(f"/api/lti/courses/{w.course}/line_items/1/scores", headers=w.auth, json=body)
    assert r.status_code < 500
    item = w.c.get(w.items, headers=w.auth, params={"limit": 1}).json()
    if item:
        r = w.c.post(f"{item[0]['id'].replace(BASE, '')}/scores", headers=w.auth, json={**body, "userId": w.student["lti_user_id"]})
        assert r.status_code < 500, r.text


def outcomes_setup(w: World) -> tuple[str, str]:
    tool = w.c.post(f"/api/v1/courses/{w.course}/external_tools", headers=ADMIN, json={"consumer_key": "ck", "shared_secret": "ss"}).json()["id"]
    assignment = w.c.post(f"/api/v1/courses/{w.course}/assignments", headers=ADMIN, json={"assignment": {"name": "A", "points_possible": 4}}).json()["id"]
    sourced = w.c.get("/_mock/lti11/sourcedid", headers=ADMIN, params={"tool_id": tool, "course_id": w.course, "assignment_id": assignment, "user_id": w.student["id"]}).json()["lis_result_sourcedid"]
    return f"{BASE}/api/lti/v1/tools/{tool}/grade_passback", sourced


def signed(url: str, xml: str, **client_args) -> tuple[dict[str, str], str]:
    _, headers, body = OAuth1("ck", client_secret="ss", **client_args).sign(url, http_method="POST", body=xml, headers={"Content-Type": "application/xml"})
    return headers, body


def test_outcomes_replay_expiry_delete_and_hostile_xml(w):
    url, sourced = outcomes_setup(w)
    headers, body = signed(url, pox.request_xml("replaceResultRequest", sourced, score="0.5"))
    assert w.c.post(url, content=body, headers=headers).status_code == 200
    replay = w.c.post(url, content=body, headers=headers)
    assert replay.status_code == 401 and replay.json()["errors"][0]["message"] == "Duplicate nonce detected"
    old_headers, old_body = signed(url, pox.request_xml("readResultRequest", sourced), timestamp=str(int(time.time()) - 3 * 3600))
    assert w.c.post(url, content=old_body, headers=old_headers).json()["errors"][0]["message"].startswith("Timestamp too old")
    headers, body = signed(url, pox.request_xml("deleteResultRequest", sourced))
    assert pox.parse_response(w.c.post(url, content=body, headers=headers).text).code_major == "success"
    headers, body = signed(url, pox.request_xml("readResultRequest", sourced))
    assert pox.parse_response(w.c.post(url, content=body, headers=headers).text).score in ("", None)
    evil = '<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]><imsx_POXEnvelopeRequest>&e;</imsx_POXEnvelopeRequest>'
    headers, body = signed(url, evil)
    refused = w.c.post(url, content=body, headers=headers)
    assert refused.status_code == 422 and pox.parse_response(refused.text).code_major == "failure" and "passwd" not in refused.text
    assert w.c.post(url, content="{}", headers={"Content-Type": "application/json"}).status_code == 415
    with pytest.raises(pox.PoxError):
        pox.parse_response("<imsx_POXEnvelopeResponse/>")


def test_link_headers_follow_the_items_and_the_query():
    """Paging links are kept per URL and number of items: a new item moves ``last``; filters stay in them."""
    w = World()
    w.item(tag="a b&c")
    first = w.c.get(w.items, params={"limit": 1}, headers=w.auth).headers["link"]
    assert 'page=1&limit=1>; rel="last"' in first
    w.item()
    assert 'page=2&limit=1>; rel="last"' in w.c.get(w.items, params={"limit": 1}, headers=w.auth).headers["link"]
    tagged = w.c.get(w.items, params={"tag": "a b&c", "limit": 1}, headers=w.auth).headers["link"]
    assert f'<{BASE}{w.items}?tag=a+b%26c&page=1&limit=1>; rel="current"' in tagged
