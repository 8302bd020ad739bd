"""The mock tool app: the LTI tool the harness tests platforms with (it publishes the harness's
JWKS, which a platform fetches to verify the tool's client assertions, ims-facts.md §3.2), and a
TutorFlow-style tool with its platform-registrations API (seed 001) for the tool-side suites."""

from __future__ import annotations

import json

from jwt.algorithms import RSAAlgorithm
from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from lti_harness.harness import inbound, keys, outbound

from . import dynreg, launch, registrations
from .config import ToolConfig, config_of
from . import faults
from .faults import check_names

JWKS_PATH = "/.well-known/jwks.json"
TOOL_JWKS_PATH = "/v1/platform/lti/.well-known/jwks.json"
LIMITS = inbound.Limits(max_body=256 * 1024)  # body size, JSON depth and form fields (README "Serving the mocks")


async def jwks(request: Request) -> JSONResponse:
    config = config_of(request)
    document = keys.jwks(*config.signing_keys)
    if config.has(faults.JWKS_PRIVATE_MEMBERS):  # the bug: the private JWK published under the public one's kid
        document = {"keys": [{**json.loads(RSAAlgorithm.to_jwk(pair.private_key)), **jwk} for pair, jwk in zip(config.signing_keys, document["keys"])]}
    return JSONResponse(document, headers={"Cache-Control": "max-age=60"})


async def health(request: Request) -> JSONResponse:
    return JSONResponse({"status": "ok"})


async def _not_found(request: Request, exc: Exception) -> Response:
    status = getattr(exc, "status_code", 404)
    if status == 405:
        allow = inbound.allowed_methods(request.scope, request.app.router.routes)
        return JSONResponse({"error": {"code": "platform_invalid_request", "message": "method not allowed", "status": 405}}, 405,
                            headers={"Allow": allow})
    return registrations.error(404, "Not found")


async def _internal(request: Request, exc: Exception) -> Response:
    return Response("<html><body><h1>Internal Server Error</h1></body></html>", 500, media_type="text/html")


def create_app(config: ToolConfig | None = None) -> Starlette:
    """A mock tool publishing ``config.signing_keys`` and serving the registrations API."""
    config = config or ToolConfig()
    config.faults = check_names(config.faults)
    routes = [Route(JWKS_PATH, jwks), Route(TOOL_JWKS_PATH, jwks), Route("/health", health), *registrations.ROUTES, *launch.ROUTES, *dynreg.ROUTES]
    limits = Middleware(inbound.InputLimits, limits=LIMITS, error=registrations.error)
    app = Starlette(routes=routes, middleware=[limits], exception_handlers={HTTPException: _not_found, Exception: _internal},
                    lifespan=outbound.closing)
    app.state.outbound = outbound.Fetcher()  # its outbound HTTP client (platform JWKS of launches), closed on shutdown
    app.state.config = config
    app.state.registrations = registrations.RegistrationStore()
    app.state.launch_states = {}  # login state → its nonce and registration (mock_tool.launch bounds it)
    app.state.launches = []
    if config.db:  # registrations and signing keys come from the file (StateFileError when it is in use or not a tool's)
        from .store import attach

        attach(app, config)
    return app
