"""``lti-harness run`` options that map to pytest's: pytest options after ``--``, ``--max-failures`` and
``--level``; each reaches pytest, is refused at once when wrong, and is carried by the reproduce line."""

from __future__ import annotations

import re
import time
import xml.etree.ElementTree as ET

from conftest import cli
from lti_harness.harness.checks import load_all
from lti_harness.harness.runner import RunOptions, pytest_args

SMALL = ["--suite", "registration", "--examples", "2", "--seed", "3"]


def test_options_map_to_pytest_and_what_follows_dashes_comes_last():
    args = pytest_args(RunOptions(suites=["registration"], level="required", max_failures=3, extra=["-x", "-k", "DR-012"], seed=1))
    assert args[args.index("-m") + 1] == "required" and "--maxfail=3" in args
    assert args[-3:] == ["-x", "-k", "DR-012"]  # last: a pytest option after '--' overrides the harness's


def test_pytest_options_pass_through(run_harness):
    result = run_harness(*SMALL, "--", "-k", "DR-012 or DR-013")
    assert result.code == 0, result.stderr
    assert {c["id"] for c in result.summary["checks"]} == {"DR-012", "DR-013"}
    assert "reproduce: lti-harness run --seed 3 --suite registration --examples 2 -- -k 'DR-012 or DR-013'" in result.stdout


def test_level_filter_runs_only_that_level(run_harness):
    result = run_harness(*SMALL, "--level", "recommended")
    assert result.code == 0, result.stderr
    wanted = {c.id for c in load_all(["registration"]) if c.level == "recommended"}
    assert wanted and {c["id"] for c in result.summary["checks"]} == wanted
    assert "--level recommended" in result.stdout


def test_max_failures_stops_the_run(run_harness):
    faults = ["--check", "DR-012", "--check", "DR-014", "--fault", "accept-expired-token", "--fault", "accept-reused-token"]
    result = run_harness(*SMALL, *faults, "--max-failures", "1")
    assert result.code == 1
    cases = list(ET.parse(result.report_dir / "junit.xml").getroot().iter("testcase"))
    assert sum(1 for case in cases for _ in case.iter("failure")) == 1
    assert result.summary["failed"] == 1 and "--max-failures 1" in result.stdout


def test_wrong_pass_through_options_are_refused_at_once():
    for args, says in ((["run", "--max-failures", "0"], "--max-failures must be at least 1"),
                       (["run", "--level", "optional"], "invalid choice"),
                       (["checks", "--", "-x"], "only 'run' takes them")):
        started = time.monotonic()
        proc = cli(*args, timeout=60)
        assert proc.returncode == 2 and says in proc.stderr, (args, proc.stderr)
        assert time.monotonic() - started < 30  # a hang guard: refused before any run starts


def test_html_labels_only_for_harness_runs():
    from lti_harness.harness.plugin import is_harness_run

    class Config:
        def __init__(self, args: list[str], **options: object) -> None:
            self.args, self.options = args, options

        def getoption(self, name: str) -> object:
            return self.options.get(name)

    assert not is_harness_run(Config(["tests/test_mine.py"]))
    assert is_harness_run(Config(["lti_harness.suites.registration"]))
    assert is_harness_run(Config(["tests"], **{"--lti-report-dir": "out"}))


def test_parallel_run_keeps_verdicts_and_what_each_worker_did(run_harness):
    """``-n 2`` (pytest-xdist): the same verdicts as one process, a failure still fails the run, and the
    summary keeps each worker's target and what its session created there."""
    faulty = ["--suite", "registration", "--suite", "tool_side", "--examples", "2", "--seed", "3", "--fault", "accept-reused-token"]
    single, parallel = run_harness(*faulty), run_harness(*faulty, "-n", "2")
    assert parallel.outcomes() == single.outcomes() and parallel.failed() == {"DR-014"}, parallel.stdout[-2000:]
    assert parallel.code == single.code == 0  # DR-014 is recommended
    assert "127.0.0.1" in parallel.summary["target"] and "(none)" not in parallel.stdout
    made = parallel.summary["created_on_target"]
    assert any("via POST" in line for line in made) and any("dynamic registration" in line for line in made)


def test_shrinking_stops_at_its_budget_and_says_so(run_harness):
    """A failing property check shrinks for at most --shrink-budget seconds; then the smallest example found
    is reported and the message names the budget. Without running out, no such note."""
    args = ["--check", "TREG-011", "--fault", "list-skips-last-page-item", "--examples", "20", "--seed", "3"]
    cut = run_harness(*args, "--shrink-budget", "0.001")
    assert cut.failed() == {"TREG-011"} and cut.code == 1, cut.stdout[-2000:]
    assert "shrinking stopped at the run's budget of 0.001 s" in cut.messages("TREG-011")
    assert "--shrink-budget 0.001" in cut.stdout  # the reproduce line carries it
    whole = run_harness(*args)
    assert whole.failed() == {"TREG-011"} and "shrinking stopped" not in whole.messages("TREG-011")
    assert run_harness(*args, "--shrink-budget", "0").code == 2


def test_parallel_run_keeps_each_suite_in_one_process(run_harness):
    """``-n 2``: every test of a suite runs in the same process (suites switch account-wide state that their
    own checks must not see switched by a sibling), whatever pytest lets pytest-xdist do with test ids."""
    run = run_harness("--suite", "scopes", "--suite", "nrps", "--suite", "deep_linking", "--examples", "2", "--seed", "3",
                      "-n", "2", "--", "-vv")  # -vv: a line per test, naming its process
    assert run.code == 0, run.stdout[-3000:]
    seen: dict[str, set[str]] = {}
    for worker, suite in re.findall(r"\[(gw\d+)\][^\n]*?[ /]suites/([a-z_]+)/", run.stdout):
        seen.setdefault(suite, set()).add(worker)
    assert set(seen) == {"scopes", "nrps", "deep_linking"}, run.stdout[-3000:]
    assert all(len(workers) == 1 for workers in seen.values()), seen
    assert len(set().union(*seen.values())) == 2  # both processes worked


def test_a_suite_is_one_unit_of_work():
    from lti_harness.harness.scheduling import scope

    assert scope("suites/ags/test_scores.py::test_x[a@b]") == scope("suites/ags/test_contract.py::test_y") == "suite:ags"
    assert scope("suites/ags/test_scores.py::test_x@grp") == "grp"  # a group pytest-xdist could add
    assert scope("tests/test_other.py::test_z") == "tests/test_other.py::test_z"  # a foreign test stays alone
    assert scope("lib/lti_harness/suites/nrps/test_members.py::test_m") == "suite:nrps"
