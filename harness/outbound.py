"""Outbound fetches of the mocks (a tool's JWKS, a platform's OpenID configuration, a tool's
registration): the host is resolved first and every address it resolves to is checked, the
connection goes to a checked address (no second lookup an attacker could answer differently), no
redirect is followed, the body is read with a cap that counts decompressed bytes (a compression
bomb is refused after at most ``max_bytes`` of output), and the whole exchange has one deadline.
An app fetches through its own :class:`Fetcher` (one HTTP client, reused, closed with the app); its TLS
context is built only for an https fetch."""

from __future__ import annotations

import asyncio
import contextlib
import ipaddress
import json
import socket
import weakref
import zlib
from dataclasses import dataclass
from http.cookiejar import CookieJar, DefaultCookiePolicy
from typing import Any, AsyncIterator
from urllib.parse import urlsplit

import httpx

from . import transports

MAX_BYTES = 256 * 1024
DEADLINE = 5.0


class FetchRefused(Exception):
    """The fetch was refused or failed; the message says why and is safe to show the caller."""


class AddressRefused(FetchRefused):
    """The URL itself is refused (not http(s), credentials in it, or an address the policy forbids)."""


@dataclass
class Fetched:
    """A bounded answer: status, headers and the (decompressed) body."""

    status: int
    headers: httpx.Headers
    body: bytes

    def json(self) -> Any:
        """The body as JSON (``ValueError`` when it is not)."""
        return json.loads(self.body.decode("utf-8"))


def address_allowed(address: str, loopback_only: bool) -> bool:
    """Whether a connection to ``address`` (an IP literal) is allowed: any address, or only loopback ones."""
    try:
        ip = ipaddress.ip_address(address.split("%", 1)[0])
    except ValueError:
        return False
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return ip.is_loopback or not loopback_only


async def resolve(host: str, port: int, loopback_only: bool) -> str:
    """The address to connect to for ``host``: every address it resolves to must be allowed."""
    try:
        return _checked([str(ipaddress.ip_address(host))], host, loopback_only)
    except ValueError:
        pass
    try:
        infos = await asyncio.get_running_loop().getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError) as exc:
        raise FetchRefused(f"{host} cannot be resolved ({exc})") from None
    return _checked([str(info[4][0]) for info in infos], host, loopback_only)


def _checked(addresses: list[str], host: str, loopback_only: bool) -> str:
    if not addresses:
        raise AddressRefused(f"{host} resolves to no address")
    refused = sorted({a for a in addresses if not address_allowed(a, loopback_only)})
    if refused:
        raise AddressRefused(f"{host} resolves to {', '.join(refused)}, not a loopback address; this mock only fetches from loopback addresses")
    return addresses[0]


def check_url(url: str) -> tuple[str, str, int]:
    """``(scheme, host, port)`` of an http(s) URL without credentials, else ``FetchRefused``."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        raise AddressRefused("the URL cannot be parsed") from None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise AddressRefused("only http(s) URLs with a host are fetched")
    if parts.username is not None or parts.password is not None:
        raise AddressRefused("URLs with credentials are not fetched")
    return parts.scheme, parts.hostname, port or (443 if parts.scheme == "https" else 80)


def same_origin(a: str, b: str) -> bool:
    """Whether two http(s) URLs share scheme, host and port."""
    try:
        return check_url(a) == check_url(b)
    except FetchRefused:
        return False


def _decoder(encoding: str) -> Any:
    if encoding in ("", "identity"):
        return None
    if encoding in ("gzip", "x-gzip"):
        return zlib.decompressobj(16 + zlib.MAX_WBITS)
    if encoding == "deflate":
        return zlib.decompressobj(zlib.MAX_WBITS)
    raise FetchRefused(f"the answer's Content-Encoding {encoding!r} is not supported")


async def read_capped(chunks: AsyncIterator[bytes], encoding: str, max_bytes: int) -> bytes:
    """The body of ``chunks`` (raw, as sent), decoded per ``encoding``, refused once more than
    ``max_bytes`` bytes come out of it."""
    decoder = _decoder(encoding.strip().lower())
    out = bytearray()
    too_large = FetchRefused(f"the answer is larger than {max_bytes} bytes" + (" once decompressed" if decoder else ""))
    async for raw in chunks:
        if decoder is None:
            out += raw
        else:
            data = raw
            while data:
                out += decoder.decompress(data, max_bytes + 1 - len(out))
                data = decoder.unconsumed_tail
                if len(out) > max_bytes:
                    break
        if len(out) > max_bytes:
            raise too_large
    if decoder is not None:
        out += decoder.flush()
        if len(out) > max_bytes:
            raise too_large
    return bytes(out)


def new_client() -> httpx.AsyncClient:
    """An HTTP client for outbound fetches: no redirects followed, no cookies kept, no proxy or
    certificate settings taken from the environment, a TLS context only once an https URL is fetched."""
    return httpx.AsyncClient(transport=transports.async_transport(trust_env=False), follow_redirects=False, trust_env=False,
                             cookies=CookieJar(policy=DefaultCookiePolicy(allowed_domains=[])))


class Fetcher:
    """The outbound HTTP client of one app, made on its first fetch and reused by every later one
    (one per event loop: a client's connections belong to the loop that opened them)."""

    def __init__(self) -> None:
        self._clients: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, httpx.AsyncClient] = weakref.WeakKeyDictionary()

    def client(self) -> httpx.AsyncClient:
        """The client of the running event loop."""
        loop = asyncio.get_running_loop()
        client = self._clients.get(loop)
        if client is None or client.is_closed:
            client = self._clients[loop] = new_client()
        return client

    async def fetch(self, url: str, **options: Any) -> Fetched:
        """:func:`fetch` through this app's client."""
        return await fetch(url, via=self, **options)

    async def aclose(self) -> None:
        """Close the running loop's client (the clients of other loops went with their loops)."""
        client = self._clients.pop(asyncio.get_running_loop(), None)
        if client is not None:
            await client.aclose()


