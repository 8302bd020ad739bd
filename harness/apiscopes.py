"""Canvas REST API scopes (``url:<VERB>|<path>``, seed 004) and the harness's model of the rule
"a token reaches an endpoint when some granted scope names its verb and path".

The model compares path segments: a ``:name`` segment of the scope matches any one non-empty
segment, every other segment must be equal, and the lengths must agree (no prefix match). HEAD is
treated as GET and a ``.json``-style format suffix on the last segment is allowed, as Canvas does
(canvas-facts.md §3 "Scope check").
"""

from __future__ import annotations

import re
from dataclasses import dataclass

SCOPE_PATTERN = r"^url:(GET|POST|PUT|PATCH|DELETE)\|(/[^\s|]*)$"
_SCOPE = re.compile(SCOPE_PATTERN)


@dataclass(frozen=True)
class ApiScope:
    verb: str
    path: str

    @property
    def text(self) -> str:
        return f"url:{self.verb}|{self.path}"


def parse(scope: str) -> ApiScope | None:
    """``url:GET|/api/v1/x`` as an :class:`ApiScope`, or None for anything else (e.g. LTI scopes)."""
    m = _SCOPE.match(scope)
    return ApiScope(m.group(1), m.group(2)) if m else None


def path_matches(pattern: str, path: str) -> bool:
    want, got = pattern.strip("/").split("/"), path.split("?", 1)[0].strip("/").split("/")
    if len(want) != len(got):
        return False
    for i, (w, g) in enumerate(zip(want, got)):
        if i == len(want) - 1 and "." in g and not w.startswith(":"):
            g = g.split(".", 1)[0]
        if w.startswith(":"):
            if not g:
                return False
        elif w != g:
            return False
    return True


def reachable(scopes: list[str] | set[str] | tuple[str, ...], verb: str, path: str) -> bool:
    """Whether some scope in ``scopes`` allows ``verb path``."""
    verb = "GET" if verb.upper() == "HEAD" else verb.upper()
    for text in scopes:
        scope = parse(text)
        if scope is not None and scope.verb == verb and path_matches(scope.path, path):
            return True
    return False


@dataclass(frozen=True)
class Endpoint:
    """A Canvas REST endpoint the harness probes: its scope and how to build a concrete path."""

    verb: str
    pattern: str

    @property
    def scope(self) -> str:
        return f"url:{self.verb}|{self.pattern}"

    def path(self, **values: str) -> str:
        """The pattern with each ``:name`` replaced by ``values[name]``."""
        return "/".join(values[s[1:]] if s.startswith(":") else s for s in self.pattern.split("/"))


# The REST endpoints the scope checks probe: read-mostly routes every Canvas has, each named by a source
# document (the one write, PUT course, sends an empty change). Seed 004 names
# GET /api/v1/courses/:course_id/rubrics as its example; DESIGN.md's admin surface names the other paths
# (PUT /api/v1/courses/:id; POST on /api/v1/courses/:course_id/enrollments and …/external_tools), read
# here with GET on the same path. Three of them extend /api/v1/courses/:id by one segment, which is what
# the anchoring check needs.
ENDPOINTS: list[Endpoint] = [
    Endpoint("GET", "/api/v1/courses/:id"),
    Endpoint("PUT", "/api/v1/courses/:id"),
    Endpoint("GET", "/api/v1/courses/:course_id/rubrics"),
    Endpoint("GET", "/api/v1/courses/:course_id/enrollments"),
    Endpoint("GET", "/api/v1/courses/:course_id/external_tools"),
]
ALL_SCOPES: list[str] = [e.scope for e in ENDPOINTS]


def probe_path(endpoint: Endpoint, course_id: str) -> str:
    """The concrete path the harness calls for ``endpoint`` in course ``course_id``."""
    return endpoint.path(id=course_id, course_id=course_id)
