"""One harness session: the profile, the HTTP client, the adapter and the servers it started."""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from typing import Any

from lti_harness.vocab import is_loopback

from . import capabilities, keys, servers
from .adapters import Adapter, AdapterControls, MockControls, load_adapter
from .client import Client, Exchange
from .profile import PlatformTarget, Profile, ToolTarget

MAX_EXCHANGES_PER_TEST = 40
MAX_VIOLATIONS_PER_TEST = 100  # answers outside their documents kept for one check's message
COUNTERPART_NRPS_PAGE_SIZE = 3  # the counterpart platform's NRPS page: a course of a few members spans several pages


@dataclass
class ToolIdentity:
    """The harness acting as an LTI tool: its signing key and where its JWKS is published."""

    key: keys.KeyPair
    base_url: str
    jwks_url: str
    reachable: bool
    why_unreachable: str = ""


@dataclass
class HarnessSession:
    profile: Profile
    client: Client
    started: list[servers.RunningServer] = field(default_factory=list)
    exchanges: list[Exchange] = field(default_factory=list)
    cache: dict[str, Any] = field(default_factory=dict)  # things made once per session (a course, a key)
    created: list[str] = field(default_factory=list)  # what the run created on the target, for the report
    changed: list[str] = field(default_factory=list)  # what it changed there (flags, key states), filled by harness.cleanup
    cleanup: dict[str, Any] | None = None  # with --cleanup: {"undone": n, "left": [...]} (harness.cleanup)
    run_id: str = field(default_factory=lambda: secrets.token_hex(4))  # makes invented names unique per run
    violations: list[Any] = field(default_factory=list)  # the current check's answers outside their documents (harness.conformance)
    _conformance: Any = None
    _adapter: Adapter | None = None
    _harness_tool: ToolIdentity | None = None
    _as_platform: Any = None

    def record(self, exchange: Exchange) -> None:
        self.exchanges.append(exchange)
        if len(self.exchanges) > MAX_EXCHANGES_PER_TEST:
            del self.exchanges[0]

    def inspect(self, response: Any) -> list[str]:
        """Hold one answer to its target's OpenAPI document (:mod:`harness.conformance`): its violations,
        kept for the check that received it and returned as sentences for the exchange's record."""
        if self._conformance is None:
            from . import conformance

            self._conformance = conformance.for_profile(self.profile, judge_platform_errors=self.missing("canvas_conventions") is None)
        found = self._conformance.judge(response.request.method, str(response.request.url), response.status_code,
                                        response.headers.get("content-type", ""), response.content)
        self.violations.extend(found[: max(0, MAX_VIOLATIONS_PER_TEST - len(self.violations))])
        return [v.describe() for v in found]

    def missing(self, capability: str) -> str | None:
        """Why the target lacks ``capability`` (the profile's word, or the adapter's), or None."""
        detect = None
        if self.profile.platform is not None and self.profile.platform.adapter != "none":
            detect = lambda: self.mock_controls.is_mock()  # noqa: E731
        return capabilities.missing(self.profile, capability, detect)

    def note_created(self, what: str) -> None:
        """Remember something the run created on a target (listed at the end of the report)."""
        self.created.append(what)

    def unique(self, name: str) -> str:
        """``name`` made unique to this run, for identifiers the harness invents on a target."""
        return f"{name}-{self.run_id}"

    @property
    def platform(self) -> PlatformTarget | None:
        return self.profile.platform

    @property
    def adapter(self) -> Adapter:
        if self._adapter is None:
            assert self.profile.platform is not None
            self._adapter = load_adapter(self.profile.platform, self.client)
        return self._adapter

    @property
    def mock_controls(self) -> MockControls:
        """The mock platform's test-support controls, through the adapter; a control it lacks raises
        ``NotSupported``. Checks that use them need the ``mock_controls`` capability."""
        return AdapterControls(self.adapter)

    def _jwks_server(self, counterpart_url: str | None, who: str) -> tuple[keys.KeyPair, str, bool, str]:
        """A fresh key published by a mock tool on loopback: (key, public base URL, reachable, why not).
        ``counterpart_url`` is the target that must fetch the JWKS; off this machine it needs [harness] public_url."""
        from lti_harness import mock_tool

        key = keys.generate()
        server = servers.start(mock_tool.create_app(mock_tool.ToolConfig(signing_keys=[key])))
        self.started.append(server)
        public = self.profile.harness.public_url or server.url
        if self.profile.harness.public_url is None and counterpart_url is not None and not is_loopback(counterpart_url):
            why = (f"the {who} is not on this machine and cannot fetch the harness's JWKS from loopback; "
                   f"set [harness] public_url to an address where it can reach port {server.url.rsplit(':', 1)[-1]}")
            return key, public, False, why
        return key, public, True, ""

    @property
    def harness_tool(self) -> ToolIdentity:
        """The harness's own tool identity (its key and JWKS), for acting as a tool toward the platform
        under test; started on first use. The tool under test is ``profile.tool``."""
        if self._harness_tool is None:
            platform = self.profile.platform
            key, public, reachable, why = self._jwks_server(platform.base_url if platform else None, "platform")
            self._harness_tool = ToolIdentity(key=key, base_url=public, jwks_url=f"{public}/.well-known/jwks.json", reachable=reachable, why_unreachable=why)
        return self._harness_tool

    @property
    def as_platform(self) -> Any:
        """The harness acting as a platform (for launching a tool): a key and its JWKS, started on first use."""
        if self._as_platform is None:
            from .launch import PlatformIdentity

            tool = self.profile.tool
            if tool is not None and tool.launch is not None:  # a registration configured in the tool beforehand
                given = tool.launch
                self._as_platform = PlatformIdentity(key=given.key, issuer=given.issuer, jwks_url="",
                                                     authorization_endpoint=given.authorization_endpoint)
                return self._as_platform
            key, public, reachable, why = self._jwks_server(tool.base_url if tool else None, "tool")
            self._as_platform = PlatformIdentity(key=key, issuer=public, jwks_url=f"{public}/.well-known/jwks.json", reachable=reachable, why_unreachable=why)
        return self._as_platform

    @property
    def counterpart_platform(self) -> tuple[str, str]:
        """A mock platform of the harness's own, for a tool to register with (and be launched from, its NRPS
        paged by ``COUNTERPART_NRPS_PAGE_SIZE``): (base URL, admin token)."""
        if "counterpart" not in self.cache:
            import secrets as _secrets

            from lti_harness import mock_platform

            from . import redact

            token = _secrets.token_urlsafe(24)
            redact.register_secret(token)
            config = mock_platform.PlatformConfig(admin_token=token, nrps_page_size=COUNTERPART_NRPS_PAGE_SIZE)
            server = servers.start(mock_platform.create_app(config))
            self.started.append(server)
            self.cache["counterpart"] = (server.url, token)
        return self.cache["counterpart"]

    def close(self) -> None:
        self.client.close()
        servers.stop_all(list(reversed(self.started)))
        self.started.clear()


