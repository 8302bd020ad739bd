"""Hostile input to the mocks: input limits answered 4xx before any work (JSON depth, form depth and
field count, body size, compressed bodies, id syntax, timestamps), ``Allow`` on 405, the admin token
only in the header for writes, the POX parser's DTD refusal in any encoding, and the mock tool's DR
initiation: the operator's consent, the registration token kept to the configuration's origin, and
fetches that check resolved addresses, follow no redirect and cap decompressed bytes."""

from __future__ import annotations

import asyncio
import time
import tracemalloc
from urllib.parse import quote

import pytest
from hostile import Hostile
from starlette.testclient import TestClient
from test_mock_ags import ADMIN, World

from lti_harness import mock_platform
from lti_harness import mock_tool
from lti_harness.harness import outbound, pox

TS_MESSAGE = "Provided timestamp of {} not a valid timestamp"
JSON = {"Content-Type": "application/json"}
FORM = {"Content-Type": "application/x-www-form-urlencoded"}


@pytest.fixture(scope="module")
def w() -> World:
    return World()


def platform() -> TestClient:
    return TestClient(mock_platform.create_app(mock_platform.PlatformConfig(admin_token="t")))


def tool(**config) -> TestClient:
    return TestClient(mock_tool.create_app(mock_tool.ToolConfig(api_key="tf_platform_test", **config)))


# --- input limits -----------------------------------------------------------------------------


@pytest.mark.parametrize("path", ["/api/lti/registrations", "/api/v1/accounts/1/courses", "/login/oauth2/token"])
def test_deep_json_is_a_400_before_any_work(path):
    c = platform()
    for depth in (100_000, 33):
        r = c.post(path, content=b"[" * depth + b"]" * depth, headers={**ADMIN, **JSON})
        assert r.status_code == 400 and "nests deeper than 32" in r.json()["errors"][0]["message"], (depth, r.text[:200])
    shallow = c.post("/api/v1/accounts/1/courses", json={"course": {"name": "n"}}, headers=ADMIN)
    assert shallow.status_code == 200


def test_deep_and_wide_forms_are_400():
    c = platform()
    deep = c.post("/api/v1/accounts/1/courses", content=("course" + "[a]" * 5000 + "=1").encode(), headers={**ADMIN, **FORM})
    assert deep.status_code == 400 and "brackets" in deep.json()["errors"][0]["message"]
    started = time.monotonic()
    wide = c.post("/api/v1/accounts/1/courses", content=b"&".join(b"f%d=1" % i for i in range(100_000)), headers={**ADMIN, **FORM})
    assert wide.status_code == 400 and "at most 1000" in wide.json()["errors"][0]["message"]
    assert time.monotonic() - started < 30  # a hang guard, not a timing claim
    token = c.post("/login/oauth2/token", content=b"&".join(b"f%d=1" % i for i in range(1500)), headers=FORM)
    assert token.status_code == 400
    ok = c.post("/api/v1/accounts/1/courses", content=b"course[name]=n", headers={**ADMIN, **FORM})
    assert ok.status_code == 200 and ok.json()["name"] == "n"


def test_lone_surrogates_are_a_400_in_both_mocks():
    bad = b'{"course": {"name": "\\ud800"}}'
    r = platform().post("/api/v1/accounts/1/courses", content=bad, headers={**ADMIN, **JSON})
    assert r.status_code == 400 and "surrogate" in r.json()["errors"][0]["message"]
    t = tool().post("/v1/platform/lti/registrations", content=b'{"name": "\\udfff"}', headers={"Authorization": "Bearer tf_platform_test", **JSON})
    assert t.status_code == 400 and "surrogate" in t.json()["error"]["message"]


