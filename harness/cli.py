"""The ``lti-harness`` command: run the suites, serve a mock, list the checks."""

from __future__ import annotations

import argparse
import json
import sys
from typing import TYPE_CHECKING

from . import __version__

if TYPE_CHECKING:
    from .runner import RunOptions


def _run(ns: argparse.Namespace) -> int:
    profiles = ns.profile or []
    if len(profiles) > 2:
        print("lti-harness: --profile may be given at most twice (two targets to compare)", file=sys.stderr)
        return 2
    if len(profiles) == 2:
        return _run_two(ns, profiles)
    return _run_one(ns, profiles[0] if profiles else None, ns.report_dir)


def _run_two(ns: argparse.Namespace, profiles: list[str]) -> int:
    """Run the same selection against two targets (e.g. staging and production), each into its own
    report folder, then compare them: exit 1 when the second has a required failure the first has not."""
    from pathlib import Path

    from lti_harness.reports import compare as render

    from .compare import SummaryError, compare, load_summary

    if ns.seed is None:  # one seed for both runs, so the same examples are compared
        import random

        ns.seed = random.randrange(1, 2**31)
    names = [Path(p).stem for p in profiles]
    if names[0] == names[1]:
        names = [f"{names[0]}-1", f"{names[1]}-2"]
    dirs = [str(Path(ns.report_dir) / name) for name in names]
    codes = [_run_one(ns, profile, folder) for profile, folder in zip(profiles, dirs)]
    if any(code == 2 for code in codes):
        return 2
    try:
        a, b = load_summary(dirs[0]), load_summary(dirs[1])
    except SummaryError as exc:
        print(f"lti-harness: {exc}", file=sys.stderr)
        return 2
    cmp = compare(a, b, a_name=profiles[0], b_name=profiles[1])
    page = Path(ns.report_dir) / "compare.html"
    try:
        render.write_page(cmp, page)
    except OSError as exc:
        print(f"lti-harness: cannot write {page}: {exc.strerror or exc}", file=sys.stderr)
        return 2
    print(f"\ncomparison of {profiles[0]} (exit {codes[0]}) and {profiles[1]} (exit {codes[1]}): {page}")
    for text, _style in render.console(cmp):
        print(text)
    return cmp.exit_code


def _run_one(ns: argparse.Namespace, profile: str | None, report_dir: str) -> int:
    from .runner import run

    return run(run_options(ns, profile, report_dir))


def run_options(ns: argparse.Namespace, profile: str | None, report_dir: str) -> RunOptions:
    """The options of one ``lti-harness run`` against ``profile`` (None: the embedded mocks) into ``report_dir``."""
    from .runner import RunOptions

    return RunOptions(
        profile=profile,
        suites=ns.suite or [],
        report_dir=report_dir,
        seed=ns.seed,
        examples=ns.examples,
        strict=ns.strict,
        shrink=not ns.no_shrink,
        shrink_budget=ns.shrink_budget,
        faults=ns.fault or [],
        checks=ns.check or [],
        workers=ns.workers,
        verbose=ns.verbose,
        deadline=ns.deadline,
        baseline=ns.baseline,
        cleanup=ns.cleanup,
        level=ns.level,
        max_failures=ns.max_failures,
        response_validation=not ns.no_response_validation,
        extra=list(getattr(ns, "pytest_args", [])),
    )


def _baseline_write(ns: argparse.Namespace) -> int:
    from pathlib import Path

    from . import baseline
    from .compare import SummaryError, load_summary

    try:
        doc = load_summary(ns.source)
    except SummaryError as exc:
        print(f"lti-harness: {exc}", file=sys.stderr)
        return 2
    entries = baseline.from_summary(doc)
    header = f"Written by 'lti-harness baseline write' from a run against {doc.get('target') or 'the embedded mocks'} (seed {doc.get('seed')})."
    text = baseline.render(entries, header=header)
    if ns.output == "-":
        sys.stdout.write(text)
        return 0
    out = Path(ns.output)
    if out.exists() and not ns.force:
        print(f"lti-harness: {out} exists; pass --force to replace it", file=sys.stderr)
        return 2
    try:
        out.write_text(text, encoding="utf-8")
    except OSError as exc:
        print(f"lti-harness: cannot write {out}: {exc.strerror or exc}", file=sys.stderr)
        return 2
    print(f"wrote {len(entries)} known failure(s) to {out}; use it with: lti-harness run --baseline {out}")
    return 0


