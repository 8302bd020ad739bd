"""The mock platform's settings and its per-app state: :class:`PlatformConfig` and :class:`Platform`."""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from typing import Any

from lti_harness.harness import keys

from . import faults
from .store import Store


@dataclass
class PlatformConfig:
    """How the mock platform behaves; ``faults`` switch on documented bugs."""

    admin_token: str = field(default_factory=lambda: secrets.token_urlsafe(24), repr=False)
    account_id: str = "1"
    issuer: str | None = None
    faults: set[str] = field(default_factory=set)
    jwks_loopback_only: bool = True
    admin_user_id: int = 1
    flags: dict[str, bool] = field(default_factory=dict)  # feature flag defaults (lti_dr_registrations_update: on)
    authorize_needs_browser: bool = False  # as real Canvas: the authorize step redirects to the login page
    throttle_high_water_mark: float = 600.0  # Canvas's LTI bucket (canvas-facts §4); a request costs 0.01
    # Not a fault: a behaviour the documents allow (seed 004 invalidates tokens when a key loses a scope).
    # Every update applied to a registration, and every one ignored, invalidates its key's access tokens,
    # so a check that reuses a token from before the change gets 401.
    invalidate_tokens_on_update: bool = False
    # Not a fault: the default and largest NRPS page (Canvas's MembershipsProvider::MAX_PAGE_SIZE, 50). A smaller
    # one makes a course of a few members span several pages (the tool-side NRPS check's counterpart platform).
    nrps_page_size: int = 50
    db: str | None = None  # a SQLite state file (``serve --db``): state, ids and keys survive a restart; None keeps all in memory


@dataclass
class Platform:
    """One app's platform: its settings, its state, the registration-token secret and its signing key;
    what it has worked out once and serves again: registration tokens it verified (token -> claims)
    and its rendered OpenID configurations (per base URL and settings); and the memberships requests
    tools made (test support, bounded by ``nrps.LOG_MAX``)."""

    config: PlatformConfig
    store: Store
    secret: str
    signing_key: keys.KeyPair
    verified_tokens: dict[str, dict[str, Any]] = field(default_factory=dict, repr=False)
    openid_documents: dict[tuple[Any, ...], bytes] = field(default_factory=dict, repr=False)
    nrps_requests: list[dict[str, Any]] = field(default_factory=list, repr=False)  # the NRPS log (GET /_mock/recorded/names_and_roles)

    def has(self, fault: str) -> bool:
        """Whether the fault switch ``fault`` (a constant of ``faults``) is on."""
        return fault in self.config.faults or faults.on((), fault)  # off: one set lookup; never declared: KeyError
