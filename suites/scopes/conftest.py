"""Fixtures of the scopes suite: developer keys created for a check, user and LTI tokens, a course."""

from __future__ import annotations

from typing import Any, Callable

import httpx
import pytest

from lti_harness.harness import apiscopes, schemas, usertokens
from lti_harness.harness.adapters import NotSupported
from lti_harness.harness.client import json_body
from lti_harness.harness.plugin import not_applicable
from lti_harness.harness.session import HarnessSession
from lti_harness.suites import common
from lti_harness.suites.common import LtiKey, course_id, lti_token, new_lti_key, post_assertion, token_url  # noqa: F401

INSUFFICIENT = "Insufficient scopes on access token."


def assert_oauth_refusal(response: httpx.Response, what: str, statuses: tuple[int, ...], errors: tuple[str, ...]) -> None:
    """A refusal with an RFC 6749 §5.2 body, one of ``statuses`` and ``errors``, and no token."""
    body = json_body(response) if response.content else None
    if isinstance(body, dict) and body.get("access_token"):
        raise AssertionError(f"{what}: a token was issued ({response.status_code})")
    assert response.status_code in statuses, f"{what}: answered {response.status_code}, expected {' or '.join(map(str, statuses))}"
    assert not schemas.errors("oauth_error", body), f"{what}: the body is not an OAuth error {{\"error\", \"error_description\"}}: {body!r}"
    assert body["error"] in errors, f"{what}: error {body['error']!r}, expected {' or '.join(errors)}"


@pytest.fixture
def lti_key(platform: HarnessSession) -> LtiKey:
    """A developer key the harness creates, or the profile's hand registration where it cannot."""
    return common.lti_client(platform)


def new_api_key(platform: HarnessSession, scopes: list[str]) -> usertokens.ApiKey:
    """A scoped API developer key (require_scopes) turned on in the account."""
    why = platform.missing("admin_developer_keys")
    if why is not None:
        not_applicable(why)
    redirect = f"{platform.harness_tool.base_url}/oauth2/callback"
    created = platform.adapter.create_developer_key({"name": "LTI Harness API key", "scopes": scopes, "require_scopes": True, "redirect_uris": [redirect]})
    key_id = str(created["id"])
    platform.adapter.set_developer_key_binding(key_id, "on")
    secret = created.get("api_key")
    if not isinstance(secret, str) or not secret:
        not_applicable("the created developer key shows no api_key (client secret), so no user token can be had")
    return usertokens.ApiKey(id=key_id, secret=secret, scopes=list(scopes), redirect_uri=redirect)


@pytest.fixture
def api_key(platform: HarnessSession) -> usertokens.ApiKey:
    """A key holding every scope of the probed endpoints (shared by the checks that only read with it)."""
    if "api_key" not in platform.cache:
        assert platform.platform is not None
        if platform.missing("admin_developer_keys") and platform.platform.user_tokens:  # the profile's tokens stand in
            platform.cache["api_key"] = usertokens.ApiKey(id="pre-issued", secret="", scopes=list(apiscopes.ALL_SCOPES), redirect_uri="")
        else:
            platform.cache["api_key"] = new_api_key(platform, list(apiscopes.ALL_SCOPES))
    return platform.cache["api_key"]


@pytest.fixture
def user_token(platform: HarnessSession) -> Callable[[usertokens.ApiKey, list[str]], str]:
    """``user_token(key, scopes)``: a user token, cached per key and scope set."""
    cache: dict[tuple[str, frozenset[str]], str] = platform.cache.setdefault("user_tokens", {})

    def get(key: usertokens.ApiKey, scopes: list[str]) -> str:
        slot = (key.id, frozenset(scopes))
        if slot in cache:
            return cache[slot]
        reason = platform.cache.get("no_authorize")
        why = platform.missing("user_oauth") or platform.missing("admin_developer_keys")
        if reason is None and why:
            reason = platform.cache["no_authorize"] = why
        if reason is None:
            try:
                cache[slot] = usertokens.obtain(platform.client, platform.adapter, token_url(platform), key, scopes).access_token
                return cache[slot]
            except NotSupported as exc:
                reason = platform.cache["no_authorize"] = str(exc)
        shared = platform.cache.get("api_key")
        if shared is not None and key.id == shared.id:
            found = pre_issued(platform, scopes)
            if found is not None:
                return found
        not_applicable(f"{reason}; nor does the profile list a pre-issued token for exactly {sorted(scopes)} ([[platform.user_tokens]])")
        raise AssertionError("unreachable")

    return get


