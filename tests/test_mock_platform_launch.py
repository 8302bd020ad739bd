"""The mock platform's launches on their own: launch pages, the OIDC authorization endpoint and the id_token."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

import httpx
import jwt
import pytest

from lti_harness import mock_platform
from lti_harness.harness import browser, dynreg, keys, schemas
from lti_harness.vocab import INSTRUCTOR, LEARNER, LINEITEM_SCOPE, LTI_CLAIM, SCORE_SCOPE

TOKEN = "launch-admin-token-0001"
ADMIN = {"Authorization": f"Bearer {TOKEN}"}
TOOL = "https://tool.example"
AGS = "https://purl.imsglobal.org/spec/lti-ags/claim/endpoint"


def _form(page: httpx.Response) -> browser.Form:
    found = browser.forms(page)
    assert found, page.text[:300]
    return found[0]


class World:
    """A mock platform with an LTI key installed in a course, a student and a teacher."""

    def __init__(self, url: str, scopes: list[str] | None = None, **key: Any) -> None:
        self.url = url
        self.browser = httpx.Client(base_url=url, timeout=10)
        admin = httpx.Client(base_url=url, timeout=10, headers=ADMIN)
        self.admin = admin
        fields = {"name": "Launch tool", "is_lti_key": True, "public_jwk": keys.generate().public_jwk, "scopes": scopes or [LINEITEM_SCOPE, SCORE_SCOPE],
                  "redirect_uris": [f"{TOOL}/launch"], "oidc_initiation_url": f"{TOOL}/login", "target_link_uri": f"{TOOL}/target",
                  "custom_fields": {"course": "$Canvas.course.id", "plain": "text"}, **key}
        self.key = admin.post("/api/v1/accounts/1/developer_keys", json={"developer_key": fields}).json()
        admin.post(f"/api/v1/accounts/1/developer_keys/{self.key['id']}/developer_key_account_bindings", json={"developer_key_account_binding": {"workflow_state": "on"}})
        self.course = admin.post("/api/v1/accounts/1/courses", json={"course": {"name": "Launch course"}}).json()["id"]
        self.tool = admin.post(f"/api/v1/courses/{self.course}/external_tools", json={"client_id": self.key["id"]}).json()
        self.student = self.member("Sam Student", "StudentEnrollment")
        self.teacher = self.member("Tess Teacher", "TeacherEnrollment")

    def member(self, name: str, kind: str) -> int:
        user = self.admin.post("/api/v1/accounts/1/users", json={"user": {"name": name}}).json()["id"]
        self.admin.post(f"/api/v1/courses/{self.course}/enrollments", json={"enrollment": {"user_id": user, "type": kind}})
        return user

    def initiation(self, user: int | None = None, page: str | None = None) -> dict[str, str]:
        """Open a launch page as ``user``: the login initiation's fields (the form posts to the tool)."""
        answer = self.browser.get(page or f"/courses/{self.course}/external_tools/{self.tool['id']}", params={"as_user_id": user or self.student})
        form = _form(answer)
        assert form.action == f"{TOOL}/login" and form.method == "POST"
        return form.fields

    def authorize(self, fields: dict[str, str], **overrides: Any) -> httpx.Response:
        request = {"scope": "openid", "response_type": "id_token", "response_mode": "form_post", "prompt": "none", "client_id": self.key["id"],
                   "redirect_uri": f"{TOOL}/launch", "login_hint": fields["login_hint"], "lti_message_hint": fields["lti_message_hint"],
                   "state": "state-1", "nonce": "nonce-1", **overrides}
        request = {k: v for k, v in request.items() if v is not None}
        first = self.browser.get("/api/lti/authorize_redirect", params=request)
        assert first.status_code == 302 and urlsplit(first.headers["location"]).path == "/api/lti/authorize"
        return self.browser.get(first.headers["location"])

    def claims(self, answer: httpx.Response) -> dict[str, Any]:
        form = _form(answer)
        assert form.action == f"{TOOL}/launch" and "id_token" in form.fields, form.fields
        jwks = self.browser.get("/api/lti/security/jwks").json()
        token = form.fields["id_token"]
        key = keys.public_key_from_jwks(jwks, jwt.get_unverified_header(token)["kid"])
        return jwt.decode(token, key, algorithms=["RS256"], audience=self.key["id"])


