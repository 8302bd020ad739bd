"""The tool's side of dynamic registration (TOOL-001 … TOOL-003), against a mock platform the harness
starts as the counterpart; the checks assert on what that platform recorded."""

from __future__ import annotations

from typing import Any

import pytest

from harness import schemas
from harness.checks import check
from harness.client import json_body
from harness.plugin import not_applicable
from harness.profile import is_loopback


@pytest.fixture
def initiated(tool_target) -> dict[str, Any]:
    tool = tool_target.profile.tool
    if not tool.dynamic_registration_url:
        not_applicable("the profile gives no [tool] dynamic_registration_url")
    if not is_loopback(tool.base_url):
        not_applicable("the counterpart platform runs on loopback, which a tool on another machine cannot reach")
    base, admin = tool_target.counterpart_platform
    auth = {"Authorization": f"Bearer {admin}", "Accept": "application/json"}
    client = tool_target.client
    issued = json_body(client.get(f"{base}/api/lti/accounts/1/registration_token", headers=auth))
    page = client.get(tool.dynamic_registration_url, params={"openid_configuration": issued["oidc_configuration_url"], "registration_token": issued["token"]},
                      headers={"Accept": "text/html"})
    recorded = json_body(client.get(f"{base}/_mock/recorded", headers=auth))
    return {"token": issued["token"], "page": page, "recorded": recorded}


def posted(initiated: dict[str, Any]) -> dict[str, Any]:
    found = [r for r in initiated["recorded"] if r["route"] == "registrations"]
    assert found, f"the tool never posted a registration (its page answered {initiated['page'].status_code})"
    return found[-1]


@check("TOOL-001")
def test_tool_registers_with_a_valid_body(initiated):
    assert any(r["route"] == "openid-configuration" for r in initiated["recorded"]), "the tool never fetched the OpenID configuration"
    sent = posted(initiated)["body"]
    problems = schemas.errors("registration_request", sent)
    assert not problems, "the tool's registration does not validate: " + "; ".join(problems[:4])


@check("TOOL-002")
def test_registration_token_as_bearer(initiated):
    got = posted(initiated)["authorization"] or ""
    assert got == f"Bearer {initiated['token']}", "the registration was not posted with the registration token as bearer"


@check("TOOL-003")
def test_close_message(initiated):
    text = initiated["page"].text
    assert "postMessage" in text and "org.imsglobal.lti.close" in text, "the tool's page does not post {subject: 'org.imsglobal.lti.close'}"
