"""Conformance suites, one package per area. Run them with ``lti-harness run`` or
``pytest --pyargs lti_harness.suites --lti-profile FILE``."""

SUITES: list[str] = ["registration", "update_approval", "scopes", "ags", "launch", "deep_linking", "nrps", "tool_registrations", "tool_side"]
