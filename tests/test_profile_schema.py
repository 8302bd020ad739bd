"""The published profile format (schemas/profile.json): the README's and the tests' profiles conform to it,
and ``profile.parse`` accepts exactly what it accepts."""

from __future__ import annotations

import json
import re
import tomllib
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft202012Validator

from conftest import write_profile
from lti_harness.harness import keys, profile
from lti_harness.harness.capabilities import PLATFORM_CAPABILITIES
from lti_harness.harness.schemas import schema_dir

ROOT = Path(__file__).resolve().parents[1]
SCHEMA = json.loads((schema_dir() / "profile.json").read_text(encoding="utf-8"))
VALIDATOR = Draft202012Validator(SCHEMA)


def test_schema_is_published_draft_2020_12():
    Draft202012Validator.check_schema(SCHEMA)
    assert SCHEMA["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert SCHEMA["$id"].endswith("/profile.json") and SCHEMA["title"] and SCHEMA["description"]
    caps = SCHEMA["$defs"]["platform"]["properties"]["capabilities"]["properties"]
    assert set(caps) == set(PLATFORM_CAPABILITIES)  # in step with the capabilities the harness knows
    assert set(SCHEMA["$defs"]["platform"]["properties"]) == set(profile.PLATFORM_FIELDS)
    assert set(SCHEMA["$defs"]["tool"]["properties"]) == set(profile.TOOL_FIELDS)
    assert set(SCHEMA["$defs"]["tool"]["properties"]["launch"]["properties"]) == set(profile.LAUNCH_FIELDS)
    assert set(SCHEMA["$defs"]["platform"]["properties"]["registration"]["properties"]) == set(profile.REGISTRATION_FIELDS)


def readme_profiles() -> list[dict[str, Any]]:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    blocks = [tomllib.loads(block) for block in re.findall(r"```toml\n(.*?)```", text, re.S)]
    return [b for b in blocks if "platform" in b or "tool" in b]  # profiles, not other TOML files (e.g. baselines)


def test_readme_profiles_conform():
    found = readme_profiles()
    assert len(found) >= 3  # the Canvas, hand-registered platform and tool examples
    for data in found:
        assert not list(VALIDATOR.iter_errors(data)), data


def test_tests_profiles_conform(tmp_path):
    from test_minimal_platform import hand_registered_profile
    from test_profile import GOOD, tool_launch

    written = [
        write_profile(tmp_path / "a.toml", "http://127.0.0.1:9"),
        write_profile(tmp_path / "b.toml", "http://127.0.0.1:9", extra="[platform.capabilities]\nmock_controls = true\n"),
        hand_registered_profile(tmp_path, "http://127.0.0.1:9", keys.generate()),
    ]
    samples = [tomllib.loads(p.read_text(encoding="utf-8")) for p in written] + [GOOD, tool_launch()]
    for data in samples:
        assert not list(VALIDATOR.iter_errors(data)), data


PLATFORM = {"base_url": "https://canvas.example.edu", "account_id": "1", "admin_token": "t-0123456789"}
LAUNCH = {"login_url": "https://tool.example/login", "launch_url": "https://tool.example/launch", "issuer": "https://lms.example",
          "client_id": "c", "deployment_id": "d", "private_key": "platform.pem"}
SAMPLES: list[tuple[str, dict[str, Any]]] = [
    ("platform", {"platform": PLATFORM}),
    ("integer account id", {"platform": {**PLATFORM, "account_id": 7}}),
    ("adapter none", {"platform": {"base_url": "http://127.0.0.1:8000", "adapter": "none", "timeout": 2.5}}),
    ("capabilities", {"platform": {**PLATFORM, "capabilities": {"ags": False, "mock_controls": True}}}),
    ("registration", {"platform": {**PLATFORM, "registration": {"client_id": "x", "private_key": "platform.pem", "scopes": ["s"]}}}),
    ("user tokens", {"platform": {**PLATFORM, "user_tokens": [{"token": "u-1", "scopes": ["url:GET|/api/v1/users/:id"]}]}}),
    ("tool", {"tool": {"base_url": "http://127.0.0.1:5000/", "api_key": "k", "dynamic_registration_url": "http://127.0.0.1:5000/dr"}}),
    ("tool launch", {"tool": {"base_url": "https://tool.example", "launch": {**LAUNCH, "login_params": {"a": "1"}}}}),
    ("both and harness", {"platform": PLATFORM, "tool": {"base_url": "https://tool.example"}, "harness": {"public_url": "https://h.example"}, "name": "x"}),
    ("ipv6 and port", {"platform": {**PLATFORM, "base_url": "http://[::1]:65535/canvas"}}),
    # refused
    ("empty", {}),
    ("misspelt table", {"platfrom": PLATFORM}),
    ("misspelt field", {"platform": {**PLATFORM, "acount_id": "1"}}),
    ("missing account", {"platform": {k: v for k, v in PLATFORM.items() if k != "account_id"}}),
    ("missing token", {"platform": {k: v for k, v in PLATFORM.items() if k != "admin_token"}}),
    ("bad url", {"platform": {**PLATFORM, "base_url": "canvas.example.edu"}}),
    ("ftp url", {"platform": {**PLATFORM, "base_url": "ftp://canvas.example.edu"}}),
    ("bad port", {"platform": {**PLATFORM, "base_url": "http://host:99999"}}),
    ("boolean timeout", {"platform": {**PLATFORM, "timeout": True}}),
    ("zero timeout", {"platform": {**PLATFORM, "timeout": 0}}),
    ("long timeout", {"platform": {**PLATFORM, "timeout": 301}}),
    ("boolean account id", {"platform": {**PLATFORM, "account_id": True}}),
    ("empty token", {"platform": {**PLATFORM, "admin_token": ""}}),
    ("unknown capability", {"platform": {**PLATFORM, "capabilities": {"teleport": True}}}),
    ("capability not bool", {"platform": {**PLATFORM, "capabilities": {"ags": "yes"}}}),
    ("bad user-token scope", {"platform": {**PLATFORM, "user_tokens": [{"token": "u", "scopes": ["courses:read"]}]}}),
    ("registration without scopes", {"platform": {**PLATFORM, "registration": {"client_id": "x", "private_key": "platform.pem"}}}),
    ("misspelt tool key", {"tool": {"base_url": "https://tool.example", "api_kye": "k"}}),
    ("launch without client", {"tool": {"base_url": "https://tool.example", "launch": {k: v for k, v in LAUNCH.items() if k != "client_id"}}}),
    ("login params not strings", {"tool": {"base_url": "https://tool.example", "launch": {**LAUNCH, "login_params": {"a": 1}}}}),
    ("harness field", {"platform": PLATFORM, "harness": {"public_ur": "https://h.example"}}),
    ("name not a string", {"platform": PLATFORM, "name": 3}),
]


@pytest.mark.parametrize("label,data", SAMPLES, ids=[s[0] for s in SAMPLES])
def test_parse_accepts_what_the_schema_accepts(label, data, tmp_path):
    (tmp_path / "platform.pem").write_bytes(keys.generate().private_pem)
    schema_ok = VALIDATOR.is_valid(data)
    try:
        profile.parse(data, "p.toml", tmp_path)
        parsed_ok = True
    except profile.ProfileError:
        parsed_ok = False
    assert parsed_ok == schema_ok, (label, [e.message for e in VALIDATOR.iter_errors(data)])


def test_every_problem_is_reported_at_once_with_did_you_mean():
    data = {"platfrom": {"base_url": "https://canvas.example.edu", "acount_id": "1", "admin_token": "t"},
            "tool": {"base_url": "https://tool.example", "api_kye": "k", "timeout": -1}}
    with pytest.raises(profile.ProfileError) as err:
        profile.parse(data, "p.toml")
    lines = str(err.value).splitlines()
    assert lines == err.value.problems and all(line.startswith("p.toml: ") for line in lines)
    assert any("[platfrom]" in line and "did you mean [platform]?" in line for line in lines)
    assert any("'acount_id'" in line and "did you mean 'account_id'?" in line for line in lines)
    assert any("[tool]" in line and "'api_kye'" in line and "did you mean 'api_key'?" in line for line in lines)
    assert any("[tool] timeout" in line for line in lines)
    assert not any("neither [platform] nor [tool]" in line for line in lines)


def test_load_reports_every_problem_of_a_file(tmp_path):
    path = tmp_path / "target.toml"
    path.write_text('[platform]\nbase_url = "canvas.example.edu"\nadmin_tokn = "x"\n\n[platform.capabilities]\nags = "yes"\n',
                    encoding="utf-8")
    with pytest.raises(profile.ProfileError) as err:
        profile.load(path)
    text = str(err.value)
    for field in ("base_url", "'admin_tokn' (did you mean 'admin_token'?)", "account_id is missing", "admin_token is missing", "ags must be true or false"):
        assert field in text, text
    assert len(err.value.problems) == 5