@pytest.fixture
def world(serve) -> World:
    return World(serve(mock_platform.create_app(mock_platform.PlatformConfig(admin_token=TOKEN))))


def test_course_navigation_launch_carries_every_claim(world):
    fields = world.initiation()
    assert fields["iss"] == world.url and fields["client_id"] == world.key["id"] and fields["target_link_uri"] == f"{TOOL}/target"
    assert fields["lti_deployment_id"] == world.tool["deployment_id"]
    answer = world.authorize(fields)
    claims = world.claims(answer)
    assert _form(answer).fields["state"] == "state-1" and claims["nonce"] == "nonce-1"
    assert schemas.errors("lti_resource_link_id_token", claims) == []
    assert claims[LTI_CLAIM + "deployment_id"] == world.tool["deployment_id"]
    assert LEARNER in claims[LTI_CLAIM + "roles"] and INSTRUCTOR not in claims[LTI_CLAIM + "roles"]
    assert claims[LTI_CLAIM + "custom"] == {"course": str(world.course), "plain": "text"}  # the course id substituted
    assert claims[AGS]["scope"] == [LINEITEM_SCOPE, SCORE_SCOPE] and claims[AGS]["lineitems"].endswith(f"/api/lti/courses/{world.course}/line_items")
    assert "lineitem" not in claims[AGS]
    assert 3500 <= claims["exp"] - claims["iat"] <= 3600


def test_teacher_is_instructor_and_assignment_launch_names_its_line_item(world):
    assignment = world.admin.post(f"/api/v1/courses/{world.course}/assignments", json={"assignment": {
        "name": "Quiz", "points_possible": 5, "external_tool_tag_attributes": {"content_id": world.tool["id"]}}}).json()
    fields = world.initiation(world.teacher, page=f"/courses/{world.course}/assignments/{assignment['id']}")
    claims = world.claims(world.authorize(fields))
    assert INSTRUCTOR in claims[LTI_CLAIM + "roles"]
    assert claims[LTI_CLAIM + "resource_link"]["id"] == assignment["external_tool_tag_attributes"]["resource_link_id"]
    assert claims[AGS]["lineitem"] == assignment["lti_line_item_url"]


def test_unregistered_redirect_uri_gets_a_400_and_no_post(world):
    answer = world.authorize(world.initiation(), redirect_uri="https://evil.example/catch")
    assert answer.status_code == 400 and answer.json() == {"status": "bad_request", "message": "Invalid redirect_uri"}
    assert browser.forms(answer) == []


@pytest.mark.parametrize(("overrides", "error"), [
    ({"nonce": None}, "invalid_request_object"),
    ({"scope": "profile"}, "invalid_request_object"),
    ({"response_type": "code"}, "unsupported_response_type"),
    ({"login_hint": "someone-else"}, "login_required"),
])
def test_bad_authentication_requests_get_an_oidc_error_posted(world, overrides, error):
    form = _form(world.authorize(world.initiation(), **overrides))
    assert form.action == f"{TOOL}/launch" and "id_token" not in form.fields
    assert form.fields["error"] == error and form.fields["state"] == "state-1"


def test_unknown_client_id_is_404_and_a_launch_is_authorized_once(world):
    fields = world.initiation()
    assert world.authorize(fields, client_id="99999999999").status_code == 404
    world.claims(world.authorize(fields))
    again = _form(world.authorize(fields, nonce="nonce-2"))
    assert again.fields["error"] == "launch_no_longer_valid" and "id_token" not in again.fields


def test_without_a_session_the_browser_is_not_logged_in(world):
    fields = world.initiation()
    world.browser.cookies.clear()
    assert _form(world.authorize(fields)).fields["error"] == "login_required"


def test_launch_page_asks_whom_to_launch_as(world):
    page = world.browser.get(f"/courses/{world.course}/external_tools/{world.tool['id']}")
    assert page.status_code == 401 and f"?as_user_id={world.student}" in page.text and f"?as_user_id={world.teacher}" in page.text
    stranger = world.admin.post("/api/v1/accounts/1/users", json={"user": {"name": "Not Enrolled"}}).json()["id"]
    assert world.browser.get(f"/courses/{world.course}/external_tools/{world.tool['id']}", params={"as_user_id": stranger}).status_code == 401


