"""The mock platform's developer keys, user OAuth2 flow, scoped REST routes and AGS line items,
driven in-process; and the harness's scope model against the mock's Canvas-style matcher."""

from __future__ import annotations

import time
from urllib.parse import parse_qs, urlsplit

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from starlette.testclient import TestClient

from lti_harness import mock_platform
from lti_harness.harness import apiscopes, keys
from lti_harness.mock_platform import apiscopes as mock_scopes

ADMIN = {"Authorization": "Bearer admin-secret"}
CB = "http://127.0.0.1:9/cb"
COURSE_SCOPE, USER_SCOPE = "url:GET|/api/v1/courses/:id", "url:GET|/api/v1/users/:id"
LINEITEM = "https://purl.imsglobal.org/spec/lti-ags/scope/lineitem"


def make(*faults: str) -> TestClient:
    config = mock_platform.PlatformConfig(admin_token="admin-secret", faults=set(faults))
    return TestClient(mock_platform.create_app(config), base_url="http://127.0.0.1:8000")


@pytest.fixture
def c() -> TestClient:
    return make()


def create_key(c: TestClient, **fields) -> dict:
    body = {"name": "k", "scopes": [COURSE_SCOPE, USER_SCOPE], "require_scopes": True, "redirect_uris": [CB], **fields}
    r = c.post("/api/v1/accounts/1/developer_keys", json={"developer_key": body}, headers=ADMIN)
    assert r.status_code == 200, r.text
    return r.json()


def authorize(c: TestClient, key: dict, scope: str, **extra) -> tuple[int, dict]:
    params = {"client_id": key["id"], "response_type": "code", "redirect_uri": CB, "scope": scope, "state": "s1", **extra}
    r = c.get("/login/oauth2/auth", params=params, headers=ADMIN, follow_redirects=False)
    query = parse_qs(urlsplit(r.headers.get("location", "")).query)
    return r.status_code, {k: v[0] for k, v in query.items()}


def user_token(c: TestClient, key: dict, scope: str) -> str:
    status, params = authorize(c, key, scope)
    assert status == 302 and "code" in params, params
    r = c.post("/login/oauth2/token", data={"grant_type": "authorization_code", "client_id": key["id"], "client_secret": key["api_key"], "code": params["code"], "redirect_uri": CB})
    assert r.status_code == 200, r.text
    return r.json()["access_token"]


def course(c: TestClient) -> int:
    return c.post("/api/v1/accounts/1/courses", json={"course": {"name": "C"}}, headers=ADMIN).json()["id"]


@pytest.mark.parametrize(
    "fields, words",
    [
        ({"scopes": "url:GET|/nowhere"}, "invalid"),
        ({"scopes": [1, 2]}, "list of strings"),
        ({"require_scopes": "maybe"}, "true or false"),
        ({"public_jwk": {"kty": "oct"}}, "RSA public JWK"),
        ({"public_jwk": "{not json"}, "JSON object"),
        ({"is_lti_key": True}, "public_jwk"),
        ({"public_jwk_url": "ftp://x"}, "http(s) URL"),
    ],
)
def test_create_key_refuses_bad_fields_with_400(c, fields, words):
    body = {"name": "k", "scopes": [COURSE_SCOPE], **fields}
    r = c.post("/api/v1/accounts/1/developer_keys", json={"developer_key": body}, headers=ADMIN)
    assert r.status_code == 400 and words in r.json()["errors"][0]["message"]


def test_key_routes_need_the_admin_token(c):
    key = create_key(c)
    assert c.post("/api/v1/accounts/1/developer_keys", json={"developer_key": {}}).status_code == 401
    assert c.put(f"/api/v1/developer_keys/{key['id']}", json={"developer_key": {"scopes": []}}).status_code == 401
    assert c.delete("/api/v1/developer_keys/999").status_code == 401
    assert c.delete("/api/v1/developer_keys/999", headers=ADMIN).status_code == 404


@settings(max_examples=40, deadline=None)
@given(body=st.recursive(st.none() | st.booleans() | st.integers() | st.text(max_size=8), lambda k: st.lists(k, max_size=3) | st.dictionaries(st.text(max_size=8), k, max_size=3), max_leaves=8))
def test_key_admin_never_answers_5xx(body):
    c = make()
    for method, path in (("POST", "/api/v1/accounts/1/developer_keys"), ("PUT", "/api/v1/developer_keys/1"), ("POST", "/api/v1/accounts/1/developer_keys/1/developer_key_account_bindings")):
        r = c.request(method, path, json={"developer_key": body, "developer_key_account_binding": body}, headers=ADMIN)
        assert r.status_code < 500, (method, path, r.text)


