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

Secrets are written ``env:NAME`` to read them from the environment variable ``NAME``.
"""

from __future__ import annotations

import ipaddress
import os
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from . import keys, redact
from .capabilities import CAPABILITIES, PLATFORM_CAPABILITIES

class ProfileError(ValueError):
    """A profile is missing a field or has a bad value; the message names the field."""


@dataclass(frozen=True)
class PreIssuedToken:
    """A user token of a scoped API key, issued beforehand (where the authorize step needs a browser)."""

    token: str = field(repr=False)
    scopes: frozenset[str]


_API_SCOPE = re.compile(r"^url:(GET|POST|PUT|PATCH|DELETE)\|/[^\s|]*$")


def _user_tokens(raw: Any, source: str) -> list[PreIssuedToken]:
    where = f"{source}: [[platform.user_tokens]]"
    if not isinstance(raw, list):
        raise ProfileError(f"{where} must be an array of tables")
    out = []
    for i, item in enumerate(raw, 1):
        if not isinstance(item, dict) or set(item) - {"token", "scopes"}:
            raise ProfileError(f"{where} entry {i} must have only 'token' and 'scopes'")
        scopes = item.get("scopes")
        if not isinstance(scopes, list) or not scopes or not all(isinstance(s, str) and _API_SCOPE.match(s) for s in scopes):
            raise ProfileError(f"{where} entry {i}: scopes must be a non-empty list of url:<VERB>|<path> strings")
        out.append(PreIssuedToken(token=_secret(item.get("token"), f"{where} entry {i} token"), scopes=frozenset(scopes)))
    return out


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
    user_tokens: list[PreIssuedToken] = field(default_factory=list)
    capabilities: dict[str, bool] = field(default_factory=dict)
    registration: PlatformRegistration | None = None

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


@dataclass
class ToolTarget:
    """A tool under test: where it lives, its Platform API key (seed 001) if it has that API, and how to
    launch it."""

    base_url: str
    api_key: str | None = field(default=None, repr=False)
    timeout: float = 10.0
    dynamic_registration_url: str | None = None  # the tool's DR initiation URL (tool_side DR checks)
    launch: ToolLaunch | None = None


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


def _secret(value: Any, where: str) -> str:
    if not isinstance(value, str) or not value:
        raise ProfileError(f"{where} must be a non-empty string")
    if value.startswith("env:"):
        name = value[4:]
        if not name or name not in os.environ:
            raise ProfileError(f"{where}: environment variable {name or '(empty name)'} is not set")
        value = os.environ[name]
    redact.register_secret(value)
    return value


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


def _registration(raw: Any, source: str, base_url: str, base_dir: Path) -> PlatformRegistration:
    where = f"{source}: [platform.registration]"
    if not isinstance(raw, dict):
        raise ProfileError(f"{where} must be a table")
    unknown = set(raw) - {"client_id", "private_key", "kid", "deployment_id", "token_url", "scopes", "lineitems_url"}
    if unknown:
        raise ProfileError(f"{where} unknown field(s): {', '.join(sorted(unknown))}")
    for name in ("client_id", "private_key"):
        if not isinstance(raw.get(name), str) or not raw[name]:
            raise ProfileError(f"{where} {name} is missing or not a string")
    for name in ("kid", "deployment_id"):
        if name in raw and (not isinstance(raw[name], str) or not raw[name]):
            raise ProfileError(f"{where} {name} must be a non-empty string")
    scopes = raw.get("scopes")
    if not isinstance(scopes, list) or not scopes or not all(isinstance(s, str) and s and " " not in s for s in scopes):
        raise ProfileError(f"{where} scopes must be a non-empty list of scope strings (the LTI scopes the registration was granted)")
    return PlatformRegistration(
        client_id=raw["client_id"],
        key=_private_key(raw["private_key"], raw.get("kid"), where, base_dir),
        token_url=check_url(raw["token_url"], f"{where} token_url") if "token_url" in raw else f"{base_url}/login/oauth2/token",
        scopes=list(dict.fromkeys(scopes)),
        deployment_id=str(raw.get("deployment_id", "")),
        lineitems_url=check_url(raw["lineitems_url"], f"{where} lineitems_url") if "lineitems_url" in raw else None,
    )


def _platform(raw: Any, source: str, base_dir: Path | None = None) -> PlatformTarget:
    if not isinstance(raw, dict):
        raise ProfileError(f"{source}: [platform] must be a table")
    base_url = check_url(raw.get("base_url"), f"{source}: [platform] base_url", prefix=True)
    adapter = raw.get("adapter", "canvas")
    if not isinstance(adapter, str) or not adapter:
        raise ProfileError(f"{source}: [platform] adapter must be 'canvas', 'none' or 'module:Class'")
    if adapter == "none":  # no admin API: a tool registered by hand, checks needing admin actions not applicable
        account_id = str(raw.get("account_id", ""))
        admin_token = _secret(raw["admin_token"], f"{source}: [platform] admin_token") if "admin_token" in raw else ""
    else:
        if "account_id" not in raw:
            raise ProfileError(f"{source}: [platform] account_id is missing (or set adapter = \"none\" for a platform without Canvas's admin API)")
        account_id = str(raw["account_id"])
        admin_token = _secret(raw.get("admin_token"), f"{source}: [platform] admin_token")
    issuer = check_url(raw["issuer"], f"{source}: [platform] issuer") if "issuer" in raw else base_url
    timeout = raw.get("timeout", 10.0)
    if not isinstance(timeout, (int, float)) or not 0 < timeout <= 300:
        raise ProfileError(f"{source}: [platform] timeout must be a number of seconds in (0, 300]")
    caps = raw.get("capabilities", {})
    if not isinstance(caps, dict):
        raise ProfileError(f"{source}: [platform.capabilities] must be a table")
    for name, value in caps.items():
        if name not in PLATFORM_CAPABILITIES:
            raise ProfileError(f"{source}: [platform.capabilities] unknown capability {name!r}; known: {', '.join(PLATFORM_CAPABILITIES)}")
        if not isinstance(value, bool):
            raise ProfileError(f"{source}: [platform.capabilities] {name} must be true or false")
    expired = raw.get("expired_registration_token")
    unknown = set(raw) - {"base_url", "account_id", "admin_token", "issuer", "adapter", "timeout", "capabilities", "expired_registration_token", "user_tokens", "registration"}
    if unknown:
        raise ProfileError(f"{source}: [platform] unknown field(s): {', '.join(sorted(unknown))}")
    return PlatformTarget(
        base_url=base_url,
        account_id=account_id,
        admin_token=admin_token,
        issuer=issuer,
        adapter=adapter,
        timeout=float(timeout),
        expired_registration_token=_secret(expired, f"{source}: [platform] expired_registration_token") if expired else None,
        capabilities=dict(caps),
        user_tokens=_user_tokens(raw.get("user_tokens", []), source),
        registration=_registration(raw["registration"], source, base_url, base_dir or Path.cwd()) if "registration" in raw else None,
    )


def parse(data: dict[str, Any], source: str = "profile", base_dir: Path | None = None) -> Profile:
    """Build a profile from decoded TOML, raising ``ProfileError`` on the first problem."""
    unknown = set(data) - {"platform", "harness", "tool", "name"}
    if unknown:
        raise ProfileError(f"{source}: unknown table(s): {', '.join(sorted(unknown))}")
    if "platform" not in data and "tool" not in data:
        raise ProfileError(f"{source}: neither [platform] nor [tool] is given (no target to test)")
    platform = _platform(data["platform"], source, base_dir) if "platform" in data else None
    tool = _tool(data["tool"], source, base_dir or Path.cwd()) if "tool" in data else None
    raw_h = data.get("harness", {})
    if not isinstance(raw_h, dict):
        raise ProfileError(f"{source}: [harness] must be a table")
    public_url = check_url(raw_h["public_url"], f"{source}: [harness] public_url", prefix=True) if "public_url" in raw_h else None
    return Profile(name=str(data.get("name", source)), platform=platform, harness=HarnessSettings(public_url=public_url), tool=tool)


def _tool(raw: Any, source: str, base_dir: Path) -> ToolTarget:
    if not isinstance(raw, dict):
        raise ProfileError(f"{source}: [tool] must be a table")
    unknown = set(raw) - {"base_url", "api_key", "timeout", "dynamic_registration_url", "launch"}
    if unknown:
        raise ProfileError(f"{source}: [tool] unknown field(s): {', '.join(sorted(unknown))}")
    timeout = raw.get("timeout", 10.0)
    if not isinstance(timeout, (int, float)) or not 0 < timeout <= 300:
        raise ProfileError(f"{source}: [tool] timeout must be a number of seconds in (0, 300]")
    return ToolTarget(
        base_url=check_url(raw.get("base_url"), f"{source}: [tool] base_url", prefix=True),
        api_key=_secret(raw["api_key"], f"{source}: [tool] api_key") if "api_key" in raw else None,
        timeout=float(timeout),
        dynamic_registration_url=check_url(raw["dynamic_registration_url"], f"{source}: [tool] dynamic_registration_url") if "dynamic_registration_url" in raw else None,
        launch=_tool_launch(raw["launch"], source, base_dir) if "launch" in raw else None,
    )


def _tool_launch(raw: Any, source: str, base_dir: Path) -> ToolLaunch:
    where = f"{source}: [tool.launch]"
    if not isinstance(raw, dict):
        raise ProfileError(f"{where} must be a table")
    fields = {"login_url", "launch_url", "issuer", "client_id", "deployment_id", "private_key", "kid", "authorization_endpoint", "login_params"}
    unknown = set(raw) - fields
    if unknown:
        raise ProfileError(f"{where} unknown field(s): {', '.join(sorted(unknown))}")
    for name in ("client_id", "deployment_id", "private_key"):
        if not isinstance(raw.get(name), str) or not raw[name]:
            raise ProfileError(f"{where} {name} is missing or not a string")
    kid = raw.get("kid")
    if kid is not None and (not isinstance(kid, str) or not kid):
        raise ProfileError(f"{where} kid must be a non-empty string")
    issuer = check_url(raw.get("issuer"), f"{where} issuer")
    extra = raw.get("login_params", {})
    if not isinstance(extra, dict) or not all(isinstance(v, str) for v in extra.values()):
        raise ProfileError(f"{where} login_params must be a table of strings")
    return ToolLaunch(
        login_url=check_url(raw.get("login_url"), f"{where} login_url"),
        launch_url=check_url(raw.get("launch_url"), f"{where} launch_url"),
        issuer=issuer,
        client_id=raw["client_id"],
        deployment_id=raw["deployment_id"],
        key=_private_key(raw["private_key"], kid, where, base_dir),
        authorization_endpoint=check_url(raw["authorization_endpoint"], f"{where} authorization_endpoint") if "authorization_endpoint" in raw else f"{issuer.rstrip('/')}/authorize",
        login_params=dict(extra),
    )


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


def is_loopback(url: str) -> bool:
    host = urlsplit(url).hostname or ""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False
