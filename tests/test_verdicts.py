"""Verdicts against targets that are not this project's mock: a platform without Canvas's admin API
is never reported as failing a rule; what the harness could not arrange ends in error or not
applicable, with the reason."""

from __future__ import annotations

from pathlib import Path

from starlette.responses import JSONResponse

from lti_harness import mock_platform
from lti_harness.harness.results import EXIT_UNTESTED

PLATFORM_SUITES = ["registration", "update_approval", "scopes", "ags"]


def without_admin_api(app):
    """The mock platform with every admin route answering 404, as a platform that is not Canvas would."""

    async def wrapped(scope, receive, send):
        path = scope.get("path", "")
        if scope["type"] == "http" and (path.startswith("/api/v1/") or path.startswith("/api/lti/accounts/") or path.startswith("/_mock/")):
            await JSONResponse({"errors": [{"message": "The specified resource does not exist."}]}, status_code=404)(scope, receive, send)
            return
        await app(scope, receive, send)

    return wrapped


def test_admin_routes_absent_are_errors_not_failures(serve, run_harness, tmp_path: Path, monkeypatch):
    url = serve(without_admin_api(mock_platform.create_app(mock_platform.PlatformConfig())))
    profile = tmp_path / "p.toml"
    profile.write_text(f'[platform]\nbase_url = "{url}"\naccount_id = "1"\nadmin_token = "env:LTI_T"\ntimeout = 5\n', encoding="utf-8")
    result = run_harness("--profile", str(profile), *[a for s in PLATFORM_SUITES for a in ("--suite", s)], "--examples", "3",
                         env={"LTI_T": "mock-admin-token"})
    summary = result.summary
    assert summary["failed"] == 0, {c["id"]: c.get("messages") for c in summary["checks"] if c["outcome"] == "failed"}
    assert summary["error"] > 0 and result.code == EXIT_UNTESTED == summary["exit_code"], result.stdout[-3000:]
    for item in summary["checks"]:
        if item["outcome"] == "error":
            assert item["messages"], item["id"]
    assert "result: UNTESTED" in result.stdout
