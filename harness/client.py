"""The HTTP client every suite uses: a total deadline per request, a decompressed-size cap, plain-language
target errors, and a redacted record of every exchange (for reports, curl lines and replay)."""

from __future__ import annotations

import json
import shlex
import threading
import time
import zlib
from dataclasses import asdict, dataclass, field
from typing import Any, Callable, Iterator
from urllib.parse import parse_qsl, urlsplit

import httpcore
import httpx

from . import redact, transports
from .results import ERROR, CannotTest

DEFAULT_TIMEOUT = 10.0
MAX_BODY_BYTES = 2 * 1024 * 1024
RECORD_BODY_CHARS = 4000
DECODE_STEP = 64 * 1024  # at most this many inflated bytes exist at once while a body is decoded
BOMB_RATIO = 100  # a body inflating this many times over its compressed size, past the cap, is called a bomb


class TargetError(Exception):
    """The target could not be talked to properly; the message says why in plain words."""


class TargetUnreachable(TargetError):
    verdict = ERROR


class TargetTimeout(TargetError):
    verdict = ERROR


class TargetBadResponse(TargetError):
    pass


class TargetTooLarge(TargetBadResponse, CannotTest):
    """The target's body is over the size cap (or a compression bomb): the harness cannot judge what it
    did not read, so the check ends ``error``."""


class TargetReset(TargetBadResponse, CannotTest):
    """The target reset or dropped the connection instead of answering: there is no answer to judge."""


class RunDeadlinePassed(TargetTimeout):
    """The run's deadline (``--deadline``) passed: no further request is sent."""


class RequestNotSent(TargetError):
    """The request itself was malformed on our side (e.g. a header httpx refuses); the target is not at fault."""

    verdict = ERROR


@dataclass
class Exchange:
    """One request and its response, already redacted."""

    method: str
    url: str
    request_headers: dict[str, str]
    request_body: str | None
    status: int | None = None
    response_headers: dict[str, str] = field(default_factory=dict)
    response_body: str | None = None
    elapsed_ms: float = 0.0
    error: str | None = None
    violations: list[str] = field(default_factory=list)  # how the answer breaks the target's document (harness.conformance)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    def curl(self) -> str:
        """A curl command reproducing the request (secrets stay redacted; substitute your own)."""
        parts = ["curl", "-i", "-X", self.method]
        for k, v in self.request_headers.items():
            if k.lower() in {"host", "content-length", "accept-encoding", "connection", "user-agent"}:
                continue
            parts += ["-H", f"{k}: {v}"]
        if self.request_body:
            parts += ["--data-raw", self.request_body]
        parts.append(self.url)
        return " ".join(shlex.quote(p) for p in parts)

    def describe(self) -> str:
        lines = [f"> {self.method} {self.url}"]
        lines += [f"> {k}: {v}" for k, v in self.request_headers.items()]
        if self.request_body:
            lines += [">", *("> " + line for line in self.request_body.splitlines()[:60])]
        if self.error:
            lines.append(f"! {self.error}")
        else:
            lines.append(f"< {self.status} ({self.elapsed_ms:.0f} ms)")
            lines += [f"< {k}: {v}" for k, v in self.response_headers.items()]
            if self.response_body:
                lines += ["<", *("< " + line for line in self.response_body.splitlines()[:60])]
        lines += [f"! not as documented: {v}" for v in self.violations]
        return "\n".join(lines)


Recorder = Callable[[Exchange], None]
Inspector = Callable[[httpx.Response], list[str]]  # an answer's violations of its document, each a redacted sentence


PARSE_BODY_BYTES = 256 * 1024  # larger bodies are recorded from their start, not parsed


