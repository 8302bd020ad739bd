"""A real LTI tool library uses Names and Role Provisioning and Deep Linking against the mock platform, over
real HTTP: PyLTI1p3 (from PyPI) in a small Flask app on loopback is registered through the admin API (an LTI
developer key with its JWKS URL, login initiation URL, redirect URI, the AGS scopes and the NRPS scope) and
installed in a course with a teacher and several students. A plain HTTP client plays the browser:

1. the teacher opens the tool's assignment_selection placement; the tool sees an ``LtiDeepLinkingRequest`` and
   answers with the library's deep-linking response form (one ``ltiResourceLink`` with a ``lineItem``), which
   the browser posts to the platform's return URL; the platform verifies it (by the key the tool's JWKS names)
   and creates the assignment with its line item;
2. a student launches that new assignment; the tool reads its course's members through NRPS with a small
   ``limit``, so the library must follow ``Link: rel="next"`` across pages, reads the assignment's line item
   and posts a score to the claim's ``lineitem`` through AGS;
3. the admin API then shows the assignment with the line item's points and the student's score."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any, Iterator
from urllib.parse import parse_qs, urljoin, urlsplit

import httpx
import pytest
import requests
from flask import Flask, jsonify
from markupsafe import escape
from pylti1p3.contrib.flask import FlaskMessageLaunch, FlaskRequest
from pylti1p3.deep_link_resource import DeepLinkResource
from pylti1p3.exception import LtiException, LtiServiceException
from pylti1p3.grade import Grade
from pylti1p3.lineitem import LineItem
from pylti1p3.names_roles import NamesRolesProvisioningService
from pylti1p3.tool_config import ToolConfDict
from pylti1p3.utils import add_param_to_url

from lti_harness import mock_platform
from lti_harness.harness import keys
from test_real_tool_launch import ADMIN, ADMIN_TOKEN, AGS_CLAIM, LEARNER, LTI, SCOPES, TIMEOUT, browse, read_page, tool_conf, with_login

NRPS_SCOPE = "https://purl.imsglobal.org/spec/lti-nrps/scope/contextmembership.readonly"
NRPS_CLAIM = "https://purl.imsglobal.org/spec/lti-nrps/claim/namesroleservice"
MEMBERSHIP_TYPE = "application/vnd.ims.lti-nrps.v2.membershipcontainer+json"
DL = "https://purl.imsglobal.org/spec/lti-dl/claim/"
INSTRUCTOR = "http://purl.imsglobal.org/vocab/lis/v2/membership#Instructor"
PLACEMENT_CLAIM = "https://www.instructure.com/placement"
STUDENTS = ["Ada Student", "Ben Student", "Cy Student", "Di Student", "Ed Student"]
TEACHER = "Grace Teacher"
PAGE_SIZE = 2  # the tool's NRPS limit: six members come in three pages
ITEM = {"label": "Essay 1", "scoreMaximum": 20, "resourceId": "essay-1", "tag": "essays"}  # what the tool's lineItem asks for
SCORE = 15  # what the tool gives the student, out of ITEM["scoreMaximum"]


# --- the tool: PyLTI1p3 in Flask, with the library's NRPS, AGS and deep-linking services ----------------

@dataclass
class ServiceCall:
    """One request the tool's library sent to the platform, and what it got back."""

    method: str
    url: str
    status: int
    content_type: str
    link: str


class RecordingSession(requests.Session):
    """The library's HTTP session: every request bounded by ``TIMEOUT`` and recorded with its answer."""

    def __init__(self, calls: list[ServiceCall]) -> None:
        super().__init__()
        self.calls = calls

    def request(self, method: str, url: Any, *args: Any, **kwargs: Any) -> requests.Response:  # type: ignore[override]
        kwargs.setdefault("timeout", TIMEOUT)
        response = super().request(method, url, *args, **kwargs)
        self.calls.append(ServiceCall(method.upper(), str(url), response.status_code,
                                      response.headers.get("Content-Type", ""), response.headers.get("Link", "")))
        return response


