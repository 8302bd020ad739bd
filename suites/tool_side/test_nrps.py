"""The tool as a Names and Role Provisioning client (TOOL-044): launched from the harness's counterpart
platform, which the tool registered with through dynamic registration (TOOL-001), in a course whose members
span several pages; the counterpart's record of the memberships requests says whether the tool read them all.

The harness plays the browser: the counterpart's launch page, the login initiation it posts to the tool, the
tool's authentication request to the counterpart's authorization endpoint, the id_token posted back to the
tool (:mod:`harness.platform_launch` and :mod:`harness.launch` have the pieces)."""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl

import httpx

from lti_harness.harness import browser, redact, results
from lti_harness.harness.adapters import CanvasAdapter
from lti_harness.harness.checks import check
from lti_harness.harness.client import Client, json_body
from lti_harness.harness.launch import Answer, authentication_request, post_id_token
from lti_harness.harness.platform_launch import authenticate, browse_to
from lti_harness.harness.plugin import not_applicable
from lti_harness.harness.profile import PlatformTarget
from lti_harness.harness.session import COUNTERPART_NRPS_PAGE_SIZE, HarnessSession
from lti_harness.vocab import NRPS_SCOPE

from .test_dynreg import initiated, posted  # noqa: F401  (initiated: the DR fixture, one initiation per run)

CACHE = "tool_side.nrps_course"
STUDENTS = 7  # with one teacher: eight members, three pages of COUNTERPART_NRPS_PAGE_SIZE
WAIT = 5.0  # seconds the harness waits for the tool's memberships requests after it answered the launch
QUIET = 1.0  # seconds without a new request after which a tool that began reading is taken to be done
PAGING = ("page", "per_page", "limit")  # query parameters that choose a page; the others are filters
RULE = "ims-facts.md §4: NRPS pages by a Link header with rel=\"next\""


@dataclass
class Course:
    """The tool installed in a course of the counterpart platform, with enough members for several pages."""

    base: str
    admin: str
    client_id: str
    course_id: str
    tool_id: str
    teacher: str
    login_url: str
    endpoint: str  # the counterpart's OIDC authorization endpoint


def _client(session: HarnessSession) -> Client:
    """A fresh browser for the counterpart and the tool: its exchanges go to the check's report; nothing it
    creates is on a target (the counterpart platform is the harness's own)."""
    client = Client(timeout=session.client.timeout, recorder=session.record)
    client.run_deadline = session.client.run_deadline
    return client


def _registration(client: Client, base: str, admin: str) -> dict[str, Any]:
    """The registration the tool made on the counterpart (the newest; the tool registers once per run)."""
    listed = client.get(f"{base}/api/v1/accounts/1/lti_registrations", headers={"Authorization": f"Bearer {admin}", "Accept": "application/json"})
    found = json_body(listed) if listed.status_code == 200 else None
    results.precondition(isinstance(found, list) and bool(found) and isinstance(found[-1], dict),
                         "the counterpart platform holds no registration of the tool: it refused the registration the tool "
                         f"posted (TOOL-001 judges its body); listing registrations answered {listed.status_code}")
    assert isinstance(found, list)
    return found[-1]


def _set_up(session: HarnessSession, client: Client) -> Course:
    base, admin = session.counterpart_platform
    reg = _registration(client, base, admin)
    config = reg.get("configuration") if isinstance(reg.get("configuration"), dict) else {}
    scopes = config.get("scopes") or []
    if NRPS_SCOPE not in scopes:
        not_applicable(f"the tool's registration does not hold the NRPS scope ({NRPS_SCOPE}): it did not ask for it in its "
                       f"registration request (granted: {', '.join(scopes) or 'none'}), so it cannot read memberships")
    login_url = str((reg.get("overlaid_configuration") or {}).get("oidc_initiation_url") or config.get("oidc_initiation_url") or "")
    results.precondition(login_url.startswith(("http://", "https://")), "the tool's registration has no initiate_login_uri to launch it by")
    adapter = CanvasAdapter(PlatformTarget(base_url=base, account_id="1", admin_token=admin), client)
    course = str(adapter.create_course(session.unique("LTI Harness NRPS course"))["id"])
    installed = adapter.install_tool(course, str(reg["client_id"]))
    teacher = str(adapter.create_user("Harness NRPS Teacher")["id"])
    adapter.enroll(course, teacher, "TeacherEnrollment")
    for n in range(STUDENTS):
        adapter.enroll(course, str(adapter.create_user(f"Harness NRPS Student {n + 1}")["id"]))
    return Course(base=base, admin=admin, client_id=str(reg["client_id"]), course_id=course, tool_id=str(installed.get("id")),
                  teacher=teacher, login_url=login_url, endpoint=f"{base}/api/lti/authorize_redirect")