def _learn(content: bytes, content_type: str) -> None:
    """Learn the secret-named fields of a JSON or form body (tokens issued, credentials sent)."""
    if not content or len(content) > PARSE_BODY_BYTES:
        return
    try:
        if "json" in content_type:
            redact.learn_from(json.loads(content))
        elif "x-www-form-urlencoded" in content_type:
            redact.learn_from(dict(parse_qsl(content.decode("utf-8", errors="replace"), keep_blank_values=True)))
    except (ValueError, RecursionError):
        pass


def _redacted_body(content: bytes, content_type: str) -> str | None:
    if not content:
        return None
    if len(content) > PARSE_BODY_BYTES:
        raw = redact.text(content[: RECORD_BODY_CHARS * 2].decode("utf-8", errors="replace"))
        return raw[:RECORD_BODY_CHARS] + f"\n… ({len(content)} bytes in all; not recorded further)"
    raw = content.decode("utf-8", errors="replace")
    if "json" in content_type:
        try:
            raw = json.dumps(redact.data(json.loads(raw)), indent=1, ensure_ascii=False)
        except (ValueError, RecursionError):
            raw = redact.text(raw)
    elif "x-www-form-urlencoded" in content_type:
        raw = redact.form(raw)
    else:
        raw = redact.text(raw)
    if len(raw) > RECORD_BODY_CHARS:
        raw = raw[:RECORD_BODY_CHARS] + f"\n… ({len(raw) - RECORD_BODY_CHARS} more characters)"
    return raw


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


class _Deadline(threading.local):
    """The deadline of the request this thread is sending (monotonic seconds), and how many bytes came."""

    at: float | None = None
    received: int = 0


def _bounded(deadline: _Deadline, timeout: float | None, error: type[Exception]) -> float | None:
    """``timeout`` shortened to what is left of the request's deadline; ``error`` once nothing is left."""
    if deadline.at is None:
        return timeout
    remaining = deadline.at - time.monotonic()
    if remaining <= 0:
        raise error("the request's total deadline passed")
    return remaining if timeout is None else min(timeout, remaining)


class _DeadlineStream(httpcore.NetworkStream):
    """A socket stream whose every read and write ends by the request's total deadline, so a target
    that dribbles a byte at a time cannot outlast it (httpx's own timeouts are per read)."""

    def __init__(self, inner: httpcore.NetworkStream, deadline: _Deadline) -> None:
        self._inner, self._deadline = inner, deadline

    def _timeout(self, timeout: float | None, error: type[Exception]) -> float | None:
        return _bounded(self._deadline, timeout, error)

    def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        data = self._inner.read(max_bytes, self._timeout(timeout, httpcore.ReadTimeout))
        self._deadline.received += len(data)
        return data

    def write(self, buffer: bytes, timeout: float | None = None) -> None:
        self._inner.write(buffer, self._timeout(timeout, httpcore.WriteTimeout))

    def close(self) -> None:
        self._inner.close()

    def start_tls(self, ssl_context: Any, server_hostname: str | None = None, timeout: float | None = None) -> httpcore.NetworkStream:
        inner = self._inner.start_tls(ssl_context, server_hostname, self._timeout(timeout, httpcore.ConnectTimeout))
        return _DeadlineStream(inner, self._deadline)

    def get_extra_info(self, info: str) -> Any:
        return self._inner.get_extra_info(info)


class _DeadlineBackend(httpcore.NetworkBackend):
    """httpcore's socket backend with the request deadline applied to connecting and to every stream."""

    def __init__(self, deadline: _Deadline) -> None:
        self._inner, self._deadline = httpcore.SyncBackend(), deadline

    def connect_tcp(self, host: str, port: int, timeout: float | None = None, local_address: str | None = None,
                    socket_options: Any = None) -> httpcore.NetworkStream:
        stream = self._inner.connect_tcp(host, port, _bounded(self._deadline, timeout, httpcore.ConnectTimeout), local_address, socket_options)
        return _DeadlineStream(stream, self._deadline)

    def connect_unix_socket(self, path: str, timeout: float | None = None, socket_options: Any = None) -> httpcore.NetworkStream:
        return _DeadlineStream(self._inner.connect_unix_socket(path, timeout, socket_options), self._deadline)

    def sleep(self, seconds: float) -> None:
        self._inner.sleep(seconds)