def test_authorize_order_and_errors(c):
    key = create_key(c)
    r = c.get("/login/oauth2/auth", params={"client_id": "nope", "redirect_uri": CB}, follow_redirects=False)
    assert r.status_code == 400 and r.json()["error"] == "invalid_client"
    r = c.get("/login/oauth2/auth", params={"client_id": key["id"], "redirect_uri": "http://elsewhere/cb"}, follow_redirects=False)
    assert r.status_code == 400
    status, params = authorize(c, key, f"{COURSE_SCOPE} url:GET|/api/v1/courses/:course_id/rubrics")
    assert status == 302 and params["error"] == "invalid_scope" and params["state"] == "s1" and "rubrics" in params["error_description"]
    status, params = authorize(c, key, COURSE_SCOPE, response_type="token")
    assert params["error"] == "unsupported_response_type"
    r = c.get("/login/oauth2/auth", params={"client_id": key["id"], "response_type": "code", "redirect_uri": CB, "scope": COURSE_SCOPE}, follow_redirects=False)
    assert r.status_code == 401, "without the stand-in login no code is issued"
    c.post(f"/api/v1/accounts/1/developer_keys/{key['id']}/developer_key_account_bindings", json={"developer_key_account_binding": {"workflow_state": "off"}}, headers=ADMIN)
    status, params = authorize(c, key, COURSE_SCOPE)
    assert params["error"] == "unauthorized_client" and "code" not in params


def test_codes_are_single_use_and_need_the_secret(c):
    key = create_key(c)
    _, params = authorize(c, key, COURSE_SCOPE)
    form = {"grant_type": "authorization_code", "client_id": key["id"], "client_secret": "wrong", "code": params["code"]}
    assert c.post("/login/oauth2/token", data=form).json()["error"] == "invalid_client"
    form["client_secret"] = key["api_key"]
    first = c.post("/login/oauth2/token", data=form)
    assert first.status_code == 200 and first.json()["user"]["id"] == 1
    again = c.post("/login/oauth2/token", data=form)
    assert again.status_code == 400 and again.json()["error"] == "invalid_grant"
    refreshed = c.post("/login/oauth2/token", data={"grant_type": "refresh_token", "client_id": key["id"], "client_secret": key["api_key"], "refresh_token": first.json()["refresh_token"]})
    assert refreshed.status_code == 200 and refreshed.json()["access_token"] != first.json()["access_token"]


def test_rest_guard_statuses_and_bodies(c):
    key = create_key(c)
    token = user_token(c, key, COURSE_SCOPE)
    cid = course(c)
    assert c.get(f"/api/v1/courses/{cid}").json()["errors"][0]["message"] == "user authorization required"
    bad = c.get(f"/api/v1/courses/{cid}", headers={"Authorization": "Bearer 1~nope"})
    assert bad.status_code == 401 and bad.json() == {"errors": [{"message": "Invalid access token."}]} and "WWW-Authenticate" in bad.headers
    auth = {"Authorization": f"Bearer {token}"}
    assert c.get(f"/api/v1/courses/{cid}", headers=auth).status_code == 200
    assert c.head(f"/api/v1/courses/{cid}", headers=auth).status_code == 200
    assert c.get(f"/api/v1/courses/{cid}.json", headers=auth).status_code == 404, "allowed by scope, unknown id format"
    refused = c.put(f"/api/v1/courses/{cid}", json={}, headers=auth)
    assert refused.status_code == 401 and refused.json() == {"errors": [{"message": "Insufficient scopes on access token."}]}
    c.put(f"/api/v1/developer_keys/{key['id']}", json={"developer_key": {"event": "deactivate"}}, headers=ADMIN)
    assert c.get(f"/api/v1/courses/{cid}", headers=auth).status_code == 401


@pytest.mark.parametrize("fault, survives", [(None, False), ("removed-scope-tokens-still-work", True)])
def test_scope_removal_destroys_user_tokens(fault, survives):
    c = make(*([fault] if fault else []))
    key = create_key(c)
    token = user_token(c, key, f"{COURSE_SCOPE} {USER_SCOPE}")
    cid = course(c)
    r = c.put(f"/api/v1/developer_keys/{key['id']}", json={"developer_key": {"scopes": [COURSE_SCOPE]}}, headers=ADMIN)
    assert r.json()["scopes"] == [COURSE_SCOPE]
    status = c.get(f"/api/v1/courses/{cid}", headers={"Authorization": f"Bearer {token}"}).status_code
    assert (status == 200) is survives


