"""The pytest plugin (registered as ``lti_harness``): target options, fixtures, check outcomes,
report extras, summary.json and the exit code rule. ``lti-harness run`` is a thin layer over it."""

from __future__ import annotations

import contextlib
import dataclasses
import html
import re
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from lti_harness import suites
from lti_harness.reports import summary as report_summary

from . import checks as registry
from . import redact, results, sources

if TYPE_CHECKING:
    from .session import HarnessSession

# The session, its servers, client and adapters (httpx, uvicorn, jwt, jsonschema) are imported when a
# harness test first needs them, not when pytest loads the plugin: a process that runs none (pytest-xdist's
# controller, a project's own tests, a refused command line) does not pay for them.

NOT_APPLICABLE = "not applicable: "
_RESULTS = pytest.StashKey["Results"]()
_SESSION = pytest.StashKey["HarnessSession"]()
_ITEM_EXCHANGES = pytest.StashKey[list]()
_ITEM_VIOLATIONS = pytest.StashKey[list]()  # the check's answers outside their documents (harness.conformance)
_DEADLINE = pytest.StashKey["float | None"]()  # time.monotonic() after which checks are no longer run
_BASELINE = pytest.StashKey["list | None"]()  # --lti-baseline: the known failures (harness.baseline.Known)
_IS_HARNESS = pytest.StashKey[bool]()
_SUMMARY = pytest.StashKey[dict]()  # the summary document written to summary.json; report.html and the console show it
_WORKERS = pytest.StashKey[list]()  # under pytest-xdist, on the controller: each worker's target and what its session did there
_WORKER_KEY = "lti_harness_session"  # the key of that record in a worker's ``workeroutput``
_SECRETS_KEY = "lti_harness_secrets"  # a worker's learnt secrets, for the controller's redaction of the reports it writes
DEADLINE_PASSED = "the run's deadline passed"
HYPOTHESIS_PROFILE = "lti-harness"  # registered in pytest_configure, loaded only around the harness's own tests
_SUITES_DIR = Path(suites.__file__).resolve().parent


@lru_cache(maxsize=1)
def plain_errors() -> tuple[type[BaseException], ...]:
    """The exceptions whose text alone says why a check could not be tested (no traceback is shown)."""
    from .adapters import AdminActionFailed, NotSupported
    from .client import TargetError
    from .profile import ProfileError

    return (TargetError, NotSupported, AdminActionFailed, ProfileError, results.CannotTest)


def __getattr__(name: str) -> Any:
    """``open_session`` (which a project's conftest may wrap by assigning it here) and ``PLAIN_ERRORS``,
    imported on first use."""
    if name == "open_session":
        from .session import open_session

        return open_session
    if name == "PLAIN_ERRORS":
        return plain_errors()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def not_applicable(reason: str) -> None:
    """End the current check as not applicable (never as passed), saying why."""
    pytest.skip(NOT_APPLICABLE + reason)


@dataclass
class Results:
    checks: dict[str, results.CheckResult] = field(default_factory=dict)
    unlinked_failures: list[str] = field(default_factory=list)
    foreign_failures: set[str] = field(default_factory=set)  # failed tests that are not the harness's
    started: float = field(default_factory=time.time)
    target: str = ""


# --- options and configuration ---------------------------------------------------------------


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("lti-harness", "LTI conformance harness")
    group.addoption("--lti-profile", metavar="FILE", help="TOML target profile (default: start the embedded mocks)")
    group.addoption("--lti-report-dir", metavar="DIR", help="write summary.json here")
    group.addoption("--lti-strict", action="store_true", help="recommended checks count towards the exit code too")
    group.addoption("--lti-examples", type=int, metavar="N", help="hypothesis examples per property (default 20)")
    group.addoption("--lti-no-shrink", action="store_true", help="report failing examples as found, without shrinking them (faster)")
    group.addoption("--lti-shrink-budget", type=float, metavar="SECONDS", default=SHRINK_BUDGET_S,
                    help=f"how long one failing property check may spend shrinking its example (default {SHRINK_BUDGET_S:g}); "
                    "then the smallest example found so far is reported")
    group.addoption("--lti-fault", action="append", default=[], metavar="NAME", help="embedded mocks only: switch a fault on")
    group.addoption("--lti-check", action="append", default=[], metavar="ID", help="run only the tests of this check (repeatable)")
    group.addoption("--lti-deadline", type=float, metavar="SECONDS",
                    help="the run's deadline: checks not finished by then end as error, and the reports are still written")
    group.addoption("--lti-cleanup", action="store_true", help="at the end, delete or deactivate what the run created on the "
                    "target where the adapter can (developer keys, registrations, courses) and list what it could not undo")
    group.addoption("--lti-no-response-validation", action="store_true", help="do not hold the bodies a target answers "
                    "with to its OpenAPI document (by default a check that receives a body outside it fails)")
    group.addoption("--lti-baseline", metavar="FILE", help="TOML baseline of known failures: they do not fail the run; "
                    "an entry whose check now passes, or that expired, does")


def _in_suites(path: Any) -> bool:
    try:
        return Path(path).resolve().is_relative_to(_SUITES_DIR)
    except (OSError, TypeError, ValueError):
        return False


