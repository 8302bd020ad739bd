"""Fixtures of the tool-side suite: the harness registered with the tool as a platform."""

from __future__ import annotations

import pytest

from harness.plugin import not_applicable
from harness.session import HarnessSession
from suites.toolapi import Registered, ToolApi, api, assert_accepted, assert_refused, configured_registration, register_as_platform  # noqa: F401  (used by the tests)


@pytest.fixture
def registered(tool_target: HarnessSession, request: pytest.FixtureRequest) -> Registered:
    """The registration configured in the tool beforehand ([tool.launch]), else one made through its API."""
    tool = tool_target.profile.tool
    assert tool is not None
    if tool.launch is not None:
        return configured_registration(tool_target)
    if tool.api_key is None:
        not_applicable("the profile gives neither [tool.launch] (a registration of the harness configured in the tool) "
                       "nor [tool] api_key (to register the harness through the tool's registrations API)")
    return register_as_platform(tool_target, request.getfixturevalue("api"))
