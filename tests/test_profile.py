"""Profiles: valid ones load; each broken one is refused with a message naming the field."""

from __future__ import annotations

import pytest

from lti_harness import vocab
from lti_harness.harness import capabilities, keys, profile

GOOD = {"platform": {"base_url": "https://canvas.example.edu/", "account_id": 1, "admin_token": "tok-123456"}}


def test_minimal_profile_loads_with_defaults():
    p = profile.parse(GOOD, "p.toml")
    assert p.platform.base_url == "https://canvas.example.edu"
    assert p.platform.issuer == p.platform.base_url
    assert p.platform.account_id == "1"
    assert capabilities.missing(p, "dynamic_registration") is None and capabilities.missing(p, "mock_controls")


def test_secret_from_environment(monkeypatch):
    monkeypatch.setenv("MY_TOKEN", "from-env-secret")
    p = profile.parse({"platform": {**GOOD["platform"], "admin_token": "env:MY_TOKEN"}})
    assert p.platform.admin_token == "from-env-secret"
    assert "from-env-secret" not in repr(p)


@pytest.mark.parametrize(
    "change,field",
    [
        ({"base_url": None}, "base_url"),
        ({"base_url": "ftp://canvas.example.edu"}, "base_url"),
        ({"base_url": "not a url"}, "base_url"),
        ({"base_url": "http://host:99999"}, "base_url"),
        ({"account_id": None}, "account_id"),
        ({"admin_token": None}, "admin_token"),
        ({"admin_token": "env:SURELY_NOT_SET_ANYWHERE"}, "SURELY_NOT_SET_ANYWHERE"),
        ({"issuer": "nope"}, "issuer"),
        ({"timeout": -1}, "timeout"),
        ({"capabilities": {"teleport": True}}, "teleport"),
        ({"capabilities": {"mock_controls": "yes"}}, "mock_controls"),
        ({"colour": "blue"}, "colour"),
    ],
)
def test_broken_profile_names_the_field(change, field):
    raw = dict(GOOD["platform"])
    for k, v in change.items():
        if v is None:
            raw.pop(k)
        else:
            raw[k] = v
    with pytest.raises(profile.ProfileError) as err:
        profile.parse({"platform": raw}, "target.toml")
    assert field in str(err.value) and "target.toml" in str(err.value)


def test_missing_platform_table():
    with pytest.raises(profile.ProfileError, match=r"\[platform\]"):
        profile.parse({}, "t.toml")


def test_unreadable_and_invalid_files(tmp_path):
    with pytest.raises(profile.ProfileError, match="cannot read profile"):
        profile.load(tmp_path / "absent.toml")
    bad = tmp_path / "bad.toml"
    bad.write_text("[platform\nbase_url=", encoding="utf-8")
    with pytest.raises(profile.ProfileError, match="not valid TOML"):
        profile.load(bad)


def test_loopback_detection():
    assert vocab.is_loopback("http://127.0.0.1:8000") and vocab.is_loopback("http://localhost")
    assert not vocab.is_loopback("https://canvas.example.edu")


def test_pre_issued_user_tokens(tmp_path, monkeypatch):
    from lti_harness.harness import profile as profiles

    monkeypatch.setenv("TOKEN_A", "1~secret-a")
    good = tmp_path / "p.toml"
    good.write_text(
        '[platform]\nbase_url = "http://127.0.0.1:1"\naccount_id = "1"\nadmin_token = "x"\n'
        '[[platform.user_tokens]]\ntoken = "env:TOKEN_A"\nscopes = ["url:GET|/api/v1/courses/:id"]\n'
    )
    loaded = profiles.load(good)
    assert loaded.platform.user_tokens[0].token == "1~secret-a"
    assert loaded.platform.user_tokens[0].scopes == frozenset({"url:GET|/api/v1/courses/:id"})
    bad = tmp_path / "bad.toml"
    bad.write_text(good.read_text().replace("url:GET|/api/v1/courses/:id", "courses:read"))
    import pytest

    with pytest.raises(profiles.ProfileError, match="user_tokens.*url:<VERB>"):
        profiles.load(bad)


def tool_launch(pem_file: str = "platform.pem", **change) -> dict:
    raw = {"login_url": "http://127.0.0.1:5000/login", "launch_url": "http://127.0.0.1:5000/launch", "issuer": "https://lms.example",
           "client_id": "c-1", "deployment_id": "d-1", "private_key": pem_file}
    raw.update(change)
    return {"tool": {"base_url": "http://127.0.0.1:5000", "launch": {k: v for k, v in raw.items() if v is not None}}}


def test_tool_launch_loads_the_key_relative_to_the_profile(tmp_path):
    pair = keys.generate()
    (tmp_path / "platform.pem").write_bytes(pair.private_pem)
    (tmp_path / "p.toml").write_text(
        '[tool]\nbase_url = "http://127.0.0.1:5000"\n[tool.launch]\nlogin_url = "http://127.0.0.1:5000/login"\n'
        'launch_url = "http://127.0.0.1:5000/launch"\nissuer = "https://lms.example"\nclient_id = "c-1"\n'
        'deployment_id = "d-1"\nprivate_key = "platform.pem"\n', encoding="utf-8")
    p = profile.load(tmp_path / "p.toml")
    assert p.platform is None and p.tool.api_key is None
    given = p.tool.launch
    assert given.key.public_jwk["n"] == pair.public_jwk["n"]
    assert given.key.kid == keys.thumbprint(pair.private_key.public_key())  # the RFC 7638 thumbprint when no kid is given
    assert given.authorization_endpoint == "https://lms.example/authorize"


def test_tool_launch_key_from_the_environment(monkeypatch):
    pair = keys.generate()
    monkeypatch.setenv("HARNESS_PLATFORM_KEY", pair.private_pem.decode())
    p = profile.parse(tool_launch("env:HARNESS_PLATFORM_KEY", kid="k-7", authorization_endpoint="https://lms.example/auth"))
    assert p.tool.launch.key.kid == "k-7" and p.tool.launch.authorization_endpoint == "https://lms.example/auth"
    assert "PRIVATE KEY" not in repr(p)


@pytest.mark.parametrize("change,field", [
    ({"login_url": None}, "login_url"),
    ({"launch_url": "launch"}, "launch_url"),
    ({"client_id": None}, "client_id"),
    ({"deployment_id": 3}, "deployment_id"),
    ({"private_key": "absent.pem"}, "cannot read absent.pem"),
    ({"private_key": "junk.pem"}, "not an unencrypted PEM private key"),
    ({"private_key": "ec.pem"}, "not an RSA private key"),
    ({"kid": ""}, "kid"),
    ({"login_params": {"lti1p3_new_window": 1}}, "login_params"),
    ({"colour": "blue"}, "colour"),
])
def test_broken_tool_launch_names_the_field(tmp_path, monkeypatch, change, field):
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ec

    (tmp_path / "junk.pem").write_text("not a key", encoding="utf-8")
    (tmp_path / "ec.pem").write_bytes(ec.generate_private_key(ec.SECP256R1()).private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()))
    (tmp_path / "platform.pem").write_bytes(keys.generate().private_pem)
    with pytest.raises(profile.ProfileError) as err:
        profile.parse(tool_launch(**change), "t.toml", tmp_path)
    assert field in str(err.value) and "[tool.launch]" in str(err.value)