def test_sessionless_launch_url_is_single_use(world):
    made = world.admin.get(f"/api/v1/courses/{world.course}/external_tools/sessionless_launch", params={"id": world.tool["id"], "as_user_id": world.student})
    url = made.json()["url"]
    fresh = httpx.Client(timeout=10)
    page = fresh.get(url, follow_redirects=True)
    assert _form(page).action == f"{TOOL}/login"
    assert fresh.get(url).status_code == 401  # used
    assert httpx.get(f"{world.url}/api/v1/courses/{world.course}/external_tools/sessionless_launch", params={"id": world.tool["id"], "as_user_id": world.student}).status_code == 401


def test_registered_tool_launches_with_its_configuration_and_overlay(serve):
    """A tool registered by dynamic registration launches with its registration's login URL, target and
    custom parameters; the overlay an admin accepted (here set on the stored registration) changes the
    custom parameters and can turn a placement off."""
    app = mock_platform.create_app(mock_platform.PlatformConfig(admin_token=TOKEN))
    url = serve(app)
    admin = httpx.Client(base_url=url, timeout=10, headers=ADMIN)
    token = admin.get("/api/lti/accounts/1/registration_token").json()["token"]
    body = dynreg.sample_registration(TOOL, f"{TOOL}/jwks", scopes=[SCORE_SCOPE])
    made = httpx.post(f"{url}/api/lti/registrations", json=body, headers={"Authorization": f"Bearer {token}"}).json()
    world = World.__new__(World)
    world.url, world.admin, world.browser, world.key = url, admin, httpx.Client(base_url=url, timeout=10), {"id": made["client_id"]}
    world.course = admin.post("/api/v1/accounts/1/courses", json={"course": {"name": "C"}}).json()["id"]
    world.tool = admin.post(f"/api/v1/courses/{world.course}/external_tools", json={"client_id": made["client_id"]}).json()
    world.student = world.member("Reg Student", "StudentEnrollment")
    page = world.browser.get(f"/courses/{world.course}/external_tools/{world.tool['id']}", params={"as_user_id": world.student})
    fields = _form(page).fields
    assert _form(page).action == f"{TOOL}/login" and fields["target_link_uri"] == f"{TOOL}/launch"
    claims = world.claims(world.authorize(fields))
    assert claims[LTI_CLAIM + "custom"] == {"harness": "yes"}
    reg = app.state.platform.store.registration(int(made["registration_client_uri"].rsplit("/", 1)[1]))
    reg.overlay = {"custom_fields": {"harness": "overlaid"}}
    again = world.browser.get(f"/courses/{world.course}/external_tools/{world.tool['id']}", params={"as_user_id": world.student})
    claims = world.claims(world.authorize(_form(again).fields))
    assert claims[LTI_CLAIM + "custom"] == {"harness": "overlaid"}
    reg.overlay = {"disabled_placements": ["course_navigation"]}
    closed = world.browser.get(f"/courses/{world.course}/external_tools/{world.tool['id']}", params={"as_user_id": world.student})
    assert closed.status_code == 404 and browser.forms(closed) == []


@pytest.mark.parametrize("asked", [f"{TOOL}/launch?tenant=a&a[]=1", f"{TOOL}/launch?%zz=&tenant=a", f"{TOOL}/launch?tenant=b"])
def test_a_registered_redirect_uri_with_a_query_is_matched_by_its_parameters(serve, asked):
    """Canvas's rule for a registered URI with a query: the requested one carries its parameters. Any query
    text the tool sends is read (never a 500); a missing parameter is an unregistered redirect_uri."""
    world = World(serve(mock_platform.create_app(mock_platform.PlatformConfig(admin_token=TOKEN))), redirect_uris=[f"{TOOL}/launch?tenant=a"])
    answer = world.authorize(world.initiation(), redirect_uri=asked)
    if "tenant=a" in asked:
        assert answer.status_code == 200 and "id_token" in _form(answer).fields
    else:
        assert answer.status_code == 400 and answer.json() == {"status": "bad_request", "message": "Invalid redirect_uri"}
