"""The harness's half of a launch against the ways tools answer the login initiation: a redirect, an
auto-submitting form, a script that sets the location, a login that only takes POST; and a launch
answered by a redirect within the tool."""

from __future__ import annotations

import html
import json
from html import escape
from urllib.parse import urlencode

import jwt
import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse, PlainTextResponse, RedirectResponse, Response
from starlette.routing import Route

from lti_harness.harness import keys
from lti_harness.harness.client import Client
from lti_harness.harness.launch import PlatformIdentity, launch

ISSUER = "https://platform.example"


def tool(mode: str, seen: list[dict[str, str]]) -> Starlette:
    """A toy tool whose login answers in ``mode``; its launch records the form and redirects to /app."""

    async def login(request: Request) -> Response:
        if mode == "post-only" and request.method != "POST":
            return PlainTextResponse("use POST", status_code=405)
        params = dict(await request.form()) if request.method == "POST" else dict(request.query_params)
        auth = f"{ISSUER}/authorize?" + urlencode({"state": "s-1", "nonce": "n-1", "redirect_uri": f"{request.base_url}launch",
                                                   "client_id": params["client_id"], "login_hint": params["login_hint"]})
        if mode == "form":
            return HTMLResponse(f'<form id="f" action="{ISSUER}/authorize" method="post"><input type="hidden" name="state" value="s-1">'
                                f'<input type="hidden" name="nonce" value="n-1"><input type="hidden" name="redirect_uri" '
                                f'value="{request.base_url}launch"></form><script>f.submit()</script>')
        if mode == "script":
            return HTMLResponse(f"<script>window.location.href = {json.dumps(escape(auth))};</script>".replace("/", "\\/").replace("<\\/", "</"))
        if mode == "page":
            return HTMLResponse("<p>Please enable cookies</p>")
        return RedirectResponse(auth, status_code=302)

    async def launched(request: Request) -> Response:
        seen.append(dict(await request.form()))
        return RedirectResponse("/app", status_code=303)

    async def app(request: Request) -> Response:
        return HTMLResponse("<p>welcome</p>")

    return Starlette(routes=[Route("/login", login, methods=["GET", "POST"]), Route("/launch", launched, methods=["POST"]), Route("/app", app)])


@pytest.mark.parametrize("mode", ["redirect", "form", "script", "post-only"])
def test_launch_follows_each_kind_of_login_answer(serve, mode):
    seen: list[dict[str, str]] = []
    base = serve(tool(mode, seen))
    ident = PlatformIdentity(key=keys.generate(), issuer=ISSUER, jwks_url="")
    with Client(timeout=5) as client:
        result = launch(client, ident, f"{base}/login", f"{base}/launch", "client-1", "dep-1")
    assert result.response is not None and result.response.status_code == 200 and "welcome" in result.response.text
    assert [s["state"] for s in seen] == ["s-1"]
    claims = keys.unverified_claims(seen[0]["id_token"])
    assert claims["nonce"] == "n-1" and claims["aud"] == "client-1" and claims["iss"] == ISSUER


def test_launch_can_name_another_kid_and_post_another_state(serve):
    """The hooks of the refusal cases: a header kid of the caller's choice (the signature still by the
    platform's key), or none; a state other than the one the tool set."""
    seen: list[dict[str, str]] = []
    base = serve(tool("redirect", seen))
    ident = PlatformIdentity(key=keys.generate(), issuer=ISSUER, jwks_url="")
    with Client(timeout=5) as client:
        other = launch(client, ident, f"{base}/login", f"{base}/launch", "client-1", "dep-1", kid="not-in-the-jwks", state="s-other")
        none = launch(client, ident, f"{base}/login", f"{base}/launch", "client-1", "dep-1", kid=False)
    assert other.state == "s-other" and [s["state"] for s in seen] == ["s-other", "s-1"]
    assert jwt.get_unverified_header(seen[0]["id_token"])["kid"] == "not-in-the-jwks"
    assert jwt.decode(seen[0]["id_token"], ident.key.private_key.public_key(), algorithms=["RS256"], audience="client-1")["nonce"] == "n-1"
    assert "kid" not in jwt.get_unverified_header(seen[1]["id_token"]) and none.state == "s-1"


def test_a_login_that_never_reaches_the_platform_is_explained(serve):
    base = serve(tool("page", []))
    ident = PlatformIdentity(key=keys.generate(), issuer=ISSUER, jwks_url="")
    with Client(timeout=5) as client:
        result = launch(client, ident, f"{base}/login", f"{base}/launch", "client-1", "dep-1")
    assert result.response is None
    why = result.login_refusal()
    assert "answered 200" in why and f"{ISSUER}/authorize" in why and "enable cookies" in why


def slash_tool(seen: list[str]) -> Starlette:
    """A toy tool whose routes live only at trailing-slash URLs, redirecting the others (APPEND_SLASH)."""

    async def login(request: Request) -> Response:
        p = dict(request.query_params)
        seen.append(f"{request.method} {request.url.path}")
        return RedirectResponse(f"{ISSUER}/authorize?" + urlencode({"state": "s-1", "nonce": "n-1", "redirect_uri": p["target_link_uri"]}), 302)

    async def launched(request: Request) -> Response:
        seen.append(f"{request.method} {request.url.path}")
        return HTMLResponse("<p>launched</p>")

    async def add_slash(request: Request) -> Response:
        seen.append(f"{request.method} {request.url.path}")
        query = f"?{request.url.query}" if request.url.query else ""
        return RedirectResponse(f"{request.url.path}/{query}", status_code=301)

    return Starlette(routes=[Route("/login/", login), Route("/launch/", launched, methods=["POST"]),
                             Route("/login", add_slash), Route("/launch", add_slash, methods=["POST"])])


