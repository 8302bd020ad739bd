"""Target profiles: which platform and tool to test, with what credentials and capabilities.

A profile is a TOML file::

    [platform]
    base_url = "https://canvas.example.edu"
    issuer = "https://canvas.instructure.com"     # optional; defaults to base_url
    account_id = "1"
    admin_token = "env:CANVAS_ADMIN_TOKEN"       # secrets may be read from the environment
    adapter = "canvas"                            # or "package.module:Class"

    [platform.capabilities]
    mock_controls = false

    [platform.registration]                       # optional: a tool registered on the platform by hand
    client_id = "10000000000001"
    private_key = "tool.pem"                      # the tool's signing key (PEM file or env:NAME)
    token_url = "https://canvas.example.edu/login/oauth2/token"
    scopes = ["https://purl.imsglobal.org/spec/lti-ags/scope/lineitem"]
    lineitems_url = "https://canvas.example.edu/api/lti/courses/1/line_items"   # optional

    [tool]                                        # a tool under test; a profile may name only a tool
    base_url = "https://api.tool.example"
    api_key = "env:TOOL_PLATFORM_API_KEY"         # optional: seed 001's registrations API

    [tool.launch]                                 # optional: the harness as a platform, configured in the tool
    login_url = "https://api.tool.example/lti/login"
    launch_url = "https://api.tool.example/lti/launch"
    issuer = "https://harness-platform.example"
    client_id = "harness-client"
    deployment_id = "1"
    private_key = "platform.pem"                  # relative to the profile, or env:NAME holding the PEM
    deep_linking_url = "https://api.tool.example/lti/deep_link"   # optional: where the tool takes deep-linking requests
    jwks_url = "https://api.tool.example/lti/jwks"   # optional: the tool's keys (its deep-linking responses)

Secrets are written ``env:NAME`` to read them from the environment variable ``NAME``.
"""

from __future__ import annotations

import difflib
import os
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, TypeVar
from urllib.parse import urlsplit

from . import keys, redact
from .capabilities import PLATFORM_CAPABILITIES
from .results import ERROR

T = TypeVar("T")


class ProfileError(ValueError):
    """A profile has problems: the message lists every one, one per line, each naming its field."""

    verdict = ERROR

    def __init__(self, *problems: str) -> None:
        super().__init__("\n".join(problems))
        self.problems = list(problems)


@dataclass(frozen=True)
class PreIssuedToken:
    """A user token of a scoped API key, issued beforehand (where the authorize step needs a browser)."""

    token: str = field(repr=False)
    scopes: frozenset[str]


_API_SCOPE = re.compile(r"^url:(GET|POST|PUT|PATCH|DELETE)\|/[^\s|]*$")


@dataclass
class PlatformRegistration:
    """A tool registered on the platform by hand (any LTI 1.3 platform, no admin API needed): the harness
    acts as that tool, signing its client assertions with the registration's private key."""

    client_id: str
    key: keys.KeyPair = field(repr=False)  # the tool's signing key; the platform holds its public half
    token_url: str
    scopes: list[str]  # the LTI scopes the registration was granted
    deployment_id: str = ""
    lineitems_url: str | None = None  # the AGS line-items URL of one context (optional)


@dataclass
class PlatformTarget:
    base_url: str
    account_id: str
    admin_token: str = field(repr=False)
    issuer: str = ""
    adapter: str = "canvas"
    timeout: float = 10.0
    expired_registration_token: str | None = field(default=None, repr=False)
    authorization_endpoint: str = ""  # the OIDC authorization endpoint of launches; default Canvas's {base_url}/api/lti/authorize_redirect
    jwks_url: str = ""  # the platform's public keys (id_tokens of launches); default Canvas's {base_url}/api/lti/security/jwks
    user_tokens: list[PreIssuedToken] = field(default_factory=list)
    capabilities: dict[str, bool] = field(default_factory=dict)
    registration: PlatformRegistration | None = None

    def __post_init__(self) -> None:
        base = self.base_url.rstrip("/")
        self.authorization_endpoint = self.authorization_endpoint or f"{base}/api/lti/authorize_redirect"
        self.jwks_url = self.jwks_url or f"{base}/api/lti/security/jwks"

    def declared(self, capability: str) -> bool | None:
        """The profile's explicit value for ``capability``, or None when it says nothing."""
        return self.capabilities.get(capability)


