"""Fixtures of the nrps suite: the harness's tool, granted contextmembership.readonly, installed in a course of
the platform with four students and a teacher; its memberships URL (from a launch's NRPS claim, where the
platform launches, through the launch suite's :class:`LaunchSetup`), tokens and paged reads."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest

from lti_harness.harness.client import json_body
from lti_harness.harness.results import CannotTest, cannot_test
from lti_harness.harness.session import HarnessSession
from lti_harness.suites.common import LtiKey, lti_token, token_url
from lti_harness.suites.launch.conftest import Launched, LaunchSetup, install_harness_tool, launch_setup, tool_assignment
from lti_harness.vocab import LINEITEM_READONLY_SCOPE, NRPS_SCOPE

GRANTED = [NRPS_SCOPE, LINEITEM_READONLY_SCOPE]
MEDIA = "application/vnd.ims.lti-nrps.v2.membershipcontainer+json"
NRPS_CLAIM = "https://purl.imsglobal.org/spec/lti-nrps/claim/namesroleservice"
STUDENTS = 4
MAX_PAGES = 10


@dataclass
class Page:
    """One answer of the memberships URL: the response and its members (None when it is not a container)."""

    response: httpx.Response
    body: Any
    members: list[dict[str, Any]] | None

    @property
    def next(self) -> str | None:
        found = self.response.links.get("next", {}).get("url")
        return str(found) if found else None


@dataclass
class NrpsSetup:
    session: HarnessSession
    lti: LtiKey
    course_id: str
    students: list[str]
    teacher: str
    names: dict[str, str]  # the platform's user id -> the name the harness gave
    launch: LaunchSetup | None
    launched: dict[str, Launched] = field(default_factory=dict)
    tokens: dict[str, str] = field(default_factory=dict)
    _url: str | None = None
    url_from: str = ""

    @property
    def members_count(self) -> int:
        return len(self.students) + 1

    def token(self, scope: str = NRPS_SCOPE) -> str:
        if scope not in self.tokens:
            self.tokens[scope] = lti_token(self.session, self.lti, [scope])
        return self.tokens[scope]

    def launch_of(self, user_id: str, *, assignment: bool = False) -> Launched:
        """A valid launch as ``user_id`` (course navigation, or the assignment); error when the platform gives none."""
        assert self.launch is not None
        slot = f"{user_id}:{assignment}"
        if slot not in self.launched:
            teacher = user_id == self.teacher
            setup = self.launch if user_id in (self.launch.student, self.teacher) else dataclasses.replace(self.launch, student=user_id, made={})
            self.launched[slot] = setup.valid(teacher=teacher, assignment=assignment)
        return self.launched[slot]

    def url(self) -> str:
        """The memberships URL: the claim of a student's launch, else Canvas's route (``url_from`` says which)."""
        if self._url is None:
            assert self.session.platform is not None
            self._url = f"{self.session.platform.base_url}/api/lti/courses/{self.course_id}/names_and_roles"
            self.url_from = "Canvas's route (the platform does not launch: capability lti_launch)"
            if self.launch is not None:
                try:
                    claim = self.launch_of(self.students[0]).claims.get(NRPS_CLAIM)
                except (CannotTest, AssertionError) as exc:
                    claim, self.url_from = None, f"Canvas's route (a launch to read the NRPS claim from failed: {exc})"
                else:
                    self.url_from = "Canvas's route (the launch carries no NRPS claim with a context_memberships_url)"
                found = claim.get("context_memberships_url") if isinstance(claim, dict) else None
                if isinstance(found, str) and found.startswith(("https://", "http://")):
                    self._url, self.url_from = found, "the launch's NRPS claim"
        return self._url

    def read(self, url: str | None = None, *, scope: str = NRPS_SCOPE, **params: Any) -> Page:
        """One GET of the memberships URL (or a next link) with a token for ``scope``."""
        headers = {"Authorization": f"Bearer {self.token(scope)}", "Accept": MEDIA}
        response = self.session.client.get(url or self.url(), params=params or None, headers=headers)
        body = json_body(response) if 200 <= response.status_code < 300 else None
        members = body.get("members") if isinstance(body, dict) else None
        if isinstance(members, list):
            members = [m for m in members if isinstance(m, dict)]
        return Page(response, body, members if isinstance(members, list) else None)

    def container(self, **params: Any) -> Page:
        """The first page, which must be a container; error otherwise (NRPS-002 judges it)."""
        page = self.read(**params)
        if page.response.status_code != 200 or page.members is None:
            cannot_test(f"the memberships URL ({self.url_from}) answered {page.response.status_code} without a members array: "
                        f"{page.response.text[:200]!r} (NRPS-002 judges this)")
        return page

    def pages(self, **params: Any) -> list[Page]:
        """The pages of a listing, following next links (at most ``MAX_PAGES``); each a container."""
        found = [self.container(**params)]
        while found[-1].next and len(found) < MAX_PAGES:
            page = self.read(found[-1].next)
            if page.response.status_code != 200 or page.members is None:
                raise AssertionError(f"the next link {found[-1].next} answered {page.response.status_code}: {page.response.text[:200]!r}")
            found.append(page)
        return found

    def everyone(self, **params: Any) -> list[dict[str, Any]]:
        return [m for page in self.pages(**params) for m in page.members or []]

    def by_name(self, members: list[dict[str, Any]]) -> dict[str, dict[str, Any]] | None:
        """The members by the platform's user id, told apart by name; None when a member carries no name."""
        if not members or not all(isinstance(m.get("name"), str) for m in members):
            return None
        ids = {name: uid for uid, name in self.names.items()}
        return {ids[m["name"]]: m for m in members if m["name"] in ids}

    def who(self, members: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
        """The members by the platform's user id: by name, else by the sub of each course member's launch; error without either."""
        named = self.by_name(members)
        if named is not None:
            return named
        if self.launch is None:
            cannot_test("the members carry no names and the platform does not launch (capability lti_launch): the harness cannot tell who is who")
        by_sub = {m.get("user_id"): m for m in members}
        return {uid: by_sub[sub] for uid in [*self.students, self.teacher] if (sub := self.launch_of(uid).claims.get("sub")) in by_sub}


def _setup(session: HarnessSession) -> NrpsSetup:
    installed = install_harness_tool(session, "NRPS", GRANTED)
    adapter, course = session.adapter, installed.course_id
    names: dict[str, str] = {}
    students = []
    for n in range(1, STUDENTS + 1):
        name = session.unique(f"Harness NRPS-Student-{n}")
        uid = str(adapter.create_user(name)["id"])
        adapter.enroll(course, uid)
        students.append(uid)
        names[uid] = name
    name = session.unique("Harness NRPS-Teacher")
    teacher = str(adapter.create_user(name)["id"])
    adapter.enroll(course, teacher, "TeacherEnrollment")
    names[teacher] = name
    assignment = tool_assignment(session, installed, "Harness NRPS assignment")
    lti = LtiKey(id=installed.client_id, key=session.harness_tool.key, token_url=token_url(session), scopes=list(GRANTED))
    launch = launch_setup(session, installed, students[0], teacher, assignment) if session.missing("lti_launch") is None else None
    return NrpsSetup(session=session, lti=lti, course_id=course, students=students, teacher=teacher, names=names, launch=launch)


@pytest.fixture
def nrps(platform: HarnessSession) -> NrpsSetup:
    """The harness's tool with the NRPS scope installed in a course of the platform (made once per run)."""
    if "nrps_setup" not in platform.cache:
        platform.cache["nrps_setup"] = _setup(platform)
    return platform.cache["nrps_setup"]