def is_harness_test(item: pytest.Item) -> bool:
    """Whether ``item`` is one of the harness's own tests: it verifies a check, lives in the suites
    package, or uses the harness session. The plugin's settings, fixtures and hooks leave every other
    test as it would be without the plugin."""
    known = item.stash.get(_IS_HARNESS, None)
    if known is None:
        known = (item.get_closest_marker("lti_check") is not None or "lti_session" in getattr(item, "fixturenames", ())
                 or _in_suites(item.path))
        item.stash[_IS_HARNESS] = known
    return known


@contextlib.contextmanager
def harness_settings() -> Iterator[None]:
    """The harness's hypothesis profile (``--lti-examples``, no deadline, no example database, …) as the
    default while the block runs, with the run's shrinking budget; the profile that was current before
    (hypothesis's own, or the one a project chose) is current again afterwards."""
    from hypothesis import settings
    from hypothesis.internal.conjecture import engine  # no public setting bounds shrinking time

    try:
        previous = settings.get_current_profile_name()
    except AssertionError:
        previous = "default"
    settings.load_profile(HYPOTHESIS_PROFILE)
    limit = getattr(engine, "MAX_SHRINKING_SECONDS", None)
    if limit is not None:
        engine.MAX_SHRINKING_SECONDS = _shrink_budget[0]
    try:
        yield
    finally:
        settings.load_profile(previous)
        if limit is not None:
            engine.MAX_SHRINKING_SECONDS = limit


SHRINK_BUDGET_S = 60.0
_shrink_budget = [SHRINK_BUDGET_S]  # the run's --lti-shrink-budget (set when pytest is configured)
_SHRINK_STOPPED = "stopped because it is making very slow progress"  # what hypothesis reports when the budget is spent


def shrink_note(report: pytest.TestReport) -> str:
    """For a failed property check whose shrinking ran out of budget: a sentence saying so (else "")."""
    if not any(_SHRINK_STOPPED in content for _title, content in report.sections):
        return ""
    return (f" (shrinking stopped at the run's budget of {_shrink_budget[0]:g} s: the example shown is the smallest "
            "found by then; --shrink-budget changes the budget, --no-shrink skips shrinking)")


@pytest.hookimpl(hookwrapper=True)
def pytest_make_collect_report(collector: pytest.Collector) -> Any:
    """A suites module is imported under the harness's profile: ``@given`` takes the default settings
    when it decorates a test."""
    if isinstance(collector, pytest.Module) and _in_suites(collector.path):
        with harness_settings():
            yield
    else:
        yield


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_protocol(item: pytest.Item, nextitem: pytest.Item | None) -> Any:
    """The harness's tests run under its profile (state machines and tests that build a ``@given`` as
    they run read the default then); every other test under whatever profile was current."""
    if is_harness_test(item):
        with harness_settings():
            yield
    else:
        yield


def pytest_itemcollected(item: pytest.Item) -> None:
    """Selection the pytest way: a check's test carries its levels and suites as markers
    (``-m required``, ``-m suite_registration``) and its check ids as keywords (``-k DR-012``)."""
    marker = item.get_closest_marker("lti_check")
    if marker is None:
        return
    for name in registry.markers_for(marker.args):
        item.add_marker(getattr(pytest.mark, name))
    item.extra_keyword_matches.update(marker.args)
    if item.config.pluginmanager.hasplugin("xdist"):  # with --dist loadgroup, one suite's tests share a process
        item.add_marker(pytest.mark.xdist_group(registry.REGISTRY[marker.args[0]].suite))


@pytest.hookimpl(optionalhook=True, tryfirst=True)
def pytest_xdist_make_scheduler(config: pytest.Config, log: Any) -> Any:
    """``--dist loadgroup`` keeps each suite's tests in one process (see :mod:`harness.scheduling`)."""
    if config.getvalue("dist") != "loadgroup":
        return None
    from . import scheduling

    return scheduling.SuiteScheduling(config, log)


def pytest_ignore_collect(collection_path: Path, config: pytest.Config) -> bool | None:
    """``--lti-check ID``: a suites test module whose source shows it holds no test of the named checks is
    not imported (see :mod:`harness.testscan`); the tests it would have given are deselected anyway."""
    wanted = set(config.getoption("--lti-check") or [])
    name = collection_path.name
    if not wanted or not (name.startswith("test_") and name.endswith(".py")) or not _in_suites(collection_path):
        return None
    if not wanted <= set(registry.REGISTRY):
        registry.load_all()
        if not wanted <= set(registry.REGISTRY):
            return None  # an unknown id is refused after collection, with its name
    from . import testscan

    return None if testscan.may_verify(collection_path.resolve(), _SUITES_DIR, wanted) else True


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """``--lti-check ID``: keep only the tests that verify the named checks."""
    wanted = set(config.getoption("--lti-check") or [])
    if not wanted:
        return
    unknown = wanted - set(registry.REGISTRY)
    if unknown:
        raise pytest.UsageError(f"unknown check id(s): {', '.join(sorted(unknown))} (see 'lti-harness checks')")
    keep, drop = [], []
    for item in items:
        marker = item.get_closest_marker("lti_check")
        (keep if marker is not None and wanted & set(marker.args) else drop).append(item)
    if drop:
        config.hook.pytest_deselected(items=drop)
        items[:] = keep


