"""A platform's Names and Role Provisioning Services: the launch claim and a course's memberships (checks ``NRPS-…``)."""

from lti_harness.suites.nrps import checks as checks  # registers the NRPS checks before the tests are collected
