"""Fixtures of the tool-side suite: the harness registered with the tool as a platform."""

from __future__ import annotations

import pytest

from harness.session import HarnessSession
from suites.toolapi import Registered, ToolApi, api, assert_accepted, assert_refused, register_as_platform  # noqa: F401  (used by the tests)


@pytest.fixture
def registered(tool_target: HarnessSession, api: ToolApi) -> Registered:
    return register_as_platform(tool_target, api)
