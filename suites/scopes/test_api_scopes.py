"""REST API scopes of user tokens (KEY-002 … KEY-008): subset rule on the authorize step, the scope
check's verb, parameters and anchoring, the account binding, and scope removal."""

from __future__ import annotations

from hypothesis import example, given
from hypothesis import strategies as st

from harness import apiscopes, usertokens
from harness.adapters import NotSupported
from harness.checks import check
from harness.plugin import not_applicable

from .conftest import call, course_id, expect_reachable, expect_refused, new_api_key, token_url

COURSE, COURSE_PUT, RUBRICS, ASSIGNMENTS, USER, PROFILE = apiscopes.ENDPOINTS
OTHER_COURSE = "987654321987"  # no such course: a 404 there is still "not refused by the scope check"


def path(endpoint: apiscopes.Endpoint, course: str) -> str:
    return apiscopes.probe_path(endpoint, course)


@check("KEY-002")
def test_authorize_refuses_scopes_beyond_the_key(platform, user_token):
    key = new_api_key(platform, [COURSE.scope, USER.scope])
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
@example(granted={COURSE.scope, USER.scope})
@example(granted={RUBRICS.scope, PROFILE.scope})
def test_token_reaches_exactly_its_endpoints(platform, api_key, user_token, granted):
    scopes = sorted(granted)
    token = user_token(api_key, scopes)
    course = course_id(platform)
    for endpoint in apiscopes.ENDPOINTS:
        target = path(endpoint, course)
        if apiscopes.reachable(scopes, endpoint.verb, target):
            expect_reachable(platform, token, endpoint.verb, target, scopes)
        else:
            expect_refused(platform, token, endpoint.verb, target, scopes)


@check("KEY-004")
def test_verb_matters(platform, api_key, user_token):
    scopes = [COURSE.scope]
    token = user_token(api_key, scopes)
    course = course_id(platform)
    expect_reachable(platform, token, "GET", path(COURSE, course), scopes)
    expect_refused(platform, token, "PUT", path(COURSE_PUT, course), scopes)


@check("KEY-005")
def test_path_parameters_match_by_pattern(platform, api_key, user_token):
    scopes = [RUBRICS.scope, USER.scope]
    token = user_token(api_key, scopes)
    expect_reachable(platform, token, "GET", path(RUBRICS, course_id(platform)), scopes)
    expect_reachable(platform, token, "GET", path(RUBRICS, OTHER_COURSE), scopes)
    expect_reachable(platform, token, "GET", "/api/v1/users/self", scopes)


@check("KEY-006")
def test_no_prefix_match(platform, api_key, user_token):
    scopes = [COURSE.scope, USER.scope]
    token = user_token(api_key, scopes)
    course = course_id(platform)
    expect_reachable(platform, token, "GET", path(COURSE, course), scopes)
    expect_refused(platform, token, "GET", path(RUBRICS, course), scopes)
    expect_refused(platform, token, "GET", path(PROFILE, course), scopes)


@check("KEY-007")
def test_key_off_in_account(platform, user_token):
    key = new_api_key(platform, [COURSE.scope])
    token = user_token(key, [COURSE.scope])
    target = path(COURSE, course_id(platform))
    expect_reachable(platform, token, "GET", target, [COURSE.scope])
    platform.adapter.set_developer_key_binding(key.id, "off")
    try:
        response = call(platform, token, "GET", target)
        assert response.status_code == 401, f"GET {target} with a token of a key turned off in the account answered {response.status_code}, expected 401"
        answer = usertokens.authorize(platform.adapter, key, [COURSE.scope], state="harness-state")
        params = usertokens.redirect_params(answer, key.redirect_uri)
        if params is not None:
            assert "code" not in params, "the authorize step issued a code for a key turned off in the account"
            assert params.get("error") == "unauthorized_client", f"the authorize redirect carries error={params.get('error')!r}, expected unauthorized_client"
        else:
            assert answer.status_code in (400, 401), f"the authorize step for a key turned off answered {answer.status_code}"
    finally:
        platform.adapter.set_developer_key_binding(key.id, "on")


@check("KEY-008")
def test_removed_scope_invalidates_user_tokens(platform, user_token):
    key = new_api_key(platform, [COURSE.scope, USER.scope])
    both = [COURSE.scope, USER.scope]
    token = user_token(key, both)
    course = course_id(platform)
    expect_reachable(platform, token, "GET", path(COURSE, course), both)
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


@check("KEY-003")
def test_pre_issued_tokens_reach_exactly_their_endpoints(platform):
    """The same rule for the profile's pre-issued user tokens (a target whose authorize step needs a browser)."""
    assert platform.platform is not None
    if not platform.platform.user_tokens:
        not_applicable("the profile lists no pre-issued user tokens ([[platform.user_tokens]])")
    course = course_id(platform)
    for issued in platform.platform.user_tokens:
        scopes = sorted(issued.scopes)
        for endpoint in apiscopes.ENDPOINTS:
            target = path(endpoint, course)
            if apiscopes.reachable(scopes, endpoint.verb, target):
                expect_reachable(platform, issued.token, endpoint.verb, target, scopes)
            else:
                expect_refused(platform, issued.token, endpoint.verb, target, scopes)
