"""The recording client: plain-language errors for broken targets, bounded waits, redaction."""

from __future__ import annotations

import asyncio
import gzip
import secrets
import socket
import ssl
import time
import zlib

import pytest
from starlette.applications import Starlette
from starlette.responses import JSONResponse, PlainTextResponse, Response, StreamingResponse
from starlette.routing import Route

from lti_harness.harness import redact, results
from lti_harness.harness.client import (Client, RunDeadlinePassed, TargetBadResponse, TargetReset, TargetTimeout, TargetTooLarge,
                            TargetUnreachable, json_body)

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


# --- total deadline, decompressed-size cap, run deadline --------------------------------------------


@pytest.fixture
def hostile_url():
    from hostile import Hostile

    started = []

    def _start(mode: str) -> str:
        server = Hostile(mode)
        started.append(server)
        return server.start()

    yield _start
    for server in started:
        server.stop()


def test_a_dribbling_target_cannot_outlast_the_request_deadline(hostile_url):
    """One byte every half second never trips a timeout per read; the total deadline ends the request."""
    url = hostile_url("dribble")
    with Client(timeout=1.5) as client:
        started = time.monotonic()
        with pytest.raises(TargetTimeout, match=r"still sending its answer after 1.5 s .*it sent \d+ bytes"):
            client.get(f"{url}/x")
        assert time.monotonic() - started < 10  # a hang guard
        with pytest.raises(TargetTimeout):
            client.get(f"{url}/y")
        assert client.dead_reason(f"{url}/z") is not None  # it stopped answering: marked dead, not retried
        with pytest.raises(TargetTimeout, match="not retried"):
            client.get(f"{url}/z")


def test_a_gzip_bomb_is_refused_and_no_inflated_body_stays_alive(hostile_url):
    url = hostile_url("gzip_bomb")
    with Client(timeout=10) as client:
        with pytest.raises(TargetTooLarge, match="compression bomb") as caught:
            client.get(f"{url}/x")
    assert results.classify(caught.value) == results.ERROR  # the harness could not judge what it did not read
    held, tb = 0, caught.value.__traceback__
    while tb is not None:  # what the exception's traceback keeps alive
        for value in tb.tb_frame.f_locals.values():
            if isinstance(value, (bytes, bytearray)):
                held += len(value)
            elif isinstance(value, list):
                held += sum(len(v) for v in value if isinstance(v, (bytes, bytearray)))
        tb = tb.tb_next
    assert held < 256 * 1024, f"{held} bytes of body kept alive by the error"


async def gzipped(request):
    body = gzip.compress(b'{"ok": true, "pad": "' + secrets.token_hex(50_000).encode() + b'"}')
    return Response(body, media_type="application/json", headers={"Content-Encoding": "gzip"})


async def deflated(request):
    return Response(zlib.compress(b'{"ok": "deflate"}'), media_type="application/json", headers={"Content-Encoding": "deflate"})


def test_compressed_answers_within_the_cap_are_decoded(serve):
    url = serve(Starlette(routes=[Route("/gz", gzipped), Route("/deflate", deflated)]))
    with Client(timeout=5, max_body_bytes=200_000) as client:
        assert json_body(client.get(f"{url}/gz"))["ok"] is True
        assert json_body(client.get(f"{url}/deflate")) == {"ok": "deflate"}
    with Client(timeout=5, max_body_bytes=50_000) as client:
        with pytest.raises(TargetTooLarge, match=r"over 48 KiB \(decompressed\)"):
            client.get(f"{url}/gz")


def test_a_reset_connection_is_an_error_not_a_failure(hostile_url):
    url = hostile_url("reset")
    with Client(timeout=2) as client:
        with pytest.raises(TargetReset, match="reset the connection") as caught:
            client.get(f"{url}/x")
    assert results.classify(caught.value) == results.ERROR


def test_after_the_run_deadline_no_request_is_sent(url):
    seen = []
    with Client(timeout=2, recorder=seen.append) as client:
        client.run_deadline = time.monotonic() - 1
        with pytest.raises(RunDeadlinePassed, match="the run's deadline passed"):
            client.get(f"{url}/echo")
        assert seen == [] and client.dead_reason(f"{url}/echo") is None


def test_secrets_seen_in_traffic_are_redacted_when_echoed(url):
    """A token the target issues (a secret-named JSON field) and a credential the harness sends are
    learnt, so a later echo of either, in any text, is redacted — even cut short."""
    with Client(timeout=2) as client:
        client.post(f"{url}/echo", headers={"Authorization": "Bearer sent-credential-0123456789abcdef"})
    redact.learn_from({"registration_token": "issued-token-abcdefghijklmnop"})
    echoed = "got sent-credential-0123456789abcdef and issued-token-abcdefghij… (cut short)"
    cleaned = redact.text(echoed)
    assert "sent-credential" not in cleaned and "issued-token-abc" not in cleaned
    assert redact.text("grant_type=client_credentials&client_assertion=abc.def.ghi") == "grant_type=client_credentials&client_assertion=[REDACTED]"
    assert redact.text("{'token': 'zz-not-learnt-yet'}") == "{'token': '[REDACTED]'}"


def test_issued_jwts_are_not_remembered_one_by_one():
    """A JWT a target issues is redacted by its shape, whole or cut short; remembering each one would make
    every later redaction slower with every token a run is issued."""
    from lti_harness.harness import redact

    token = "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJhYmMiLCJleHAiOjF9.c2lnbmF0dXJlLXZhbHVlLWhlcmU"
    before = len(redact._EXTRA)
    redact.learn_from({"access_token": token, "refresh_token": "refresh-not-a-jwt-0001"})
    assert len(redact._EXTRA) == before + 1  # only the opaque refresh token
    echoed = f"401 Invalid credentials: Bearer-less echo {token} and {token[:40]}…"
    assert token[:20] not in redact.text(echoed)
    assert "refresh-not-a-jwt-0001" not in redact.text("echo refresh-not-a-jwt-0001")


def test_plain_http_never_builds_a_tls_context(url, monkeypatch):
    """Loading the CA bundle costs more than a plain-HTTP exchange: the client builds its TLS context on
    its first https connection, once."""
    built: list[object] = []
    real = ssl.create_default_context
    monkeypatch.setattr(ssl, "create_default_context", lambda *a, **k: built.append(1) or real(*a, **k))
    with Client(timeout=2) as client:
        for _ in range(3):
            assert json_body(client.get(f"{url}/echo"))["keys"]
        assert built == []
        for _ in range(2):
            with pytest.raises(TargetUnreachable):
                client.get(f"https://127.0.0.1:{closed_port()}/x")
    assert len(built) == 1