@pytest.hookimpl(tryfirst=True)
def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "lti_check(*ids): the conformance check(s) a test verifies")
    for name, text in registry.selection_markers().items():
        config.addinivalue_line("markers", f"{name}: {text}")
    from hypothesis import HealthCheck, Phase, settings

    examples = config.getoption("--lti-examples") or 20
    if examples < 1:
        raise pytest.UsageError("--lti-examples must be at least 1")
    budget = config.getoption("--lti-shrink-budget")
    if budget is None or not 0 < budget <= 86400:
        raise pytest.UsageError("--lti-shrink-budget must be a number of seconds above 0 (at most a day)")
    _shrink_budget[0] = budget
    settings.register_profile(
        HYPOTHESIS_PROFILE,
        max_examples=examples,
        deadline=None,
        database=None,
        print_blob=True,
        phases=[p for p in Phase if not (p is Phase.shrink and config.getoption("--lti-no-shrink"))],
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture, HealthCheck.filter_too_much, HealthCheck.data_too_large],
    )  # used by the harness's own tests only (see harness_settings); never loaded for the whole run
    path = config.getoption("--lti-profile")
    if path:
        from . import profile as profiles

        try:
            profiles.load(path)
        except profiles.ProfileError as exc:
            raise pytest.UsageError(str(exc)) from None
    faults = config.getoption("--lti-fault")
    if faults:
        if path:
            raise pytest.UsageError("--lti-fault switches faults of the embedded mocks; it cannot be used with --lti-profile")
        from .session import split_faults

        try:
            split_faults(faults)
        except ValueError as exc:
            raise pytest.UsageError(str(exc)) from None
    deadline = config.getoption("--lti-deadline")
    if deadline is not None and deadline <= 0:
        raise pytest.UsageError("--lti-deadline must be a positive number of seconds")
    config.stash[_DEADLINE] = time.monotonic() + deadline if deadline else None
    config.stash[_BASELINE] = _load_baseline(config)
    config.stash[_RESULTS] = Results()
    config.pluginmanager.register(_Collector(config.stash[_RESULTS]), "lti-harness-collector")
    config.pluginmanager.register(_Labels(config), "lti-harness-labels")


def _load_baseline(config: pytest.Config) -> list[Any] | None:
    """``--lti-baseline FILE``: its entries, validated against the check catalogue (a usage error if bad)."""
    path = config.getoption("--lti-baseline")
    if not path:
        return None
    from . import baseline

    try:
        return baseline.load(path, known_ids=[c.id for c in registry.load_all()])
    except baseline.BaselineError as exc:
        raise pytest.UsageError(str(exc)) from None


# --- fixtures -----------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def lti_session(request: pytest.FixtureRequest) -> Any:
    """The harness session: profile, recording client, adapter, and any servers it started."""
    config = request.config
    path = config.getoption("--lti-profile")
    from . import profile as profiles

    opener = globals().get("open_session") or __getattr__("open_session")  # a conftest's wrapper when it set one
    session = opener(profiles.load(path) if path else None, faults=config.getoption("--lti-fault"))
    session.client.run_deadline = config.stash.get(_DEADLINE, None)
    if config.getoption("--lti-no-response-validation"):
        session.client.inspector = None
    config.stash[_SESSION] = session
    platform, tool = session.profile.platform, session.profile.tool
    config.stash[_RESULTS].target = platform.base_url if platform else tool.base_url if tool else ""
    yield session
    from . import cleanup

    cleanup.finish(session, undo=bool(config.getoption("--lti-cleanup")))  # flags restored; with --lti-cleanup, objects removed
    session.close()


@pytest.fixture
def platform(lti_session: HarnessSession) -> HarnessSession:
    """The session, for checks that need a target platform."""
    if lti_session.platform is None:
        not_applicable("the profile names no [platform]")
    return lti_session


@pytest.fixture
def tool_target(lti_session: HarnessSession) -> HarnessSession:
    """The session, for checks that need a target tool (``[tool]`` in the profile)."""
    if lti_session.profile.tool is None:
        not_applicable("the profile names no [tool]")
    return lti_session


@pytest.fixture(autouse=True)
def _lti_check_context(request: pytest.FixtureRequest) -> Any:
    marker = request.node.get_closest_marker("lti_check")
    if marker is None:
        yield
        return
    deadline = request.config.stash.get(_DEADLINE, None)
    if deadline is not None and time.monotonic() >= deadline:
        results.cannot_test(f"{DEADLINE_PASSED} (deadline {request.config.getoption('--lti-deadline'):g} s); this check was not run")
    session: HarnessSession = request.getfixturevalue("lti_session")
    session.exchanges = []
    request.node.stash[_ITEM_EXCHANGES] = session.exchanges
    session.violations = []
    request.node.stash[_ITEM_VIOLATIONS] = session.violations
    for cid in marker.args:
        for need in registry.REGISTRY[cid].needs:
            reason = session.missing(need)
            if reason:
                not_applicable(f"{cid} needs {need}: {reason}")
    tool_side = all(registry.REGISTRY[cid].side == "tool" for cid in marker.args)
    target = session.profile.tool if tool_side else session.platform
    if target is not None:
        reason = session.client.dead_reason(target.base_url)
        if reason:
            results.cannot_test(reason)
    yield
    request.node.stash[_ITEM_EXCHANGES] = list(session.exchanges)


# --- reporting ----------------------------------------------------------------------------------


