"""The LTI token endpoint: scopes within the key's, its error answers, client-assertion attacks and how
they are refused (KEY-001, KEY-012 … KEY-019, KEY-021 … KEY-024). Each runs with a developer key the
harness creates, or with the profile's hand-registered tool where the harness has no admin API."""

from __future__ import annotations

import time
import uuid
from typing import Callable

import httpx
from cryptography.hazmat.primitives import serialization
from jwt.algorithms import RSAAlgorithm

from lti_harness.harness import keys, schemas
from lti_harness.harness.checks import check
from lti_harness.harness.client import json_body
from lti_harness.harness.plugin import not_applicable
from lti_harness.harness.results import precondition
from lti_harness.suites import common
from lti_harness.vocab import LINEITEM_READONLY_SCOPE, LINEITEM_SCOPE, NRPS_SCOPE, RESULT_READONLY_SCOPE, SCORE_SCOPE

from .conftest import LtiKey, assert_oauth_refusal, post_assertion

# Scopes a registration may lack, to ask for one beyond it (AGS and NRPS, ims-facts.md §2.3 and §4).
KNOWN_LTI_SCOPES = [LINEITEM_SCOPE, LINEITEM_READONLY_SCOPE, SCORE_SCOPE, RESULT_READONLY_SCOPE, NRPS_SCOPE]
REFUSAL_ERRORS = ("invalid_request", "invalid_client")


def claims(lti: LtiKey, **overrides: object) -> dict[str, object]:
    now = int(time.time())
    out: dict[str, object] = {"iss": lti.id, "sub": lti.id, "aud": lti.token_url, "iat": now, "exp": now + 300, "jti": uuid.uuid4().hex}
    out.update(overrides)
    return out


def hs256_with_public_key(lti: LtiKey) -> str:
    public = RSAAlgorithm.from_jwk(lti.key.public_jwk)
    pem = public.public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    return keys.hs256_jwt(claims(lti), pem, {"kid": lti.key.kid})


# The assertion attacks: check id → (what is sent, how to make it from the client's key).
ATTACKS: dict[str, tuple[str, Callable[[LtiKey], str]]] = {
    "KEY-013": ("an unsigned assertion (alg none)", lambda lti: keys.unsigned_jwt(claims(lti), {"kid": lti.key.kid})),
    "KEY-014": ("an assertion HMAC-signed with the public key", hs256_with_public_key),
    "KEY-015": ("an assertion for another audience", lambda lti: lti.assertion(aud="https://another-platform.invalid/login/oauth2/token")),
    "KEY-016": ("an assertion that expired 100 s ago", lambda lti: lti.assertion(now=time.time() - 200, lifetime=100)),
    "KEY-017": ("an assertion issued 10 minutes in the future", lambda lti: lti.assertion(now=time.time() + 600)),
    "KEY-018": ("an assertion signed by another key under the right kid", lambda lti: keys.generate(kid=lti.key.kid).sign(claims(lti))),
    "KEY-019": ("an assertion whose kid is not in the tool's JWKS", lambda lti: keys.generate(kid=f"unknown-{uuid.uuid4().hex[:8]}").sign(claims(lti))),
    "KEY-022": ("an assertion whose iss is another client id (sub is the client's)", lambda lti: lti.assertion(iss=other_client(lti))),
    "KEY-023": ("the same assertion (same jti) posted a second time", lambda lti: lti.assertion()),
    "KEY-024": ("an assertion whose exp lies 365 days ahead", lambda lti: lti.assertion(lifetime=365 * 24 * 3600)),
}
REPLAYED = "KEY-023"  # sent twice: the first must be granted, the second is the attack


def other_client(lti: LtiKey) -> str:
    """A client id that is not ``lti``'s (the same form, so only the mismatch is wrong)."""
    return f"{lti.id}0" if lti.id.isdigit() else f"{lti.id}-other"


def some_scope(lti: LtiKey) -> list[str]:
    """One scope the client holds (SCORE_SCOPE where it has it)."""
    return [SCORE_SCOPE] if SCORE_SCOPE in lti.scopes else lti.scopes[:1]


def issued(response: httpx.Response) -> bool:
    """Whether the token endpoint granted a token: a 2xx answer carrying an access_token."""
    body = json_body(response) if response.status_code < 300 and response.content else None
    return isinstance(body, dict) and bool(body.get("access_token"))


def control(platform, lti: LtiKey) -> None:
    """A valid assertion is granted first, so a refusal below is for the attack and nothing else."""
    response = post_assertion(platform, lti.assertion(), some_scope(lti), lti.token_url)
    precondition(issued(response), f"a valid assertion of client {lti.id} was refused, so the attack cannot be told apart "
                                   f"(a set-up problem): {response.status_code} {response.text[:300]}")


def attack(platform, lti: LtiKey, cid: str) -> httpx.Response:
    """The token endpoint's answer to the attack of check ``cid``. A replay first posts the assertion once,
    which must be granted (else the check ends ``error``: the harness could not replay anything)."""
    assertion = ATTACKS[cid][1](lti)
    if cid == REPLAYED:
        first = post_assertion(platform, assertion, some_scope(lti), lti.token_url)
        precondition(issued(first), f"the first use of a valid assertion of client {lti.id} was refused, so there is no "
                                    f"replay to judge: {first.status_code} {first.text[:300]}")
    return post_assertion(platform, assertion, some_scope(lti), lti.token_url)


