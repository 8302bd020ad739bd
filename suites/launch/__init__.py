"""A platform's LTI 1.3 launches, seen from the tool: login initiation, the OIDC authorization endpoint and the id_token (checks ``LAUNCH-…``)."""

from lti_harness.suites.launch import checks as checks  # registers the LAUNCH checks before the tests are collected
