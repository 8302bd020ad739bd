"""Conformance suites, one package per area. Run them with ``lti-harness run`` or
``pytest --pyargs lti_harness.suites --lti-profile FILE``."""

SUITES: list[str] = ["registration", "update_approval", "scopes", "ags", "tool_registrations", "tool_side"]
# The suites that test a tool (the rest test a platform).
TOOL_SUITES: frozenset[str] = frozenset({"tool_registrations", "tool_side"})
