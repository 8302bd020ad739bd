"""A hostile target for the harness's own tests: a raw HTTP/1.1 server on loopback that misbehaves in
one chosen way for every request.

Modes:

- ``dribble``: answers a status line and then headers one byte every ``DRIBBLE_S`` seconds, forever
  (a timeout per read never trips);
- ``gzip_bomb``: a JSON answer with ``Content-Encoding: gzip`` whose few MB of gzip inflate to GBs (made
  on the fly from one repeated deflate block; nothing large is ever held);
- ``huge_body``: a JSON answer of ``HUGE_BYTES`` bytes, streamed;
- ``redirect_loop``: every request is redirected (302) to another path of the same server, without end;
- ``reset``: reads the request, then resets the connection (RST);
- ``echo``: ``401 Invalid credentials: Bearer <the Authorization it got>``, echoing the query string and
  the body; except that it issues a registration token (``GET …/registration_token``) like Canvas, and
  its body names the token it issued last, so every answer carries the profile's secrets back;
- ``silent``: accepts the connection, reads the request and never answers;
- ``slow``: answers as ``echo`` does, each answer ``SLOW_S`` seconds late (within a request's timeout:
  the target stays usable, and a run against it is long).
"""

from __future__ import annotations

import asyncio
import json
import secrets
import socket
import struct
import threading
import zlib
from dataclasses import dataclass, field
from typing import Any

MODES = ("dribble", "gzip_bomb", "huge_body", "redirect_loop", "reset", "echo", "silent", "slow")
DRIBBLE_S = 0.5
SLOW_S = 1.0
HUGE_BYTES = 200 * 1024 * 1024
BOMB_COMPRESSED_BYTES = 4 * 1024 * 1024  # inflates to about 4 GB
MAX_REQUEST_BYTES = 1024 * 1024


def _bomb_blocks() -> tuple[bytes, bytes]:
    """(gzip header with the first block, one more block): each block inflates to 1 MiB of zeros, and
    after a full flush every block is the same bytes, so the stream can go on as long as it is sent."""
    zeros = bytes(1024 * 1024)
    deflater = zlib.compressobj(9, zlib.DEFLATED, 31)
    first = deflater.compress(zeros) + deflater.flush(zlib.Z_FULL_FLUSH)
    block = deflater.compress(zeros) + deflater.flush(zlib.Z_FULL_FLUSH)
    return first, block


