"""Remove secrets (bearer tokens, JWTs, private keys, client assertions) from what we record.

This is the harness's one redaction boundary: the recording client redacts every exchange, and the
pytest plugin passes every message, failure text, captured output and report through :func:`text`
or :func:`strings` before it reaches a report or the console. Literal secrets are known from the
profile (:func:`register_secret`) and learnt from traffic (:func:`learn`: credentials the harness
sends, tokens a target issues), so a target that echoes one back cannot put it into a report."""

from __future__ import annotations

import re
import secrets
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
# Fields whose values are learnt as secrets when seen in traffic ("code" and "jwt" are left out: an
# error code such as "invalid_client" must stay readable).
LEARNT_KEYS = frozenset({"token", "access_token", "refresh_token", "id_token", "registration_token", "registration_access_token",
                         "client_assertion", "client_secret", "password", "admin_token", "api_key"})
# Private members of a JWK (RFC 7518 §6.3.2).
PRIVATE_JWK_MEMBERS = frozenset({"d", "p", "q", "dp", "dq", "qi", "oth", "k"})
SECRET_HEADERS = frozenset({"authorization", "proxy-authorization", "cookie", "set-cookie", "x-api-key"})

# A JWT, or what is left of one a message cut short: base64url JSON ("eyJ…") with up to four dots.
_JWT = re.compile(r"eyJ[A-Za-z0-9_-]{8,}(?:\.[A-Za-z0-9_-]*){0,4}")
_PEM = re.compile(r"-----BEGIN [A-Z ]*PRIVATE KEY-----.*?-----END [A-Z ]*PRIVATE KEY-----", re.S)
_BEARER = re.compile(r"(?i)\b(bearer)(\s+|%20|\+)(?!\[REDACTED\])[A-Za-z0-9._~+/=%-]+|\b(Basic)(\s+|%20|\+)[A-Za-z0-9+/]{8,}=*")
# Secret-named fields quoted in free text: ``access_token=…`` (a URL or a form), ``"token": "…"`` (JSON)
# and ``'token': '…'`` (a Python repr, as schemathesis and hypothesis print them).
_FIELD_NAMES = "|".join(sorted(("token", "access_token", "refresh_token", "id_token", "registration_token",
                                "registration_access_token", "client_assertion", "client_secret", "password",
                                "admin_token", "private_key", "api_key", "jwt"), key=len, reverse=True))
_ASSIGNED = re.compile(rf"(?i)(?<![A-Za-z0-9_])({_FIELD_NAMES})=(?!\[REDACTED\])[^&\s\"'<>]+")
_QUOTED = re.compile(rf"(?i)([\"'])({_FIELD_NAMES})\1(\s*:\s*)([\"'])(?!\[REDACTED\])((?:(?!\4)[^\\]|\\.)+)\4")
_KEY_HEADER = re.compile(r"(?i)\b(x-api-key|api-key)(['\"]?\s*[:=]\s*['\"]?)(?!\[REDACTED\])[A-Za-z0-9._~+/=-]{4,}")
_EXTRA: set[str] = set()
_ordered: list[str] = []
LEARN_MIN_CHARS = 8
MAX_LEARNT = 20000


_PROCESS = secrets.token_hex(6)
_changes = 0


def register_secret(value: str | None) -> None:
    """Remember a literal secret (e.g. an admin token from a profile) so text redaction removes it."""
    global _changes
    if value and len(value) >= 4 and value not in _EXTRA and REDACTED not in value:
        _EXTRA.add(value)
        _ordered.clear()
        _changes += 1


def forget_secrets() -> None:
    """Forget every literal secret (registered or learnt): a process that performs several runs starts each
    with an empty list (each remembered secret costs every later redaction a lookup)."""
    global _changes
    _EXTRA.clear()
    _ordered.clear()
    _changes += 1


def stamp() -> str:
    """Names this process's list of secrets as it is now: text redacted under a stamp equal to the current
    one needs no second pass (a secret learnt since, or another process, gives another stamp)."""
    return f"{_PROCESS}:{_changes}"


