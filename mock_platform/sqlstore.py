"""The mock platform's state in a SQLite file (``lti-harness serve platform --db FILE``).

:class:`SqliteStore` is the in-memory store loaded from the file at start; :meth:`SqliteStore.flush`
(run before every answer, see ``harness.statedb.FlushBeforeResponse``) writes each registration,
developer key, course (with its line items, results and deployments), user, token, code, flag and
used registration token that changed as one JSON row, and the id counter with them, in one
transaction. The platform's signing key and registration-token secret are stored once, so tokens
issued before a restart still verify after it, and ids continue where they stopped.
"""

from __future__ import annotations

import json
import os
import threading
from dataclasses import fields
from typing import Any, Callable, TypeVar

from lti_harness.harness import keys
from lti_harness.harness.statedb import StateFile, StateFileError, dump

from .store import Course, DeveloperKey, LineItem, MemoryStore, Registration, Result, UpdateRequest, User, UserToken

OWNER = "lti-harness mock platform"
SAVED = ("_next", "_used_tokens", "_registrations", "_keys", "_flags", "_user_tokens", "_codes", "_courses", "_users", "_outcome_nonces")
NOT_SAVED = ("_lock", "_kept", "_signing_key")  # the lock; what keep() made and the signing key are in the meta table
T = TypeVar("T")


def _make(cls: type[T], data: Any) -> T:
    """A dataclass from its stored dict; fields the class no longer has are dropped."""
    if not isinstance(data, dict):
        raise TypeError(f"a {cls.__name__} row must be an object")
    names = {f.name for f in fields(cls)}  # type: ignore[arg-type]
    return cls(**{k: v for k, v in data.items() if k in names})


def _registration(data: dict[str, Any]) -> Registration:
    reg = _make(Registration, data)
    reg.update_requests = [_make(UpdateRequest, u) for u in reg.update_requests]
    return reg


def _line_item(data: dict[str, Any]) -> LineItem:
    item = _make(LineItem, data)
    item.results = {int(user_id): _make(Result, r) for user_id, r in item.results.items()}
    return item


def _course(data: dict[str, Any]) -> Course:
    course = _make(Course, data)
    course.line_items = [_line_item(i) for i in course.line_items]
    course.students, course.teachers = set(course.students), set(course.teachers)
    course.legacy_tools = {tool_id: (pair[0], pair[1]) for tool_id, pair in course.legacy_tools.items()}
    return course


class _MarkingLock:
    """The store's lock: taking it (every write method of MemoryStore does) marks the store as written."""

    def __init__(self, store: "SqliteStore") -> None:
        self.inner, self._store = threading.Lock(), store

    def __enter__(self) -> None:
        self.inner.acquire()
        self._store.written = True

    def __exit__(self, *_: object) -> None:
        self.inner.release()


class SqliteStore(MemoryStore):
    """The mock platform's store kept in a SQLite file: loaded at start, changes saved by :meth:`flush`."""

    def __init__(self, path: str | os.PathLike[str], first_id: int = 10000000000001) -> None:
        super().__init__(first_id)
        self.written = False  # a write method ran since the last flush (reads skip the flush otherwise)
        self._lock = _MarkingLock(self)  # type: ignore[assignment]
        self.file = StateFile(path, OWNER)
        try:
            self._load()
        except (KeyError, TypeError, ValueError, IndexError) as exc:
            self.file.close()
            raise StateFileError(f"{self.file.path} holds a row this version cannot read: {exc}") from None

    def _load(self) -> None:
        loaders: dict[str, Callable[[str, Any], None]] = {
            "registration": lambda _, d: self._registrations.__setitem__(int(d["id"]), _registration(d)),
            "key": lambda _, d: self._keys.__setitem__(str(d["id"]), _make(DeveloperKey, d)),
            "course": lambda _, d: self._courses.__setitem__(int(d["id"]), _course(d)),
            "user": lambda _, d: self._users.__setitem__(int(d["id"]), _make(User, d)),
            "user_token": lambda _, d: self._user_tokens.__setitem__(str(d["token"]), _make(UserToken, d)),
            "code": lambda code, d: self._codes.__setitem__(code, dict(d)),
            "flag": lambda name, on: self._flags.__setitem__(tuple(json.loads(name)), bool(on)),
            "used_token": lambda uuid, _: self._used_tokens.add(uuid),
            "outcome_nonce": lambda nonce, _: self._outcome_nonces.add(nonce),
        }
        for kind, load in loaders.items():
            for row_id, data in self.file.rows(kind):
                load(row_id, data)
        counter = self.file.rows("counter")
        stored_next = int(counter[0][1]) if counter else self._next
        seen = [*self._registrations, *self._courses, *self._users, *(int(k) for k in self._keys if k.isdigit())]
        self._next = max(stored_next, self._next, *(i + 1 for i in seen))  # never hand out an id twice

    def _rows(self) -> dict[tuple[str, str], str]:
        """Every piece of state as (kind, id) -> JSON text."""
        with self._lock.inner:  # type: ignore[attr-defined]
            rows: dict[tuple[str, str], str] = {("counter", "next_id"): dump(self._next)}
            for kind, items in (("registration", self._registrations), ("key", self._keys), ("course", self._courses),
                                ("user", self._users), ("user_token", self._user_tokens)):
                for row_id, obj in list(items.items()):
                    rows[(kind, str(row_id))] = dump(obj)
            for code, grant in list(self._codes.items()):
                rows[("code", code)] = dump(grant)
            for (account_id, name), on in list(self._flags.items()):
                rows[("flag", json.dumps([account_id, name]))] = dump(on)
            for uuid in list(self._used_tokens):
                rows[("used_token", uuid)] = "true"
            for nonce in list(self._outcome_nonces):
                rows[("outcome_nonce", nonce)] = "true"
        return rows

    def keep(self, name: str, make: Callable[[], str]) -> str:
        return self.file.keep(name, make)

    def signing_key(self) -> keys.KeyPair:
        """The signing key stored in the file (made and stored the first time)."""

        def make() -> str:
            pair = keys.generate()
            return json.dumps({"pem": pair.private_pem.decode("ascii"), "kid": pair.kid})

        if self._signing_key is None:
            try:
                kept = json.loads(self.file.keep("signing_key", make))
                self._signing_key = keys.load_pem(kept["pem"].encode("ascii"), kid=kept["kid"])
            except (ValueError, KeyError, TypeError) as exc:
                raise StateFileError(f"{self.file.path}: the stored signing key cannot be read ({exc})") from None
        return self._signing_key

    def flush(self) -> None:
        """Write what changed since the last flush (``StateFileError`` when the file cannot be written)."""
        self.written = False
        try:
            self.file.sync(self._rows())
        except StateFileError:
            self.written = True
            raise

    def close(self) -> None:
        self.file.close()
