"""What every route module of the mock platform shares: Canvas's error bodies as a typed
:class:`Refusal`, JSON answers, the admin guard, ids, bodies and the request's platform.

A handler raises :class:`Refusal` at the first documented check that fails, so it reads as Canvas's
order of checks; the app turns the refusal into its answer (:func:`refusal_response`)."""

from __future__ import annotations

import functools
import json
import secrets
from json.encoder import c_make_encoder, encode_basestring  # type: ignore[attr-defined]  # None without the C module
from typing import Any, Awaitable, Callable

from starlette.datastructures import QueryParams
from starlette.requests import Request
from starlette.responses import Response

from lti_harness.harness import inbound

from . import forms, oauth
from .config import Platform

MAX_BODY = 1024 * 1024
LIMITS = inbound.Limits(max_body=MAX_BODY)  # body size, JSON depth and form fields (README "Serving the mocks")
MAX_ID_DIGITS = 18  # ids are ASCII digits that fit a 64-bit integer
NOT_FOUND = "The specified resource does not exist."
NO_STORE = {"Cache-Control": "no-store", "Pragma": "no-cache"}
CANVAS_REALM = {"WWW-Authenticate": 'Bearer realm="canvas-lms"'}
# Starlette's JSONResponse rendering, with its encoder built once rather than for every answer
JSON_RENDERING = json.JSONEncoder(ensure_ascii=False, allow_nan=False, indent=None, separators=(",", ":"))
# ``json`` builds its C encoder anew for every ``encode``; the same one, built once (no answer body is circular)
_C_ENCODE = (c_make_encoder(None, JSON_RENDERING.default, encode_basestring, None, ":", ",", False, False, False)
             if c_make_encoder is not None else None)
BASE_URL_KEY = "mock_platform.base_url"  # where a request's scope keeps its base URL once worked out


class Refusal(Exception):
    """A refused request: its status, body (JSON unless ``media_type`` says otherwise) and headers;
    ``media_type=None`` answers the status alone, without a body or content type (Rails's ``head``)."""

    def __init__(self, status: int, body: Any = b"", headers: dict[str, str] | None = None,
                 media_type: str | None = "application/json") -> None:
        super().__init__(status)
        self.status = status
        self.body = body
        self.headers = dict(headers or {})
        self.media_type = media_type

    def response(self) -> Response:
        if self.media_type is None:
            return Response(status_code=self.status, headers=self.headers)
        if self.media_type == "application/json" or self.media_type.endswith("+json"):
            return json_response(self.body, self.status, self.headers, self.media_type)
        return Response(self.body, self.status, headers=self.headers, media_type=self.media_type)


def api_error(message: str, status: int, headers: dict[str, str] | None = None) -> Refusal:
    """Canvas's generic API error body ``{"errors":[{"message": ...}]}``, to raise."""
    return Refusal(status, {"errors": [{"message": message}]}, headers)


async def refusal_response(request: Request, exc: Exception) -> Response:
    """The app's exception handler for :class:`Refusal`."""
    assert isinstance(exc, Refusal)
    return exc.response()


async def http_error_response(request: Request, exc: Exception) -> Response:
    """The app's handler for routing errors: 404 in Canvas's body, 405 with the path's ``Allow`` header."""
    status = getattr(exc, "status_code", 404)
    if status == 405:
        refused = api_error("The request method is not allowed for this resource.", 405)
        refused.headers["Allow"] = inbound.allowed_methods(request.scope, request.app.router.routes)
        return refused.response()
    return api_error(NOT_FOUND, 404 if status == 404 else status).response()


async def internal_error_response(request: Request, exc: Exception) -> Response:
    """The app's handler for any other exception: a 500 in Canvas's body, no traceback."""
    return api_error("An internal error occurred in the mock platform.", 500).response()


def json_response(body: Any, status: int = 200, headers: dict[str, str] | None = None,
                  media_type: str = "application/json") -> Response:
    """A JSON answer, rendered as Starlette's ``JSONResponse`` renders it."""
    return Response(render_json(body), status, headers=headers, media_type=media_type)


def render_json(body: Any) -> bytes:
    """``body`` as Starlette's ``JSONResponse`` renders it (compact, UTF-8, no NaN)."""
    if _C_ENCODE is None:  # pragma: no cover - CPython always has the C encoder
        return JSON_RENDERING.encode(body).encode("utf-8")
    return "".join(_C_ENCODE(body, 0)).encode("utf-8")


def json_bytes_response(body: bytes, status: int = 200, headers: dict[str, str] | None = None,
                        media_type: str = "application/json") -> Response:
    """A JSON answer already rendered (by :func:`json_response`'s rendering), sent as it is."""
    return Response(body, status, headers=headers, media_type=media_type)


def add_headers(response: Response, headers: dict[str, str]) -> None:
    """``response.headers.update(headers)``: each header replaces one of its name, else comes last."""
    raw = response.raw_headers
    for name, value in headers.items():
        key = name.lower().encode("latin-1")
        if any(present == key for present, _ in raw):
            response.headers[name] = value
        else:
            raw.append((key, value.encode("latin-1")))


def base_url(request: Request) -> str:
    """The request's base URL without the trailing slash (Starlette's ``request.base_url``), worked out
    once per request."""
    scope = request.scope
    found = scope.get(BASE_URL_KEY)
    if found is None:
        host = next((value for key, value in scope["headers"] if key == b"host"), None)
        server = scope.get("server")
        root = scope.get("app_root_path", scope.get("root_path", ""))
        found = scope[BASE_URL_KEY] = _base_url(scope.get("scheme", "http"), tuple(server) if server is not None else None, host, root)
    return found


