"""The mock tool's registrations API, in-process: no 5xx for any body, documented errors for bad
paging parameters and unknown routes, and the partial-update rule."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st
from starlette.testclient import TestClient

from lti_harness import mock_tool

KEY = {"Authorization": "Bearer tf_platform_test"}
PATH = "/v1/platform/lti/registrations"
JSONISH = st.recursive(st.none() | st.booleans() | st.integers() | st.text(max_size=10), lambda k: st.lists(k, max_size=3) | st.dictionaries(st.text(max_size=10), k, max_size=4), max_leaves=10)


def client() -> TestClient:
    return TestClient(mock_tool.create_app(mock_tool.ToolConfig(api_key="tf_platform_test")))


@settings(max_examples=80, deadline=None)
@given(body=JSONISH, fields=st.dictionaries(st.sampled_from(["name", "platformIssuer", "clientId", "platformJwksUrl", "status", "deploymentId"]), JSONISH, max_size=4))
def test_no_body_gets_a_5xx(body, fields):
    c = client()
    for payload in (body, fields):
        r = c.post(PATH, json=payload, headers=KEY)
        assert r.status_code in (201, 400, 409) and "error" in r.json() or r.status_code == 201
    made = c.post(PATH, headers=KEY, json={"name": "n", "platformIssuer": "https://i.test", "platformAuthorizationEndpoint": "https://i.test/a",
                                            "platformTokenEndpoint": "https://i.test/t", "platformJwksUrl": "https://i.test/j", "clientId": "1"}).json()
    r = c.put(f"{PATH}/{made['id']}", json=fields, headers=KEY)
    assert r.status_code in (200, 400, 409), r.text


def test_paging_parameters_and_routes():
    c = client()
    for params in ({"page": "x"}, {"take": 0}, {"take": 101}, {"status": "paused"}):
        r = c.get(PATH, params=params, headers=KEY)
        assert r.status_code == 400 and r.json()["error"]["code"] == "platform_invalid_request", params
    assert c.get("/v1/platform/lti/nowhere", headers=KEY).json()["error"]["code"] == "platform_not_found"
    assert c.patch(PATH, headers=KEY).status_code == 405
    assert c.post(PATH, content=b"{not json", headers={**KEY, "Content-Type": "application/json"}).json()["error"]["status"] == 400
    assert c.post(PATH, content=b"x" * 70000, headers=KEY).status_code == 400
