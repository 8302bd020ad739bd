"""Registering a tool: acceptance, echo, scopes, configuration, refusals (DR-006 … DR-015)."""

from __future__ import annotations

import base64
import json
from typing import Any

import jwt
import pytest

from lti_harness.harness import dynreg, schemas
from lti_harness.harness.checks import check
from lti_harness.harness.client import json_body
from lti_harness.harness.plugin import not_applicable
from lti_harness.harness.results import precondition
from lti_harness.vocab import REG_READ_SCOPE, TOOL_CONFIG

TC = TOOL_CONFIG
UNKNOWN_SCOPE = "https://example.invalid/scope/not-an-lti-scope"


def _accepted(response) -> dict[str, Any]:
    """The answer to a valid registration, whose acceptance is the rule of the calling check (DR-006, DR-015)."""
    assert response.status_code in (200, 201), (
        f"a valid registration got {response.status_code}, expected 200 (Canvas) or 201 (OIDC-Reg): {response.text[:300]}"
    )
    body = json_body(response)
    assert isinstance(body, dict), "the registration response is not a JSON object"
    return body


def _registered(response) -> dict[str, Any]:
    """The answer to a valid registration made to arrange another rule: a refusal ends the check in error."""
    precondition(response.status_code in (200, 201),
                 f"a valid registration (a set-up step of this check; DR-006 judges it) got {response.status_code}: {response.text[:300]}")
    body = json_body(response)
    precondition(isinstance(body, dict), "the registration response is not a JSON object (DR-006 judges it)")
    return body


def _refused_with_documented_shape(response, what: str) -> None:
    assert response.status_code < 500, f"{what} caused a server error ({response.status_code})"
    assert 400 <= response.status_code < 500, f"{what} was accepted ({response.status_code}); expected a 4xx refusal"
    body = json_body(response)
    problems = schemas.errors("canvas_error", body)
    assert not problems, f"{what}: the {response.status_code} body is not a documented error shape: {body!r}"


@check("DR-006")
def test_valid_registration_is_accepted(platform, endpoints, reg_token, tool_body):
    body = _accepted(dynreg.post_registration(platform.client, endpoints.registration, reg_token.token, tool_body))
    problems = schemas.errors("registration_response", body)
    assert not problems, f"registration response does not conform: {problems}"
    assert isinstance(body.get("client_id"), str) and body["client_id"], "no client_id was issued"


@check("DR-007")
def test_registration_response_echoes_request(platform, endpoints, reg_token, tool_body):
    body = _registered(dynreg.post_registration(platform.client, endpoints.registration, reg_token.token, tool_body))
    differences = dynreg.echo_differences(tool_body, body)
    assert not differences, "the response does not echo the registration: " + "; ".join(differences)


@check("DR-008")
def test_granted_scope_is_requested_plus_openid(platform, endpoints, reg_token, tool_body):
    body = _registered(dynreg.post_registration(platform.client, endpoints.registration, reg_token.token, tool_body))
    granted = set(str(body.get("scope", "")).split())
    wanted = set(tool_body["scope"].split()) | {"openid"}
    assert granted == wanted, f"granted scope {sorted(granted)}; expected the requested scopes plus openid {sorted(wanted)}"


@check("DR-009")
def test_configuration_readable_at_registration_client_uri(platform, endpoints, reg_token, tool_body):
    tool = platform.harness_tool
    if not tool.reachable:
        not_applicable(tool.why_unreachable)
    body = _registered(dynreg.post_registration(platform.client, endpoints.registration, reg_token.token, tool_body))
    uri = body.get("registration_client_uri")
    assert isinstance(uri, str) and uri.startswith(("http://", "https://")), "the response has no registration_client_uri"
    precondition(body.get("client_id") not in (None, ""), "the registration response has no client_id to request a token with (DR-006 judges it)")
    token_response = dynreg.request_token(platform.client, endpoints.token, str(body.get("client_id")), tool.key, [REG_READ_SCOPE])
    token_body = json_body(token_response) if token_response.status_code == 200 else None
    precondition(isinstance(token_body, dict) and token_body.get("access_token"),
                 f"the token endpoint refused registration.readonly to the tool just registered (a set-up step of this check): "
                 f"{token_response.status_code} {token_response.text[:300]}")
    access = token_body["access_token"]  # type: ignore[index]
    response = platform.client.get(f"{uri}/configuration", headers={"Authorization": f"Bearer {access}", "Accept": "application/json"})
    assert response.status_code == 200, f"GET {uri}/configuration answered {response.status_code}, expected 200"
    config = json_body(response)
    problems = schemas.errors("registration_response", config)
    assert not problems, f"the configuration read back does not conform: {problems}"
    assert config.get("client_id") == body.get("client_id"), "the configuration read back belongs to another client_id"
    differences = dynreg.echo_differences(tool_body, config)
    assert not differences, "the configuration read back differs from the registration: " + "; ".join(differences)


