"""The tool's platform-registrations API, as TutorFlow documents it (seed 001 "LTI Registrations"):
``POST/GET /v1/platform/lti/registrations``, ``GET/PUT/DELETE /v1/platform/lti/registrations/:id``.

Every route needs ``Authorization: Bearer tf_platform_…`` (the Platform API key). Errors use the
envelope ``{"error": {"code", "message", "status"}}`` with the four documented codes. PUT is a
partial update: only the fields sent change (the opposite of the platform's replace rule).
"""

from __future__ import annotations

import json
import math
import secrets
import threading
import uuid
from collections.abc import Collection
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Any
from urllib.parse import urlsplit

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from . import faults
from .config import ToolConfig, config_of

REQUIRED = ("name", "platformIssuer", "platformAuthorizationEndpoint", "platformTokenEndpoint", "platformJwksUrl", "clientId")
OPTIONAL = ("deploymentId",)
URL_FIELDS = ("platformAuthorizationEndpoint", "platformTokenEndpoint", "platformJwksUrl")
SUMMARY = ("id", "name", "platformIssuer", "clientId", "deploymentId", "status", "createdAt", "updatedAt")
STATUSES = ("active", "inactive")
DEFAULT_TAKE, MAX_TAKE = 20, 100
MAX_BODY = 64 * 1024
CODES = {400: "platform_invalid_request", 401: "platform_unauthorized", 404: "platform_not_found", 409: "platform_conflict"}


@dataclass
class RegistrationStore:
    """The tool's registrations, in creation order, behind a lock; deleted ones never launch again."""

    items: dict[str, dict[str, Any]] = field(default_factory=dict)
    graveyard: dict[str, dict[str, Any]] = field(default_factory=dict)  # deleted registrations (never launch)
    lock: threading.Lock = field(default_factory=threading.Lock)
    _clock: datetime = field(default_factory=lambda: datetime.now(timezone.utc).replace(microsecond=0))

    def stamp(self) -> str:
        """An ISO 8601 time that is later than every earlier one (updates always move ``updatedAt``)."""
        now = datetime.now(timezone.utc).replace(microsecond=0)
        self._clock = max(now, self._clock + timedelta(seconds=1))
        return self._clock.strftime("%Y-%m-%dT%H:%M:%SZ")


def error(status: int, message: str, active: Collection[str] = frozenset()) -> JSONResponse:
    """An error in the documented envelope (or, under ``WRONG_ERROR_ENVELOPE`` in ``active``, the wrong one)."""
    if faults.on(active, faults.WRONG_ERROR_ENVELOPE):
        return JSONResponse({"message": message, "statusCode": status}, status)
    return JSONResponse({"error": {"code": CODES.get(status, CODES[400]), "message": message, "status": status}}, status)


def _state(request: Request) -> tuple[ToolConfig, RegistrationStore]:
    store: RegistrationStore = request.app.state.registrations
    return config_of(request), store


def _authorized(request: Request) -> Response | None:
    config = config_of(request)
    scheme, _, key = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not key.strip():
        return error(401, "Missing API key: send Authorization: Bearer tf_platform_…", config.faults)
    if not secrets.compare_digest(key.strip(), config.api_key) and not config.has(faults.API_KEY_NOT_CHECKED):
        return error(401, "Invalid API key", config.faults)
    return None


async def _json_body(request: Request) -> dict[str, Any] | Response:
    active = config_of(request).faults
    data = b""
    async for chunk in request.stream():
        data += chunk
        if len(data) > MAX_BODY:
            return error(400, f"The request body is larger than {MAX_BODY} bytes", active)
    try:
        body = json.loads(data.decode("utf-8")) if data.strip() else None
    except (UnicodeDecodeError, ValueError):
        return error(400, "The request body is not valid JSON", active)
    if not isinstance(body, dict):
        return error(400, "The request body must be a JSON object", active)
    return body


def _problem(name: str, value: Any) -> str | None:
    if name == "deploymentId":
        return None if isinstance(value, str) and len(value) <= 2048 else "deploymentId must be a string"
    if not isinstance(value, str) or not value:
        return f"{name} must be a non-empty string"
    if len(value) > 2048:
        return f"{name} is too long"
    if name in URL_FIELDS or name == "platformIssuer":
        parts = urlsplit(value)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            return f"{name} must be an http(s) URL"
    if name == "status" and value not in STATUSES:
        return "status must be active or inactive"
    return None


def tool_urls(request: Request) -> dict[str, str]:
    base = str(request.base_url).rstrip("/")
    return {
        "toolLoginUrl": f"{base}/v1/platform/lti/login",
        "toolLaunchUrl": f"{base}/v1/platform/lti/launch",
        "toolJwksUrl": f"{base}/v1/platform/lti/.well-known/jwks.json",
    }


def full(request: Request, item: dict[str, Any]) -> dict[str, Any]:
    return {**item, **tool_urls(request)}


def _duplicate(store: RegistrationStore, issuer: str, client_id: str, but: str | None = None) -> bool:
    return any(r["platformIssuer"] == issuer and r["clientId"] == client_id and r["id"] != but for r in store.items.values())


