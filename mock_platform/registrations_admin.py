"""Canvas's admin API of LTI registrations on the mock: registrations, their update requests (show,
apply or ignore), history, and the feature flag that gates updates (canvas-facts.md §2 "Admin API")."""

from __future__ import annotations

import asyncio
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from lti_harness.harness import schemas

from . import faults, updates, web
from .config import Platform
from .store import Registration, UpdateRequest

FLAG = "lti_dr_registrations_update"
KNOWN_FLAGS = {FLAG: True}
FLAG_STATES = {"on": True, "allowed_on": True, "off": False, "allowed": False}


def admin_user(platform: Platform) -> dict[str, Any]:
    """The account admin as Canvas names the user who changed something."""
    return {"id": platform.config.admin_user_id, "name": "Mock Admin"}


def flag_on(platform: Platform, account_id: str) -> bool:
    """Whether registration updates are on for the account (flag ``lti_dr_registrations_update``)."""
    return platform.store.flag(account_id, FLAG, platform.config.flags.get(FLAG, True))


def _registration(request: Request, platform: Platform) -> Registration:
    """The path's registration in this account, else 404."""
    reg_id = web.parse_id(request.path_params.get("registration_id", ""))
    reg = platform.store.registration(reg_id) if reg_id is not None else None
    if reg is None or reg.account_id != platform.config.account_id:
        raise web.api_error(web.NOT_FOUND, 404)
    return reg


def _update_request(request: Request, platform: Platform) -> tuple[Registration, UpdateRequest]:
    """The path's registration and its update request, else 404."""
    reg = _registration(request, platform)
    raw = request.path_params["update_request_id"]
    if platform.has(faults.UPDATE_REQUEST_ID_500):
        int(raw)  # the bug: a non-numeric id raises, an unhandled error (500)
    found = next((u for u in reg.update_requests if str(u.id) == raw), None)
    if found is None:
        raise web.api_error(web.NOT_FOUND, 404)
    return reg, found


@web.admin_only(account=True)
async def list_registrations(request: Request, platform: Platform) -> Response:
    """GET /api/v1/accounts/:account_id/lti_registrations."""
    regs = [r for r in platform.store.registrations() if r.account_id == platform.config.account_id]
    return web.json_response([updates.registration_json(r, platform.config.faults) for r in regs])


@web.admin_only(account=True)
async def show_registration(request: Request, platform: Platform) -> Response:
    """GET /api/v1/accounts/:account_id/lti_registrations/:registration_id."""
    reg = _registration(request, platform)
    return web.json_response(updates.registration_json(reg, platform.config.faults))


@web.admin_only(account=True)
async def show_update_request(request: Request, platform: Platform) -> Response:
    """GET …/lti_registrations/:registration_id/update_requests/:id."""
    reg, found = _update_request(request, platform)
    return web.json_response(updates.request_json(reg, found, platform.config.faults))


def _accepted(params: dict[str, Any]) -> bool:
    accepted = params.get("accepted")
    if isinstance(accepted, str) and accepted.lower() in ("true", "false", "1", "0"):
        accepted = accepted.lower() in ("true", "1")
    if accepted is None:
        raise web.api_error("accepted is missing", 400)
    if not isinstance(accepted, bool):
        raise web.api_error("accepted must be true or false", 400)
    return accepted