def _compare(ns: argparse.Namespace) -> int:
    from lti_harness.reports import compare as render

    from .compare import SummaryError, compare, load_summary

    try:
        a, b = load_summary(ns.a), load_summary(ns.b)
    except SummaryError as exc:
        print(f"lti-harness: {exc}", file=sys.stderr)
        return 2
    cmp = compare(a, b, a_name=ns.a, b_name=ns.b)
    if ns.html:
        try:
            render.write_page(cmp, ns.html)
        except OSError as exc:
            print(f"lti-harness: cannot write {ns.html}: {exc.strerror or exc}", file=sys.stderr)
            return 2
    if ns.format == "json":
        from . import redact

        print(json.dumps(redact.strings(cmp.to_dict()), indent=2, ensure_ascii=False))
    else:
        for text, _style in render.console(cmp):
            print(text)
    return cmp.exit_code


def _serve(ns: argparse.Namespace) -> int:
    import uvicorn

    from .statedb import StateFileError

    if ns.what == "platform":
        from lti_harness import mock_platform
        from lti_harness.mock_platform.faults import check_names

        try:
            faults = check_names(ns.fault or [])
        except ValueError as exc:
            print(f"lti-harness: {exc}", file=sys.stderr)
            return 2
        config = mock_platform.PlatformConfig(
            admin_token=ns.admin_token, account_id=ns.account_id, issuer=ns.issuer, faults=faults,
            jwks_loopback_only=not ns.allow_remote_jwks, db=ns.db,
        )
        try:
            app = mock_platform.create_app(config)
        except StateFileError as exc:
            print(f"lti-harness: cannot use the state file: {exc}", file=sys.stderr)
            return 2
        url = f"http://{ns.host}:{ns.port}"
        print(f"mock platform on {url}  faults: {', '.join(sorted(faults)) or 'none'}  state: {ns.db or 'in memory (lost on exit)'}")
        token_line = 'admin_token = "mock-admin-token"' if ns.admin_token == "mock-admin-token" else 'admin_token = "env:LTI_ADMIN_TOKEN"   # export LTI_ADMIN_TOKEN=<your --admin-token>'
        print("a profile for it:")
        print(f'  [platform]\n  base_url = "{url}"\n  account_id = "{ns.account_id}"\n  {token_line}')
        signin = "mock-admin-token" if ns.admin_token == "mock-admin-token" else "your --admin-token"
        print(f"admin pages (review update requests, developer keys, registration tokens): {url}/admin  (sign in with {signin})", flush=True)
    else:
        from lti_harness import mock_tool
        from lti_harness.mock_tool.faults import check_names as check_tool_faults

        try:
            faults = check_tool_faults(ns.fault or [])
        except ValueError as exc:
            print(f"lti-harness: {exc}", file=sys.stderr)
            return 2
        try:
            app = mock_tool.create_app(mock_tool.ToolConfig(api_key=ns.api_key, faults=faults, db=ns.db, dr_allowed=tuple(ns.allow_dr_from or ())))
        except StateFileError as exc:
            print(f"lti-harness: cannot use the state file: {exc}", file=sys.stderr)
            return 2
        url = f"http://{ns.host}:{ns.port}"
        print(f"mock tool on {url}  faults: {', '.join(sorted(faults)) or 'none'}  state: {ns.db or 'in memory (lost on exit)'}"
              "  (registrations API at /v1/platform/lti/registrations)")
        key_line = f'api_key = "{ns.api_key}"' if ns.api_key == "tf_platform_mock" else 'api_key = "env:LTI_TOOL_API_KEY"   # export LTI_TOOL_API_KEY=<your --api-key>'
        print("a profile for it:")
        dr_line = f'\n  dynamic_registration_url = "{url}/v1/platform/lti/dynamic-registration"' if ns.allow_dr_from else ""
        print(f'  [tool]\n  base_url = "{url}"\n  {key_line}{dr_line}', flush=True)
    try:
        uvicorn.run(app, host=ns.host, port=ns.port, log_level=ns.log_level, lifespan="auto")
    except (OSError, SystemExit) as exc:
        print(f"lti-harness: cannot serve on {ns.host}:{ns.port}: {exc}", file=sys.stderr)
        return 2
    return 0