@dataclass
class ToolLaunch:
    """A registration of the harness (acting as a platform) configured in the tool beforehand, for tools
    without the registrations API of seed 001: where to launch, and the identity the tool trusts."""

    login_url: str  # the tool's OIDC login initiation URL
    launch_url: str  # the target_link_uri (and usually the redirect_uri)
    issuer: str
    client_id: str
    deployment_id: str
    key: keys.KeyPair = field(repr=False)  # the platform signing key whose public half the tool holds
    authorization_endpoint: str = ""  # where the tool's login redirects; default {issuer}/authorize
    login_params: dict[str, str] = field(default_factory=dict)  # added to the login initiation
    deep_linking_url: str = ""  # the target_link_uri of deep-linking requests (the tool takes them there); default launch_url
    jwks_url: str = ""  # the tool's public JWKS, to verify its deep-linking responses


@dataclass
class ToolTarget:
    """A tool under test: where it lives, its Platform API key (seed 001) if it has that API, and how to
    launch it."""

    base_url: str
    api_key: str | None = field(default=None, repr=False)
    timeout: float = 10.0
    dynamic_registration_url: str | None = None  # the tool's DR initiation URL (tool_side DR checks)
    launch: ToolLaunch | None = None
    refused_text: str = ""  # text of the page a tool answers a refused launch with, when that page is a 2xx


@dataclass
class HarnessSettings:
    """Where the harness's own helper servers (the tool counterpart) listen and are reachable."""

    public_url: str | None = None


@dataclass
class Profile:
    name: str
    platform: PlatformTarget | None
    harness: HarnessSettings = field(default_factory=HarnessSettings)
    embedded: bool = False
    tool: ToolTarget | None = None


PLATFORM_FIELDS = ("base_url", "account_id", "admin_token", "issuer", "adapter", "timeout", "capabilities",
                   "expired_registration_token", "user_tokens", "registration", "authorization_endpoint", "jwks_url")
REGISTRATION_FIELDS = ("client_id", "private_key", "kid", "deployment_id", "token_url", "scopes", "lineitems_url")
TOOL_FIELDS = ("base_url", "api_key", "timeout", "dynamic_registration_url", "launch", "refused_text")
LAUNCH_FIELDS = ("login_url", "launch_url", "issuer", "client_id", "deployment_id", "private_key", "kid",
                 "authorization_endpoint", "login_params", "deep_linking_url", "jwks_url")
HARNESS_FIELDS = ("public_url",)
TABLES = ("platform", "tool", "harness", "name")


