"""Hypothesis strategies that build valid registration bodies directly from the registration schema's
own lists (scopes, message types, placements), with no rejection sampling; tests/test_generators.py
proves every body they make validates against the schema."""

from __future__ import annotations

import string
from functools import lru_cache
from typing import Any

from hypothesis import strategies as st

from lti_harness.harness import schemas
from lti_harness.vocab import TOOL_CONFIG

CANVAS = "https://canvas.instructure.com/lti/"
_LABEL = st.text(string.ascii_lowercase + string.digits, min_size=1, max_size=10)
_PATHS = st.sampled_from(["", "launch", "login", "jwks", "lti/launch", "a-b_c.~d", "deep/link/1", "x?y=1", "tool/%C3%A9"])
_WORD = st.text(min_size=0, max_size=16)  # any text: names and labels are opaque strings


@st.composite
def _host(draw: st.DrawFn) -> str:
    labels = draw(st.lists(_LABEL, min_size=1, max_size=3))
    port = draw(st.none() | st.integers(1, 65535))
    return ".".join([*labels, "example"]) + (f":{port}" if port is not None else "")


@st.composite
def _url(draw: st.DrawFn, host: str | None = None) -> str:
    scheme = draw(st.sampled_from(["https", "http"]))
    return f"{scheme}://{host or draw(_host())}/{draw(_PATHS)}"


def _optional(**fields: st.SearchStrategy[Any]) -> st.SearchStrategy[dict[str, Any]]:
    return st.fixed_dictionaries({}, optional=fields)


def _strings() -> st.SearchStrategy[dict[str, str]]:
    return st.dictionaries(_LABEL, _WORD, max_size=3)


def _placements(kind: str) -> list[str]:
    """Every placement name the schema allows for a message of ``kind``: bare, prefixed (except the
    never-prefixed ones) and the IMS aliases allowed where their Canvas placement is."""
    defs = schemas.load("lti_message")["$defs"]
    bare = defs["resource_link_placement" if kind == "LtiResourceLinkRequest" else "deep_linking_placement"]["enum"]
    never = set(defs["never_prefixed_placement"]["enum"])
    aliases = [alias for alias, canvas in defs["placement_alias"]["const"].items() if canvas in bare]
    return [*bare, *(CANVAS + p for p in bare if p not in never), *aliases]


@st.composite
def _message(draw: st.DrawFn, host: str) -> dict[str, Any]:
    kind = draw(st.sampled_from(["LtiResourceLinkRequest", "LtiDeepLinkingRequest"]))
    url_or_none = st.none() | _url(host)
    extra = draw(_optional(**{
        "target_link_uri": url_or_none,
        "icon_uri": url_or_none,
        "label": _WORD,
        "custom_parameters": _strings(),
        "roles": st.lists(_WORD, max_size=2),
        "placements": st.lists(st.sampled_from(_placements(kind)), max_size=3, unique=True),
        f"{CANVAS}course_navigation/default_enabled": st.booleans(),
        f"{CANVAS}visibility": st.sampled_from(["admins", "members", "public", None]),
        f"{CANVAS}display_type": st.sampled_from(["default", "full_width", "new_window", "borderless"]),
        f"{CANVAS}launch_width": st.none() | st.integers(1, 2000) | st.sampled_from(["500", "100%"]),
        f"{CANVAS}launch_height": st.none() | st.integers(1, 2000) | st.sampled_from(["400", "100%"]),
    }))
    return {"type": kind, **extra}


@st.composite
def _tool_configuration(draw: st.DrawFn, host: str) -> dict[str, Any]:
    required = {
        "domain": host,
        "target_link_uri": draw(_url(host)),
        "claims": draw(st.lists(st.sampled_from(["iss", "sub", "name", "given_name", "family_name", "email", "picture", "locale"]) | _WORD, max_size=5)),
        "messages": draw(st.lists(_message(host), max_size=3)),
    }
    extra = draw(_optional(**{
        "secondary_domains": st.lists(_host(), max_size=2),
        "deployment_id": _LABEL,
        "custom_parameters": _strings(),
        "description": _WORD,
        f"{CANVAS}privacy_level": st.sampled_from(["public", "name_only", "email_only", "anonymous", None]),
    }))
    return {**required, **extra}


@st.composite
def _registration(draw: st.DrawFn) -> dict[str, Any]:
    host = draw(_host())
    url = _url(host)
    url_or_none = st.none() | url
    scopes = schemas.load("lti_scope_string")["$defs"]["known_scope"]["enum"]
    body = {
        "application_type": "web",
        "grant_types": draw(st.permutations(["client_credentials", "implicit"])),
        "response_types": ["id_token"],
        "redirect_uris": draw(st.lists(url, min_size=1, max_size=3)),
        "initiate_login_uri": draw(url),
        "client_name": draw(st.text(min_size=1, max_size=30)),
        "jwks_uri": draw(url),
        "token_endpoint_auth_method": "private_key_jwt",
    }
    body |= draw(_optional(
        logo_uri=url_or_none,
        scope=st.none() | st.lists(st.sampled_from(scopes), max_size=5, unique=True).map(" ".join),
        contacts=st.lists(_LABEL.map(lambda name: f"{name}@{host.split(':')[0]}"), max_size=2),
        client_uri=url_or_none,
        tos_uri=url_or_none,
        policy_uri=url_or_none,
    ))
    body[TOOL_CONFIG] = draw(_tool_configuration(host))
    return body


@lru_cache(maxsize=None)
def registration_bodies() -> st.SearchStrategy[dict[str, Any]]:
    """Valid registration (and registration update) bodies, built once per process."""
    return _registration()
