"""Admin actions on a platform, behind one small interface.

The built-in ``canvas`` adapter calls Canvas's own admin REST routes (the mock platform
implements the same routes, so one adapter drives both). A vendor with another platform writes
a class with the same methods and names it in the profile (``adapter = "pkg.module:Class"``) or
registers it under the ``lti_harness.adapters`` entry-point group.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from importlib.metadata import entry_points
from typing import Any, Protocol

from . import schemas
from .client import Client, TargetBadResponse, json_body
from .profile import PlatformTarget


class NotSupported(Exception):
    """The target cannot do this admin action; checks needing it are not applicable."""


class AdminActionFailed(Exception):
    """An admin action was refused or answered unexpectedly; the message says how."""


@dataclass(frozen=True)
class RegistrationToken:
    uuid: str
    oidc_configuration_url: str
    token: str
    raw: dict[str, Any]


class Adapter(Protocol):
    name: str

    def registration_token(self) -> RegistrationToken:
        """Issue a fresh registration token, as an admin starting dynamic registration would."""

    def expired_registration_token(self) -> str:
        """A registration token whose lifetime is over (``NotSupported`` if none can be had)."""


# Canvas admin routes used by the canvas adapter, in one place so a vendor can override them.
CANVAS_ROUTES: dict[str, str] = {
    "registration_token": "/api/lti/accounts/{account_id}/registration_token",
    # Test-support route of this project's mock platform only (capability ``mock_controls``).
    "mock_expired_registration_token": "/_mock/accounts/{account_id}/expired_registration_token",
    "mock_faults": "/_mock/faults",
}


class CanvasAdapter:
    """Drives Canvas (or the mock platform) through Canvas's admin REST API with an admin token."""

    name = "canvas"
    routes = CANVAS_ROUTES

    def __init__(self, target: PlatformTarget, client: Client) -> None:
        self.target = target
        self.client = client
        self._is_mock: bool | None = target.declared("mock_controls")

    def is_mock(self) -> bool:
        """Whether the target offers the mock's test-support routes (declared, or probed once)."""
        if self._is_mock is None:
            response = self.client.get(self.target.base_url + self.routes["mock_faults"], headers={"Accept": "application/json"})
            try:
                body = response.json() if response.status_code == 200 else None
            except ValueError:
                body = None
            self._is_mock = isinstance(body, dict) and isinstance(body.get("faults"), list)
        return self._is_mock

    def _url(self, route: str, **params: str) -> str:
        return self.target.base_url + self.routes[route].format(account_id=self.target.account_id, **params)

    def _admin_headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.target.admin_token}", "Accept": "application/json"}

    def registration_token(self) -> RegistrationToken:
        response = self.client.get(self._url("registration_token"), headers=self._admin_headers())
        if response.status_code != 200:
            raise AdminActionFailed(
                f"issuing a registration token failed: {response.status_code} from "
                f"GET {self.routes['registration_token']} (check [platform] admin_token and account_id)"
            )
        body = json_body(response)
        problems = schemas.errors("registration_token_response", body)
        if not isinstance(body, dict) or not isinstance(body.get("token"), str):
            raise TargetBadResponse(f"registration token response has no token: {problems}")
        return RegistrationToken(
            uuid=str(body.get("uuid", "")),
            oidc_configuration_url=str(body.get("oidc_configuration_url", "")),
            token=body["token"],
            raw=body,
        )

    def expired_registration_token(self) -> str:
        if self.target.expired_registration_token:
            return self.target.expired_registration_token
        if not self.is_mock():
            raise NotSupported(
                "no expired registration token: set [platform] expired_registration_token to a token "
                "issued more than an hour ago"
            )
        response = self.client.get(self._url("mock_expired_registration_token"), headers=self._admin_headers())
        if response.status_code != 200:
            raise AdminActionFailed(f"mock test-support route answered {response.status_code}")
        return str(json_body(response)["token"])


def load_adapter(target: PlatformTarget, client: Client) -> Adapter:
    """The adapter the profile names: ``canvas``, an entry point, or ``module:Class``."""
    name = target.adapter
    if name == "canvas":
        return CanvasAdapter(target, client)
    found = [ep for ep in entry_points(group="lti_harness.adapters") if ep.name == name]
    if found:
        cls = found[0].load()
    elif ":" in name:
        module, _, attr = name.partition(":")
        try:
            cls = getattr(importlib.import_module(module), attr)
        except (ImportError, AttributeError) as exc:
            raise ValueError(f"[platform] adapter {name!r} cannot be loaded: {exc}") from None
    else:
        raise ValueError(f"[platform] adapter {name!r} is unknown (use 'canvas' or 'module:Class')")
    return cls(target, client)