def lti_key(c: TestClient, pair: keys.KeyPair, scopes: list[str]) -> str:
    body = {"name": "lti", "is_lti_key": True, "public_jwk": pair.public_jwk, "scopes": scopes}
    r = c.post("/api/v1/accounts/1/developer_keys", json={"developer_key": body}, headers=ADMIN)
    assert r.status_code == 200 and r.json()["require_scopes"] is True and "api_key" not in r.json()
    return r.json()["id"]


def lti_token(c: TestClient, pair: keys.KeyPair, client_id: str, scopes: list[str]):
    assertion = keys.client_assertion(pair, client_id, "http://127.0.0.1:8000/login/oauth2/token")
    return c.post("/login/oauth2/token", data={"grant_type": "client_credentials", "client_assertion_type": "urn:ietf:params:oauth:client-assertion-type:jwt-bearer", "client_assertion": assertion, "scope": " ".join(scopes)})


def test_inline_jwk_key_gets_lti_tokens_and_ags_checks_its_chain(c):
    pair = keys.generate()
    kid = lti_key(c, pair, [LINEITEM])
    r = lti_token(c, pair, kid, [LINEITEM])
    assert r.status_code == 200, r.text
    auth = {"Authorization": f"Bearer {r.json()['access_token']}"}
    cid = course(c)
    assert c.get(f"/api/lti/courses/{cid}/line_items", headers=auth).json()["errors"]["message"] == "Access Token not linked to a Tool associated with this Context"
    assert c.post(f"/api/v1/courses/{cid}/external_tools", json={"client_id": kid}, headers=ADMIN).status_code == 200
    created = c.post(f"/api/lti/courses/{cid}/line_items", json={"label": "L", "scoreMaximum": 5}, headers=auth)
    assert created.status_code == 201 and created.headers["content-type"].startswith("application/vnd.ims.lis.v2.lineitem+json")
    assert c.post(f"/api/lti/courses/{cid}/line_items", json={"label": "L"}, headers=auth).json() == {"errors": [{"message": "scoreMaximum is missing"}]}
    assert c.get("/api/lti/courses/424242/line_items", headers=auth).status_code == 404
    c.post(f"/api/v1/accounts/1/developer_keys/{kid}/developer_key_account_bindings", json={"developer_key_account_binding": {"workflow_state": "off"}}, headers=ADMIN)
    assert c.get(f"/api/lti/courses/{cid}/line_items", headers=auth).json()["errors"]["message"] == "Invalid Developer Key"


def test_assertion_claim_problems_are_joined(c):
    pair = keys.generate()
    kid = lti_key(c, pair, [LINEITEM])
    now = int(time.time())
    assertion = keys.client_assertion(pair, kid, "http://wrong/token", now=now - 200, lifetime=100)
    r = c.post("/login/oauth2/token", data={"grant_type": "client_credentials", "client_assertion_type": "urn:ietf:params:oauth:client-assertion-type:jwt-bearer", "client_assertion": assertion, "scope": LINEITEM})
    assert r.status_code == 400 and r.json() == {"error": "invalid_request", "error_description": "the 'aud' is invalid | the JWT has expired"}


SEGMENT = st.sampled_from(["5", "self", "abc", "12.json", "x.y"])


@settings(max_examples=300, deadline=None)
@given(
    scopes=st.sets(st.sampled_from(mock_scopes_list := [f"url:{v}|{p}" for v, p in mock_scopes.API_ROUTES]), max_size=4),
    verb=st.sampled_from(["GET", "HEAD", "PUT", "POST", "DELETE"]),
    parts=st.lists(st.one_of(SEGMENT, st.sampled_from(["api", "v1", "courses", "users", "rubrics", "assignments", "profile"])), min_size=1, max_size=6),
)
def test_harness_model_agrees_with_the_mock_matcher(scopes, verb, parts):
    """Two independent readings of Canvas's rule (segment model, anchored regex) must agree."""
    path = "/" + "/".join(parts)
    assert apiscopes.reachable(scopes, verb, path) == mock_scopes.allowed(sorted(scopes), verb, path), (sorted(scopes), verb, path)


def test_model_reference_cases():
    assert apiscopes.reachable([COURSE_SCOPE], "HEAD", "/api/v1/courses/5")
    assert apiscopes.reachable([COURSE_SCOPE], "GET", "/api/v1/courses/5.json")
    assert not apiscopes.reachable([COURSE_SCOPE], "PUT", "/api/v1/courses/5")
    assert not apiscopes.reachable([COURSE_SCOPE], "GET", "/api/v1/courses/5/rubrics")
    assert not apiscopes.reachable([COURSE_SCOPE], "GET", "/api/v1/courses")
    assert not apiscopes.reachable(["https://purl.imsglobal.org/spec/lti-ags/scope/lineitem"], "GET", "/api/v1/courses/5")
    assert len(mock_scopes_list) == len(set(mock_scopes_list))
