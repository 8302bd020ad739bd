"""Counts the HTTP requests a process sends through httpx (sync and async clients, any transport) and
writes the count to ``$LTI_BENCH_COUNT_DIR/<pid>.count`` when the process exits. The bench puts this
folder on ``PYTHONPATH`` of the run it measures; nothing of the product changes."""

from __future__ import annotations

import atexit
import os
from pathlib import Path

_folder = os.environ.get("LTI_BENCH_COUNT_DIR")
_sent = [0]


def _write() -> None:
    if _folder:
        Path(_folder, f"{os.getpid()}.count").write_text(str(_sent[0]))


if _folder:
    import httpx

    _sync_send = httpx.Client.send
    _async_send = httpx.AsyncClient.send

    def _counted_send(self, request, **kwargs):  # type: ignore[no-untyped-def]
        _sent[0] += 1
        return _sync_send(self, request, **kwargs)

    async def _counted_async_send(self, request, **kwargs):  # type: ignore[no-untyped-def]
        _sent[0] += 1
        return await _async_send(self, request, **kwargs)

    httpx.Client.send = _counted_send  # type: ignore[method-assign]
    httpx.AsyncClient.send = _counted_async_send  # type: ignore[method-assign]
    atexit.register(_write)
