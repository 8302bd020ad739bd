"""The input-limits middleware at the ASGI level: a body in one message or several, the byte cap
(declared or streamed), a client that goes away, and the judge that sees the body once read."""

from __future__ import annotations

import asyncio
from typing import Any

from starlette.responses import PlainTextResponse, Response

from lti_harness.harness.inbound import BODY_KEY, InputLimits, Limits

LIMITS = Limits(max_body=100)


def _error(status: int, message: str) -> Response:
    return PlainTextResponse(message, status)


async def _echo(scope: dict[str, Any], receive: Any, send: Any) -> None:
    """An app answering 200 with the body it receives (through ``receive``, as Starlette reads it)."""
    body = b""
    while True:
        message = await receive()
        body += message.get("body", b"")
        if not message.get("more_body"):
            break
    assert scope[BODY_KEY] == body
    await PlainTextResponse(body.decode())(scope, receive, send)


def _call(chunks: list[bytes], headers: list[tuple[bytes, bytes]] | None = None, judge: Any = None,
          disconnect_after: int | None = None) -> tuple[int | None, bytes]:
    messages: list[dict[str, Any]] = [
        {"type": "http.request", "body": c, "more_body": i < len(chunks) - 1} for i, c in enumerate(chunks)]
    if disconnect_after is not None:
        messages = messages[:disconnect_after] + [{"type": "http.disconnect"}]
    sent: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        return messages.pop(0) if messages else {"type": "http.disconnect"}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    scope = {"type": "http", "method": "POST", "path": "/", "query_string": b"", "headers": headers or []}
    asyncio.run(InputLimits(_echo, LIMITS, _error, judge)(scope, receive, send))
    status = next((m["status"] for m in sent if m["type"] == "http.response.start"), None)
    return status, b"".join(m.get("body", b"") for m in sent if m["type"] == "http.response.body")


def test_a_body_in_one_message_or_in_several_reaches_the_app_whole():
    assert _call([b"hello"]) == (200, b"hello")
    assert _call([b"he", b"", b"llo"]) == (200, b"hello")


def test_a_body_over_the_cap_is_refused_whether_declared_or_streamed():
    assert _call([b"x" * 101])[0] == 413
    assert _call([b"x" * 60, b"x" * 60])[0] == 413
    assert _call([b"x"], headers=[(b"content-length", b"101")])[0] == 413
    assert _call([b"x" * 100]) == (200, b"x" * 100)


def test_a_client_gone_before_its_body_ends_gets_nothing():
    assert _call([b"a", b"b", b"c"], disconnect_after=1) == (None, b"")


def test_the_judge_sees_the_body_and_its_content_type_and_may_answer():
    seen: list[tuple[bytes, str]] = []

    def judge(scope: dict[str, Any], body: bytes, content_type: str) -> Response | None:
        seen.append((body, content_type))
        return PlainTextResponse("no", 422) if body == b"bad" else None

    ctype = [(b"content-type", b"application/json; charset=utf-8")]
    assert _call([b"go", b"od"], headers=ctype, judge=judge) == (200, b"good")
    assert _call([b"bad"], headers=ctype, judge=judge) == (422, b"no")
    assert seen == [(b"good", "application/json; charset=utf-8"), (b"bad", "application/json; charset=utf-8")]
