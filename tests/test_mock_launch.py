"""The mock tool's launch: an id_token without exp or iat is refused unless a fault says otherwise, a
login state is used once, and login states are bounded in count and age."""

from __future__ import annotations

import time
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route
from starlette.testclient import TestClient

from lti_harness import mock_tool
from lti_harness.harness import keys
from lti_harness.harness.launch import PlatformIdentity, claims_for
from lti_harness.mock_tool import launch as mock_launch
from lti_harness.suites.toolapi import body

API_KEY = "tf_platform_test"
TOOL = "http://127.0.0.1:8001"


class Tool:
    """The mock tool in-process with one registration of a platform whose JWKS is served on loopback."""

    def __init__(self, jwks_url: str, pair: keys.KeyPair, *faults: str) -> None:
        self.c = TestClient(mock_tool.create_app(mock_tool.ToolConfig(api_key=API_KEY, faults=set(faults))), base_url=TOOL)
        sent = body(platformJwksUrl=jwks_url)
        r = self.c.post("/v1/platform/lti/registrations", json=sent, headers={"Authorization": f"Bearer {API_KEY}"})
        assert r.status_code in (200, 201), r.text
        self.reg = r.json()
        self.ident = PlatformIdentity(key=pair, issuer=sent["platformIssuer"], jwks_url=jwks_url,
                                      authorization_endpoint=sent["platformAuthorizationEndpoint"])

    def login(self) -> dict[str, str]:
        r = self.c.get("/v1/platform/lti/login", params={"iss": self.ident.issuer, "login_hint": "u", "client_id": self.reg["clientId"],
                                                         "target_link_uri": f"{TOOL}/v1/platform/lti/launch"}, follow_redirects=False)
        assert r.status_code == 302, r.text
        return dict(parse_qsl(urlsplit(r.headers["location"]).query))

    def launch(self, params: dict[str, str], drop: tuple[str, ...] = ()) -> Any:
        claims = claims_for(self.ident, self.reg["clientId"], self.reg["deploymentId"], params["nonce"], f"{TOOL}/v1/platform/lti/launch")
        for name in drop:
            claims.pop(name)
        return self.c.post("/v1/platform/lti/launch", data={"id_token": self.ident.key.sign(claims), "state": params["state"]})


@pytest.fixture
def platform(serve) -> tuple[str, keys.KeyPair]:
    pair = keys.generate()

    async def jwks(request: Request) -> JSONResponse:
        return JSONResponse(keys.jwks(pair))

    return serve(Starlette(routes=[Route("/jwks", jwks)])) + "/jwks", pair


def test_a_valid_launch_and_its_replay(platform):
    tool = Tool(*platform)
    params = tool.login()
    assert tool.launch(params).status_code == 200
    again = tool.launch(params)
    assert again.status_code == 400 and "used before" in again.text


@pytest.mark.parametrize("claim, fault", [("exp", "launch-without-exp-accepted"), ("iat", "launch-without-iat-accepted")])
def test_a_token_without_exp_or_iat_is_refused(platform, claim, fault):
    tool = Tool(*platform)
    refused = tool.launch(tool.login(), drop=(claim,))
    assert refused.status_code == 401 and claim in refused.text
    faulty = Tool(*platform, fault)
    assert faulty.launch(faulty.login(), drop=(claim,)).status_code == 200
    other = "iat" if claim == "exp" else "exp"
    assert faulty.launch(faulty.login(), drop=(other,)).status_code == 401  # the fault lets only its own claim go


def test_login_states_are_bounded_in_count(platform, monkeypatch):
    monkeypatch.setattr(mock_launch, "MAX_STATES", 3)
    tool = Tool(*platform)
    issued = [tool.login() for _ in range(6)]
    assert len(tool.c.app.state.launch_states) == 3
    assert tool.launch(issued[0]).status_code == 400  # the oldest went first
    assert tool.launch(issued[-1]).status_code == 200


def test_login_states_expire(platform):
    tool = Tool(*platform)
    old = tool.login()
    tool.c.app.state.launch_states[old["state"]]["at"] = time.time() - mock_launch.STATE_LIFETIME - 1
    assert tool.launch(old).status_code == 400
    tool.login()
    assert old["state"] not in tool.c.app.state.launch_states  # dropped by the next login

