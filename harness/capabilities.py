"""Capabilities: what a target can do, as the profile declares it. A check names the capabilities it
needs (``needs``); when the profile says the target lacks one, the check ends *not applicable* with
the reason, never *passed* and never *failed*.

Platform capabilities are declared in ``[platform.capabilities]``; their defaults depend on the
adapter (with ``adapter = "none"`` there is no admin API, so everything done through it is absent).
Tool capabilities follow from what ``[tool]`` gives (an API key, a launch registration, a DR URL).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Callable

if TYPE_CHECKING:
    from .profile import Profile


@dataclass(frozen=True)
class Capability:
    name: str
    side: str  # "platform" or "tool"
    meaning: str
    admin: bool = False  # arranged through the admin API: absent by default with adapter = "none"
    default: bool = True


_ALL = [
    Capability("dynamic_registration", "platform", "LTI Dynamic Registration: an admin issues a registration token, a tool registers with it", admin=True),
    Capability("registration_updates", "platform", "registration update requests (seed 000) and their admin review (read, accept with overlay, ignore, history)", admin=True),
    Capability("admin_feature_flags", "platform", "an admin can switch account feature flags (lti_dr_registrations_update)", admin=True),
    Capability("admin_developer_keys", "platform", "an admin can create, change, delete and bind developer keys", admin=True),
    Capability("admin_courses", "platform", "an admin can create courses, users, enrolments and assignments, install a tool in a course, and conclude or delete a course", admin=True),
    Capability("user_oauth", "platform", "the user OAuth2 flow (authorize, code, token) for scoped API keys", admin=True),
    Capability("lti11_outcomes", "platform", "LTI 1.1 grade passback (POX outcomes) for tools installed with a consumer key", admin=True),
    Capability("lti_launch", "platform", "LTI 1.3 launches: the adapter gives a URL that launches an installed tool as a course member (Canvas's sessionless launch), and the platform's OIDC authorization endpoint answers the tool's authentication request", admin=True),
    Capability("lti_token_endpoint", "platform", "LTI Advantage tokens: client_credentials with a JWT client assertion"),
    Capability("ags", "platform", "Assignment and Grade Services: line items, scores, results"),
    Capability("nrps", "platform", "Names and Role Provisioning Services: a course's memberships for a tool whose key holds the contextmembership.readonly scope"),
    Capability("canvas_conventions", "platform", "the platform answers as Canvas documents it (error bodies and messages of seeds 003 and 004, throttling headers); without it only the status of a refusal is judged", admin=True),
    Capability("mock_controls", "platform", "this project's mock platform and its test-support routes (/_mock/…); detected when not declared", default=False),
    Capability("tool_registrations_api", "tool", "the tool's platform-registrations API of seed 001 ([tool] api_key)"),
    Capability("tool_launch", "tool", "a way to launch the tool: [tool.launch], or registering through its API ([tool] api_key)"),
    Capability("tool_dynamic_registration", "tool", "the tool's dynamic-registration initiation URL ([tool] dynamic_registration_url)"),
]
CAPABILITIES: dict[str, Capability] = {c.name: c for c in _ALL}
PLATFORM_CAPABILITIES = [c.name for c in _ALL if c.side == "platform"]


def missing(profile: "Profile", name: str, detect_mock: Callable[[], bool] | None = None) -> str | None:
    """Why the target lacks capability ``name`` (a sentence for the report), or None when it has it."""
    cap = CAPABILITIES[name]
    if cap.side == "tool":
        tool = profile.tool
        if tool is None:
            return "the profile names no [tool]"
        if name == "tool_registrations_api" and not tool.api_key:
            return "the profile gives no [tool] api_key: the tool's platform-registrations API (seed 001) is not tested"
        if name == "tool_launch" and tool.launch is None and not tool.api_key:
            return "the profile gives neither [tool.launch] nor [tool] api_key: the harness has no registration to launch the tool with"
        if name == "tool_dynamic_registration" and not tool.dynamic_registration_url:
            return "the profile gives no [tool] dynamic_registration_url: the tool's dynamic registration is not tested"
        return None
    platform = profile.platform
    if platform is None:
        return "the profile names no [platform]"
    declared = platform.capabilities.get(name)
    if declared is False:
        return f"the profile declares {name} = false ({cap.meaning})"
    if declared is True:
        return None
    if name == "mock_controls":
        if detect_mock is not None and detect_mock():
            return None
        return "the target is not this project's mock platform (no /_mock/ test-support routes)"
    if name == "canvas_conventions" and platform.adapter == "none":
        return "the profile's adapter is 'none': the platform is not taken to be Canvas (declare canvas_conventions = true if it follows Canvas's documented answers)"
    if cap.admin and platform.adapter == "none":
        return f"the profile's adapter is 'none' (no admin API), so the harness cannot arrange this: {cap.meaning}"
    return None if cap.default else f"absent unless the profile declares {name} = true"
