"""No drift between the mocks and the OpenAPI documents, in either direction: every route the mock
platform serves is an operation of ``platform`` and every route the mock tool serves is one of
``tool`` (apart from the exclusions below, each with its reason), and every operation of each
document is served by its mock. Path templates are compared with their parameter names blanked
(the mock's ``{item_id}`` is the document's ``{id}``)."""

from __future__ import annotations

import re

import pytest
from starlette.routing import Route

from lti_harness import mock_platform, mock_tool
from lti_harness.harness import openapi

METHODS = {"get", "put", "post", "delete", "patch"}

# Routes a mock serves that its document leaves out on purpose.
EXCLUDED_PREFIXES = {
    "platform": {"/_mock/": "the mock's test-support routes (recorded traffic, faults, throttling), not Canvas's",
                 "/admin": "the admin's browser pages (HTML forms behind a session cookie), not Canvas's API"},
    "tool": {},
}
EXCLUDED = {
    "platform": {
        ("GET", "/courses/{}/external_tools/sessionless_launch"):
            "the browser page a sessionless launch URL opens: it logs its user in and answers an HTML form that starts the launch",
        ("GET", "/courses/{}/external_tools/{}"):
            "the browser page of a course navigation launch: an HTML form that starts the launch",
        ("GET", "/courses/{}/assignments/{}"):
            "the browser page of an assignment: an HTML form that launches its external tool",
        ("GET", "/courses/{}/external_tools/{}/resource_selection"):
            "the browser page of a placement's launch: an HTML form that starts a deep-linking request",
    },
    "tool": {
        ("GET", "/health"): "the mock tool's liveness probe for serving it, not part of a tool's API",
        ("GET", "/v1/platform/lti/login"): "the browser-facing OIDC login initiation (a redirect), judged by the tool_side suite",
        ("POST", "/v1/platform/lti/login"): "the browser-facing OIDC login initiation (a redirect), judged by the tool_side suite",
        ("POST", "/v1/platform/lti/launch"): "the browser-facing launch (an HTML page), judged by the tool_side suite",
        ("GET", "/v1/platform/lti/dynamic-registration"):
            "the browser-facing dynamic-registration initiation (an HTML page in the admin's browser), judged by the tool_side suite",
    },
}


def _template(path: str) -> str:
    return re.sub(r"\{[^}]*\}", "{}", path)


def served(name: str) -> set[tuple[str, str]]:
    """(method, path template) of every route the mock ``name`` serves (HEAD, which Starlette adds to each GET, aside)."""
    app = mock_platform.create_app() if name == "platform" else mock_tool.create_app()
    found = set()
    for route in app.routes:
        assert isinstance(route, Route), f"{name}: a route of an unexpected kind: {route!r}"
        found |= {(method, _template(route.path)) for method in (route.methods or set()) - {"HEAD"}}
    return found


def documented(name: str) -> set[tuple[str, str]]:
    """(method, path template) of every operation of the document ``name``."""
    doc = openapi.document(name)
    return {(m.upper(), _template(path)) for path, item in doc["paths"].items() for m in item if m in METHODS}


def excluded(name: str, route: tuple[str, str]) -> bool:
    return route in EXCLUDED[name] or route[1].startswith(tuple(EXCLUDED_PREFIXES[name]))


@pytest.mark.parametrize("name", ["platform", "tool"])
def test_every_route_a_mock_serves_is_documented(name):
    missing = sorted(r for r in served(name) - documented(name) if not excluded(name, r))
    assert not missing, f"the mock {name} serves routes its OpenAPI document lacks: {missing}"


@pytest.mark.parametrize("name", ["platform", "tool"])
def test_every_documented_operation_is_served(name):
    unserved = sorted(documented(name) - served(name))
    assert not unserved, f"operations of the {name} document that its mock does not serve: {unserved}"


@pytest.mark.parametrize("name", ["platform", "tool"])
def test_exclusions_name_routes_the_mock_serves(name):
    """An exclusion that no longer matches a route is stale, and an excluded route is not also documented."""
    routes = served(name)
    assert set(EXCLUDED[name]) <= routes, sorted(set(EXCLUDED[name]) - routes)
    assert all(any(path.startswith(prefix) for _, path in routes) for prefix in EXCLUDED_PREFIXES[name])
    assert not {r for r in documented(name) if excluded(name, r)}
    assert all(reason for reason in (*EXCLUDED[name].values(), *EXCLUDED_PREFIXES[name].values()))


def test_the_comparison_sees_drift():
    """Blanking parameter names keeps distinct routes apart, and a route only one side has is found."""
    assert _template("/api/v1/courses/{course_id}/line_items/{item_id}") == _template("/api/v1/courses/{id}/line_items/{id}")
    assert _template("/api/v1/courses/{id}") != _template("/api/v1/courses/{id}/rubrics")
    platform = served("platform")
    assert ("GET", "/api/lti/courses/{}/line_items/{}") in platform and ("HEAD", "/api/lti/courses/{}/line_items/{}") not in platform
    assert ("POST", "/api/lti/courses/{}/line_items/{}/scores") in documented("platform")