@dataclass
class Hostile:
    """One hostile server; ``start()`` returns its base URL, ``stop()`` ends it and every connection."""

    mode: str
    issued: list[str] = field(default_factory=list)  # registration tokens the echo mode handed out
    requests: int = 0
    _loop: asyncio.AbstractEventLoop | None = None
    _thread: threading.Thread | None = None
    _server: asyncio.AbstractServer | None = None
    _port: int = 0

    def __post_init__(self) -> None:
        if self.mode not in MODES:
            raise ValueError(f"unknown mode {self.mode!r}; one of {', '.join(MODES)}")

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._port}"

    def start(self) -> str:
        ready = threading.Event()

        def run() -> None:
            self._loop = asyncio.new_event_loop()
            self._server = self._loop.run_until_complete(asyncio.start_server(self._handle, "127.0.0.1", 0))
            self._port = self._server.sockets[0].getsockname()[1]
            ready.set()
            self._loop.run_forever()

        self._thread = threading.Thread(target=run, name=f"hostile-{self.mode}", daemon=True)
        self._thread.start()
        if not ready.wait(10):
            raise RuntimeError("the hostile server did not start")
        return self.url

    def stop(self) -> None:
        loop = self._loop
        if loop is None:
            return

        async def shutdown() -> None:
            assert self._server is not None
            self._server.close()
            for task in asyncio.all_tasks():
                if task is not asyncio.current_task():
                    task.cancel()

        asyncio.run_coroutine_threadsafe(shutdown(), loop).result(10)
        loop.call_soon_threadsafe(loop.stop)
        assert self._thread is not None
        self._thread.join(10)

    async def _read_request(self, reader: asyncio.StreamReader) -> tuple[str, str, dict[str, str], bytes] | None:
        try:
            head = await reader.readuntil(b"\r\n\r\n")
        except (asyncio.IncompleteReadError, asyncio.LimitOverrunError, ConnectionError):
            return None
        lines = head.decode("latin-1").split("\r\n")
        method, target = (lines[0].split(" ") + ["", ""])[:2]
        headers = {}
        for line in lines[1:]:
            if ":" in line:
                name, value = line.split(":", 1)
                headers[name.strip().lower()] = value.strip()
        length = min(int(headers.get("content-length", "0") or 0), MAX_REQUEST_BYTES)
        body = await reader.readexactly(length) if length else b""
        return method, target, headers, body

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            request = await self._read_request(reader)
            if request is None:
                return
            self.requests += 1
            await getattr(self, f"_{self.mode}")(writer, *request)
        except (ConnectionError, asyncio.CancelledError):
            pass
        finally:
            if not writer.is_closing():
                writer.close()

    @staticmethod
    def _head(status: str, headers: dict[str, str]) -> bytes:
        lines = [f"HTTP/1.1 {status}", *(f"{k}: {v}" for k, v in headers.items()), "Connection: close", "", ""]
        return "\r\n".join(lines).encode("latin-1")

    async def _dribble(self, writer: asyncio.StreamWriter, *request: object) -> None:
        writer.write(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nX-Slow: ")
        await writer.drain()
        while True:
            await asyncio.sleep(DRIBBLE_S)
            writer.write(b"a")
            await writer.drain()

    async def _gzip_bomb(self, writer: asyncio.StreamWriter, *request: object) -> None:
        first, block = _bomb_blocks()
        writer.write(self._head("200 OK", {"Content-Type": "application/json", "Content-Encoding": "gzip"}) + first)
        sent = len(first)
        while sent < BOMB_COMPRESSED_BYTES:
            writer.write(block * 16)
            sent += len(block) * 16
            await writer.drain()

    async def _huge_body(self, writer: asyncio.StreamWriter, *request: object) -> None:
        writer.write(self._head("200 OK", {"Content-Type": "application/json", "Content-Length": str(HUGE_BYTES)}))
        chunk, sent = b"[" + b" " * (64 * 1024 - 1), 0
        while sent < HUGE_BYTES:
            writer.write(chunk)
            sent += len(chunk)
            await writer.drain()
            chunk = b" " * (64 * 1024)

    async def _redirect_loop(self, writer: asyncio.StreamWriter, method: str, target: str, *rest: object) -> None:
        path = target.split("?", 1)[0].rstrip("/")
        writer.write(self._head("302 Found", {"Location": f"{self.url}{path}/again", "Content-Length": "0"}))
        await writer.drain()

    async def _reset(self, writer: asyncio.StreamWriter, *request: object) -> None:
        sock = writer.get_extra_info("socket")
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        writer.transport.abort()

    async def _silent(self, writer: asyncio.StreamWriter, *request: object) -> None:
        await asyncio.sleep(3600)

    async def _slow(self, writer: asyncio.StreamWriter, *request: Any) -> None:
        await asyncio.sleep(SLOW_S)
        await self._echo(writer, *request)

    async def _echo(self, writer: asyncio.StreamWriter, method: str, target: str, headers: dict[str, str], body: bytes) -> None:
        path, _, query = target.partition("?")
        if path.endswith("/registration_token") and method == "GET":
            token = secrets.token_urlsafe(24)
            self.issued.append(token)
            payload = json.dumps({"token": token, "oidc_configuration_url": f"{self.url}/api/lti/security/openid-configuration",
                                  "uuid": secrets.token_hex(8)}).encode()
            writer.write(self._head("200 OK", {"Content-Type": "application/json", "Content-Length": str(len(payload))}) + payload)
            await writer.drain()
            return
        last = self.issued[-1] if self.issued else "none"
        text = (f"Invalid credentials: {headers.get('authorization', '(no Authorization)')}\n"
                f"query: {query}\nbody: {body.decode('utf-8', errors='replace')}\nyour last registration token: {last}\n")
        payload = json.dumps({"errors": [{"message": text}], "token_seen": last}).encode() if "json" in headers.get("accept", "") else text.encode()
        ctype = "application/json" if "json" in headers.get("accept", "") else "text/plain"
        writer.write(self._head("401 Unauthorized", {"Content-Type": ctype, "Content-Length": str(len(payload)),
                                                     "WWW-Authenticate": f"Bearer error=\"invalid_token\", got=\"{headers.get('authorization', '')}\""}) + payload)
        await writer.drain()
