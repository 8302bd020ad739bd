"""Names and Role Provisioning Services 2.0 (ims-facts.md §4): ``GET /api/lti/courses/:course_id/names_and_roles``,
the course's memberships as Canvas's ``Lti::IMS::NamesAndRolesController`` serves them.

What the mock follows from Canvas's code (its controller, ``MembershipsProvider``,
``CourseMembershipsProvider`` and ``NamesAndRolesSerializer``):

- the before-action chain of the AGS routes (access token, developer key, scope, then the key's binding,
  the course and the tool's deployment in it), with the same 401 bodies (``{"errors":{"type","message"}}``,
  "Insufficient permissions" for a token without ``contextmembership.readonly``) and throttle; unlike AGS,
  a concluded course still answers (Canvas's NRPS has no gradebook checks);
- media type ``application/vnd.ims.lti-nrps.v2.membershipcontainer+json``; the container is ``id`` (the
  request's URL), ``context`` (``id``, ``label``, ``title``, as the launch's context claim) and ``members``;
- members are the course's active users ordered by user id, each once with the roles of all its enrolments
  (context roles only: ``membership#Learner`` for a student, ``membership#Instructor`` for a teacher), status
  ``Active``, ``name``/``given_name``/``family_name`` as the launch sends them, ``user_id`` = the launch's
  ``sub`` and ``lti11_legacy_user_id`` = the launch's claim. The mock's users have no email address and no
  avatar, so ``email`` and ``picture`` are left out (Canvas sends them by the tool's privacy level);
- ``limit`` sets the page size, default and cap 50 (``MAX_PAGE_SIZE``; ``PlatformConfig.nrps_page_size`` sets
  another, a setting rather than a fault); the ``Link`` header carries
  ``page`` and ``per_page`` (Canvas drops ``limit`` from its links) with rel ``current``, ``next``,
  ``prev``, ``first`` and ``last``;
- ``role``: a full LIS membership URI selects the enrolments it maps to; a role with no enrolment kind
  selects nobody. The NRPS documents also allow a context role's short name (``Learner``), which Canvas
  does not (fault ``nrps-short-role-filter-empty``); the mock follows the documents;
- ``rlid``: the course's context id, the tool's course-navigation link or one of the tool's assignment links;
  every member then carries ``message``: one object with the claims a launch of that link would carry for
  the member (message type, locale, custom parameters, ``https://www.instructure.com/canvas_user_id``;
  Canvas's login id is left out: the mock's users have none). Canvas restricts an assignment link's students
  to those with a submission; every student of the mock has one. Another tool's link or an unknown one
  answers 400 ``Invalid 'rlid' parameter``.

Each request is logged for the tests (``GET /_mock/recorded/names_and_roles``, the last ``LOG_MAX``): when it
came, the calling tool's client id (None when the token was refused), the course, the query, the page served,
its size, the number of pages and the status, so a check can tell whether a tool read every page.

Left out, as Canvas has it or the mock cannot: the group route (``/api/lti/groups/:group_id/names_and_roles``;
the mock has no groups) and ``rel="differences"`` (Canvas has no differences service)."""

from __future__ import annotations

import math
import time
from typing import Any
from urllib.parse import urlencode

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from lti_harness.vocab import INSTRUCTOR, LEARNER, LINEITEM_READONLY_SCOPE, LINEITEM_SCOPE, LTI_CLAIM, NRPS_SCOPE, RESULT_READONLY_SCOPE, SCORE_SCOPE

from . import ags, faults, launches, oauth, web
from .config import Platform
from .store import Course, DeveloperKey, LineItem, User

MEMBERSHIP_TYPE = "application/vnd.ims.lti-nrps.v2.membershipcontainer+json"
OLD_MEMBERSHIP_TYPE = "application/vnd.ims.lis.v2.membershipcontainer+json"  # Canvas's first NRPS release
MAX_PAGE = 50  # Canvas's MembershipsProvider::MAX_PAGE_SIZE: the default page size and its cap
LOG_MAX = 200  # memberships requests kept for GET /_mock/recorded/names_and_roles
CANVAS_USER_ID = "https://www.instructure.com/canvas_user_id"
ROLE_KINDS = {LEARNER: "students", INSTRUCTOR: "teachers"}  # membership role URI -> the enrolments it selects
SHORT_ROLES = {uri.rsplit("#", 1)[-1]: uri for uri in ROLE_KINDS}
ANY_LTI_SCOPE = (NRPS_SCOPE, LINEITEM_SCOPE, LINEITEM_READONLY_SCOPE, RESULT_READONLY_SCOPE, SCORE_SCOPE)


def scopes(platform: Platform) -> tuple[str, ...]:
    """The scopes a memberships request may carry: ``contextmembership.readonly`` (any LTI scope under the
    fault ``nrps-scope-not-enforced``)."""
    return ANY_LTI_SCOPE if platform.has(faults.NRPS_SCOPE_NOT_ENFORCED) else (NRPS_SCOPE,)