def _transport(verify: bool, deadline: _Deadline) -> httpx.BaseTransport:
    """An httpx transport whose sockets honour the per-request deadline; its TLS context is built on the
    first https connection (plain HTTP never loads the CA bundle)."""
    return transports.transport(verify=verify, network_backend=_DeadlineBackend(deadline))


def _size(n: int) -> str:
    return f"{n} bytes" if n < 10 * 1024 else f"{n // 1024} KiB"


def _decoded(response: httpx.Response, cap: int, where: str) -> Iterator[bytes]:
    """The body of ``response``, decoded (gzip, deflate) a step at a time and counted as it inflates:
    a body over ``cap`` bytes, compressed or not, is refused before more than one step of it exists."""
    encodings = [e.strip().lower() for e in response.headers.get("content-encoding", "").split(",") if e.strip()]
    encodings = [e for e in encodings if e != "identity"]
    if not encodings or encodings not in (["gzip"], ["x-gzip"], ["deflate"]):
        total = 0
        for chunk in (response.iter_raw() if not encodings else response.iter_bytes()):
            total += len(chunk)
            if total > cap:
                raise TargetTooLarge(f"target answered with a body over {cap // 1024} KiB at {where}; not read further")
            yield chunk
        return
    wbits = zlib.MAX_WBITS | 16 if encodings[0] != "deflate" else zlib.MAX_WBITS
    inflater, compressed, total, first = zlib.decompressobj(wbits), 0, 0, True
    for raw in response.iter_raw():
        compressed += len(raw)
        data = raw
        while data:
            try:
                out = inflater.decompress(data, DECODE_STEP)
            except zlib.error:
                if not first or encodings[0] != "deflate":
                    raise TargetBadResponse(f"target sent a body that is not valid {encodings[0]} at {where}") from None
                inflater, wbits = zlib.decompressobj(-zlib.MAX_WBITS), -zlib.MAX_WBITS  # a raw deflate stream
                first = False
                continue
            first = False
            total += len(out)
            if total > cap:
                if total > BOMB_RATIO * (compressed - len(inflater.unconsumed_tail)):
                    raise TargetTooLarge(f"target sent a compression bomb: {_size(compressed)} of {encodings[0]} inflating "
                                         f"past {cap // 1024} KiB at {where}; not read further")
                raise TargetTooLarge(f"target answered with a body over {cap // 1024} KiB (decompressed) at {where}; not read further")
            if out:
                yield out
            data = inflater.unconsumed_tail
    rest = inflater.flush()
    if total + len(rest) > cap:
        raise TargetTooLarge(f"target answered with a body over {cap // 1024} KiB (decompressed) at {where}; not read further")
    if rest:
        yield rest