def test_get_redirects_are_followed_but_a_redirected_post_is_named(serve):
    seen: list[str] = []
    base = serve(slash_tool(seen))
    ident = PlatformIdentity(key=keys.generate(), issuer=ISSUER, jwks_url="")
    recorded: list[str] = []
    with Client(timeout=5, recorder=lambda e: recorded.append(f"{e.method} {e.status}")) as client:
        ok = launch(client, ident, f"{base}/login", f"{base}/launch/", "c", "d")
        assert ok.accepted and len(ok.login_hops) == 1 and ok.login_hops[0].startswith("GET /login answered 301 to /login/?iss=")
        lost = launch(client, ident, f"{base}/login/", f"{base}/launch", "c", "d")
    assert not lost.accepted and lost.answer is not None
    assert lost.outcome().startswith("the tool answered POST /launch answered 301 to /launch/ — a tool that redirects POSTs loses the id_token")
    assert "trailing slash" in lost.outcome()
    assert "GET /launch/" not in seen  # the POST was not silently turned into a GET
    assert recorded == ["GET 301", "GET 302", "POST 200", "GET 302", "POST 301"]  # every hop is recorded


def test_redirect_following_is_bounded(serve):
    async def loop(request: Request) -> Response:
        return RedirectResponse("/loop", status_code=302)

    base = serve(Starlette(routes=[Route("/loop", loop)]))
    ident = PlatformIdentity(key=keys.generate(), issuer=ISSUER, jwks_url="")
    with Client(timeout=5) as client:
        result = launch(client, ident, f"{base}/loop", f"{base}/launch", "c", "d")
    assert result.answer is None and len(result.login_hops) == 5 and "redirected to" in result.login_refusal()


def test_profile_keeps_endpoint_urls_exactly(tmp_path):
    from lti_harness.harness import profile

    pair = keys.generate()
    (tmp_path / "k.pem").write_bytes(pair.private_pem)
    got = profile.parse({"tool": {"base_url": "http://127.0.0.1:9/", "dynamic_registration_url": "http://127.0.0.1:9/register/?x=1",
                                  "launch": {"login_url": "http://127.0.0.1:9/login/", "launch_url": "http://127.0.0.1:9/launch/",
                                             "issuer": "https://p.example/", "client_id": "c", "deployment_id": "d", "private_key": "k.pem"}}},
                        base_dir=tmp_path).tool
    assert got is not None and got.launch is not None
    assert got.base_url == "http://127.0.0.1:9"  # a prefix for routes
    assert got.dynamic_registration_url == "http://127.0.0.1:9/register/?x=1"
    assert (got.launch.login_url, got.launch.launch_url) == ("http://127.0.0.1:9/login/", "http://127.0.0.1:9/launch/")
    assert got.launch.issuer == "https://p.example/" and got.launch.authorization_endpoint == "https://p.example/authorize"


def dr_tool(page: str) -> Starlette:
    """A toy tool whose DR initiation answers ``page`` (a form) to GET and a close page to the form's POST."""

    async def initiate(request: Request) -> Response:
        if request.method == "POST":
            form = dict(await request.form())
            return HTMLResponse(f"<p>registered {escape(json.dumps(form))}</p><script>parent.postMessage({{subject:'org.imsglobal.lti.close'}},'*')</script>")
        return HTMLResponse(page.format(oidc=escape(request.query_params["openid_configuration"])))

    return Starlette(routes=[Route("/register/", initiate, methods=["GET", "POST"])])


CONFIRM = '<form method="post"><input type="hidden" name="oidc" value="{oidc}"><button type="submit" name="go" value="1">Register</button></form>'
LOGIN = '<form method="post" action="/register/"><input name="user"><input type="password" name="pw"><button>Sign in</button></form>'


def test_dr_confirm_page_is_submitted_once_with_its_hidden_fields(serve):
    from lti_harness.harness import tool_dr

    base = serve(dr_tool(CONFIRM))
    with Client(timeout=5) as client:
        done = tool_dr.initiate(client, f"{base}/register/", "http://127.0.0.1:1/oidc?x=1", "tok")
    assert not done.blocked and done.closes()
    assert '"oidc": "http://127.0.0.1:1/oidc?x=1"' in html.unescape(done.page.text) and '"go": "1"' in html.unescape(done.page.text)
    assert done.steps == ["submitted its confirm form (POST /register/?openid_configuration=http%3A%2F%2F127.0.0.1%3A1%2Foidc%3Fx%3D1&registration_token=tok)"]


def test_dr_login_page_is_not_submitted(serve):
    from lti_harness.harness import tool_dr

    base = serve(dr_tool(LOGIN))
    with Client(timeout=5) as client:
        done = tool_dr.initiate(client, f"{base}/register/", "http://127.0.0.1:1/oidc", "tok")
    assert "login" in done.blocked and not done.closes() and done.steps == []
