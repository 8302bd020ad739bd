"""The tool's half of LTI Dynamic Registration, as the harness performs it against a platform."""

from __future__ import annotations

import copy
from typing import Any
from urllib.parse import quote

import httpx

from . import keys
from .client import Client

TOOL_CONFIG = "https://purl.imsglobal.org/spec/lti-tool-configuration"
REG_READ_SCOPE = "https://purl.imsglobal.org/spec/lti-reg/scope/registration.readonly"
REG_SCOPE = "https://purl.imsglobal.org/spec/lti-reg/scope/registration"
CANVAS_PREFIX = "https://canvas.instructure.com/lti/"
PLACEMENT_ALIASES = {"ContentArea": "link_selection", "RichTextEditor": "editor_button"}


def sample_registration(tool_url: str, jwks_url: str, *, scopes: list[str] | None = None, name: str = "LTI Harness Tool") -> dict[str, Any]:
    """A complete, valid registration body for the harness's tool."""
    host = tool_url.split("://", 1)[-1].split("/", 1)[0]
    launch = f"{tool_url}/launch"
    return {
        "application_type": "web",
        "client_name": name,
        "grant_types": ["client_credentials", "implicit"],
        "response_types": ["id_token"],
        "initiate_login_uri": f"{tool_url}/login",
        "redirect_uris": [launch],
        "jwks_uri": jwks_url,
        "token_endpoint_auth_method": "private_key_jwt",
        "logo_uri": f"{tool_url}/logo.png",
        "scope": " ".join(scopes if scopes is not None else [REG_READ_SCOPE, "https://purl.imsglobal.org/spec/lti-ags/scope/score"]),
        TOOL_CONFIG: {
            "domain": host,
            "target_link_uri": launch,
            "claims": ["iss", "sub", "name", "email"],
            "custom_parameters": {"harness": "yes"},
            "messages": [
                {
                    "type": "LtiResourceLinkRequest",
                    "label": "Harness launch",
                    "target_link_uri": launch,
                    "placements": ["course_navigation"],
                    "custom_parameters": {"foo": "bar"},
                    "roles": ["http://purl.imsglobal.org/vocab/lis/v2/membership#Instructor"],
                },
                {"type": "LtiDeepLinkingRequest", "label": "Harness picker", "placements": ["assignment_selection"]},
            ],
        },
    }


def with_token_in_url(url: str, token: str) -> str:
    """The OpenID configuration URL, adding ``registration_token`` when the platform left it out."""
    if "registration_token=" in url:
        return url
    return f"{url}{'&' if '?' in url else '?'}registration_token={quote(token)}"


def post_registration(client: Client, endpoint: str, token: str | None, body: Any, *, form: bool = False) -> httpx.Response:
    """POST a registration as a tool does: JSON (default) or Rails-style form-encoded."""
    headers = {"Accept": "application/json"}
    if token is not None:
        headers["Authorization"] = f"Bearer {token}"
    if form:
        return client.post(endpoint, content=form_encode(body), headers={**headers, "Content-Type": "application/x-www-form-urlencoded"})
    return client.post(endpoint, json=body, headers=headers)


def form_encode(body: dict[str, Any]) -> str:
    """Rails bracket notation: ``a[b][]=1`` for nested objects and lists."""
    pairs: list[tuple[str, str]] = []

    def walk(prefix: str, value: Any) -> None:
        if isinstance(value, dict):
            for k, v in value.items():
                walk(f"{prefix}[{k}]" if prefix else str(k), v)
        elif isinstance(value, list):
            for v in value:
                walk(f"{prefix}[]", v)
        elif value is not None:
            pairs.append((prefix, "true" if value is True else "false" if value is False else str(value)))

    walk("", body)
    return "&".join(f"{quote(k, safe='[]')}={quote(v, safe='')}" for k, v in pairs)


def request_token(
    client: Client, token_endpoint: str, client_id: str, key: keys.KeyPair, scopes: list[str], audience: str | None = None
) -> httpx.Response:
    """Client credentials with a JWT assertion (ims-facts.md §3.1)."""
    assertion = keys.client_assertion(key, client_id, audience or token_endpoint)
    return client.post(
        token_endpoint,
        data={
            "grant_type": "client_credentials",
            "client_assertion_type": "urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
            "client_assertion": assertion,
            "scope": " ".join(scopes),
        },
        headers={"Accept": "application/json"},
    )


def normal_placement(name: str) -> str:
    name = name[len(CANVAS_PREFIX):] if name.startswith(CANVAS_PREFIX) else name
    return PLACEMENT_ALIASES.get(name, name)


def echo_differences(sent: dict[str, Any], answered: dict[str, Any]) -> list[str]:
    """What the platform's answer fails to echo of the sent registration (empty when all is echoed)."""
    problems: list[str] = []
    for field_ in ("client_name", "initiate_login_uri", "jwks_uri"):
        if field_ in sent and answered.get(field_) != sent[field_]:
            problems.append(f"{field_}: sent {sent[field_]!r}, answered {answered.get(field_)!r}")
    if "redirect_uris" in sent and sorted(answered.get("redirect_uris") or []) != sorted(sent["redirect_uris"]):
        problems.append(f"redirect_uris: sent {sent['redirect_uris']!r}, answered {answered.get('redirect_uris')!r}")
    sent_tc = sent.get(TOOL_CONFIG) or {}
    got_tc = answered.get(TOOL_CONFIG)
    if not isinstance(got_tc, dict):
        return problems + [f"{TOOL_CONFIG} is missing from the answer"]
    for field_ in ("domain", "target_link_uri"):
        if field_ in sent_tc and got_tc.get(field_) != sent_tc[field_]:
            problems.append(f"tool configuration {field_}: sent {sent_tc[field_]!r}, answered {got_tc.get(field_)!r}")
    if "claims" in sent_tc and sorted(map(str, got_tc.get("claims") or [])) != sorted(map(str, sent_tc["claims"])):
        problems.append(f"tool configuration claims: sent {sent_tc['claims']!r}, answered {got_tc.get('claims')!r}")
    got_messages = [m for m in got_tc.get("messages") or [] if isinstance(m, dict)]
    for i, msg in enumerate(sent_tc.get("messages") or []):
        if not _message_echoed(msg, got_messages):
            problems.append(f"tool configuration messages[{i}] ({msg.get('type')}, placements {msg.get('placements')}) is not echoed")
    return problems


def _message_echoed(sent: dict[str, Any], answered: list[dict[str, Any]]) -> bool:
    for got in answered:
        if got.get("type") != sent.get("type"):
            continue
        if "placements" in sent:
            want = {normal_placement(p) for p in sent["placements"]}
            have = {normal_placement(str(p)) for p in got.get("placements") or []}
            if not want <= have:
                continue
        if any(k in sent and got.get(k) != sent[k] for k in ("target_link_uri", "label", "custom_parameters")):
            continue
        if "roles" in sent and sorted(got.get("roles") or []) != sorted(sent["roles"]):
            continue
        return True
    return False


def mutated(body: dict[str, Any], path: tuple[str, ...], value: Any = ...) -> dict[str, Any]:
    """A deep copy of ``body`` with the field at ``path`` replaced (or removed when ``value`` is omitted)."""
    out = copy.deepcopy(body)
    target: Any = out
    for part in path[:-1]:
        target = target[int(part)] if isinstance(target, list) else target[part]
    last = path[-1]
    if isinstance(target, list):
        if value is ...:
            target.pop(int(last))
        else:
            target[int(last)] = value
    elif value is ...:
        target.pop(last, None)
    else:
        target[last] = value
    return out
