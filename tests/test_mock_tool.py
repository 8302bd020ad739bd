"""The mock tool's registrations API, in-process: no 5xx for any body, documented errors for bad
paging parameters and unknown routes, and the partial-update rule. Its NRPS client, over real HTTP against
the mock platform: every page read by following rel="next", only the first under its fault."""

from __future__ import annotations

import asyncio

from hypothesis import given, settings
from hypothesis import strategies as st
from starlette.testclient import TestClient

from lti_harness import mock_platform, mock_tool
from lti_harness.harness import keys, outbound
from lti_harness.harness.adapters import CanvasAdapter
from lti_harness.harness.client import Client
from lti_harness.harness.profile import PlatformTarget
from lti_harness.mock_tool import nrps
from lti_harness.vocab import NRPS_SCOPE

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


def test_next_link_is_read_from_the_link_header():
    header = ('<https://p.test/m?page=2&per_page=2>; rel="next", <https://p.test/m?page=1&per_page=2>; rel="first", '
              '<https://p.test/m?page=3&per_page=2>; rel="last"')
    assert nrps.next_link(header) == "https://p.test/m?page=2&per_page=2"
    assert nrps.next_link('<https://p.test/a>; rel="prev next"') == "https://p.test/a"
    assert nrps.next_link('<https://p.test/a>; rel=next') == "https://p.test/a"
    assert nrps.next_link('<https://p.test/a>; rel="last"') is None and nrps.next_link("") is None
    assert nrps.memberships_url({nrps.NRPS_CLAIM: {"context_memberships_url": "javascript:x"}}) is None


def test_reads_every_nrps_page_and_only_the_first_under_its_fault(serve):
    """A course of one teacher and four students, two to a page (the platform's ``nrps_page_size``): the tool
    reads three pages and five members; with ``nrps-next-not-followed`` one page of two. The platform's record
    shows each request, with the tool's client id and the page it served."""
    admin, key = "nrps-admin-token", keys.generate()
    platform = serve(mock_platform.create_app(mock_platform.PlatformConfig(admin_token=admin, nrps_page_size=2)))
    tool = serve(mock_tool.create_app(mock_tool.ToolConfig(signing_keys=[key])))
    with Client(timeout=10) as http:
        adapter = CanvasAdapter(PlatformTarget(base_url=platform, account_id="1", admin_token=admin), http)
        client_id = str(adapter.create_developer_key({"name": "Mock tool", "is_lti_key": True, "scopes": [NRPS_SCOPE], "require_scopes": True,
                                                      "public_jwk_url": f"{tool}/.well-known/jwks.json"})["id"])
        adapter.set_developer_key_binding(client_id, "on")
        course = str(adapter.create_course("Roster course")["id"])
        adapter.install_tool(course, client_id)
        adapter.enroll(course, str(adapter.create_user("Tea Cher")["id"]), "TeacherEnrollment")
        for n in range(4):
            adapter.enroll(course, str(adapter.create_user(f"Stu Dent{n}")["id"]))
        reg = {"clientId": client_id, "platformTokenEndpoint": f"{platform}/login/oauth2/token"}
        url = f"{platform}/api/lti/courses/{course}/names_and_roles"

        async def read(*active: str) -> nrps.Roster:
            fetcher = outbound.Fetcher()
            try:
                return await nrps.read_members(fetcher, reg, url, mock_tool.ToolConfig(signing_keys=[key], faults=set(active)))
            finally:
                await fetcher.aclose()

        assert asyncio.run(read()).as_dict() == {"pages": 3, "members": 5, "error": ""}
        assert asyncio.run(read("nrps-next-not-followed")).as_dict() == {"pages": 1, "members": 2, "error": ""}
        assert http.get(url).status_code == 401  # no token: logged without a client id
        log = http.get(f"{platform}/_mock/recorded/names_and_roles", headers={"Authorization": f"Bearer {admin}"}).json()
    assert [(e["client_id"], e["course_id"], e["status"], e.get("page"), e.get("per_page"), e.get("pages")) for e in log] == [
        (client_id, course, 200, 1, 2, 3), (client_id, course, 200, 2, 2, 3), (client_id, course, 200, 3, 2, 3),
        (client_id, course, 200, 1, 2, 3), (None, course, 401, None, None, None)]
    assert "page=2" in log[1]["query"] and all(isinstance(e["at"], float) for e in log)


def test_a_token_the_platform_refuses_is_reported_not_raised(serve):
    admin = "nrps-admin-token"
    platform = serve(mock_platform.create_app(mock_platform.PlatformConfig(admin_token=admin)))
    reg = {"clientId": "no-such-client", "platformTokenEndpoint": f"{platform}/login/oauth2/token"}

    async def read() -> nrps.Roster:
        fetcher = outbound.Fetcher()
        try:
            return await nrps.read_members(fetcher, reg, f"{platform}/api/lti/courses/1/names_and_roles", mock_tool.ToolConfig())
        finally:
            await fetcher.aclose()

    roster = asyncio.run(read())
    assert (roster.pages, roster.members) == (0, 0) and roster.error == "the token endpoint answered 401"
