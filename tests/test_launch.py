"""The harness's half of a launch against the ways tools answer the login initiation: a redirect, an
auto-submitting form, a script that sets the location, a login that only takes POST; a launch
answered by a redirect within the tool; and a deep-linking request, whose answer is read for what it
sends to the return URL."""

from __future__ import annotations

import html
import json
from html import escape
from urllib.parse import urlencode

import httpx
import jwt
import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse, PlainTextResponse, RedirectResponse, Response
from starlette.routing import Route

from lti_harness.harness import keys
from lti_harness.harness.client import Client
from lti_harness.harness.launch import DL_SETTINGS, PlatformIdentity, deep_linking_return, deep_linking_settings, launch

ISSUER = "https://platform.example"
LTI = "https://purl.imsglobal.org/spec/lti/claim/"


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


@pytest.mark.parametrize("page, how, method", [
    ('<form id="f" action="{back}" method="post"><input type="hidden" name="JWT" value="a.b.c"></form><script>f.submit()</script>', "form", "POST"),
    ('<script>window.location = "{back}?JWT=a.b.c";</script>', "script", "GET"),
    (None, "redirect", "GET"),
])
def test_deep_linking_return_reads_a_form_a_script_or_a_redirect(page, how, method):
    back = f"{ISSUER}/deep_linking/return/r-1"
    request = httpx.Request("POST", "http://127.0.0.1:9/launch")
    if page is None:
        response = httpx.Response(302, headers={"location": f"{back}?JWT=a.b.c"}, request=request)
    else:
        response = httpx.Response(200, html=page.format(back=back), request=request)
    found = deep_linking_return(response, back)
    assert found is not None and (found.how, found.method, found.jwt) == (how, method, "a.b.c")


def test_deep_linking_return_is_none_for_a_page_that_sends_nothing_back():
    back = f"{ISSUER}/deep_linking/return/r-1"
    request = httpx.Request("POST", "http://127.0.0.1:9/launch")
    for page in ("<p>launched</p>", f'<p>your platform is at <a href="{back}">{back}</a></p>',
                 f'<form action="{ISSUER}/elsewhere" method="post"><input name="JWT" value="a.b.c"></form>'):
        assert deep_linking_return(httpx.Response(200, html=page, request=request), back) is None


def test_a_deep_linking_request_carries_its_settings_and_stops_at_the_return_url(serve):
    """The id_token is an LtiDeepLinkingRequest without resource_link; the tool's redirect to the return URL
    is read, never followed."""
    seen: list[dict[str, str]] = []

    async def login(request: Request) -> Response:
        p = dict(request.query_params)
        return RedirectResponse(f"{ISSUER}/authorize?" + urlencode({"state": "s-1", "nonce": "n-1", "redirect_uri": p["target_link_uri"]}), 302)

    async def launched(request: Request) -> Response:
        form = dict(await request.form())
        seen.append(form)
        back = keys.unverified_claims(form["id_token"])[DL_SETTINGS]["deep_link_return_url"]
        return RedirectResponse(f"{back}?JWT=x.y.z", status_code=303)

    base = serve(Starlette(routes=[Route("/login", login), Route("/launch", launched, methods=["POST"])]))
    ident = PlatformIdentity(key=keys.generate(), issuer=ISSUER, jwks_url="")
    settings = deep_linking_settings(ident)
    with Client(timeout=5) as client:
        result = launch(client, ident, f"{base}/login", f"{base}/launch", "c", "d", settings=settings)
    claims = keys.unverified_claims(seen[0]["id_token"])
    assert claims[LTI + "message_type"] == "LtiDeepLinkingRequest" and LTI + "resource_link" not in claims
    assert claims[DL_SETTINGS] == settings and settings["deep_link_return_url"].startswith(f"{ISSUER}/deep_linking/return/")
    assert result.answer is not None and result.answer.hops == [] and result.response is not None and result.response.status_code == 303
    found = deep_linking_return(result.response, settings["deep_link_return_url"])
    assert found is not None and found.how == "redirect" and found.jwt == "x.y.z"
