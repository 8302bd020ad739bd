"""The OpenAPI contract of the admin's review routes (registrations, update requests, apply, history,
the feature flag), checked by schemathesis: each operation (UPD-020) and the document's links,
registration → update request → apply → history (UPD-021); and of the tool's update request, the PUT
of its configuration (UPD-022)."""

from __future__ import annotations

from typing import Any

import pytest

from lti_harness.harness import contract
from lti_harness.harness.checks import check
from lti_harness.harness.dynreg import RegisteredTool
from lti_harness.harness.results import precondition
from lti_harness.harness.session import HarnessSession
from lti_harness.vocab import REG_SCOPE

from .conftest import FLAG, full_update, register

OPERATIONS = contract.declare("UPD-020", "platform", contract.area_operations("update_approval"))
contract.declare("UPD-021", "platform", OPERATIONS)
SCHEMA = contract.subset("platform", OPERATIONS)
CASES = contract.cases(OPERATIONS)
UPDATE = contract.declare("UPD-022", "platform", [("/api/lti/registrations/{registration_id}/configuration", "PUT")])
UPDATE_SCHEMA = contract.subset("platform", UPDATE)
UPDATE_CASES = contract.cases(UPDATE)


def _pending(platform: HarnessSession, tool: RegisteredTool) -> str:
    """The id of a new pending update request of ``tool`` (a set-up step)."""
    response = tool.update(tool.token([REG_SCOPE]), full_update(tool, name=platform.unique("Harness contract update")))
    precondition(response.status_code == 200, f"submitting an update (a set-up step) answered {response.status_code}")
    found = platform.adapter.pending_update(tool.registration_id)
    precondition(found is not None, "the submitted update is not pending (a set-up step)")
    assert found is not None
    return str(found["id"])


def _area(platform: HarnessSession) -> contract.Area:
    """The account's review routes with the admin's token; ids name a registration of the harness's with a
    pending request; each PUT of a request is given a fresh pending one, so every apply has one to take."""
    if "upd contract area" not in platform.cache:
        target = platform.platform
        assert target is not None
        tool = register(platform)
        ids = {"id": tool.registration_id, "update_request_id": _pending(platform, tool), "feature": FLAG}

        def prepare(case: Any) -> None:
            params = case.path_parameters or {}
            if case.method == "PUT" and params.get("update_request_id") == ids["update_request_id"]:
                ids["update_request_id"] = params["update_request_id"] = _pending(platform, tool)

        platform.cache["upd contract area"] = contract.Area(
            client=platform.client, base_url=target.base_url, schema=SCHEMA,
            credentials={"adminBearer": lambda: target.admin_token}, pinned={"account_id": target.account_id},
            ids=ids, prepare=prepare,
        )
    return platform.cache["upd contract area"]


def _flag_back_on(platform: HarnessSession) -> None:
    """The run may switch the suite's flag: it is switched on again (the suite's working state)."""
    if platform.missing("admin_feature_flags") is None:
        platform.adapter.set_feature_flag(FLAG, True)


@check("UPD-020")
@pytest.mark.parametrize("path,method,mode", CASES, ids=contract.case_ids(CASES))
def test_update_approval_contract(platform, path, method, mode):
    try:
        contract.check_operation(_area(platform), path, method, mode)
    finally:
        if "features" in path and method == "PUT":
            _flag_back_on(platform)


@check("UPD-021")
def test_update_approval_links(platform):
    try:
        contract.run_stateful(_area(platform))
    finally:
        _flag_back_on(platform)


def _update_area(platform: HarnessSession) -> contract.Area:
    """The tool's PUT of its configuration with an LTI token of the registration scope of a tool the harness
    registered (one token per run); the registration is named on one example in three."""
    if "upd update contract area" not in platform.cache:
        target = platform.platform
        assert target is not None
        tool = register(platform)
        tokens: list[str] = []

        def token() -> str:
            if not tokens:
                tokens.append(tool.token([REG_SCOPE]))
            return tokens[0]

        platform.cache["upd update contract area"] = contract.Area(
            client=platform.client, base_url=target.base_url, schema=UPDATE_SCHEMA,
            credentials={"ltiAccessToken": token}, ids={"registration_id": tool.registration_id},
        )
    return platform.cache["upd update contract area"]


@check("UPD-022")
@pytest.mark.parametrize("path,method,mode", UPDATE_CASES, ids=contract.case_ids(UPDATE_CASES))
def test_update_request_contract(platform, path, method, mode):
    contract.check_operation(_update_area(platform), path, method, mode)