class _Problems:
    """A profile's problems, collected so that all of them are reported at once."""

    def __init__(self) -> None:
        self.items: list[str] = []

    def add(self, message: str) -> None:
        self.items.append(message)

    def run(self, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T | None:
        """``fn(*args, **kwargs)``; on a ``ProfileError`` its problems are kept and None returned."""
        try:
            return fn(*args, **kwargs)
        except ProfileError as exc:
            self.items.extend(exc.problems)
            return None

    def unknown(self, raw: dict[str, Any], known: tuple[str, ...], where: str) -> None:
        """One problem per key of ``raw`` not in ``known``, with the nearest known name as a hint."""
        for key in raw:
            if key not in known:
                self.add(f"{where} unknown field {key!r}{_hint(key, known)}; fields are {', '.join(known)}")

    def raise_any(self) -> None:
        if self.items:
            raise ProfileError(*self.items)


def _hint(key: str, known: tuple[str, ...], fmt: str = "{!r}") -> str:
    close = difflib.get_close_matches(key, known, n=1)
    return f" (did you mean {fmt.format(close[0])}?)" if close else ""


def _secret(value: Any, where: str) -> str:
    if value is None:
        raise ProfileError(f"{where} is missing")
    if not isinstance(value, str) or not value:
        raise ProfileError(f"{where} must be a non-empty string")
    if value.startswith("env:"):
        name = value[4:]
        if not name or name not in os.environ:
            raise ProfileError(f"{where}: environment variable {name or '(empty name)'} is not set")
        value = os.environ[name]
    redact.register_secret(value)
    return value


def _text(raw: dict[str, Any], name: str, where: str, p: _Problems, *, required: bool) -> str | None:
    """``raw[name]`` as a non-empty string (None when absent and optional); a problem otherwise."""
    value = raw.get(name)
    if value is None and not required:
        return None
    if not isinstance(value, str) or not value:
        p.add(f"{where} {name} is missing or not a string" if required else f"{where} {name} must be a non-empty string")
        return None
    return value


def _timeout(raw: dict[str, Any], where: str, p: _Problems) -> float:
    timeout = raw.get("timeout", 10.0)
    if isinstance(timeout, bool) or not isinstance(timeout, (int, float)) or not 0 < timeout <= 300:
        p.add(f"{where} timeout must be a number of seconds in (0, 300]")
        return 10.0
    return float(timeout)


def check_url(value: Any, where: str, *, prefix: bool = False) -> str:
    """An absolute http(s) URL, or a ``ProfileError`` naming ``where``. Kept exactly as written
    (trailing slash, query), except a ``prefix`` URL (a base that routes are appended to), which loses
    its trailing slash."""
    if not isinstance(value, str) or not value:
        raise ProfileError(f"{where} is missing or empty")
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ProfileError(f"{where} is not an http(s) URL: {value!r}")
    try:
        parts.port
    except ValueError:
        raise ProfileError(f"{where} has a bad port: {value!r}") from None
    return value.rstrip("/") if prefix else value


def _user_tokens(raw: Any, where: str) -> list[PreIssuedToken]:
    if not isinstance(raw, list):
        raise ProfileError(f"{where} must be an array of tables")
    p = _Problems()
    out = []
    for i, item in enumerate(raw, 1):
        if not isinstance(item, dict) or set(item) - {"token", "scopes"}:
            p.add(f"{where} entry {i} must have only 'token' and 'scopes'")
            continue
        scopes = item.get("scopes")
        if not isinstance(scopes, list) or not scopes or not all(isinstance(s, str) and _API_SCOPE.match(s) for s in scopes):
            p.add(f"{where} entry {i}: scopes must be a non-empty list of url:<VERB>|<path> strings")
            scopes = []
        token = p.run(_secret, item.get("token"), f"{where} entry {i} token")
        if token is not None:
            out.append(PreIssuedToken(token=token, scopes=frozenset(scopes)))
    p.raise_any()
    return out


def _registration(raw: Any, where: str, base_url: str, base_dir: Path) -> PlatformRegistration:
    if not isinstance(raw, dict):
        raise ProfileError(f"{where} must be a table")
    p = _Problems()
    p.unknown(raw, REGISTRATION_FIELDS, where)
    client_id = _text(raw, "client_id", where, p, required=True)
    private_key = _text(raw, "private_key", where, p, required=True)
    kid = _text(raw, "kid", where, p, required=False)
    deployment_id = _text(raw, "deployment_id", where, p, required=False)
    scopes = raw.get("scopes")
    if not isinstance(scopes, list) or not scopes or not all(isinstance(s, str) and s and " " not in s for s in scopes):
        p.add(f"{where} scopes must be a non-empty list of scope strings (the LTI scopes the registration was granted)")
        scopes = []
    token_url = p.run(check_url, raw["token_url"], f"{where} token_url") if "token_url" in raw else f"{base_url}/login/oauth2/token"
    lineitems_url = p.run(check_url, raw["lineitems_url"], f"{where} lineitems_url") if "lineitems_url" in raw else None
    key = p.run(_private_key, private_key, kid, where, base_dir) if private_key else None
    p.raise_any()
    assert client_id is not None and key is not None and token_url is not None
    return PlatformRegistration(client_id=client_id, key=key, token_url=token_url, scopes=list(dict.fromkeys(scopes)),
                                deployment_id=deployment_id or "", lineitems_url=lineitems_url)


def _platform(raw: Any, source: str, base_dir: Path | None = None, name: str = "platform") -> PlatformTarget:
    where = f"{source}: [{name}]"
    if not isinstance(raw, dict):
        raise ProfileError(f"{where} must be a table")
    p = _Problems()
    p.unknown(raw, PLATFORM_FIELDS, where)
    base_url = p.run(check_url, raw.get("base_url"), f"{where} base_url", prefix=True) or ""
    adapter = raw.get("adapter", "canvas")
    if not isinstance(adapter, str) or not adapter:
        p.add(f"{where} adapter must be 'canvas', 'none' or 'module:Class'")
        adapter = "canvas"
    account_id = ""
    if "account_id" in raw:
        value = raw["account_id"]
        if isinstance(value, bool) or not isinstance(value, (str, int)) or value == "":
            p.add(f"{where} account_id must be a non-empty string or an integer")
        else:
            account_id = str(value)
    elif adapter != "none":  # adapter "none": no admin API, so no account to act in
        p.add(f"{where} account_id is missing (or set adapter = \"none\" for a platform without Canvas's admin API)")
    admin_token = ""
    if "admin_token" in raw or adapter != "none":
        admin_token = p.run(_secret, raw.get("admin_token"), f"{where} admin_token") or ""
    issuer = p.run(check_url, raw["issuer"], f"{where} issuer") if "issuer" in raw else base_url
    timeout = _timeout(raw, where, p)
    caps = raw.get("capabilities", {})
    if not isinstance(caps, dict):
        p.add(f"{source}: [{name}.capabilities] must be a table")
        caps = {}
    for cap, value in caps.items():
        if cap not in PLATFORM_CAPABILITIES:
            p.add(f"{source}: [{name}.capabilities] unknown capability {cap!r}{_hint(cap, tuple(PLATFORM_CAPABILITIES))}; "
                  f"known: {', '.join(PLATFORM_CAPABILITIES)}")
        elif not isinstance(value, bool):
            p.add(f"{source}: [{name}.capabilities] {cap} must be true or false")
    expired = p.run(_secret, raw["expired_registration_token"], f"{where} expired_registration_token") if "expired_registration_token" in raw else None
    authorization = p.run(check_url, raw["authorization_endpoint"], f"{where} authorization_endpoint") if "authorization_endpoint" in raw else None
    jwks_url = p.run(check_url, raw["jwks_url"], f"{where} jwks_url") if "jwks_url" in raw else None
    user_tokens = p.run(_user_tokens, raw.get("user_tokens", []), f"{source}: [[{name}.user_tokens]]") or []
    registration = None
    if "registration" in raw:
        registration = p.run(_registration, raw["registration"], f"{source}: [{name}.registration]", base_url, base_dir or Path.cwd())
    p.raise_any()
    return PlatformTarget(
        base_url=base_url,
        account_id=account_id,
        admin_token=admin_token,
        issuer=issuer or base_url,
        adapter=adapter,
        timeout=timeout,
        expired_registration_token=expired,
        authorization_endpoint=authorization or "",
        jwks_url=jwks_url or "",
        capabilities=dict(caps),
        user_tokens=user_tokens,
        registration=registration,
    )


def parse(data: dict[str, Any], source: str = "profile", base_dir: Path | None = None) -> Profile:
    """Build a profile from decoded TOML; ``ProfileError`` lists every problem found, one per line."""
    p = _Problems()
    meant: dict[str, str] = {}  # a misspelt table's name -> the table it was probably meant to be
    for key in data:
        if key not in TABLES:
            close = difflib.get_close_matches(key, TABLES, n=1)
            hint = f" (did you mean [{close[0]}]?)" if close else ""
            p.add(f"{source}: unknown table [{key}]{hint}; tables are [platform], [tool], [harness]")
            if close and close[0] in ("platform", "tool") and close[0] not in data:
                meant[key] = close[0]
    if "platform" not in data and "tool" not in data and not meant:
        p.add(f"{source}: neither [platform] nor [tool] is given (no target to test)")
    for key, table in meant.items():  # check a misspelt table's fields too, so one pass reports everything
        p.run(_platform if table == "platform" else _tool, data[key], source, base_dir, name=key)
    platform = p.run(_platform, data["platform"], source, base_dir) if "platform" in data else None
    tool = p.run(_tool, data["tool"], source, base_dir) if "tool" in data else None
    raw_h = data.get("harness", {})
    public_url = None
    if not isinstance(raw_h, dict):
        p.add(f"{source}: [harness] must be a table")
    else:
        p.unknown(raw_h, HARNESS_FIELDS, f"{source}: [harness]")
        if "public_url" in raw_h:
            public_url = p.run(check_url, raw_h["public_url"], f"{source}: [harness] public_url", prefix=True)
    name = data.get("name", source)
    if not isinstance(name, str) or not name:
        p.add(f"{source}: name must be a non-empty string")
    p.raise_any()
    return Profile(name=name, platform=platform, harness=HarnessSettings(public_url=public_url), tool=tool)


def _tool(raw: Any, source: str, base_dir: Path | None = None, name: str = "tool") -> ToolTarget:
    where = f"{source}: [{name}]"
    if not isinstance(raw, dict):
        raise ProfileError(f"{where} must be a table")
    p = _Problems()
    p.unknown(raw, TOOL_FIELDS, where)
    timeout = _timeout(raw, where, p)
    base_url = p.run(check_url, raw.get("base_url"), f"{where} base_url", prefix=True)
    api_key = p.run(_secret, raw["api_key"], f"{where} api_key") if "api_key" in raw else None
    dr_url = p.run(check_url, raw["dynamic_registration_url"], f"{where} dynamic_registration_url") if "dynamic_registration_url" in raw else None
    launch = p.run(_tool_launch, raw["launch"], f"{source}: [{name}.launch]", base_dir or Path.cwd()) if "launch" in raw else None
    refused_text = _text(raw, "refused_text", where, p, required=False)
    if refused_text is not None and not refused_text.strip():
        p.add(f"{where} refused_text must hold more than white space")
    p.raise_any()
    assert base_url is not None
    return ToolTarget(base_url=base_url, api_key=api_key, timeout=timeout, dynamic_registration_url=dr_url, launch=launch,
                      refused_text=refused_text or "")


def _tool_launch(raw: Any, where: str, base_dir: Path) -> ToolLaunch:
    if not isinstance(raw, dict):
        raise ProfileError(f"{where} must be a table")
    p = _Problems()
    p.unknown(raw, LAUNCH_FIELDS, where)
    client_id = _text(raw, "client_id", where, p, required=True)
    deployment_id = _text(raw, "deployment_id", where, p, required=True)
    private_key = _text(raw, "private_key", where, p, required=True)
    kid = _text(raw, "kid", where, p, required=False)
    issuer = p.run(check_url, raw.get("issuer"), f"{where} issuer")
    extra = raw.get("login_params", {})
    if not isinstance(extra, dict) or not all(isinstance(v, str) for v in extra.values()):
        p.add(f"{where} login_params must be a table of strings")
        extra = {}
    login_url = p.run(check_url, raw.get("login_url"), f"{where} login_url")
    launch_url = p.run(check_url, raw.get("launch_url"), f"{where} launch_url")
    authorization_endpoint = (p.run(check_url, raw["authorization_endpoint"], f"{where} authorization_endpoint")
                              if "authorization_endpoint" in raw else f"{(issuer or '').rstrip('/')}/authorize")
    key = p.run(_private_key, private_key, kid, where, base_dir) if private_key else None
    deep_linking_url = p.run(check_url, raw["deep_linking_url"], f"{where} deep_linking_url") if "deep_linking_url" in raw else None
    jwks_url = p.run(check_url, raw["jwks_url"], f"{where} jwks_url") if "jwks_url" in raw else None
    p.raise_any()
    assert login_url and launch_url and issuer and client_id and deployment_id and key and authorization_endpoint
    return ToolLaunch(login_url=login_url, launch_url=launch_url, issuer=issuer, client_id=client_id, deployment_id=deployment_id,
                      key=key, authorization_endpoint=authorization_endpoint, login_params=dict(extra),
                      deep_linking_url=deep_linking_url or "", jwks_url=jwks_url or "")


def _private_key(value: str, kid: str | None, where: str, base_dir: Path) -> keys.KeyPair:
    """The platform signing key: ``env:NAME`` holding the PEM text, or a PEM file (relative to the profile)."""
    if value.startswith("env:"):
        pem = _secret(value, f"{where} private_key").encode()
        origin = f"environment variable {value[4:]}"
    else:
        path = base_dir / Path(value).expanduser()  # an absolute path stays as it is
        try:
            pem = path.read_bytes()
        except OSError as exc:
            raise ProfileError(f"{where} private_key: cannot read {value}: {exc.strerror or exc}") from None
        origin = value
    try:
        return keys.load_pem(pem, kid)
    except ValueError as exc:
        raise ProfileError(f"{where} private_key ({origin}): {exc}") from None


def load(path: str | os.PathLike[str]) -> Profile:
    """Read and validate a TOML profile."""
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8")
    except OSError as exc:
        raise ProfileError(f"cannot read profile {p}: {exc.strerror or exc}") from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ProfileError(f"{p.name}: not valid TOML: {exc}") from None
    return parse(data, p.name, p.parent)
