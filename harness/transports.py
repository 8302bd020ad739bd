"""httpx transports whose TLS context is built on their first https connection: loading the CA bundle
costs more than a plain-HTTP exchange, and a client that only talks plain HTTP never needs it."""

from __future__ import annotations

from typing import Any

import httpcore
import httpx

POOL_LIMITS: dict[str, Any] = {"max_connections": 100, "max_keepalive_connections": 20, "keepalive_expiry": 5.0}  # httpx's defaults


class _LazyTLS:
    """A connection pool (httpcore's, sync or async, after this class) with the TLS context made on the
    first connection that needs one."""

    _ssl_context: Any

    def __init__(self, *, verify: bool = True, trust_env: bool = True, **options: Any) -> None:
        super().__init__(ssl_context=None, **options)  # type: ignore[call-arg]
        self._verify, self._trust_env = verify, trust_env

    def create_connection(self, origin: httpcore.Origin) -> Any:
        if origin.scheme != b"http" and self._ssl_context is None:
            self._ssl_context = httpx.create_ssl_context(verify=self._verify, trust_env=self._trust_env)
        return super().create_connection(origin)  # type: ignore[misc]


class LazyTLSPool(_LazyTLS, httpcore.ConnectionPool):
    """httpcore's connection pool with the TLS context made on the first connection that needs one."""


class AsyncLazyTLSPool(_LazyTLS, httpcore.AsyncConnectionPool):
    """The asynchronous :class:`LazyTLSPool`."""


class Transport(httpx.HTTPTransport):
    """httpx's transport over the pool it is given (its own constructor would build a TLS context)."""

    def __init__(self, pool: httpcore.ConnectionPool) -> None:
        self._pool = pool


class AsyncTransport(httpx.AsyncHTTPTransport):
    """httpx's asynchronous transport over the pool it is given."""

    def __init__(self, pool: httpcore.AsyncConnectionPool) -> None:
        self._pool = pool


def transport(*, verify: bool = True, trust_env: bool = True, network_backend: httpcore.NetworkBackend | None = None) -> httpx.BaseTransport:
    """A synchronous transport with httpx's default limits and a lazily built TLS context."""
    return Transport(LazyTLSPool(verify=verify, trust_env=trust_env, network_backend=network_backend, **POOL_LIMITS))


def async_transport(*, verify: bool = True, trust_env: bool = True) -> httpx.AsyncBaseTransport:
    """An asynchronous transport with httpx's default limits and a lazily built TLS context."""
    return AsyncTransport(AsyncLazyTLSPool(verify=verify, trust_env=trust_env, **POOL_LIMITS))
