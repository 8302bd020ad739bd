"""The mock Canvas platform as a Starlette app: the routes of every area, the input limits, the error
handlers and the per-app state.

Build one with :func:`create_app`; serve it with ``lti-harness serve platform``.
"""

from __future__ import annotations

import secrets

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.routing import BaseRoute

from lti_harness.harness import inbound, outbound
from lti_harness.harness.statedb import FlushBeforeResponse

from . import admin_pages, ags, courses_admin, deep_linking, devkeys, dynreg, launches, nrps, oauth, outcomes, registrations_admin, rest, testing, token_endpoint, validation, web
from .config import Platform, PlatformConfig
from .faults import check_names
from .sqlstore import SqliteStore
from .store import MemoryStore, Store

__all__ = ["PlatformConfig", "create_app"]

ROUTES: list[BaseRoute] = [
    *dynreg.ROUTES,
    *ags.ROUTES,
    *token_endpoint.ROUTES,
    *testing.ROUTES,
    *registrations_admin.ROUTES,
    *devkeys.ROUTES,
    *rest.ROUTES,
    *courses_admin.ROUTES,
    *outcomes.ROUTES,
    *launches.ROUTES,
    *deep_linking.ROUTES,
    *nrps.ROUTES,
    *admin_pages.ROUTES,  # the admin's browser pages (/admin)
]
# The router tries routes in order, each a regular expression: the busiest paths (a tool's every grade and
# line-item read, the configuration every registration reads) come first. No other route matches them.
BUSIEST = ("/api/lti/courses/{course_id}/line_items/{item_id}/scores", "/api/lti/courses/{course_id}/line_items",
           "/api/lti/security/openid-configuration", "/api/lti/security/jwks")
ROUTES.sort(key=lambda route: BUSIEST.index(route.path) if getattr(route, "path", None) in BUSIEST else len(BUSIEST))


def create_app(config: PlatformConfig | None = None, store: Store | None = None) -> Starlette:
    """A mock Canvas platform; ``config.faults`` names the fault switches to turn on."""
    config = config or PlatformConfig()
    config.faults = check_names(config.faults)
    oauth.forget_jwks()  # a port an earlier platform fetched from may serve another JWKS now
    # the body is read under the limits, then the request is judged by its operation's schemas (one layer)
    schema = validation.RequestValidation("platform", reply=lambda status, body: web.Refusal(status, body).response())
    limits = Middleware(inbound.InputLimits, limits=web.LIMITS, error=lambda status, message: web.api_error(message, status).response(), judge=schema)
    app = Starlette(
        routes=list(ROUTES),
        middleware=[limits],
        exception_handlers={
            web.Refusal: web.refusal_response,
            HTTPException: web.http_error_response,
            Exception: web.internal_error_response,
        },
        lifespan=outbound.closing,
    )
    app.state.outbound = outbound.Fetcher()  # its outbound HTTP client (JWKS of client assertions), closed on shutdown
    app.state.throttle = ags.Throttle(high_water_mark=config.throttle_high_water_mark)
    if store is None:  # a state file that is in use or not a platform's raises StateFileError
        store = SqliteStore(config.db) if config.db else MemoryStore()
    if isinstance(store, SqliteStore):  # what a request changed is saved before it is answered
        app.add_middleware(FlushBeforeResponse, flush=store.flush, changed=lambda: store.written,
                           failure_body=b'{"errors":[{"message":"The state could not be saved."}]}')
    app.state.legacy_tools = {tool_id: c.id for c in store.courses() for tool_id in c.legacy_tools}  # LTI 1.1 tool id -> course id
    app.state.outcome_nonces = store.outcome_nonces()
    app.state.recorded = []
    app.state.pending_launches = {}  # verifier -> launches.PendingLaunch (login initiations sent, one authorization each)
    secret = store.keep("registration_token_secret", lambda: secrets.token_urlsafe(32))
    app.state.platform = Platform(config=config, store=store, secret=secret, signing_key=store.signing_key())
    return app

