"""RSA keys, JWKS documents and signed JWTs (pyjwt + cryptography)."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
import uuid
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm


VERIFIED_MAX = 4096  # tokens a key remembers as verified (the oldest go first)


@dataclass(frozen=True)
class KeyPair:
    """An RSA signing key with its ``kid``."""

    private_key: rsa.RSAPrivateKey = field(repr=False)
    kid: str
    _verified: dict[tuple[str, str], dict[str, Any]] = field(default_factory=dict, init=False, repr=False, compare=False)

    @cached_property
    def public_key(self) -> rsa.RSAPublicKey:
        return self.private_key.public_key()

    @cached_property
    def _public_jwk_json(self) -> str:
        jwk = json.loads(RSAAlgorithm.to_jwk(self.public_key))
        jwk.update({"kid": self.kid, "alg": "RS256", "use": "sig"})
        return json.dumps(jwk)

    @property
    def public_jwk(self) -> dict[str, Any]:
        """The public JWK (a new dict each time: callers may change it)."""
        return json.loads(self._public_jwk_json)

    def decode(self, token: str, audience: str) -> dict[str, Any]:
        """``jwt.decode`` of an RS256 token signed by this key for ``audience``, raising what it raises. A
        token that passed is remembered: until its ``exp`` it passes again without a second signature
        check (a remembered token past its ``exp`` is decoded afresh, which says why it fails)."""
        slot = (token, audience)
        claims = self._verified.get(slot)
        if claims is not None and not ("exp" in claims and int(claims["exp"]) <= time.time()):
            return dict(claims)
        claims = jwt.decode(token, self.public_key, algorithms=["RS256"], audience=audience)
        if len(self._verified) >= VERIFIED_MAX:
            del self._verified[next(iter(self._verified))]
        self._verified[slot] = claims
        return dict(claims)

    @property
    def public_pem(self) -> bytes:
        return self.public_key.public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )

    @property
    def private_pem(self) -> bytes:
        """The private key as unencrypted PKCS#8 PEM (for tool libraries that take a PEM string)."""
        return self.private_key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )

    def sign(self, claims: dict[str, Any], headers: dict[str, Any] | None = None, *, kid: bool = True) -> str:
        """An RS256 JWT over ``claims`` with this key's ``kid`` in the header (none with ``kid=False``)."""
        return jwt.encode(claims, self.private_key, algorithm="RS256", headers={**({"kid": self.kid} if kid else {}), **(headers or {})})


def generate(kid: str | None = None, bits: int = 2048) -> KeyPair:
    """A fresh RSA key pair."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=bits)
    return KeyPair(private_key=key, kid=kid or uuid.uuid4().hex)


def thumbprint(public_key: rsa.RSAPublicKey) -> str:
    """The RFC 7638 JWK thumbprint of an RSA public key (base64url SHA-256 of its canonical JWK)."""
    jwk = json.loads(RSAAlgorithm.to_jwk(public_key))
    canonical = json.dumps({"e": jwk["e"], "kty": "RSA", "n": jwk["n"]}, separators=(",", ":"), sort_keys=True)
    return _b64(hashlib.sha256(canonical.encode("ascii")).digest())


def load_pem(pem: bytes, kid: str | None = None) -> KeyPair:
    """An RSA key pair from an unencrypted PEM private key; ``kid`` defaults to its thumbprint.
    ``ValueError`` when the PEM is not an unencrypted RSA private key."""
    try:
        key = serialization.load_pem_private_key(pem, password=None)
    except (ValueError, TypeError) as exc:
        raise ValueError(f"not an unencrypted PEM private key ({exc})") from None
    if not isinstance(key, rsa.RSAPrivateKey):
        raise ValueError("not an RSA private key (LTI 1.3 signs with RS256)")
    return KeyPair(private_key=key, kid=kid or thumbprint(key.public_key()))


def jwks(*pairs: KeyPair) -> dict[str, Any]:
    """A JWKS document holding the public halves of ``pairs``."""
    return {"keys": [p.public_jwk for p in pairs]}


def public_key_from_jwks(document: dict[str, Any], kid: str | None) -> Any:
    """The RSA public key with ``kid`` from a JWKS document (KeyError if absent)."""
    keys = document.get("keys") if isinstance(document, dict) else None
    if not isinstance(keys, list):
        raise KeyError("JWKS has no 'keys' list")
    for jwk in keys:
        if isinstance(jwk, dict) and (kid is None or jwk.get("kid") == kid) and jwk.get("kty") == "RSA":
            return RSAAlgorithm.from_jwk(json.dumps(jwk))
    raise KeyError(f"no RSA key with kid {kid!r} in JWKS")


def client_assertion(
    key: KeyPair,
    client_id: str,
    audience: str | list[str],
    *,
    lifetime: int = 300,
    now: float | None = None,
    **overrides: Any,
) -> str:
    """A client-credentials JWT assertion (iss = sub = client_id), per the Security Framework."""
    now = int(now if now is not None else time.time())
    claims: dict[str, Any] = {
        "iss": client_id,
        "sub": client_id,
        "aud": audience,
        "iat": now,
        "exp": now + lifetime,
        "jti": uuid.uuid4().hex,
    }
    claims.update(overrides)
    return key.sign(claims)


def unverified_claims(token: str) -> dict[str, Any]:
    """The payload of a JWT without checking its signature ({} if undecodable)."""
    try:
        out = jwt.decode(token, options={"verify_signature": False})
    except jwt.PyJWTError:
        return {}
    return out if isinstance(out, dict) else {}


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _segments(claims: dict[str, Any], headers: dict[str, Any]) -> str:
    return _b64(json.dumps(headers, separators=(",", ":")).encode()) + "." + _b64(json.dumps(claims, separators=(",", ":")).encode())


def unsigned_jwt(claims: dict[str, Any], headers: dict[str, Any] | None = None) -> str:
    """A JWT with ``alg: none`` and an empty signature (an attack the platform must refuse)."""
    return _segments(claims, {"alg": "none", "typ": "JWT", **(headers or {})}) + "."


def hs256_jwt(claims: dict[str, Any], secret: bytes, headers: dict[str, Any] | None = None) -> str:
    """A JWT HMAC-signed with ``secret``, built by hand: pyjwt rightly refuses a public key as an HMAC secret."""
    signing_input = _segments(claims, {"alg": "HS256", "typ": "JWT", **(headers or {})})
    return signing_input + "." + _b64(hmac.new(secret, signing_input.encode("ascii"), hashlib.sha256).digest())
