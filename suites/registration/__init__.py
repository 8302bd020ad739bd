"""Platform-side LTI Dynamic Registration conformance (checks ``DR-…``)."""

from lti_harness.suites.registration import checks as checks  # registers the DR checks before the tests are collected
