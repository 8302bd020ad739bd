"""Fixtures of the launch suite: the harness's tool installed in a course of the platform, and launches
of it made as a browser would (:mod:`harness.platform_launch`)."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

import jwt
import pytest

from lti_harness.harness import keys, redact
from lti_harness.harness.client import json_body
from lti_harness.harness.platform_launch import AuthAnswer, HarnessToolUrls, Initiation, authenticate, authentication_request, initiate
from lti_harness.harness.results import cannot_test, precondition
from lti_harness.harness.session import HarnessSession
from lti_harness.vocab import LINEITEM_READONLY_SCOPE, LINEITEM_SCOPE, SCORE_SCOPE

GRANTED = [LINEITEM_SCOPE, LINEITEM_READONLY_SCOPE, SCORE_SCOPE]


@dataclass
class Launched:
    """A launch carried through: the login initiation, the authentication request and its answer, and
    the id_token's claims (verified against the platform's JWKS by kid)."""

    initiation: Initiation
    answer: AuthAnswer
    claims: dict[str, Any]
    header: dict[str, Any]
    at: float


@dataclass
class LaunchSetup:
    session: HarnessSession
    client_id: str
    urls: HarnessToolUrls
    course_id: str
    tool_id: str
    deployment_id: str
    student: str
    teacher: str
    assignment_id: str
    endpoint: str
    jwks_url: str
    made: dict[tuple[str, bool], Launched] = field(default_factory=dict)

    def initiate(self, *, teacher: bool = False, assignment: bool = False) -> Initiation:
        """A fresh launch as the student (or the teacher), of the course navigation link (or the
        assignment): the login initiation the platform sent toward the tool."""
        url = self.session.adapter.launch_url(self.course_id, self.teacher if teacher else self.student,
                                              tool_id=None if assignment else self.tool_id,
                                              assignment_id=self.assignment_id if assignment else None)
        if "verifier=" in url:  # a one-time login: kept out of the report
            redact.register_secret(url.split("verifier=", 1)[1].split("&", 1)[0])
        return initiate(self.session.client, url, self.urls)

    def reached(self, initiation: Initiation) -> Initiation:
        """``initiation``, or error when the platform never sent the browser to the tool's login URL."""
        if not initiation.method:
            hops = f" (after {'; '.join(initiation.hops)})" if initiation.hops else ""
            cannot_test(f"the launch URL never led to the tool's login initiation URL {self.urls.login}{hops}; the platform "
                        f"answered {initiation.page.status_code}: {initiation.page.text[:200]!r} (LAUNCH-001 judges this)")
        return initiation

    def authenticate(self, initiation: Initiation, **overrides: str | None) -> AuthAnswer:
        request = authentication_request(initiation.params, self.urls, **overrides)
        if "client_id" not in overrides:
            request["client_id"] = initiation.params.get("client_id") or self.client_id
        return authenticate(self.session.client, self.endpoint, request, request.get("redirect_uri", self.urls.redirect))

    def valid(self, *, teacher: bool = False, assignment: bool = False) -> Launched:
        """A valid launch carried through (made once per kind and user); error when the platform does not
        post an id_token for it (LAUNCH-006 judges that)."""
        slot = ("teacher" if teacher else "student", assignment)
        if slot not in self.made:
            initiation = self.reached(self.initiate(teacher=teacher, assignment=assignment))
            answer = self.authenticate(initiation)
            precondition(bool(answer.id_token), f"a valid authentication request got no id_token: {answer.describe()} (LAUNCH-006 judges this)")
            header, claims = self.verify(answer.id_token)
            self.made[slot] = Launched(initiation, answer, claims, header, time.time())
        return self.made[slot]

    def jwks(self) -> dict[str, Any]:
        if "launch_jwks" not in self.session.cache:
            response = self.session.client.get(self.jwks_url, headers={"Accept": "application/json"})
            document = json_body(response) if response.status_code == 200 else None
            precondition(isinstance(document, dict) and isinstance(document.get("keys"), list),
                         f"the platform's JWKS at {self.jwks_url} could not be read ({response.status_code}: {response.text[:160]!r}); "
                         "set [platform] jwks_url")
            self.session.cache["launch_jwks"] = document
        return self.session.cache["launch_jwks"]

    def verify(self, token: str) -> tuple[dict[str, Any], dict[str, Any]]:
        """The id_token's header and claims, unverified (the checks judge signature and claims themselves)."""
        try:
            return jwt.get_unverified_header(token), jwt.decode(token, options={"verify_signature": False})
        except jwt.PyJWTError as exc:
            raise AssertionError(f"the id_token posted to the tool is not a JWT: {exc}") from None

    def signature_problem(self, token: str, header: dict[str, Any]) -> str | None:
        """Why the id_token does not verify against the platform's JWKS by its kid (None when it does)."""
        if header.get("alg") != "RS256":
            return f"the id_token's alg is {header.get('alg')!r}, not RS256"
        if not header.get("kid"):
            return "the id_token's header has no kid"
        try:
            key = keys.public_key_from_jwks(self.jwks(), header["kid"])
        except KeyError:
            return f"the platform's JWKS ({self.jwks_url}) has no RSA key with the id_token's kid {header['kid']!r}"
        try:
            jwt.decode(token, key, algorithms=["RS256"], options={"verify_aud": False, "verify_exp": False, "verify_iat": False})
        except jwt.PyJWTError as exc:
            return f"the id_token's signature does not verify with the JWKS key {header['kid']!r}: {exc}"
        return None


