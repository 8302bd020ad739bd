"""The mock tool's state in a SQLite file (``lti-harness serve tool --db FILE``): its registrations
(deleted ones too, so they never launch again) and its signing keys, kept across restarts.

The registrations are the in-memory :class:`registrations.RegistrationStore`, loaded at start in
creation order; :meth:`ToolState.flush` (run before every answer) writes each one that changed as a
JSON row. Login states and used nonces stay in memory: a launch begun before a restart starts again.
"""

from __future__ import annotations

import json
import os
from datetime import datetime, timezone
from typing import Any

from lti_harness.harness import keys
from lti_harness.harness.statedb import FlushBeforeResponse, StateFile, StateFileError, dump

from .config import ToolConfig
from .registrations import RegistrationStore

OWNER = "lti-harness mock tool"


class ToolState:
    """An open state file of the mock tool, with the registrations loaded from it."""

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.file = StateFile(path, OWNER)
        self.registrations = RegistrationStore()
        try:
            for kind, target in (("registration", self.registrations.items), ("deleted", self.registrations.graveyard)):
                for row_id, item in self.file.rows(kind):
                    if not isinstance(item, dict) or item.get("id") != row_id:
                        raise ValueError(f"the {kind} row {row_id!r} is not a registration")
                    target[row_id] = item
        except ValueError as exc:
            self.file.close()
            raise StateFileError(f"{self.file.path}: {exc}") from None
        self.registrations._clock = max(self.registrations._clock, _latest(self.registrations))

    def signing_keys(self, default: list[keys.KeyPair]) -> list[keys.KeyPair]:
        """The stored signing keys; the first time, ``default``, stored for every later start."""
        made = self.file.keep("signing_keys", lambda: json.dumps([{"pem": k.private_pem.decode("ascii"), "kid": k.kid} for k in default]))
        try:
            return [keys.load_pem(k["pem"].encode("ascii"), kid=k["kid"]) for k in json.loads(made)]
        except (ValueError, KeyError, TypeError) as exc:
            raise StateFileError(f"{self.file.path}: the stored signing keys cannot be read ({exc})") from None

    def flush(self) -> None:
        """Write the registrations that changed since the last flush."""
        store = self.registrations
        with store.lock:
            rows = {("registration", i): dump(item) for i, item in store.items.items()}
            rows.update({("deleted", i): dump(item) for i, item in store.graveyard.items()})
        self.file.sync(rows)

    def close(self) -> None:
        self.file.close()


def _latest(store: RegistrationStore) -> datetime:
    """The latest ``createdAt``/``updatedAt`` stored, so ``updatedAt`` keeps moving forward after a restart."""
    latest = datetime.min.replace(tzinfo=timezone.utc)
    for item in [*store.items.values(), *store.graveyard.values()]:
        for name in ("createdAt", "updatedAt"):
            latest = max(latest, _parse(item.get(name)) or latest)
    return latest


def _parse(raw: Any) -> datetime | None:
    try:
        moment = datetime.strptime(str(raw), "%Y-%m-%dT%H:%M:%SZ")
    except ValueError:
        return None
    return moment.replace(tzinfo=timezone.utc)


def attach(app: Any, config: ToolConfig) -> ToolState:
    """Serve ``app`` from the state file ``config.db``: its registrations and signing keys, saved before each answer."""
    state = ToolState(config.db)
    config.signing_keys = state.signing_keys(config.signing_keys)
    app.state.registrations = state.registrations
    app.state.state_file = state
    app.add_middleware(FlushBeforeResponse, flush=state.flush,
                       failure_body=b'{"error":{"code":"platform_unavailable","message":"the state could not be saved","status":503}}')
    return state
