"""Fixtures of the tool registrations suite: an API client for the tool under test."""

from __future__ import annotations

import pytest

from harness.session import HarnessSession
from suites.toolapi import CODES, FIELDS, PATH, ToolApi, body, expect_error  # noqa: F401  (used by the tests)


@pytest.fixture
def api(tool_target: HarnessSession):
    tool = tool_target.profile.tool
    assert tool is not None
    client = ToolApi(tool_target, tool.base_url, tool.api_key)
    yield client
    client.cleanup()