@contextlib.asynccontextmanager
async def closing(app: Any) -> AsyncIterator[None]:
    """An app's lifespan that closes its :class:`Fetcher` (``app.state.outbound``) when the app shuts down."""
    try:
        yield
    finally:
        fetcher = getattr(app.state, "outbound", None)
        if isinstance(fetcher, Fetcher):
            await fetcher.aclose()


async def fetch(
    url: str,
    *,
    method: str = "GET",
    headers: dict[str, str] | None = None,
    json_body: Any = None,
    form: dict[str, str] | None = None,
    loopback_only: bool = True,
    max_bytes: int = MAX_BYTES,
    deadline: float = DEADLINE,
    via: Fetcher | None = None,
) -> Fetched:
    """One request to ``url`` under the rules of this module, through ``via``'s client (else a client
    of its own); ``FetchRefused`` says why it did not succeed. A redirect is returned as it is (never followed).
    The body is ``json_body`` as JSON, or ``form`` form-encoded (an OAuth2 token request)."""
    body = (json_body, form)
    try:
        return await asyncio.wait_for(_fetch(url, method, dict(headers or {}), body, loopback_only, max_bytes, deadline, via), deadline)
    except asyncio.TimeoutError:
        raise FetchRefused(f"no complete answer within {deadline:g} s") from None


def addressed(url: str, host: str, address: str | None, headers: dict[str, str]) -> tuple[httpx.URL, dict[str, Any]]:
    """The request target for ``url`` sent to the checked ``address`` of its ``host`` (None: to the host
    itself), and its extensions; ``headers`` gain the original Host. An https connection to an address
    carries the host name as SNI and is closed after its answer, so no fetch for another name reuses it."""
    target = httpx.URL(url)
    if address is None:
        return target, {}
    headers.setdefault("Host", target.netloc.decode("ascii"))
    if target.scheme != "https":
        return target.copy_with(host=address), {}
    headers["Connection"] = "close"
    return target.copy_with(host=address), {"sni_hostname": host}


async def _fetch(url: str, method: str, headers: dict[str, str], body: tuple[Any, dict[str, str] | None], loopback_only: bool, max_bytes: int,
                 deadline: float, via: Fetcher | None) -> Fetched:
    _, host, port = check_url(url)
    address = await resolve(host, port, loopback_only) if loopback_only else None
    target, extensions = addressed(url, host, address, headers)
    headers.setdefault("Accept-Encoding", "identity")
    try:
        if via is not None:
            return await _exchange(via.client(), method, target, headers, body, extensions, max_bytes, deadline)
        async with new_client() as client:
            return await _exchange(client, method, target, headers, body, extensions, max_bytes, deadline)
    except (httpx.HTTPError, OSError, zlib.error) as exc:
        raise FetchRefused(f"{host} could not be reached or answered badly ({type(exc).__name__})") from None


async def _exchange(client: httpx.AsyncClient, method: str, target: httpx.URL, headers: dict[str, str], body: tuple[Any, dict[str, str] | None],
                    extensions: dict[str, Any], max_bytes: int, deadline: float) -> Fetched:
    json_body, form = body
    request = client.build_request(method, target, headers=headers, json=json_body, data=form, extensions=extensions, timeout=deadline)
    response = await client.send(request, stream=True)
    try:
        declared = response.headers.get("content-length", "")
        encoding = response.headers.get("content-encoding", "")
        if declared.isascii() and declared.isdigit() and int(declared) > max_bytes and encoding.strip().lower() in ("", "identity"):
            raise FetchRefused(f"the answer is larger than {max_bytes} bytes")
        body = await read_capped(response.aiter_raw(), encoding, max_bytes)
    finally:
        await response.aclose()
    return Fetched(response.status_code, response.headers, body)
