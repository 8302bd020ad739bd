"""Canvas's admin REST routes on the mock: LTI registrations and their update requests, history,
feature flags and developer keys (canvas-facts.md §2 "Admin API", §3 developer keys)."""

from __future__ import annotations

import asyncio
import functools
import json
from typing import Any, Awaitable, Callable

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from lti_harness.harness import schemas

from . import forms, updates
from .store import Registration

FLAG = "lti_dr_registrations_update"
KNOWN_FLAGS = {FLAG: True}
FLAG_STATES = {"on": True, "allowed_on": True, "off": False, "allowed": False}


Handler = Callable[..., Awaitable[Response]]


def _app():
    from . import app as app_module

    return app_module


def admin_user(platform: Any) -> dict[str, Any]:
    return {"id": platform.config.admin_user_id, "name": "Mock Admin"}


def flag_on(platform: Any, account_id: str) -> bool:
    return platform.store.flag(account_id, FLAG, platform.config.flags.get(FLAG, True))


def admin_only(*, account: bool = False, body: bool = False) -> Callable[[Handler], Callable[[Request], Awaitable[Response]]]:
    """An admin route: Canvas's 401 without the admin token and, with ``account``, 404 for another
    account; the handler gets the platform and, with ``body``, the decoded JSON or form body (a body
    that cannot be read is answered 400 or 413 first, as Rails does before the controller runs)."""

    def wrap(handler: Handler) -> Callable[[Request], Awaitable[Response]]:
        @functools.wraps(handler)
        async def route(request: Request) -> Response:
            a = _app()
            platform = a._platform(request)
            refused = a._admin(request, platform) or (a._account(request, platform) if account else None)
            if refused:
                return refused
            if not body:
                return await handler(request, platform)
            params = await _params(request)
            if isinstance(params, Response):
                return params
            return await handler(request, platform, params)

        return route

    return wrap


def _registration(request: Request, platform: Any) -> Registration | None:
    reg_id = _app().parse_id(request.path_params.get("registration_id", ""))
    reg = platform.store.registration(reg_id) if reg_id is not None else None
    return reg if reg is not None and reg.account_id == platform.config.account_id else None


async def _params(request: Request) -> dict[str, Any] | Response:
    """Decode a JSON or form body (Canvas accepts both on its API); another declared content type is
    refused with 415, so a cross-site ``text/plain`` post cannot pass for JSON."""
    a = _app()
    data = await a._body_bytes(request)
    if isinstance(data, Response):
        return data
    ctype = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if data.strip() and ctype not in ("", "application/json", "application/x-www-form-urlencoded") and not ctype.endswith("+json"):
        return a.api_error(f"Unsupported content type: {ctype}; send application/json or application/x-www-form-urlencoded.", 415)
    try:
        if ctype == "application/x-www-form-urlencoded":
            return forms.decode(data.decode("utf-8"))
        body = json.loads(data.decode("utf-8")) if data.strip() else {}
    except forms.FormError as exc:
        return a.api_error(f"The form body cannot be read: {exc}.", 400)
    except (UnicodeDecodeError, ValueError):
        return a.api_error("The request body cannot be read as JSON or form data.", 400)
    return body if isinstance(body, dict) else a.api_error("The request body must be an object.", 400)


@admin_only(account=True)
async def list_registrations(request: Request, platform: Any) -> Response:
    regs = [r for r in platform.store.registrations() if r.account_id == platform.config.account_id]
    return _app()._json([updates.registration_json(r, platform.config.faults) for r in regs])


@admin_only(account=True)
async def show_registration(request: Request, platform: Any) -> Response:
    reg = _registration(request, platform)
    if reg is None:
        return _app().api_error(_app().NOT_FOUND, 404)
    return _app()._json(updates.registration_json(reg, platform.config.faults))


def _update_request(reg: Registration, raw: str) -> updates.UpdateRequest | None:
    return next((u for u in reg.update_requests if str(u.id) == raw), None)


@admin_only(account=True)
async def show_update_request(request: Request, platform: Any) -> Response:
    reg = _registration(request, platform)
    found = _update_request(reg, request.path_params["update_request_id"]) if reg else None
    if found is None:
        return _app().api_error(_app().NOT_FOUND, 404)
    return _app()._json(updates.request_json(reg, found, platform.config.faults))