def test_body_size_encoding_and_length_limits():
    c = platform()
    big = c.post("/api/v1/accounts/1/courses", content=b" " * (1024 * 1024 + 1), headers={**ADMIN, **JSON})
    assert big.status_code == 413 and "larger than" in big.json()["errors"][0]["message"]
    packed = c.post("/api/v1/accounts/1/courses", content=b"{}", headers={**ADMIN, **JSON, "Content-Encoding": "gzip"})
    assert packed.status_code == 415
    t = tool()
    assert t.post("/v1/platform/lti/registrations", content=b" " * (256 * 1024 + 1), headers=JSON).status_code == 413
    deep = t.post("/v1/platform/lti/registrations", content=b"[" * 5000 + b"]" * 5000, headers={"Authorization": "Bearer tf_platform_test", **JSON})
    assert deep.status_code == 400 and deep.json()["error"]["code"] == "platform_invalid_request"


@pytest.mark.parametrize("raw", ["\u00b2", "\u0661", "1\u00b2", "9" * 40, "-1", " 1"])
def test_ids_take_ascii_digits_only(w, raw):
    quoted = quote(raw)
    for path, headers in ((f"/api/lti/registrations/{quoted}/configuration", {}), (f"/api/v1/courses/{quoted}", ADMIN),
                          (f"/api/v1/accounts/1/lti_registrations/{quoted}", ADMIN),
                          (f"/api/lti/courses/{quoted}/line_items", w.auth),
                          (f"/api/v1/courses/{quoted}/assignments/1/submissions/1", ADMIN)):
        r = w.c.get(path, headers=headers)
        assert r.status_code in (401, 404), (path, r.status_code, r.text[:200])
    r = w.c.post(f"/api/v1/courses/{w.course}/enrollments", headers=ADMIN, json={"enrollment": {"user_id": raw}})
    assert r.status_code == 400
    r = w.c.get("/_mock/lti11/sourcedid", headers=ADMIN, params={"tool_id": "1", "course_id": raw, "assignment_id": "1", "user_id": "1"})
    assert r.status_code == 400
    paged = w.c.get(f"/api/v1/accounts/1/lti_registrations/1/history", headers=ADMIN, params={"page": raw})
    assert paged.status_code in (400, 404)


@pytest.mark.parametrize("stamp", ["9999-12-31T23:59:59-23:59", "0001-01-01T00:00:00+23:59", "1969-12-31T23:59:59Z", "3000-01-01T00:00:00Z"])
def test_out_of_range_timestamps_are_refused_and_harm_nothing(w, stamp):
    item = w.item()
    body = {"userId": w.student["lti_user_id"], "activityProgress": "Completed", "gradingProgress": "FullyGraded", "scoreGiven": 1, "scoreMaximum": 10}
    refused = w.c.post(f"{item}/scores", headers=w.auth, json={**body, "timestamp": stamp})
    assert refused.status_code == 400 and refused.json()["errors"]["message"] == TS_MESSAGE.format(stamp)
    late = w.c.post(f"{item}/scores", headers=w.auth, json={**body, "submission": {"submittedAt": stamp}, "timestamp": "2024-01-01T00:00:00Z"})
    assert late.status_code == 400 and "not a valid timestamp" in late.json()["errors"]["message"]
    ok = w.c.post(f"{item}/scores", headers=w.auth, json={**body, "timestamp": "2024-01-01T00:00:00Z"})
    assert ok.status_code == 200, ok.text
    assert w.c.get(f"{item}/results", headers=w.auth).status_code == 200
    edge = w.c.post(w.items, headers=w.auth, json={"label": "L", "scoreMaximum": 1, "endDateTime": stamp})
    assert edge.status_code == 422


# --- 405, admin token, content types ------------------------------------------------------------


def test_405_names_every_allowed_method():
    r = platform().delete("/api/lti/registrations")
    assert r.status_code == 405 and r.headers["allow"] == "POST"
    r = platform().post("/api/lti/registrations/1/configuration")
    assert r.status_code == 405 and set(r.headers["allow"].split(", ")) == {"GET", "HEAD", "PUT"}
    t = tool().patch("/v1/platform/lti/registrations")
    assert t.status_code == 405 and set(t.headers["allow"].split(", ")) == {"GET", "HEAD", "POST"}


