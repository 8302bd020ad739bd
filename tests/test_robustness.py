"""A broken target (down, slow, non-JSON) or a broken profile gives a plain message and a summary,
never a traceback or a hang."""

from __future__ import annotations

import asyncio
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

from lti_harness import harness
from starlette.applications import Starlette
from starlette.responses import HTMLResponse, JSONResponse
from starlette.routing import Route

from conftest import RUN_TIMEOUT, child_env, write_profile
from test_client import closed_port

ENV = {"LTI_TEST_ADMIN_TOKEN": "robustness-admin-token"}


def _assert_clean(result, phrase: str, may_fail: frozenset[str] = frozenset()) -> None:
    """The harness could not test anything: every check ends in error (never passed, and failed only
    where the answer itself breaks the check's rule), most of them saying why in plain words, and the
    exit code says "could not test" unless such a check failed."""
    out = result.stdout + result.stderr
    assert "Traceback" not in out, out[-3000:]
    summary = result.summary
    failed = {c["id"] for c in summary["checks"] if c["outcome"] == "failed"}
    assert failed <= may_fail, failed
    assert result.code == (1 if failed else 3), out[-3000:]
    assert summary["error"] >= 1 and summary["passed"] == 0
    plain = [c["id"] for c in summary["checks"] if any(phrase in m for m in c.get("messages", []))]
    assert len(plain) >= summary["error"] + len(failed) - 1, f"only {plain} say {phrase!r}"
    assert phrase in out


def test_target_down(run_harness, tmp_path):
    port = closed_port()
    profile = write_profile(tmp_path / "down.toml", f"http://127.0.0.1:{port}")
    result = run_harness("--profile", str(profile), "--suite", "registration", env=ENV)
    _assert_clean(result, f"target unreachable: connection refused at GET http://127.0.0.1:{port}")


def test_target_answers_html(run_harness, tmp_path, serve):
    async def page(request):
        return HTMLResponse("<html><body>Maintenance</body></html>")

    url = serve(Starlette(routes=[Route("/{path:path}", page, methods=["GET", "POST", "PUT"])]))
    profile = write_profile(tmp_path / "html.toml", url)
    result = run_harness("--profile", str(profile), "--suite", "registration", env=ENV)
    # DR-016's contract run posts a registration and gets an HTML 200: that answer breaks its contract.
    _assert_clean(result, "non-JSON", may_fail=frozenset({"DR-016"}))


def test_target_too_slow(run_harness, tmp_path, serve):
    async def slow(request):
        await asyncio.sleep(4)
        return JSONResponse({})

    url = serve(Starlette(routes=[Route("/{path:path}", slow, methods=["GET", "POST"])]))
    profile = write_profile(tmp_path / "slow.toml", url)  # timeout = 2 s
    result = run_harness("--profile", str(profile), "--suite", "registration", env=ENV)
    _assert_clean(result, "timed out")


def test_profile_with_missing_field(run_harness, tmp_path):
    bad = tmp_path / "bad.toml"
    bad.write_text('[platform]\nbase_url = "http://127.0.0.1:1"\nadmin_token = "x-123456"\n', encoding="utf-8")
    result = run_harness("--profile", str(bad))
    assert result.code == 2
    assert "account_id is missing" in result.stderr and "Traceback" not in result.stderr


def test_profile_with_bad_url(run_harness, tmp_path):
    bad = tmp_path / "bad.toml"
    bad.write_text('[platform]\nbase_url = "canvas.example.edu"\naccount_id = "1"\nadmin_token = "x-123456"\n', encoding="utf-8")
    result = run_harness("--profile", str(bad))
    assert result.code == 2 and "base_url is not an http(s) URL" in result.stderr


LEAKY_TEST = '''
import pytest
import lti_harness.suites.registration.checks  # noqa: F401  (defines DR-001)
from lti_harness.harness import redact
from lti_harness.harness.checks import check

SECRET = "quoted-secret-7d1e0c9a5b3f"


@check("DR-001")
def test_quotes_a_target_answer():
    redact.register_secret(SECRET)
    body = f"Invalid credentials: {SECRET}; Bearer other-credential-55aa; token=abc12345"
    print("captured:", body)
    assert body.startswith("ok"), f"the target answered 401: {body[:300]}"


@check("DR-002")
def test_raises_a_group():
    redact.register_secret(SECRET)
    raise ExceptionGroup("found 1 distinct failure", [AssertionError(f"[401] body: {SECRET[:20]} // Output truncated")])
'''


def test_failure_text_is_redacted_in_every_output(tmp_path):
    """What a failing test quotes (an assertion message built from a target's answer, an exception group
    as schemathesis raises, captured output) is redacted in junit.xml (its failure message too),
    report.html and summary.json."""
    (tmp_path / "test_leaky.py").write_text(LEAKY_TEST, encoding="utf-8")
    proc = subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-c", str(Path(harness.__file__).parent / "run.ini"),
         "--rootdir", str(tmp_path), "test_leaky.py", "-rfE", f"--junitxml={tmp_path / 'junit.xml'}",
         f"--html={tmp_path / 'report.html'}", "--self-contained-html", f"--lti-report-dir={tmp_path}"],
        capture_output=True, text=True, timeout=RUN_TIMEOUT, cwd=tmp_path, env=child_env(), stdin=subprocess.DEVNULL,
    )
    outputs = {"console": proc.stdout + proc.stderr, **{name: (tmp_path / name).read_text(encoding="utf-8")
                                                        for name in ("junit.xml", "report.html", "summary.json")}}
    for where, text in outputs.items():
        for secret in ("quoted-secret-7d1e", "other-credential-55aa", "abc12345"):
            assert secret not in text, f"{secret} in {where}"
    messages = [el.get("message", "") for el in ET.fromstring(outputs["junit.xml"]).iter("failure")]
    assert len(messages) == 2 and all("[REDACTED]" in m for m in messages), messages
    assert "the target answered 401: Invalid credentials: [REDACTED]" in outputs["summary.json"]


def test_a_deadline_must_be_positive(run_harness):
    result = run_harness("--deadline", "0")
    assert result.code == 2 and "--deadline must be a positive number of seconds" in result.stderr
