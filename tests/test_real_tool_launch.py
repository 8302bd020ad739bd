"""A real LTI tool library end to end against the mock platform: PyLTI1p3 (from PyPI) in a small Flask
app on loopback is registered through the admin API (an LTI developer key with its public JWK, login
initiation URL, redirect URI and AGS scopes), installed in a course with a student and an assignment,
and launched from the assignment's launch page by a plain HTTP client playing the browser: launch page →
"Launch as" → login initiation form → the tool's OIDC login → the platform's authorization endpoint →
its redirect → the id_token form → the tool's launch. The tool validates the launch with
``MessageLaunch.validate``, reads the AGS endpoint claim and posts a score for the launching user with
the library's AGS service; the mock's gradebook then shows that score. With a launch fault on the mock (a
key the JWKS lacks, a nonce the tool never sent, no state echoed) the library refuses the launch and no
score is posted."""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from datetime import datetime, timezone
from html.parser import HTMLParser
from typing import Any, Iterator
from urllib.parse import urljoin

import httpx
import pytest
from flask import Flask, jsonify
from markupsafe import escape
from pylti1p3.contrib.flask import FlaskMessageLaunch, FlaskOIDCLogin, FlaskRequest
from pylti1p3.exception import LtiException, OIDCException
from pylti1p3.grade import Grade
from pylti1p3.tool_config import ToolConfDict

from lti_harness import mock_platform
from lti_harness.harness import keys

ADMIN_TOKEN = "real-launch-admin"
ADMIN = {"Authorization": f"Bearer {ADMIN_TOKEN}"}
AGS = "https://purl.imsglobal.org/spec/lti-ags/scope/"
SCOPES = [AGS + "lineitem", AGS + "lineitem.readonly", AGS + "score", AGS + "result.readonly"]
AGS_CLAIM = "https://purl.imsglobal.org/spec/lti-ags/claim/endpoint"
LTI = "https://purl.imsglobal.org/spec/lti/claim/"
LEARNER = "http://purl.imsglobal.org/vocab/lis/v2/membership#Learner"
TIMEOUT = 10.0  # seconds per browser request (the tool's launch calls the platform's token and AGS routes)
MAX_HOPS = 12  # a launch takes four requests after the launch page; a loop is cut off here


# --- the tool: PyLTI1p3 in Flask ------------------------------------------------------------------------

@dataclass
class ToolState:
    """What the tool is told after it starts (its registration on the platform) and what its launches saw."""

    conf: ToolConfDict | None = None
    launches: list[dict[str, Any]] = field(default_factory=list)


def with_login(app: Flask, state: Any) -> Flask:
    """``app`` with a session secret and PyLTI1p3's OIDC login initiation at ``/login`` (GET or POST), on ``state.conf``."""
    app.secret_key = secrets.token_hex(16)

    @app.route("/login", methods=["GET", "POST"])
    def login() -> Any:
        request = FlaskRequest()
        try:
            return FlaskOIDCLogin(request, state.conf).redirect(request.get_param("target_link_uri"))
        except (LtiException, OIDCException) as exc:
            return f"login refused: {escape(str(exc))}", 400

    return app


def tool_app(state: ToolState) -> Flask:
    """A Flask tool on PyLTI1p3: ``/login`` (OIDC login initiation), ``/launch`` (validates the id_token,
    then posts a score of 7/10 for the launching user to the line item named by the AGS claim)."""
    app = with_login(Flask("pylti1p3-launched-tool"), state)

    @app.route("/launch", methods=["POST"])
    def launch() -> Any:
        try:
            message_launch = FlaskMessageLaunch(FlaskRequest(), state.conf).validate()
            data = message_launch.get_launch_data()
            state.launches.append(data)
            if not message_launch.has_ags():
                return "launch has no AGS endpoint claim", 400
            now = datetime.now(timezone.utc)
            stamp = now.strftime("%Y-%m-%dT%H:%M:%S.") + f"{now.microsecond // 1000:03d}+00:00"
            grade = (Grade().set_score_given(7).set_score_maximum(10).set_timestamp(stamp).set_activity_progress("Completed")
                     .set_grading_progress("FullyGraded").set_user_id(data["sub"]))
            posted = message_launch.get_ags().put_grade(grade)  # to the claim's lineitem: an assignment launch names one
        except LtiException as exc:
            return f"launch refused: {escape(str(exc))}", 400
        return jsonify({"sub": data["sub"], "score": posted["body"]})  # the library raises on a status other than 2xx

    return app


