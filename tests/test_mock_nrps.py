"""The mock platform's Names and Role Provisioning Services route on its own, in-process: the container and
its members, paging by Link, the role and rlid filters, the scope and the course's deployment, and a
property: any set of enrolments is listed whole, each member once, across the pages of any limit."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from starlette.testclient import TestClient

from lti_harness import mock_platform
from lti_harness.harness import keys, schemas
from lti_harness.vocab import INSTRUCTOR, LEARNER, LINEITEM_READONLY_SCOPE, LTI_CLAIM, NRPS_SCOPE

BASE = "http://127.0.0.1:8000"
ADMIN = {"Authorization": "Bearer t"}
MEDIA = "application/vnd.ims.lti-nrps.v2.membershipcontainer+json"
ASSERTION_TYPE = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"


class World:
    """A course with a tool whose key holds the NRPS scope (and lineitem.readonly), and its members."""

    def __init__(self, *faults: str, students: int = 3, teachers: int = 1) -> None:
        self.c = TestClient(mock_platform.create_app(mock_platform.PlatformConfig(admin_token="t", faults=set(faults))), base_url=BASE)
        self.pair = keys.generate()
        self.key = self.c.post("/api/v1/accounts/1/developer_keys", headers=ADMIN, json={"developer_key": {
            "name": "t", "is_lti_key": True, "public_jwk": self.pair.public_jwk, "scopes": [NRPS_SCOPE, LINEITEM_READONLY_SCOPE]}}).json()["id"]
        self.course = self.c.post("/api/v1/accounts/1/courses", headers=ADMIN, json={"course": {"name": "Course"}}).json()["id"]
        self.tool = self.c.post(f"/api/v1/courses/{self.course}/external_tools", headers=ADMIN, json={"client_id": self.key}).json()
        self.users: dict[int, dict] = {}
        self.url = f"/api/lti/courses/{self.course}/names_and_roles"
        self.auth = self.token([NRPS_SCOPE])
        self.enrol(students, "StudentEnrollment")
        self.enrol(teachers, "TeacherEnrollment")

    def enrol(self, count: int, kind: str, *, both: bool = False) -> list[int]:
        made = []
        for n in range(count):
            user = self.c.post("/api/v1/accounts/1/users", headers=ADMIN, json={"user": {"name": f"{kind[:7]} Number{n}"}}).json()
            self.users[user["id"]] = user
            self.c.post(f"/api/v1/courses/{self.course}/enrollments", headers=ADMIN, json={"enrollment": {"user_id": user["id"], "type": kind}})
            if both:
                self.c.post(f"/api/v1/courses/{self.course}/enrollments", headers=ADMIN, json={"enrollment": {"user_id": user["id"], "type": "TeacherEnrollment"}})
            made.append(user["id"])
        return made

    def token(self, scopes: list[str]) -> dict[str, str]:
        assertion = keys.client_assertion(self.pair, self.key, f"{BASE}/login/oauth2/token")
        token = self.c.post("/login/oauth2/token", data={"grant_type": "client_credentials", "client_assertion_type": ASSERTION_TYPE,
                                                         "client_assertion": assertion, "scope": " ".join(scopes)}).json()["access_token"]
        return {"Authorization": f"Bearer {token}"}

    def get(self, url: str | None = None, **params):
        return self.c.get((url or self.url).replace(BASE, ""), headers=self.auth, params=params or None)

    def all_pages(self, **params) -> list[list[dict]]:
        pages, response = [], self.get(**params)
        for _ in range(100):
            assert response.status_code == 200, response.text
            pages.append(response.json()["members"])
            if "next" not in response.links:
                return pages
            response = self.get(response.links["next"]["url"])
        raise AssertionError("more than 100 pages")


def test_container_media_type_schema_and_members():
    w = World()
    r = w.get()
    assert r.status_code == 200 and r.headers["content-type"].startswith(MEDIA)
    body = r.json()
    assert schemas.errors("nrps_membership_container", body) == []
    assert body["context"] == {"id": f"course-{w.course}", "label": f"C{w.course}", "title": "Course"}
    assert body["id"] == f"{BASE}{w.url}"
    by_id = {m["user_id"]: m for m in body["members"]}
    assert set(by_id) == {u["lti_user_id"] for u in w.users.values()}
    for user in w.users.values():
        member = by_id[user["lti_user_id"]]
        assert member["status"] == "Active" and member["name"] == user["name"]
        assert (member["given_name"], member["family_name"]) == tuple(user["name"].split(" ", 1))
        assert member["roles"] == ([INSTRUCTOR] if user["name"].startswith("Teacher") else [LEARNER])
        assert len(member["lti11_legacy_user_id"]) == 40 and "email" not in member and "picture" not in member


def test_a_user_enrolled_twice_is_one_member_with_both_roles():
    w = World(students=0, teachers=0)
    [both] = w.enrol(1, "StudentEnrollment", both=True)
    [member] = w.get().json()["members"]
    assert member["user_id"] == w.users[both]["lti_user_id"] and set(member["roles"]) == {LEARNER, INSTRUCTOR}


def test_paging_links_keep_the_filter_and_end():
    w = World(students=5, teachers=0)
    first = w.get(limit=2, role=LEARNER)
    assert len(first.json()["members"]) == 2 and "role=" in first.links["next"]["url"]
    assert "per_page=2" in first.links["next"]["url"] and "limit=" not in first.links["next"]["url"]
    assert first.links["last"]["url"].split("page=")[1].startswith("3")
    assert [len(p) for p in w.all_pages(limit=2)] == [2, 2, 1]
    assert len(w.get(limit=500).json()["members"]) == 5 and "next" not in w.get().links
    assert w.get(page="x").status_code == 400


def test_default_page_is_fifty():
    w = World(students=51, teachers=0)
    assert [len(p) for p in w.all_pages()] == [50, 1]


def test_role_filter_full_uri_short_name_and_unknown():
    w = World(students=2, teachers=2)
    learners = {m["user_id"] for m in w.get(role=LEARNER).json()["members"]}
    teachers = {m["user_id"] for m in w.get(role=INSTRUCTOR).json()["members"]}
    assert len(learners) == 2 and len(teachers) == 2 and not learners & teachers
    assert {m["user_id"] for m in w.get(role="Learner").json()["members"]} == learners
    assert w.get(role="http://purl.imsglobal.org/vocab/lis/v2/membership#Mentor").json()["members"] == []
    assert w.get(role="Nonsense").json()["members"] == []
    canvas = World("nrps-short-role-filter-empty", students=2, teachers=0)
    assert canvas.get(role="Learner").json()["members"] == [] and len(canvas.get(role=LEARNER).json()["members"]) == 2


def test_rlid_adds_message_claims_and_refuses_other_links():
    w = World(students=2, teachers=1)
    assignment = w.c.post(f"/api/v1/courses/{w.course}/assignments", headers=ADMIN, json={"assignment": {
        "name": "A", "points_possible": 5, "external_tool_tag_attributes": {"content_id": w.tool["id"]}}}).json()
    rlid = assignment["external_tool_tag_attributes"]["resource_link_id"]
    for link in (rlid, f"course-{w.course}"):
        members = w.get(rlid=link).json()["members"]
        assert len(members) == 3
        for member in members:
            [message] = member["message"]
            assert message[LTI_CLAIM + "message_type"] == "LtiResourceLinkRequest" and message["locale"] == "en"
            assert isinstance(message["https://www.instructure.com/canvas_user_id"], int) and LTI_CLAIM + "version" not in message
    refused = w.get(rlid="no-such-link")
    assert refused.status_code == 400 and refused.json() == {"errors": {"type": "bad_request", "message": "Invalid 'rlid' parameter"}}
    assert "message" not in w.get().json()["members"][0]


def test_scope_key_and_deployment_are_enforced():
    w = World()
    without = w.c.get(w.url, headers=w.token([LINEITEM_READONLY_SCOPE]))
    assert without.status_code == 401 and without.json() == {"errors": {"type": "unauthorized", "message": "Insufficient permissions"}}
    assert w.c.get(w.url).json() == {"errors": {"type": "unauthorized", "message": "Missing access token"}}
    other = w.c.post("/api/v1/accounts/1/courses", headers=ADMIN, json={"course": {"name": "Other"}}).json()["id"]
    unlinked = w.c.get(f"/api/lti/courses/{other}/names_and_roles", headers=w.auth)
    assert unlinked.status_code == 401 and unlinked.json()["errors"]["message"] == "Access Token not linked to a Tool associated with this Context"
    assert w.c.get("/api/lti/courses/4242/names_and_roles", headers=w.auth).status_code == 404
    w.c.put(f"/api/v1/courses/{w.course}", headers=ADMIN, json={"course": {"event": "conclude"}})
    assert w.get().status_code == 200, "a concluded course still lists its members (NRPS has no gradebook checks)"
    assert "x-request-cost" in w.get().headers
    loose = World("nrps-scope-not-enforced")
    assert loose.c.get(loose.url, headers=loose.token([LINEITEM_READONLY_SCOPE])).status_code == 200
    forbidden = World("nrps-scope-refusal-403")
    assert forbidden.c.get(forbidden.url, headers=forbidden.token([LINEITEM_READONLY_SCOPE])).status_code == 403


def test_faults_change_what_they_name():
    assert World("nrps-old-media-type").get().headers["content-type"].startswith("application/vnd.ims.lis.v2.membershipcontainer+json")
    body = World("nrps-context-in-members").get().json()
    assert "context" not in body and schemas.errors("nrps_membership_container", body)
    w = World("nrps-page-repeats-member", students=4, teachers=0)
    ids = [m["user_id"] for page in w.all_pages(limit=2) for m in page]
    assert len(ids) > len(set(ids))
    w = World("nrps-page-drops-member", students=4, teachers=0)
    assert len([m for page in w.all_pages(limit=2) for m in page]) < 4
    w = World("nrps-no-next-link", students=4, teachers=0)
    assert "link" not in w.get(limit=2).headers and len(w.get(limit=2).json()["members"]) == 2
    assert len(World("nrps-limit-ignored", students=4).get(limit=2).json()["members"]) == 5
    assert len(World("nrps-role-filter-ignored", students=2, teachers=1).get(role=INSTRUCTOR).json()["members"]) == 3
    w = World("nrps-user-id-not-sub", "nrps-legacy-id-differs", "nrps-short-role-names")
    member = w.get().json()["members"][0]
    assert member["user_id"] not in {u["lti_user_id"] for u in w.users.values()} and member["lti11_legacy_user_id"].isdigit()
    assert member["roles"] in (["Learner"], ["Instructor"])
    assert {r for m in World("nrps-roles-ignore-enrollment").get().json()["members"] for r in m["roles"]} == {LEARNER}
    w = World("nrps-rlid-ignored")
    assert all("message" not in m for m in w.get(rlid=f"course-{w.course}").json()["members"])


@pytest.fixture(scope="module")
def world() -> World:
    return World(students=0, teachers=0)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(students=st.integers(0, 7), teachers=st.integers(0, 3), both=st.integers(0, 2), limit=st.integers(1, 9),
       role=st.sampled_from([None, LEARNER, INSTRUCTOR, "Learner"]))
def test_any_enrolments_are_listed_whole_once_across_pages_of_any_limit(world, students, teachers, both, limit, role):
    w = world
    course = w.c.post("/api/v1/accounts/1/courses", headers=ADMIN, json={"course": {"name": "P"}}).json()["id"]
    w.c.post(f"/api/v1/courses/{course}/external_tools", headers=ADMIN, json={"client_id": w.key})
    expected: dict[str, set[str]] = {}
    for kinds in [["StudentEnrollment"]] * students + [["TeacherEnrollment"]] * teachers + [["StudentEnrollment", "TeacherEnrollment"]] * both:
        user = w.c.post("/api/v1/accounts/1/users", headers=ADMIN, json={"user": {"name": "P Member"}}).json()
        for kind in kinds:
            w.c.post(f"/api/v1/courses/{course}/enrollments", headers=ADMIN, json={"enrollment": {"user_id": user["id"], "type": kind}})
        expected[user["lti_user_id"]] = {LEARNER if k == "StudentEnrollment" else INSTRUCTOR for k in kinds}
    wanted = {uid for uid, roles in expected.items() if role is None or {LEARNER if role == "Learner" else role} & roles}
    params = {"limit": limit, **({"role": role} if role else {})}
    pages, response = [], w.get(f"/api/lti/courses/{course}/names_and_roles", **params)
    while True:
        assert response.status_code == 200
        pages.append([m["user_id"] for m in response.json()["members"]])
        assert len(pages[-1]) <= limit and len(pages) <= len(wanted) + 1
        if "next" not in response.links:
            break
        response = w.get(response.links["next"]["url"])
    listed = [uid for page in pages for uid in page]
    assert sorted(listed) == sorted(wanted), "every member exactly once"
    assert all(len(page) == limit for page in pages[:-1]), "only the last page is short"
