"""Fixtures of the tool registrations suite: an API client for the tool under test."""

from lti_harness.suites.toolapi import CODES, FIELDS, PATH, ToolApi, api, body, expect_error  # noqa: F401  (fixture and helpers for the tests)
