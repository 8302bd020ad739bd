"""Developer keys and scope restriction: the token endpoint, REST API scopes, LTI Advantage scopes (checks ``KEY-…``)."""

from lti_harness.suites.scopes import checks as checks  # registers the KEY checks before the tests are collected
