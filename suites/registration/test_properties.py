"""Property-based registration checks: bodies generated from the request schema (built directly from
its lists, see suites.bodies) and targeted mutations of them."""

from __future__ import annotations

from typing import Any, Callable

from hypothesis import given, note
from hypothesis import strategies as st

from lti_harness.harness import dynreg, schemas
from lti_harness.harness.checks import check
from lti_harness.harness.client import json_body
from lti_harness.harness.pbt import TargetGuard
from lti_harness.harness.results import precondition
from lti_harness.suites.bodies import registration_bodies
from lti_harness.vocab import TOOL_CONFIG

TC = TOOL_CONFIG
REQUIRED = ["application_type", "grant_types", "response_types", "redirect_uris", "initiate_login_uri", "client_name", "jwks_uri", "token_endpoint_auth_method", TC]
URI_FIELDS = ["initiate_login_uri", "jwks_uri"]
BAD_URIS = ["ftp://tool.example/x", "not a uri", "javascript:alert(1)", "//tool.example/no-scheme", "mailto:someone@tool.example"]

valid_bodies = registration_bodies()


def _drop(field: str) -> Callable[[dict[str, Any]], dict[str, Any]]:
    return lambda b: dynreg.mutated(b, (field,))


def _drop_tool(field: str) -> Callable[[dict[str, Any]], dict[str, Any]]:
    return lambda b: dynreg.mutated(b, (TC, field))


def _set(field: str, value: Any) -> Callable[[dict[str, Any]], dict[str, Any]]:
    return lambda b: dynreg.mutated(b, (field,), value)


def _message(b: dict[str, Any], change: dict[str, Any]) -> dict[str, Any]:
    out = dynreg.mutated(b, (TC,), dict(b[TC]))
    messages = list(out[TC].get("messages") or [])
    first = dict(messages[0]) if messages else {"type": "LtiResourceLinkRequest"}
    first.update(change)
    out[TC]["messages"] = [first, *messages[1:]]
    return out


MUTATIONS: dict[str, Callable[[dict[str, Any]], Any]] = {
    **{f"drop {f.rsplit('/', 1)[-1]}": _drop(f) for f in REQUIRED},
    **{f"drop tool {f}": _drop_tool(f) for f in ("domain", "messages", "claims")},
    **{f"{f} = {u!r}": _set(f, u) for f in URI_FIELDS for u in BAD_URIS},
    "redirect_uris = ['not a uri']": _set("redirect_uris", ["not a uri"]),
    "client_name = 7": _set("client_name", 7),
    "client_name = ''": _set("client_name", ""),
    "redirect_uris = 'https://x.example'": _set("redirect_uris", "https://x.example"),
    "grant_types = ['authorization_code']": _set("grant_types", ["authorization_code"]),
    "application_type = 'native'": _set("application_type", "native"),
    "unknown message type": lambda b: _message(b, {"type": "LtiMysteryRequest"}),
    "unknown placement": lambda b: _message(b, {"type": "LtiResourceLinkRequest", "placements": ["nowhere_at_all"]}),
    "unknown scope": lambda b: dynreg.mutated(b, ("scope",), ((b.get("scope") or "") + " https://example.invalid/scope/x").strip()),
    "body is a JSON list": lambda b: [b],
}


MUTATED = st.tuples(valid_bodies, st.sampled_from(sorted(MUTATIONS)))


def _property(strategy, body_fn) -> None:
    """Run ``body_fn`` over ``strategy`` with hypothesis, stopping at the first target error."""
    guard = TargetGuard()

    @given(drawn=strategy)
    def run(drawn):
        with guard.example() as live:
            if live:
                body_fn(*drawn) if isinstance(drawn, tuple) else body_fn(drawn)

    run()
    guard.raise_if_failed()


def _register(platform, endpoints, new_token, body, *, rule: bool) -> dict[str, Any]:
    """POST a schema-valid body and return the platform's answer. Its acceptance is the rule of DR-006
    (``rule``); for DR-007 a refusal means the echo cannot be judged, and the check ends in error."""
    note(f"body: {body!r}")
    response = dynreg.post_registration(platform.client, endpoints.registration, new_token(), body)
    message = f"a schema-valid registration got {response.status_code}: {response.text[:300]}"
    if rule:
        assert response.status_code in (200, 201), message
    else:
        precondition(response.status_code in (200, 201), f"{message} (a set-up step of this check; DR-006 judges it)")
    answer = json_body(response)
    precondition(isinstance(answer, dict) or rule, "the registration answer is not a JSON object (DR-006 judges it)")
    return answer


@check("DR-006")
def test_generated_registrations_are_accepted(platform, endpoints, new_token):
    def accepted(body):
        answer = _register(platform, endpoints, new_token, body, rule=True)
        problems = schemas.errors("registration_response", answer)
        assert not problems, f"the response to a schema-valid registration does not conform: {problems[:3]}"
        assert isinstance(answer.get("client_id"), str) and answer["client_id"], "no client_id was issued"

    _property(valid_bodies, accepted)


@check("DR-007")
def test_generated_registrations_are_echoed(platform, endpoints, new_token):
    def echoed(body):
        differences = dynreg.echo_differences(body, _register(platform, endpoints, new_token, body, rule=False))
        assert not differences, "not echoed: " + "; ".join(differences)

    _property(valid_bodies, echoed)


@check("DR-010")
def test_mutated_registrations_are_refused(platform, endpoints, new_token):
    def refused(body, mutation):
        bad = MUTATIONS[mutation](body)
        note(f"mutation: {mutation}")
        response = dynreg.post_registration(platform.client, endpoints.registration, new_token(), bad)
        assert response.status_code < 500, f"mutation {mutation!r} caused a server error ({response.status_code})"
        assert 400 <= response.status_code < 500, f"mutation {mutation!r} was accepted ({response.status_code})"
        problems = schemas.errors("canvas_error", json_body(response))
        assert not problems, f"mutation {mutation!r}: the {response.status_code} body is not a documented error shape"

    _property(MUTATED, refused)