def _course(request: Request, platform: Platform, key: DeveloperKey) -> Course:
    """AdvantageServices: the key's binding, the course in the path, not deleted, with the key's tool deployed."""
    if key.binding != "on":
        raise ags.ags_error(ags.message(platform, "invalid_key"), 401)
    course_id = web.parse_id(request.path_params["course_id"])
    course = platform.store.course(course_id) if course_id is not None else None
    if course is None:
        raise web.api_error(web.NOT_FOUND, 404)
    if course.workflow_state == "deleted":
        raise ags.ags_error(ags.message(platform, "context"), 404)
    if key.id not in course.tools:
        raise ags.ags_error(ags.message(platform, "not_linked"), 401)
    return course


def _page_size(request: Request, platform: Platform) -> int:
    """``limit`` (or Canvas's own ``per_page``), at most the platform's page size (``MAX_PAGE`` unless set
    otherwise); a value that is not a positive number is ignored."""
    q = request.query_params
    largest = max(1, platform.config.nrps_page_size)
    if platform.has(faults.NRPS_LIMIT_IGNORED):
        return largest
    for name in ("limit", "per_page"):
        raw = q.get(name, "")
        if raw.isascii() and raw.isdigit() and int(raw) > 0:
            return min(int(raw), largest)
    return largest


def _page_number(request: Request) -> int:
    raw = request.query_params.get("page", "1")
    if not (raw.isascii() and raw.isdigit()) or not 0 < int(raw) <= 1_000_000:
        raise web.api_error("page must be a positive whole number", 400)
    return int(raw)


def _links(request: Request, per_page: int, page: int, count: int) -> str:
    """The page's ``Link`` header: the request's other parameters, then ``page`` and ``per_page``."""
    base = f"{web.base_url(request)}{request.url.path}"
    kept = [(k, v) for k, v in request.query_params.multi_items() if k not in ("page", "per_page", "limit")]
    last = max(1, math.ceil(count / per_page))
    query = f"{urlencode(kept)}&" if kept else ""

    def link(p: int, rel: str) -> str:
        return f'<{base}?{query}page={p}&per_page={per_page}>; rel="{rel}"'

    links = [link(page, "current")]
    if page < last:
        links.append(link(page + 1, "next"))
    if page > 1:
        links.append(link(page - 1, "prev"))
    links += [link(1, "first"), link(last, "last")]
    return ", ".join(links)


def _selected(platform: Platform, course: Course, role: str | None) -> list[int]:
    """The ids of the course's members the ``role`` filter keeps, in order."""
    everyone = sorted(course.students | course.teachers)
    if role is None or platform.has(faults.NRPS_ROLE_FILTER_IGNORED):
        return everyone
    uri = role
    if role in SHORT_ROLES:
        if platform.has(faults.NRPS_SHORT_ROLE_FILTER_EMPTY):
            return []
        uri = SHORT_ROLES[role]
    kind = ROLE_KINDS.get(uri)
    return sorted(getattr(course, kind)) if kind is not None else []


def _roles(platform: Platform, course: Course, user_id: int) -> list[str]:
    """The member's context roles, one per kind of enrolment."""
    if platform.has(faults.NRPS_ROLES_IGNORE_ENROLLMENT):
        roles = [LEARNER]
    else:
        roles = ([INSTRUCTOR] if user_id in course.teachers else []) + ([LEARNER] if user_id in course.students else [])
    if platform.has(faults.NRPS_SHORT_ROLE_NAMES):
        return [r.rsplit("#", 1)[-1] for r in roles]
    return roles


def _resource_link(platform: Platform, course: Course, key: DeveloperKey, rlid: str) -> tuple[bool, LineItem | None]:
    """Whether ``rlid`` names a link of the key's tool in the course, and the assignment behind it (if any)."""
    if rlid in (f"course-{course.id}", f"course-nav-{course.id}-{key.id}"):
        return True, None
    if course.resource_links.get(rlid) != key.id:
        return False, None
    return True, next((i for i in course.line_items if i.resource_link_id == rlid), None)


def _message(request: Request, platform: Platform, key: DeveloperKey, course: Course, user: User, item: LineItem | None,
             settings: launches.ToolSettings) -> dict[str, Any]:
    """The claims a launch of the resource link would carry for ``user`` that Canvas repeats in ``message``."""
    claims = launches.launch_claims(request, platform, key, course, user, placement="course_navigation" if item is None else "assignment_selection",
                                    target=settings.target_link_uri, settings=settings, item=item)
    return {LTI_CLAIM + "message_type": claims[LTI_CLAIM + "message_type"], "locale": claims["locale"],
            CANVAS_USER_ID: user.id, LTI_CLAIM + "custom": claims[LTI_CLAIM + "custom"]}