@admin_only(account=True)
async def apply_update_request(request: Request, platform: Any) -> Response:
    """PUT …/update_requests/:id/apply with ``accepted`` (true applies, false ignores), ``overlay``, ``comment``."""
    a = _app()
    faults = platform.config.faults
    reg = _registration(request, platform)
    found = _update_request(reg, request.path_params["update_request_id"]) if reg else None
    if found is None:
        return a.api_error(a.NOT_FOUND, 404)
    params = await _params(request)
    if isinstance(params, Response):
        return params
    accepted = params.get("accepted")
    if isinstance(accepted, str) and accepted.lower() in ("true", "false", "1", "0"):
        accepted = accepted.lower() in ("true", "1")
    if accepted is None:
        return a.api_error("accepted is missing", 400)
    if not isinstance(accepted, bool):
        return a.api_error("accepted must be true or false", 400)
    overlay = params.get("overlay")
    if overlay is not None:
        problems = schemas.errors("overlay", overlay)
        if problems:
            return a._json({"errors": [f"overlay {p}" for p in problems]}, 422)
    comment = params.get("comment")
    if comment is not None and (not isinstance(comment, str) or len(comment) > 2000):
        return a._json({"errors": ["comment must be a string of at most 2000 characters"]}, 422)
    if not flag_on(platform, reg.account_id) and "flag-ignored" not in faults:
        return a.api_error(f"The {FLAG} feature is off for this account: update requests cannot be applied.", 404)
    stale = "stale-request-applied" in faults
    if not found.pending and not stale:
        state = "accepted" if found.accepted_at else "ignored"
        return a._json({"errors": [{"message": f"This update request was already {state} and is no longer pending."}]}, 422)
    if updates.newest_pending(reg) is not found and not stale:
        return a._json({"errors": [{"message": "A newer update request exists for this registration; only the newest can be applied."}]}, 422)
    if "double-apply-race" in faults:
        await asyncio.sleep(0.05)  # the bug: the pending check and the write are not atomic
    if accepted or "reject-applies-anyway" in faults:
        updates.apply(
            reg, found, platform.store.developer_key(reg.client_id),
            overlay=overlay, comment=comment, admin=admin_user(platform),
            history_id=platform.store.next_id(), faults=faults,
            invalidate_tokens=platform.config.invalidate_tokens_on_update,
        )
        if not accepted:
            found.accepted_at, found.rejected_at = None, updates.now()
    else:
        found.rejected_at = updates.now()
        found.comment = comment
        found.updated_by = admin_user(platform)
        if platform.config.invalidate_tokens_on_update:
            updates.invalidate(platform.store.developer_key(reg.client_id))
    return a._json(updates.request_json(reg, found, faults))


@admin_only(account=True)
async def history(request: Request, platform: Any) -> Response:
    a = _app()
    reg = _registration(request, platform)
    if reg is None:
        return a.api_error(a.NOT_FOUND, 404)
    try:
        page = max(1, _whole(request.query_params.get("page", "1")))
        per_page = min(100, max(1, _whole(request.query_params.get("per_page", "10"))))
    except ValueError:
        return a.api_error("page and per_page must be whole numbers", 400)
    entries = list(reversed(reg.history))
    chunk = entries[(page - 1) * per_page: page * per_page]
    headers = {}
    base = f"{a.base_url(request)}{request.url.path}"
    links = [f'<{base}?page=1&per_page={per_page}>; rel="first"']
    if page * per_page < len(entries):
        links.append(f'<{base}?page={page + 1}&per_page={per_page}>; rel="next"')
    headers["Link"] = ", ".join(links)
    return a._json(chunk, headers=headers)


def _whole(raw: str) -> int:
    """A paging number in ASCII digits (``ValueError`` otherwise, and past 18 digits)."""
    value = _app().parse_id(raw.strip())
    if value is None:
        raise ValueError(raw)
    return value


def _flag_json(feature: str, account_id: str, on: bool) -> dict[str, Any]:
    return {"feature": feature, "context_type": "Account", "context_id": account_id, "state": "on" if on else "off", "locked": False}


@admin_only(account=True)
async def feature_flag(request: Request, platform: Any) -> Response:
    """GET/PUT /api/v1/accounts/:account_id/features/flags/:feature with ``state``."""
    a = _app()
    feature = request.path_params["feature"]
    if feature not in KNOWN_FLAGS:
        return a.api_error(f"There is no feature named {feature}.", 404)
    account = platform.config.account_id
    if request.method == "PUT":
        params = await _params(request)
        if isinstance(params, Response):
            return params
        state = params.get("state")
        if state not in FLAG_STATES:
            return a.api_error("state must be one of on, off, allowed, allowed_on", 400)
        platform.store.set_flag(account, feature, FLAG_STATES[state])
    on = platform.store.flag(account, feature, platform.config.flags.get(feature, KNOWN_FLAGS[feature]))
    return a._json(_flag_json(feature, account, on))


ROUTES = [
    Route("/api/v1/accounts/{account_id}/lti_registrations", list_registrations, methods=["GET"]),
    Route("/api/v1/accounts/{account_id}/lti_registrations/{registration_id}", show_registration, methods=["GET"]),
    Route("/api/v1/accounts/{account_id}/lti_registrations/{registration_id}/update_requests/{update_request_id}", show_update_request, methods=["GET"]),
    Route("/api/v1/accounts/{account_id}/lti_registrations/{registration_id}/update_requests/{update_request_id}/apply", apply_update_request, methods=["PUT"]),
    Route("/api/v1/accounts/{account_id}/lti_registrations/{registration_id}/history", history, methods=["GET"]),
    Route("/api/v1/accounts/{account_id}/features/flags/{feature}", feature_flag, methods=["GET", "PUT"]),
]
