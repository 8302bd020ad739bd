"""Fault switches of the mock tool (none yet: the tool-side suites come with their own faults)."""

FAULTS: dict[str, str] = {}