def _plain_error(exc: BaseException | None) -> BaseException | None:
    if exc is None:
        return None
    if isinstance(exc, plain_errors()):
        return exc
    if isinstance(exc, BaseExceptionGroup):
        for inner in exc.exceptions:
            found = _plain_error(inner)
            if found is not None:
                return found
    return _plain_error(exc.__cause__) if exc.__cause__ is not exc else None


def _short(exc: BaseException) -> str:
    text = str(exc) or type(exc).__name__
    if isinstance(exc, AssertionError):
        text = text.split("\nassert ")[0]
    lines = [line for line in text.splitlines() if line.strip()]
    first = lines[0] if lines else type(exc).__name__
    return first[:400]


FOLDED_EXCHANGES = 10  # earlier exchanges shown (folded) in a test's report.html extras


def _exchange_html(ex: Any) -> str:
    return f"<pre>{html.escape(redact.text(ex.describe()))}</pre><pre>{html.escape(redact.text(ex.curl()))}</pre>"


def exchanges_html(exchanges: list[Any], failed: bool) -> str:
    """A test's exchanges for report.html: the decisive one (the last, which the check's assertion judged)
    first and highlighted, the earlier ones (most recent first, at most :data:`FOLDED_EXCHANGES`) folded."""
    if not exchanges:
        return "<p><i>no HTTP exchange was recorded</i></p>"
    *earlier, decisive = exchanges
    colour = "#c0392b" if failed else "#2c7be5"
    parts = [f"<div class='lti-decisive' style='border-left:4px solid {colour};padding:2px 8px;margin:4px 0'>"
             f"<p><b>decisive exchange</b> (the last of {len(exchanges)}: the one the check judged)</p>"
             f"{_exchange_html(decisive)}</div>"]
    if earlier:
        shown = earlier[::-1][:FOLDED_EXCHANGES]
        more = f"; the {len(earlier) - len(shown)} oldest are not shown" if len(earlier) > len(shown) else ""
        parts.append(f"<details class='lti-earlier'><summary>{len(earlier)} earlier exchange(s), most recent first{more}</summary>"
                     + "".join(_exchange_html(ex) for ex in shown) + "</details>")
    return "\n".join(parts)


def check_reproduce_command(config: pytest.Config, ids: tuple[str, ...] | list[str]) -> str:
    """The ``lti-harness run`` command that repeats the checks ``ids`` as this run did them: seed,
    profile, their suites, examples, faults, strictness and shrinking."""
    from .runner import RunOptions, reproduce_command

    seed = _seed(config)
    return reproduce_command(RunOptions(
        profile=config.getoption("--lti-profile"),
        suites=list(dict.fromkeys(registry.REGISTRY[cid].suite for cid in ids)),
        checks=list(ids),
        seed=seed if isinstance(seed, int) else None,
        examples=config.getoption("--lti-examples"),
        strict=bool(config.getoption("--lti-strict")),
        shrink=not config.getoption("--lti-no-shrink"),
        faults=list(config.getoption("--lti-fault") or []),
        response_validation=not config.getoption("--lti-no-response-validation"),
    ))


def _extras_html(item: pytest.Item, report: pytest.TestReport, message: str, exchanges: list[Any], seed: Any) -> str:
    ids = item.get_closest_marker("lti_check").args  # type: ignore[union-attr]
    parts = []
    for cid in ids:
        c = registry.REGISTRY[cid]
        parts.append(
            f"<p><b>{html.escape(cid)}</b> [{html.escape(c.level)}] {html.escape(c.title)}<br>"
            f"<i>source:</i> {html.escape(c.source)}<br><i>where:</i> {html.escape(sources.describe(c.source) or '(no document of the package)')}</p>"
        )
        if c.description:
            parts.append(f"<p>{html.escape(c.description)}</p>")
    if message:
        parts.append(f"<p><b>why:</b> {html.escape(redact.text(message))}</p>")
    parts.append(f"<p><i>hypothesis seed:</i> {html.escape(str(seed))}<br><i>reproduce:</i> "
                 f"<code>{html.escape(check_reproduce_command(item.config, ids))}</code></p>")
    parts.append(exchanges_html(exchanges, failed=report.failed))
    return "<div class='lti-check'>" + "\n".join(parts) + "</div>"


def _scrub(value: Any, depth: int = 0) -> Any:
    """``value`` with every string in it redacted; pytest's failure representations (dataclasses of
    strings, lists and tuples) are redacted in place so they keep their form."""
    if isinstance(value, str):
        return redact.text(value)
    if depth > 12:
        return value
    if isinstance(value, list):
        value[:] = [_scrub(v, depth + 1) for v in value]
        return value
    if type(value) is tuple:
        return tuple(_scrub(v, depth + 1) for v in value)
    if isinstance(value, dict):
        return {k: _scrub(v, depth + 1) for k, v in value.items()}
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        for f in dataclasses.fields(value):
            try:
                object.__setattr__(value, f.name, _scrub(getattr(value, f.name), depth + 1))
            except (AttributeError, TypeError):
                pass
    return value