def _mutations(body: dict[str, Any]) -> list[tuple[str, dict[str, Any] | list[Any]]]:
    m = dynreg.mutated
    out: list[tuple[str, Any]] = []
    for field in ("application_type", "grant_types", "response_types", "redirect_uris", "initiate_login_uri", "client_name", "jwks_uri", "token_endpoint_auth_method", TC):
        out.append((f"without {field.rsplit('/', 1)[-1]}", m(body, (field,))))
    for field in ("domain", "messages", "claims"):
        out.append((f"without tool configuration {field}", m(body, (TC, field))))
    out += [
        ("client_name not a string", m(body, ("client_name",), 42)),
        ("redirect_uris not a list", m(body, ("redirect_uris",), body["redirect_uris"][0])),
        ("empty redirect_uris", m(body, ("redirect_uris",), [])),
        ("redirect_uris with a non-URI", m(body, ("redirect_uris",), ["not a uri"])),
        ("ftp initiate_login_uri", m(body, ("initiate_login_uri",), "ftp://example.com/login")),
        ("javascript jwks_uri", m(body, ("jwks_uri",), "javascript:alert(1)")),
        ("unknown message type", m(body, (TC, "messages", "0", "type"), "LtiUnknownRequest")),
        ("unknown placement", m(body, (TC, "messages", "0", "placements"), ["not_a_placement"])),
        ("grant type password", m(body, ("grant_types",), ["client_credentials", "implicit", "password"])),
        ("grant_types without implicit", m(body, ("grant_types",), ["client_credentials"])),
        ("application_type native", m(body, ("application_type",), "native")),
        ("token_endpoint_auth_method client_secret_basic", m(body, ("token_endpoint_auth_method",), "client_secret_basic")),
        ("response_types code", m(body, ("response_types",), ["code"])),
        ("domain with a scheme", m(body, (TC, "domain"), "https://tool.example.com")),
        ("custom parameter not a string", m(body, (TC, "custom_parameters"), {"n": 1})),
        ("scope as a list", m(body, ("scope",), body["scope"].split())),
        ("an unknown scope", m(body, ("scope",), f"{body['scope']} {UNKNOWN_SCOPE}")),
        ("body is a list", [body]),
    ]
    return out


MUTATION_NAMES = [name for name, _ in _mutations(dynreg.sample_registration("https://t.example", "https://t.example/jwks"))]


@check("DR-010")
@pytest.mark.parametrize("mutation", MUTATION_NAMES)
def test_invalid_body_is_refused(platform, endpoints, new_token, tool_body, mutation):
    body = dict(_mutations(tool_body))[mutation]
    response = dynreg.post_registration(platform.client, endpoints.registration, new_token(), body)
    _refused_with_documented_shape(response, f"a registration {mutation}")


@check("DR-011")
def test_unknown_scope_is_refused(platform, endpoints, reg_token, tool_body):
    body = dynreg.mutated(tool_body, ("scope",), f"{tool_body['scope']} {UNKNOWN_SCOPE}")
    response = dynreg.post_registration(platform.client, endpoints.registration, reg_token.token, body)
    if response.status_code in (200, 201):
        granted = str(json_body(response).get("scope", ""))
        pytest.fail(f"a registration asking for an unknown scope was accepted ({response.status_code}); granted scope: {granted!r}")
    _refused_with_documented_shape(response, "a registration with an unknown scope")


@check("DR-012")
def test_expired_token_is_refused(platform, endpoints, tool_body):
    token = platform.platform.expired_registration_token or platform.mock_controls.expired_registration_token()
    response = dynreg.post_registration(platform.client, endpoints.registration, token, tool_body)
    assert response.status_code == 401, f"a registration with an expired token got {response.status_code}, expected 401"


def _forge(token: str) -> str:
    head, payload, sig = token.split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    claims["user_id"] = 999999
    claims["exp"] = int(claims.get("exp", 0)) + 86400
    forged = base64.urlsafe_b64encode(json.dumps(claims).encode()).rstrip(b"=").decode()
    return f"{head}.{forged}.{sig}"


TOKEN_CASES = {
    "missing": lambda t: None,
    "not a JWT": lambda t: "not-a-jwt",
    "payload altered, signature kept": _forge,
    "signed with another key": lambda t: jwt.encode(jwt.decode(t, options={"verify_signature": False}), "another-secret-0123456789abcdef-0123456789", algorithm="HS256"),
    "alg none": lambda t: jwt.encode(jwt.decode(t, options={"verify_signature": False}), None, algorithm="none"),
}


@check("DR-013")
@pytest.mark.parametrize("case", list(TOKEN_CASES))
def test_bad_token_is_refused(platform, endpoints, reg_token, tool_body, case):
    token = TOKEN_CASES[case](reg_token.token)
    response = dynreg.post_registration(platform.client, endpoints.registration, token, tool_body)
    assert response.status_code == 401, f"a registration with a {case} token got {response.status_code}, expected 401"


@check("DR-014")
def test_token_cannot_register_twice(platform, endpoints, reg_token, tool_body):
    first = dynreg.post_registration(platform.client, endpoints.registration, reg_token.token, tool_body)
    precondition(first.status_code in (200, 201), f"the first registration with the token failed ({first.status_code}); reuse cannot be judged")
    second = dynreg.post_registration(platform.client, endpoints.registration, reg_token.token, tool_body)
    assert 400 <= second.status_code < 500, f"a second registration with the same token got {second.status_code}; expected a 4xx"


@check("DR-015")
def test_form_encoded_registration_is_accepted(platform, endpoints, reg_token, tool_body):
    response = dynreg.post_registration(platform.client, endpoints.registration, reg_token.token, tool_body, form=True)
    body = _accepted(response)
    differences = dynreg.echo_differences(tool_body, body)
    assert not differences, "the form-encoded registration was not echoed: " + "; ".join(differences)


@check("DR-017")
def test_registrations_get_distinct_client_ids(platform, endpoints, new_token, tool_body):
    ids = []
    for n in (1, 2):
        body = _registered(dynreg.post_registration(platform.client, endpoints.registration, new_token(), tool_body))
        precondition(body.get("client_id") not in (None, ""), f"registration {n} was answered without a client_id (DR-006 judges it)")
        ids.append(str(body["client_id"]))
    assert ids[0] != ids[1], f"two registrations, each with its own registration token, both got client_id {ids[0]!r}"
