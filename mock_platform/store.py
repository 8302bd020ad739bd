"""State of the mock platform behind a small interface (in-memory by default)."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import Any, Protocol


@dataclass
class DeveloperKey:
    id: str
    name: str
    scopes: list[str]
    public_jwk_url: str | None
    redirect_uris: list[str]
    workflow_state: str = "active"
    registration_id: int | None = None


@dataclass
class UpdateRequest:
    """A tool's proposed configuration, pending until an admin accepts or ignores it (canvas-facts §2)."""

    id: int
    registration_id: int
    configuration: dict[str, Any]
    scopes: list[str]
    created_at: str
    accepted_at: str | None = None
    rejected_at: str | None = None
    comment: str | None = None
    updated_by: dict[str, Any] | None = None

    @property
    def pending(self) -> bool:
        return self.accepted_at is None and self.rejected_at is None


@dataclass
class Registration:
    id: int
    client_id: str
    account_id: str
    uuid: str
    configuration: dict[str, Any]
    scopes: list[str]
    created_at: str = ""
    workflow_state: str = "active"
    overlay: dict[str, Any] = field(default_factory=dict)
    update_requests: list[UpdateRequest] = field(default_factory=list)
    history: list[dict[str, Any]] = field(default_factory=list)


class Store(Protocol):
    def next_id(self) -> int: ...
    def use_registration_token(self, uuid: str) -> bool: ...
    def add_registration(self, registration: Registration, key: DeveloperKey) -> None: ...
    def registration(self, registration_id: int) -> Registration | None: ...
    def developer_key(self, key_id: str) -> DeveloperKey | None: ...
    def registrations(self) -> list[Registration]: ...
    def flag(self, account_id: str, name: str, default: bool) -> bool: ...
    def set_flag(self, account_id: str, name: str, value: bool) -> None: ...


class MemoryStore:
    """Thread-safe in-memory store."""

    def __init__(self, first_id: int = 10000000000001) -> None:
        self._lock = threading.Lock()
        self._next = first_id
        self._used_tokens: set[str] = set()
        self._registrations: dict[int, Registration] = {}
        self._keys: dict[str, DeveloperKey] = {}
        self._flags: dict[tuple[str, str], bool] = {}

    def next_id(self) -> int:
        with self._lock:
            value = self._next
            self._next += 1
            return value

    def use_registration_token(self, uuid: str) -> bool:
        """Mark a registration token as used; False if it already was."""
        with self._lock:
            if uuid in self._used_tokens:
                return False
            self._used_tokens.add(uuid)
            return True

    def add_registration(self, registration: Registration, key: DeveloperKey) -> None:
        with self._lock:
            self._registrations[registration.id] = registration
            self._keys[key.id] = key

    def registration(self, registration_id: int) -> Registration | None:
        return self._registrations.get(registration_id)

    def developer_key(self, key_id: str) -> DeveloperKey | None:
        return self._keys.get(key_id)

    def registrations(self) -> list[Registration]:
        return sorted(self._registrations.values(), key=lambda r: r.id)

    def flag(self, account_id: str, name: str, default: bool) -> bool:
        return self._flags.get((account_id, name), default)

    def set_flag(self, account_id: str, name: str, value: bool) -> None:
        with self._lock:
            self._flags[(account_id, name)] = value
