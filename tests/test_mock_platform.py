"""The mock platform on its own: Canvas's statuses and bodies, and never a 500 on bad input."""

from __future__ import annotations

import time

import jwt
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
import httpx

from lti_harness import mock_platform
from lti_harness import mock_tool
from lti_harness.harness import dynreg, keys
from lti_harness.mock_platform import forms

ADMIN = {"Authorization": "Bearer test-admin-token-0001"}


def new_platform(serve, faults: set[str] | None = None) -> httpx.Client:
    url = serve(mock_platform.create_app(mock_platform.PlatformConfig(admin_token="test-admin-token-0001", faults=faults or set())))
    return httpx.Client(base_url=url, timeout=10)


@pytest.fixture
def client(serve):
    with new_platform(serve) as c:
        yield c


@pytest.fixture(scope="module")
def shared_client():
    from lti_harness.harness import servers

    server = servers.start(mock_platform.create_app(mock_platform.PlatformConfig(admin_token="test-admin-token-0001")))
    with httpx.Client(base_url=server.url, timeout=10) as c:
        yield c
    server.stop()


def token(client) -> str:
    return client.get("/api/lti/accounts/1/registration_token", headers=ADMIN).json()["token"]


def body() -> dict:
    return dynreg.sample_registration("https://tool.example", "https://tool.example/jwks")


@pytest.mark.parametrize("faults", [set(), {"same-client-id"}], ids=["faultless", "same-client-id"])
def test_each_registration_gets_its_own_client_id(serve, faults):
    with new_platform(serve, faults) as c:
        ids = [c.post("/api/lti/registrations", json=body(), headers={"Authorization": f"Bearer {token(c)}"}).json()["client_id"] for _ in range(3)]
    assert (len(set(ids)) == 1) == bool(faults), ids


def test_registration_token_needs_the_admin(client):
    assert client.get("/api/lti/accounts/1/registration_token").status_code == 401
    wrong = client.get("/api/lti/accounts/1/registration_token", headers={"Authorization": "Bearer nope"})
    assert wrong.status_code == 401 and wrong.json() == {"errors": [{"message": "Invalid access token."}]}
    assert client.get("/api/lti/accounts/77/registration_token", headers=ADMIN).status_code == 404


def test_registration_token_claims(client):
    claims = keys.unverified_claims(token(client))
    for claim in ("uuid", "initiated_at", "user_id", "root_account_global_id", "root_account_domain", "registration_url", "exp"):
        assert claim in claims
    assert 3500 < claims["exp"] - time.time() <= 3600


def test_openid_configuration_reads_only_the_query_parameter(client):
    t = token(client)
    header_only = client.get("/api/lti/security/openid-configuration", headers={"Authorization": f"Bearer {t}"})
    assert header_only.status_code == 401
    assert header_only.json() == {"error": "Access token missing (You must include the registration_token parameter)."}
    ok = client.get("/api/lti/security/openid-configuration", params={"registration_token": t})
    assert ok.status_code == 200 and ok.json()["registration_endpoint"].endswith("/api/lti/registrations")


def test_create_echoes_and_adds_openid(client):
    response = client.post("/api/lti/registrations", json=body(), headers={"Authorization": f"Bearer {token(client)}"})
    assert response.status_code == 200
    answer = response.json()
    assert set(answer["scope"].split()) == set(body()["scope"].split()) | {"openid"}
    assert answer["registration_client_uri"].endswith(f"/api/lti/registrations/{int(answer['registration_client_uri'].rsplit('/', 1)[1])}")
    assert not dynreg.echo_differences(body(), answer)


def test_form_encoded_create_matches_json(client):
    response = client.post(
        "/api/lti/registrations",
        content=dynreg.form_encode(body()),
        headers={"Authorization": f"Bearer {token(client)}", "Content-Type": "application/x-www-form-urlencoded"},
    )
    assert response.status_code == 200, response.text
    assert not dynreg.echo_differences(body(), response.json())


