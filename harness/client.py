"""The HTTP client every suite uses: timeouts, size limits, plain-language target errors, and a
redacted record of every exchange (for reports, curl lines and replay)."""

from __future__ import annotations

import json
import shlex
import time
from dataclasses import asdict, dataclass, field
from typing import Any, Callable
from urllib.parse import urlsplit

import httpx

from . import redact

DEFAULT_TIMEOUT = 10.0
MAX_BODY_BYTES = 2 * 1024 * 1024
RECORD_BODY_CHARS = 4000


class TargetError(Exception):
    """The target could not be talked to properly; the message says why in plain words."""


class TargetUnreachable(TargetError):
    pass


class TargetTimeout(TargetError):
    pass


class TargetBadResponse(TargetError):
    pass


class RequestNotSent(TargetError):
    """The request itself was malformed on our side (e.g. a header httpx refuses); the target is not at fault."""


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
        return "\n".join(lines)


Recorder = Callable[[Exchange], None]


def _redacted_body(content: bytes, content_type: str) -> str | None:
    if not content:
        return None
    raw = content.decode("utf-8", errors="replace")
    if "json" in content_type:
        try:
            raw = json.dumps(redact.data(json.loads(raw)), indent=1, ensure_ascii=False)
        except ValueError:
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


class Client:
    """A thin wrapper over ``httpx.Client`` that records and explains.

    ``transport`` can be swapped (e.g. ``httpx.ASGITransport``) to run in-process.
    Once an origin has refused a connection or timed out twice, further requests to it fail
    at once with the same explanation, so a dead target never makes a run crawl.
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
        self._http = httpx.Client(
            timeout=httpx.Timeout(timeout, connect=min(timeout, 5.0)),
            transport=transport,
            follow_redirects=False,
            verify=verify,
            headers={"User-Agent": "lti-harness"},
        )
        self.recorder = recorder
        self.on_created: Callable[[str], None] | None = None  # told of every object created on a target
        self.max_body_bytes = max_body_bytes
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
        dead = self._dead.get(origin)
        if dead and dead[2] >= (1 if dead[0] is TargetUnreachable else 2):
            raise dead[0](f"{dead[1]} (not retried)")
        try:
            request = self._http.build_request(method, url, **kwargs)
        except (httpx.HTTPError, UnicodeError, TypeError, ValueError) as exc:
            raise RequestNotSent(f"the harness could not build {method} {redact.url(url)}: {exc}") from None
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
            if isinstance(exc, (TargetUnreachable, TargetTimeout)):
                count = dead[2] + 1 if dead and dead[0] is type(exc) else 1
                self._dead[origin] = (type(exc), str(exc), count)
            raise
        exchange.status = response.status_code
        exchange.response_headers = redact.headers(dict(response.headers))
        exchange.response_body = _redacted_body(response.content, response.headers.get("content-type", ""))
        self._record(exchange, started)
        return response

    def _send(self, request: httpx.Request) -> httpx.Response:
        where = f"{request.method} {redact.url(str(request.url))}"
        try:
            try:
                response = self._http.send(request, stream=True)
            except (httpx.ReadError, httpx.RemoteProtocolError):
                # A kept-alive connection the server had already closed: send once more on a new one.
                response = self._http.send(request, stream=True)
        except httpx.ConnectError as exc:
            reason = "connection refused" if "refused" in str(exc).lower() else f"cannot connect ({exc})"
            raise TargetUnreachable(f"target unreachable: {reason} at {where}") from None
        except httpx.TimeoutException:
            raise TargetTimeout(f"target timed out after {self._http.timeout.read:g} s at {where}") from None
        except httpx.LocalProtocolError as exc:
            raise RequestNotSent(f"the harness could not send {where}: {exc}") from None
        except httpx.RemoteProtocolError as exc:
            raise TargetBadResponse(f"target broke the HTTP protocol ({exc}) at {where}") from None
        except httpx.ReadError as exc:
            raise TargetBadResponse(f"target reset the connection ({exc}) at {where}") from None
        except httpx.HTTPError as exc:
            raise TargetUnreachable(f"target unreachable: {type(exc).__name__}: {exc} at {where}") from None
        try:
            chunks, size = [], 0
            for chunk in response.iter_bytes():
                size += len(chunk)
                if size > self.max_body_bytes:
                    raise TargetBadResponse(
                        f"target answered with a body over {self.max_body_bytes // 1024} KiB at {where}; not read further"
                    )
                chunks.append(chunk)
        except httpx.TimeoutException:
            raise TargetTimeout(f"target timed out while sending its body at {where}") from None
        except httpx.HTTPError as exc:
            raise TargetUnreachable(f"target broke the connection ({type(exc).__name__}) at {where}") from None
        finally:
            response.close()
        response._content = b"".join(chunks)
        return response

    def _record(self, exchange: Exchange, started: float) -> None:
        exchange.elapsed_ms = (time.perf_counter() - started) * 1000
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
