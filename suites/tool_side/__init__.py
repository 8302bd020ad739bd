"""The tool's side of LTI: launch validation (checks ``TOOL-…``); dynamic registration follows."""

from . import checks as checks  # registers the TOOL checks before the tests are collected