@pytest.mark.parametrize(
    "content,ctype,status",
    [
        (b"{not json", "application/json", 400),
        (b"<xml/>", "application/xml", 415),
        (b"a[=1", "application/x-www-form-urlencoded", 400),
        (b"=x", "application/x-www-form-urlencoded", 400),
        (b"x" * (1024 * 1024 + 10), "application/json", 413),
    ],
)
def test_unreadable_bodies_get_4xx(client, content, ctype, status):
    response = client.post("/api/lti/registrations", content=content, headers={"Authorization": f"Bearer {token(client)}", "Content-Type": ctype})
    assert response.status_code == status
    assert "errors" in response.json()


def test_unknown_scope_is_named(client):
    b = body()
    b["scope"] += " https://example.invalid/unknown"
    response = client.post("/api/lti/registrations", json=b, headers={"Authorization": f"Bearer {token(client)}"})
    assert response.status_code == 422
    assert "Invalid scopes: https://example.invalid/unknown" in response.json()["errors"]


def test_token_checks(client):
    t = token(client)
    assert client.post("/api/lti/registrations", json=body()).json() == {"errorMessage": "Missing registration token"}
    forged = jwt.encode({**keys.unverified_claims(t), "user_id": 5}, "x" * 40, algorithm="HS256")
    assert client.post("/api/lti/registrations", json=body(), headers={"Authorization": f"Bearer {forged}"}).status_code == 401
    incomplete = jwt.encode({"uuid": "u"}, "x" * 40, algorithm="HS256")
    assert client.post("/api/lti/registrations", json=body(), headers={"Authorization": f"Bearer {incomplete}"}).status_code == 401
    assert client.post("/api/lti/registrations", json=body(), headers={"Authorization": f"Bearer {t}"}).status_code == 200
    reused = client.post("/api/lti/registrations", json=body(), headers={"Authorization": f"Bearer {t}"})
    assert reused.status_code == 401 and "already been used" in reused.json()["errorMessage"]


def test_unknown_routes_and_methods_are_json(client):
    assert client.get("/nope").json() == {"errors": [{"message": "The specified resource does not exist."}]}
    assert client.delete("/api/lti/registrations").status_code == 405
    assert client.get("/api/lti/registrations/abc/configuration").status_code == 404


def test_unknown_fault_is_refused():
    with pytest.raises(ValueError, match="unknown fault"):
        mock_platform.create_app(mock_platform.PlatformConfig(faults={"no-such-fault"}))


def test_token_endpoint_errors_and_success(serve):
    tool_key = keys.generate()
    tool_url = serve(mock_tool.create_app(mock_tool.ToolConfig(signing_keys=[tool_key])))
    with new_platform(serve) as client:
        reg = dynreg.sample_registration(tool_url, f"{tool_url}/.well-known/jwks.json")
        answer = client.post("/api/lti/registrations", json=reg, headers={"Authorization": f"Bearer {token(client)}"}).json()
        cid, url = answer["client_id"], str(client.base_url).rstrip("/") + "/login/oauth2/token"

        def grant(assertion: str, scope: str = dynreg.REG_READ_SCOPE, grant_type: str = "client_credentials"):
            return client.post("/login/oauth2/token", data={
                "grant_type": grant_type, "client_assertion_type": "urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
                "client_assertion": assertion, "scope": scope})

        good = keys.client_assertion(tool_key, cid, url)
        assert grant(good, grant_type="password").json()["error"] == "unsupported_grant_type"
        assert grant(keys.client_assertion(tool_key, "999", url)).status_code == 401
        assert grant(keys.client_assertion(tool_key, cid, "https://elsewhere.example/token")).json()["error_description"] == "the 'aud' is invalid"
        assert "expired" in grant(keys.client_assertion(tool_key, cid, url, now=time.time() - 4000)).json()["error_description"]
        assert grant(keys.client_assertion(keys.generate(kid=tool_key.kid), cid, url)).json()["error_description"] == "JWS signature invalid."
        superset = grant(good, scope=f"{dynreg.REG_READ_SCOPE} https://purl.imsglobal.org/spec/lti-ags/scope/lineitem")
        assert superset.status_code == 400 and superset.json()["error"] == "invalid_scope"
        ok = grant(keys.client_assertion(tool_key, cid, url))  # a fresh assertion: a jti is used once
        assert ok.status_code == 200 and ok.json()["scope"] == dynreg.REG_READ_SCOPE
        reg_id = answer["registration_client_uri"].rsplit("/", 1)[1]
        read = client.get(f"/api/lti/registrations/{reg_id}/configuration", headers={"Authorization": f"Bearer {ok.json()['access_token']}"})
        assert read.status_code == 200 and read.json()["client_id"] == cid
        assert client.get(f"/api/lti/registrations/{reg_id}/configuration").json() == {"errorMessage": "Missing access token"}


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(payload=st.one_of(st.binary(max_size=300), st.recursive(st.none() | st.booleans() | st.integers() | st.text(max_size=20), lambda c: st.lists(c, max_size=4) | st.dictionaries(st.text(max_size=10), c, max_size=4), max_leaves=20).map(lambda v: __import__("json").dumps(v).encode())),
       ctype=st.sampled_from(["application/json", "application/x-www-form-urlencoded", "text/plain", ""]))
