"""Test support under ``/_mock/``, not Canvas routes: an expired registration token, the active fault
switches, the throttle bucket's size, what tools sent to the registration routes, the memberships (NRPS)
requests tools made, and the LTI 1.1 sourcedid a launch would carry."""

from __future__ import annotations

import json
from urllib.parse import urlsplit

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from . import ags, oauth, outcomes, web
from .config import Platform


@web.admin_only(account=True)
async def expired_registration_token(request: Request, platform: Platform) -> Response:
    """GET /_mock/accounts/:account_id/expired_registration_token: a registration token that expired two minutes ago."""
    token, _ = oauth.issue_registration_token(
        platform.secret,
        account_id=platform.config.account_id,
        domain=urlsplit(web.base_url(request)).netloc,
        user_id=platform.config.admin_user_id,
        registration_url="",
        active=set(),
        lifetime=-120,
    )
    return web.json_response({"token": token})


async def active_faults(request: Request) -> Response:
    """GET /_mock/faults: the fault switches this instance runs with."""
    return web.json_response({"faults": sorted(web.platform_of(request).config.faults)})


@web.admin_only()
async def throttle_settings(request: Request, platform: Platform) -> Response:
    """PUT /_mock/throttle {"high_water_mark": n}: a bucket that ``n`` requests fill (each costs 1, none drains
    while n < 600), so tests can reach the 403; 600 or more restores a draining bucket."""
    try:
        body = json.loads((await request.body()).decode("utf-8") or "{}")
        mark = float(body["high_water_mark"])
    except (ValueError, KeyError, TypeError, UnicodeDecodeError):
        raise web.api_error("send {\"high_water_mark\": <number of requests>}", 400) from None
    if not 1 <= mark <= 100000:
        raise web.api_error("high_water_mark must be between 1 and 100000", 400)
    request.app.state.throttle = ags.Throttle(high_water_mark=mark, cost=1.0, outflow=0.0 if mark < 600 else 10.0)
    return web.json_response({"high_water_mark": mark})


@web.admin_only()
async def recorded(request: Request, platform: Platform) -> Response:
    """GET /_mock/recorded: what tools sent to the registration routes, newest last (admin only)."""
    return web.json_response(request.app.state.recorded)


@web.admin_only()
async def recorded_memberships(request: Request, platform: Platform) -> Response:
    """GET /_mock/recorded/names_and_roles: the memberships requests tools made, oldest first (admin only): each
    with the token's client id (None when it was refused), course id, query, status and, when a page was served,
    its number, size and the number of pages."""
    return web.json_response(platform.nrps_requests)


@web.admin_only()
async def sourced_id(request: Request, platform: Platform) -> Response:
    """GET /_mock/lti11/sourcedid?tool_id&course_id&assignment_id&user_id: what an LTI 1.1 launch would carry."""
    q = request.query_params
    course_id, assignment_id, user_id = (web.parse_id(q.get(name, "")) for name in ("course_id", "assignment_id", "user_id"))
    if "tool_id" not in q or course_id is None or assignment_id is None or user_id is None:
        raise web.api_error("tool_id, course_id, assignment_id and user_id (numbers) are required", 400)
    return web.json_response({"lis_result_sourcedid": outcomes.sourced_id(platform.secret, q["tool_id"], course_id, assignment_id, user_id)})


ROUTES = [
    Route("/_mock/accounts/{account_id}/expired_registration_token", expired_registration_token, methods=["GET"]),
    Route("/_mock/faults", active_faults, methods=["GET"]),
    Route("/_mock/throttle", throttle_settings, methods=["PUT"]),
    Route("/_mock/recorded", recorded, methods=["GET"]),
    Route("/_mock/recorded/names_and_roles", recorded_memberships, methods=["GET"]),
    Route("/_mock/lti11/sourcedid", sourced_id, methods=["GET"]),
]
