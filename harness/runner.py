"""``lti-harness run``: run the suites through pytest with the harness plugin and write the reports."""

from __future__ import annotations

import difflib
import os
import random
import shlex
import sys
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

from .results import EXIT_FAILED, EXIT_OK, EXIT_UNTESTED, EXIT_USAGE

EXIT_ERROR = EXIT_USAGE


@dataclass
class RunOptions:
    profile: str | None = None
    suites: list[str] = field(default_factory=list)
    report_dir: str = "reports/out"
    seed: int | None = None
    examples: int | None = None
    strict: bool = False
    shrink: bool = True
    shrink_budget: float | None = None  # seconds one failing property check may spend shrinking (None: the plugin's 60)
    faults: list[str] = field(default_factory=list)
    checks: list[str] = field(default_factory=list)
    workers: str | None = None  # "N" or "auto"; None: one process per core, up to one per suite (see :func:`worker_count`)
    verbose: bool = False
    deadline: float | None = None  # seconds for the whole run; checks not finished by then end as error
    extra: list[str] = field(default_factory=list)
    baseline: str | None = None  # TOML file of known failures (harness.baseline)
    cleanup: bool = False  # at the end, remove what the run created on the target (harness.cleanup)
    level: str | None = None  # run only the checks of this level (pytest's -m required|recommended)
    max_failures: int | None = None  # stop after N failed tests (pytest's --maxfail)
    response_validation: bool = True  # hold every answer of a target to its OpenAPI document (harness.conformance)


def worker_count(opts: RunOptions, suites: list[str]) -> int:
    """How many processes run the tests: ``-n N`` as given (``auto``: one per core); by default one per core
    against the embedded mocks (each process starts its own) and one against a profile's target (which then
    sees one client at a time, as a vendor's staging system expects);
    never more than the suites the selection spans (a suite's tests share a process). 1 runs without pytest-xdist."""
    cores = os.cpu_count() or 1
    if opts.workers is None and opts.profile:
        return 1
    if opts.workers is None or opts.workers == "auto":
        wanted = cores
    elif opts.workers.isdigit() and int(opts.workers) >= 1:
        wanted = int(opts.workers)
    else:
        raise ValueError(f"-n/--workers must be a whole number of processes (1 or more) or 'auto', not {opts.workers!r}")
    return max(1, min(wanted, len(collected_suites(opts, suites))))


def collected_suites(opts: RunOptions, suites: list[str]) -> list[str]:
    """The suites pytest is given: ``suites``, narrowed by ``--check`` to the suites of the named checks
    (the others' tests would all be deselected, so they are not imported at all)."""
    if not opts.checks:
        return suites
    from .checks import load_all

    wanted = set(opts.checks)
    theirs = {c.suite for c in load_all(suites) if c.id in wanted}
    return [s for s in suites if s in theirs] or suites


def pytest_args(opts: RunOptions) -> list[str]:
    """The pytest command line that performs the run."""
    from lti_harness.suites import SUITES

    chosen = opts.suites or SUITES
    unknown = [s for s in chosen if s not in SUITES]
    if unknown:
        raise ValueError(f"unknown suite(s): {', '.join(unknown)}; known: {', '.join(SUITES)}")
    out = Path(opts.report_dir)
    ini = Path(str(resources.files("lti_harness.harness") / "run.ini"))
    args = [
        # the package's own folder as rootdir: test ids keep their suite folder (suites/ags/test_contract.py::…), so
        # same-named test files of two suites never collapse into one id (under -n, xdist keys tests by id)
        "-c", str(ini), "--rootdir", str(Path(str(resources.files("lti_harness")))),
        # schemathesis's pytest plugin serves its own parametrized tests; the suites call schemathesis as a
        # library, and loading the plugin (most of schemathesis) cost every process about 0.15 s
        "-p", "no:cacheprovider", "-p", "no:schemathesis", "-W", "ignore::pytest.PytestAssertRewriteWarning",
        # pytest's warnings of exceptions raised in finalisers cost a full garbage collection at the end of
        # every run (a tenth of a short run's CPU) and would only ever be about the harness's own internals
        "-p", "no:unraisableexception",
        "--pyargs", *[f"lti_harness.suites.{s}" for s in collected_suites(opts, chosen)],
        "--tb=no" if not opts.verbose else "--tb=short", "-rN" if not opts.verbose else "-rfE",
        "-v" if opts.verbose else "-q",
        f"--html={out / 'report.html'}", "--self-contained-html",
        f"--junitxml={out / 'junit.xml'}", "-o", "junit_suite_name=lti-conformance",
        f"--lti-report-dir={out}",
        f"--hypothesis-seed={opts.seed}",
    ]
    if opts.profile:
        args.append(f"--lti-profile={opts.profile}")
    if opts.examples is not None:
        args.append(f"--lti-examples={opts.examples}")
    if opts.strict:
        args.append("--lti-strict")
    if not opts.shrink:
        args.append("--lti-no-shrink")
    if opts.shrink_budget is not None:
        args.append(f"--lti-shrink-budget={opts.shrink_budget:g}")
    for fault in opts.faults:
        args.append(f"--lti-fault={fault}")
    for cid in opts.checks:
        args.append(f"--lti-check={cid}")
    if opts.deadline is not None:
        args.append(f"--lti-deadline={opts.deadline:g}")
    if opts.baseline:
        args.append(f"--lti-baseline={opts.baseline}")
    if opts.cleanup:
        args.append("--lti-cleanup")
    if not opts.response_validation:
        args.append("--lti-no-response-validation")
    workers = worker_count(opts, chosen)
    if workers > 1:  # each suite's tests stay in one process: suites that switch account-wide state never overlap themselves
        args += ["-n", str(workers), "--dist", "loadgroup"]
    if opts.level:
        args += ["-m", opts.level]
    if opts.max_failures is not None:
        args.append(f"--maxfail={opts.max_failures}")
    return args + opts.extra  # what followed '--' comes last: it overrides the options above