def _checks(ns: argparse.Namespace) -> int:
    from . import sources
    from .checks import load_all

    try:
        items = load_all(ns.suite or None)
    except KeyError as exc:
        print(f"lti-harness: {exc.args[0]}", file=sys.stderr)
        return 2
    if ns.format == "json":  # "documents": where each cited source document and section is (harness.sources)
        print(json.dumps([{**c.to_dict(), "documents": [d.to_dict(absolute=True) for d in sources.cite(c.source)]}
                          for c in items], indent=2))
        return 0
    for c in items:
        print(f"{c.id:<10} {c.level:<12} {c.title}")
        print(f"{'':<10} source: {c.source}")
        print(f"{'':<10} where:  {sources.describe(c.source, titles=False) or '(no document of the package)'}")
        print(f"{'':<10} faults: {', '.join(c.faults)}")
        print(f"{'':<10} needs:  {', '.join(c.needs) or '(nothing beyond a target)'}")
    print(f"the cited documents (where: file:line) are in {sources.sources_dir()}")
    print(f"{len(items)} checks")
    return 0


def _keygen(ns: argparse.Namespace) -> int:
    import os
    from pathlib import Path

    from . import keys

    path = Path(ns.file)
    if path.exists() and not ns.force:
        print(f"lti-harness: {path} exists; pass --force to replace it", file=sys.stderr)
        return 2
    pair = keys.generate()
    pair = keys.KeyPair(private_key=pair.private_key, kid=ns.kid or keys.thumbprint(pair.private_key.public_key()))
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "wb") as out:
            out.write(pair.private_pem)
    except OSError as exc:
        print(f"lti-harness: cannot write {path}: {exc.strerror or exc}", file=sys.stderr)
        return 2
    print(json.dumps(keys.jwks(pair), indent=2))
    print(f"wrote the private key to {path}; configure the public JWKS above in the tool as the platform's keys, and name the key "
          f"in the profile:\n  [tool.launch]\n  private_key = \"{path}\"\n  kid = \"{pair.kid}\"", file=sys.stderr)
    return 0


