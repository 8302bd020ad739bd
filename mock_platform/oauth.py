"""Registration tokens, the LTI client-credentials token endpoint, and LTI access-token checks.

canvas-facts.md §1a (registration token claims, 1 hour), §3 "POST /login/oauth2/token with LTI
client_credentials" (assertion checks and error bodies) and §2 (order of the 401 checks).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
import uuid
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any
from urllib.parse import urlsplit

import httpx
import jwt
from cryptography.hazmat.primitives import serialization
from jwt.algorithms import RSAAlgorithm

from harness.keys import KeyPair, public_key_from_jwks

from .store import DeveloperKey, Store

REGISTRATION_TOKEN_LIFETIME = 3600
REQUIRED_TOKEN_CLAIMS = ("user_id", "initiated_at", "root_account_global_id", "root_account_domain", "exp", "uuid", "registration_url")
ASSERTION_TYPE = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
ACCESS_TOKEN_LIFETIME = 3600
MAX_JWKS_BYTES = 256 * 1024
# Private claim of the mock's LTI access tokens: the key's scope version when the token was issued.
SCOPE_VERSION_CLAIM = "https://mock-platform.invalid/key_scope_version"


class OAuthError(Exception):
    """An RFC 6749 §5.2 error with its HTTP status."""

    def __init__(self, status: int, error: str, description: str) -> None:
        super().__init__(description)
        self.status, self.error, self.description = status, error, description

    def body(self) -> dict[str, str]:
        return {"error": self.error, "error_description": self.description}


class TokenRejected(Exception):
    """A registration or access token was refused (401 with ``{"errorMessage": ...}``)."""


def issue_registration_token(
    secret: str, *, account_id: str, domain: str, user_id: int, registration_url: str, faults: set[str], lifetime: int = REGISTRATION_TOKEN_LIFETIME
) -> tuple[str, str]:
    """A signed registration token (HS256 with the platform's secret) and its uuid."""
    now = int(time.time())
    token_uuid = str(uuid.uuid4())
    claims: dict[str, Any] = {
        "uuid": token_uuid,
        "initiated_at": datetime.fromtimestamp(now, timezone.utc).isoformat(),
        "user_id": user_id,
        "root_account_global_id": account_id,
        "root_account_domain": domain,
        "registration_url": registration_url,
        "exp": now + lifetime,
    }
    if "token-without-expiry" in faults:
        claims.pop("exp")
    return jwt.encode(claims, secret, algorithm="HS256"), token_uuid


def verify_registration_token(token: str | None, secret: str, faults: set[str]) -> dict[str, Any]:
    """The claims of a valid registration token, or ``TokenRejected`` with Canvas-style wording."""
    if not token:
        raise TokenRejected("Missing registration token")
    options = {"verify_signature": "accept-forged-token" not in faults, "verify_exp": "accept-expired-token" not in faults}
    if "token-without-expiry" in faults:
        options["verify_exp"] = False
    try:
        claims = jwt.decode(token, secret, algorithms=["HS256"], options=options)
    except jwt.ExpiredSignatureError:
        raise TokenRejected("registration_token has expired") from None
    except jwt.PyJWTError:
        raise TokenRejected("Invalid registration_token") from None
    required = REQUIRED_TOKEN_CLAIMS if "token-without-expiry" not in faults else tuple(c for c in REQUIRED_TOKEN_CLAIMS if c != "exp")
    if not isinstance(claims, dict) or any(c not in claims for c in required):
        raise TokenRejected("JWT did not include expected contents")
    return claims


def _loopback(url: str) -> bool:
    host = urlsplit(url).hostname or ""
    return host in ("localhost", "::1") or host.startswith("127.")


async def _fetch_jwks(url: str, loopback_only: bool) -> dict[str, Any]:
    if loopback_only and not _loopback(url):
        raise OAuthError(400, "invalid_request", "JWK Error: this mock only fetches JWKS from loopback addresses")
    try:
        async with httpx.AsyncClient(timeout=5.0) as client:
            async with client.stream("GET", url) as response:
                data = b""
                async for chunk in response.aiter_bytes():
                    data += chunk
                    if len(data) > MAX_JWKS_BYTES:
                        raise OAuthError(400, "invalid_request", "JWK Error: JWKS too large")
        document = json.loads(data)
    except OAuthError:
        raise
    except (httpx.HTTPError, ValueError):
        raise OAuthError(400, "invalid_request", "JWK Error: Invalid JSON") from None
    if not isinstance(document, dict):
        raise OAuthError(400, "invalid_request", "JWK Error: Invalid JSON")
    return document


def to_sentence(items: list[str]) -> str:
    """``a``, ``a and b``, ``a, b and c`` (Rails ``to_sentence``)."""
    return "".join(items) if len(items) <= 1 else ", ".join(items[:-1]) + " and " + items[-1]


def _b64decode(part: str) -> bytes:
    return base64.urlsafe_b64decode(part + "=" * (-len(part) % 4))


async def _verify_signature(assertion: str, header: dict[str, Any], key: DeveloperKey, faults: set[str], loopback_only: bool) -> None:
    """RS256 against the key's public JWK, or the JWKS at its URL (``kid`` chooses the key there)."""
    alg = header.get("alg")
    if alg == "none" and "accept-alg-none" in faults:
        return
    if alg == "HS256" and "accept-hs256-public-key" in faults and key.public_jwk:
        # the bug: the public key (PEM) used as an HMAC secret
        pem = RSAAlgorithm.from_jwk(json.dumps(key.public_jwk)).public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )
        signing_input, _, signature = assertion.rpartition(".")
        expected = hmac.new(pem, signing_input.encode("ascii"), hashlib.sha256).digest()
        if hmac.compare_digest(expected, _b64decode(signature)):
            return
    if alg != "RS256":
        raise OAuthError(400, "invalid_request", "JWS signature invalid.")
    if key.public_jwk:
        try:
            public = RSAAlgorithm.from_jwk(json.dumps(key.public_jwk))
        except (ValueError, KeyError, TypeError):
            raise OAuthError(400, "invalid_request", "JWK Error: Invalid JSON") from None
    elif key.public_jwk_url:
        jwks = await _fetch_jwks(key.public_jwk_url, loopback_only)
        try:
            public = public_key_from_jwks(jwks, header.get("kid"))
        except (KeyError, ValueError):
            if "accept-unknown-kid" in faults:
                return
            raise OAuthError(400, "invalid_request", "JWK Error: no key in the JWKS matches the assertion's kid") from None
    else:
        raise OAuthError(400, "invalid_request", "JWK Error: the key has no public JWK")
    if "skip-assertion-signature" in faults:
        return
    try:
        jwt.decode(assertion, public, algorithms=["RS256"], options={"verify_aud": False, "verify_exp": False, "verify_iat": False})
    except (jwt.PyJWTError, ValueError):
        raise OAuthError(400, "invalid_request", "JWS signature invalid.") from None


