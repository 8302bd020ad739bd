"""Developer key admin routes as Canvas has them: create in an account, update (scopes, name,
activate/deactivate), delete, and the per-account binding (canvas-facts.md §3; seed 004).

Removing a scope from a key destroys its stored user tokens (seed 004, "Note"); the documents say
*all* tokens derived from the key, so LTI tokens issued before the removal stop working too
(real Canvas keeps those until they expire: fault ``lti-tokens-survive-scope-removal``).
"""

from __future__ import annotations

import json
import secrets
from functools import lru_cache
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from lti_harness.harness import schemas

from . import apiscopes, faults, web
from .config import Platform
from .store import DeveloperKey

BINDING_STATES = ("on", "off", "allow")


def key_json(key: DeveloperKey, *, with_secret: bool = True) -> dict[str, Any]:
    """A developer key as Canvas's API shows it to an account admin."""
    out: dict[str, Any] = {
        "id": key.id,
        "name": key.name,
        "scopes": list(key.scopes),
        "require_scopes": key.require_scopes,
        "workflow_state": key.workflow_state,
        "is_lti_key": key.is_lti_key,
        "public_jwk": key.public_jwk,
        "public_jwk_url": key.public_jwk_url,
        "redirect_uris": list(key.redirect_uris),
        "redirect_uri": key.redirect_uris[0] if key.redirect_uris else None,
        "developer_key_account_binding": binding_json(key),
    }
    if key.is_lti_key:
        out.update(oidc_initiation_url=key.oidc_initiation_url or None, target_link_uri=key.target_link_uri or None,
                   custom_fields=dict(key.custom_fields))
    if with_secret and not key.is_lti_key:
        out["api_key"] = key.api_key
    return out


def binding_json(key: DeveloperKey) -> dict[str, Any]:
    return {"developer_key_id": key.id, "workflow_state": key.binding, "account_owns_binding": True}


def _invalid(message: str) -> web.Refusal:
    return web.api_error(message, 400)


def _as_list(value: Any, name: str) -> list[str]:
    """A list of strings from JSON, a form ``name[]`` list, or a newline-separated string."""
    if value is None:
        return []
    if isinstance(value, str):
        return [v.strip() for v in value.splitlines() if v.strip()]
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return list(value)
    raise _invalid(f"{name} must be a list of strings")


def _as_bool(value: Any, name: str, default: bool) -> bool:
    if value is None:
        return default
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.lower() in ("true", "false", "1", "0"):
        return value.lower() in ("true", "1")
    raise _invalid(f"{name} must be true or false")


def _fields(params: dict[str, Any]) -> dict[str, Any]:
    fields = params.get("developer_key")
    if not isinstance(fields, dict):
        raise _invalid("developer_key is missing")
    return fields


def _launch_fields(fields: dict[str, Any]) -> dict[str, Any]:
    """Where an LTI key's tool is launched (``oidc_initiation_url``, ``target_link_uri``) and its
    ``custom_fields`` (name -> string), as Canvas's LTI key settings hold them; only those given."""
    out: dict[str, Any] = {}
    for name in ("oidc_initiation_url", "target_link_uri"):
        if name in fields:
            value = fields[name]
            if not isinstance(value, str) or (value and not value.startswith(("http://", "https://"))):
                raise _invalid(f"{name} must be an http(s) URL")
            out[name] = value
    if "custom_fields" in fields:
        custom = fields["custom_fields"]
        if not isinstance(custom, dict) or not all(isinstance(k, str) and isinstance(v, str) for k, v in custom.items()):
            raise _invalid("custom_fields must map names to strings")
        out["custom_fields"] = dict(custom)
    return out


def _check_scopes(scopes: list[str]) -> None:
    unknown = [s for s in scopes if not (apiscopes.is_known_api_scope(s) or s in schemas.known_lti_scopes())]
    if unknown:
        raise _invalid(f"Requested scopes are invalid: {', '.join(unknown)}")


def _public_jwk(raw: Any) -> Any:
    if isinstance(raw, str):
        try:
            raw = json.loads(raw)
        except ValueError:
            raise _invalid("public_jwk must be a JSON object") from None
    if raw is not None and (not isinstance(raw, dict) or raw.get("kty") != "RSA" or not raw.get("n") or not raw.get("e")):
        raise _invalid("public_jwk must be an RSA public JWK with kty, n and e")
    if raw is not None and not _JWK().is_valid(raw):  # Canvas builds the key: n and e must be base64url, no private members
        raise _invalid("public_jwk must be an RSA public JWK with kty, n and e")
    return raw


@lru_cache(maxsize=1)
def _JWK() -> Any:  # noqa: N802 - a cached validator
    """The validator of the public JWK a developer key holds (``schemas/developer_key.json`` ``$defs/rsa_public_jwk``)."""
    from jsonschema import Draft202012Validator

    return Draft202012Validator(schemas.load("developer_key")["$defs"]["rsa_public_jwk"])


