"""The LTI token endpoint: scopes within the key's, Canvas's error answers, and client-assertion
attacks (KEY-001, KEY-012 … KEY-019)."""

from __future__ import annotations

import time
import uuid

from cryptography.hazmat.primitives import serialization
from jwt.algorithms import RSAAlgorithm

from harness import keys
from harness.checks import check
from harness.client import json_body

from .conftest import LINEITEM, LINEITEM_READ, SCORE, LtiKey, assert_oauth_refusal, new_lti_key, post_assertion

REFUSED = ((400, 401), ("invalid_request", "invalid_client"))


def claims(lti: LtiKey, **overrides: object) -> dict[str, object]:
    now = int(time.time())
    out: dict[str, object] = {"iss": lti.id, "sub": lti.id, "aud": lti.token_url, "iat": now, "exp": now + 300, "jti": uuid.uuid4().hex}
    out.update(overrides)
    return out


def control(platform, lti: LtiKey) -> None:
    """A valid assertion is granted first, so a refusal below is for the attack and nothing else."""
    response = post_assertion(platform, lti.assertion(), [SCORE])
    assert response.status_code == 200, f"a valid assertion was refused: {response.status_code} {response.text[:300]}"


def refused(platform, lti: LtiKey, assertion: str, what: str) -> None:
    control(platform, lti)
    assert_oauth_refusal(post_assertion(platform, assertion, [SCORE]), what, *REFUSED)


@check("KEY-001")
def test_scopes_beyond_the_key_are_refused(platform):
    lti = new_lti_key(platform, [LINEITEM_READ, SCORE])
    granted = post_assertion(platform, lti.assertion(), [LINEITEM_READ])
    assert granted.status_code == 200, f"a subset of the key's scopes was refused: {granted.status_code} {granted.text[:300]}"
    scope = str(json_body(granted).get("scope", ""))
    assert set(scope.split()) == {LINEITEM_READ}, f"granted scope {scope!r}, requested only {LINEITEM_READ}"
    answer = post_assertion(platform, lti.assertion(), [LINEITEM_READ, LINEITEM])
    assert_oauth_refusal(answer, "requesting lineitem, which the key does not have", (400,), ("invalid_scope",))


@check("KEY-012")
def test_token_endpoint_errors(platform, lti_key):
    unknown = keys.client_assertion(lti_key.key, "999999999999999", lti_key.token_url)
    assert_oauth_refusal(post_assertion(platform, unknown, [SCORE]), "an assertion for an unknown client", (401,), ("invalid_client",))
    wrong_grant = platform.client.post(
        lti_key.token_url, data={"grant_type": "password", "username": "x", "password": "y"}, headers={"Accept": "application/json"}
    )
    assert_oauth_refusal(wrong_grant, "grant_type=password", (400,), ("unsupported_grant_type",))
    platform.adapter.set_developer_key_active(lti_key.id, False)
    try:
        assert_oauth_refusal(post_assertion(platform, lti_key.assertion(), [SCORE]), "an assertion of a deactivated key", (401,), ("invalid_client",))
    finally:
        platform.adapter.set_developer_key_active(lti_key.id, True)


@check("KEY-013")
def test_alg_none_refused(platform, lti_key):
    forged = keys.unsigned_jwt(claims(lti_key), {"kid": lti_key.key.kid})
    refused(platform, lti_key, forged, "an unsigned assertion (alg none)")


@check("KEY-014")
def test_hs256_with_public_key_refused(platform, lti_key):
    public = RSAAlgorithm.from_jwk(lti_key.key.public_jwk)
    pem = public.public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    forged = keys.hs256_jwt(claims(lti_key), pem, {"kid": lti_key.key.kid})
    refused(platform, lti_key, forged, "an assertion HMAC-signed with the public key")


@check("KEY-015")
def test_wrong_audience_refused(platform, lti_key):
    assertion = lti_key.assertion(aud="https://another-platform.invalid/login/oauth2/token")
    refused(platform, lti_key, assertion, "an assertion for another audience")


@check("KEY-016")
def test_expired_assertion_refused(platform, lti_key):
    now = int(time.time())
    refused(platform, lti_key, lti_key.assertion(now=now - 200, lifetime=100), "an assertion that expired 100 s ago")


@check("KEY-017")
def test_future_iat_refused(platform, lti_key):
    now = int(time.time())
    refused(platform, lti_key, lti_key.assertion(now=now + 600), "an assertion issued 10 minutes in the future")


@check("KEY-018")
def test_other_key_signature_refused(platform, lti_key):
    impostor = keys.generate(kid=lti_key.key.kid)
    forged = impostor.sign(claims(lti_key))
    refused(platform, lti_key, forged, "an assertion signed by another key under the right kid")


@check("KEY-019")
def test_unknown_kid_refused(platform):
    lti = new_lti_key(platform, jwks_url=True)
    impostor = keys.generate(kid=f"unknown-{uuid.uuid4().hex[:8]}")
    refused(platform, lti, impostor.sign(claims(lti)), "an assertion whose kid is not in the tool's JWKS")
