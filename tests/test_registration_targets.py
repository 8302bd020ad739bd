"""The registration and update-approval suites against platforms the harness did not start itself: a
profile declaring no dynamic registration, a platform that invalidates a tool's tokens whenever an
update is decided, and a platform with none of the registration routes."""

from __future__ import annotations

from starlette.applications import Starlette
from starlette.responses import JSONResponse
from starlette.routing import Route

from lti_harness import mock_platform
from conftest import write_profile
from lti_harness.harness.checks import load_all
from lti_harness.mock_platform.faults import check_names

ADMIN = "targets-admin-token-0001"
ENV = {"LTI_TEST_ADMIN_TOKEN": ADMIN}
SUITES = ("--suite", "registration", "--suite", "update_approval")
CHECKS = {c.id for c in load_all(["registration", "update_approval"])}


def _platform(serve, **config) -> str:
    return serve(mock_platform.create_app(mock_platform.PlatformConfig(admin_token=ADMIN, **config)))


def test_no_dynamic_registration_makes_every_check_not_applicable(serve, run_harness, tmp_path):
    url = _platform(serve)
    profile = write_profile(tmp_path / "no-dr.toml", url, extra="\n[platform.capabilities]\ndynamic_registration = false\n")
    result = run_harness("--profile", str(profile), *SUITES, "--examples", "5", env=ENV)
    assert result.code == 0, result.stdout[-2000:] + result.stderr[-2000:]
    outcomes = result.outcomes()
    assert set(outcomes) == CHECKS
    assert set(outcomes.values()) == {"not_applicable"}, {k: v for k, v in outcomes.items() if v != "not_applicable"}
    for item in result.summary["checks"]:
        assert any("dynamic_registration" in m for m in item["messages"]), item


def test_update_checks_fetch_tokens_after_each_change(serve, run_harness, tmp_path):
    """A platform that invalidates a registration's tokens whenever an update is accepted or ignored
    (seed 004 invalidates tokens when a key loses a scope) still passes every update check."""
    url = _platform(serve, invalidate_tokens_on_update=True)
    profile = write_profile(tmp_path / "invalidating.toml", url)
    result = run_harness("--profile", str(profile), "--suite", "update_approval", "--examples", "5", "--seed", "7", env=ENV)
    assert result.code == 0, result.stdout[-3000:] + result.stderr[-2000:]
    outcomes = result.outcomes()
    assert {cid for cid, o in outcomes.items() if o != "passed"} == set(), outcomes


def _failure(serve, run_harness, tmp_path, fault: str, check: str) -> str:
    url = _platform(serve, invalidate_tokens_on_update=True, faults=check_names([fault]))
    profile = write_profile(tmp_path / f"{fault}.toml", url)
    result = run_harness("--profile", str(profile), "--suite", "update_approval", "--check", check, "--seed", "7", env=ENV)
    item = next(c for c in result.summary["checks"] if c["id"] == check)
    assert item["outcome"] == "failed", item
    return " ".join(item["messages"])


def test_applied_at_once_is_reported_by_its_rule_not_by_a_401(serve, run_harness, tmp_path):
    message = _failure(serve, run_harness, tmp_path, "apply-without-approval", "UPD-002")
    assert "changed before an administrator accepted" in message and "401" not in message, message


def test_ignored_but_applied_is_reported_by_its_rule_not_by_a_401(serve, run_harness, tmp_path):
    message = _failure(serve, run_harness, tmp_path, "reject-applies-anyway", "UPD-005")
    assert "ignoring the update changed the configuration" in message and "401" not in message, message


def _nothing_here(seen: list[str]):
    """An app answering 404 to everything, counting what it was sent."""

    async def answer(request):
        seen.append(f"{request.method} {request.url.path}")
        return JSONResponse({"errors": [{"message": "The specified resource does not exist."}]}, status_code=404)

    return Starlette(routes=[Route("/{path:path}", answer, methods=["GET", "POST", "PUT", "DELETE"])])


def test_contract_run_over_absent_routes_is_not_applicable(serve, run_harness, tmp_path):
    """DR-016 against a platform without registration routes: every operation answers 404 to its
    well-formed probe, the check is not applicable and names them, and no generated case is sent."""
    seen: list[str] = []
    url = serve(_nothing_here(seen))
    profile = write_profile(tmp_path / "absent.toml", url)
    result = run_harness("--profile", str(profile), "--suite", "registration", "--check", "DR-016", env=ENV)
    item = next(c for c in result.summary["checks"] if c["id"] == "DR-016")
    assert item["outcome"] == "not_applicable", item
    text = " ".join(item["messages"])
    for operation in ("GET /api/lti/accounts/{account_id}/registration_token", "GET /api/lti/security/openid-configuration",
                      "POST /api/lti/registrations", "GET /api/lti/registrations/{registration_id}/configuration",
                      "GET /api/lti/security/jwks"):
        assert operation in text, text
    assert result.code == 0, result.stdout[-2000:]
    assert len(seen) <= 10, f"the contract run did not stop at the absent routes: {len(seen)} requests"


def test_tool_contract_run_over_absent_routes_is_not_applicable(serve, run_harness, tmp_path):
    """TREG-012 against a tool without the registrations API: one probe per operation, then not applicable."""
    seen: list[str] = []
    url = serve(_nothing_here(seen))
    profile = tmp_path / "tool.toml"
    profile.write_text(f'[tool]\nbase_url = "{url}"\napi_key = "absent-api-key-0001"\ntimeout = 2\n', encoding="utf-8")
    result = run_harness("--profile", str(profile), "--suite", "tool_registrations", "--check", "TREG-012")
    item = next(c for c in result.summary["checks"] if c["id"] == "TREG-012")
    assert item["outcome"] == "not_applicable", item
    assert "POST /v1/platform/lti/registrations answered 404" in " ".join(item["messages"])
    assert result.code == 0, result.stdout[-2000:]
    assert len(seen) <= 5, f"the contract run did not stop at the absent routes: {seen}"
