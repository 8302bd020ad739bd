"""The command line as users meet it: the catalogue, serving a mock, running against it, and pytest."""

from __future__ import annotations

import json
import re
import socket
import subprocess
import sys
import time

import httpx
import pytest

from conftest import RUN_TIMEOUT, child_env, cli, write_profile
from lti_harness.harness.capabilities import CAPABILITIES
from lti_harness.harness.checks import load_all
from test_reports import assert_no_secrets


def test_checks_json_catalogue():
    proc = cli("checks", "--format", "json")
    assert proc.returncode == 0, proc.stderr
    items = json.loads(proc.stdout)
    assert [i["id"] for i in items] == [c.id for c in load_all()]
    for item in items:
        assert {"id", "title", "source", "level", "faults", "needs", "side"} <= set(item)
        assert item["faults"] and item["level"] in ("required", "recommended")
        assert item["needs"] and set(item["needs"]) <= set(CAPABILITIES), item["id"]  # every check names what it needs


def test_checks_table_and_faults_listing():
    table = cli("checks")
    assert table.returncode == 0 and re.search(r"^\d+ checks$", table.stdout, re.M)
    assert re.search(r"^\s+needs:\s+dynamic_registration\b", table.stdout, re.M)
    faults = cli("faults")
    assert faults.returncode == 0 and "accept-expired-token" in faults.stdout


def test_unknown_suite_and_fault_are_usage_errors(tmp_path):
    assert cli("run", "--suite", "nope", "--report-dir", str(tmp_path)).returncode == 2
    bad = cli("run", "--fault", "no-such-fault", "--report-dir", str(tmp_path))
    assert bad.returncode == 2 and "unknown fault" in (bad.stdout + bad.stderr)


@pytest.mark.parametrize("args,expected", [
    (["--fault", "no-such-fault", "--fault", "accept-expird-token"],
     ["--fault no-such-fault: unknown fault", "--fault accept-expird-token: unknown fault (did you mean accept-expired-token?)"]),
    (["--check", "dr-012", "--check", "NOPE-1"], ["--check dr-012: unknown check id (did you mean DR-012?)", "--check NOPE-1: unknown check id"]),
    (["--suite", "ags", "--check", "DR-001"], ["--check DR-001 is a check of suite registration"]),
    (["--suite", "registraton"], ["--suite registraton: unknown suite (did you mean registration?)"]),
    (["--examples", "0"], ["--examples must be at least 1"]),
    (["--examples", "0", "--deadline", "0", "--fault", "nope"], ["--examples", "--deadline", "--fault nope"]),
    (["--profile", "p.toml", "--fault", "accept-expired-token"], ["--fault switches faults of the embedded mocks; it cannot be used with --profile"]),
    (["--profile", "bad.toml"], ["[platfrom] (did you mean [platform]?)", "'acount_id' (did you mean 'account_id'?)",
                                 "[tool] unknown field 'api_kye' (did you mean 'api_key'?)"]),
])
def test_usage_errors_are_refused_before_the_run_starts(tmp_path, args, expected):
    """Every problem is named as the CLI's option, all at once, and nothing runs: no pytest session, no report."""
    write_profile(tmp_path / "p.toml", "http://127.0.0.1:9", token_env="HOME")
    (tmp_path / "bad.toml").write_text('[platfrom]\nbase_url = "http://127.0.0.1:9"\nacount_id = "1"\nadmin_token = "x"\n\n'
                                       '[tool]\nbase_url = "http://127.0.0.1:9"\napi_kye = "k"\n', encoding="utf-8")
    out = tmp_path / "out"
    proc = cli("run", "--report-dir", str(out), *args, cwd=tmp_path)
    assert proc.returncode == 2, proc.stdout + proc.stderr
    lines = proc.stderr.splitlines()
    for text in expected:
        assert any(text in line for line in lines), (text, proc.stderr)
    assert len(lines) >= len(expected) and all(line.startswith("lti-harness: ") for line in lines)
    assert "--lti-" not in proc.stderr and "Traceback" not in proc.stderr
    assert "running" not in proc.stdout and not out.exists()  # refused before pytest started or a report folder was made


