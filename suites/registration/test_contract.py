"""The OpenAPI contract of the registration routes, checked by schemathesis (DR-016)."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, note
from schemathesis.generation import GenerationMode

from lti_harness.harness import contract, dynreg, openapi
from lti_harness.harness.checks import check
from lti_harness.harness.client import json_body
from lti_harness.harness.plugin import not_applicable
from lti_harness.harness.pbt import TargetGuard

CHECKS = contract.CHECKS
SCHEMA = openapi.load("platform")
# (path, method, generation mode): negative data only where the platform validates a body.
OPERATIONS = [
    ("/api/lti/accounts/{account_id}/registration_token", "GET", GenerationMode.POSITIVE),
    ("/api/lti/security/openid-configuration", "GET", GenerationMode.POSITIVE),
    ("/api/lti/registrations", "POST", GenerationMode.POSITIVE),
    ("/api/lti/registrations", "POST", GenerationMode.NEGATIVE),
    ("/api/lti/registrations/{registration_id}/configuration", "GET", GenerationMode.POSITIVE),
    ("/api/lti/security/jwks", "GET", GenerationMode.POSITIVE),
]
contract.declare("DR-016", "platform", sorted({(p, m) for p, m, _ in OPERATIONS}))


def _strategy(path: str, method: str, mode: GenerationMode, account_id: str) -> Any:
    op = SCHEMA[path][method]
    kwargs: dict[str, Any] = {}
    if "{account_id}" in path:
        kwargs["path_parameters"] = {"account_id": account_id}
    return op.as_strategy(mode, **kwargs)


def _label(path: str, method: str) -> str:
    return f"{method} {path}"


def _issued_token(platform) -> str | None:
    """A registration token for a probe, or None when the platform will not issue one (the probe then
    goes without: a route that exists answers 401 rather than 404)."""
    try:
        return platform.adapter.registration_token().token
    except Exception:  # noqa: BLE001 - any refusal only means the probe has no token
        return None


def _presence(platform) -> openapi.Presence:
    """Each operation of the run probed once per run with one well-formed request of the harness's own."""
    presence = platform.cache.get("DR-016 presence")
    if presence is not None:
        return presence
    presence = openapi.Presence()
    target, client, tool = platform.platform, platform.client, platform.harness_tool
    base, accept = target.base_url, {"Accept": "application/json"}
    token_route = "/api/lti/accounts/{account_id}/registration_token"
    presence.absent(_label(token_route, "GET"), lambda: client.get(
        f"{base}{token_route.replace('{account_id}', target.account_id)}", headers={**accept, "Authorization": f"Bearer {target.admin_token}"}))
    token = _issued_token(platform)
    presence.absent(_label("/api/lti/security/openid-configuration", "GET"), lambda: client.get(
        f"{base}/api/lti/security/openid-configuration", params={"registration_token": token} if token else None, headers=accept))
    created: dict[str, Any] = {}

    def register():
        response = dynreg.post_registration(client, f"{base}/api/lti/registrations", token,
                                            dynreg.sample_registration(tool.base_url, tool.jwks_url, name=platform.unique("LTI Harness contract probe")))
        body = json_body(response) if response.status_code in (200, 201) else None
        created.update(body if isinstance(body, dict) else {})
        return response

    post = _label("/api/lti/registrations", "POST")
    absent_post = presence.absent(post, register)
    configuration = _label("/api/lti/registrations/{registration_id}/configuration", "GET")
    uri = str(created.get("registration_client_uri") or "")
    if absent_post:
        presence.mark_absent(configuration, f"{configuration} cannot be reached: {post} is absent, so no registration has a configuration to read")
    elif uri.startswith(("http://", "https://")):
        presence.absent(configuration, lambda: client.get(f"{uri.rstrip('/')}/configuration", headers=accept))
    presence.absent(_label("/api/lti/security/jwks", "GET"), lambda: client.get(f"{base}/api/lti/security/jwks", headers=accept))
    platform.cache["DR-016 presence"] = presence
    return presence


@check("DR-016")
@pytest.mark.parametrize("path,method,mode", OPERATIONS, ids=[f"{m} {p} {g.value}" for p, m, g in OPERATIONS])
def test_openapi_contract(platform, path, method, mode):
    target = platform.platform
    reason = _presence(platform).reasons.get(_label(path, method))
    if reason:
        not_applicable(reason)

    if path == "/api/lti/registrations" or (path.endswith("openid-configuration") and mode is GenerationMode.POSITIVE):
        platform.adapter.registration_token()  # every case needs a fresh one: a platform that issues none ends error at once
    guard = TargetGuard()

    @given(case=_strategy(path, method, mode, target.account_id))
    def run(case):
        with guard.example() as live:
            if live:
                _one_case(platform, target, case, path, mode)

    run()
    guard.raise_if_failed()


def _one_case(platform, target, case, path: str, mode: GenerationMode) -> None:
    """Send one schemathesis case through the recording client and validate the answer."""
    headers: dict[str, str] = {}
    if "registration_token" in path:
        headers["Authorization"] = f"Bearer {target.admin_token}"
    elif path == "/api/lti/registrations":
        headers["Authorization"] = f"Bearer {platform.adapter.registration_token().token}"
    elif path.endswith("openid-configuration") and mode is GenerationMode.POSITIVE:
        case.query = {**(case.query or {}), "registration_token": platform.adapter.registration_token().token}
    response = contract.send(platform.client, case, target.base_url, headers)
    note(f"{case.method} {case.formatted_path} -> {response.status_code}")
    case.validate_response(response, checks=CHECKS)