def test_never_a_server_error(shared_client, payload, ctype):
    client = shared_client
    response = client.post("/api/lti/registrations", content=payload, headers={"Authorization": f"Bearer {token(client)}", "Content-Type": ctype})
    assert response.status_code < 500
    token_response = client.post("/login/oauth2/token", content=payload, headers={"Content-Type": ctype})
    assert token_response.status_code < 500


def test_form_decoder_rails_rules():
    assert forms.decode("a[][x]=1&a[][x]=2&a[][y]=3") == {"a": [{"x": "1"}, {"x": "2", "y": "3"}]}
    assert forms.decode(dynreg.form_encode(body())) == {k: v for k, v in _stringified(body()).items()}
    for bad in ("a=1&a[b]=2", "a[b]=2&a=1", "a[]=1&a[b]=2", "a[=1", "a[][]=1"):
        with pytest.raises(forms.FormError):
            forms.decode(bad)


def _stringified(value):
    if isinstance(value, dict):
        return {k: _stringified(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_stringified(v) for v in value]
    return str(value)


def _wait_past(moment: int) -> None:
    while time.time() <= moment + 0.05:
        time.sleep(0.05)


def test_remembered_tokens_and_documents_follow_the_request(serve):
    """The OpenID configuration is rendered once per host and settings; a short-lived token that passed
    is refused as expired afterwards."""
    app = mock_platform.create_app(mock_platform.PlatformConfig(admin_token="test-admin-token-0001"))
    platform = app.state.platform
    url = serve(app)
    from lti_harness.mock_platform import oauth

    short, _ = oauth.issue_registration_token(platform.secret, account_id="1", domain="d", user_id=1, registration_url="", active=set(), lifetime=4)  # a few seconds: the first requests must pass even on a loaded machine
    with httpx.Client(base_url=url, timeout=10) as c:
        path = "/api/lti/security/openid-configuration"
        first = c.get(path, params={"registration_token": short})
        other = c.get(path, params={"registration_token": short}, headers={"Host": "platform.example:8443"})
        assert first.status_code == other.status_code == 200
        assert first.json()["issuer"] == url and other.json()["issuer"] == "http://platform.example:8443"
        assert c.get(path, params={"registration_token": short}).content == first.content
        _wait_past(keys.unverified_claims(short)["exp"])
        assert c.get(path, params={"registration_token": short}).json() == {"errorMessage": "registration_token has expired"}


def test_a_key_remembers_only_what_it_verified():
    """``KeyPair.decode``: what passed passes again until its exp; another audience, another key or an
    expired token fails as ``jwt.decode`` says; the caller's copy of the claims is its own."""
    pair, other = keys.generate(), keys.generate()
    soon = int(time.time()) + 3  # the decodes before the wait must come before exp even on a loaded machine
    signed = pair.sign({"sub": "1", "aud": "https://p/token", "exp": soon})
    claims = pair.decode(signed, "https://p/token")
    claims["sub"] = "changed"
    assert pair.decode(signed, "https://p/token")["sub"] == "1"
    with pytest.raises(jwt.InvalidAudienceError):
        pair.decode(signed, "https://q/token")
    with pytest.raises(jwt.InvalidSignatureError):
        other.decode(signed, "https://p/token")
    _wait_past(soon)
    with pytest.raises(jwt.ExpiredSignatureError):
        pair.decode(signed, "https://p/token")
    assert pair.public_jwk == pair.public_jwk and pair.public_jwk is not pair.public_jwk
