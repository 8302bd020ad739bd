"""Registration tokens, the LTI client-credentials token endpoint, and LTI access-token checks.

canvas-facts.md §1a (registration token claims, 1 hour), §3 "POST /login/oauth2/token with LTI
client_credentials" (assertion checks and error bodies) and §2 (order of the 401 checks).

Beyond Canvas, the token endpoint follows the documents where Canvas is laxer (DESIGN "Levels and real
Canvas"): the assertion's ``iss`` must be the client id (ims-facts §3.1: the server MUST validate iss;
RFC 7521 §5.2 / RFC 7523 §3: a self-issued assertion's issuer is the client id), a ``jti`` is used once
(§3.1: MUST validate jti; real Canvas skips it: fault ``assertion-jti-replay-accepted``), and ``exp`` may
lie at most an hour ahead (RFC 7523 §3: "unreasonably far in the future"; real Canvas only checks that
it is in the future: fault ``assertion-long-exp-accepted``).
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import ipaddress
import json
import re
import time
import uuid
import weakref
import zlib
from collections.abc import Collection
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any
from urllib.parse import urlsplit

import httpx
import jwt
from cryptography.hazmat.primitives import serialization
from jwt.algorithms import RSAAlgorithm

from lti_harness.harness import outbound
from lti_harness.harness.keys import KeyPair, public_key_from_jwks
from lti_harness.vocab import to_sentence

from . import faults
from .store import DeveloperKey, Store

REGISTRATION_TOKEN_LIFETIME = 3600
REQUIRED_TOKEN_CLAIMS = ("user_id", "initiated_at", "root_account_global_id", "root_account_domain", "exp", "uuid", "registration_url")
ASSERTION_TYPE = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
ACCESS_TOKEN_LIFETIME = 3600
MAX_JWKS_BYTES = 256 * 1024
JWKS_FETCH_DEADLINE = outbound.DEADLINE  # seconds for one JWKS fetch, connect and every read together
JWKS_TTL = 60.0  # how long a fetched JWKS is used without asking again (a smaller Cache-Control max-age wins)
JWKS_REFETCH_GAP = 1.0  # an unknown kid refetches the JWKS, at most once a second per URL
JWKS_CACHE_SIZE = 256
ASSERTION_MAX_LIFETIME = 3600  # an assertion's exp may lie at most this far ahead (RFC 7523 §3)
ASSERTION_MAX_AGE = 300  # canvas-facts §3: iat not older than 5 minutes
MAX_REMEMBERED_JTIS = 100_000
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
    secret: str, *, account_id: str, domain: str, user_id: int, registration_url: str, active: Collection[str],
    lifetime: int = REGISTRATION_TOKEN_LIFETIME,
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
    if faults.on(active, faults.TOKEN_WITHOUT_EXPIRY):
        claims.pop("exp")
    return jwt.encode(claims, secret, algorithm="HS256"), token_uuid


def verify_registration_token(token: str | None, secret: str, active: Collection[str]) -> dict[str, Any]:
    """The claims of a valid registration token, or ``TokenRejected`` with Canvas-style wording."""
    if not token:
        raise TokenRejected("Missing registration token")
    no_expiry = faults.on(active, faults.TOKEN_WITHOUT_EXPIRY)
    options = {
        "verify_signature": not faults.on(active, faults.ACCEPT_FORGED_TOKEN),
        "verify_exp": not faults.on(active, faults.ACCEPT_EXPIRED_TOKEN) and not no_expiry,
    }
    try:
        claims = jwt.decode(token, secret, algorithms=["HS256"], options=options)
    except jwt.ExpiredSignatureError:
        raise TokenRejected("registration_token has expired") from None
    except jwt.PyJWTError:
        raise TokenRejected("Invalid registration_token") from None
    required = tuple(c for c in REQUIRED_TOKEN_CLAIMS if c != "exp") if no_expiry else REQUIRED_TOKEN_CLAIMS
    if not isinstance(claims, dict) or any(c not in claims for c in required):
        raise TokenRejected("JWT did not include expected contents")
    return claims


def _refused_literal(url: str) -> bool:
    """Whether ``url``'s host is an IP literal that is not loopback (refused before any work; a name is
    resolved by the fetch, which checks every address it resolves to)."""
    host = urlsplit(url).hostname or ""
    try:
        ipaddress.ip_address(host.split("%", 1)[0])
    except ValueError:
        return False
    return not outbound.address_allowed(host, loopback_only=True)


@dataclass
class _CachedJwks:
    document: dict[str, Any]
    fetched_at: float
    expires_at: float


_jwks_cache: dict[str, _CachedJwks] = {}
_fetcher = outbound.Fetcher()  # JWKS fetches of a platform that passes no fetcher of its own


def forget_jwks() -> None:
    """Drop every cached JWKS: a new platform in this process must not see a document an earlier one
    fetched from a URL whose port has since been given to another server."""
    _jwks_cache.clear()


def _max_age(cache_control: str) -> float | None:
    if "no-store" in cache_control or "no-cache" in cache_control:
        return 0.0
    found = re.search(r"(?:^|[,\s])max-age\s*=\s*(\d+)", cache_control)
    return float(found.group(1)) if found else None


async def _download_jwks(url: str, loopback_only: bool, fetcher: outbound.Fetcher) -> tuple[dict[str, Any], float]:
    """The JWKS document at ``url`` and how long it may be cached, under :mod:`harness.outbound`'s rules
    (every resolved address checked and connected to directly, no redirect, a body cap that counts
    decompressed bytes) through the app's client."""
    _, host, port = outbound.check_url(url)
    headers = {"Accept": "application/json", "Accept-Encoding": "identity"}
    address = await outbound.resolve(host, port, loopback_only) if loopback_only else None
    target, extensions = outbound.addressed(url, host, address, headers)
    client = fetcher.client()
    request = client.build_request("GET", target, headers=headers, extensions=extensions, timeout=JWKS_FETCH_DEADLINE)
    response = await client.send(request, stream=True)
    try:
        declared = response.headers.get("content-length", "")
        encoding = response.headers.get("content-encoding", "")
        if declared.isascii() and declared.isdigit() and int(declared) > MAX_JWKS_BYTES and encoding.strip().lower() in ("", "identity"):
            raise outbound.FetchRefused("JWKS too large")
        data = await outbound.read_capped(response.aiter_raw(), encoding, MAX_JWKS_BYTES)
    finally:
        await response.aclose()
    document = json.loads(data)
    if not isinstance(document, dict):
        raise ValueError("not a JSON object")
    ttl = _max_age(response.headers.get("cache-control", ""))
    return document, JWKS_TTL if ttl is None else min(ttl, JWKS_TTL)


