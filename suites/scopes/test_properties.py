"""Property (KEY-020): for generated scope sets and requests, the target refuses exactly the requests
that no granted scope covers, as the harness's model of the rule says."""

from __future__ import annotations

from hypothesis import example, given
from hypothesis import strategies as st

from lti_harness.harness import apiscopes
from lti_harness.harness.checks import check

from .conftest import course_id, expect_reachable, expect_refused, present

# The verbs each probed path is routed for on Canvas (never DELETE: a broken target could act on it).
VERBS = {
    "/api/v1/courses/:id": ("GET", "HEAD", "PUT"),
    "/api/v1/courses/:course_id/rubrics": ("GET", "HEAD"),
    "/api/v1/courses/:course_id/enrollments": ("GET", "HEAD"),
    "/api/v1/courses/:course_id/external_tools": ("GET", "HEAD"),
}
PATTERNS = sorted(VERBS)


@st.composite
def probes(draw):
    """A request: verb, pattern, course choice (the harness's or a missing one), format suffix."""
    pattern = draw(st.sampled_from(PATTERNS))
    verb = draw(st.sampled_from(VERBS[pattern]))
    other_course = draw(st.none() | st.integers(min_value=10**12, max_value=10**13).map(str))
    suffix = draw(st.sampled_from(["", ".json"])) if pattern.rsplit("/", 1)[-1].startswith(":") else ""
    return verb, pattern, other_course, suffix


@check("KEY-020")
@given(granted=st.sets(st.sampled_from(apiscopes.ALL_SCOPES), min_size=1), requests=st.lists(probes(), min_size=1, max_size=4))
@example(granted={"url:GET|/api/v1/courses/:id"}, requests=[("PUT", "/api/v1/courses/:id", None, ""), ("GET", "/api/v1/courses/:course_id/rubrics", None, "")])
@example(granted={"url:GET|/api/v1/courses/:course_id/enrollments"}, requests=[("GET", "/api/v1/courses/:course_id/enrollments", None, ".json"), ("HEAD", "/api/v1/courses/:course_id/external_tools", None, "")])
@example(granted={"url:GET|/api/v1/courses/:course_id/rubrics"}, requests=[("HEAD", "/api/v1/courses/:course_id/rubrics", "1234567890123", "")])
def test_reachable_iff_some_scope_matches(platform, api_key, user_token, granted, requests):
    present(platform, [apiscopes.Endpoint(v, p) for p, verbs in VERBS.items() for v in verbs if v != "HEAD"])  # none there: not applicable
    scopes = sorted(granted)
    token = user_token(api_key, scopes)
    for verb, pattern, other_course, suffix in requests:
        endpoint = apiscopes.Endpoint(verb if verb != "HEAD" else "GET", pattern)
        path = apiscopes.probe_path(endpoint, other_course or course_id(platform)) + suffix
        if apiscopes.reachable(scopes, verb, path):
            expect_reachable(platform, token, verb, path, scopes)
        else:
            expect_refused(platform, token, verb, path, scopes, pattern)  # a route absent on the target is left out