def test_usage_checks_need_neither_pytest_nor_the_mocks():
    """Finding usage errors imports no pytest session machinery and no mock app (what keeps the refusal fast)."""
    code = ("import sys; from lti_harness.harness.runner import RunOptions, usage_problems; "
            "p = usage_problems(RunOptions(faults=['nope'], examples=0)); "
            "print(len(p), 'lti_harness.mock_platform.app' in sys.modules, 'lti_harness.mock_tool.app' in sys.modules, '_pytest.main' in sys.modules)")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, env=child_env(), stdin=subprocess.DEVNULL)
    assert proc.stdout.split() == ["2", "False", "False", "False"], proc.stdout + proc.stderr


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def served_platform_with_fault():
    port = _free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "lti_harness.harness.cli", "serve", "platform", "--port", str(port), "--fault", "accept-expired-token",
         "--admin-token", "served-admin-token-42", "--log-level", "warning"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, stdin=subprocess.DEVNULL, text=True,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{url}/_mock/faults", timeout=1).status_code == 200:
                break
        except httpx.HTTPError:
            time.sleep(0.1)
    else:
        proc.kill()
        pytest.fail("lti-harness serve platform did not come up")
    yield url
    proc.terminate()
    proc.wait(timeout=10)


def test_served_fault_is_caught_by_run_and_by_pytest(served_platform_with_fault, tmp_path):
    assert httpx.get(f"{served_platform_with_fault}/_mock/faults").json() == {"faults": ["accept-expired-token"]}
    profile = write_profile(tmp_path / "p.toml", served_platform_with_fault)  # the mock is detected, not declared
    env = {"LTI_TEST_ADMIN_TOKEN": "served-admin-token-42"}
    report = tmp_path / "out"
    proc = cli("run", "--profile", str(profile), "--suite", "registration", "--report-dir", str(report), "--examples", "5", env=env, cwd=tmp_path)
    assert proc.returncode == 1, proc.stdout[-2000:]
    summary = json.loads((report / "summary.json").read_text())
    failed = {c["id"] for c in summary["checks"] if c["outcome"] == "failed"}
    assert failed == {"DR-012"}
    assert "FAILED DR-012" in proc.stdout
    assert_no_secrets(report)
    assert "served-admin-token-42" not in "".join(p.read_text(errors="replace") for p in report.iterdir())

    plain = subprocess.run(
        [sys.executable, "-m", "pytest", "--pyargs", "lti_harness.suites.registration", f"--lti-profile={profile}", "-q", "-p", "no:cacheprovider", "--lti-examples=5"],
        capture_output=True, text=True, timeout=RUN_TIMEOUT, cwd=tmp_path, env=child_env(env), stdin=subprocess.DEVNULL,
    )
    assert plain.returncode == 1, plain.stdout[-2000:]
    assert "FAILED DR-012" in plain.stdout and "LTI conformance summary" in plain.stdout


def test_keygen_writes_a_private_key_the_profile_reads(tmp_path):
    from lti_harness.harness import keys, profile

    proc = cli("keygen", "platform.pem", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    published = json.loads(proc.stdout)["keys"][0]
    assert "d" not in published and published["kty"] == "RSA"  # only the public half is printed
    assert (tmp_path / "platform.pem").stat().st_mode & 0o077 == 0
    loaded = keys.load_pem((tmp_path / "platform.pem").read_bytes())
    assert loaded.public_jwk == published  # same modulus, and the default kid is the same thumbprint
    assert f'kid = "{published["kid"]}"' in proc.stderr

    again = cli("keygen", "platform.pem", cwd=tmp_path)
    assert again.returncode == 2 and "--force" in again.stderr
    assert keys.load_pem((tmp_path / "platform.pem").read_bytes()).public_jwk == published  # not replaced
    assert cli("keygen", "platform.pem", "--force", "--kid", "k2", cwd=tmp_path).returncode == 0
    assert keys.load_pem((tmp_path / "platform.pem").read_bytes()).public_jwk["n"] != published["n"]
    assert profile.parse({"tool": {"base_url": "http://127.0.0.1:1", "launch": {
        "login_url": "http://127.0.0.1:1/l", "launch_url": "http://127.0.0.1:1/x", "issuer": "https://p.example", "client_id": "c",
        "deployment_id": "d", "private_key": "platform.pem", "kid": "k2"}}}, "p.toml", tmp_path).tool.launch.key.kid == "k2"
