"""A client for a tool's platform-registrations API (seed 001) that deletes what a check created,
registration bodies with a unique issuer and client ID, the documented error envelope, and the harness
registered in the tool as a platform (once per run) to launch it, and to send it deep-linking requests."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import Any, Callable, Iterator

import httpx
import pytest

from lti_harness.harness import keys, results
from lti_harness.harness.client import TargetError, json_body
from lti_harness.harness.launch import Answer, DeepLinkReturn, Launch, PlatformIdentity, deep_linking_return, deep_linking_settings, launch
from lti_harness.harness.plugin import not_applicable
from lti_harness.harness.session import HarnessSession

PATH = "/v1/platform/lti/registrations"
CODES = {400: "platform_invalid_request", 401: "platform_unauthorized", 404: "platform_not_found", 409: "platform_conflict"}
MAX_PAGES = 10_000  # a list longer than this many pages is taken as never ending
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
        """Every page of the list in order, following meta.hasNextPage. A list still going after
        ``MAX_PAGES`` pages ends the check ``error``: the harness cannot tell what it holds."""
        seen: list[dict[str, Any]] = []
        for page in range(1, MAX_PAGES + 1):
            response = self.request("GET", params={"page": page, "take": take, **params})
            assert response.status_code == 200, f"listing page {page} answered {response.status_code}: {response.text[:200]}"
            answer = json_body(response)
            seen += answer["data"]
            if not answer["meta"]["hasNextPage"]:
                return seen
        results.cannot_test(f"the registrations list did not end within {MAX_PAGES} pages of {take} (meta.hasNextPage stayed true), "
                            "so the harness cannot compare it with what it holds")
        raise AssertionError("unreachable")

    def delete(self, reg_id: str) -> httpx.Response:
        """DELETE a registration; one that answers 200 or 404 is gone, noted in the report and not deleted again."""
        response = self.request("DELETE", f"/{reg_id}")
        if response.status_code in (200, 204, 404) and reg_id in self.created:
            self.created.remove(reg_id)
            self.session.note_created(f"tool registration {reg_id} at {self.base_url}")
        return response

    def cleanup(self) -> None:
        """Delete what was created; each is listed in the report, saying whether it is gone."""
        for reg_id in self.created:
            if not reg_id:
                continue
            try:
                gone = self.request("DELETE", f"/{reg_id}").status_code in (200, 204, 404)
            except TargetError:
                gone = False
            self.session.note_created(f"tool registration {reg_id} at {self.base_url}" + ("" if gone else " (not deleted)"))
        self.created.clear()


def expect_error(response: httpx.Response, status: int, *, naming: str | None = None) -> dict[str, Any]:
    """The documented envelope ``{"error": {"code", "message", "status"}}`` with the code of ``status``."""
    rule = f'seed 001 "Error Responses" ({status} {CODES[status]})'
    assert response.status_code == status, f"{rule}: answered {response.status_code}, expected {status}: {response.text[:300]}"
    found = json_body(response)
    inner = found.get("error") if isinstance(found, dict) else None
    assert isinstance(inner, dict), f'{rule}: the error is not {{"error": {{"code", "message", "status"}}}}: {response.text[:300]}'
    assert inner.get("code") == CODES[status], f"{rule}: error code {inner.get('code')!r}, expected {CODES[status]}"
    assert inner.get("status") == status, f"{rule}: error.status {inner.get('status')!r}, expected {status}"
    assert isinstance(inner.get("message"), str) and inner["message"], f"{rule}: the error has no message"
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
    deep_linking_url: str = ""  # where deep-linking requests go; "" = launch_url
    tool_jwks_url: str = ""  # the tool's public JWKS ("" when the harness knows none)
    deep_linking_declared: bool = False  # the profile names where the tool takes deep-linking requests

    @property
    def refused_text(self) -> str:
        """The text of the tool's refusal page, for a tool that refuses with a 2xx ([tool] refused_text)."""
        tool = self.session.profile.tool
        return tool.refused_text if tool is not None else ""

    def launch(self, tamper: Callable[[dict[str, Any]], None] | None = None, signer: keys.KeyPair | None = None,
               kid: bool | str = True, state: str | None = None) -> Launch:
        return launch(self.session.client, self.ident, self.login_url, self.launch_url, self.client_id, self.deployment_id,
                      tamper=tamper, signer=signer, login_params=self.login_params, kid=kid, state=state,
                      refused_text=self.refused_text)

    def deep_link(self) -> DeepLinked:
        """A deep-linking request (a fresh return URL and ``data``), and what the tool aimed at the return URL."""
        settings = deep_linking_settings(self.ident)
        target = self.deep_linking_url or self.launch_url
        sent = launch(self.session.client, self.ident, self.login_url, target, self.client_id, self.deployment_id,
                      login_params=self.login_params, settings=settings, refused_text=self.refused_text)
        found = deep_linking_return(sent.answer.response, settings["deep_link_return_url"]) if sent.answer is not None else None
        return DeepLinked(sent, settings, target, found)


