"""Assignment and Grade Services: line items, scores, results and every documented error (checks ``AGS-…``)."""

from lti_harness.suites.ags import checks as checks  # registers the AGS checks before the tests are collected