def _faults(ns: argparse.Namespace) -> int:
    from lti_harness.mock_platform.faults import FAULTS as PLATFORM
    from lti_harness.mock_tool.faults import FAULTS as TOOL

    table = {"platform": PLATFORM, "tool": TOOL}
    if ns.format == "json":
        print(json.dumps(table, indent=2))
        return 0
    for side, faults in table.items():
        for name, text in faults.items():
            print(f"{side:<9} {name:<34} {text}")
    return 0


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="lti-harness", description="LTI 1.3 conformance and contract test harness")
    p.add_argument("--version", action="version", version=f"lti-harness {__version__}")
    sub = p.add_subparsers(dest="command", required=True)

    r = sub.add_parser("run", help="run the conformance suites (default: against the embedded mocks)",
                       usage="%(prog)s [options] [-- PYTEST-OPTION ...]",
                       epilog="Options after '--' go to pytest as they are, e.g. "
                              "'lti-harness run --suite registration -- -x -k DR-012'.")
    r.add_argument("--profile", metavar="FILE", action="append",
                   help="TOML target profile; without it the mocks are started on loopback. Given twice, the run is made "
                   "against both targets (reports in DIR/<profile name>/) and they are compared: exit 1 when the second "
                   "has a required failure the first has not")
    r.add_argument("--suite", action="append", metavar="NAME", help="run only this suite (repeatable)")
    r.add_argument("--report-dir", default="reports/out", metavar="DIR", help="where report.html, junit.xml and summary.json go (default reports/out)")
    r.add_argument("--seed", type=int, help="hypothesis seed, to reproduce a run")
    r.add_argument("--examples", type=int, metavar="N", help="examples per property-based check (default 20)")
    r.add_argument("--strict", action="store_true", help="failed recommended checks fail the run too")
    r.add_argument("--no-shrink", action="store_true", help="report failing examples as found instead of minimising them (faster)")
    r.add_argument("--shrink-budget", type=float, metavar="SECONDS", help="how long one failing property check may spend "
                   "minimising its example (default 60); then the smallest example found so far is reported, and the message says so")
    r.add_argument("--fault", action="append", metavar="NAME", help="embedded mocks only: switch on a fault (see 'lti-harness faults')")
    r.add_argument("--check", action="append", metavar="ID", help="run only this check's tests (repeatable), e.g. --check AGS-012")
    r.add_argument("--deadline", type=float, metavar="SECONDS", help="the run's deadline: checks not finished by then end as "
                   "error (\"the run's deadline passed\"), and the summary and reports are still written")
    r.add_argument("-n", "--workers", metavar="N", help="spread the suites over N processes (pytest-xdist; default and 'auto': "
                   "one per core, at most one per suite; 1: one process)")
    r.add_argument("-v", "--verbose", action="store_true", help="list every test and show failure tracebacks")
    r.add_argument("--level", choices=["required", "recommended"], help="run only the checks of this level (pytest's -m LEVEL)")
    r.add_argument("--max-failures", type=int, metavar="N", help="stop after N failed tests (pytest's --maxfail)")
    r.add_argument("--baseline", metavar="FILE", help="TOML file of known failures: they do not fail the run; an entry whose "
                   "check now passes, or that expired, does (see 'lti-harness baseline write')")
    r.add_argument("--cleanup", action="store_true", help="at the end, delete or deactivate what the run created on the target "
                   "where the adapter can (developer keys, registrations, courses) and list what it could not undo")
    r.add_argument("--no-response-validation", action="store_true", help="do not hold the bodies a target answers with to "
                   "its OpenAPI document (by default a check that receives a body outside it fails)")
    r.set_defaults(func=_run)

    b = sub.add_parser("baseline", help="baselines of known failures")
    bsub = b.add_subparsers(dest="baseline_command", required=True)
    bw = bsub.add_parser("write", help="write a baseline listing every failed check of a run")
    bw.add_argument("--from", dest="source", default="reports/out", metavar="DIR-or-FILE",
                    help="the run's report directory or its summary.json (default reports/out)")
    bw.add_argument("--output", default="known.toml", metavar="FILE", help="where the baseline goes (default known.toml; - for stdout)")
    bw.add_argument("--force", action="store_true", help="replace the output file if it exists")
    bw.set_defaults(func=_baseline_write)

    cmp = sub.add_parser("compare", help="compare two runs: newly failing, newly passing, changed verdicts and messages")
    cmp.add_argument("a", metavar="A", help="the earlier run: its summary.json or report directory")
    cmp.add_argument("b", metavar="B", help="the later run: its summary.json or report directory")
    cmp.add_argument("--format", choices=["table", "json"], default="table", help="console table (default) or a JSON document")
    cmp.add_argument("--html", metavar="FILE", help="also write the comparison as an HTML page")
    cmp.set_defaults(func=_compare)

    s = sub.add_parser("serve", help="serve a mock as a long-running server")
    s.add_argument("what", choices=["platform", "tool"])
    s.add_argument("--host", default="127.0.0.1")
    s.add_argument("--port", type=int, default=8000)
    s.add_argument("--fault", action="append", metavar="NAME", help="switch on a fault (repeatable)")
    s.add_argument("--admin-token", default="mock-admin-token", help="bearer token the admin routes accept (platform)")
    s.add_argument("--account-id", default="1", help="root account id (platform)")
    s.add_argument("--api-key", default="tf_platform_mock", help="the Platform API key the registrations API accepts (tool)")
    s.add_argument("--issuer", help="issuer to announce (default: the server's URL)")
    s.add_argument("--allow-remote-jwks", action="store_true", help="let the platform fetch tool JWKS from non-loopback hosts")
    s.add_argument("--allow-dr-from", action="append", metavar="URL", help="tool: let its dynamic-registration initiation, without "
                   "the API key, register with OpenID configurations under this URL prefix (repeatable; no port: any port)")
    s.add_argument("--db", metavar="FILE", help="keep the mock's state in this SQLite file (created if missing), so a restart keeps it")
    s.add_argument("--log-level", default="info", choices=["critical", "error", "warning", "info", "debug"])
    s.set_defaults(func=_serve)

    c = sub.add_parser("checks", help="list the conformance checks: id, level, title, source (and where "
                         "its documents are), faults, needs")
    c.add_argument("--format", choices=["table", "json"], default="table")
    c.add_argument("--suite", action="append", metavar="NAME")
    c.set_defaults(func=_checks)

    k = sub.add_parser("keygen", help="write a new platform signing key for [tool.launch] and print its public JWKS")
    k.add_argument("file", metavar="FILE", help="where the PEM private key goes (created with mode 0600)")
    k.add_argument("--kid", help="the key id (default: the key's RFC 7638 thumbprint)")
    k.add_argument("--force", action="store_true", help="replace FILE if it exists")
    k.set_defaults(func=_keygen)

    f = sub.add_parser("faults", help="list the fault switches of the mocks")
    f.add_argument("--format", choices=["table", "json"], default="table")
    f.set_defaults(func=_faults)
    return p


def main(argv: list[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    passthrough: list[str] = []
    if "--" in args:  # 'lti-harness run ... -- PYTEST-OPTIONS': the rest goes to pytest as it is
        cut = args.index("--")
        args, passthrough = args[:cut], args[cut + 1:]
    p = parser()
    ns = p.parse_args(args)
    if passthrough:
        if ns.command != "run":
            p.error(f"options after '--' go to pytest; only 'run' takes them (got: {' '.join(passthrough)})")
        ns.pytest_args = passthrough
    try:
        return int(ns.func(ns))
    except KeyboardInterrupt:
        print("lti-harness: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
