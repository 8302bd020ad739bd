"""A tool that answers a refused launch with a 2xx page of its own (many do) is not judged to have
accepted it once the profile names that page's text as ``[tool] refused_text``; without it, the failure
says what to set. The tool here is the mock tool with its launch refusals turned into 200 pages."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from lti_harness import mock_tool
from lti_harness.harness.profile import ProfileError, load

REFUSALS = [f"TOOL-0{n}" for n in (11, 12, 13, 16, 18, 20, 22, 25, 26, 27, 28, 29, 30, 31)]  # the required ones
CHECKS = ["TOOL-010", *REFUSALS]


def refusals_as_200_pages(app: Any) -> Any:
    """The tool, but every 4xx of its launch endpoint is sent as a 200 (the same "Launch refused" page)."""

    async def wrapped(scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http" or scope["path"] != "/v1/platform/lti/launch":
            await app(scope, receive, send)
            return

        async def send_as_200(message: dict[str, Any]) -> None:
            if message["type"] == "http.response.start" and 400 <= message["status"] < 500:
                message = {**message, "status": 200}
            await send(message)

        await app(scope, receive, send_as_200)

    return wrapped


def _profile(path: Path, base: str, key: str, extra: str = "") -> Path:
    path.write_text(f'[tool]\nbase_url = "{base}/"\napi_key = "{key}"\ntimeout = 5\n{extra}', encoding="utf-8")
    return path


def test_refusal_pages_fail_as_accepted_launches_and_say_what_to_set(tmp_path: Path, serve, run_in_worker):
    config = mock_tool.ToolConfig()
    base = serve(refusals_as_200_pages(mock_tool.create_app(config)))
    args = ["--suite", "tool_side", *[a for c in CHECKS for a in ("--check", c)]]
    result = run_in_worker("--profile", str(_profile(tmp_path / "tool.toml", base, config.api_key)), *args)
    named = _profile(tmp_path / "named.toml", base, config.api_key, 'refused_text = "<h1>Launch refused</h1>"\n')
    fixed = run_in_worker("--profile", str(named), *args)
    outcomes = result.outcomes()
    assert outcomes["TOOL-010"] == "passed"
    assert {c for c in REFUSALS if outcomes[c] == "failed"} == set(REFUSALS), outcomes
    assert "refused_text" in result.messages("TOOL-011")
    assert fixed.outcomes() == dict.fromkeys(CHECKS, "passed"), fixed.stdout[-3000:]
    assert fixed.code == 0


def test_a_page_holding_the_text_on_a_valid_launch_makes_the_refusal_checks_error(tmp_path: Path, serve, run_in_worker):
    """A refused_text the tool's launched page also holds cannot tell the two apart: the control launch
    is then not accepted, and the refusal checks end error (the harness could not test), not passed."""
    config = mock_tool.ToolConfig()
    base = serve(mock_tool.create_app(config))
    profile = _profile(tmp_path / "tool.toml", base, config.api_key, 'refused_text = "<html><body>"\n')
    result = run_in_worker("--profile", str(profile), "--suite", "tool_side", "--check", "TOOL-010", "--check", "TOOL-011")
    assert result.outcomes() == {"TOOL-010": "failed", "TOOL-011": "error"}, result.stdout[-3000:]
    assert "refusal page" in result.messages("TOOL-010")


def test_refused_text_must_be_text(tmp_path: Path):
    for value in ('""', '"   "', "3"):
        path = tmp_path / "bad.toml"
        path.write_text(f'[tool]\nbase_url = "http://127.0.0.1:9/"\nrefused_text = {value}\n', encoding="utf-8")
        with pytest.raises(ProfileError, match="refused_text"):
            load(path)