async def _fetch_jwks(url: str, loopback_only: bool, fetcher: outbound.Fetcher, *, fresh: bool = False) -> tuple[dict[str, Any], bool]:
    """The JWKS at ``url`` and whether it was fetched just now. A cached copy younger than its TTL is used
    unless ``fresh`` asks for a new one (an unknown kid), which happens at most once per ``JWKS_REFETCH_GAP``."""
    if loopback_only and _refused_literal(url):
        raise OAuthError(400, "invalid_request", "JWK Error: this mock only fetches JWKS from loopback addresses")
    now = time.monotonic()
    cached = _jwks_cache.get(url)
    if cached is not None and now < cached.expires_at and not (fresh and now - cached.fetched_at >= JWKS_REFETCH_GAP):
        return cached.document, False
    try:
        document, ttl = await asyncio.wait_for(_download_jwks(url, loopback_only, fetcher), JWKS_FETCH_DEADLINE)
    except outbound.AddressRefused as exc:
        raise OAuthError(400, "invalid_request", f"JWK Error: {exc}") from None
    except outbound.FetchRefused as exc:
        raise OAuthError(400, "invalid_request", f"JWK Error: the JWKS could not be fetched: {exc}") from None
    except asyncio.TimeoutError:
        raise OAuthError(400, "invalid_request", "JWK Error: the JWKS URL did not answer in time") from None
    except (httpx.HTTPError, OSError, zlib.error):
        raise OAuthError(400, "invalid_request", "JWK Error: the JWKS URL could not be reached") from None
    except (ValueError, RecursionError):
        raise OAuthError(400, "invalid_request", "JWK Error: Invalid JSON") from None
    _jwks_cache.pop(url, None)
    while len(_jwks_cache) >= JWKS_CACHE_SIZE:
        _jwks_cache.pop(next(iter(_jwks_cache)))
    if ttl > 0:
        _jwks_cache[url] = _CachedJwks(document, now, now + ttl)
    return document, True