async def grant_client_credentials(form: dict[str, str], *, faults: set[str], **context: Any) -> dict[str, Any]:
    """Run the LTI client-credentials grant; return the token response or raise ``OAuthError``.

    ``context``: ``store``, ``token_url``, ``audiences``, ``issuer``, ``signing_key``, ``loopback_only``."""
    try:
        return await _grant(form, faults=faults, **context)
    except OAuthError as exc:
        if exc.error == "invalid_request" and form.get("client_assertion") and "bad-assertion-500" in faults:
            # the bug: a bad assertion raises out of the validator and the server answers 500
            raise OAuthError(500, "server_error", "An internal error occurred while validating the client assertion") from None
        raise


async def _grant(
    form: dict[str, str],
    *,
    store: Store,
    token_url: str,
    audiences: set[str],
    issuer: str,
    signing_key: KeyPair,
    faults: set[str],
    loopback_only: bool = True,
) -> dict[str, Any]:
    assertion = form.get("client_assertion")
    if form.get("client_assertion_type") != ASSERTION_TYPE or not assertion:
        if form.get("client_id") and form.get("client_secret"):
            raise OAuthError(400, "invalid_request", "assertion method not supported for this grant_type")
        raise OAuthError(400, "invalid_request", "client_assertion and client_assertion_type are required")
    try:
        header = jwt.get_unverified_header(assertion)
        unverified = jwt.decode(assertion, options={"verify_signature": False})
    except jwt.PyJWTError:
        raise OAuthError(400, "invalid_request", "the client_assertion is not a JWT") from None
    sub = unverified.get("sub") if isinstance(unverified, dict) else None
    key = store.developer_key(str(sub)) if sub is not None else None
    if key is None or key.workflow_state != "active" or not key.is_lti_key:
        if "unknown-client-wrong-error" in faults:
            raise OAuthError(400, "invalid_request", "unknown client")
        raise OAuthError(401, "invalid_client", "unknown client")
    missing = [c for c in ("iss", "sub", "aud", "exp", "iat", "jti") if c not in unverified]
    if missing:
        raise OAuthError(400, "invalid_request", f"the following assertions are missing: {','.join(missing)}")
    problems = []
    aud = unverified["aud"]
    auds = aud if isinstance(aud, list) else [aud]
    if not any(a in audiences for a in auds) and "accept-wrong-aud" not in faults:
        problems.append("the 'aud' is invalid")
    now = time.time()
    exp, iat = unverified["exp"], unverified["iat"]
    if not isinstance(exp, (int, float)):
        problems.append("the 'exp' must be a number")
    elif exp <= now and "accept-expired-assertion" not in faults:
        problems.append("the JWT has expired")
    if not isinstance(iat, (int, float)):
        problems.append("the 'iat' must be a number")
    elif iat > now + 30:
        if "accept-future-iat" not in faults:
            problems.append("the 'iat' must not be in the future")
    elif iat < now - 300:
        problems.append("the 'iat' must be less than 300 seconds old")
    if problems:
        raise OAuthError(400, "invalid_request", " | ".join(problems))
    await _verify_signature(assertion, header, key, faults, loopback_only)
    requested = [s for s in (form.get("scope") or form.get("scopes") or "").split(" ") if s]
    not_granted = [s for s in requested if s not in key.scopes]
    if (not requested or not_granted) and not (requested and "superset-scopes-granted" in faults):
        listed = to_sentence(not_granted or ["(none)"])
        raise OAuthError(
            401 if "wrong-invalid-scope-status" in faults else 400,
            "invalid_scope",
            "A requested scope is invalid, unknown, malformed, or exceeds the scope granted by the resource owner. "
            f"The following scopes were requested, but not granted: {listed}",
        )
    iat_now = int(now)
    token = signing_key.sign(
        {
            "iss": issuer,
            "sub": key.id,
            "aud": token_url,
            "iat": iat_now,
            "exp": iat_now + ACCESS_TOKEN_LIFETIME,
            "jti": uuid.uuid4().hex,
            "scopes": " ".join(requested),
            SCOPE_VERSION_CLAIM: key.scope_version,
        }
    )
    return {"access_token": token, "token_type": "Bearer", "expires_in": ACCESS_TOKEN_LIFETIME, "scope": " ".join(requested)}


