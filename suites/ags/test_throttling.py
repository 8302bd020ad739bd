"""Request throttling on AGS (AGS-050, AGS-051; canvas-facts.md §4 "Throttling")."""

from __future__ import annotations

from lti_harness.harness.checks import check
from lti_harness.harness.results import precondition
from lti_harness.suites.common import new_lti_key
from lti_harness.vocab import CONTAINER_TYPE, LINEITEM_READONLY_SCOPE

FULL = "403 Forbidden (Rate Limit Exceeded)"


@check("AGS-050")
def test_throttle_headers(course):
    response = course.call("GET", course.line_items_url, [LINEITEM_READONLY_SCOPE], accept=CONTAINER_TYPE, params={"limit": "1"})
    precondition(response.status_code == 200, f"listing line items answered {response.status_code} (a set-up step): {response.text[:200]}")
    for header in ("X-Request-Cost", "X-Rate-Limit-Remaining"):
        value = response.headers.get(header)
        assert value is not None, f"the answer has no {header} header; seed 003 tells tools to watch Canvas's throttling headers"
        try:
            float(value)
        except ValueError:
            raise AssertionError(f"{header} is {value!r}, not a number as Canvas sends it (canvas-facts.md §4 \"Throttling\")") from None


@check("AGS-051")
def test_full_bucket_gets_403(platform, course):
    hammer = course.with_key(new_lti_key(platform, [LINEITEM_READONLY_SCOPE]))
    platform.adapter.install_tool(course.id, hammer.lti.id)
    token = hammer.token([LINEITEM_READONLY_SCOPE])
    platform.mock_controls.fill_throttle(5)
    try:
        for _ in range(20):
            response = hammer.call("GET", course.line_items_url, token=token, params={"limit": "1"})
            if response.status_code != 200:
                break
        assert response.status_code == 403, f"after filling the bucket the platform answered {response.status_code}, expected 403"
        assert response.headers.get("content-type", "").startswith("text/plain"), f"the 403 came as {response.headers.get('content-type')!r}, not text/plain"
        assert response.text.strip() == FULL, f"the 403 body is {response.text[:100]!r}, expected {FULL!r}"
    finally:
        platform.mock_controls.fill_throttle(600)
