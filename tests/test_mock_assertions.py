"""The mock platform's token endpoint refuses what the documents say it must (an assertion whose iss is not
the client id, a replayed jti, an exp far ahead) unless a fault says otherwise, and fetches a key's JWKS
once per URL for a short time, again when a kid is unknown, only from loopback addresses, through one
HTTP client per served app that keeps no cookies and is closed with the app."""

from __future__ import annotations

import ssl
import time
from typing import Any

import httpx
import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route
from starlette.testclient import TestClient

from lti_harness import mock_platform
from lti_harness.harness import keys, outbound, servers
from lti_harness.mock_platform import oauth

ADMIN = {"Authorization": "Bearer admin-secret"}
BASE = "http://127.0.0.1:8000"
TOKEN_URL = f"{BASE}/login/oauth2/token"
SCORE = "https://purl.imsglobal.org/spec/lti-ags/scope/score"
ASSERTION_TYPE = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"


def make(*faults: str) -> TestClient:
    config = mock_platform.PlatformConfig(admin_token="admin-secret", faults=set(faults))
    return TestClient(mock_platform.create_app(config), base_url=BASE)


def lti_key(c: httpx.Client, **fields: Any) -> str:
    body = {"name": "k", "scopes": [SCORE], "is_lti_key": True, **fields}
    r = c.post("/api/v1/accounts/1/developer_keys", json={"developer_key": body}, headers=ADMIN)
    assert r.status_code == 200, r.text
    return str(r.json()["id"])


def post(c: httpx.Client, assertion: str):
    return c.post("/login/oauth2/token", data={"grant_type": "client_credentials", "client_assertion_type": ASSERTION_TYPE,
                                               "client_assertion": assertion, "scope": SCORE})


@pytest.fixture
def pair() -> keys.KeyPair:
    return keys.generate()


def test_iss_must_be_the_client_id(pair):
    for faults, granted in (((), False), (("assertion-iss-not-checked",), True)):
        c = make(*faults)
        client_id = lti_key(c, public_jwk=pair.public_jwk)
        r = post(c, keys.client_assertion(pair, client_id, TOKEN_URL, iss=f"{client_id}0"))
        if granted:
            assert r.status_code == 200, r.text
        else:
            assert r.status_code == 400 and r.json() == {"error": "invalid_request", "error_description": "the 'iss' must be the client_id"}


def test_a_jti_is_used_once(pair):
    c = make()
    client_id = lti_key(c, public_jwk=pair.public_jwk)
    assertion = keys.client_assertion(pair, client_id, TOKEN_URL)
    assert post(c, assertion).status_code == 200
    again = post(c, assertion)
    assert again.status_code == 400 and again.json()["error_description"] == "the 'jti' has already been used"
    assert post(c, keys.client_assertion(pair, client_id, TOKEN_URL)).status_code == 200  # a fresh jti is fine


def test_a_forged_assertion_does_not_use_up_a_jti(pair):
    c = make()
    client_id = lti_key(c, public_jwk=pair.public_jwk)
    assertion = keys.client_assertion(pair, client_id, TOKEN_URL, jti="chosen-jti")
    forged = keys.client_assertion(keys.generate(kid=pair.kid), client_id, TOKEN_URL, jti="chosen-jti")
    assert post(c, forged).status_code == 400
    assert post(c, assertion).status_code == 200


def test_replay_accepted_under_the_canvas_fault(pair):
    c = make("assertion-jti-replay-accepted")
    client_id = lti_key(c, public_jwk=pair.public_jwk)
    assertion = keys.client_assertion(pair, client_id, TOKEN_URL)
    assert [post(c, assertion).status_code for _ in range(2)] == [200, 200]


def test_remembered_jtis_are_bounded(pair, monkeypatch):
    monkeypatch.setattr(oauth, "MAX_REMEMBERED_JTIS", 3)
    c = make()
    client_id = lti_key(c, public_jwk=pair.public_jwk)
    for _ in range(6):
        assert post(c, keys.client_assertion(pair, client_id, TOKEN_URL)).status_code == 200
    assert 0 < len(oauth._jti_log(c.app.state.platform.store).until) <= 3


