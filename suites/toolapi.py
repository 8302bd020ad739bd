"""A client for a tool's platform-registrations API (seed 001) that deletes what a check created,
registration bodies with a unique issuer and client ID, and the documented error envelope."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import Any, Callable

import httpx
import pytest

from harness import keys
from harness.client import TargetError, json_body
from harness.launch import Launch, PlatformIdentity, launch
from harness.plugin import not_applicable
from harness.session import HarnessSession

PATH = "/v1/platform/lti/registrations"
CODES = {400: "platform_invalid_request", 401: "platform_unauthorized", 404: "platform_not_found", 409: "platform_conflict"}
FIELDS = ("name", "platformIssuer", "platformAuthorizationEndpoint", "platformTokenEndpoint", "platformJwksUrl", "clientId", "deploymentId")


def body(**overrides: Any) -> dict[str, Any]:
    """A complete create body; the issuer and client ID are unique, so no earlier run can collide."""
    tag = uuid.uuid4().hex[:10]
    out = {
        "name": f"Harness LMS {tag}",
        "platformIssuer": f"https://lms-{tag}.harness.invalid",
        "platformAuthorizationEndpoint": f"https://lms-{tag}.harness.invalid/api/lti/authorize_redirect",
        "platformTokenEndpoint": f"https://lms-{tag}.harness.invalid/login/oauth2/token",
        "platformJwksUrl": f"https://lms-{tag}.harness.invalid/api/lti/security/jwks",
        "clientId": f"1000000{int(tag[:6], 16)}",
        "deploymentId": "1",
    }
    out.update(overrides)
    return out


@dataclass
class ToolApi:
    session: HarnessSession
    base_url: str
    api_key: str = field(repr=False)
    created: list[str] = field(default_factory=list)

    def request(self, method: str, path: str = "", *, json: Any = None, params: dict[str, Any] | None = None, key: str | None = "") -> httpx.Response:
        headers = {"Accept": "application/json"}
        if key is not None:
            headers["Authorization"] = f"Bearer {key or self.api_key}"
        kwargs: dict[str, Any] = {"headers": headers, "params": params}
        if json is not None:
            kwargs["json"] = json
        return self.session.client.request(method, f"{self.base_url}{PATH}{path}", **kwargs)

    def create(self, sent: dict[str, Any]) -> dict[str, Any]:
        response = self.request("POST", json=sent)
        assert response.status_code in (200, 201), f"creating a registration answered {response.status_code}: {response.text[:300]}"
        made = json_body(response)
        assert isinstance(made, dict) and isinstance(made.get("id"), str) and made["id"], f"the created registration has no id: {made!r}"
        self.created.append(made["id"])
        return made

    def get(self, reg_id: str) -> httpx.Response:
        return self.request("GET", f"/{reg_id}")

    def list_all(self, take: int = 2, **params: Any) -> list[dict[str, Any]]:
        """Every page of the list in order, following meta.hasNextPage (bounded)."""
        seen: list[dict[str, Any]] = []
        for page in range(1, 200):
            response = self.request("GET", params={"page": page, "take": take, **params})
            assert response.status_code == 200, f"listing page {page} answered {response.status_code}: {response.text[:200]}"
            answer = json_body(response)
            seen += answer["data"]
            if not answer["meta"]["hasNextPage"]:
                return seen
        raise AssertionError("the list never ended (hasNextPage stayed true for 200 pages)")

    def cleanup(self) -> None:
        for reg_id in self.created:
            try:
                self.request("DELETE", f"/{reg_id}")
            except TargetError:
                return


def expect_error(response: httpx.Response, status: int, *, naming: str | None = None) -> dict[str, Any]:
    """The documented envelope ``{"error": {"code", "message", "status"}}`` with the code of ``status``."""
    assert response.status_code == status, f"answered {response.status_code}, expected {status}: {response.text[:300]}"
    found = json_body(response)
    inner = found.get("error") if isinstance(found, dict) else None
    assert isinstance(inner, dict), f'the error is not {{"error": {{"code", "message", "status"}}}}: {response.text[:300]}'
    assert inner.get("code") == CODES[status], f"error code {inner.get('code')!r}, expected {CODES[status]}"
    assert inner.get("status") == status, f"error.status {inner.get('status')!r}, expected {status}"
    assert isinstance(inner.get("message"), str) and inner["message"], "the error has no message"
    if naming is not None:
        assert naming in inner["message"], f"the message {inner['message']!r} does not name {naming}"
    return inner


@dataclass
class Registered:
    """The harness, registered in the tool as a platform: launch through it, with optional tampering."""

    session: HarnessSession
    ident: PlatformIdentity
    login_url: str
    launch_url: str
    client_id: str
    deployment_id: str
    reg: dict[str, Any] = field(default_factory=dict)  # the registration object, when made through the API
    login_params: dict[str, str] = field(default_factory=dict)

    def launch(self, tamper: Callable[[dict[str, Any]], None] | None = None, signer: keys.KeyPair | None = None) -> Launch:
        return launch(self.session.client, self.ident, self.login_url, self.launch_url, self.client_id, self.deployment_id,
                      tamper=tamper, signer=signer, login_params=self.login_params)


def register_as_platform(session: HarnessSession, api: ToolApi) -> Registered:
    """The harness registered through the tool's registrations API, serving its JWKS for the tool to fetch."""
    ident = session.as_platform
    if not ident.reachable:
        not_applicable(ident.why_unreachable)
    reg = api.create(body(platformIssuer=ident.issuer, platformAuthorizationEndpoint=ident.authorization_endpoint,
                          platformJwksUrl=ident.jwks_url, platformTokenEndpoint=f"{ident.issuer}/token",
                          clientId=f"harness-{uuid.uuid4().hex[:10]}", deploymentId=f"dep-{uuid.uuid4().hex[:6]}"))
    return Registered(session, ident, reg["toolLoginUrl"], reg["toolLaunchUrl"], reg["clientId"], reg["deploymentId"] or "", reg)