@dataclass
class AccessGrant:
    key: DeveloperKey
    scopes: list[str]


def verify_access_token(
    authorization: str | None,
    *,
    store: Store,
    signing_key: KeyPair,
    token_url: str,
    any_of: tuple[str, ...],
    faults: set[str] = frozenset(),  # type: ignore[assignment]
) -> AccessGrant:
    """Check an LTI Advantage access token in the order Canvas does (canvas-facts §2)."""
    if not authorization:
        raise TokenRejected("Missing access token")
    scheme, _, token = authorization.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise TokenRejected("Invalid access token format")
    try:
        claims = jwt.decode(
            token.strip(), signing_key.private_key.public_key(), algorithms=["RS256"], audience=token_url
        )
    except jwt.ExpiredSignatureError:
        raise TokenRejected("Access token expired") from None
    except jwt.InvalidAudienceError:
        raise TokenRejected("Invalid access token field/s: the 'aud' is invalid") from None
    except jwt.InvalidSignatureError:
        raise TokenRejected("Invalid access token signature") from None
    except jwt.InvalidAlgorithmError:
        raise TokenRejected("Access token signature algorithm not allowed") from None
    except jwt.PyJWTError:
        raise TokenRejected("Invalid access token format") from None
    key = store.developer_key(str(claims.get("sub")))
    if key is None or (key.workflow_state != "active" and "inactive-key-accepted" not in faults):
        raise TokenRejected("Unknown or inactive Developer Key")
    if claims.get(SCOPE_VERSION_CLAIM, 0) < key.scope_version:
        raise TokenRejected("Access token invalidated: a scope was removed from its developer key")
    scopes = str(claims.get("scopes", "")).split()
    if any_of and not any(s in scopes for s in any_of):
        raise TokenRejected("Insufficient permissions")
    return AccessGrant(key=key, scopes=scopes)