@pytest.mark.parametrize("faults, lifetime, granted", [
    ((), 3000, True),
    ((), 365 * 24 * 3600, False),
    (("assertion-long-exp-accepted",), 365 * 24 * 3600, True),
])
def test_exp_at_most_an_hour_ahead(pair, faults, lifetime, granted):
    c = make(*faults)
    client_id = lti_key(c, public_jwk=pair.public_jwk)
    r = post(c, keys.client_assertion(pair, client_id, TOKEN_URL, lifetime=lifetime))
    assert (r.status_code == 200) == granted, r.text
    if not granted:
        assert r.status_code == 400 and "'exp' must not be more than 3600 seconds in the future" in r.json()["error_description"]


def jwks_server(holder: dict[str, Any]) -> Starlette:
    """A tool's JWKS URL that counts how often it is fetched; ``holder['keys']`` may change between fetches."""

    async def jwks(request: Request) -> JSONResponse:
        holder["fetches"] += 1
        return JSONResponse(keys.jwks(*holder["keys"]))

    return Starlette(routes=[Route("/jwks", jwks)])


def test_jwks_is_cached_and_refetched_for_an_unknown_kid(serve, monkeypatch):
    first, second = keys.generate(), keys.generate()
    holder: dict[str, Any] = {"fetches": 0, "keys": [first]}
    url = serve(jwks_server(holder)) + "/jwks"
    c = make()
    client_id = lti_key(c, public_jwk_url=url)
    for _ in range(3):
        assert post(c, keys.client_assertion(first, client_id, TOKEN_URL)).status_code == 200
    assert holder["fetches"] == 1  # cached
    monkeypatch.setattr(oauth, "JWKS_REFETCH_GAP", 0.0)
    holder["keys"] = [first, second]  # the tool adds a key: its kid is unknown to the cached copy
    assert post(c, keys.client_assertion(second, client_id, TOKEN_URL)).status_code == 200
    assert holder["fetches"] == 2
    unknown = post(c, keys.client_assertion(keys.generate(), client_id, TOKEN_URL))
    assert unknown.status_code == 400 and "kid" in unknown.json()["error_description"]
    assert holder["fetches"] == 3  # one refetch for the unknown kid, then refused
    monkeypatch.setattr(oauth, "JWKS_REFETCH_GAP", 60.0)
    for _ in range(3):
        post(c, keys.client_assertion(keys.generate(), client_id, TOKEN_URL))
    assert holder["fetches"] == 3  # unknown kids do not refetch more than once per gap


def test_jwks_cache_expires(serve, monkeypatch):
    pair = keys.generate()
    holder: dict[str, Any] = {"fetches": 0, "keys": [pair]}
    url = serve(jwks_server(holder)) + "/jwks"
    c = make()
    client_id = lti_key(c, public_jwk_url=url)
    assert post(c, keys.client_assertion(pair, client_id, TOKEN_URL)).status_code == 200
    oauth._jwks_cache[url].expires_at = time.monotonic() - 1
    assert post(c, keys.client_assertion(pair, client_id, TOKEN_URL)).status_code == 200
    assert holder["fetches"] == 2


@pytest.mark.parametrize("url", ["http://10.0.0.1/jwks", "http://[::ffff:8.8.8.8]/jwks", "http://192.0.2.1:80/jwks"])
def test_jwks_only_from_loopback(pair, url):
    """Refused before any connection (an address that is not loopback); names are resolved and every
    address checked by the fetch (harness.outbound)."""
    c = make()
    client_id = lti_key(c, public_jwk_url=url)
    r = post(c, keys.client_assertion(pair, client_id, TOKEN_URL))
    assert r.status_code == 400 and "loopback" in r.json()["error_description"]


