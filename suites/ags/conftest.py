"""Fixtures of the AGS suite: an LTI key installed in a course with students, tokens per scope set,
line items made for a check, and helpers that call the AGS routes."""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import httpx
import pytest

from lti_harness.harness.client import json_body
from lti_harness.harness.session import HarnessSession
from lti_harness.harness.plugin import not_applicable
from lti_harness.harness.results import precondition
from lti_harness.suites.common import LtiKey, lti_token, new_lti_key, registered_key
from lti_harness.vocab import LINEITEM_READONLY_SCOPE, LINEITEM_SCOPE, LINEITEM_TYPE, RESULT_READONLY_SCOPE, RESULTS_TYPE, SCORE_SCOPE, SCORE_TYPE

ALL_SCOPES = [LINEITEM_SCOPE, LINEITEM_READONLY_SCOPE, SCORE_SCOPE, RESULT_READONLY_SCOPE]
SUBMISSION_EXT = "https://canvas.instructure.com/lti/submission"
_clock = itertools.count(1)


def beneath(url: str, leaf: str) -> str:
    """``url`` with ``/leaf`` appended to its path, its query kept (AGS §2.6: ``{lineitem}/results``)."""
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path=parts.path.rstrip("/") + "/" + leaf))


def stamp(offset_seconds: float = 0.0) -> str:
    """An ISO 8601 timestamp with milliseconds and a zone, strictly later than the previous call's."""
    moment = datetime.now(timezone.utc) + timedelta(seconds=offset_seconds, milliseconds=next(_clock))
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}+00:00"


@dataclass
class Course:
    """A course with the harness's tool installed, two students and a teacher."""

    id: str
    students: list[str]
    teacher: str
    lti: LtiKey
    platform: HarnessSession
    tool_id: str = ""  # the installed tool (an assignment's external_tool_tag_attributes[content_id])
    student_ids: list[str] = field(default_factory=list)  # the students' platform user ids (admin routes)
    tokens: dict[frozenset[str], str] = field(default_factory=dict)
    given_url: str | None = None  # the profile's registration lineitems_url (a context set up by hand)

    @property
    def line_items_url(self) -> str:
        if self.given_url:
            return self.given_url
        assert self.platform.platform is not None
        return f"{self.platform.platform.base_url}/api/lti/courses/{self.id}/line_items"

    def with_key(self, lti: LtiKey) -> Course:
        """The same course as another tool (another developer key) sees it."""
        return Course(self.id, self.students, self.teacher, lti, self.platform, self.tool_id, self.student_ids, given_url=self.given_url)

    def token(self, scopes: list[str]) -> str:
        """An LTI token for ``scopes``, fetched once per scope set (tokens cached, as clients should). A
        hand registration that was not granted a scope the check asks for makes the check not applicable."""
        if self.lti.registered:
            lacking = sorted(set(scopes) - set(self.lti.scopes))
            if lacking:
                not_applicable(f"the profile's registration was not granted {', '.join(lacking)} (its scopes: {', '.join(self.lti.scopes)})")
        slot = frozenset(scopes)
        if slot not in self.tokens:
            self.tokens[slot] = lti_token(self.platform, self.lti, sorted(scopes))
        return self.tokens[slot]

    @property
    def default_scopes(self) -> list[str]:
        return [s for s in ALL_SCOPES if s in self.lti.scopes] if self.lti.registered else ALL_SCOPES

    def call(self, method: str, url: str, scopes: list[str] | None = None, *, json: Any = None, accept: str = "application/json", token: str | None = None, **kwargs: Any) -> httpx.Response:
        headers = {"Authorization": f"Bearer {token or self.token(scopes or self.default_scopes)}", "Accept": accept}
        if json is not None:
            kwargs["json"] = json
            headers["Content-Type"] = SCORE_TYPE if urlsplit(url).path.endswith("/scores") else LINEITEM_TYPE
        return self.platform.client.request(method, url, headers=headers, **kwargs)

    def create_item(self, label: str = "Harness item", maximum: float = 10, **extra: Any) -> dict[str, Any]:
        """A line item for the check (a set-up step: a refusal ends the check as ``error``; AGS-001 judges creation)."""
        response = self.call("POST", self.line_items_url, [LINEITEM_SCOPE], json={"label": label, "scoreMaximum": maximum, **extra}, accept=LINEITEM_TYPE)
        body = json_body(response) if response.status_code in (200, 201) else None
        precondition(isinstance(body, dict) and isinstance(body.get("id"), str),
                     f"creating a line item (a set-up step) answered {response.status_code}: {response.text[:300]}")
        assert isinstance(body, dict)
        if self.given_url:
            self.platform.note_created(f"AGS line item {body['id']}")
        return body

    def student(self) -> str:
        """A student's LTI user id; not applicable in a context the harness did not set up (no students known)."""
        if not self.students:
            not_applicable("the harness knows no student of this context: the check needs the admin API to create and enrol users")
        return self.students[0]

    def post_score(self, item_url: str, body: dict[str, Any], scopes: list[str] | None = None) -> httpx.Response:
        return self.call("POST", beneath(item_url, "scores"), scopes or [SCORE_SCOPE], json=body, accept=SCORE_TYPE)

    def results(self, item_url: str, **params: str) -> httpx.Response:
        return self.call("GET", beneath(item_url, "results"), [RESULT_READONLY_SCOPE], accept=RESULTS_TYPE, params=params)


