"""lti-harness: LTI 1.3 conformance and contract test harness."""