@functools.lru_cache(maxsize=256)
def _base_url(scheme: str, server: tuple[Any, ...] | None, host: bytes | None, root: str) -> str:
    """Worked out once per scheme, server, ``Host`` header and root path."""
    scope = {"type": "http", "scheme": scheme, "server": server, "path": root, "root_path": root, "query_string": b"",
             "headers": [] if host is None else [(b"host", host)]}
    return str(Request(scope).base_url).rstrip("/")


def platform_of(request: Request) -> Platform:
    return request.app.state.platform


def parse_id(raw: Any) -> int | None:
    """An id written in ASCII digits (``'²'.isdigit()`` is true, ``int('²')`` raises), else None."""
    text = str(raw) if isinstance(raw, (str, int)) and not isinstance(raw, bool) else ""
    if not text or len(text) > MAX_ID_DIGITS or not (text.isascii() and text.isdigit()):
        return None
    return int(text)


NO_QUERY = QueryParams("")


def query(request: Request) -> QueryParams:
    """``request.query_params``, without parsing when the request has no query string."""
    return request.query_params if request.scope.get("query_string") else NO_QUERY


def header(request: Request, name: bytes) -> str | None:
    """The first value of the request header ``name`` (lower case), read from the raw headers (building
    Starlette's ``request.headers`` costs more than the busiest routes' other work)."""
    for key, value in request.scope["headers"]:
        if key == name:
            return value.decode("latin-1")
    return None


def lti_grant(request: Request, platform: Platform, any_of: tuple[str, ...]) -> oauth.AccessGrant:
    """The request's LTI Advantage access token checked for one of the scopes ``any_of``
    (``oauth.TokenRejected`` says why not; each route words its own refusal)."""
    return oauth.verify_access_token(
        header(request, b"authorization"),
        store=platform.store,
        signing_key=platform.signing_key,
        token_url=f"{base_url(request)}/login/oauth2/token",
        any_of=any_of,
        active=platform.config.faults,
    )


def bearer(request: Request) -> str | None:
    """The bearer token of the Authorization header, else the ``access_token`` parameter (as Canvas reads it)."""
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() == "bearer" and token.strip():
        return token.strip()
    return request.query_params.get("access_token")


async def body_bytes(request: Request) -> bytes:
    """The request body; the input-limits middleware has read it under the byte cap already."""
    data = request.scope.get(inbound.BODY_KEY)
    if data is None:
        data = await request.body()
    if len(data) > MAX_BODY:
        raise api_error(f"The request body is larger than {MAX_BODY} bytes.", 413)
    return data


async def params(request: Request) -> dict[str, Any]:
    """Decode a JSON or form body (Canvas accepts both on its API); another declared content type is
    refused with 415, so a cross-site ``text/plain`` post cannot pass for JSON."""
    data = await body_bytes(request)
    ctype = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if data.strip() and ctype not in ("", "application/json", "application/x-www-form-urlencoded") and not ctype.endswith("+json"):
        raise api_error(f"Unsupported content type: {ctype}; send application/json or application/x-www-form-urlencoded.", 415)
    try:
        if ctype == "application/x-www-form-urlencoded":
            return forms.decode(data.decode("utf-8"))
        body = json.loads(data.decode("utf-8")) if data.strip() else {}
    except forms.FormError as exc:
        raise api_error(f"The form body cannot be read: {exc}.", 400) from None
    except (UnicodeDecodeError, ValueError):
        raise api_error("The request body cannot be read as JSON or form data.", 400) from None
    if not isinstance(body, dict):
        raise api_error("The request body must be an object.", 400)
    return body


def is_admin(request: Request, platform: Platform) -> bool:
    """Whether the request carries the admin token as ``Authorization: Bearer``."""
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    return scheme.lower() == "bearer" and secrets.compare_digest(token.strip(), platform.config.admin_token)


def require_admin(request: Request, platform: Platform, *, account: bool = False) -> None:
    """Canvas's 401 unless the request carries the admin token; with ``account``, 404 for another account."""
    auth = request.headers.get("authorization", "")
    if not auth:
        raise Refusal(401, {"status": "unauthenticated", "errors": [{"message": "user authorization required"}]})
    if not is_admin(request, platform):
        raise api_error("Invalid access token.", 401, CANVAS_REALM)
    if account and request.path_params["account_id"] not in (platform.config.account_id, "self"):
        raise api_error(NOT_FOUND, 404)


Handler = Callable[..., Awaitable[Response]]


def admin_only(*, account: bool = False, body: bool = False) -> Callable[[Handler], Callable[[Request], Awaitable[Response]]]:
    """An admin route: :func:`require_admin` first; the handler gets the platform and, with ``body``,
    the decoded body (:func:`params`: a body that cannot be read is refused before the handler runs,
    as Rails does before the controller)."""

    def wrap(handler: Handler) -> Callable[[Request], Awaitable[Response]]:
        @functools.wraps(handler)
        async def route(request: Request) -> Response:
            platform = platform_of(request)
            require_admin(request, platform, account=account)
            if not body:
                return await handler(request, platform)
            return await handler(request, platform, await params(request))

        return route

    return wrap