def reproduce_command(opts: RunOptions) -> str:
    """The ``lti-harness run`` command line that repeats the run ``opts`` describes: its seed, profile,
    suites, checks, examples, faults, baseline, deadline, level, strictness, shrinking and the pytest
    options after ``--`` (redacted, shell-quoted)."""
    from . import redact

    args = ["lti-harness", "run"]
    if opts.seed is not None:
        args += ["--seed", str(opts.seed)]
    if opts.profile:
        args += ["--profile", opts.profile]
    for name in opts.suites:
        args += ["--suite", name]
    for cid in opts.checks:
        args += ["--check", cid]
    if opts.level:
        args += ["--level", opts.level]
    if opts.examples is not None:
        args += ["--examples", str(opts.examples)]
    for fault in opts.faults:
        args += ["--fault", fault]
    if opts.baseline:
        args += ["--baseline", opts.baseline]
    if opts.deadline is not None:
        args += ["--deadline", f"{opts.deadline:g}"]
    if opts.max_failures is not None:
        args += ["--max-failures", str(opts.max_failures)]
    if opts.strict:
        args.append("--strict")
    if not opts.shrink:
        args.append("--no-shrink")
    if opts.shrink_budget is not None:
        args += ["--shrink-budget", f"{opts.shrink_budget:g}"]
    if opts.cleanup:
        args.append("--cleanup")
    if not opts.response_validation:
        args.append("--no-response-validation")
    if opts.extra:
        args += ["--", *opts.extra]
    return redact.text(shlex.join(args))


def _hint(name: str, known: list[str]) -> str:
    close = difflib.get_close_matches(name, known, n=1) or difflib.get_close_matches(name.upper(), known, n=1)
    return f" (did you mean {close[0]}?)" if close else ""


def usage_problems(opts: RunOptions) -> list[str]:
    """Every problem of the command line and the profile, named as the CLI's options, found without
    starting pytest or a server: unknown suites, check ids and faults, ``--examples`` below 1, a bad
    ``--deadline``, ``--fault`` with ``--profile``, and each problem of the profile file."""
    from lti_harness.suites import SUITES

    problems = []
    for name in opts.suites:
        if name not in SUITES:
            problems.append(f"--suite {name}: unknown suite{_hint(name, SUITES)}; known: {', '.join(SUITES)}")
    if opts.checks:
        from .checks import load_all

        suite_of = {c.id: c.suite for c in load_all()}
        chosen = set(opts.suites or SUITES)
        for cid in opts.checks:
            if cid not in suite_of:
                problems.append(f"--check {cid}: unknown check id{_hint(cid, sorted(suite_of))}; see 'lti-harness checks'")
            elif suite_of[cid] not in chosen:
                problems.append(f"--check {cid} is a check of suite {suite_of[cid]}, which the --suite options leave out")
    if opts.examples is not None and opts.examples < 1:
        problems.append(f"--examples must be at least 1 (got {opts.examples})")
    if opts.deadline is not None and not opts.deadline > 0:
        problems.append("--deadline must be a positive number of seconds")
    if opts.max_failures is not None and opts.max_failures < 1:
        problems.append(f"--max-failures must be at least 1 (got {opts.max_failures})")
    if opts.level is not None and opts.level not in ("required", "recommended"):  # harness.checks.LEVELS (it imports pytest)
        problems.append(f"--level {opts.level}: unknown level; known: required, recommended")
    if opts.faults:
        from lti_harness.mock_platform.faults import FAULTS as PLATFORM_FAULTS
        from lti_harness.mock_tool.faults import FAULTS as TOOL_FAULTS

        if opts.profile:
            problems.append("--fault switches faults of the embedded mocks; it cannot be used with --profile")
        known = sorted({*PLATFORM_FAULTS, *TOOL_FAULTS})
        for name in opts.faults:
            if name not in known:
                problems.append(f"--fault {name}: unknown fault{_hint(name, known)}; see 'lti-harness faults'")
    if opts.profile:
        from . import profile as profiles  # keys, jwt and cryptography: only a profile needs them this early

        try:
            profiles.load(opts.profile)
        except profiles.ProfileError as exc:
            problems += exc.problems  # each line names the file and the field
    return problems


