"""A tool's platform-registrations API, as TutorFlow documents it (checks ``TREG-…``)."""

from lti_harness.suites.tool_registrations import checks as checks  # registers the TREG checks before the tests are collected
