"""The scopes suite against a platform whose authorize step needs a browser: user-token checks use
the profile's pre-issued tokens where it lists them and are not applicable otherwise."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import httpx

from lti_harness import mock_platform
from conftest import write_profile
from lti_harness.harness import apiscopes

ADMIN = "pre-issued-admin-token"
CB = "http://127.0.0.1:9/cb"
SETS = [  # what KEY-004, KEY-005 and KEY-006 ask for
    ["url:GET|/api/v1/courses/:id"],
    ["url:GET|/api/v1/courses/:course_id/rubrics", "url:GET|/api/v1/courses/:id"],
]


def issue(base: str, scopes: list[str]) -> str:
    """A user token obtained as a browser would (the stand-in login is still on at this point)."""
    auth = {"Authorization": f"Bearer {ADMIN}"}
    key = httpx.post(f"{base}/api/v1/accounts/1/developer_keys", headers=auth, json={"developer_key": {
        "name": "vendor key", "scopes": apiscopes.ALL_SCOPES, "require_scopes": True, "redirect_uris": [CB]}}).json()
    answer = httpx.get(f"{base}/login/oauth2/auth", headers=auth, params={
        "client_id": key["id"], "response_type": "code", "redirect_uri": CB, "scope": " ".join(scopes)})
    code = parse_qs(urlsplit(answer.headers["location"]).query)["code"][0]
    return httpx.post(f"{base}/login/oauth2/token", data={
        "grant_type": "authorization_code", "client_id": key["id"], "client_secret": key["api_key"], "code": code}).json()["access_token"]


def test_pre_issued_tokens_stand_in_for_the_browser(serve, run_harness, tmp_path):
    app = mock_platform.create_app(mock_platform.PlatformConfig(admin_token=ADMIN))
    base = serve(app)
    tokens = [issue(base, scopes) for scopes in SETS]
    app.state.platform.config.authorize_needs_browser = True
    entries = "".join(
        f'[[platform.user_tokens]]\ntoken = "env:PRE_{i}"\nscopes = {scopes!r}\n'.replace("'", '"') for i, scopes in enumerate(SETS)
    )
    profile = write_profile(tmp_path / "p.toml", base, extra=entries)
    env = {"LTI_TEST_ADMIN_TOKEN": ADMIN, **{f"PRE_{i}": t for i, t in enumerate(tokens)}}
    result = run_harness("--profile", str(profile), "--suite", "scopes", "--examples", "3", env=env)
    outcomes = result.outcomes()
    assert result.code == 0, result.stdout[-2000:]
    for cid in ("KEY-003", "KEY-004", "KEY-005", "KEY-006"):
        assert outcomes[cid] == "passed", (cid, outcomes)
    for cid in ("KEY-002", "KEY-007", "KEY-008", "KEY-020"):
        assert outcomes[cid] == "not_applicable", (cid, outcomes)
    reasons = " ".join(m for c in result.summary["checks"] if c["id"] == "KEY-002" for m in c.get("messages", []))
    assert "browser" in reasons
    assert not any(t in (result.report_dir / "report.html").read_text() for t in tokens), "a pre-issued token leaked into the report"


ABSENT = ("/api/v1/courses/{course_id}/rubrics", "/api/v1/courses/{course_id}/enrollments", "/api/v1/courses/{course_id}/external_tools")


def test_absent_routes_are_left_out_of_refusal_probes(serve, run_harness, tmp_path):
    """A platform without some probed routes: their 404 is never read as a scope failure."""
    app = mock_platform.create_app(mock_platform.PlatformConfig(admin_token=ADMIN))
    app.router.routes[:] = [r for r in app.router.routes if getattr(r, "path", "") not in ABSENT]
    profile = write_profile(tmp_path / "p.toml", serve(app))
    checks = [arg for cid in ("KEY-003", "KEY-004", "KEY-006", "KEY-020") for arg in ("--check", cid)]
    result = run_harness("--profile", str(profile), "--suite", "scopes", *checks, "--examples", "3", "--seed", "7",
                         env={"LTI_TEST_ADMIN_TOKEN": ADMIN})
    outcomes = result.outcomes()
    assert result.code == 0, result.stdout[-2000:]
    assert outcomes["KEY-006"] == "not_applicable", outcomes  # every longer path it would probe is absent
    assert {outcomes[c] for c in ("KEY-003", "KEY-004", "KEY-020")} == {"passed"}, outcomes
    reasons = " ".join(m for c in result.summary["checks"] if c["id"] == "KEY-006" for m in c.get("messages", []))
    assert "is absent on this target" in reasons, reasons
