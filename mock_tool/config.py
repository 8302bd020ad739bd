"""The mock tool's settings: :class:`ToolConfig`, and :func:`config_of` to read them in a handler."""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field

from starlette.requests import Request

from lti_harness.harness import keys

from . import faults


@dataclass
class ToolConfig:
    """How the mock tool behaves; ``faults`` switch on documented bugs."""

    signing_keys: list[keys.KeyPair] = field(default_factory=lambda: [keys.generate()])
    api_key: str = field(default_factory=lambda: f"tf_platform_{secrets.token_urlsafe(24)}", repr=False)
    faults: set[str] = field(default_factory=set)
    loopback_only: bool = True  # fetch platform configurations and JWKS only from loopback addresses
    # URL prefixes of OpenID configurations the DR initiation may fetch without the API key (the
    # operator's consent; ``serve tool --allow-dr-from``). A prefix without a port allows any port.
    dr_allowed: tuple[str, ...] = ()
    db: str | None = None  # a SQLite state file (``serve --db``): registrations and signing keys survive a restart

    def has(self, fault: str) -> bool:
        """Whether the fault switch ``fault`` (a constant of ``faults``) is on."""
        return faults.on(self.faults, fault)


def config_of(request: Request) -> ToolConfig:
    """The settings of the app serving ``request``."""
    config: ToolConfig = request.app.state.config
    return config
