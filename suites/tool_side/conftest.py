"""Fixtures of the tool-side suite: the harness registered with the tool as a platform."""

from __future__ import annotations

import pytest

from lti_harness.harness.session import HarnessSession
from lti_harness.suites.toolapi import Registered, ToolApi, api, api_registration, assert_accepted, assert_refused, configured_registration, control  # noqa: F401  (used by the tests)


@pytest.fixture
def registered(tool_target: HarnessSession, request: pytest.FixtureRequest) -> Registered:
    """The registration configured in the tool beforehand ([tool.launch]), else the one the harness made
    through the tool's registrations API (once per run). Checks using it need ``tool_launch``."""
    tool = tool_target.profile.tool
    assert tool is not None
    if tool.launch is not None:
        return configured_registration(tool_target)
    return request.getfixturevalue("api_registration")
