"""Schemathesis fuzzes each served mock (both OpenAPI documents, positive and negative modes, every
credential a route may see): no 5xx and no timeout. A bounded run of a few hundred requests; the
benchmark (bench/fuzz_mocks.py) sends thousands."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

SPEC = importlib.util.spec_from_file_location("fuzz_mocks", Path(__file__).resolve().parent.parent / "bench" / "fuzz_mocks.py")
assert SPEC is not None and SPEC.loader is not None
fuzz_mocks = importlib.util.module_from_spec(SPEC)
sys.modules["fuzz_mocks"] = fuzz_mocks  # dataclasses look their module up
SPEC.loader.exec_module(fuzz_mocks)


def test_served_mocks_answer_every_fuzzed_request_without_5xx_or_timeout():
    reports = fuzz_mocks.fuzz_both(examples=4, run_seed=13)
    for report in reports:
        assert report.requests >= 40, report.as_dict()  # the fuzz reached the mock
        assert not report.findings(), report.as_dict()
    assert 200 <= sum(r.requests for r in reports) <= 1000
