"""State of the mock platform behind a small interface (in-memory by default)."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import Any, Callable, Protocol

from lti_harness.harness import keys


@dataclass
class DeveloperKey:
    """A developer key (canvas-facts §3): an LTI key (public JWK or JWKS URL) or an API key (secret)."""

    id: str
    name: str
    scopes: list[str]
    public_jwk_url: str | None
    redirect_uris: list[str]
    workflow_state: str = "active"
    registration_id: int | None = None
    public_jwk: dict[str, Any] | None = None
    api_key: str = ""
    is_lti_key: bool = True
    require_scopes: bool = True
    binding: str = "on"
    scope_version: int = 0  # bumped whenever a scope is removed: older LTI tokens stop working
    # where a key made through the API (no registration) is launched, and the custom parameters it is sent
    oidc_initiation_url: str = ""
    target_link_uri: str = ""
    custom_fields: dict[str, str] = field(default_factory=dict)


@dataclass
class UserToken:
    """A stored (user) API access token of a developer key, with its refresh token."""

    token: str
    refresh_token: str
    key_id: str
    user_id: int
    scopes: list[str]
    expires_at: float


@dataclass
class User:
    id: int
    name: str
    lti_id: str  # the LTI user id (``sub``) a tool sees


@dataclass
class Result:
    """The tool's score for one user on one line item (AGS ``Result``; canvas-facts §4)."""

    user_id: int
    score_given: float | None = None
    score_maximum: float | None = None
    comment: str | None = None
    activity_progress: str = "Initialized"
    grading_progress: str = "NotReady"
    timestamp: str = ""  # the last accepted score's timestamp (ISO 8601, as sent)
    updated_at: float = 0.0  # the same as epoch seconds
    attempts: int = 0
    submitted_at: str | None = None
    body: str | None = None  # LTI 1.1 data return: text
    url: str | None = None  # LTI 1.1 data return: url or ltiLaunchUrl
    workflow_state: str = "unsubmitted"  # submitted | graded | pending_review
    graded_by: str | None = None  # "tool" or "teacher"


@dataclass
class LineItem:
    id: int
    course_id: int
    label: str
    score_maximum: float
    client_id: str | None  # the developer key of the tool that owns it
    resource_id: str | None = None
    tag: str | None = None
    resource_link_id: str | None = None
    start_date_time: str | None = None
    end_date_time: str | None = None
    submission_types: list[str] = field(default_factory=lambda: ["external_tool"])
    allowed_attempts: int | None = None
    results: dict[int, Result] = field(default_factory=dict)


@dataclass
class Course:
    id: int
    name: str
    account_id: str
    workflow_state: str = "available"  # available | completed (concluded) | deleted
    tools: dict[str, str] = field(default_factory=dict)  # developer key id -> deployment id
    line_items: list[LineItem] = field(default_factory=list)
    students: set[int] = field(default_factory=set)
    teachers: set[int] = field(default_factory=set)
    resource_links: dict[str, str] = field(default_factory=dict)  # resource link id -> developer key id
    legacy_tools: dict[str, tuple[str, str]] = field(default_factory=dict)  # LTI 1.1 tool id -> (consumer key, shared secret)
    modules: list[dict[str, Any]] = field(default_factory=list)  # Canvas's modules with their items (what deep links created)


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
    def add_key(self, key: DeveloperKey) -> None: ...
    def developer_keys(self) -> list[DeveloperKey]: ...
    def add_user_token(self, token: UserToken) -> None: ...
    def user_token(self, token: str) -> UserToken | None: ...
    def user_token_by_refresh(self, refresh_token: str) -> UserToken | None: ...
    def drop_user_tokens(self, key_id: str) -> int: ...
    def add_code(self, code: str, grant: dict[str, Any]) -> None: ...
    def take_code(self, code: str) -> dict[str, Any] | None: ...
    def add_course(self, course: Course) -> None: ...
    def add_user(self, user: User) -> None: ...
    def user(self, user_id: int) -> User | None: ...
    def user_by_lti_id(self, lti_id: str) -> User | None: ...
    def course(self, course_id: int) -> Course | None: ...
    def courses(self) -> list[Course]: ...
    def outcome_nonces(self) -> set[str]: ...
    def keep(self, name: str, make: Callable[[], str]) -> str: ...
    def signing_key(self) -> keys.KeyPair: ...
    def flush(self) -> None: ...