@dataclass
class ToolState:
    """The tool's registration (set once the platform has it) and what its launches saw and did."""

    conf: ToolConfDict | None = None
    url: str = ""
    launches: list[dict[str, Any]] = field(default_factory=list)
    calls: list[ServiceCall] = field(default_factory=list)
    members: list[dict[str, Any]] = field(default_factory=list)
    line_items: list[dict[str, Any]] = field(default_factory=list)


def services_app(state: ToolState) -> Flask:
    """A Flask tool on PyLTI1p3: ``/login``, ``/jwks`` (its public key), and ``/launch``, which answers a
    deep-linking request with one gradable ``ltiResourceLink`` and a resource link launch by reading the
    course's members (NRPS, ``PAGE_SIZE`` a page) and its line item, then posting a score (AGS)."""
    app = with_login(Flask("pylti1p3-services-tool"), state)

    @app.route("/jwks", methods=["GET"])
    def jwks() -> Any:
        return jsonify(state.conf.get_jwks() if state.conf is not None else {"keys": []})

    @app.route("/launch", methods=["POST"])
    def launch() -> Any:
        try:
            message_launch = FlaskMessageLaunch(FlaskRequest(), state.conf, requests_session=RecordingSession(state.calls)).validate()
            data = message_launch.get_launch_data()
            state.launches.append(data)
            if message_launch.is_deep_link_launch():
                line_item = (LineItem().set_label(ITEM["label"]).set_score_maximum(ITEM["scoreMaximum"])
                             .set_resource_id(ITEM["resourceId"]).set_tag(ITEM["tag"]))
                resource = (DeepLinkResource().set_url(f"{state.url}/launch").set_title(ITEM["label"])
                            .set_custom_params({"essay": ITEM["resourceId"]}).set_lineitem(line_item))
                return message_launch.get_deep_link().output_response_form([resource])
            if not (message_launch.is_resource_launch() and message_launch.has_nrps() and message_launch.has_ags()):
                return "a resource link launch with the NRPS and AGS claims was expected", 400
            members_url = add_param_to_url(data[NRPS_CLAIM]["context_memberships_url"], "limit", str(PAGE_SIZE))
            nrps = NamesRolesProvisioningService(message_launch.get_service_connector(), {"context_memberships_url": members_url})
            state.members = list(nrps.get_members())  # follows rel="next" until the last page
            ags = message_launch.get_ags()
            line_item = ags.get_lineitem()  # the claim's lineitem, read through AGS
            state.line_items.append({"label": line_item.get_label(), "scoreMaximum": line_item.get_score_maximum()})
            now = datetime.now(timezone.utc)
            stamp = now.strftime("%Y-%m-%dT%H:%M:%S.") + f"{now.microsecond // 1000:03d}+00:00"
            grade = (Grade().set_score_given(SCORE).set_score_maximum(ITEM["scoreMaximum"]).set_timestamp(stamp)
                     .set_activity_progress("Completed").set_grading_progress("FullyGraded").set_user_id(data["sub"]))
            posted = ags.put_grade(grade)  # to the claim's lineitem
        except (LtiException, LtiServiceException) as exc:
            return f"launch refused: {escape(str(exc))}", 400
        return jsonify({"sub": data["sub"], "members": len(state.members), "score": posted["body"]})

    return app


# --- the platform: what an administrator sets up ------------------------------------------------------------