def not_accepted(platform, lti: LtiKey, cid: str) -> None:
    """The attack of check ``cid`` gets no token, whatever the refusal looks like (KEY-021 judges that)."""
    what = ATTACKS[cid][0]
    control(platform, lti)
    response = attack(platform, lti, cid)
    assert not issued(response), f"{what} was accepted: the token endpoint issued a token ({response.status_code}); it must refuse it"


@check("KEY-001")
def test_scopes_beyond_the_key_are_refused(platform):
    lti = common.lti_client(platform, [LINEITEM_READONLY_SCOPE, SCORE_SCOPE])
    beyond = next((s for s in KNOWN_LTI_SCOPES if s not in lti.scopes), None)
    if beyond is None:
        not_applicable("the registration holds every AGS and NRPS scope, so there is no scope beyond it to ask for")
    held = lti.scopes[0]
    granted = post_assertion(platform, lti.assertion(), [held], lti.token_url)
    assert granted.status_code == 200, f"a subset of the key's scopes ({held}) was refused: {granted.status_code} {granted.text[:300]}"
    scope = str(json_body(granted).get("scope", ""))
    assert set(scope.split()) == {held}, f"granted scope {scope!r}, requested only {held} (a subset of the key's scopes is granted as asked)"
    answer = post_assertion(platform, lti.assertion(), [held, beyond], lti.token_url)
    assert not issued(answer) or beyond not in str(json_body(answer).get("scope", "")).split(), (
        f"a token was granted for {beyond}, which the key does not have: requested scopes must be a subset of the key's (seed 004)"
    )
    assert_oauth_refusal(answer, f"requesting {beyond}, which the key does not have", (400,), ("invalid_scope",))


@check("KEY-012")
def test_token_endpoint_errors(platform, lti_key):
    unknown = keys.client_assertion(lti_key.key, f"999999{uuid.uuid4().int % 10**9:09d}", lti_key.token_url)
    assert_oauth_refusal(post_assertion(platform, unknown, some_scope(lti_key), lti_key.token_url), "an assertion for an unknown client", (400, 401), ("invalid_client",))
    wrong_grant = platform.client.post(
        lti_key.token_url, data={"grant_type": "password", "username": "x", "password": "y"}, headers={"Accept": "application/json"}
    )
    assert_oauth_refusal(wrong_grant, "grant_type=password", (400,), ("unsupported_grant_type",))


@check("KEY-012")
def test_deactivated_key_refused(platform):
    why = platform.missing("admin_developer_keys")
    if why:
        not_applicable(f"deactivating a developer key needs the admin API: {why}")
    lti = common.new_lti_key(platform)
    control(platform, lti)
    platform.adapter.set_developer_key_active(lti.id, False)
    try:
        answer = post_assertion(platform, lti.assertion(), some_scope(lti), lti.token_url)
        assert_oauth_refusal(answer, "an assertion of a deactivated key", (400, 401), ("invalid_client",))
    finally:
        platform.adapter.set_developer_key_active(lti.id, True)


@check("KEY-013")
def test_alg_none_refused(platform, lti_key):
    not_accepted(platform, lti_key, "KEY-013")


@check("KEY-014")
def test_hs256_with_public_key_refused(platform, lti_key):
    not_accepted(platform, lti_key, "KEY-014")


@check("KEY-015")
def test_wrong_audience_refused(platform, lti_key):
    not_accepted(platform, lti_key, "KEY-015")


@check("KEY-016")
def test_expired_assertion_refused(platform, lti_key):
    not_accepted(platform, lti_key, "KEY-016")


@check("KEY-017")
def test_future_iat_refused(platform, lti_key):
    not_accepted(platform, lti_key, "KEY-017")


@check("KEY-018")
def test_other_key_signature_refused(platform, lti_key):
    not_accepted(platform, lti_key, "KEY-018")


@check("KEY-019")
def test_unknown_kid_refused(platform):
    """With a key the harness creates, one that names its JWKS URL (so the kid chooses the key)."""
    lti = common.new_lti_key(platform, jwks_url=True) if platform.missing("admin_developer_keys") is None else common.lti_client(platform)
    not_accepted(platform, lti, "KEY-019")


@check("KEY-022")
def test_iss_not_client_id_refused(platform, lti_key):
    not_accepted(platform, lti_key, "KEY-022")


@check("KEY-023")
def test_replayed_assertion_refused(platform, lti_key):
    not_accepted(platform, lti_key, "KEY-023")


@check("KEY-024")
def test_far_future_exp_refused(platform, lti_key):
    not_accepted(platform, lti_key, "KEY-024")


def refusal_problem(response: httpx.Response) -> str | None:
    """What is wrong with a refusal's form (None when it is 400/401 with an RFC 6749 §5.2 body)."""
    if response.status_code not in (400, 401):
        return f"answered {response.status_code}"
    body = json_body(response) if response.content else None
    if schemas.errors("oauth_error", body):
        return f"answered {response.status_code} without an OAuth error body: {response.text[:120]!r}"
    if body["error"] not in REFUSAL_ERRORS:
        return f"answered error {body['error']!r}, not {' or '.join(REFUSAL_ERRORS)}"
    return None


@check("KEY-021")
def test_refusals_are_4xx_oauth_errors(platform, lti_key):
    control(platform, lti_key)
    bad = []
    for cid, (what, _make) in ATTACKS.items():
        response = attack(platform, lti_key, cid)
        if issued(response):
            continue  # an accepted attack is its own check's failure, not a refusal to judge here
        problem = refusal_problem(response)
        if problem:
            bad.append(f"{what} ({cid}) {problem}")
    assert not bad, "a bad client assertion must be refused with 400/401 and an OAuth error body, never a 5xx: " + "; ".join(bad)
