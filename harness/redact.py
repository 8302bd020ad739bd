"""Remove secrets (bearer tokens, JWTs, private keys, client assertions) from what we record."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

REDACTED = "[REDACTED]"

SECRET_KEYS = frozenset(
    {
        "token",
        "access_token",
        "refresh_token",
        "id_token",
        "registration_token",
        "registration_access_token",
        "client_assertion",
        "client_secret",
        "password",
        "admin_token",
        "private_key",
        "jwt",
        "code",
        "api_key",
    }
)
# Private members of a JWK (RFC 7518 §6.3.2).
PRIVATE_JWK_MEMBERS = frozenset({"d", "p", "q", "dp", "dq", "qi", "oth", "k"})
SECRET_HEADERS = frozenset({"authorization", "proxy-authorization", "cookie", "set-cookie", "x-api-key"})

_JWT = re.compile(r"eyJ[A-Za-z0-9_-]{2,}\.[A-Za-z0-9_-]{2,}\.[A-Za-z0-9_-]*")
_PEM = re.compile(r"-----BEGIN [A-Z ]*PRIVATE KEY-----.*?-----END [A-Z ]*PRIVATE KEY-----", re.S)
_BEARER = re.compile(r"(?i)\b(bearer)\s+[A-Za-z0-9._~+/=-]+")
_EXTRA: set[str] = set()


def register_secret(value: str | None) -> None:
    """Remember a literal secret (e.g. an admin token from a profile) so text redaction removes it."""
    if value and len(value) >= 4:
        _EXTRA.add(value)


def text(value: str) -> str:
    """Redact JWTs, PEM private keys, bearer credentials and registered secrets in free text."""
    if not value:
        return value
    for secret in sorted(_EXTRA, key=len, reverse=True):
        value = value.replace(secret, REDACTED)
    value = _PEM.sub(REDACTED, value)
    value = _JWT.sub(REDACTED, value)
    return _BEARER.sub(lambda m: f"{m.group(1)} {REDACTED}", value)


def data(value: Any) -> Any:
    """Redact a decoded JSON (or form) value: secret-named fields, private JWK members, JWTs in strings."""
    if isinstance(value, dict):
        is_jwk = "kty" in value
        out = {}
        for k, v in value.items():
            key = str(k).lower()
            if key in SECRET_KEYS or (is_jwk and key in PRIVATE_JWK_MEMBERS):
                out[k] = REDACTED if v not in (None, "") else v
            else:
                out[k] = data(v)
        return out
    if isinstance(value, list):
        return [data(v) for v in value]
    if isinstance(value, str):
        return text(value)
    return value


_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9-]*(?= )")
_TOKEN = r"[!#$%&'*+\-.^_`|~0-9A-Za-z]+"
_COOKIE_NAME = {"cookie": re.compile(rf"(?:^|;\s*)({_TOKEN})="), "set-cookie": re.compile(rf"(?:^|,\s*)({_TOKEN})=")}


def _secret_header(name: str, value: str) -> str:
    """An auth header keeps its scheme (``Bearer [REDACTED]``); a cookie header keeps only its cookies' names."""
    if name in _COOKIE_NAME:
        names = _COOKIE_NAME[name].findall(value)
        return "; ".join(f"{n}={REDACTED}" for n in names) if names else REDACTED
    scheme = _SCHEME.match(value) if name in ("authorization", "proxy-authorization") else None
    return f"{scheme.group(0)} {REDACTED}" if scheme else REDACTED


def headers(values: dict[str, str]) -> dict[str, str]:
    """Redact credential-bearing headers, keeping the auth scheme visible."""
    out = {}
    for k, v in values.items():
        if k.lower() in SECRET_HEADERS:
            out[k] = _secret_header(k.lower(), v)
        elif k.lower() in ("location", "content-location"):
            out[k] = url(v)
        else:
            out[k] = text(v)
    return out


def url(value: str) -> str:
    """Redact secret query parameters (registration_token, access_token …) in a URL."""
    parts = urlsplit(value)
    if not parts.query:
        return text(value)
    query = [(k, REDACTED if k.lower() in SECRET_KEYS else text(v)) for k, v in parse_qsl(parts.query, keep_blank_values=True)]
    return urlunsplit(parts._replace(query=urlencode(query, safe="[]")))


def form(body: str) -> str:
    """Redact secret fields of an ``application/x-www-form-urlencoded`` body."""
    pairs = parse_qsl(body, keep_blank_values=True)
    return urlencode([(k, REDACTED if k.lower() in SECRET_KEYS else text(v)) for k, v in pairs], safe="[]")
