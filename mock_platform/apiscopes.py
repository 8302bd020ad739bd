"""Canvas REST API scopes ``url:<VERB>|<path>`` and the scope check of API requests.

canvas-facts.md §3 "Scope check": the check applies when the key has ``require_scopes``; the
token's scopes for the request's method (HEAD counts as GET) become anchored regular expressions
(``:param`` matches one path segment, an optional ``.format`` suffix is allowed); no match → 401
``Insufficient scopes on access token.``
"""

from __future__ import annotations

import re
from collections.abc import Collection

from . import faults

# The Canvas REST routes this mock serves (verb, route path as Canvas names it in its scopes).
API_ROUTES: list[tuple[str, str]] = [
    ("GET", "/api/v1/courses/:id"),
    ("PUT", "/api/v1/courses/:id"),
    ("GET", "/api/v1/courses/:course_id/rubrics"),
    ("GET", "/api/v1/courses/:course_id/assignments"),
    ("POST", "/api/v1/courses/:course_id/assignments"),
    ("GET", "/api/v1/courses/:course_id/enrollments"),
    ("GET", "/api/v1/courses/:course_id/external_tools"),
    ("GET", "/api/v1/users/:id"),
    ("GET", "/api/v1/users/:user_id/profile"),
]
ALWAYS_ALLOWED = [re.compile(r"^/login/oauth2/token$")]
_SCOPE = re.compile(r"^url:(GET|POST|PUT|PATCH|DELETE)\|(/[^\s|]*)$")


def is_known_api_scope(scope: str) -> bool:
    m = _SCOPE.match(scope)
    return bool(m) and (m.group(1), m.group(2)) in API_ROUTES


def _pattern(path: str, *, anchored: bool, literal_params: bool) -> re.Pattern[str]:
    if literal_params:
        body = re.escape(path)
    else:
        body = re.sub(r":[^/)]+", "[^/]+", re.escape(path).replace(r"\:", ":"))
    return re.compile(f"^{body}(?:\\.[^/]+|)" + ("$" if anchored else ""))


def allowed(scopes: list[str], method: str, path: str, active: Collection[str] = frozenset()) -> bool:
    """Whether a token with ``scopes`` may call ``method path``."""
    method = "GET" if method.upper() == "HEAD" else method.upper()
    patterns = list(ALWAYS_ALLOWED)
    for scope in scopes:
        m = _SCOPE.match(scope)
        if not m:
            continue
        if m.group(1) != method and not faults.on(active, faults.SCOPE_CHECK_IGNORES_VERB):
            continue
        patterns.append(_pattern(m.group(2), anchored=not faults.on(active, faults.SCOPE_CHECK_PREFIX_MATCH),
                                 literal_params=faults.on(active, faults.SCOPE_PARAMS_LITERAL)))
    return any(p.match(path) for p in patterns)