def redact_report(report: pytest.TestReport) -> None:
    """The redaction boundary of a test report: its failure text (``longrepr``, which JUnit XML's
    failure message, report.html and the console show), captured output, message and exchanges."""
    longrepr = report.longrepr
    if isinstance(longrepr, tuple) and len(longrepr) == 3:  # a skip's (path, line, reason): JUnit XML needs the tuple
        longrepr = (redact.text(str(longrepr[0])), longrepr[1], redact.text(str(longrepr[2])))
    elif longrepr is not None and not isinstance(longrepr, str):
        try:
            text = str(longrepr)
        except Exception:  # noqa: BLE001 - a representation that cannot render is replaced below
            text = ""
        longrepr = _scrub(longrepr)
        try:
            rendered = str(longrepr)
        except Exception:  # noqa: BLE001
            rendered = None
        if rendered is None or redact.text(rendered) != rendered:
            longrepr = redact.text(text)  # a secret spans parts of the representation: keep only redacted text
    elif isinstance(longrepr, str):
        longrepr = redact.text(longrepr)
    report.longrepr = longrepr
    report.sections = [(redact.text(title), redact.text(content)) for title, content in report.sections]
    if hasattr(report, "lti_message"):
        report.lti_message = redact.text(report.lti_message)  # type: ignore[attr-defined]
    # The exchanges and extras are the bulk of a report: redacted again only when they or the secrets known
    # changed since their last pass (this hook runs up to three times per report, in each process it reaches).
    if getattr(report, "lti_redacted", None) == _redaction_mark(report):
        return
    if hasattr(report, "lti_exchanges"):
        report.lti_exchanges = redact.strings(report.lti_exchanges)  # type: ignore[attr-defined]
    if getattr(report, "extras", None):
        report.extras = [redact.strings(e) for e in report.extras]  # type: ignore[attr-defined]
    report.lti_redacted = _redaction_mark(report)  # type: ignore[attr-defined]


def _redaction_mark(report: pytest.TestReport) -> list[Any]:
    """What a report's exchanges and extras were last redacted under: the secrets known then (a stamp of this
    process's list) and which exchanges and how many extras there were (a list: it travels to xdist's controller)."""
    return [redact.stamp(), id(getattr(report, "lti_exchanges", None)), len(getattr(report, "extras", None) or ())]


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Any:
    outcome = yield
    report: pytest.TestReport = outcome.get_result()
    if not is_harness_test(item):
        return
    report.lti_harness = True  # type: ignore[attr-defined]
    try:
        _make_report(item, call, report)
    finally:
        redact_report(report)


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    """Redact again before any reporter sees the report: other plugins' hook wrappers (hypothesis adds a
    section) may have run after ours."""
    if getattr(report, "lti_harness", False):
        redact_report(report)


@pytest.hookimpl(trylast=True)
def pytest_exception_interact(node: Any, call: Any, report: Any) -> None:
    """Schemathesis rewrites a failing report's text here, after it was logged; report.html and the
    console summary read it later, so it is redacted once more."""
    if isinstance(report, pytest.TestReport) and getattr(report, "lti_harness", False):
        redact_report(report)


def _location(item: pytest.Item) -> tuple[str, int]:
    """Where a test is, without a file path: its module's dotted name and the test's line (1-based)."""
    module = getattr(getattr(item, "module", None), "__name__", None) or item.nodeid.split("::")[0].rsplit("/", 1)[-1]
    path = getattr(item, "path", None)
    if path is not None and _in_suites(path):  # a source checkout's folder name would otherwise lead the name
        module = ".".join(("lti_harness", "suites", *Path(path).resolve().relative_to(_SUITES_DIR).with_suffix("").parts))
    try:
        line = item.reportinfo()[1]
    except Exception:  # noqa: BLE001 - a location is a courtesy; never fail a report for it
        line = None
    return module, line + 1 if isinstance(line, int) else 0


def _violations_text(item: pytest.Item, report: pytest.TestReport) -> str:
    """For a check's call phase: the answers it received outside their OpenAPI documents, as one sentence
    ("" when there were none). A check that otherwise passed is made to fail with it."""
    found = item.stash.get(_ITEM_VIOLATIONS, None)
    if report.when != "call" or not found or item.get_closest_marker("lti_check") is None:
        return ""
    from . import conformance

    text = redact.text(conformance.describe(found))
    if report.passed:
        report.outcome = "failed"
        report.longrepr = text
    return text


def _make_report(item: pytest.Item, call: pytest.CallInfo[None], report: pytest.TestReport) -> None:
    marker = item.get_closest_marker("lti_check")
    was_passed = report.passed
    violations = _violations_text(item, report)
    exc = call.excinfo.value if call.excinfo is not None else None
    plain = _plain_error(exc)
    verdict = results.classify(exc) if report.failed else None
    if verdict == results.NOT_APPLICABLE:
        report.outcome = "skipped"
        report.longrepr = (*_location(item), NOT_APPLICABLE + str(plain))
    elif plain is not None and report.failed:
        report.longrepr = f"{type(plain).__name__}: {plain}"
    if report.skipped and isinstance(report.longrepr, tuple) and len(report.longrepr) == 3:
        report.longrepr = (*_location(item), report.longrepr[2])  # pytest.skip's location is a file of the harness
    if report.failed and (verdict == results.ERROR or report.when != "call"):
        # The harness could not test: pytest, JUnit XML and pytest-html show an error, not a failure,
        # for a report that is not the call phase's, so the call phase's report says it is setup.
        report.lti_outcome = results.ERROR  # type: ignore[attr-defined]
        if report.when == "call":
            report.when = "setup"  # type: ignore[assignment]
    if marker is None:
        return
    message = ""
    if report.failed and exc is not None:
        message = _short(plain or exc) + shrink_note(report)
    elif report.skipped and isinstance(report.longrepr, tuple):
        message = str(report.longrepr[2]).removeprefix("Skipped: ")
    if violations:  # the check failed for its answers alone, or ended otherwise and they are a note
        message = violations if was_passed else f"{message} (note: {violations})"
    report.lti_message = message  # type: ignore[attr-defined]
    for cid in marker.args:
        c = registry.REGISTRY[cid]
        report.user_properties.append(("check", cid))
        report.user_properties.append((f"{cid}.level", c.level))
        report.user_properties.append((f"{cid}.source", c.source))
    if report.when == "call" or report.failed or report.skipped:
        exchanges = item.stash.get(_ITEM_EXCHANGES, [])
        if report.when != "teardown" and item.config.stash.get(_SESSION, None) is not None:
            exchanges = list(item.config.stash[_SESSION].exchanges) or exchanges
        report.lti_exchanges = [dict(e.to_dict(), curl=e.curl()) for e in exchanges]  # type: ignore[attr-defined]
        if report.failed or report.when == "call":
            try:
                from pytest_html import extras
            except ImportError:
                return
            seed = item.config.getoption("hypothesis_seed", default=None)
            block = _extras_html(item, report, message, exchanges, seed if seed is not None else "random")
            report.extras = [*getattr(report, "extras", []), extras.html(block)]  # type: ignore[attr-defined]


