"""Benchmark: the whole embedded run (``lti-harness run`` against the mocks), repeated.

Reports wall time, checks and tests per second, and the run's peak memory. Usage::

    python bench/bench_run.py [--repeat 3] [--examples 20] [--json bench/last.json]
"""

from __future__ import annotations

import argparse
import json
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def one_run(examples: int, seed: int) -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        started = time.perf_counter()
        proc = subprocess.run(
            [sys.executable, "-m", "lti_harness.harness.cli", "run", "--report-dir", tmp, "--examples", str(examples), "--seed", str(seed)],
            capture_output=True, text=True, stdin=subprocess.DEVNULL, timeout=600,
        )
        wall = time.perf_counter() - started
        if proc.returncode != 0:
            raise SystemExit(f"run failed ({proc.returncode}):\n{proc.stdout[-2000:]}{proc.stderr[-2000:]}")
        summary = json.loads(Path(tmp, "summary.json").read_text())
        tests = sum(len(c["tests"]) for c in summary["checks"])
    return {"wall_s": wall, "checks": len(summary["checks"]), "tests": tests, "pytest_s": summary["duration_s"]}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--examples", type=int, default=20)
    parser.add_argument("--json", metavar="FILE", help="also write the figures here")
    ns = parser.parse_args()
    runs = [one_run(ns.examples, seed=1000 + i) for i in range(ns.repeat)]
    wall = statistics.median(r["wall_s"] for r in runs)
    result = {
        "repeat": ns.repeat,
        "examples": ns.examples,
        "checks": runs[0]["checks"],
        "tests": runs[0]["tests"],
        "wall_s_median": round(wall, 2),
        "wall_s_all": [round(r["wall_s"], 2) for r in runs],
        "in_pytest_s_median": round(statistics.median(r["pytest_s"] for r in runs), 2),
        "checks_per_s": round(runs[0]["checks"] / wall, 2),
        "tests_per_s": round(runs[0]["tests"] / wall, 2),
        "peak_rss_mib": round(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024, 1),
    }
    print(json.dumps(result, indent=2))
    if ns.json:
        Path(ns.json).write_text(json.dumps(result, indent=2) + "\n")


if __name__ == "__main__":
    main()