def register(base: str, tool: str) -> dict[str, Any]:
    """An LTI key for the tool (its JWKS URL, the AGS and NRPS scopes), bound on; a course with the tool
    installed, a teacher and ``STUDENTS``. Returns the ids."""
    with httpx.Client(base_url=base, headers=ADMIN, timeout=TIMEOUT) as admin:
        key = admin.post("/api/v1/accounts/1/developer_keys", json={"developer_key": {
            "name": "PyLTI1p3 services tool", "is_lti_key": True, "public_jwk_url": f"{tool}/jwks", "scopes": [*SCOPES, NRPS_SCOPE],
            "redirect_uris": [f"{tool}/launch"], "oidc_initiation_url": f"{tool}/login", "target_link_uri": f"{tool}/launch"}})
        key.raise_for_status()
        client_id = key.json()["id"]
        admin.post(f"/api/v1/accounts/1/developer_keys/{client_id}/developer_key_account_bindings",
                   json={"developer_key_account_binding": {"workflow_state": "on"}}).raise_for_status()
        course = admin.post("/api/v1/accounts/1/courses", json={"course": {"name": "Services course"}}).json()["id"]
        installed = admin.post(f"/api/v1/courses/{course}/external_tools", json={"client_id": client_id})
        installed.raise_for_status()
        users = {}
        for name, kind in [(TEACHER, "TeacherEnrollment")] + [(name, "StudentEnrollment") for name in STUDENTS]:
            user = admin.post("/api/v1/accounts/1/users", json={"user": {"name": name}})
            user.raise_for_status()
            admin.post(f"/api/v1/courses/{course}/enrollments",
                       json={"enrollment": {"user_id": user.json()["id"], "type": kind}}).raise_for_status()
            users[name] = user.json()
    return {"client_id": client_id, "course": course, "tool": installed.json(), "deployment_id": installed.json()["deployment_id"],
            "users": users}


def launch_as(browser: httpx.Client, page: str, name: str, role: str) -> tuple[httpx.Response, list[str]]:
    """Open a launch page, pick ``name`` on the "Launch as" page, and let the pages run as a browser would."""
    chooser = browser.get(page)
    assert chooser.status_code == 401, chooser.text  # no session yet: whom to launch as
    return browse(browser, browser.get(urljoin(page, read_page(chooser).links[f"{name} ({role})"])))


def deep_link_answer(page: httpx.Response) -> dict[str, Any]:
    """Canvas's ``deep_link_response`` object on the platform's answer to the deep-linking response."""
    found = re.search(r'<script type="application/json" id="deep_link_response">(.*?)</script>', page.text, re.S)
    assert found, page.text[:500]
    return json.loads(found.group(1))


@pytest.fixture
def world(serve: Any, serve_wsgi: Any) -> Iterator[tuple[str, ToolState, dict[str, Any]]]:  # noqa: F811
    """A mock platform and the PyLTI1p3 tool, registered with each other (both stopped afterwards)."""
    base = serve(mock_platform.create_app(mock_platform.PlatformConfig(admin_token=ADMIN_TOKEN)))
    state, pair = ToolState(), keys.generate()
    state.url = serve_wsgi(services_app(state))
    ids = register(base, state.url)
    conf = tool_conf(base, ids, pair)
    conf.set_public_key(base, pair.public_pem.decode(), client_id=ids["client_id"])
    state.conf = conf
    yield base, state, ids


# --- the test ---------------------------------------------------------------------------------------------