class _Collector:
    """Turns test reports into per-check results (registered per run in ``pytest_configure``)."""

    def __init__(self, results: Results) -> None:
        self.results = results

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        if not getattr(report, "lti_harness", False):
            if report.failed:
                self.results.foreign_failures.add(report.nodeid)
            return
        ids = [v for k, v in report.user_properties if k == "check"]
        decisive = report.when == "call" or (report.when == "setup" and not report.passed) or (report.when == "teardown" and report.failed)
        if not decisive:
            return
        if not ids:
            if report.failed:
                self.results.unlinked_failures.append(report.nodeid)
            return
        if report.passed:
            state = results.PASSED
        elif report.skipped:
            state = results.NOT_APPLICABLE
        else:
            state = getattr(report, "lti_outcome", results.FAILED)
        for cid in ids:
            if cid not in registry.REGISTRY:  # pytest-xdist's controller collects nothing: read the catalogue
                registry.load_all()
            res = self.results.checks.setdefault(cid, results.CheckResult(registry.REGISTRY[cid]))
            res.add(state, report.nodeid, getattr(report, "lti_message", ""), getattr(report, "lti_exchanges", []))


def report_checks(report: Any) -> list[tuple[str, str]]:
    """The ``(check id, level)`` pairs a harness test report verifies, read from its user properties
    (they travel with the report to pytest-xdist's controller)."""
    props = [p for p in getattr(report, "user_properties", None) or [] if isinstance(p, (tuple, list)) and len(p) == 2]
    levels = {str(k).removesuffix(".level"): str(v) for k, v in props if str(k).endswith(".level")}
    return [(cid, levels.get(cid, "")) for cid in dict.fromkeys(str(v) for k, v in props if k == "check")]


def name_label(checks: list[tuple[str, str]]) -> str:
    """``[DR-012 required]``: what a JUnit test name starts with."""
    return "[" + ", ".join(f"{cid} {level}".strip() for cid, level in checks) + "]"


def message_label(checks: list[tuple[str, str]]) -> str:
    """``DR-012 [required]``: what a JUnit failure or error message starts with."""
    return ", ".join(f"{cid} [{level}]" if level else cid for cid, level in checks)


def _suite_of(cid: str) -> str:
    if cid not in registry.REGISTRY:  # pytest-xdist's controller collects nothing: read the catalogue
        registry.load_all()
    c = registry.REGISTRY.get(cid)
    return c.suite if c is not None else ""


def is_harness_run(config: pytest.Config) -> bool:
    """Whether this pytest run is the harness's: ``lti-harness run``, or pytest given the suites or an
    ``--lti-`` option. Only then does report.html get the harness's title and columns."""
    if any(config.getoption(o) for o in ("--lti-report-dir", "--lti-profile", "--lti-check", "--lti-fault", "--lti-baseline")):
        return True
    for arg in config.args:
        head = str(arg).split("::")[0]
        if head == "lti_harness.suites" or head.startswith("lti_harness.suites.") or _in_suites(head):
            return True
    return False


def target_name(config: pytest.Config) -> str:
    """The run's target as report.html's title names it: the profile's base URLs, or the embedded mocks."""
    path = config.getoption("--lti-profile")
    if not path:
        return "the embedded mocks"
    from . import profile as profiles

    try:
        prof = profiles.load(path)
    except profiles.ProfileError:
        return redact.text(str(path))
    return redact.text(", ".join(t.base_url for t in (prof.platform, prof.tool) if t is not None) or str(path))


_EXC_TYPE = re.compile(r"^(?:\w+\.)*\w*(?:Error|Exception|Failure|Failed): ")


