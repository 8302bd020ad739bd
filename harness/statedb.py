"""A served mock's state file: SQLite (WAL mode) rows of JSON keyed by kind and id, and an ASGI
middleware that writes what changed before each response starts.

A mock keeps its state as Python objects in memory and hands :meth:`StateFile.sync` the rows those
objects are now; only rows that changed are written (and rows that went away deleted), in one
transaction. :class:`FlushBeforeResponse` calls the mock's flush before the status line of every
answer is sent, so whatever a client has been answered is on disk: a server killed and restarted with
the same file comes back with it. One server holds the file at a time (an exclusive lock for as long
as it runs); a second one is refused with a clear message.
"""

from __future__ import annotations

import dataclasses
import json
import logging
import os
import sqlite3
import threading
from pathlib import Path
from typing import Any, Awaitable, Callable, MutableMapping

FORMAT = "1"
SCHEMA = (
    "CREATE TABLE IF NOT EXISTS meta (name TEXT PRIMARY KEY, value TEXT NOT NULL)",
    "CREATE TABLE IF NOT EXISTS rows (kind TEXT NOT NULL, id TEXT NOT NULL, body TEXT NOT NULL, PRIMARY KEY (kind, id))",
)
Row = tuple[str, str]  # (kind, id)
log = logging.getLogger(__name__)


class StateFileError(Exception):
    """The state file cannot be used: held by another server, not a state file of this mock, or unreadable."""