@dataclass
class _JtiLog:
    """The jti of every accepted assertion, kept while the assertion could still be presented (bounded)."""

    until: dict[tuple[str, str], float] = field(default_factory=dict)

    def seen(self, client_id: str, jti: str, now: float) -> bool:
        expiry = self.until.get((client_id, jti))
        return expiry is not None and expiry > now

    def remember(self, client_id: str, jti: str, expires: float, now: float) -> None:
        """Keep ``jti`` until ``expires``; when full, the expired ones go, then the oldest."""
        if len(self.until) >= MAX_REMEMBERED_JTIS:
            self.until = {slot: t for slot, t in self.until.items() if t > now}
        while len(self.until) >= MAX_REMEMBERED_JTIS:
            self.until.pop(next(iter(self.until)))
        self.until[(client_id, jti)] = expires


_jti_logs: "weakref.WeakKeyDictionary[Any, _JtiLog]" = weakref.WeakKeyDictionary()
_jti_logs_by_id: dict[int, _JtiLog] = {}


def _jti_log(store: Store) -> _JtiLog:
    """The jti log of one platform (its store)."""
    try:
        return _jti_logs.setdefault(store, _JtiLog())
    except TypeError:  # a store that cannot be weakly referenced
        return _jti_logs_by_id.setdefault(id(store), _JtiLog())


def _b64decode(part: str) -> bytes:
    return base64.urlsafe_b64decode(part + "=" * (-len(part) % 4))


async def _verify_signature(assertion: str, header: dict[str, Any], key: DeveloperKey, active: Collection[str], loopback_only: bool,
                            fetcher: outbound.Fetcher) -> None:
    """RS256 against the key's public JWK, or the JWKS at its URL (``kid`` chooses the key there)."""
    alg = header.get("alg")
    if alg == "none" and faults.on(active, faults.ACCEPT_ALG_NONE):
        return
    if alg == "HS256" and faults.on(active, faults.ACCEPT_HS256_PUBLIC_KEY) and key.public_jwk:
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
        jwks, fresh = await _fetch_jwks(key.public_jwk_url, loopback_only, fetcher)
        try:
            try:
                public = public_key_from_jwks(jwks, header.get("kid"))
            except (KeyError, ValueError):
                if fresh:
                    raise
                jwks, _ = await _fetch_jwks(key.public_jwk_url, loopback_only, fetcher, fresh=True)  # a key added since
                public = public_key_from_jwks(jwks, header.get("kid"))
        except (KeyError, ValueError):
            if faults.on(active, faults.ACCEPT_UNKNOWN_KID):
                return
            raise OAuthError(400, "invalid_request", "JWK Error: no key in the JWKS matches the assertion's kid") from None
    else:
        raise OAuthError(400, "invalid_request", "JWK Error: the key has no public JWK")
    if faults.on(active, faults.SKIP_ASSERTION_SIGNATURE):
        return
    try:
        jwt.decode(assertion, public, algorithms=["RS256"], options={"verify_aud": False, "verify_exp": False, "verify_iat": False})
    except (jwt.PyJWTError, ValueError):
        raise OAuthError(400, "invalid_request", "JWS signature invalid.") from None