def test_admin_token_in_the_url_does_not_write():
    c = platform()
    course = c.post("/api/v1/accounts/1/courses", json={"course": {"name": "kept"}}, headers=ADMIN).json()["id"]
    for method in ("PUT", "DELETE"):
        r = c.request(method, f"/api/v1/courses/{course}?access_token=t&event=delete", content=b"course[name]=x", headers=FORM)
        assert r.status_code == 401, (method, r.status_code)
    assert c.get(f"/api/v1/courses/{course}?access_token=t").json()["name"] == "kept"  # reading with it still works
    plain = c.post("/api/v1/accounts/1/courses", content=b'{"course": {"name": "x"}}', headers={**ADMIN, "Content-Type": "text/plain"})
    assert plain.status_code == 415


def test_pox_refuses_dtds_in_any_encoding():
    for encoding in ("utf-8", "utf-16", "utf-16-le"):
        doc = (f'<?xml version="1.0" encoding="{encoding.upper()}"?><!DOCTYPE r [<!ENTITY a "x">]>'
               "<imsx_POXEnvelopeRequest>&a;</imsx_POXEnvelopeRequest>").encode(encoding)
        with pytest.raises(pox.PoxError, match="DTDs|cannot be read"):
            pox.parse(doc, "imsx_POXEnvelopeRequest")
    assert pox.parse_request(pox.request_xml("readResultRequest", "1-2-3-4-x")).operation == "readResultRequest"


# --- outbound fetches ----------------------------------------------------------------------------


def test_resolved_addresses_are_all_checked(monkeypatch):
    async def resolver(host, port, **kw):
        return [(2, 1, 6, "", ("127.0.0.1", port)), (2, 1, 6, "", ("10.0.0.7", port))]

    async def attempt(url):
        monkeypatch.setattr(asyncio.get_running_loop(), "getaddrinfo", resolver)
        return await outbound.fetch(url)

    with pytest.raises(outbound.AddressRefused, match="10.0.0.7"):
        asyncio.run(attempt("http://127.attacker.example/.well-known/openid-configuration"))
    assert outbound.address_allowed("::ffff:127.0.0.1", True) and not outbound.address_allowed("::ffff:10.0.0.1", True)
    for url in ("http://user:pw@127.0.0.1/", "ftp://127.0.0.1/", "http:///x"):
        with pytest.raises(outbound.AddressRefused):
            asyncio.run(outbound.fetch(url))


@pytest.mark.parametrize("mode", ["gzip_bomb", "huge_body", "dribble", "silent", "redirect_loop", "reset"])
def test_hostile_answers_end_fast_and_small(mode):
    server = Hostile(mode)
    url = server.start()
    try:
        tracemalloc.start()
        started = time.monotonic()
        try:
            got = asyncio.run(outbound.fetch(f"{url}/jwks", deadline=2.0))
        except outbound.FetchRefused as exc:
            got = exc
        elapsed = time.monotonic() - started
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
        server.stop()
    if mode == "redirect_loop":
        assert isinstance(got, outbound.Fetched) and 300 <= got.status < 400  # returned, never followed
    else:
        assert isinstance(got, outbound.FetchRefused), got
    assert elapsed < 10 and peak < 32 * 1024 * 1024, (elapsed, peak)


# --- the mock tool's DR initiation -----------------------------------------------------------------


def _tool_server(serve, **config):
    app = mock_tool.create_app(mock_tool.ToolConfig(api_key="tf_platform_test", **config))
    return app, serve(app)


def _platform_server(serve):
    app = mock_platform.create_app(mock_platform.PlatformConfig(admin_token="t"))
    return app, serve(app)


def _issued(base: str) -> dict:
    import httpx

    return httpx.get(f"{base}/api/lti/accounts/1/registration_token", headers=ADMIN).json()