def test_non_loopback_literals_are_refused_first():
    assert oauth._refused_literal("http://10.0.0.1/x") and oauth._refused_literal("http://[::ffff:8.8.8.8]/x")
    assert not oauth._refused_literal("http://127.0.0.1:9/x") and not oauth._refused_literal("http://[::1]/x")
    assert not oauth._refused_literal("http://127.attacker.example/x")  # a name: the fetch resolves it and checks every address


def counting_clients(monkeypatch) -> list[httpx.AsyncClient]:
    """Every outbound HTTP client made from now on."""
    made: list[httpx.AsyncClient] = []
    real = outbound.new_client
    monkeypatch.setattr(outbound, "new_client", lambda: made.append(real()) or made[-1])
    return made


def test_a_served_platform_fetches_every_jwks_through_one_client(serve, monkeypatch):
    """Fetches reuse one client and its connection; a cookie the JWKS URL sets is never sent back, and
    plain HTTP builds no TLS context."""
    pair = keys.generate()
    seen: list[tuple[str | None, int | None]] = []

    async def jwks(request: Request) -> JSONResponse:
        seen.append((request.headers.get("cookie"), request.client.port if request.client else None))
        return JSONResponse(keys.jwks(pair), headers={"Set-Cookie": "tracker=1; Path=/"})

    url = serve(Starlette(routes=[Route("/jwks", jwks)])) + "/jwks"
    base = serve(mock_platform.create_app(mock_platform.PlatformConfig(admin_token="admin-secret")))
    with httpx.Client(base_url=base, timeout=10) as c:
        made = counting_clients(monkeypatch)
        tls: list[object] = []
        real_tls = ssl.create_default_context
        monkeypatch.setattr(ssl, "create_default_context", lambda *a, **k: tls.append(1) or real_tls(*a, **k))
        client_id = lti_key(c, public_jwk_url=url)
        for _ in range(3):
            r = post(c, keys.client_assertion(pair, client_id, f"{base}/login/oauth2/token"))
            assert r.status_code == 200, r.text
            oauth._jwks_cache[url].expires_at = time.monotonic() - 1
    assert len(seen) == 3 and len(made) == 1 and tls == []
    assert all(cookie is None for cookie, _ in seen)
    assert len({port for _, port in seen}) == 1  # one kept-alive connection


def test_an_apps_client_is_closed_when_its_server_stops(serve, monkeypatch):
    async def jwks(request: Request) -> JSONResponse:
        return JSONResponse({"keys": []})

    async def fetch(request: Request) -> JSONResponse:
        fetched = await request.app.state.outbound.fetch(request.query_params["url"])
        return JSONResponse({"status": fetched.status})

    target = serve(Starlette(routes=[Route("/jwks", jwks)])) + "/jwks"
    app = Starlette(routes=[Route("/fetch", fetch)], lifespan=outbound.closing)
    app.state.outbound = outbound.Fetcher()
    made = counting_clients(monkeypatch)
    server = servers.start(app)
    try:
        for _ in range(3):
            assert httpx.get(f"{server.url}/fetch", params={"url": target}, timeout=10).json() == {"status": 200}
        assert len(made) == 1 and not made[0].is_closed
    finally:
        server.stop()
    assert made[0].is_closed


def test_a_fetch_goes_to_the_checked_address_and_an_https_connection_is_not_reused():
    """The shared client pools connections by address: an https one carries the name as SNI and is closed
    after its answer, so a fetch for another name at the same address never rides on it."""
    headers: dict[str, str] = {}
    target, extensions = outbound.addressed("https://tool.example:8443/jwks", "tool.example", "127.0.0.1", headers)
    assert str(target) == "https://127.0.0.1:8443/jwks" and extensions == {"sni_hostname": "tool.example"}
    assert headers == {"Host": "tool.example:8443", "Connection": "close"}
    headers = {}
    target, extensions = outbound.addressed("http://tool.example:8080/jwks", "tool.example", "127.0.0.1", headers)
    assert str(target) == "http://127.0.0.1:8080/jwks" and extensions == {} and headers == {"Host": "tool.example:8080"}
    assert outbound.addressed("http://tool.example/jwks", "tool.example", None, headers) == (httpx.URL("http://tool.example/jwks"), {})