def pre_issued(platform: HarnessSession, scopes: list[str]) -> str | None:
    """The profile's pre-issued user token for exactly ``scopes``, if it lists one."""
    assert platform.platform is not None
    wanted = frozenset(scopes)
    return next((t.token for t in platform.platform.user_tokens if t.scopes == wanted), None)


def absent_route(platform: HarnessSession, verb: str, pattern: str) -> str | None:
    """Why the route ``verb pattern`` cannot be probed for a refusal on this target (it is absent, or the
    harness cannot tell), or None when it exists. The admin token must reach it: an answer other than 404
    or 405 with the harness's course shows the route is there (cached per route)."""
    assert platform.platform is not None
    verb = "GET" if verb == "HEAD" else verb
    found: dict[tuple[str, str], str | None] = platform.cache.setdefault("api_routes", {})
    if (verb, pattern) not in found:
        if not platform.platform.admin_token:
            found[(verb, pattern)] = f"{verb} {pattern}: the profile gives no admin token to show the route exists"
        else:
            answer = call(platform, platform.platform.admin_token, verb, apiscopes.probe_path(apiscopes.Endpoint(verb, pattern), course_id(platform)))
            found[(verb, pattern)] = (f"{verb} {pattern} is absent on this target (the admin token got {answer.status_code}), so a refusal "
                                      "there would say nothing about scopes") if answer.status_code in (404, 405) else None
    return found[(verb, pattern)]


def present(platform: HarnessSession, endpoints: list[apiscopes.Endpoint]) -> list[apiscopes.Endpoint]:
    """The ``endpoints`` whose routes exist on the target; not applicable when none does."""
    reasons = {e: absent_route(platform, e.verb, e.pattern) for e in endpoints}
    kept = [e for e in endpoints if reasons[e] is None]
    if not kept:
        not_applicable("no probed route exists on this target: " + "; ".join(r for r in reasons.values() if r))
    return kept


def call(platform: HarnessSession, token: str, verb: str, path: str) -> httpx.Response:
    assert platform.platform is not None
    kwargs: dict[str, Any] = {"headers": {"Authorization": f"Bearer {token}", "Accept": "application/json"}}
    if verb in ("PUT", "POST"):
        kwargs["json"] = {}
    return platform.client.request(verb, platform.platform.base_url + path, **kwargs)


def insufficient(response: httpx.Response) -> bool:
    """Canvas's scope refusal: 401 ``{"errors":[{"message":"Insufficient scopes on access token."}]}``."""
    if response.status_code != 401:
        return False
    body = json_body(response) if response.content else None
    messages = [e.get("message") for e in body.get("errors", [])] if isinstance(body, dict) and isinstance(body.get("errors"), list) and all(isinstance(e, dict) for e in body["errors"]) else []
    return INSUFFICIENT in messages


def expect_reachable(platform: HarnessSession, token: str, verb: str, path: str, scopes: list[str]) -> None:
    """Seed 004: a granted endpoint scope lets the request through the scope check (anything but 401)."""
    response = call(platform, token, verb, path)
    assert response.status_code != 401, (
        f"{verb} {path} answered 401 although the token holds {sorted(scopes)}; a granted endpoint scope must let it through "
        f"(seed 004): {response.text[:200]}"
    )


def expect_refused(platform: HarnessSession, token: str, verb: str, path: str, scopes: list[str], pattern: str | None = None) -> bool:
    """Seed 004: an endpoint whose scope was not granted answers 401 (with Canvas's body). A route absent
    on the target is not probed (returns False): its 404 would say nothing about scopes."""
    if pattern is not None and absent_route(platform, verb, pattern):
        return False
    response = call(platform, token, verb, path)
    assert response.status_code == 401, (
        f"{verb} {path} answered {response.status_code}; no scope of {sorted(scopes)} covers it, and an endpoint whose scope "
        "was not granted must answer 401 (seed 004)"
    )
    assert verb == "HEAD" or insufficient(response), f'{verb} {path}: the 401 body is not {{"errors":[{{"message":"{INSUFFICIENT}"}}]}}: {response.text[:200]}'
    return True
