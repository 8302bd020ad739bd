"""The tool's registrations API followed through the document's links by schemathesis's state machine:
create → read → update → delete (TREG-015). Each operation alone is TREG-012. The tool's JWKS routes,
without credentials (TREG-016)."""

from __future__ import annotations

import uuid
from typing import Any

import pytest

from lti_harness.harness import contract
from lti_harness.harness.checks import check

from lti_harness.suites.toolapi import PATH, ToolApi

OPERATIONS = [(PATH, "POST"), (PATH, "GET"), (f"{PATH}/{{id}}", "GET"), (f"{PATH}/{{id}}", "PUT"), (f"{PATH}/{{id}}", "DELETE")]
contract.declare("TREG-015", "tool", OPERATIONS)
contract.declare("TREG-012", "tool", OPERATIONS)  # the same operations, one at a time: test_properties.py::test_openapi_contract
SCHEMA = contract.subset("tool", OPERATIONS)
JWKS = contract.declare("TREG-016", "tool", [("/v1/platform/lti/.well-known/jwks.json", "GET"), ("/.well-known/jwks.json", "GET")])
JWKS_SCHEMA = contract.subset("tool", JWKS)
JWKS_CASES = contract.cases(JWKS)


def _area(api: ToolApi) -> contract.Area:
    """The tool's API with its Platform API key; each generated registration gets its own issuer and client
    ID (a repeated pair is a 409, which would end every chain at its first step), and is deleted afterwards."""

    def prepare(case: Any) -> None:
        if case.method == "POST" and isinstance(case.body, dict):
            tag = uuid.uuid4().hex[:10]
            case.body = {**case.body, "platformIssuer": f"https://gen-{tag}.harness.invalid", "clientId": f"gen-{tag}"}

    def after(case: Any, response: Any) -> None:
        if case.method == "POST" and response.status_code in (200, 201):
            try:
                made = response.json()
            except ValueError:
                return
            if isinstance(made, dict) and isinstance(made.get("id"), str):
                api.created.append(made["id"])

    return contract.Area(client=api.session.client, base_url=api.base_url, schema=SCHEMA,
                         credentials={"platformApiKey": lambda: api.api_key}, prepare=prepare, after=after)


@check("TREG-015")
def test_tool_registration_links(api):
    contract.run_stateful(_area(api))


@check("TREG-016")
@pytest.mark.parametrize("path,method,mode", JWKS_CASES, ids=contract.case_ids(JWKS_CASES))
def test_tool_jwks_contract(api, path, method, mode):
    area = contract.Area(client=api.session.client, base_url=api.base_url, schema=JWKS_SCHEMA)
    contract.check_operation(area, path, method, mode)