# --- the browser: links and auto-submitting forms, read from the HTML --------------------------------------

class _Page(HTMLParser):
    """The links (text → href) and the forms (action, method, hidden fields) of one page."""

    def __init__(self) -> None:
        super().__init__()
        self.links: dict[str, str] = {}
        self.forms: list[tuple[str, str, dict[str, str]]] = []
        self._href: str | None = None
        self._text = ""

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "a" and "href" in a:
            self._href, self._text = a["href"], ""
        elif tag == "form":
            self.forms.append((a.get("action", ""), a.get("method", "get").lower(), {}))
        elif tag == "input" and self.forms and a.get("name"):
            self.forms[-1][2][a["name"]] = a.get("value", "")

    def handle_data(self, data: str) -> None:
        if self._href is not None:
            self._text += data

    def handle_endtag(self, tag: str) -> None:
        if tag == "a" and self._href is not None:
            self.links[self._text.strip()] = self._href
            self._href = None


def read_page(response: httpx.Response) -> _Page:
    page = _Page()
    page.feed(response.text)
    return page


def browse(browser: httpx.Client, response: httpx.Response) -> tuple[httpx.Response, list[str]]:
    """Do what a browser does with ``response`` until a page neither redirects nor submits itself:
    follow each redirect, submit each auto-submitting form (a page with one POST form). Returns the
    last answer and every URL requested on the way."""
    visited = [str(response.url)]
    for _ in range(MAX_HOPS):
        if response.is_redirect:
            response = browser.get(urljoin(str(response.url), response.headers["location"]))
        else:
            forms = read_page(response).forms if "html" in response.headers.get("content-type", "") else []
            if len(forms) != 1 or forms[0][1] != "post":
                return response, visited
            action, _, fields = forms[0]
            response = browser.post(urljoin(str(response.url), action), data=fields)
        visited.append(str(response.url))
    raise AssertionError(f"the launch did not end within {MAX_HOPS} requests: {visited}")


# --- the test ---------------------------------------------------------------------------------------------

def register(base: str, tool: str, pair: keys.KeyPair) -> dict[str, Any]:
    """As an admin would: an LTI key for the tool, bound on; a course with the tool installed, a student
    and an assignment launching the tool. Returns the ids."""
    with httpx.Client(base_url=base, headers=ADMIN, timeout=TIMEOUT) as admin:
        key = admin.post("/api/v1/accounts/1/developer_keys", json={"developer_key": {
            "name": "PyLTI1p3 tool", "is_lti_key": True, "public_jwk": pair.public_jwk, "scopes": SCOPES,
            "redirect_uris": [f"{tool}/launch"], "oidc_initiation_url": f"{tool}/login", "target_link_uri": f"{tool}/launch",
            "custom_fields": {"canvas_course": "$Canvas.course.id"}}})
        key.raise_for_status()
        client_id = key.json()["id"]
        admin.post(f"/api/v1/accounts/1/developer_keys/{client_id}/developer_key_account_bindings",
                   json={"developer_key_account_binding": {"workflow_state": "on"}}).raise_for_status()
        course = admin.post("/api/v1/accounts/1/courses", json={"course": {"name": "Launch course"}}).json()["id"]
        installed = admin.post(f"/api/v1/courses/{course}/external_tools", json={"client_id": client_id}).json()
        student = admin.post("/api/v1/accounts/1/users", json={"user": {"name": "Ada Student"}}).json()
        admin.post(f"/api/v1/courses/{course}/enrollments",
                   json={"enrollment": {"user_id": student["id"], "type": "StudentEnrollment"}}).raise_for_status()
        assignment = admin.post(f"/api/v1/courses/{course}/assignments", json={"assignment": {
            "name": "Quiz 1", "points_possible": 10, "submission_types": ["external_tool"],
            "external_tool_tag_attributes": {"content_id": installed["id"]}}})
        assignment.raise_for_status()
    return {"client_id": client_id, "course": course, "deployment_id": installed["deployment_id"], "student": student,
            "assignment": assignment.json()["id"]}


def tool_conf(base: str, ids: dict[str, Any], pair: keys.KeyPair) -> ToolConfDict:
    """The tool's settings for the mock platform, as PyLTI1p3 documents them (the issuer is the mock's URL)."""
    conf = ToolConfDict({base: [{
        "default": True, "client_id": ids["client_id"], "auth_login_url": f"{base}/api/lti/authorize_redirect",
        "auth_token_url": f"{base}/login/oauth2/token", "key_set_url": f"{base}/api/lti/security/jwks",
        "deployment_ids": [ids["deployment_id"]]}]})
    conf.set_private_key(base, pair.private_pem.decode(), client_id=ids["client_id"])
    return conf