@web.admin_only(account=True, body=True)
async def create_key(request: Request, platform: Platform, params: dict[str, Any]) -> Response:
    """POST /api/v1/accounts/:account_id/developer_keys with ``developer_key[...]``."""
    fields = _fields(params)
    scopes = _as_list(fields.get("scopes"), "scopes")
    redirects = _as_list(fields.get("redirect_uris"), "redirect_uris")
    if isinstance(fields.get("redirect_uri"), str):
        redirects = [fields["redirect_uri"], *redirects]
    require = _as_bool(fields.get("require_scopes"), "require_scopes", False)
    is_lti = _as_bool(fields.get("is_lti_key"), "is_lti_key", False)
    _check_scopes(scopes)
    jwk, jwk_url = _public_jwk(fields.get("public_jwk")), fields.get("public_jwk_url")
    if jwk_url is not None and (not isinstance(jwk_url, str) or not jwk_url.startswith(("http://", "https://"))):
        raise _invalid("public_jwk_url must be an http(s) URL")
    if is_lti and not (jwk or jwk_url):
        raise _invalid("an LTI key needs public_jwk or public_jwk_url")
    name = fields.get("name", "")
    if not isinstance(name, str) or len(name) > 255:
        raise _invalid("name must be a string of at most 255 characters")
    key = DeveloperKey(
        id=str(platform.store.next_id()),
        name=name,
        scopes=scopes,
        public_jwk_url=jwk_url,
        redirect_uris=redirects,
        public_jwk=jwk,
        api_key=secrets.token_urlsafe(48),
        is_lti_key=is_lti,
        # canvas-facts §3: require_scopes is forced on for keys with a public JWK or JWK URL
        require_scopes=require or bool(jwk or jwk_url),
        **_launch_fields(fields),
    )
    platform.store.add_key(key)
    return web.json_response(key_json(key))


def _key(request: Request, platform: Platform) -> DeveloperKey:
    """The path's developer key unless deleted, else 404."""
    if platform.has(faults.DEVELOPER_KEY_ID_500):
        int(request.path_params["key_id"])  # the bug: a non-numeric id raises, an unhandled error (500)
    key = platform.store.developer_key(request.path_params["key_id"])
    if key is None or key.workflow_state == "deleted":
        raise web.api_error(web.NOT_FOUND, 404)
    return key


def set_scopes(platform: Platform, key: DeveloperKey, scopes: list[str]) -> None:
    """Replace a key's scopes; a removal invalidates the tokens derived from the key (seed 004)."""
    removed = set(key.scopes) - set(scopes)
    key.scopes = list(scopes)
    if removed:
        if not platform.has(faults.REMOVED_SCOPE_TOKENS_STILL_WORK):
            platform.store.drop_user_tokens(key.id)
        if not platform.has(faults.LTI_TOKENS_SURVIVE_SCOPE_REMOVAL):
            key.scope_version += 1


@web.admin_only(body=True)
async def update_key(request: Request, platform: Platform, params: dict[str, Any]) -> Response:
    """PUT /api/v1/developer_keys/:id: ``event`` (activate | deactivate), ``scopes``, ``name``, ``require_scopes``, ``redirect_uris``."""
    key = _key(request, platform)
    fields = _fields(params)
    event = fields.get("event")
    if event is not None and event not in ("activate", "deactivate"):
        raise _invalid("event must be activate or deactivate")
    scopes = _as_list(fields["scopes"], "scopes") if "scopes" in fields else None
    redirects = _as_list(fields["redirect_uris"], "redirect_uris") if "redirect_uris" in fields else None
    require = _as_bool(fields.get("require_scopes"), "require_scopes", key.require_scopes)
    if scopes is not None:
        _check_scopes(scopes)
    launch = _launch_fields(fields)
    name = fields.get("name")
    if name is not None and not isinstance(name, str):
        raise _invalid("name must be a string")
    # all checks passed: apply together
    if event is not None:
        key.workflow_state = "active" if event == "activate" else "inactive"
    if scopes is not None:
        set_scopes(platform, key, scopes)
    if redirects is not None:
        key.redirect_uris = redirects
    if name is not None:
        key.name = name
    for attribute, value in launch.items():
        setattr(key, attribute, value)
    key.require_scopes = require or bool(key.public_jwk or key.public_jwk_url)
    return web.json_response(key_json(key))


@web.admin_only()
async def delete_key(request: Request, platform: Platform) -> Response:
    """DELETE /api/v1/developer_keys/:id: the key becomes ``deleted`` and its tokens go."""
    key = _key(request, platform)
    key.workflow_state = "deleted"
    platform.store.drop_user_tokens(key.id)
    return web.json_response(key_json(key, with_secret=False))


@web.admin_only(account=True)
async def list_keys(request: Request, platform: Platform) -> Response:
    """GET /api/v1/accounts/:account_id/developer_keys."""
    keys = [k for k in platform.store.developer_keys() if k.workflow_state != "deleted"]
    return web.json_response([key_json(k) for k in keys])


@web.admin_only(account=True, body=True)
async def set_binding(request: Request, platform: Platform, params: dict[str, Any]) -> Response:
    """POST /api/v1/accounts/:account_id/developer_keys/:developer_key_id/developer_key_account_bindings."""
    key = _key(request, platform)
    fields = params.get("developer_key_account_binding")
    state = fields.get("workflow_state") if isinstance(fields, dict) else None
    if state not in BINDING_STATES:
        raise _invalid("developer_key_account_binding[workflow_state] must be one of on, off, allow")
    key.binding = state
    return web.json_response({**binding_json(key), "account_id": platform.config.account_id})


ROUTES = [
    Route("/api/v1/accounts/{account_id}/developer_keys", create_key, methods=["POST"]),
    Route("/api/v1/accounts/{account_id}/developer_keys", list_keys, methods=["GET"]),
    Route("/api/v1/developer_keys/{key_id}", update_key, methods=["PUT"]),
    Route("/api/v1/developer_keys/{key_id}", delete_key, methods=["DELETE"]),
    Route("/api/v1/accounts/{account_id}/developer_keys/{key_id}/developer_key_account_bindings", set_binding, methods=["POST"]),
]
