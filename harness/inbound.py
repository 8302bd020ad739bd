"""Input limits of the mocks, applied to every request before any route runs (an ASGI middleware):
the body is read with a byte cap (413 past it; a declared ``Content-Length`` over the cap is refused
before reading), compressed request bodies are refused (415: nothing is ever inflated), JSON nested
deeper than ``max_json_depth`` or holding a lone surrogate escape is refused (400), and so is a form
with more than ``max_form_fields`` fields (400). Each mock answers in its own error shape through ``error``. Also: the ``Allow`` header
of a 405, from every route that matches the path."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, Awaitable, Callable, Iterable

from starlette.responses import Response
from starlette.routing import Match

Scope = dict[str, Any]
ASGIApp = Callable[[Scope, Any, Any], Awaitable[None]]
ErrorResponse = Callable[[int, str], Response]
FORM = "application/x-www-form-urlencoded"
BODY_HEADERS = frozenset((b"content-length", b"content-encoding", b"content-type"))
BODY_KEY = "lti_harness.body"  # where the request's scope holds the body once read (it is also replayed to the app)


@dataclass(frozen=True)
class Limits:
    """The limits a mock applies to what it receives."""

    max_body: int = 1024 * 1024
    max_json_depth: int = 32
    max_form_fields: int = 1000


def json_problem(value: Any, max_depth: int) -> str | None:
    """Why a parsed JSON value is refused: arrays and objects nested deeper than ``max_depth``, or a
    string holding a lone surrogate (``"\\ud800"`` parses, but is no Unicode text and cannot be answered
    back); None when neither."""
    stack = [(value, 1)]
    while stack:
        node, depth = stack.pop()
        if isinstance(node, str):
            try:
                node.encode("utf-8")
            except UnicodeEncodeError:
                return "The JSON body holds a lone surrogate escape (e.g. \\ud800), which is not Unicode text."
        elif isinstance(node, (dict, list)):
            if depth > max_depth:
                return f"The JSON body nests deeper than {max_depth} levels."
            if isinstance(node, dict):
                stack.extend((key, depth) for key in node)
            children: Iterable[Any] = node.values() if isinstance(node, dict) else node
            stack.extend((child, depth + 1) for child in children)
    return None


def body_problem(content_type: str, body: bytes, limits: Limits) -> str | None:
    """Why ``body`` breaks a limit, or None. A body that does not parse is left to the route."""
    if content_type == FORM:
        fields = body.count(b"&") + 1 if body else 0
        if fields > limits.max_form_fields:
            return f"The form has {fields} fields; at most {limits.max_form_fields} are accepted."
        return None
    if body.lstrip()[:1] not in (b"{", b"[", b'"'):
        return None
    if b"\\u" not in body and body.count(b"[") + body.count(b"{") <= limits.max_json_depth:
        return None  # too few brackets to nest too deep, and no escape to write a lone surrogate with
    try:
        parsed = json.loads(body.decode("utf-8"))
    except RecursionError:
        return f"The JSON body nests deeper than {limits.max_json_depth} levels."
    except (UnicodeDecodeError, ValueError):
        return None
    return json_problem(parsed, limits.max_json_depth)


def _body_headers(scope: Scope) -> tuple[str | None, str, str]:
    """The request's ``Content-Length`` (None without one), ``Content-Encoding`` and ``Content-Type``
    (empty without), each its first occurrence, read in one pass over the headers."""
    found: dict[bytes, bytes] = {}
    for key, value in scope["headers"]:
        if key in BODY_HEADERS and key not in found:
            found[key] = value
    declared = found.get(b"content-length")
    return (None if declared is None else declared.decode("latin-1"), found.get(b"content-encoding", b"").decode("latin-1"),
            found.get(b"content-type", b"").decode("latin-1"))


def _declared_problem(declared: str | None, encoding: str, limits: Limits) -> tuple[int, str] | None:
    """The status and message for a request whose headers already break a limit, or None."""
    if declared is not None:
        declared = declared.strip()
        if not (declared.isascii() and declared.isdigit()):
            return 400, "The Content-Length header is not a number."
        if int(declared) > limits.max_body:
            return 413, f"The request body is larger than {limits.max_body} bytes."
    encoding = encoding.strip().lower()
    if encoding not in ("", "identity"):
        return 415, "Compressed request bodies (Content-Encoding) are not accepted."
    return None


Judge = Callable[[Scope, bytes, str], "Response | None"]  # (scope, body, its Content-Type) -> the answer, or None


class InputLimits:
    """ASGI middleware: reads each HTTP request's body under ``limits`` and hands it on, or answers with
    ``error(status, message)``. With ``judge``, the request and its body are then judged in the same
    layer (e.g. against the mock's API document): the response it returns is the answer, None goes on."""

    def __init__(self, app: ASGIApp, limits: Limits, error: ErrorResponse, judge: Judge | None = None) -> None:
        self.app, self.limits, self.error, self.judge = app, limits, error, judge

    async def __call__(self, scope: Scope, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared, encoding, content_type = _body_headers(scope)
        problem = _declared_problem(declared, encoding, self.limits)
        if problem:
            await self.error(*problem)(scope, receive, send)
            return
        message = await receive()  # most bodies come whole in the first message
        if message["type"] == "http.disconnect":
            return
        data = message.get("body", b"")
        if message.get("more_body", False):
            body = bytearray(data)
            more = True
            while more and len(body) <= self.limits.max_body:
                message = await receive()
                if message["type"] == "http.disconnect":
                    return
                body += message.get("body", b"")
                more = message.get("more_body", False)
            data = bytes(body)
        if len(data) > self.limits.max_body:
            await self.error(413, f"The request body is larger than {self.limits.max_body} bytes.")(scope, receive, send)
            return
        why = body_problem(content_type.split(";")[0].strip().lower(), data, self.limits) if data else None
        if why:
            await self.error(400, why)(scope, receive, send)
            return
        scope[BODY_KEY] = data
        if self.judge is not None:
            refused = self.judge(scope, data, content_type)
            if refused is not None:
                await refused(scope, receive, send)
                return
        await self.app(scope, _replay(data, receive), send)


def _replay(body: bytes, receive: Any) -> Callable[[], Awaitable[dict[str, Any]]]:
    sent = False

    async def replayed() -> dict[str, Any]:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return replayed


def allowed_methods(scope: Scope, routes: Iterable[Any]) -> str:
    """The ``Allow`` header value for a path: the methods of every route that matches it."""
    methods: set[str] = set()
    for route in routes:
        match, _ = route.matches(scope)
        if match != Match.NONE and getattr(route, "methods", None):
            methods |= set(route.methods)
    return ", ".join(sorted(methods))
