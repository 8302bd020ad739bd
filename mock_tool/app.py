"""The mock tool app. For now it publishes the tool's JWKS, which a platform fetches to verify the
tool's client assertions (ims-facts.md §3.2); the LTI launch and registrations API come later."""

from __future__ import annotations

from dataclasses import dataclass, field

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from harness import keys

JWKS_PATH = "/.well-known/jwks.json"


@dataclass
class ToolConfig:
    signing_keys: list[keys.KeyPair] = field(default_factory=lambda: [keys.generate()])


async def jwks(request: Request) -> JSONResponse:
    config: ToolConfig = request.app.state.config
    return JSONResponse(keys.jwks(*config.signing_keys), headers={"Cache-Control": "max-age=60"})


async def health(request: Request) -> JSONResponse:
    return JSONResponse({"status": "ok"})


def create_app(config: ToolConfig | None = None) -> Starlette:
    """A mock tool publishing ``config.signing_keys`` at ``/.well-known/jwks.json``."""
    app = Starlette(routes=[Route(JWKS_PATH, jwks), Route("/health", health)])
    app.state.config = config or ToolConfig()
    return app