def learn(value: Any) -> None:
    """Remember a credential seen in traffic (a token a target issued, a key the harness sent), so an
    echo of it is redacted too. Short or non-string values are ignored (they would redact words), and so
    are JWTs: the JWT pattern removes every one, whole or cut short, without a list that grows with
    every token a run is issued (each remembered secret costs every later redaction a lookup)."""
    if (isinstance(value, str) and len(value) >= LEARN_MIN_CHARS and len(_EXTRA) < MAX_LEARNT
            and not any(c.isspace() for c in value) and not _JWT.fullmatch(value)):
        register_secret(value)


def learn_from(value: Any) -> None:
    """Learn the secret-named fields of a decoded JSON or form value (recursively)."""
    if isinstance(value, dict):
        for k, v in value.items():
            if str(k).lower() in LEARNT_KEYS:
                learn(v)
            else:
                learn_from(v)
    elif isinstance(value, list):
        for v in value[:1000]:
            learn_from(v)


def learn_header(name: str, value: str) -> None:
    """Learn the credential of an ``Authorization`` (or API key) header the harness sends."""
    if name.lower() in ("authorization", "proxy-authorization", "x-api-key"):
        learn(value.split(" ", 1)[1].strip() if _SCHEME.match(value) else value.strip())


# A long secret's start, this long or longer, is redacted too: a message or a library that cuts text short
# (schemathesis does) cuts secrets. Shorter secrets (which may be words) are only redacted whole.
PREFIX_CHARS = 6
PREFIX_MIN_SECRET = 16


def _replace_with_prefixes(value: str, secret: str) -> str:
    """Replace ``secret`` in ``value``, and any start of it of ``PREFIX_CHARS`` or more characters (what is
    left where a message or a library cut the text short)."""
    if len(secret) < PREFIX_MIN_SECRET:
        return value.replace(secret, REDACTED)
    out, pos, head = [], 0, secret[:PREFIX_CHARS]
    while (found := value.find(head, pos)) >= 0:
        end, limit = found + PREFIX_CHARS, min(len(value), found + len(secret))
        while end < limit and value[end] == secret[end - found]:
            end += 1
        out.append(value[pos:found])
        out.append(REDACTED)
        pos = end
    out.append(value[pos:])
    return "".join(out)


def _secrets() -> list[str]:
    if len(_ordered) != len(_EXTRA):
        _ordered[:] = sorted(_EXTRA, key=len, reverse=True)
    return _ordered


def known_secrets() -> list[str]:
    """The literal secrets registered or learnt in this process (to hand to another process's redaction)."""
    return list(_EXTRA)


def literals(value: str) -> str:
    """Redact only the registered and learnt literal secrets (and cut-short starts of long ones): safe on a
    whole HTML, XML or JSON file, whose markup it never touches."""
    if not value or not isinstance(value, str):
        return value
    for secret in _secrets():
        if (secret[:PREFIX_CHARS] if len(secret) >= PREFIX_MIN_SECRET else secret) in value:
            value = _replace_with_prefixes(value, secret)
    return value


def text(value: str) -> str:
    """Redact JWTs, PEM private keys, bearer credentials, secret-named fields and registered secrets in free text."""
    if not value or not isinstance(value, str):
        return value
    value = literals(value)
    value = _PEM.sub(REDACTED, value)
    value = _JWT.sub(REDACTED, value)
    value = _BEARER.sub(lambda m: f"{m.group(1) or m.group(3)}{m.group(2) or m.group(4)}{REDACTED}", value)
    value = _ASSIGNED.sub(lambda m: f"{m.group(1)}={REDACTED}", value)
    value = _QUOTED.sub(lambda m: f"{m.group(1)}{m.group(2)}{m.group(1)}{m.group(3)}{m.group(4)}{REDACTED}{m.group(4)}", value)
    return _KEY_HEADER.sub(lambda m: f"{m.group(1)}{m.group(2)}{REDACTED}", value)


def strings(value: Any) -> Any:
    """``value`` with :func:`text` applied to every string in it (dicts, lists and tuples are rebuilt);
    for documents already shaped (a summary, an exchange) where field names must stay as they are."""
    if isinstance(value, str):
        return text(value)
    if isinstance(value, dict):
        return {k: strings(v) for k, v in value.items()}
    if isinstance(value, list):
        return [strings(v) for v in value]
    if type(value) is tuple:
        return tuple(strings(v) for v in value)
    return value


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
