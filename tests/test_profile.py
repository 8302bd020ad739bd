"""Profiles: valid ones load; each broken one is refused with a message naming the field."""

from __future__ import annotations

import pytest

from harness import profile

GOOD = {"platform": {"base_url": "https://canvas.example.edu/", "account_id": 1, "admin_token": "tok-123456"}}


def test_minimal_profile_loads_with_defaults():
    p = profile.parse(GOOD, "p.toml")
    assert p.platform.base_url == "https://canvas.example.edu"
    assert p.platform.issuer == p.platform.base_url
    assert p.platform.account_id == "1"
    assert p.platform.has("dynamic_registration") and not p.platform.has("mock_controls")


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
    assert profile.is_loopback("http://127.0.0.1:8000") and profile.is_loopback("http://localhost")
    assert not profile.is_loopback("https://canvas.example.edu")


def test_pre_issued_user_tokens(tmp_path, monkeypatch):
    from harness import profile as profiles

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