class _Labels:
    """Check ids and levels where CI readers look: JUnit XML test names and failure/error messages (CI
    widgets ignore ``<property>`` elements), and report.html's title and check/level/suite columns."""

    def __init__(self, config: pytest.Config) -> None:
        self.config = config
        self.pending: dict[int, tuple[Any, list[tuple[str, str]]]] = {}
        self.columns = False

    def _junit(self) -> Any:
        try:
            from _pytest.junitxml import xml_key
        except ImportError:
            return None
        return self.config.stash.get(xml_key, None)  # absent with -p no:junitxml or without --junitxml

    @pytest.hookimpl(tryfirst=True)
    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        """Before junitxml opens the test case: its name starts with ``[ID level]``."""
        if not getattr(report, "lti_harness", False) or (report.passed and report.when != "call"):
            return
        checks = report_checks(report)
        xml = self._junit()
        if not checks or xml is None:
            return
        try:
            from _pytest.junitxml import mangle_test_address

            reporter = xml.node_reporter(report)
            reporter.add_attribute("name", f"{name_label(checks)} {mangle_test_address(report.nodeid)[-1]}")
        except Exception:  # noqa: BLE001 - a label is a courtesy: never break the report for it
            return
        if report.failed:
            self.pending[id(report)] = (reporter, checks)

    @pytest.hookimpl(trylast=True, specname="pytest_runtest_logreport")
    def pytest_runtest_logreport_junit_message(self, report: pytest.TestReport) -> None:
        """After junitxml added the ``<failure>``/``<error>``: its message starts with ``ID [level]: ``."""
        entry = self.pending.pop(id(report), None)
        if entry is None:
            return
        reporter, checks = entry
        try:
            from _pytest.junitxml import bin_xml_escape

            nodes = reporter.nodes if "nodes" in vars(reporter) else list(reporter.to_xml())  # teardown: already final
            node = next((n for n in reversed(nodes) if n.tag in ("failure", "error")), None)
            if node is not None:
                text = getattr(report, "lti_message", "")
                if node.tag == "failure":  # pytest's message names the innermost failure of an exception group
                    lines = [line for line in node.get("message", "").splitlines() if line.strip()]
                    text = _EXC_TYPE.sub("", lines[0]) if lines else text
                node.set("message", bin_xml_escape(redact.text(f"{message_label(checks)}: {text or node.get('message', '')}")[:1000]))
        except Exception:  # noqa: BLE001
            return

    @pytest.hookimpl(optionalhook=True)
    def pytest_html_report_title(self, report: Any) -> None:
        if is_harness_run(self.config):
            report.title = f"LTI conformance report — {target_name(self.config)}"

    @pytest.hookimpl(optionalhook=True)
    def pytest_html_results_table_header(self, cells: list[str]) -> None:
        self.columns = is_harness_run(self.config)
        if self.columns:
            cells[1:1] = [f'<th class="sortable" data-column-type="{name}">{name.capitalize()}</th>' for name in ("check", "level", "suite")]

    @pytest.hookimpl(optionalhook=True)
    def pytest_html_results_table_row(self, report: Any, cells: list[str]) -> None:
        if not self.columns:
            return
        checks = report_checks(report) if getattr(report, "lti_harness", False) else []
        values = {
            "check": ", ".join(cid for cid, _ in checks),
            "level": ", ".join(dict.fromkeys(level for _, level in checks)),
            "suite": ", ".join(dict.fromkeys(_suite_of(cid) for cid, _ in checks)),
        }
        cells[1:1] = [f'<td class="col-{name}">{html.escape(value)}</td>' for name, value in values.items()]

    @pytest.hookimpl(optionalhook=True)
    def pytest_html_results_table_html(self, report: Any, data: list[str]) -> None:
        """A not-applicable row's log: where and why, not the raw skip tuple."""
        longrepr = getattr(report, "longrepr", None)
        if getattr(report, "lti_harness", False) and report.skipped and isinstance(longrepr, (tuple, list)) and len(longrepr) == 3 and data:
            where, line, reason = longrepr
            data[0] = html.escape(redact.text(f"{where}:{line}: {str(reason).removeprefix('Skipped: ')}")) + "\n"


def _seed(config: pytest.Config) -> int | str | None:
    seed = config.getoption("hypothesis_seed", default=None)
    return int(seed) if isinstance(seed, str) and seed.isdigit() else seed


def _session_record(config: pytest.Config) -> dict[str, Any] | None:
    """The target and what this process's harness session created, changed and cleaned up there."""
    session = config.stash.get(_SESSION, None)
    if session is None:
        return None
    return {"target": config.stash[_RESULTS].target, "created": list(session.created), "changed": list(session.changed),
            "cleanup": session.cleanup}


@pytest.hookimpl(optionalhook=True)
def pytest_testnodedown(node: Any, error: Any) -> None:
    """pytest-xdist's controller: keep what a finished worker's session did on the target."""
    output = getattr(node, "workeroutput", {})
    for secret in output.get(_SECRETS_KEY, []):  # a credential one worker learnt may have been echoed to another
        redact.register_secret(secret)
    record = output.get(_WORKER_KEY)
    if record:
        node.config.stash.setdefault(_WORKERS, []).append(record)


def _sessions(config: pytest.Config) -> list[dict[str, Any]]:
    """This process's session record, or under pytest-xdist every worker's."""
    own = _session_record(config)
    return [own] if own is not None else list(config.stash.get(_WORKERS, []))


def _merged_cleanup(records: list[dict[str, Any]]) -> dict[str, Any] | None:
    done = [r["cleanup"] for r in records if r.get("cleanup") is not None]
    if not done:
        return None
    return {"undone": sum(c.get("undone", 0) for c in done), "left": [x for c in done for x in c.get("left", [])]}