def configured_registration(session: HarnessSession) -> Registered:
    """The registration the profile's [tool.launch] says was configured in the tool beforehand."""
    tool = session.profile.tool
    assert tool is not None and tool.launch is not None
    given = tool.launch
    return Registered(session, session.as_platform, given.login_url, given.launch_url, given.client_id, given.deployment_id,
                      login_params=given.login_params)


def _answer(response: httpx.Response) -> str:
    where = f" to {response.headers.get('location', '')[:120]!r}" if response.is_redirect else ""
    return f"{response.status_code}{where}: {response.text[:200]!r}"


def accepted(result: Launch) -> bool:
    """The launch went through: a 2xx page, or a redirect that hands the user to another site (redirects
    within the tool's own origin were followed)."""
    return result.response is not None and (result.response.status_code < 300 or result.response.is_redirect)


def assert_accepted(result: Launch, what: str) -> None:
    assert result.response is not None, f"{what}: {result.login_refusal()}"
    assert accepted(result), f"{what}: the tool answered {_answer(result.response)}"


def assert_refused(result: Launch, what: str) -> None:
    if result.response is None:
        return  # refused at login
    assert 400 <= result.response.status_code < 500, f"{what}: the tool answered {_answer(result.response)}; expected a 4xx refusal"


@pytest.fixture
def api(tool_target: HarnessSession):
    """A client for the target tool's registrations API; what a check created is deleted afterwards."""
    tool = tool_target.profile.tool
    assert tool is not None
    if tool.api_key is None:
        not_applicable("the profile gives no [tool] api_key: the tool's platform-registrations API (seed 001) is not tested")
    client = ToolApi(tool_target, tool.base_url, tool.api_key)
    yield client
    client.cleanup()
