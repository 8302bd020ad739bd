"""The harness's half of a launch against the ways tools answer the login initiation: a redirect, an
auto-submitting form, a script that sets the location, a login that only takes POST; and a launch
answered by a redirect within the tool."""

from __future__ import annotations

import json
from html import escape
from urllib.parse import urlencode

import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse, PlainTextResponse, RedirectResponse, Response
from starlette.routing import Route

from harness import keys
from harness.client import Client
from harness.launch import PlatformIdentity, launch

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


def test_a_login_that_never_reaches_the_platform_is_explained(serve):
    base = serve(tool("page", []))
    ident = PlatformIdentity(key=keys.generate(), issuer=ISSUER, jwks_url="")
    with Client(timeout=5) as client:
        result = launch(client, ident, f"{base}/login", f"{base}/launch", "client-1", "dep-1")
    assert result.response is None
    why = result.login_refusal()
    assert "answered 200" in why and f"{ISSUER}/authorize" in why and "enable cookies" in why
