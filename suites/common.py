"""Helpers shared by several suites: the harness's tool, registered or holding a developer key."""

from __future__ import annotations

from harness import dynreg
from harness.dynreg import RegisteredTool
from harness.plugin import not_applicable
from harness.session import HarnessSession, ToolIdentity


def tool_identity(platform: HarnessSession) -> ToolIdentity:
    """The harness acting as a tool; not applicable when the platform cannot reach its JWKS."""
    tool = platform.tool
    if not tool.reachable:
        not_applicable(tool.why_unreachable)
    return tool


def register(platform: HarnessSession, scopes: list[str]) -> RegisteredTool:
    """Register the harness's tool with ``scopes`` through dynamic registration."""
    tool = tool_identity(platform)
    target = platform.platform
    assert target is not None
    return dynreg.register_tool(
        platform.client, platform.adapter, target.base_url, tool.base_url, tool.jwks_url, tool.key,
        scopes, tos_uri=f"{tool.base_url}/tos",
    )