async def decide(platform: Platform, reg: Registration, found: UpdateRequest, *, accepted: bool,
                 overlay: Any = None, comment: Any = None) -> None:
    """Accept (with ``overlay``) or ignore the update request ``found``, with ``comment``, as the apply
    route does: its checks in its order, the feature flag, the faults, the history entry. The admin API
    and the admin pages both decide through here; a refusal raises :class:`web.Refusal`."""
    if overlay is not None:
        problems = schemas.errors("overlay", overlay)
        if problems:
            raise web.Refusal(422, {"errors": [f"overlay {p}" for p in problems]})
    if comment is not None and (not isinstance(comment, str) or len(comment) > 2000):
        raise web.Refusal(422, {"errors": ["comment must be a string of at most 2000 characters"]})
    if not flag_on(platform, reg.account_id) and not platform.has(faults.FLAG_IGNORED):
        raise web.api_error(f"The {FLAG} feature is off for this account: update requests cannot be applied.", 404)
    stale = platform.has(faults.STALE_REQUEST_APPLIED)
    if not found.pending and not stale:
        state = "accepted" if found.accepted_at else "ignored"
        raise web.api_error(f"This update request was already {state} and is no longer pending.", 422)
    if updates.newest_pending(reg) is not found and not stale:
        raise web.api_error("A newer update request exists for this registration; only the newest can be applied.", 422)
    if platform.has(faults.DOUBLE_APPLY_RACE):
        await asyncio.sleep(0.05)  # the bug: the pending check and the write are not atomic
    if accepted or platform.has(faults.REJECT_APPLIES_ANYWAY):
        updates.apply(
            reg, found, platform.store.developer_key(reg.client_id),
            overlay=overlay, comment=comment, admin=admin_user(platform),
            history_id=platform.store.next_id(), active=platform.config.faults,
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


@web.admin_only(account=True)
async def apply_update_request(request: Request, platform: Platform) -> Response:
    """PUT …/update_requests/:id/apply with ``accepted`` (true applies, false ignores), ``overlay``, ``comment``."""
    reg, found = _update_request(request, platform)
    params = await web.params(request)
    await decide(platform, reg, found, accepted=_accepted(params), overlay=params.get("overlay"), comment=params.get("comment"))
    return web.json_response(updates.request_json(reg, found, platform.config.faults))


def _whole(raw: str) -> int:
    """A paging number in ASCII digits (``ValueError`` otherwise, and past 18 digits)."""
    value = web.parse_id(raw.strip())
    if value is None:
        raise ValueError(raw)
    return value


@web.admin_only(account=True)
async def history(request: Request, platform: Platform) -> Response:
    """GET …/lti_registrations/:registration_id/history, newest first, paged with a ``Link`` header."""
    reg = _registration(request, platform)
    try:
        page = max(1, _whole(request.query_params.get("page", "1")))
        per_page = min(100, max(1, _whole(request.query_params.get("per_page", "10"))))
    except ValueError:
        raise web.api_error("page and per_page must be whole numbers", 400) from None
    entries = list(reversed(reg.history))
    chunk = entries[(page - 1) * per_page: page * per_page]
    base = f"{web.base_url(request)}{request.url.path}"
    links = [f'<{base}?page=1&per_page={per_page}>; rel="first"']
    if page * per_page < len(entries):
        links.append(f'<{base}?page={page + 1}&per_page={per_page}>; rel="next"')
    return web.json_response(chunk, headers={"Link": ", ".join(links)})


def _flag_json(feature: str, account_id: str, on: bool) -> dict[str, Any]:
    return {"feature": feature, "context_type": "Account", "context_id": account_id, "state": "on" if on else "off", "locked": False}


@web.admin_only(account=True)
async def feature_flag(request: Request, platform: Platform) -> Response:
    """GET/PUT /api/v1/accounts/:account_id/features/flags/:feature with ``state``."""
    feature = request.path_params["feature"]
    if feature not in KNOWN_FLAGS:
        raise web.api_error(f"There is no feature named {feature}.", 404)
    account = platform.config.account_id
    if request.method == "PUT":
        state = (await web.params(request)).get("state")
        if state not in FLAG_STATES:
            raise web.api_error("state must be one of on, off, allowed, allowed_on", 400)
        platform.store.set_flag(account, feature, FLAG_STATES[state])
    on = platform.store.flag(account, feature, platform.config.flags.get(feature, KNOWN_FLAGS[feature]))
    return web.json_response(_flag_json(feature, account, on))


ROUTES = [
    Route("/api/v1/accounts/{account_id}/lti_registrations", list_registrations, methods=["GET"]),
    Route("/api/v1/accounts/{account_id}/lti_registrations/{registration_id}", show_registration, methods=["GET"]),
    Route("/api/v1/accounts/{account_id}/lti_registrations/{registration_id}/update_requests/{update_request_id}", show_update_request, methods=["GET"]),
    Route("/api/v1/accounts/{account_id}/lti_registrations/{registration_id}/update_requests/{update_request_id}/apply", apply_update_request, methods=["PUT"]),
    Route("/api/v1/accounts/{account_id}/lti_registrations/{registration_id}/history", history, methods=["GET"]),
    Route("/api/v1/accounts/{account_id}/features/flags/{feature}", feature_flag, methods=["GET", "PUT"]),
]
