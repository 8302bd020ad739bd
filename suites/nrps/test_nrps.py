"""A platform's Names and Role Provisioning Services (NRPS-001 … NRPS-015)."""

from __future__ import annotations

from typing import Any

from lti_harness.harness import schemas
from lti_harness.harness.checks import check
from lti_harness.harness.plugin import not_applicable
from lti_harness.harness.results import precondition
from lti_harness.vocab import INSTRUCTOR, LEARNER, LINEITEM_READONLY_SCOPE, LTI_CLAIM

from .conftest import MAX_PAGES, MEDIA, NRPS_CLAIM, NrpsSetup

LEGACY_CLAIM = LTI_CLAIM + "lti11_legacy_user_id"
LIMIT = 2


def _ids(members: list[dict[str, Any]]) -> list[Any]:
    return [m.get("user_id") for m in members]


def _membership(roles: object) -> set[str]:
    """The membership role names among ``roles`` (full membership URIs or short names)."""
    names = set()
    for role in roles if isinstance(roles, list) else []:
        if isinstance(role, str) and ("/membership#" in role or "#" not in role and "/" not in role):
            names.add(role.rsplit("#", 1)[-1])
    return names


def _same_people(nrps: NrpsSetup, members: list[dict[str, Any]], expected: list[str], what: str) -> None:
    """``members`` are exactly the users ``expected`` (by name where members carry names, else by count)."""
    ids = _ids(members)
    twice = sorted({str(i) for i in ids if ids.count(i) > 1})
    assert not twice, f"{what}: these user_ids are listed more than once: {twice}"
    named = nrps.by_name(members)
    if named is not None:
        strangers = sorted(str(m.get("name")) for m in members if m.get("name") not in nrps.names.values())
        missing = sorted(nrps.names[uid] for uid in expected if uid not in named)
        extra = sorted(nrps.names[uid] for uid in named if uid not in expected)
        assert not (strangers or missing or extra), (f"{what}: missing {missing}, listed but not expected {extra + strangers} "
                                                     f"({len(members)} members listed, {len(expected)} expected)")
    else:
        assert len(members) == len(expected), f"{what}: {len(members)} members listed, {len(expected)} expected"


# --- the claim, the container -----------------------------------------------------------------------

@check("NRPS-001")
def test_launch_claim(nrps):
    claims = nrps.launch_of(nrps.students[0]).claims
    claim = claims.get(NRPS_CLAIM)
    assert isinstance(claim, dict), f"the launch of a tool granted contextmembership.readonly carries no NRPS claim ({NRPS_CLAIM}): {claim!r}"
    url = claim.get("context_memberships_url")
    assert isinstance(url, str) and url.startswith(("https://", "http://")), f"the NRPS claim's context_memberships_url is {url!r}, not a URL"
    versions = claim.get("service_versions")
    assert isinstance(versions, list) and "2.0" in versions, f"the NRPS claim's service_versions is {versions!r}, not an array holding \"2.0\""


@check("NRPS-002")
def test_media_type(nrps):
    page = nrps.read()
    response = page.response
    assert response.status_code == 200, (f"the memberships URL ({nrps.url_from}) answered {response.status_code} to a token for "
                                         f"contextmembership.readonly: {response.text[:200]!r}")
    ctype = response.headers.get("content-type", "").split(";")[0].strip().lower()
    assert ctype == MEDIA, f"the memberships answer's Content-Type is {ctype!r}, not {MEDIA}"
    assert page.members is not None, f"the memberships answer has no members array: {response.text[:200]!r}"


@check("NRPS-003")
def test_container_schema(nrps):
    body = nrps.container().body
    found = schemas.errors("nrps_membership_container", body)
    assert not found, "the membership container does not conform to schemas/nrps_membership_container.json: " + "; ".join(found[:8])


# --- paging -----------------------------------------------------------------------------------------

@check("NRPS-004")
def test_everyone_once_across_pages(nrps):
    first = nrps.container(limit=LIMIT)
    precondition(first.next or len(first.members or []) >= nrps.members_count,
                 f"the first page (limit={LIMIT}) holds {len(first.members or [])} of the course's {nrps.members_count} members and "
                 "carries no Link rel=\"next\": the later pages cannot be reached (NRPS-005 judges this)")
    _same_people(nrps, nrps.everyone(limit=LIMIT), [*nrps.students, nrps.teacher], f"read {LIMIT} a page")


@check("NRPS-005")
def test_next_links(nrps):
    pages = nrps.pages(limit=LIMIT)
    seen: set[Any] = set()
    for number, page in enumerate(pages, 1):
        seen.update(_ids(page.members or []))
        if len(page.members or []) >= LIMIT and len(seen) < nrps.members_count:
            assert page.next, (f"page {number} (limit={LIMIT}) holds {len(page.members or [])} members, {len(seen)} of the course's "
                               f"{nrps.members_count} seen so far, and carries no Link rel=\"next\" (Link: "
                               f"{page.response.headers.get('link')!r})")
    assert not (len(pages) == MAX_PAGES and pages[-1].next), f"the next links did not end after {MAX_PAGES} pages of {LIMIT}"


@check("NRPS-006")
def test_limit_honoured(nrps):
    members = nrps.container(limit=LIMIT).members or []
    assert len(members) <= LIMIT, f"the first page for limit={LIMIT} holds {len(members)} members"


# --- filters ----------------------------------------------------------------------------------------

@check("NRPS-007")
def test_role_filter(nrps):
    _same_people(nrps, nrps.everyone(role=LEARNER), nrps.students, "role=membership#Learner")
    _same_people(nrps, nrps.everyone(role=INSTRUCTOR), [nrps.teacher], "role=membership#Instructor")


