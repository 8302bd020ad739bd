"""Fixtures of the update approval suite: a freshly registered harness tool, tokens, a full update."""

from __future__ import annotations

from typing import Any

import pytest

from lti_harness.harness import dynreg
from lti_harness.harness.adapters import AdminActionFailed, NotSupported
from lti_harness.harness.client import TargetBadResponse
from lti_harness.harness.dynreg import RegisteredTool
from lti_harness.harness.session import HarnessSession
from lti_harness.suites import common
from lti_harness.vocab import LINEITEM_SCOPE, NRPS_SCOPE, REG_READ_SCOPE, REG_SCOPE, SCORE_SCOPE, TOOL_CONFIG

ORIGINAL_SCOPES = [REG_SCOPE, REG_READ_SCOPE, SCORE_SCOPE, NRPS_SCOPE]
UPDATED_SCOPES = [REG_SCOPE, REG_READ_SCOPE, SCORE_SCOPE, LINEITEM_SCOPE]
FLAG = "lti_dr_registrations_update"
ON_STATES = ("on", "allowed_on")


def register(platform: HarnessSession, scopes: list[str] | None = None) -> RegisteredTool:
    return common.register(platform, scopes or ORIGINAL_SCOPES)


def full_update(tool: RegisteredTool, name: str = "Harness Tool (updated)") -> dict[str, Any]:
    """A complete new configuration that drops fields the original had (logo, tos, custom parameters, a message)."""
    body = dynreg.sample_registration(tool.sent["initiate_login_uri"].rsplit("/", 1)[0], tool.sent["jwks_uri"], scopes=UPDATED_SCOPES, name=name)
    body.pop("logo_uri")
    tc = body[TOOL_CONFIG]
    tc.pop("custom_parameters")
    tc["claims"] = ["iss", "sub"]
    tc["messages"] = [{"type": "LtiResourceLinkRequest", "label": "Updated launch", "placements": ["course_navigation", "assignment_selection"]}]
    return body


@pytest.fixture
def tool(platform: HarnessSession) -> RegisteredTool:
    """A tool registered just for this check, with the registration scopes."""
    return register(platform)


@pytest.fixture
def write_token(tool: RegisteredTool) -> str:
    return tool.token([REG_SCOPE])


@pytest.fixture
def read_token(tool: RegisteredTool) -> str:
    return tool.token([REG_READ_SCOPE])


@pytest.fixture(autouse=True)
def _flag_on_for_the_suite(lti_session: HarnessSession) -> None:
    """The suite tests registration updates with lti_dr_registrations_update on: where the admin can switch
    flags and the account has it off, it is switched on once (the adapter notes the state it had, and the
    session's end restores that state; see harness.cleanup)."""
    if "update_flag_checked" in lti_session.cache or lti_session.platform is None:
        return
    lti_session.cache["update_flag_checked"] = True
    if lti_session.missing("admin_feature_flags") is not None:
        return
    adapter = lti_session.adapter
    try:
        if adapter.feature_flag(FLAG) not in ON_STATES:
            adapter.set_feature_flag(FLAG, True)
    except (NotSupported, AdminActionFailed, TargetBadResponse, AttributeError):
        return  # an adapter that cannot read or switch it: the checks say what they find


@pytest.fixture
def flag_off(platform: HarnessSession):
    """Switch lti_dr_registrations_update off for the check, and back on (the suite's working state)
    afterwards; the state it had before the run is restored when the session ends."""
    platform.adapter.set_feature_flag(FLAG, False)
    yield
    platform.adapter.set_feature_flag(FLAG, True)