def test_pylti1p3_deep_links_an_assignment_reads_the_roster_and_grades_it(world):
    base, state, ids = world
    tool, course, client_id = state.url, ids["course"], ids["client_id"]
    teacher, students = ids["users"][TEACHER], [ids["users"][name] for name in STUDENTS]

    # 1. the teacher picks content from the assignment_selection placement: a deep-linking request and response
    selection = f"{base}/courses/{course}/external_tools/{ids['tool']['id']}/resource_selection?placement=assignment_selection"
    with httpx.Client(timeout=TIMEOUT) as browser:  # no admin token: a browser with cookies, nothing else
        answer, visited = launch_as(browser, selection, TEACHER, "Teacher")
    assert answer.status_code == 200, (answer.status_code, answer.text[:500], visited)
    assert [u.split("?")[0] for u in visited[1:]] == [
        f"{tool}/login", f"{base}/api/lti/authorize_redirect", f"{base}/api/lti/authorize", f"{tool}/launch",
        f"{base}/courses/{course}/deep_linking_response"], visited
    [request] = state.launches
    assert request[LTI + "message_type"] == "LtiDeepLinkingRequest" and request["sub"] == teacher["lti_user_id"]
    assert request[PLACEMENT_CLAIM] == "assignment_selection"
    settings = request[DL + "deep_linking_settings"]
    assert visited[-1] == settings["deep_link_return_url"]  # the library's form posted to the request's return URL
    assert "ltiResourceLink" in settings["accept_types"] and settings["accept_multiple"] is False
    created = deep_link_answer(answer)
    assert created["placement"] == "assignment_selection", created
    [item] = created["content_items"]
    assert "errors" not in item and item["type"] == "ltiResourceLink" and item["lineItem"]["scoreMaximum"] == ITEM["scoreMaximum"], item

    # the assignment and its line item, as the admin API shows them
    with httpx.Client(base_url=base, headers=ADMIN, timeout=TIMEOUT) as admin:
        listed = admin.get(f"/api/v1/courses/{course}/assignments")
        enrolled = admin.get(f"/api/v1/courses/{course}/enrollments")
    assert listed.status_code == 200 and enrolled.status_code == 200, (listed.text, enrolled.text)
    [assignment] = [a for a in listed.json() if a["name"] == ITEM["label"]]
    assert assignment["id"] == item["assignment_id"]
    assert assignment["points_possible"] == ITEM["scoreMaximum"]
    assert assignment["external_tool_tag_attributes"]["content_id"] == client_id

    # 2. a student launches the new assignment: NRPS (all pages), the line item, a score
    student = students[1]
    page = f"{base}/courses/{course}/assignments/{assignment['id']}"
    with httpx.Client(timeout=TIMEOUT) as browser:
        answer, visited = launch_as(browser, page, student["name"], "Student")
    assert answer.status_code == 200, (answer.status_code, answer.text[:500], visited)
    assert [u.split("?")[0] for u in visited[1:]] == [
        f"{tool}/login", f"{base}/api/lti/authorize_redirect", f"{base}/api/lti/authorize", f"{tool}/launch"], visited
    launch = state.launches[-1]
    assert launch[LTI + "message_type"] == "LtiResourceLinkRequest" and launch["sub"] == student["lti_user_id"] == answer.json()["sub"]
    assert LEARNER in launch[LTI + "roles"]
    assert launch[AGS_CLAIM]["lineitem"] == assignment["lti_line_item_url"]
    assert state.line_items == [{"label": ITEM["label"], "scoreMaximum": ITEM["scoreMaximum"]}]

    # every enrolled user once, across the pages the library followed
    enrolment = {e["user_id"]: e["type"] for e in enrolled.json()}
    by_id = {u["id"]: u for u in [teacher, *students]}
    assert len(state.members) == len(enrolment) == answer.json()["members"], state.members
    assert sorted(m["user_id"] for m in state.members) == sorted(by_id[uid]["lti_user_id"] for uid in enrolment)
    roles = {m["user_id"]: m["roles"] for m in state.members}
    assert INSTRUCTOR in roles[teacher["lti_user_id"]] and all(LEARNER in roles[s["lti_user_id"]] for s in students), roles
    pages = [c for c in state.calls if urlsplit(c.url).path == f"/api/lti/courses/{course}/names_and_roles"]
    expected_pages = -(-len(enrolment) // PAGE_SIZE)
    assert len(pages) == expected_pages > 1, pages
    assert all(c.method == "GET" and c.status == 200 and c.content_type.startswith(MEMBERSHIP_TYPE) for c in pages), pages
    assert parse_qs(urlsplit(pages[0].url).query)["limit"] == [str(PAGE_SIZE)]
    assert [parse_qs(urlsplit(c.url).query).get("page", ["1"]) for c in pages] == [[str(n)] for n in range(1, expected_pages + 1)]
    assert 'rel="next"' not in pages[-1].link and all('rel="next"' in c.link for c in pages[:-1]), pages

    # 3. the gradebook shows the student's score
    with httpx.Client(base_url=base, headers=ADMIN, timeout=TIMEOUT) as admin:
        graded = admin.get(f"/api/v1/courses/{course}/assignments/{assignment['id']}/submissions/{student['id']}")
        other = admin.get(f"/api/v1/courses/{course}/assignments/{assignment['id']}/submissions/{students[0]['id']}")
    assert graded.status_code == 200 and other.status_code == 200, (graded.text, other.text)
    expected = SCORE / ITEM["scoreMaximum"] * assignment["points_possible"]
    assert (graded.json()["score"], graded.json()["workflow_state"]) == (expected, "graded"), graded.json()
    assert other.json()["score"] is None, other.json()