@check("NRPS-008")
def test_role_short_name(nrps):
    full = sorted(map(str, _ids(nrps.everyone(role=LEARNER))))
    short = sorted(map(str, _ids(nrps.everyone(role="Learner"))))
    assert short == full, f"role=Learner lists {len(short)} members, the full membership#Learner URI {len(full)}"


@check("NRPS-015")
def test_resource_link_members(nrps):
    link = nrps.launch_of(nrps.students[0], assignment=True).claims.get(LTI_CLAIM + "resource_link")
    rlid = link.get("id") if isinstance(link, dict) else None
    precondition(isinstance(rlid, str) and rlid, f"the assignment launch has no resource_link id ({link!r}; LAUNCH-007 judges this)")
    members = nrps.everyone(rlid=rlid)
    assert members, f"rlid={rlid} (the assignment's resource link) lists no member"
    assert len(members) <= nrps.members_count, f"rlid={rlid} lists {len(members)} members; the course has {nrps.members_count}"
    named = nrps.by_name(members)
    if named is not None:
        assert len(named) == len(members), "rlid lists members the course does not have"
    for member in members:
        message = member.get("message")
        assert isinstance(message, list) and message and all(isinstance(m, dict) for m in message), (
            f"with rlid={rlid} the member {member.get('user_id')!r} carries no message array of launch claims: {message!r}")
        kinds = {m.get(LTI_CLAIM + "message_type") for m in message} - {None}
        assert kinds <= {"LtiResourceLinkRequest"}, f"the member's message claims name message types {sorted(map(str, kinds))}"


# --- the scope --------------------------------------------------------------------------------------

@check("NRPS-009")
def test_scope_required(nrps):
    page = nrps.read(scope=LINEITEM_READONLY_SCOPE)
    granted = 200 <= page.response.status_code < 300 and bool(page.members)
    assert not granted, (f"a token for lineitem.readonly only read {len(page.members or [])} members "
                         f"({page.response.status_code}); the memberships need contextmembership.readonly")


@check("NRPS-010")
def test_scope_refusal_form(nrps):
    page = nrps.read(scope=LINEITEM_READONLY_SCOPE)
    response = page.response
    precondition(not 200 <= response.status_code < 300, f"the token without the scope was answered {response.status_code} (NRPS-009 judges this)")
    assert response.status_code == 401, f"a token without contextmembership.readonly was refused with {response.status_code}, not 401: {response.text[:200]!r}"
    try:
        body = response.json()
    except ValueError:
        body = None
    found = schemas.errors("ags_error", body)
    assert not found, f"the 401 body is not Canvas's {{\"errors\":{{\"type\",\"message\"}}}}: {response.text[:200]!r} ({'; '.join(found[:3])})"


# --- the members ------------------------------------------------------------------------------------

@check("NRPS-011")
def test_user_id_is_sub(nrps):
    members = nrps.everyone()
    named = nrps.by_name(members)
    problems = []
    for uid in (nrps.students[0], nrps.teacher):
        sub = nrps.launch_of(uid).claims.get("sub")
        precondition(isinstance(sub, str) and sub, f"the launch of {nrps.names[uid]} has no sub (LAUNCH-007 judges this)")
        if named is not None:
            member = named.get(uid)
            if member is None:
                problems.append(f"{nrps.names[uid]} is not listed")
            elif member.get("user_id") != sub:
                problems.append(f"{nrps.names[uid]}'s user_id is {member.get('user_id')!r}, the launch's sub {sub!r}")
        elif sub not in _ids(members):
            problems.append(f"the sub {sub!r} of {nrps.names[uid]}'s launch is no member's user_id")
    assert not problems, "members' user_ids are not their launches' sub: " + "; ".join(problems)


@check("NRPS-012")
def test_legacy_user_id(nrps):
    who = nrps.who(nrps.everyone())
    compared = []
    for uid in (nrps.students[0], nrps.teacher):
        claim, member = nrps.launch_of(uid).claims.get(LEGACY_CLAIM), who.get(uid)
        if claim is None or member is None or member.get("lti11_legacy_user_id") is None:
            continue
        compared.append(uid)
        assert member["lti11_legacy_user_id"] == claim, (f"{nrps.names[uid]}'s lti11_legacy_user_id is {member['lti11_legacy_user_id']!r}; "
                                                         f"the launch sends {claim!r}")
    if not compared:
        not_applicable("no member carries lti11_legacy_user_id together with a launch carrying the claim")


@check("NRPS-013")
def test_roles_are_uris(nrps):
    short = sorted({str(r) for m in nrps.everyone() for r in (m.get("roles") if isinstance(m.get("roles"), list) else [])
                    if not (isinstance(r, str) and r.startswith(("http://", "https://")) and len(r) > 10)})
    assert not short, f"members' roles must be LIS role URIs; these are not: {short}"


@check("NRPS-014")
def test_roles_follow_enrolment(nrps):
    who = nrps.who(nrps.everyone())
    problems = []
    for uid in nrps.students:
        roles = _membership(who[uid].get("roles")) if uid in who else None
        if roles is not None and ("Learner" not in roles or "Instructor" in roles):
            problems.append(f"student {nrps.names[uid]} has the membership roles {sorted(roles)}")
    teacher = _membership(who[nrps.teacher].get("roles")) if nrps.teacher in who else None
    if teacher is not None and "Instructor" not in teacher:
        problems.append(f"the teacher has the membership roles {sorted(teacher)}")
    precondition(who, "no member could be matched to a course member")
    assert not problems, "members' roles do not follow their enrolment: " + "; ".join(problems)
