"""What the admin-pages tests share: a mock platform served on loopback, a tool registered on it (the
mock tool serves its JWKS) that submits an update request, and the tool's view of its tokens."""

from __future__ import annotations

import copy
import re
from dataclasses import dataclass
from typing import Any, Callable

import httpx

from lti_harness import mock_platform, mock_tool
from lti_harness.harness import dynreg, keys
from lti_harness.vocab import LINEITEM_READONLY_SCOPE, LINEITEM_SCOPE, REG_READ_SCOPE, REG_SCOPE, SCORE_SCOPE, TOOL_CONFIG

ADMIN_TOKEN = "pages-admin-token-0001"
ADMIN = {"Authorization": f"Bearer {ADMIN_TOKEN}"}
FIRST_SCOPES = [REG_SCOPE, REG_READ_SCOPE, LINEITEM_READONLY_SCOPE]
ADDED_SCOPES = [SCORE_SCOPE, LINEITEM_SCOPE]
OLD_NAME, NEW_NAME = "Gradebook Helper", "Gradebook Helper Pro"
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


@dataclass
class World:
    """A served platform, its client with the admin token, and a tool registered on it."""

    url: str
    client: httpx.Client
    reg_id: str
    client_id: str
    body: dict[str, Any]
    token: Callable[[list[str]], httpx.Response]

    def admin(self, rest: str = "") -> str:
        return f"/api/v1/accounts/1/lti_registrations/{self.reg_id}{rest}"

    def submit_update(self) -> int:
        """The tool asks for two more scopes, a new name, a new placement and another custom parameter; the request's id."""
        access = self.token([REG_SCOPE]).json()["access_token"]
        answer = self.client.put(f"/api/lti/registrations/{self.reg_id}/configuration", json=updated(self.body),
                                 headers={"Authorization": f"Bearer {access}"})
        assert answer.status_code == 200, answer.text
        pending = self.client.get(self.admin(), headers=ADMIN).json()["pending_update"]
        assert pending and pending["status"] == "pending"
        return int(pending["id"])

    def key_scopes(self) -> list[str]:
        found = [k for k in self.client.get("/api/v1/accounts/1/developer_keys", headers=ADMIN).json() if k["id"] == self.client_id]
        return found[0]["scopes"]

    def history(self) -> list[dict[str, Any]]:
        answer = self.client.get(self.admin("/history"), headers=ADMIN)
        assert answer.status_code == 200
        return answer.json()


def updated(body: dict[str, Any]) -> dict[str, Any]:
    """The tool's update: scopes added, renamed, a placement added, a custom parameter changed and one added."""
    new = copy.deepcopy(body)
    new["client_name"] = NEW_NAME
    new["scope"] = " ".join([*FIRST_SCOPES, *ADDED_SCOPES])
    tool = new[TOOL_CONFIG]
    tool["custom_parameters"] = {"harness": "updated", "course": "$Canvas.course.id"}
    tool["messages"].append({"type": "LtiResourceLinkRequest", "label": "Helper in the account", "placements": ["account_navigation"]})
    return new


def make_world(serve: Callable[[Any], str], **config: Any) -> World:
    """A platform (``config``: PlatformConfig settings) and a tool registered through dynamic registration."""
    url = serve(mock_platform.create_app(mock_platform.PlatformConfig(admin_token=ADMIN_TOKEN, **config)))
    client = httpx.Client(base_url=url, timeout=10)
    token = client.get("/api/lti/accounts/1/registration_token", headers=ADMIN).json()["token"]
    return register(serve, client, f"{url}/api/lti/registrations", token)


def register(serve: Callable[[Any], str], client: httpx.Client, endpoint: str, registration_token: str) -> World:
    """The tool (its JWKS served by a mock tool on loopback) registers at ``endpoint`` with ``registration_token``."""
    key = keys.generate()
    tool_url = serve(mock_tool.create_app(mock_tool.ToolConfig(signing_keys=[key])))
    url = str(client.base_url).rstrip("/")
    body = dynreg.sample_registration(tool_url, f"{tool_url}/.well-known/jwks.json", scopes=FIRST_SCOPES, name=OLD_NAME)
    answer = client.post(endpoint, json=body, headers={"Authorization": f"Bearer {registration_token}"})
    assert answer.status_code == 200, answer.text
    registered = answer.json()

    def lti_token(scopes: list[str]) -> httpx.Response:
        assertion = keys.client_assertion(key, registered["client_id"], f"{url}/login/oauth2/token")
        return client.post("/login/oauth2/token", data={
            "grant_type": "client_credentials", "client_assertion_type": "urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
            "client_assertion": assertion, "scope": " ".join(scopes)})

    reg_id = registered["registration_client_uri"].rsplit("/", 1)[1]
    return World(url, client, reg_id, registered["client_id"], body, lti_token)


def csrf_of(page: str) -> str:
    """The CSRF token a page's forms carry."""
    found = CSRF.search(page)
    assert found, "the page has no form with a CSRF token"
    return found.group(1)


def sign_in(client: httpx.Client, token: str = ADMIN_TOKEN) -> httpx.Response:
    """Open the sign-in page and post the admin token with its CSRF token (the client keeps the cookie)."""
    form = client.get("/admin/login")
    assert form.status_code == 200
    return client.post("/admin/login", data={"csrf_token": csrf_of(form.text), "admin_token": token})