def _launch(client: Client, course: Course, launch_url: str, refused_text: str = "") -> Answer:
    """The launch as a browser makes it; error when a step the tool or the counterpart must take does not happen."""
    html = {"Accept": "text/html"}
    hop, page, _ = browse_to(client, launch_url, course.login_url)
    results.precondition(hop is not None, f"the counterpart's launch page never sent the browser to the tool's login URL "
                         f"{course.login_url}: it answered {page.status_code}: {page.text[:200]!r}")
    assert hop is not None
    login = client.post(hop.url, data=hop.fields, headers=html) if hop.method == "POST" else client.get(hop.url, headers=html)
    login, _ = browser.follow(client, login, stop=lambda url: url.startswith(course.endpoint))
    params = authentication_request(login, course.endpoint)
    results.precondition(params is not None and bool(params.get("redirect_uri")),
                         f"the tool's login initiation did not lead to the counterpart's authorization endpoint with a redirect_uri "
                         f"(TOOL-010 judges the login): it answered {login.status_code}: {login.text[:200]!r}")
    assert params is not None
    auth = authenticate(client, course.endpoint, params, params["redirect_uri"])
    results.precondition(bool(auth.id_token), f"the counterpart posted no id_token for the tool's authentication request: {auth.describe()}")
    assert auth.sent is not None
    answer = post_id_token(client, auth.sent.url, auth.id_token, auth.sent.fields.get("state", ""), refused_text=refused_text)
    results.precondition(answer.accepted, f"the tool did not accept the counterpart's launch (TOOL-010 judges launches): {answer.describe()}")
    return answer


def _requests(client: Client, course: Course, since: float) -> list[dict[str, Any]]:
    """The memberships requests the tool made in the course since ``since``, as the counterpart recorded them."""
    got = client.get(f"{course.base}/_mock/recorded/names_and_roles", headers={"Authorization": f"Bearer {course.admin}", "Accept": "application/json"})
    log = json_body(got) if got.status_code == 200 else None
    results.precondition(isinstance(log, list), f"the counterpart's NRPS record could not be read ({got.status_code})")
    assert isinstance(log, list)
    return [e for e in log if isinstance(e, dict) and e.get("course_id") == course.course_id and e.get("at", 0) >= since
            and e.get("client_id") in (course.client_id, None)]


def _complete(entries: list[dict[str, Any]]) -> bool:
    return any(not missing for missing in _gaps(entries).values())


def _gaps(entries: list[dict[str, Any]]) -> dict[tuple[Any, ...], list[int]]:
    """Per set of filters and page size (with the number of pages): the pages the tool did not request."""
    served: dict[tuple[Any, ...], set[int]] = {}
    for e in entries:
        if e.get("status") != 200 or not isinstance(e.get("page"), int):
            continue
        filters = tuple(sorted((k, v) for k, v in parse_qsl(str(e.get("query", "")), keep_blank_values=True) if k not in PAGING))
        served.setdefault((filters, e.get("per_page"), e.get("pages")), set()).add(e["page"])
    return {group: [p for p in range(1, int(group[2] or 1) + 1) if p not in pages] for group, pages in served.items()}


def _watch(client: Client, course: Course, since: float) -> list[dict[str, Any]]:
    """The tool's memberships requests: read until they cover every page of a set of filters, or the tool has
    been quiet for ``QUIET`` seconds after its last one, or ``WAIT`` seconds passed."""
    deadline, seen, last_change = time.monotonic() + WAIT, -1, time.monotonic()
    while True:
        entries = _requests(client, course, since)
        now = time.monotonic()
        if len(entries) != seen:
            seen, last_change = len(entries), now
        if _complete(entries) or now >= deadline or (entries and now - last_change >= QUIET):
            return entries
        time.sleep(0.2)


@check("TOOL-044")
def test_tool_follows_nrps_next_links(initiated, tool_target):
    posted(initiated)
    client = _client(tool_target)
    try:
        if CACHE not in tool_target.cache:
            tool_target.cache[CACHE] = _set_up(tool_target, client)
        course: Course = tool_target.cache[CACHE]
        adapter = CanvasAdapter(PlatformTarget(base_url=course.base, account_id="1", admin_token=course.admin), client)
        url = adapter.launch_url(course.course_id, course.teacher, tool_id=course.tool_id)
        if "verifier=" in url:  # a one-time login: kept out of the report
            redact.register_secret(url.split("verifier=", 1)[1].split("&", 1)[0])
        since = time.time()
        tool = tool_target.profile.tool
        answer = _launch(client, course, url, tool.refused_text if tool is not None else "")
        entries = _watch(client, course, since)
    except httpx.HTTPError as exc:
        results.cannot_test(f"the launch from the counterpart platform broke off: {exc}")
        raise
    finally:
        client.close()
    if not entries:
        not_applicable(f"the tool made no memberships (NRPS) request within {WAIT:g} s of answering its launch "
                       f"({answer.describe()[:160]}): a tool may call NRPS later, in the background, or never, so its paging is not judged")
    if all(e.get("status") != 200 for e in entries):
        answers = sorted({f"{e.get('status')} ({'token refused' if e.get('client_id') is None else 'token accepted'})" for e in entries})
        results.cannot_test(f"every memberships request of the tool was refused ({', '.join(answers)}): the harness could not see it page")
    gaps = _gaps(entries)
    paged = {g: missing for g, missing in gaps.items() if int(g[2] or 1) > 1}
    if not paged:
        not_applicable(f"each of the tool's memberships requests fit on one page (filters and page sizes: "
                       f"{[(dict(g[0]), g[1]) for g in gaps]}), so its paging was not exercised")
    if not any(not missing for missing in paged.values()):
        described = "; ".join(f"{'filters ' + str(dict(g[0])) + ', ' if g[0] else ''}{g[2]} pages of {g[1]}: page(s) "
                              f"{', '.join(map(str, missing))} never requested" for g, missing in paged.items())
        raise AssertionError(f"{RULE}; the tool read the memberships of a course of {STUDENTS + 1} members, "
                             f"{COUNTERPART_NRPS_PAGE_SIZE} to a page, without following next to the last page: {described}")