class MemoryStore:
    """Thread-safe in-memory store (the default; ``sqlstore.SqliteStore`` keeps the same state in a file).

    Handlers change the objects they get in place; a persistent store writes those changes when
    :meth:`flush` runs (before every answer), so every attribute here is either saved or named in
    ``sqlstore.NOT_SAVED``."""

    def __init__(self, first_id: int = 10000000000001) -> None:
        self._lock = threading.Lock()
        self._next = first_id
        self._used_tokens: set[str] = set()
        self._registrations: dict[int, Registration] = {}
        self._keys: dict[str, DeveloperKey] = {}
        self._flags: dict[tuple[str, str], bool] = {}
        self._user_tokens: dict[str, UserToken] = {}
        self._codes: dict[str, dict[str, Any]] = {}
        self._courses: dict[int, Course] = {}
        self._users: dict[int, User] = {}
        self._outcome_nonces: set[str] = set()  # LTI 1.1 outcomes: consumer key + OAuth nonce already seen
        self._kept: dict[str, str] = {}  # values made once (see keep)
        self._signing_key: keys.KeyPair | None = None

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

    def add_key(self, key: DeveloperKey) -> None:
        with self._lock:
            self._keys[key.id] = key

    def developer_keys(self) -> list[DeveloperKey]:
        return sorted(self._keys.values(), key=lambda k: int(k.id) if k.id.isdigit() else 0)

    def add_user_token(self, token: UserToken) -> None:
        with self._lock:
            self._user_tokens[token.token] = token

    def user_token(self, token: str) -> UserToken | None:
        return self._user_tokens.get(token)

    def user_token_by_refresh(self, refresh_token: str) -> UserToken | None:
        return next((t for t in list(self._user_tokens.values()) if t.refresh_token == refresh_token), None)

    def drop_user_tokens(self, key_id: str) -> int:
        """Destroy every stored token of a developer key; how many there were."""
        with self._lock:
            doomed = [t for t, v in self._user_tokens.items() if v.key_id == key_id]
            for t in doomed:
                del self._user_tokens[t]
            return len(doomed)

    def add_code(self, code: str, grant: dict[str, Any]) -> None:
        with self._lock:
            self._codes[code] = grant

    def take_code(self, code: str) -> dict[str, Any] | None:
        """An authorization code's grant, usable once."""
        with self._lock:
            return self._codes.pop(code, None)

    def add_course(self, course: Course) -> None:
        with self._lock:
            self._courses[course.id] = course

    def course(self, course_id: int) -> Course | None:
        return self._courses.get(course_id)

    def courses(self) -> list[Course]:
        return sorted(self._courses.values(), key=lambda c: c.id)

    def outcome_nonces(self) -> set[str]:
        """The OAuth 1.0a nonces of LTI 1.1 outcomes requests already seen (the set itself, to add to)."""
        return self._outcome_nonces

    def keep(self, name: str, make: Callable[[], str]) -> str:
        """A value made once per store (the platform's secrets); a persistent store keeps it across restarts."""
        with self._lock:
            if name not in self._kept:
                self._kept[name] = make()
            return self._kept[name]

    def signing_key(self) -> keys.KeyPair:
        """The platform's RS256 signing key, made once per store (a persistent store keeps it across restarts)."""
        with self._lock:
            if self._signing_key is None:
                self._signing_key = keys.generate()
            return self._signing_key

    def flush(self) -> None:
        """Save what changed (nothing to do in memory)."""

    def add_user(self, user: User) -> None:
        with self._lock:
            self._users[user.id] = user

    def user(self, user_id: int) -> User | None:
        return self._users.get(user_id)

    def user_by_lti_id(self, lti_id: str) -> User | None:
        return next((u for u in list(self._users.values()) if u.lti_id == lti_id), None)