async def create(request: Request) -> Response:
    """POST /v1/platform/lti/registrations."""
    refused = _authorized(request)
    if refused:
        return refused
    config, store = _state(request)
    body = await _json_body(request)
    if isinstance(body, Response):
        return body
    for name in REQUIRED:
        if name not in body or body[name] in (None, ""):
            return error(400, "Invalid request" if config.has(faults.MISSING_FIELD_NOT_NAMED) else f"{name} is required", config.faults)
    for name in (*REQUIRED, *OPTIONAL):
        if name in body and body[name] is not None:
            problem = _problem(name, body[name])
            if problem:
                return error(400, problem, config.faults)
    with store.lock:
        if _duplicate(store, body["platformIssuer"], body["clientId"]) and not config.has(faults.DUPLICATE_ALLOWED):
            return error(409, "A registration with the same issuer and client ID already exists", config.faults)
        now = store.stamp()
        item = {"id": str(uuid.uuid4()), **{k: body[k] for k in REQUIRED}, "deploymentId": body.get("deploymentId"),
                "status": "active", "createdAt": now, "updatedAt": now}
        if config.has(faults.LONG_NAMES_TRUNCATED):
            item["name"] = item["name"][:40]
        store.items[item["id"]] = item
    return JSONResponse(full(request, item), 201)


async def index(request: Request) -> Response:
    """GET /v1/platform/lti/registrations?page&take&status."""
    refused = _authorized(request)
    if refused:
        return refused
    config, store = _state(request)
    q = request.query_params
    try:
        page, take = int(q.get("page", "1")), int(q.get("take", str(DEFAULT_TAKE)))
    except ValueError:
        return error(400, "page and take must be whole numbers", config.faults)
    if page < 1 or take < 1:
        return error(400, "page and take must be at least 1", config.faults)
    if take > MAX_TAKE and not config.has(faults.TAKE_UNBOUNDED):
        return error(400, f"take must be at most {MAX_TAKE}", config.faults)
    status = q.get("status")
    if status is not None and status not in STATUSES:
        return error(400, "status must be active or inactive", config.faults)
    every_status = config.has(faults.STATUS_FILTER_IGNORED)
    chosen = [r for r in store.items.values() if status is None or r["status"] == status or every_status]
    start = (page - 1) * take
    chunk = chosen[start:start + take]
    if config.has(faults.LIST_SKIPS_LAST_PAGE_ITEM) and chunk and start + take >= len(chosen) and page > 1:
        chunk = chunk[:-1]

    pages = max(1, math.ceil(len(chosen) / take)) if chosen else 0
    meta = {"page": page, "take": take, "itemCount": len(chosen), "pageCount": pages,
            "hasPreviousPage": page > 1, "hasNextPage": page < pages}
    return JSONResponse({"data": [{k: r.get(k) for k in SUMMARY} for r in chunk], "meta": meta})


def _find(request: Request) -> dict[str, Any] | None:
    config, store = _state(request)
    found = store.items.get(request.path_params["registration_id"])
    if found is None and config.has(faults.UNKNOWN_ID_500):
        raise RuntimeError("registration lookup failed")  # the bug: an unhandled lookup error
    return found


async def show(request: Request) -> Response:
    refused = _authorized(request)
    if refused:
        return refused
    item = _find(request)
    if item is None:
        return error(404, "Registration not found", config_of(request).faults)
    return JSONResponse(full(request, item))


async def update(request: Request) -> Response:
    """PUT /v1/platform/lti/registrations/:id: only the fields sent change."""
    refused = _authorized(request)
    if refused:
        return refused
    config, store = _state(request)
    item = _find(request)
    if item is None:
        return error(404, "Registration not found", config.faults)
    body = await _json_body(request)
    if isinstance(body, Response):
        return body
    allowed = (*REQUIRED, *OPTIONAL, "status")
    changes = {k: v for k, v in body.items() if k in allowed}
    for name, value in changes.items():
        if value is None and name == "deploymentId":
            continue
        problem = _problem(name, value)
        if problem:
            return error(400, problem, config.faults)
    with store.lock:
        issuer = changes.get("platformIssuer", item["platformIssuer"])
        client_id = changes.get("clientId", item["clientId"])
        if _duplicate(store, issuer, client_id, but=item["id"]) and not config.has(faults.DUPLICATE_ALLOWED):
            return error(409, "A registration with the same issuer and client ID already exists", config.faults)
        if config.has(faults.UPDATE_REPLACES_INSTEAD_OF_PATCH):
            kept = {k: item[k] for k in ("id", "createdAt", "status")}
            item.clear()
            item.update({**kept, "deploymentId": None, **changes})
        else:
            item.update(changes)
        if not config.has(faults.UPDATED_AT_NOT_BUMPED):
            item["updatedAt"] = store.stamp()
    return JSONResponse(full(request, item))


async def delete(request: Request) -> Response:
    """DELETE /v1/platform/lti/registrations/:id: launches through it stop at once."""
    refused = _authorized(request)
    if refused:
        return refused
    config, store = _state(request)
    with store.lock:
        item = store.items.pop(request.path_params["registration_id"], None)
        if item is None and config.has(faults.UNKNOWN_ID_500):
            raise RuntimeError("registration lookup failed")
        if item is None:
            return error(404, "Registration not found", config.faults)
        store.graveyard[item["id"]] = item
    return JSONResponse({"success": True, "message": "Registration deleted successfully"})


ROUTES = [
    Route("/v1/platform/lti/registrations", create, methods=["POST"]),
    Route("/v1/platform/lti/registrations", index, methods=["GET"]),
    Route("/v1/platform/lti/registrations/{registration_id}", show, methods=["GET"]),
    Route("/v1/platform/lti/registrations/{registration_id}", update, methods=["PUT"]),
    Route("/v1/platform/lti/registrations/{registration_id}", delete, methods=["DELETE"]),
]
