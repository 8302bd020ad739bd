"""Start ASGI apps (the mocks) as real HTTP servers on free loopback ports, in background threads."""

from __future__ import annotations

import asyncio
import threading
import time
from dataclasses import dataclass
from typing import Any

import uvicorn


@dataclass
class RunningServer:
    url: str
    server: uvicorn.Server
    thread: threading.Thread

    def stop(self, timeout: float = 5.0) -> None:
        stop_all([self], timeout)


def stop_all(running: list[RunningServer], timeout: float = 5.0) -> None:
    """Stop servers together: each is asked to exit first, then each is waited for (uvicorn notices on
    its next tick, about 0.1 s, and lingers about as long closing connections: in turn that adds up)."""
    for item in running:
        item.server.should_exit = True
    for item in running:
        item.thread.join(timeout)


class _QuietServer(uvicorn.Server):
    def install_signal_handlers(self) -> None:  # threads cannot own signal handlers
        pass


def start(app: Any, host: str = "127.0.0.1", port: int = 0, timeout: float = 10.0) -> RunningServer:
    """Serve ``app`` on ``host:port`` (0 picks a free port) and wait until it accepts connections."""
    config = uvicorn.Config(app, host=host, port=port, log_level="error", access_log=False, lifespan="auto", timeout_graceful_shutdown=1)
    server = _QuietServer(config)

    def run() -> None:
        asyncio.run(server.serve())

    thread = threading.Thread(target=run, name=f"lti-harness-server-{port}", daemon=True)
    thread.start()
    deadline = time.monotonic() + timeout
    while not server.started:
        if not thread.is_alive():
            raise RuntimeError(f"server on {host}:{port} failed to start (port in use?)")
        if time.monotonic() > deadline:
            server.should_exit = True
            raise RuntimeError(f"server on {host}:{port} did not start within {timeout} s")
        time.sleep(0.01)
    sock = server.servers[0].sockets[0]
    actual_host, actual_port = sock.getsockname()[:2]
    return RunningServer(url=f"http://{actual_host}:{actual_port}", server=server, thread=thread)