@dataclass
class DeepLinked:
    """A deep-linking request the harness sent, and what the tool's answer aims at its return URL."""

    launch: Launch
    settings: dict[str, Any]
    target: str  # the request's target_link_uri
    answer: DeepLinkReturn | None  # None when the tool's answer sends nothing to deep_link_return_url

    @property
    def jwt(self) -> str:
        return self.answer.jwt if self.answer is not None else ""


def register_as_platform(session: HarnessSession, api: ToolApi) -> Registered:
    """The harness registered through the tool's registrations API, serving its JWKS for the tool to fetch.
    Its client and deployment ids are unique to this run; a refused registration ends the check ``error``."""
    ident = session.as_platform
    if not ident.reachable:
        not_applicable(ident.why_unreachable)
    sent = body(name=session.unique(f"Harness platform {uuid.uuid4().hex[:6]}"), platformIssuer=ident.issuer,
                platformAuthorizationEndpoint=ident.authorization_endpoint, platformJwksUrl=ident.jwks_url,
                platformTokenEndpoint=f"{ident.issuer}/token", clientId=session.unique(f"harness-{uuid.uuid4().hex[:6]}"),
                deploymentId=session.unique(f"dep-{uuid.uuid4().hex[:6]}"))
    response = api.request("POST", json=sent)
    results.precondition(response.status_code in (200, 201), "the harness could not register itself in the tool through its "
                         f"registrations API (POST answered {response.status_code}: {response.text[:200]!r})")
    reg = json_body(response)
    results.precondition(isinstance(reg, dict) and reg.get("id") and reg.get("toolLoginUrl") and reg.get("toolLaunchUrl"),
                         f"the tool's answer to the harness's registration lacks id, toolLoginUrl or toolLaunchUrl: {response.text[:200]!r}")
    api.created.append(reg["id"])
    return Registered(session, ident, reg["toolLoginUrl"], reg["toolLaunchUrl"], reg["clientId"], reg.get("deploymentId") or sent["deploymentId"], reg,
                      tool_jwks_url=reg.get("toolJwksUrl") if isinstance(reg.get("toolJwksUrl"), str) else "")


def configured_registration(session: HarnessSession) -> Registered:
    """The registration the profile's [tool.launch] says was configured in the tool beforehand."""
    tool = session.profile.tool
    assert tool is not None and tool.launch is not None
    given = tool.launch
    return Registered(session, session.as_platform, given.login_url, given.launch_url, given.client_id, given.deployment_id,
                      login_params=given.login_params, deep_linking_url=given.deep_linking_url, tool_jwks_url=given.jwks_url,
                      deep_linking_declared=bool(given.deep_linking_url))


def control(registered: Registered) -> Launch:
    """A valid launch, which must be accepted before a refusal can mean anything: when it is not, the
    harness cannot test the refusal and the check ends ``error`` with what the tool answered."""
    result = registered.launch()
    results.precondition(result.accepted, "the control launch (a valid one, which TOOL-010 checks) was not accepted, so a "
                         f"refusal would prove nothing: {result.outcome()}")
    return result


def assert_accepted(result: Launch, rule: str) -> None:
    """``rule`` (the rule in words) holds: the launch went through."""
    assert result.accepted, f"{rule}: {result.outcome()}"


def assert_refused(result: Launch | Answer, rule: str, what: str) -> None:
    """``rule`` holds: ``what`` was not accepted (refused at login, or any 3xx/4xx/5xx that grants no
    launch; how well it was refused is TOOL-017's concern)."""
    answer = result.answer if isinstance(result, Launch) else result
    if answer is None or not answer.accepted:
        return
    told = answer.describe()  # it starts with the status
    if 200 <= answer.response.status_code < 300 and not answer.refused_text:
        status = str(answer.response.status_code)
        told = f"{status} (a 2xx page: if it is the tool's refusal page, set [tool] refused_text in the profile to a text only that page holds){told[len(status):]}"
    raise AssertionError(f"{rule}: {what} was accepted — the tool answered {told}")


@pytest.fixture
def api(tool_target: HarnessSession) -> Iterator[ToolApi]:
    """A client for the target tool's registrations API; what a check created is deleted afterwards
    (checks using it need ``tool_registrations_api``)."""
    tool = tool_target.profile.tool
    assert tool is not None
    results.precondition(tool.api_key, "the profile gives no [tool] api_key")
    client = ToolApi(tool_target, tool.base_url, str(tool.api_key))
    yield client
    client.cleanup()


@pytest.fixture(scope="session")
def api_registration(lti_session: HarnessSession) -> Iterator[Registered]:
    """The harness registered once per run through the tool's registrations API, shared by every launch
    check; deleted at the end of the run."""
    tool = lti_session.profile.tool
    assert tool is not None and tool.api_key is not None
    client = ToolApi(lti_session, tool.base_url, tool.api_key)
    try:
        yield register_as_platform(lti_session, client)
    finally:
        client.cleanup()
