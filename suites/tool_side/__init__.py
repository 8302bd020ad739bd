"""The tool's side of LTI: launch validation (checks ``TOOL-…``); dynamic registration follows."""

from lti_harness.suites.tool_side import checks as checks  # registers the TOOL checks before the tests are collected