def score(user: str, given: float | None = 7, maximum: float | None = 10, **extra: Any) -> dict[str, Any]:
    body: dict[str, Any] = {"userId": user, "activityProgress": "Completed", "gradingProgress": "FullyGraded", "timestamp": stamp()}
    if given is not None:
        body["scoreGiven"] = given
    if maximum is not None:
        body["scoreMaximum"] = maximum
    body.update(extra)
    return body


def user_id(created: dict[str, Any]) -> str:
    return str(created.get("lti_user_id") or created["id"])


def new_course(platform: HarnessSession, lti: LtiKey | None = None, name: str = "LTI Harness AGS course") -> Course:
    adapter = platform.adapter
    lti = lti or new_lti_key(platform, ALL_SCOPES)
    cid = str(adapter.create_course(name)["id"])
    tool = adapter.install_tool(cid, lti.id)
    students, student_ids = [], []
    for n in (1, 2):
        created = adapter.create_user(f"Harness Student {n}")
        adapter.enroll(cid, str(created["id"]))
        students.append(user_id(created))
        student_ids.append(str(created["id"]))
    teacher = adapter.create_user("Harness Teacher")
    adapter.enroll(cid, str(teacher["id"]), "TeacherEnrollment")
    return Course(id=cid, students=students, teacher=user_id(teacher), lti=lti, platform=platform, tool_id=str(tool.get("id", "")), student_ids=student_ids)


def registered_course(platform: HarnessSession) -> Course:
    """The context of the profile's hand registration (its ``lineitems_url``), for checks that need no admin action."""
    lti = registered_key(platform)
    reg = platform.platform.registration if platform.platform is not None else None
    if lti is None or reg is None:
        not_applicable("the harness cannot create a course (no admin API) and the profile describes no tool registered by hand ([platform.registration])")
        raise AssertionError("unreachable")
    if not reg.lineitems_url:
        not_applicable("the profile's [platform.registration] gives no lineitems_url (the AGS line-items URL of a context)")
    return Course(id="", students=[], teacher="", lti=lti, platform=platform, given_url=reg.lineitems_url)


@pytest.fixture
def course(platform: HarnessSession) -> Course:
    """The suite's shared course (made once per session): checks add their own line items to it. Where the
    harness has no admin API, the context of the profile's hand registration (no students)."""
    if "ags_course" not in platform.cache:
        admin = platform.missing("admin_courses") or platform.missing("admin_developer_keys")
        platform.cache["ags_course"] = new_course(platform) if admin is None else registered_course(platform)
    return platform.cache["ags_course"]


@pytest.fixture
def item(course: Course) -> dict[str, Any]:
    return course.create_item()


def error_message(response: httpx.Response) -> tuple[str, str | None]:
    """(shape, message): ``typed`` for ``{"errors":{"type","message"}}``, ``generic`` for ``{"errors":[{"message"}]}``."""
    try:
        body = response.json()
    except ValueError:
        return "none", None
    errors = body.get("errors") if isinstance(body, dict) else None
    if isinstance(errors, dict) and isinstance(errors.get("message"), str):
        return "typed", errors["message"]
    if isinstance(errors, list) and errors and isinstance(errors[0], dict) and isinstance(errors[0].get("message"), str):
        return "generic", errors[0]["message"]
    return "other", None


def expect_error(response: httpx.Response, statuses: int | tuple[int, ...], shape: str, *messages: str, prefix: bool = False, canvas: bool = True) -> None:
    """The documented refusal: status, body shape and one of the accepted messages (exact or prefix).
    ``canvas=False`` (a platform not taken to follow Canvas's conventions) judges the status only."""
    wanted = (statuses,) if isinstance(statuses, int) else statuses
    rule = f"{' or '.join(map(str, wanted))} {messages[0]!r}"
    assert response.status_code in wanted, (
        f"answered {response.status_code}; the documented answer is {rule} (seed 003 \"Common Error Codes\", canvas-facts.md §4): {response.text[:300]}"
    )
    if not canvas:
        return
    got_shape, message = error_message(response)
    want_shape = {"typed": '{"errors":{"type","message"}}', "generic": '{"errors":[{"message"}]}'}[shape]
    assert got_shape == shape, f"the error body is not {want_shape}, the shape Canvas gives {messages[0]!r} (canvas-facts.md §4): {response.text[:300]}"
    ok = any((message or "").startswith(m) if prefix else message == m for m in messages)
    assert ok, f"message {message!r}; the documented message is {' or '.join(repr(m) for m in messages)}"