def run(opts: RunOptions) -> int:
    """Run the suites; the exit code follows :mod:`harness.results` (0 passed, 1 a counted check failed,
    3 none failed but some could not be tested, 2 a usage problem or a run that could not start)."""
    problems = usage_problems(opts)
    if problems:  # refused before anything runs: no report folder, no pytest session
        for problem in problems:
            print(f"lti-harness: {problem}", file=sys.stderr)
        return EXIT_ERROR
    if opts.baseline:
        from . import baseline
        from .checks import load_all

        try:
            baseline.load(opts.baseline, known_ids=[c.id for c in load_all()])
        except baseline.BaselineError as exc:
            print(f"lti-harness: --baseline: {exc}", file=sys.stderr)
            return EXIT_ERROR
    # hypothesis keeps its Unicode tables in a storage folder (built once, a brief ~200 MB spike): keep
    # them in the user's cache, not in a .hypothesis/ folder of whatever directory the run starts in.
    cache = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "lti-harness" / "hypothesis"
    os.environ.setdefault("HYPOTHESIS_STORAGE_DIRECTORY", str(cache))
    if opts.seed is None:
        opts.seed = random.randrange(1, 2**31)
    try:
        args = pytest_args(opts)
    except ValueError as exc:
        print(f"lti-harness: {exc}", file=sys.stderr)
        return EXIT_ERROR
    Path(opts.report_dir).mkdir(parents=True, exist_ok=True)
    written = Path(opts.report_dir) / "summary.json"
    written.unlink(missing_ok=True)  # so a summary found afterwards is this run's
    print(f"lti-harness: running {', '.join(opts.suites) or 'all suites'} against "
          f"{opts.profile or 'the embedded mocks'} (seed {opts.seed})", flush=True)
    import pytest  # imported only once the run starts: usage errors are found without it

    code = int(pytest.main(args))
    out = Path(opts.report_dir)
    if code in (EXIT_OK, EXIT_FAILED, EXIT_UNTESTED) and (code != EXIT_UNTESTED or written.exists()):
        print(f"reports: {out / 'report.html'}  {out / 'junit.xml'}  {out / 'summary.json'}")
        print(f"reproduce: {reproduce_command(opts)}")
        return code
    if code == 5:
        print("lti-harness: no checks were collected", file=sys.stderr)
    return EXIT_ERROR


def _imported_per_run(name: str, module: object) -> bool:
    """A suites test module or conftest: pytest imports it while collecting, and a ``@given`` in it takes the
    run's hypothesis settings (``--examples``, ``--no-shrink``) as it is imported. Known by its file: pytest
    names it after the folders above it (``lti_harness.suites.…`` installed, another name in a checkout)."""
    if not name.rsplit(".", 1)[-1].startswith(("test_", "conftest")):
        return False
    file = getattr(module, "__file__", None)
    if not file:
        return False
    from lti_harness import suites

    try:
        return Path(file).resolve().is_relative_to(Path(suites.__file__).resolve().parent)
    except (OSError, ValueError):
        return False


def run_in_process(opts: RunOptions) -> int:
    """:func:`run` in a process that performs several runs in turn, reusing what the harness imported. Each
    run starts as in a fresh process: the suites are collected afresh (their settings and fixtures are the
    run's own) and no secret of an earlier run is on the redaction list (each one costs every redaction a
    lookup). Exit codes as :func:`run`."""
    forget_earlier_runs()
    return run(opts)


def forget_earlier_runs() -> None:
    """What :func:`run_in_process` does before its run: the suites' modules collected afresh, no earlier run's
    secret on the redaction list (for a process that performs ``lti-harness run`` command lines in turn)."""
    from . import redact

    for name in [n for n, m in list(sys.modules.items()) if _imported_per_run(n, m)]:
        del sys.modules[name]
    redact.forget_secrets()