def test_dr_initiation_needs_the_operators_consent(serve):
    import httpx

    app, tool_url = _tool_server(serve)
    platform_app, base = _platform_server(serve)
    initiation = f"{tool_url}/v1/platform/lti/dynamic-registration"
    issued = _issued(base)
    params = {"openid_configuration": issued["oidc_configuration_url"], "registration_token": issued["token"]}
    assert httpx.get(initiation, params=params).status_code == 403
    assert httpx.get(initiation, params=params, headers={"Authorization": "Bearer wrong"}).status_code == 401
    assert not platform_app.state.recorded, "nothing is fetched without consent"
    done = httpx.get(initiation, params=params, headers={"Authorization": "Bearer tf_platform_test"})
    assert done.status_code == 200 and "org.imsglobal.lti.close" in done.text
    _, allowed_url = _tool_server(serve, dr_allowed=(base,))
    again = _issued(base)
    by_prefix = httpx.get(f"{allowed_url}/v1/platform/lti/dynamic-registration",
                          params={"openid_configuration": again["oidc_configuration_url"], "registration_token": again["token"]})
    assert by_prefix.status_code == 200, by_prefix.text


def test_prefix_rule():
    from lti_harness.mock_tool.dynreg import under_prefix

    assert under_prefix("http://127.0.0.1:8000/api/x", "http://127.0.0.1")
    assert under_prefix("http://127.0.0.1:8000/api/x", "http://127.0.0.1:8000/api/")
    assert not under_prefix("http://127.0.0.1:8001/api/x", "http://127.0.0.1:8000")
    assert not under_prefix("http://127.0.0.1:8000@evil.example/api", "http://127.0.0.1:8000")
    assert not under_prefix("http://127.0.0.1.evil.example/", "http://127.0.0.1")
    assert not under_prefix("https://127.0.0.1/", "http://127.0.0.1")


def test_registration_token_goes_only_to_the_configurations_origin(serve):
    import httpx
    from starlette.applications import Starlette
    from starlette.responses import JSONResponse
    from starlette.routing import Route

    seen: list[str | None] = []
    other = Starlette(routes=[Route("/register", lambda r: seen.append(r.headers.get("authorization")) or JSONResponse({}), methods=["POST"])])
    other_url = serve(other)
    config = Starlette(routes=[Route("/oidc", lambda r: JSONResponse({"issuer": "x", "registration_endpoint": f"{other_url}/register"}))])
    config_url = serve(config)
    _, tool_url = _tool_server(serve, dr_allowed=("http://127.0.0.1",))
    r = httpx.get(f"{tool_url}/v1/platform/lti/dynamic-registration", params={"openid_configuration": f"{config_url}/oidc", "registration_token": "secret-token"})
    assert r.status_code == 400 and "another origin" in r.text
    assert seen == [], "the registration token never reaches another origin"


@pytest.mark.parametrize("mode", ["gzip_bomb", "silent", "redirect_loop"])
def test_dr_initiation_against_a_hostile_platform(serve, mode):
    import httpx

    server = Hostile(mode)
    url = server.start()
    try:
        _, tool_url = _tool_server(serve, dr_allowed=("http://127.0.0.1",))
        started = time.monotonic()
        r = httpx.get(f"{tool_url}/v1/platform/lti/dynamic-registration", params={"openid_configuration": f"{url}/oidc", "registration_token": "t"}, timeout=30)
        assert r.status_code == 502 and time.monotonic() - started < 20, (r.status_code, r.text[:300])
    finally:
        server.stop()


def test_dr_initiation_refuses_names_that_resolve_elsewhere(serve):
    import httpx

    _, tool_url = _tool_server(serve, dr_allowed=("http://127.attacker.invalid",))
    r = httpx.get(f"{tool_url}/v1/platform/lti/dynamic-registration",
                  params={"openid_configuration": "http://127.attacker.invalid/oidc", "registration_token": "t"}, timeout=30)
    assert r.status_code in (400, 502) and "127.attacker.invalid" in r.text



def test_serve_tool_takes_dr_prefixes():
    from lti_harness.harness import cli

    ns = cli.parser().parse_args(["serve", "tool", "--allow-dr-from", "http://127.0.0.1", "--allow-dr-from", "https://lms.example"])
    assert ns.allow_dr_from == ["http://127.0.0.1", "https://lms.example"]
    assert cli.parser().parse_args(["serve", "tool"]).allow_dr_from is None  # no consent unless given