class StateFile:
    """An open state file of one mock (``owner`` names which: a platform's file is no tool's)."""

    def __init__(self, path: str | os.PathLike[str], owner: str) -> None:
        self.path = Path(path)
        self._lock = threading.Lock()
        try:
            if not self.path.exists():  # private keys live here: readable by the owner only
                os.close(os.open(self.path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
            self._db = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False, timeout=1.0)
        except (OSError, sqlite3.Error) as exc:
            raise StateFileError(f"cannot open {self.path}: {exc}") from None
        try:
            self._db.execute("PRAGMA locking_mode=EXCLUSIVE")  # one server per file, held until it exits
            if self._db.execute("PRAGMA journal_mode=WAL").fetchone()[0].lower() != "wal":
                raise StateFileError(f"{self.path}: SQLite cannot use WAL mode for this file")
            self._db.execute("PRAGMA synchronous=FULL")  # an answered change survives a crash, not just a kill
            self._db.execute("BEGIN IMMEDIATE")
            for statement in SCHEMA:
                self._db.execute(statement)
            stored = dict(self._db.execute("SELECT name, value FROM meta WHERE name IN ('owner', 'format')").fetchall())
            if not stored:
                self._db.executemany("INSERT INTO meta (name, value) VALUES (?, ?)", [("owner", owner), ("format", FORMAT)])
            elif stored.get("owner") != owner or stored.get("format") != FORMAT:
                raise StateFileError(
                    f"{self.path} holds the state of {stored.get('owner', 'something else')} (format {stored.get('format')}), "
                    f"not of {owner} (format {FORMAT})"
                )
            self._db.execute("COMMIT")
            self._written: dict[Row, str] = {
                (kind, id_): body for kind, id_, body in self._db.execute("SELECT kind, id, body FROM rows ORDER BY rowid")
            }
        except StateFileError:
            self._db.close()
            raise
        except sqlite3.DatabaseError as exc:
            self._db.close()
            if "locked" in str(exc):
                raise StateFileError(f"{self.path} is in use by another server") from None
            raise StateFileError(f"{self.path} is not a usable state file: {exc}") from None

    def rows(self, kind: str) -> list[tuple[str, Any]]:
        """The stored rows of ``kind`` as (id, decoded JSON), oldest first."""
        out = []
        for (k, id_), body in self._written.items():
            if k != kind:
                continue
            try:
                out.append((id_, json.loads(body)))
            except ValueError:
                raise StateFileError(f"{self.path}: the {kind} row {id_!r} is not JSON") from None
        return out

    def keep(self, name: str, make: Callable[[], str]) -> str:
        """The stored value ``name``; the first time, ``make()``'s, stored for every later start."""
        with self._lock:
            row = self._db.execute("SELECT value FROM meta WHERE name = ?", (name,)).fetchone()
            if row:
                return str(row[0])
            value = make()
            self._db.execute("INSERT INTO meta (name, value) VALUES (?, ?)", (name, value))
            return value

    def sync(self, current: dict[Row, str]) -> int:
        """Make the stored rows equal ``current`` (rows as JSON text) in one transaction; how many changed."""
        with self._lock:
            changed = [(kind, id_, body) for (kind, id_), body in current.items() if self._written.get((kind, id_)) != body]
            gone = [row for row in self._written if row not in current]
            if not changed and not gone:
                return 0
            try:
                self._db.execute("BEGIN IMMEDIATE")
                self._db.executemany(
                    "INSERT INTO rows (kind, id, body) VALUES (?, ?, ?) ON CONFLICT (kind, id) DO UPDATE SET body = excluded.body",
                    changed,
                )
                self._db.executemany("DELETE FROM rows WHERE kind = ? AND id = ?", gone)
                self._db.execute("COMMIT")
            except sqlite3.Error as exc:
                if self._db.in_transaction:
                    self._db.execute("ROLLBACK")
                raise StateFileError(f"cannot write {self.path}: {exc}") from None
            for kind, id_, body in changed:
                self._written[(kind, id_)] = body
            for row in gone:
                del self._written[row]
            return len(changed) + len(gone)

    def close(self) -> None:
        with self._lock:
            self._db.close()


def dump(value: Any) -> str:
    """Canonical JSON of a row (dataclasses become objects of their fields, sets sorted lists), so an
    unchanged object always gives the same text."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), default=_plain)


def _plain(value: Any) -> Any:
    if isinstance(value, (set, frozenset)):
        return sorted(value)
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return vars(value)  # its fields, without copying (asdict would deep-copy the whole tree)
    raise TypeError(f"cannot store a {type(value).__name__}")


Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]


SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


class FlushBeforeResponse:
    """ASGI middleware: run ``flush`` before a response's status line goes out (and after a request that
    ends without one). When the flush fails, the client gets 503 with ``failure_body`` instead of an answer
    whose change was not saved; the change stays in memory and the next flush tries again.

    With ``changed``, a GET, HEAD or OPTIONS request is flushed only when ``changed()`` says the store was
    written to (reads change nothing, and a flush costs a pass over the whole state)."""

    def __init__(
        self, app: Callable[..., Awaitable[None]], flush: Callable[[], Any],
        failure_body: bytes = b'{"error":"the state could not be saved"}', changed: Callable[[], bool] | None = None,
    ) -> None:
        self.app, self.flush, self.failure_body, self.changed = app, flush, failure_body, changed

    async def __call__(self, scope: Scope, receive: Callable[[], Awaitable[Message]], send: Callable[[Message], Awaitable[None]]) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        safe = scope.get("method", "GET") in SAFE_METHODS and self.changed is not None
        started = failed = False

        async def guarded_send(message: Message) -> None:
            nonlocal started, failed
            if failed:
                return  # the original answer is replaced by the 503 already sent
            if message["type"] == "http.response.start" and not started:
                started = True
                if not (safe and not self.changed()) and not self._flush():
                    failed = True
                    await send({"type": "http.response.start", "status": 503,
                                "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(self.failure_body)).encode())]})
                    await send({"type": "http.response.body", "body": self.failure_body})
                    return
            await send(message)

        try:
            await self.app(scope, receive, guarded_send)
        finally:
            if not started and not (safe and not self.changed()):
                self._flush()

    def _flush(self) -> bool:
        try:
            self.flush()
        except StateFileError as exc:
            log.error("%s", exc)
            return False
        return True