def split_faults(names: list[str]) -> tuple[set[str], set[str]]:
    """Fault names split into the platform's and the tool's; ``ValueError`` naming unknown ones."""
    from lti_harness.mock_platform.faults import FAULTS as PLATFORM
    from lti_harness.mock_tool.faults import FAULTS as TOOL

    unknown = sorted(set(names) - set(PLATFORM) - set(TOOL))
    if unknown:
        raise ValueError(f"unknown fault(s): {', '.join(unknown)}; see 'lti-harness faults'")
    return {n for n in names if n in PLATFORM}, {n for n in names if n in TOOL}


def embedded(faults: list[str] | None = None) -> tuple[Profile, list[servers.RunningServer]]:
    """Start the mock platform and the mock tool on free loopback ports; a profile pointing at them."""
    from lti_harness import mock_platform
    from lti_harness import mock_tool

    platform_faults, tool_faults = split_faults(list(faults or []))
    config = mock_platform.PlatformConfig(faults=platform_faults)
    server = servers.start(mock_platform.create_app(config))
    # the counterpart platform of the DR checks runs on a loopback port of its own: the operator (the
    # harness) consents to registrations with loopback platforms
    tool_config = mock_tool.ToolConfig(faults=tool_faults, dr_allowed=("http://127.0.0.1",))
    tool_server = servers.start(mock_tool.create_app(tool_config))
    target = PlatformTarget(
        base_url=server.url,
        account_id=config.account_id,
        admin_token=config.admin_token,
        issuer=server.url,
        capabilities={"mock_controls": True},
    )
    from . import redact

    redact.register_secret(config.admin_token)
    redact.register_secret(tool_config.api_key)
    tool = ToolTarget(base_url=tool_server.url, api_key=tool_config.api_key,
                      dynamic_registration_url=f"{tool_server.url}/v1/platform/lti/dynamic-registration")
    return Profile(name="embedded", platform=target, embedded=True, tool=tool), [server, tool_server]


def open_session(profile: Profile | None, faults: list[str] | None = None, **client_args: Any) -> HarnessSession:
    """A session against ``profile``, or against freshly started mocks when it is None."""
    started: list[servers.RunningServer] = []
    if profile is None:
        profile, started = embedded(faults)
    timeout = profile.platform.timeout if profile.platform else profile.tool.timeout if profile.tool else 10.0
    session = HarnessSession(profile=profile, client=Client(timeout=timeout, **client_args), started=started)
    session.client.recorder = session.record
    session.client.inspector = session.inspect  # every answer held to its document; the plugin's switch turns it off
    session.client.on_created = session.note_created
    return session
