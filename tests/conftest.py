"""Shared helpers for the project's own tests: run the CLI in a subprocess, start mocks on loopback."""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import select
import signal
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Iterator

import pytest

from lti_harness.harness import servers

RUN_TIMEOUT = 900  # a hang guard for a run, not a performance assertion: many times a full run on a loaded machine


@dataclass
class RunResult:
    code: int
    stdout: str
    stderr: str
    report_dir: Path

    @property
    def summary(self) -> dict[str, Any]:
        path = self.report_dir / "summary.json"
        assert path.exists(), f"the run wrote no summary.json (exit {self.code}):\n{self.stdout[-3000:]}\n{self.stderr[-3000:]}"
        return json.loads(path.read_text(encoding="utf-8"))

    def outcomes(self) -> dict[str, str]:
        return {c["id"]: c["outcome"] for c in self.summary["checks"]}

    def messages(self, cid: str) -> str:
        """Every message the run gave for check ``cid``, joined."""
        return " ".join(m for c in self.summary["checks"] if c["id"] == cid for m in c.get("messages", []))

    def failed(self) -> set[str]:
        return {cid for cid, outcome in self.outcomes().items() if outcome == "failed"}


def made_once(tmp_path_factory: pytest.TempPathFactory, name: str, make: Callable[[Path], Any]) -> Any:
    """``make(folder)`` for a module-scoped fixture whose tests only read what it made: under pytest-xdist the
    first worker that needs it makes it in a folder all workers of the session share, and the others (which
    ``--dist load`` may have sent some of the module's tests) wait for it and read the same result. The result
    is a :class:`RunResult` or a dict of paths (what the tests are given back)."""
    shared = tmp_path_factory.getbasetemp()
    if os.environ.get("PYTEST_XDIST_WORKER"):
        shared = shared.parent  # the session's folder, above each worker's own
    folder, record = shared / f"made-{name}", shared / f"made-{name}.json"
    with open(shared / f"made-{name}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # released when the file closes, also if make() raises
        if not record.exists():
            folder.mkdir(exist_ok=True)
            result = make(folder)
            doc = {**vars(result), "report_dir": str(result.report_dir)} if isinstance(result, RunResult) else \
                {"paths": {key: str(path) for key, path in result.items()}}
            record.write_text(json.dumps(doc), encoding="utf-8")
    made = json.loads(record.read_text(encoding="utf-8"))
    if "paths" in made:
        return {key: Path(path) for key, path in made["paths"].items()}
    return RunResult(**{**made, "report_dir": Path(made["report_dir"])})


def child_env(extra: dict[str, str] | None = None) -> dict[str, str]:
    """The environment for a harness process the tests start. The tests start over a hundred of them:
    letting them cache bytecode (and pytest's rewritten suite modules) saves about 2 s each where
    PYTHONDONTWRITEBYTECODE is set."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    return {**env, **(extra or {})}


def cli(*args: str, env: dict[str, str] | None = None, cwd: Path | None = None, timeout: float = RUN_TIMEOUT) -> subprocess.CompletedProcess[str]:
    """Run ``lti-harness ARGS`` in a fresh interpreter (no input, bounded time)."""
    return subprocess.run(
        [sys.executable, "-m", "lti_harness.harness.cli", *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        stdin=subprocess.DEVNULL,
        env=child_env(env),
        cwd=cwd,
    )


@pytest.fixture
def run_harness(run_in_worker):
    """Run ``lti-harness run ARGS`` (``env``: variables set for that run) with a fresh report folder, in the
    test process's long-lived harness worker; returns a :class:`RunResult`. (Tests of what only a fresh
    interpreter shows call :func:`cli`.)"""
    return run_in_worker


class HarnessWorker:
    """A process (tests/harness_worker.py) that imports the harness once and performs runs one after
    another, each collecting the suites afresh and starting its own mocks; restarted after a hang or crash."""

    def __init__(self) -> None:
        self.proc: subprocess.Popen[bytes] | None = None

    def _start(self) -> subprocess.Popen[bytes]:
        return subprocess.Popen(
            [sys.executable, str(Path(__file__).with_name("harness_worker.py"))],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE,  # its stderr is this process's; a run's output goes to files
            env=child_env(), start_new_session=True,  # its own process group: a hang is ended whole
        )

    def run(self, args: list[str], cwd: Path, out: Path, err: Path, timeout: float = RUN_TIMEOUT,
            env: dict[str, str] | None = None) -> int | None:
        """The exit code of ``lti-harness run ARGS`` in ``cwd`` with the variables ``env`` set (its output in
        ``out`` and ``err``), or None when the worker did not answer within ``timeout`` or died."""
        if self.proc is None or self.proc.poll() is not None:
            self.proc = self._start()
        assert self.proc.stdin is not None and self.proc.stdout is not None
        request = {"args": args, "cwd": str(cwd), "out": str(out), "err": str(err), "env": env or {}}
        self.proc.stdin.write(json.dumps(request).encode() + b"\n")
        self.proc.stdin.flush()
        answer, deadline = b"", time.monotonic() + timeout
        while not answer.endswith(b"\n"):
            ready, _, _ = select.select([self.proc.stdout], [], [], max(0.0, deadline - time.monotonic()))
            chunk = os.read(self.proc.stdout.fileno(), 4096) if ready else b""
            if not chunk:  # the hang guard passed, or the worker ended
                self.stop(at_once=True)
                return None
            answer += chunk
        return int(json.loads(answer)["code"])

    def stop(self, at_once: bool = False) -> None:
        """End the worker: an idle one when its input closes, a hung one (``at_once``) by killing its process group."""
        if self.proc is None:
            return
        proc, self.proc = self.proc, None
        assert proc.stdin is not None
        with contextlib.suppress(OSError):
            proc.stdin.close()
        try:
            proc.wait(timeout=0 if at_once else 30)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()


@pytest.fixture(scope="session")
def harness_worker() -> Iterator[HarnessWorker]:
    worker = HarnessWorker()
    yield worker
    worker.stop()


@pytest.fixture
def run_in_worker(tmp_path: Path, tmp_path_factory: pytest.TempPathFactory, harness_worker: HarnessWorker):
    """Run ``lti-harness run ARGS`` in ``tmp_path`` with a fresh report folder, performed by this test process's
    long-lived harness worker instead of a fresh interpreter (same command line, same output and summary.json;
    no interpreter start and imports, about a CPU-second a run); returns a :class:`RunResult`."""
    logs = tmp_path_factory.mktemp("output")  # outside tmp_path, which holds only what the run and the test put there

    def _run(*args: str, env: dict[str, str] | None = None) -> RunResult:
        report_dir = tmp_path / f"report-{len(list(tmp_path.iterdir()))}"
        head = list(args[: args.index("--")] if "--" in args else args)
        one = [] if {"-n", "--workers"} & set(head) else ["-n", "1"]  # the project's tests already spread over the cores
        out, err = logs / f"{report_dir.name}.stdout", logs / f"{report_dir.name}.stderr"
        code = harness_worker.run(["--report-dir", str(report_dir), *one, *args], tmp_path, out, err, env=env)
        read = lambda p: p.read_text(encoding="utf-8", errors="replace") if p.exists() else ""  # noqa: E731
        if code is None:
            pytest.fail(f"the harness worker hung (no answer within {RUN_TIMEOUT} s) or died\n{read(out)[-2000:]}{read(err)[-2000:]}")
        return RunResult(code, read(out), read(err), report_dir)

    return _run


@pytest.fixture
def serve():
    """Start ASGI apps on free loopback ports for the test; all are stopped afterwards."""
    started: list[servers.RunningServer] = []

    def _serve(app: Any) -> str:
        server = servers.start(app)
        started.append(server)
        return server.url

    yield _serve
    for server in started:
        server.stop()


@pytest.fixture
def serve_wsgi() -> Iterator[Any]:
    """Serve WSGI apps (a real tool library's Flask app) on free loopback ports; all are shut down afterwards."""
    from werkzeug.serving import make_server  # werkzeug comes with flask, a test dependency

    running = []

    def _serve(app: Any) -> str:
        server = make_server("127.0.0.1", 0, app, threaded=True)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        running.append(server)
        return f"http://127.0.0.1:{server.server_port}"

    yield _serve
    for server in running:
        server.shutdown()
        server.server_close()


def write_profile(path: Path, base_url: str, token_env: str = "LTI_TEST_ADMIN_TOKEN", extra: str = "") -> Path:
    path.write_text(
        f'[platform]\nbase_url = "{base_url}"\naccount_id = "1"\nadmin_token = "env:{token_env}"\ntimeout = 2\n{extra}',
        encoding="utf-8",
    )
    return path


@pytest.fixture(scope="session")
def embedded_run(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunResult]:
    """One full embedded run (all suites, faultless mocks), read by the self-tests."""
    report_dir = tmp_path_factory.mktemp("embedded") / "out"
    proc = cli("run", "--report-dir", str(report_dir), "--seed", "12345", cwd=report_dir.parent)
    yield RunResult(proc.returncode, proc.stdout, proc.stderr, report_dir)


@pytest.hookimpl(tryfirst=True)
def pytest_xdist_auto_num_workers(config: pytest.Config) -> int:
    """``-n auto`` for the project's tests: one worker more than the cores. Some tests spend their time
    waiting on sockets, subprocesses and deliberate deadlines (hostile targets), which one worker per core
    leaves idle; more workers than that only contend for the cores (on 2 cores, 2,468 tests: 257 s and 469
    CPU-s with 3 workers, 268 s and 519 CPU-s with 4)."""
    return (os.cpu_count() or 1) + 1


# The longest tests (or modules whose tests share one costly fixture), longest first. pytest-xdist hands each
# worker a block of consecutive tests at the start and lets idle workers take over the rest of a busy one's
# (--dist worksteal, pyproject.toml); these go one to a block, at its start, so no worker ends the run alone
# with one of them.
LONG = (
    "tests/test_selftest.py::test_faultless_mocks_pass_every_check",
    "tests/test_packaging_install.py::",
    "tests/test_hostile.py::test_echoed_secrets_stay_out_of_every_output_with_two_processes",
    "tests/test_plugin_manners.py::",
    "tests/test_reports.py::",
    "tests/test_cli.py::test_served_fault_is_caught_by_run_and_by_pytest",
    "tests/test_mock_fuzz.py::",
)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    workers = int(os.environ.get("PYTEST_XDIST_WORKER_COUNT", "1"))
    if workers < 2:
        return
    long = [[i for i in items if i.nodeid.startswith(prefix)] for prefix in LONG]
    chosen = {id(i) for unit in long for i in unit}
    rest = [i for i in items if id(i) not in chosen]
    size = -(-len(rest) // workers)
    blocks = [rest[n * size:(n + 1) * size] for n in range(workers)]
    for n, unit in enumerate(u for u in long if u):
        blocks[n % workers][:0] = unit
    items[:] = [i for block in blocks for i in block]
