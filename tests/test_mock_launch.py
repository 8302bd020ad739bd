"""The mock tool's launch: an id_token without exp or iat is refused unless a fault says otherwise, a
login state is used once, and login states are bounded in count and age; a deep-linking request is
answered by a signed response posted to its return URL."""

from __future__ import annotations

import time
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import jwt
import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route
from starlette.testclient import TestClient

from lti_harness import mock_tool
from lti_harness.harness import keys, schemas
from lti_harness.harness.launch import DL_CLAIM, DL_SETTINGS, PlatformIdentity, claims_for, deep_linking_return, deep_linking_settings
from lti_harness.mock_tool import deep_linking as mock_dl
from lti_harness.mock_tool import launch as mock_launch
from lti_harness.suites.toolapi import body

API_KEY = "tf_platform_test"
TOOL = "http://127.0.0.1:8001"
LTI = "https://purl.imsglobal.org/spec/lti/claim/"


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



def deep_link(tool: Tool, params: dict[str, str], settings: dict[str, Any] | None) -> Any:
    claims = claims_for(tool.ident, tool.reg["clientId"], tool.reg["deploymentId"], params["nonce"], f"{TOOL}/v1/platform/lti/launch",
                        settings if settings is not None else {})
    if settings is None:
        del claims[DL_SETTINGS]
    return tool.c.post("/v1/platform/lti/launch", data={"id_token": tool.ident.key.sign(claims), "state": params["state"]})


def test_a_deep_linking_request_is_answered_by_a_signed_response_posted_to_the_return_url(platform):
    tool = Tool(*platform)
    settings = deep_linking_settings(tool.ident)
    page = deep_link(tool, tool.login(), settings)
    assert page.status_code == 200
    found = deep_linking_return(page, settings["deep_link_return_url"])
    assert found is not None and (found.how, found.method) == ("form", "POST")
    jwks = tool.c.get(tool.reg["toolJwksUrl"].removeprefix(TOOL)).json()
    kid = jwt.get_unverified_header(found.jwt)["kid"]
    claims = jwt.decode(found.jwt, keys.public_key_from_jwks(jwks, kid), algorithms=["RS256"], audience=tool.ident.issuer)
    assert claims["iss"] == tool.reg["clientId"] and claims["nonce"] and claims["exp"] > claims["iat"]
    assert claims[LTI + "message_type"] == "LtiDeepLinkingResponse" and claims[LTI + "version"] == "1.3.0"
    assert claims[LTI + "deployment_id"] == tool.reg["deploymentId"] and claims[DL_CLAIM + "data"] == settings["data"]
    [item] = claims[DL_CLAIM + "content_items"]
    assert item["type"] == "ltiResourceLink" and item["lineItem"]["scoreMaximum"] > 0
    assert schemas.errors("lti_dl_content_items", item) == []


def test_the_mock_tool_returns_only_accepted_types():
    settings = {"deep_link_return_url": "http://127.0.0.1:1/back", "accept_types": ["link"], "accept_lineitem": False}
    config = mock_tool.ToolConfig()
    assert [i["type"] for i in mock_dl.content_items(settings, f"{TOOL}/v1/platform/lti/launch", config)] == ["link"]
    assert mock_dl.content_items({**settings, "accept_types": ["image"]}, TOOL, config) == []
    with_item = mock_dl.content_items({**settings, "accept_types": ["ltiResourceLink"]}, TOOL, config)
    assert "lineItem" not in with_item[0]  # the platform takes no line items


def test_a_deep_linking_request_without_settings_is_refused(platform):
    tool = Tool(*platform)
    refused = deep_link(tool, tool.login(), None)
    assert refused.status_code == 400 and "deep_link_return_url" in refused.text


@pytest.mark.parametrize("fault, claim", [("dl-data-not-echoed", DL_CLAIM + "data"), ("dl-response-without-exp", "exp"),
                                          ("dl-deployment-id-missing", LTI + "deployment_id")])
def test_a_fault_leaves_out_its_claim(platform, fault, claim):
    tool = Tool(*platform, fault)
    settings = deep_linking_settings(tool.ident)
    found = deep_linking_return(deep_link(tool, tool.login(), settings), settings["deep_link_return_url"])
    assert found is not None
    claims = keys.unverified_claims(found.jwt)
    assert claim not in claims and "nonce" in claims and DL_CLAIM + "content_items" in claims
