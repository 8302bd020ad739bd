"""Assignment and Grade Services: line items, scores, results and every documented error (checks ``AGS-…``)."""

from . import checks as checks  # registers the AGS checks before the tests are collected