def run_summary(config: pytest.Config) -> dict[str, Any]:
    """The run's results as the summary.json document (redacted: it feeds summary.json, report.html and the console)."""
    res: Results = config.stash[_RESULTS]
    records = _sessions(config)
    targets = list(dict.fromkeys(r["target"] for r in records if r.get("target")))
    return report_summary.build(
        res.checks.values(),
        target=res.target or ", ".join(targets) or target_name(config),
        seed=_seed(config),
        strict=bool(config.getoption("--lti-strict")),
        duration_s=time.time() - res.started,
        unlinked_failures=res.unlinked_failures,
        created=[x for r in records for x in r["created"]],
        changed=list(dict.fromkeys(x for r in records for x in r["changed"])),
        cleanup=_merged_cleanup(records),
        baseline=config.stash.get(_BASELINE, None),
        baseline_file=config.getoption("--lti-baseline") or "",
    )


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    config = session.config
    res: Results = config.stash[_RESULTS]
    record = _session_record(config)
    if hasattr(config, "workeroutput"):  # a pytest-xdist worker: tell the controller
        if record is not None:
            config.workeroutput[_WORKER_KEY] = record
        config.workeroutput[_SECRETS_KEY] = redact.known_secrets()
    if not res.checks and not res.unlinked_failures:
        return
    doc = run_summary(config)
    # never hide an interruption, a usage error, or a failure of a test that is not the harness's
    if exitstatus in (0, 1) and res.checks and not res.foreign_failures:
        session.exitstatus = doc["exit_code"]
    report_dir = config.getoption("--lti-report-dir")
    if res.checks:
        doc["exit_code"] = int(session.exitstatus)
        config.stash[_SUMMARY] = doc
    if report_dir and res.checks:
        report_summary.write(doc, report_dir)


def final_summary(config: pytest.Config) -> dict[str, Any]:
    """The run's summary document as summary.json has it (once the session finished), so report.html,
    the console and summary.json show the same counts and exit code."""
    doc = config.stash.get(_SUMMARY, None)
    return doc if doc is not None else run_summary(config)


@pytest.hookimpl(optionalhook=True)
def pytest_html_results_summary(prefix: list[str], summary: list[str], postfix: list[str], session: pytest.Session) -> None:
    """report.html: the verdict of every check, the exit code, and what the run created on the target."""
    if not session.config.stash[_RESULTS].checks:
        return
    doc = final_summary(session.config)
    counts = ", ".join(f"{doc[v]} {v.replace('_', ' ')}" for v in results.OUTCOMES)
    parts = [f"<h2>LTI conformance: {html.escape(counts)} (exit code {doc['exit_code']}: {html.escape(results.EXIT_CODES.get(doc['exit_code'], 'pytest did not finish the run'))})</h2>",
             "<p>Verdicts per check, as in summary.json and the console. The results table below has a row per test "
             "(a check may have several tests); its check, level and suite columns say which check a test verifies.</p>",
             "<table><tr><th>check</th><th>level</th><th>verdict</th><th>title</th><th>why</th></tr>"]
    for it in doc["checks"]:
        why = "; ".join(it.get("messages", []))[:600]
        parts.append(f"<tr><td>{html.escape(it['id'])}</td><td>{html.escape(it['level'])}</td><td>{html.escape('known failure' if it.get('known') else it['outcome'].replace('_', ' '))}</td>"
                     f"<td>{html.escape(it['title'])}</td><td>{html.escape(why)}</td></tr>")
    parts.append("</table>")
    if (doc.get("baseline") or {}).get("stale"):
        from .baseline import stale_message

        parts.append("<h3>Stale baseline entries (they fail the run)</h3><ul>" + "".join(
            f"<li>{html.escape(stale_message(e, doc['baseline']['file']))}</li>" for e in doc["baseline"]["stale"]) + "</ul>")
    if doc["created_on_target"]:
        parts.append("<h3>Created on the target by this run</h3><ul>" + "".join(f"<li>{html.escape(x)}</li>" for x in doc["created_on_target"]) + "</ul>")
    if doc.get("changed_on_target"):
        parts.append("<h3>Changed on the target by this run</h3><ul>" + "".join(f"<li>{html.escape(x)}</li>" for x in doc["changed_on_target"]) + "</ul>")
    postfix.extend(parts)


def pytest_terminal_summary(terminalreporter: Any, exitstatus: int, config: pytest.Config) -> None:
    if not config.stash[_RESULTS].checks:
        return
    terminalreporter.section("LTI conformance summary")
    for text, style in report_summary.console(final_summary(config)):
        terminalreporter.write_line(text, **({style: True, "bold": text.startswith("result:")} if style else {}))


def pytest_unconfigure(config: pytest.Config) -> None:
    """pytest-xdist's controller: JUnit XML and report.html were built from the workers' reports, each
    redacted with what its own worker had learnt; now that every worker's secrets are known, the files
    are redacted once more with all of them (literal secrets only: the markup stays as it is)."""
    if hasattr(config, "workeroutput") or not config.pluginmanager.hasplugin("dsession"):
        return
    for option in ("xmlpath", "htmlpath"):
        path = getattr(config.option, option, None)
        if not path or not Path(path).is_file():
            continue
        text = Path(path).read_text(encoding="utf-8")
        cleaned = redact.literals(text)
        if cleaned != text:
            Path(path).write_text(cleaned, encoding="utf-8")
