"""The recording client: plain-language errors for broken targets, bounded waits, redaction."""

from __future__ import annotations

import asyncio
import socket

import pytest
from starlette.applications import Starlette
from starlette.responses import JSONResponse, PlainTextResponse, Response, StreamingResponse
from starlette.routing import Route

from harness import redact
from harness.client import Client, TargetBadResponse, TargetTimeout, TargetUnreachable, json_body

JWT = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjMifQ.c2lnbmF0dXJlLXNpZ25hdHVyZQ"


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


async def slow(request):
    await asyncio.sleep(3)
    return JSONResponse({})


async def html(request):
    return PlainTextResponse("<html>Service Unavailable</html>", media_type="text/html")


async def huge(request):
    async def body():
        for _ in range(64):
            yield b"x" * 65536
    return StreamingResponse(body(), media_type="application/json")


async def echo(request):
    return JSONResponse({"access_token": JWT, "keys": [{"kty": "RSA", "n": "abc", "e": "AQAB", "d": "private"}], "note": f"Bearer {JWT}"})


APP = Starlette(routes=[Route("/slow", slow), Route("/html", html), Route("/huge", huge), Route("/echo", echo, methods=["GET", "POST"])])


@pytest.fixture
def url(serve):
    return serve(APP)


def test_connection_refused_is_explained_and_not_retried():
    port = closed_port()
    with Client(timeout=2) as client:
        with pytest.raises(TargetUnreachable, match=f"connection refused at GET http://127.0.0.1:{port}/x"):
            client.get(f"http://127.0.0.1:{port}/x")
        with pytest.raises(TargetUnreachable, match="not retried"):
            client.get(f"http://127.0.0.1:{port}/y")


def test_slow_target_times_out(url):
    with Client(timeout=0.5) as client:
        with pytest.raises(TargetTimeout, match="timed out after 0.5 s"):
            client.get(f"{url}/slow")


def test_non_json_answer_is_explained(url):
    with Client(timeout=2) as client:
        response = client.get(f"{url}/html")
        with pytest.raises(TargetBadResponse, match=r"non-JSON \(200, text/html"):
            json_body(response)


def test_huge_body_is_cut_off(url):
    with Client(timeout=5, max_body_bytes=256 * 1024) as client:
        with pytest.raises(TargetBadResponse, match="body over 256 KiB"):
            client.get(f"{url}/huge")


def test_exchanges_are_recorded_redacted(url):
    seen = []
    with Client(timeout=2, recorder=seen.append) as client:
        client.post(
            f"{url}/echo?registration_token={JWT}",
            data={"client_assertion": JWT, "grant_type": "client_credentials"},
            headers={"Authorization": "Bearer super-secret-admin-token"},
        )
    (ex,) = seen
    text = ex.describe() + ex.curl() + repr(ex.to_dict())
    assert JWT not in text and "super-secret-admin-token" not in text and '"private"' not in text
    assert "grant_type=client_credentials" in ex.request_body
    assert ex.status == 200 and ex.request_headers["authorization"] == "Bearer [REDACTED]"
    assert ex.curl().startswith("curl -i -X POST")


def test_registered_secrets_are_redacted_in_text():
    redact.register_secret("plain-admin-token-xyz")
    assert "plain-admin-token-xyz" not in redact.text("token plain-admin-token-xyz here")
    assert redact.data({"kty": "RSA", "d": "secret", "n": "public"}) == {"kty": "RSA", "d": "[REDACTED]", "n": "public"}
    pem = "-----BEGIN PRIVATE KEY-----\nMIIE\n-----END PRIVATE KEY-----"
    assert "MIIE" not in redact.text(pem)


@pytest.mark.parametrize("name,value,kept", [
    ("Authorization", "Bearer abc.def-secret", "Bearer [REDACTED]"),
    ("Authorization", "abc.def-secret", "[REDACTED]"),
    ("Cookie", "session=abc.def-secret; lti1p3-state-1=s3cret-state", "session=[REDACTED]; lti1p3-state-1=[REDACTED]"),
    ("Set-Cookie", "session=.eJy-secret.awRF.VLNU; Expires=Mon, 23 Nov 2026 13:56:11 GMT; HttpOnly; Path=/, other=s3cret-too; Path=/",
     "session=[REDACTED]; other=[REDACTED]"),
    ("X-Api-Key", "tf_platform_s3cret", "[REDACTED]"),
])
def test_credential_headers_keep_only_scheme_or_cookie_names(name, value, kept):
    assert redact.headers({name: value}) == {name: kept}
