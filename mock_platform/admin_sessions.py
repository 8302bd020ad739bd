"""Browser sessions of the mock platform's admin pages: an opaque session id in a cookie, the session
itself (signed in or not, its CSRF token) kept on the server.

The cookie (``mock_canvas_admin``: HttpOnly, SameSite=Strict, Path=/admin, Secure over https) holds
only a random id; the admin token a person signs in with is compared and forgotten, never stored in
the session or sent back. Every form carries the session's CSRF token, compared in constant time.
Signing in replaces the session (a new id), so an id seen before sign-in is worth nothing after it.
The launch pages' session cookie (``launches.SESSION_COOKIE``) is a different cookie with another path.
"""

from __future__ import annotations

import secrets
import time
from dataclasses import dataclass, field
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

COOKIE = "mock_canvas_admin"
PATH = "/admin"
IDLE_SECONDS = 8 * 3600  # a session unused this long is gone
MAX_SESSIONS = 256  # kept per platform; past it the oldest go (sessions not signed in first)
STATE_KEY = "admin_sessions"  # where the app's state keeps them


@dataclass
class AdminSession:
    """One browser's session: its id (the cookie's value), its CSRF token, whether it signed in."""

    id: str = field(default_factory=lambda: secrets.token_urlsafe(32))
    csrf: str = field(default_factory=lambda: secrets.token_urlsafe(32))
    signed_in: bool = False
    seen: float = field(default_factory=time.monotonic)


def _sessions(request: Request) -> dict[str, AdminSession]:
    state = request.app.state
    found = getattr(state, STATE_KEY, None)
    if found is None:
        found = {}
        setattr(state, STATE_KEY, found)
    return found


def current(request: Request) -> AdminSession | None:
    """The session the request's cookie names, unless unknown or idle too long."""
    raw = request.cookies.get(COOKIE, "")
    sessions = _sessions(request)
    found = sessions.get(raw) if raw else None
    if found is None:
        return None
    if time.monotonic() - found.seen > IDLE_SECONDS:
        sessions.pop(found.id, None)
        return None
    found.seen = time.monotonic()
    return found


def start(request: Request, *, signed_in: bool) -> AdminSession:
    """A new session (the one the request had, if any, ends: a fresh id at sign-in)."""
    sessions = _sessions(request)
    old = current(request)
    if old is not None:
        sessions.pop(old.id, None)
    while len(sessions) >= MAX_SESSIONS:
        oldest = min(sessions.values(), key=lambda s: (s.signed_in, s.seen))
        sessions.pop(oldest.id)
    session = AdminSession(signed_in=signed_in)
    sessions[session.id] = session
    return session


def end(request: Request) -> None:
    """Forget the request's session (sign out)."""
    found = current(request)
    if found is not None:
        _sessions(request).pop(found.id, None)


def set_cookie(request: Request, response: Response, session: AdminSession) -> None:
    """Send the session's id: HttpOnly, SameSite=Strict, Path=/admin, Secure when served over https."""
    response.set_cookie(COOKIE, session.id, path=PATH, httponly=True, samesite="strict",
                        secure=request.url.scheme == "https")


def clear_cookie(request: Request, response: Response) -> None:
    """Tell the browser to drop the session cookie."""
    response.delete_cookie(COOKIE, path=PATH, httponly=True, samesite="strict", secure=request.url.scheme == "https")


def csrf_ok(session: AdminSession | None, form: dict[str, Any]) -> bool:
    """Whether the form's ``csrf_token`` is the session's (constant-time comparison)."""
    given = form.get("csrf_token")
    if session is None or not isinstance(given, str) or not given:
        return False
    return secrets.compare_digest(given.encode("utf-8"), session.csrf.encode("utf-8"))
