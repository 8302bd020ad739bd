"""The tool's half of LTI Dynamic Registration, as the harness performs it against a platform."""

from __future__ import annotations

import copy
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

import httpx

from lti_harness.vocab import INSTRUCTOR, REG_READ_SCOPE, REG_SCOPE, SCORE_SCOPE, TOOL_CONFIG

from . import keys, redact
from .client import Client, json_body
from .results import precondition

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
        "scope": " ".join(scopes if scopes is not None else [REG_READ_SCOPE, SCORE_SCOPE]),
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
                    "roles": [INSTRUCTOR],
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
        response = client.post(endpoint, content=form_encode(body), headers={**headers, "Content-Type": "application/x-www-form-urlencoded"})
    else:
        response = client.post(endpoint, json=body, headers=headers)
    if response.status_code in (200, 201):
        try:
            made = response.json()
        except ValueError:
            made = None
        if isinstance(made, dict) and made.get("client_id"):
            client.note_created(f"an LTI registration (client_id {made['client_id']}) via POST {redact.url(endpoint)}")
    return response


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


@dataclass
class RegisteredTool:
    """A tool the harness registered on the platform, able to get LTI tokens and update itself."""

    client: Client
    key: keys.KeyPair
    client_id: str
    registration_id: str
    registration_client_uri: str
    token_endpoint: str
    sent: dict[str, Any]
    answer: dict[str, Any]

    @property
    def configuration_url(self) -> str:
        return f"{self.registration_client_uri}/configuration"

    def token_response(self, scopes: list[str]) -> httpx.Response:
        return request_token(self.client, self.token_endpoint, self.client_id, self.key, scopes)

    def token(self, scopes: list[str]) -> str:
        """An LTI access token for ``scopes``, fetched now. A refusal is a set-up problem (the check ends
        ``error``); where getting the token is the rule itself, use :meth:`token_response` and assert."""
        response = self.token_response(scopes)
        body = json_body(response) if response.status_code == 200 else None
        precondition(
            isinstance(body, dict) and isinstance(body.get("access_token"), str),
            f"the token endpoint refused {sorted(scopes)} to the registered tool {self.client_id} (a set-up step of "
            f"this check): {response.status_code} {response.text[:300]}",
        )
        return str(body["access_token"])  # type: ignore[index]

    def read_now(self) -> httpx.Response:
        """GET the configuration with a registration.readonly token fetched just now. A token from before
        an update, an ignore, a scope or flag change may have been invalidated (seed 004 allows it)."""
        return self.read(self.token([REG_READ_SCOPE]))

    def update_now(self, body: Any) -> httpx.Response:
        """PUT an update with a registration token fetched just now."""
        return self.update(self.token([REG_SCOPE]), body)

    def read(self, token: str | None) -> httpx.Response:
        headers = {"Accept": "application/json"}
        if token is not None:
            headers["Authorization"] = f"Bearer {token}"
        return self.client.get(self.configuration_url, headers=headers)

    def update(self, token: str | None, body: Any) -> httpx.Response:
        headers = {"Accept": "application/json"}
        if token is not None:
            headers["Authorization"] = f"Bearer {token}"
        return self.client.put(self.configuration_url, json=body, headers=headers)


def discover(client: Client, base_url: str, token: str, oidc_url: str) -> dict[str, Any]:
    """The platform's OpenID configuration ({} when it cannot be read)."""
    response = client.get(with_token_in_url(oidc_url or f"{base_url}/api/lti/security/openid-configuration", token), headers={"Accept": "application/json"})
    if response.status_code != 200:
        return {}
    body = json_body(response)
    return body if isinstance(body, dict) else {}


def register_tool(client: Client, adapter: Any, base_url: str, tool_url: str, jwks_url: str, key: keys.KeyPair, scopes: list[str], **overrides: Any) -> RegisteredTool:
    """Register the harness's tool with ``scopes`` (all of dynamic registration, done as a tool does).
    Used to arrange other checks: a refusal ends the calling check ``error``, not ``failed``."""
    issued = adapter.registration_token()
    doc = discover(client, base_url, issued.token, issued.oidc_configuration_url)
    endpoint = doc.get("registration_endpoint") or f"{base_url}/api/lti/registrations"
    body = sample_registration(tool_url, jwks_url, scopes=scopes)
    body.update(overrides)
    response = post_registration(client, endpoint, issued.token, body)
    precondition(response.status_code in (200, 201),
                 f"registering the harness's tool (a set-up step of this check) was refused: {response.status_code} {response.text[:300]}")
    answer = json_body(response)
    precondition(isinstance(answer, dict), "registering the harness's tool answered no JSON object")
    uri = str(answer.get("registration_client_uri") or "")
    precondition(uri.startswith(("http://", "https://")),
                 "the registration answer has no registration_client_uri, so the tool cannot read or update its configuration")
    precondition(answer.get("client_id") not in (None, ""), "the registration answer has no client_id")
    return RegisteredTool(
        client=client, key=key, client_id=str(answer.get("client_id")), registration_id=uri.rstrip("/").rsplit("/", 1)[-1],
        registration_client_uri=uri.rstrip("/"), token_endpoint=doc.get("token_endpoint") or f"{base_url}/login/oauth2/token",
        sent=body, answer=answer,
    )


OPTIONAL_TOP = ("logo_uri", "client_uri", "tos_uri", "policy_uri", "contacts")
OPTIONAL_TOOL = ("custom_parameters", "description", "secondary_domains", CANVAS_PREFIX + "privacy_level")


def replacement_differences(submitted: dict[str, Any], current: dict[str, Any]) -> list[str]:
    """How ``current`` fails to equal ``submitted`` exactly: missing echoes, and leftovers of an
    older configuration that the submission omitted (a merge instead of a replace)."""
    problems = echo_differences(submitted, current)
    for name in OPTIONAL_TOP:
        if name not in submitted and current.get(name) not in (None, [], ""):
            problems.append(f"{name} was not in the update but is still {current.get(name)!r}")
    sent_tc, got_tc = submitted.get(TOOL_CONFIG) or {}, current.get(TOOL_CONFIG) or {}
    for name in OPTIONAL_TOOL:
        if name not in sent_tc and got_tc.get(name) not in (None, {}, [], ""):
            problems.append(f"tool configuration {name} was not in the update but is still {got_tc.get(name)!r}")
    if len(got_tc.get("messages") or []) != len(sent_tc.get("messages") or []):
        problems.append(f"{len(sent_tc.get('messages') or [])} messages were sent but {len(got_tc.get('messages') or [])} are configured")
    sent_scopes = set(str(submitted.get("scope") or "").split()) - {"openid"}
    got_scopes = set(str(current.get("scope") or "").split()) - {"openid"}
    if sent_scopes != got_scopes:
        problems.append(f"scopes: sent {sorted(sent_scopes)}, configured {sorted(got_scopes)}")
    return problems