def member_json(request: Request, platform: Platform, key: DeveloperKey, course: Course, user: User) -> dict[str, Any]:
    """One member as Canvas's serializer writes it (the fields the mock has)."""
    given, _, family = user.name.partition(" ")
    out: dict[str, Any] = {
        "status": "Active", "name": user.name, "given_name": given, "family_name": family,
        "user_id": str(user.id) if platform.has(faults.NRPS_USER_ID_NOT_SUB) else user.lti_id,
        "lti11_legacy_user_id": str(user.id) if platform.has(faults.NRPS_LEGACY_ID_DIFFERS) else launches.legacy_user_id(platform, user),
        "roles": _roles(platform, course, user.id),
    }
    if platform.has(faults.NRPS_CONTEXT_IN_MEMBERS):
        out["context"] = context_json(course)
    return out


def context_json(course: Course) -> dict[str, Any]:
    """The container's context, as the launch's context claim names the course."""
    return {"id": f"course-{course.id}", "label": f"C{course.id}", "title": course.name}


def _access_key(request: Request, platform: Platform) -> DeveloperKey:
    """LtiServices: the access token, its developer key and the NRPS scope (Canvas's 401 bodies)."""
    try:
        return web.lti_grant(request, platform, scopes(platform)).key
    except oauth.TokenRejected as exc:
        if str(exc) == "Insufficient permissions" and platform.has(faults.NRPS_SCOPE_REFUSAL_403):
            raise web.api_error("Forbidden", 403) from None
        raise ags.ags_error(str(exc), 401) from None


async def course_memberships(request: Request) -> Response:
    """GET /api/lti/courses/:course_id/names_and_roles (scope ``contextmembership.readonly``): one page of
    members. As on the AGS routes, every answer after the throttle carries its headers."""
    platform = web.platform_of(request)
    headers: dict[str, str] = {}
    key = None
    try:
        key = _access_key(request, platform)
        headers = ags.throttle_headers(request, platform, key.id)
        response = _memberships(request, platform, key)
    except web.Refusal as refusal:
        response = refusal.response()
    web.add_headers(response, headers)
    _log(request, platform, key, response.status_code)
    return response


def _log(request: Request, platform: Platform, key: DeveloperKey | None, status: int) -> None:
    """Keep the request in the platform's NRPS log (test support), bounded by ``LOG_MAX``."""
    served = getattr(request.state, "nrps_page", None) or {}
    log = platform.nrps_requests
    log.append({"at": time.time(), "client_id": key.id if key is not None else None, "course_id": request.path_params["course_id"][:40],
                "query": request.url.query[:2000], "status": status, **served})
    del log[:-LOG_MAX]


def _memberships(request: Request, platform: Platform, key: DeveloperKey) -> Response:
    course = _course(request, platform, key)
    q = request.query_params
    rlid = q.get("rlid") or None
    item = None
    if rlid is not None:
        known, item = _resource_link(platform, course, key, rlid)
        if not known:
            raise ags.ags_error("Invalid 'rlid' parameter", 400)
    chosen = _selected(platform, course, q.get("role") or None)
    per_page, page = _page_size(request, platform), _page_number(request)
    request.state.nrps_page = {"page": page, "per_page": per_page, "pages": max(1, math.ceil(len(chosen) / per_page))}
    start = (page - 1) * per_page
    if page > 1 and platform.has(faults.NRPS_PAGE_REPEATS_MEMBER):
        start -= 1
    if page > 1 and platform.has(faults.NRPS_PAGE_DROPS_MEMBER):
        start += 1
    members = []
    settings = launches.tool_settings(platform, key) if rlid is not None else None
    for user_id in chosen[start:start + per_page]:
        user = platform.store.user(user_id)
        if user is None:
            continue
        member = member_json(request, platform, key, course, user)
        if settings is not None and not platform.has(faults.NRPS_RLID_IGNORED):
            member["message"] = [_message(request, platform, key, course, user, item, settings)]
        members.append(member)
    body: dict[str, Any] = {"id": str(request.url), "members": members}
    if not platform.has(faults.NRPS_CONTEXT_IN_MEMBERS):
        body = {"id": body["id"], "context": context_json(course), "members": members}
    headers = {} if platform.has(faults.NRPS_NO_NEXT_LINK) else {"Link": _links(request, per_page, page, len(chosen))}
    media = OLD_MEMBERSHIP_TYPE if platform.has(faults.NRPS_OLD_MEDIA_TYPE) else MEMBERSHIP_TYPE
    return web.json_response(body, 200, headers, media)


ROUTES = [
    Route("/api/lti/courses/{course_id}/names_and_roles", course_memberships, methods=["GET"]),
]
