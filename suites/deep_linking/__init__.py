"""A platform's Deep Linking, seen from the tool: the LtiDeepLinkingRequest launch and what the platform does with the tool's response (checks ``DL-…``)."""

from lti_harness.suites.deep_linking import checks as checks  # registers the DL checks before the tests are collected
