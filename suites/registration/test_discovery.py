"""Registration token, OpenID configuration and platform JWKS (DR-001 … DR-005)."""

from __future__ import annotations

import time
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from lti_harness.harness import keys, schemas
from lti_harness.harness.checks import check
from lti_harness.harness.client import json_body
from lti_harness.harness.dynreg import with_token_in_url


@check("DR-001")
def test_registration_token_response_conforms(reg_token):
    problems = schemas.errors("registration_token_response", reg_token.raw)
    assert not problems, f"registration token response does not conform: {problems}"
    assert keys.unverified_claims(reg_token.token) or reg_token.token.count(".") == 2, "the token is not a JWT"


@check("DR-002")
def test_registration_token_expires_within_an_hour(reg_token):
    claims = keys.unverified_claims(reg_token.token)
    assert claims, "the registration token cannot be decoded as a JWT"
    exp = claims.get("exp")
    assert isinstance(exp, (int, float)), f"the registration token has no numeric 'exp' claim (claims: {sorted(claims)})"
    now = time.time()
    assert now < exp <= now + 3600 + 60, f"'exp' is {exp - now:.0f} s from now; expected within (0, 3600] s"


@check("DR-003")
def test_openid_configuration_conforms(platform, reg_token):
    url = with_token_in_url(reg_token.oidc_configuration_url, reg_token.token)
    response = platform.client.get(url, headers={"Accept": "application/json"})
    assert response.status_code == 200, f"OpenID configuration answered {response.status_code}, expected 200"
    doc = json_body(response)
    problems = schemas.errors("openid_configuration", doc)
    assert not problems, f"OpenID configuration does not conform: {problems}"
    for key in ("registration_endpoint", "token_endpoint", "jwks_uri", "authorization_endpoint"):
        assert str(doc.get(key, "")).startswith(("http://", "https://")), f"{key} is missing or not a URL"


@check("DR-004")
def test_openid_configuration_needs_token(platform, reg_token):
    parts = urlsplit(reg_token.oidc_configuration_url)
    query = [(k, v) for k, v in parse_qsl(parts.query) if k != "registration_token"]
    bare = urlunsplit(parts._replace(query=urlencode(query)))
    response = platform.client.get(bare, headers={"Accept": "application/json"})
    assert response.status_code == 401, f"OpenID configuration without registration_token answered {response.status_code}, expected 401"


@check("DR-005")
def test_platform_jwks_has_kids(platform, endpoints):
    response = platform.client.get(endpoints.jwks, headers={"Accept": "application/json"})
    assert response.status_code == 200, f"JWKS answered {response.status_code}"
    doc = json_body(response)
    problems = schemas.errors("jwks", doc)
    assert not problems, f"JWKS does not conform: {problems}"
    rsa = [k for k in doc["keys"] if k.get("kty") == "RSA"]
    assert rsa, "the JWKS holds no RSA key (LTI signs with RS256)"