async def grant_client_credentials(form: dict[str, str], *, active: Collection[str], **context: Any) -> dict[str, Any]:
    """Run the LTI client-credentials grant; return the token response or raise ``OAuthError``.

    ``context``: ``store``, ``token_url``, ``audiences``, ``issuer``, ``signing_key``, ``loopback_only``, and
    ``fetcher``: the app's :class:`harness.outbound.Fetcher` for JWKS URLs."""
    try:
        return await _grant(form, active=active, **context)
    except OAuthError as exc:
        if exc.error == "invalid_request" and form.get("client_assertion") and faults.on(active, faults.BAD_ASSERTION_500):
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
    active: Collection[str],
    loopback_only: bool = True,
    fetcher: outbound.Fetcher | None = None,
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
        if faults.on(active, faults.UNKNOWN_CLIENT_WRONG_ERROR):
            raise OAuthError(400, "invalid_request", "unknown client")
        raise OAuthError(401, "invalid_client", "unknown client")
    missing = [c for c in ("iss", "sub", "aud", "exp", "iat", "jti") if c not in unverified]
    if missing:
        raise OAuthError(400, "invalid_request", f"the following assertions are missing: {','.join(missing)}")
    problems = []
    if str(unverified["iss"]) != key.id and not faults.on(active, faults.ASSERTION_ISS_NOT_CHECKED):
        problems.append("the 'iss' must be the client_id")
    aud = unverified["aud"]
    auds = aud if isinstance(aud, list) else [aud]
    if not any(a in audiences for a in auds) and not faults.on(active, faults.ACCEPT_WRONG_AUD):
        problems.append("the 'aud' is invalid")
    now = time.time()
    exp, iat = unverified["exp"], unverified["iat"]
    if not isinstance(exp, (int, float)):
        problems.append("the 'exp' must be a number")
    elif exp <= now and not faults.on(active, faults.ACCEPT_EXPIRED_ASSERTION):
        problems.append("the JWT has expired")
    elif exp > now + ASSERTION_MAX_LIFETIME and not faults.on(active, faults.ASSERTION_LONG_EXP_ACCEPTED):
        problems.append(f"the 'exp' must not be more than {ASSERTION_MAX_LIFETIME} seconds in the future")
    if not isinstance(iat, (int, float)):
        problems.append("the 'iat' must be a number")
    elif iat > now + 30:
        if not faults.on(active, faults.ACCEPT_FUTURE_IAT):
            problems.append("the 'iat' must not be in the future")
    elif iat < now - ASSERTION_MAX_AGE:
        problems.append("the 'iat' must be less than 300 seconds old")
    jti = unverified["jti"]
    if not isinstance(jti, str) or not jti:
        problems.append("the 'jti' must be a non-empty string")
    if problems:
        raise OAuthError(400, "invalid_request", " | ".join(problems))
    await _verify_signature(assertion, header, key, active, loopback_only, fetcher or _fetcher)
    if not faults.on(active, faults.ASSERTION_JTI_REPLAY_ACCEPTED):
        # only an authentic assertion is remembered, so nobody can use up another client's jti
        replays = _jti_log(store)
        if replays.seen(key.id, jti, now):
            raise OAuthError(400, "invalid_request", "the 'jti' has already been used")
        # the assertion could be presented again until it expires or its iat grows too old
        replays.remember(key.id, jti, min(float(exp), float(iat) + ASSERTION_MAX_AGE, now + ASSERTION_MAX_LIFETIME), now)
    requested = [s for s in (form.get("scope") or form.get("scopes") or "").split(" ") if s]
    not_granted = [s for s in requested if s not in key.scopes]
    if (not requested or not_granted) and not (requested and faults.on(active, faults.SUPERSET_SCOPES_GRANTED)):
        listed = to_sentence(not_granted or ["(none)"])
        raise OAuthError(
            401 if faults.on(active, faults.WRONG_INVALID_SCOPE_STATUS) else 400,
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


def _key_usable(key: DeveloperKey, active: Collection[str]) -> bool:
    """Whether the key is active (any key is while the fault ``inactive-key-accepted`` is on)."""
    return key.workflow_state == "active" or faults.on(active, faults.INACTIVE_KEY_ACCEPTED)


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
    active: Collection[str] = frozenset(),
) -> AccessGrant:
    """Check an LTI Advantage access token in the order Canvas does (canvas-facts §2); ``active``: the
    platform's active fault switches."""
    if not authorization:
        raise TokenRejected("Missing access token")
    scheme, _, token = authorization.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise TokenRejected("Invalid access token format")
    try:
        claims = signing_key.decode(token.strip(), token_url)
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
    if key is None or not _key_usable(key, active):
        raise TokenRejected("Unknown or inactive Developer Key")
    if claims.get(SCOPE_VERSION_CLAIM, 0) < key.scope_version:
        raise TokenRejected("Access token invalidated: a scope was removed from its developer key")
    scopes = str(claims.get("scopes", "")).split()
    if any_of and not any(s in scopes for s in any_of):
        raise TokenRejected("Insufficient permissions")
    return AccessGrant(key=key, scopes=scopes)