class Client:
    """A thin wrapper over ``httpx.Client`` that records and explains.

    Every request has a total deadline of ``timeout`` seconds (connecting, sending and every read of
    the answer: a target dribbling one byte a second cannot outlast it) and a cap on its body counted
    after decompression. ``run_deadline`` (monotonic seconds) ends every request once the run's time is
    up. ``transport`` can be swapped (e.g. ``httpx.ASGITransport``) to run in-process. Once an origin
    has refused a connection, or timed out twice, further requests to it fail at once with the same
    explanation, so a dead target never makes a run crawl.
    """

    def __init__(
        self,
        *,
        timeout: float = DEFAULT_TIMEOUT,
        recorder: Recorder | None = None,
        transport: httpx.BaseTransport | None = None,
        max_body_bytes: int = MAX_BODY_BYTES,
        verify: bool = True,
    ) -> None:
        self._deadline = _Deadline()
        self.timeout = float(timeout)
        self._http = httpx.Client(
            timeout=httpx.Timeout(timeout, connect=min(timeout, 5.0)),
            transport=transport if transport is not None else _transport(verify, self._deadline),
            follow_redirects=False,
            verify=verify,
            headers={"User-Agent": "lti-harness"},
        )
        self.recorder = recorder
        self.inspector: Inspector | None = None  # judges every answer before it is recorded (the session's response validation)
        self.on_created: Callable[[str], None] | None = None  # told of every object created on a target
        self.max_body_bytes = max_body_bytes
        self.run_deadline: float | None = None  # time.monotonic() value after which no request is sent
        self._dead: dict[str, tuple[type[TargetError], str, int]] = {}

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> "Client":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def note_created(self, what: str) -> None:
        """Tell the session that the run created ``what`` on a target (listed at the end of the report)."""
        if self.on_created is not None:
            self.on_created(what)

    def dead_reason(self, url: str) -> str | None:
        """Why requests to ``url``'s origin are no longer tried (None while it is usable)."""
        dead = self._dead.get(_origin(url))
        if dead and dead[2] >= (1 if dead[0] is TargetUnreachable else 2):
            return dead[1]
        return None

    def request(self, method: str, url: str, **kwargs: Any) -> httpx.Response:
        """Send a request; raise a ``TargetError`` subclass when the target cannot be used."""
        origin = _origin(url)
        if self.run_deadline is not None and time.monotonic() >= self.run_deadline:
            raise RunDeadlinePassed(f"the run's deadline passed; {method} {redact.url(url)} was not sent")
        dead = self._dead.get(origin)
        if dead and dead[2] >= (1 if dead[0] is TargetUnreachable else 2):
            raise dead[0](f"{dead[1]} (not retried)")
        try:
            request = self._http.build_request(method, url, **kwargs)
        except (httpx.HTTPError, UnicodeError, TypeError, ValueError) as exc:
            raise RequestNotSent(f"the harness could not build {method} {redact.url(url)}: {exc}") from None
        for name, value in request.headers.items():
            redact.learn_header(name, value)
        for name, value in parse_qsl(request.url.query.decode("ascii", errors="replace"), keep_blank_values=True):
            if name.lower() in redact.LEARNT_KEYS:
                redact.learn(value)
        _learn(request.content, request.headers.get("content-type", ""))
        exchange = Exchange(
            method=request.method,
            url=redact.url(str(request.url)),
            request_headers=redact.headers(dict(request.headers)),
            request_body=_redacted_body(request.content, request.headers.get("content-type", "")),
        )
        started = time.perf_counter()
        try:
            response = self._send(request)
        except TargetError as exc:
            exchange.error = str(exc)
            self._record(exchange, started)
            if isinstance(exc, (TargetUnreachable, TargetTimeout)) and not isinstance(exc, RunDeadlinePassed):
                count = dead[2] + 1 if dead and dead[0] is type(exc) else 1
                self._dead[origin] = (type(exc), str(exc), count)
            raise
        _learn(response.content, response.headers.get("content-type", ""))
        exchange.status = response.status_code
        exchange.response_headers = redact.headers(dict(response.headers))
        exchange.response_body = _redacted_body(response.content, response.headers.get("content-type", ""))
        ended = time.perf_counter()
        if self.inspector is not None:
            exchange.violations = self.inspector(response)
        self._record(exchange, started, ended)
        return response

    def _deadline_for_request(self) -> tuple[float, bool]:
        """(monotonic deadline of a request starting now, whether it is the run's deadline that binds)."""
        at = time.monotonic() + self.timeout
        if self.run_deadline is not None and self.run_deadline < at:
            return self.run_deadline, True
        return at, False

    def _timed_out(self, where: str, by_run: bool, reading_body: bool = False) -> TargetTimeout:
        if by_run:
            return RunDeadlinePassed(f"the run's deadline passed while waiting for {where}")
        if reading_body or self._deadline.received:
            return TargetTimeout(f"target was still sending its answer after {self.timeout:g} s (the deadline for a whole "
                                 f"request; it sent {self._deadline.received} bytes) at {where}")
        return TargetTimeout(f"target timed out after {self.timeout:g} s at {where}")

    def _send(self, request: httpx.Request) -> httpx.Response:
        where = f"{request.method} {redact.url(str(request.url))}"
        at, by_run = self._deadline_for_request()
        self._deadline.at, self._deadline.received = at, 0
        try:
            return self._send_within(request, where, at, by_run)
        finally:
            self._deadline.at = None

    def _send_within(self, request: httpx.Request, where: str, at: float, by_run: bool) -> httpx.Response:
        try:
            try:
                response = self._http.send(request, stream=True)
            except (httpx.ReadError, httpx.RemoteProtocolError):
                # A kept-alive connection the server had already closed: send once more on a new one.
                if time.monotonic() >= at:
                    raise httpx.ReadTimeout("the request's total deadline passed") from None
                self._deadline.received = 0
                response = self._http.send(request, stream=True)
        except httpx.ConnectError as exc:
            reason = "connection refused" if "refused" in str(exc).lower() else f"cannot connect ({exc})"
            raise TargetUnreachable(f"target unreachable: {reason} at {where}") from None
        except httpx.TimeoutException:
            raise self._timed_out(where, by_run) from None
        except httpx.LocalProtocolError as exc:
            raise RequestNotSent(f"the harness could not send {where}: {exc}") from None
        except httpx.RemoteProtocolError as exc:
            raise TargetBadResponse(f"target broke the HTTP protocol ({exc}) at {where}") from None
        except httpx.ReadError as exc:
            raise TargetReset(f"target reset the connection instead of answering ({exc}) at {where}") from None
        except httpx.HTTPError as exc:
            raise TargetUnreachable(f"target unreachable: {type(exc).__name__}: {exc} at {where}") from None
        chunks: list[bytes] = []
        failed = True
        try:
            for chunk in _decoded(response, self.max_body_bytes, where):
                chunks.append(chunk)
                if time.monotonic() >= at:  # also for transports that are not sockets
                    raise self._timed_out(where, by_run, reading_body=True)
            failed = False
        except httpx.TimeoutException:
            raise self._timed_out(where, by_run, reading_body=True) from None
        except httpx.HTTPError as exc:
            raise TargetUnreachable(f"target broke the connection ({type(exc).__name__}) at {where}") from None
        finally:
            response.close()
            if failed:
                chunks.clear()  # the exception's traceback keeps this frame: keep no body alive with it
        response._content = b"".join(chunks)
        return response

    def _record(self, exchange: Exchange, started: float, ended: float | None = None) -> None:
        exchange.elapsed_ms = ((ended if ended is not None else time.perf_counter()) - started) * 1000
        if self.recorder is not None:
            self.recorder(exchange)

    def get(self, url: str, **kwargs: Any) -> httpx.Response:
        return self.request("GET", url, **kwargs)

    def post(self, url: str, **kwargs: Any) -> httpx.Response:
        return self.request("POST", url, **kwargs)

    def put(self, url: str, **kwargs: Any) -> httpx.Response:
        return self.request("PUT", url, **kwargs)

    def delete(self, url: str, **kwargs: Any) -> httpx.Response:
        return self.request("DELETE", url, **kwargs)


def json_body(response: httpx.Response) -> Any:
    """The decoded JSON body, or a ``TargetBadResponse`` that says what came instead."""
    try:
        return response.json()
    except ValueError:
        ctype = response.headers.get("content-type", "no content type")
        snippet = redact.text(response.text[:120]).replace("\n", " ")
        raise TargetBadResponse(
            f"target answered non-JSON ({response.status_code}, {ctype}) at "
            f"{response.request.method} {redact.url(str(response.request.url))}: {snippet!r}"
        ) from None
