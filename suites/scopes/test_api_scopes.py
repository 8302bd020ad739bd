"""REST API scopes of user tokens (KEY-002 … KEY-008): subset rule on the authorize step, the scope
check's verb, parameters and anchoring, the account binding, and scope removal."""

from __future__ import annotations

from hypothesis import example, given
from hypothesis import strategies as st

from lti_harness.harness import apiscopes, usertokens
from lti_harness.harness.adapters import NotSupported
from lti_harness.harness.checks import check
from lti_harness.harness.plugin import not_applicable
from lti_harness.harness.results import precondition

from .conftest import call, course_id, expect_reachable, expect_refused, new_api_key, present, token_url

COURSE, COURSE_PUT, RUBRICS, ENROLLMENTS, TOOLS = apiscopes.ENDPOINTS
OTHER_COURSE = "987654321987"  # no such course: a 404 there is still "not refused by the scope check"


def path(endpoint: apiscopes.Endpoint, course: str) -> str:
    return apiscopes.probe_path(endpoint, course)


def refused_somewhere(platform, token: str, endpoints: list[apiscopes.Endpoint], scopes: list[str]) -> None:
    """Every one of ``endpoints`` whose route exists refuses ``token``; not applicable when none exists."""
    course = course_id(platform)
    for endpoint in present(platform, endpoints):
        expect_refused(platform, token, endpoint.verb, path(endpoint, course), scopes, endpoint.pattern)


@check("KEY-002")
def test_authorize_refuses_scopes_beyond_the_key(platform, user_token):
    key = new_api_key(platform, [COURSE.scope, ENROLLMENTS.scope])
    user_token(key, [COURSE.scope])  # the flow works for a subset (else: not applicable)
    response = usertokens.authorize(platform.adapter, key, [COURSE.scope, RUBRICS.scope], state="harness-state")
    params = usertokens.redirect_params(response, key.redirect_uri)
    if params is not None:
        assert "code" not in params, "the authorize step issued a code for a scope the key does not have"
        assert params.get("error") == "invalid_scope", f"the authorize redirect carries error={params.get('error')!r}, expected invalid_scope"
    else:
        from .conftest import assert_oauth_refusal

        assert_oauth_refusal(response, "authorizing a scope beyond the key's", (400, 401), ("invalid_scope",))


@check("KEY-003")
@given(granted=st.sets(st.sampled_from(apiscopes.ALL_SCOPES), min_size=1))
@example(granted={COURSE.scope})
@example(granted={COURSE.scope, ENROLLMENTS.scope})
@example(granted={RUBRICS.scope, TOOLS.scope})
def test_token_reaches_exactly_its_endpoints(platform, api_key, user_token, granted):
    scopes = sorted(granted)
    token = user_token(api_key, scopes)
    course = course_id(platform)
    for endpoint in present(platform, apiscopes.ENDPOINTS):
        target = path(endpoint, course)
        if apiscopes.reachable(scopes, endpoint.verb, target):
            expect_reachable(platform, token, endpoint.verb, target, scopes)
        else:
            expect_refused(platform, token, endpoint.verb, target, scopes, endpoint.pattern)


@check("KEY-004")
def test_verb_matters(platform, api_key, user_token):
    scopes = [COURSE.scope]
    token = user_token(api_key, scopes)
    course = course_id(platform)
    expect_reachable(platform, token, "GET", path(COURSE, course), scopes)
    refused_somewhere(platform, token, [COURSE_PUT], scopes)


@check("KEY-005")
def test_path_parameters_match_by_pattern(platform, api_key, user_token):
    scopes = [RUBRICS.scope, COURSE.scope]
    token = user_token(api_key, scopes)
    for endpoint in (RUBRICS, COURSE):
        expect_reachable(platform, token, "GET", path(endpoint, course_id(platform)), scopes)
        expect_reachable(platform, token, "GET", path(endpoint, OTHER_COURSE), scopes)