def launch_as_student(base: str, ids: dict[str, Any]) -> tuple[httpx.Response, list[str]]:
    """Open the assignment's launch page in a fresh browser, pick the student, and let the pages run."""
    page = f"{base}/courses/{ids['course']}/assignments/{ids['assignment']}"
    with httpx.Client(timeout=TIMEOUT) as browser:  # no admin token: a browser with cookies, nothing else
        chooser = browser.get(page)
        assert chooser.status_code == 401, chooser.text  # no session yet: whom to launch as
        as_student = read_page(chooser).links[f"{ids['student']['name']} (Student)"]
        return browse(browser, browser.get(urljoin(page, as_student)))


def gradebook(base: str, ids: dict[str, Any]) -> dict[str, Any]:
    """The student's submission of the assignment, read with the admin token."""
    with httpx.Client(base_url=base, headers=ADMIN, timeout=TIMEOUT) as admin:
        graded = admin.get(f"/api/v1/courses/{ids['course']}/assignments/{ids['assignment']}/submissions/{ids['student']['id']}")
    assert graded.status_code == 200, graded.text
    return graded.json()


def start(serve: Any, serve_wsgi: Any, *faults: str) -> tuple[str, str, ToolState, dict[str, Any]]:
    """A mock platform (with ``faults``) and the PyLTI1p3 tool, registered with each other."""
    base = serve(mock_platform.create_app(mock_platform.PlatformConfig(admin_token=ADMIN_TOKEN, faults=set(faults))))
    state, pair = ToolState(), keys.generate()
    tool = serve_wsgi(tool_app(state))
    ids = register(base, tool, pair)
    state.conf = tool_conf(base, ids, pair)
    return base, tool, state, ids


def test_pylti1p3_launched_from_the_assignment_page_posts_a_grade(serve, serve_wsgi):
    base, tool, state, ids = start(serve, serve_wsgi)
    answer, visited = launch_as_student(base, ids)

    assert answer.status_code == 200, (answer.status_code, answer.text[:500], visited)
    # the browser went launch page → tool login → platform authorize (redirected) → tool launch
    page = f"{base}/courses/{ids['course']}/assignments/{ids['assignment']}"
    assert [u.split("?")[0] for u in visited] == [
        page, f"{tool}/login", f"{base}/api/lti/authorize_redirect", f"{base}/api/lti/authorize", f"{tool}/launch"], visited
    assert answer.json()["score"]["resultUrl"].startswith(f"{base}/api/lti/courses/{ids['course']}/line_items/{ids['assignment']}/results/"), answer.json()

    [launch] = state.launches
    assert launch["sub"] == ids["student"]["lti_user_id"] == answer.json()["sub"]
    assert launch[LTI + "message_type"] == "LtiResourceLinkRequest"
    assert launch[LTI + "deployment_id"] == ids["deployment_id"]
    assert LEARNER in launch[LTI + "roles"]
    assert launch[LTI + "context"]["title"] == "Launch course"
    assert launch[LTI + "custom"] == {"canvas_course": str(ids["course"])}
    ags = launch[AGS_CLAIM]
    assert set(ags["scope"]) == set(SCOPES)
    assert ags["lineitems"] == f"{base}/api/lti/courses/{ids['course']}/line_items"
    assert ags["lineitem"] == f"{ags['lineitems']}/{ids['assignment']}"

    submission = gradebook(base, ids)
    assert (submission["score"], submission["grade"], submission["workflow_state"]) == (7, "7", "graded"), submission


@pytest.mark.parametrize("fault, refusal", [
    ("id-token-unpublished-key", "Unable to find public key"),  # signed by a key the JWKS lacks
    ("id-token-own-nonce", "Invalid Nonce"),                     # not the nonce the tool sent
    ("state-not-echoed", "Missing state param"),                # the tool cannot tie the answer to its login
])
def test_pylti1p3_refuses_a_broken_launch_and_posts_nothing(serve, serve_wsgi, fault, refusal):
    base, _, state, ids = start(serve, serve_wsgi, fault)
    answer, visited = launch_as_student(base, ids)

    assert answer.status_code == 400 and refusal in answer.text, (answer.status_code, answer.text[:500], visited)
    assert state.launches == []
    assert gradebook(base, ids)["score"] is None