@dataclass
class InstalledTool:
    """The harness's tool as an LTI key of the platform, installed in a course the harness created."""

    urls: HarnessToolUrls
    client_id: str
    course_id: str
    installation: dict[str, Any]

    @property
    def tool_id(self) -> str:
        return str(self.installation.get("id"))

    @property
    def deployment_id(self) -> str:
        return str(self.installation.get("deployment_id", ""))


def install_harness_tool(platform: HarnessSession, what: str, scopes: list[str]) -> InstalledTool:
    """An LTI developer key for the harness's tool (its own login, redirect and target URIs, which
    nothing is ever sent to; ``scopes`` granted; bound on), installed in a new course named after ``what``."""
    tool = platform.harness_tool
    base = tool.base_url.rstrip("/")
    urls = HarnessToolUrls(login=f"{base}/harness/lti/login", redirect=f"{base}/harness/lti/launch", target=f"{base}/harness/lti/resource")
    adapter = platform.adapter
    created = adapter.create_developer_key({
        "name": platform.unique(f"LTI Harness {what} key"), "is_lti_key": True, "scopes": scopes, "require_scopes": True,
        "public_jwk": tool.key.public_jwk, "redirect_uris": [urls.redirect], "oidc_initiation_url": urls.login,
        "target_link_uri": urls.target,
    })
    client_id = str(created["id"])
    adapter.set_developer_key_binding(client_id, "on")
    course = str(adapter.create_course(platform.unique(f"LTI Harness {what} course"))["id"])
    return InstalledTool(urls, client_id, course, adapter.install_tool(course, client_id))


def tool_assignment(platform: HarnessSession, installed: InstalledTool, name: str) -> str:
    """An assignment of the course that launches the installed tool (a resource link); its id."""
    made = platform.adapter.create_assignment(installed.course_id, {
        "name": name, "points_possible": 10, "submission_types": ["external_tool"],
        "external_tool_tag_attributes": {"content_id": installed.installation.get("id")}})
    return str(made["id"])


def launch_setup(platform: HarnessSession, installed: InstalledTool, student: str, teacher: str, assignment: str) -> LaunchSetup:
    """Launches of ``installed`` by its course's ``student`` and ``teacher``, through the profile's endpoints."""
    target = platform.platform
    assert target is not None
    return LaunchSetup(session=platform, client_id=installed.client_id, urls=installed.urls, course_id=installed.course_id,
                       tool_id=installed.tool_id, deployment_id=installed.deployment_id, student=student, teacher=teacher,
                       assignment_id=assignment, endpoint=target.authorization_endpoint, jwks_url=target.jwks_url)


def new_setup(platform: HarnessSession) -> LaunchSetup:
    """The harness's tool installed in a new course with a student, a teacher and an assignment of the tool."""
    installed = install_harness_tool(platform, "launch", GRANTED)
    adapter = platform.adapter
    student = str(adapter.create_user("Harness Launch Student")["id"])
    teacher = str(adapter.create_user("Harness Launch Teacher")["id"])
    adapter.enroll(installed.course_id, student)
    adapter.enroll(installed.course_id, teacher, "TeacherEnrollment")
    return launch_setup(platform, installed, student, teacher, tool_assignment(platform, installed, "Harness launch assignment"))


@pytest.fixture
def launches(platform: HarnessSession) -> LaunchSetup:
    """The harness's tool installed in a course of the platform (made once per run)."""
    if "launch_setup" not in platform.cache:
        platform.cache["launch_setup"] = new_setup(platform)
    return platform.cache["launch_setup"]