@check("KEY-006")
def test_no_prefix_match(platform, api_key, user_token):
    scopes = [COURSE.scope]
    token = user_token(api_key, scopes)
    expect_reachable(platform, token, "GET", path(COURSE, course_id(platform)), scopes)
    refused_somewhere(platform, token, [RUBRICS, ENROLLMENTS, TOOLS], scopes)


@check("KEY-007")
def test_key_off_in_account(platform, user_token):
    key = new_api_key(platform, [COURSE.scope])
    token = user_token(key, [COURSE.scope])
    target = path(COURSE, course_id(platform))
    before = call(platform, token, "GET", target)
    precondition(before.status_code != 401, f"a fresh token of a key that is on got 401 on GET {target} (a set-up step): {before.text[:200]}")
    platform.adapter.set_developer_key_binding(key.id, "off")
    try:
        response = call(platform, token, "GET", target)
        assert response.status_code == 401, (
            f"GET {target} with a token of a key turned off in the account answered {response.status_code}; "
            "seed 004 says such a request gets 401 Unauthorized"
        )
        answer = usertokens.authorize(platform.adapter, key, [COURSE.scope], state="harness-state")
        params = usertokens.redirect_params(answer, key.redirect_uri)
        if params is not None:
            assert "code" not in params, "the authorize step issued a code for a key turned off in the account (seed 004: unauthorized_client)"
            assert params.get("error") == "unauthorized_client", f"the authorize redirect carries error={params.get('error')!r}; seed 004 says unauthorized_client"
        else:
            assert answer.status_code in (400, 401), f"the authorize step for a key turned off answered {answer.status_code}; seed 004 says unauthorized_client"
    finally:
        platform.adapter.set_developer_key_binding(key.id, "on")


@check("KEY-008")
def test_removed_scope_invalidates_user_tokens(platform, user_token):
    key = new_api_key(platform, [COURSE.scope, ENROLLMENTS.scope])
    both = [COURSE.scope, ENROLLMENTS.scope]
    token = user_token(key, both)
    course = course_id(platform)
    before = call(platform, token, "GET", path(COURSE, course))
    precondition(before.status_code != 401, f"a fresh token holding {COURSE.scope} got 401 on GET {path(COURSE, course)} (a set-up step)")
    platform.adapter.update_developer_key(key.id, {"scopes": [COURSE.scope]})
    response = call(platform, token, "GET", path(COURSE, course))
    assert response.status_code == 401, (
        f"a token issued before a scope was removed from its key still works ({response.status_code} on GET {path(COURSE, course)}); "
        "the document says every token derived from the key is invalidated"
    )
    key.scopes = [COURSE.scope]
    try:
        fresh = usertokens.obtain(platform.client, platform.adapter, token_url(platform), key, [COURSE.scope])
    except NotSupported as exc:
        not_applicable(str(exc))
    expect_reachable(platform, fresh.access_token, "GET", path(COURSE, course), [COURSE.scope])
    again = usertokens.authorize(platform.adapter, key, [ENROLLMENTS.scope], state="harness-state")
    params = usertokens.redirect_params(again, key.redirect_uri)
    assert params is None or "code" not in params, (
        f"the authorize step issued a code for {ENROLLMENTS.scope}, which was removed from the key; requested scopes must be a subset of the key's (seed 004)"
    )


@check("KEY-003")
def test_pre_issued_tokens_reach_exactly_their_endpoints(platform):
    """The same rule for the profile's pre-issued user tokens (a target whose authorize step needs a browser)."""
    assert platform.platform is not None
    if not platform.platform.user_tokens:
        not_applicable("the profile lists no pre-issued user tokens ([[platform.user_tokens]])")
    course = course_id(platform)
    endpoints = present(platform, apiscopes.ENDPOINTS)
    for issued in platform.platform.user_tokens:
        scopes = sorted(issued.scopes)
        for endpoint in endpoints:
            target = path(endpoint, course)
            if apiscopes.reachable(scopes, endpoint.verb, target):
                expect_reachable(platform, issued.token, endpoint.verb, target, scopes)
            else:
                expect_refused(platform, issued.token, endpoint.verb, target, scopes, endpoint.pattern)
