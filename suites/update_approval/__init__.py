"""Registration update approval: a tool's update waits for an admin, replaces, honours overlays (checks ``UPD-…``)."""

from lti_harness.suites.update_approval import checks as checks  # registers the UPD checks before the tests are collected
