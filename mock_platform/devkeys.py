"""Developer key admin routes as Canvas has them: create in an account, update (scopes, name,
activate/deactivate), delete, and the per-account binding (canvas-facts.md §3; seed 004).

Removing a scope from a key destroys its stored user tokens (seed 004, "Note"); the documents say
*all* tokens derived from the key, so LTI tokens issued before the removal stop working too
(real Canvas keeps those until they expire: fault ``lti-tokens-survive-scope-removal``).
"""

from __future__ import annotations

import json
import secrets
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from lti_harness.harness import schemas

from . import admin, apiscopes
from .store import DeveloperKey

BINDING_STATES = ("on", "off", "allow")


def _app():
    from . import app as app_module

    return app_module


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
    if with_secret and not key.is_lti_key:
        out["api_key"] = key.api_key
    return out


def binding_json(key: DeveloperKey) -> dict[str, Any]:
    return {"developer_key_id": key.id, "workflow_state": key.binding, "account_owns_binding": True}


def _as_list(value: Any, name: str) -> list[str] | str:
    """A list of strings from JSON, a form ``name[]`` list, or a newline-separated string."""
    if value is None:
        return []
    if isinstance(value, str):
        return [v.strip() for v in value.splitlines() if v.strip()]
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return list(value)
    return f"{name} must be a list of strings"


def _as_bool(value: Any, name: str, default: bool) -> bool | str:
    if value is None:
        return default
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.lower() in ("true", "false", "1", "0"):
        return value.lower() in ("true", "1")
    return f"{name} must be true or false"


def _invalid(message: str) -> Response:
    return _app().api_error(message, 400)


def _scope_problems(scopes: list[str]) -> list[str]:
    return [s for s in scopes if not (apiscopes.is_known_api_scope(s) or s in schemas.known_lti_scopes())]


@admin.admin_only(account=True, body=True)
async def create_key(request: Request, platform: Any, params: dict[str, Any]) -> Response:
    """POST /api/v1/accounts/:account_id/developer_keys with ``developer_key[...]``."""
    a = _app()
    fields = params.get("developer_key")
    if not isinstance(fields, dict):
        return _invalid("developer_key is missing")
    scopes = _as_list(fields.get("scopes"), "scopes")
    redirects = _as_list(fields.get("redirect_uris"), "redirect_uris")
    if isinstance(redirects, list) and isinstance(fields.get("redirect_uri"), str):
        redirects = [fields["redirect_uri"], *redirects]
    require = _as_bool(fields.get("require_scopes"), "require_scopes", False)
    is_lti = _as_bool(fields.get("is_lti_key"), "is_lti_key", False)
    for problem in (scopes, redirects, require, is_lti):
        if isinstance(problem, str):
            return _invalid(problem)
    assert isinstance(scopes, list) and isinstance(redirects, list)
    unknown = _scope_problems(scopes)
    if unknown:
        return _invalid(f"Requested scopes are invalid: {', '.join(unknown)}")
    jwk, jwk_url = fields.get("public_jwk"), fields.get("public_jwk_url")
    if isinstance(jwk, str):
        try:
            jwk = json.loads(jwk)
        except ValueError:
            return _invalid("public_jwk must be a JSON object")
    if jwk is not None and (not isinstance(jwk, dict) or jwk.get("kty") != "RSA" or not jwk.get("n") or not jwk.get("e")):
        return _invalid("public_jwk must be an RSA public JWK with kty, n and e")
    if jwk_url is not None and (not isinstance(jwk_url, str) or not jwk_url.startswith(("http://", "https://"))):
        return _invalid("public_jwk_url must be an http(s) URL")
    if is_lti and not (jwk or jwk_url):
        return _invalid("an LTI key needs public_jwk or public_jwk_url")
    name = fields.get("name", "")
    if not isinstance(name, str) or len(name) > 255:
        return _invalid("name must be a string of at most 255 characters")
    key = DeveloperKey(
        id=str(platform.store.next_id()),
        name=name,
        scopes=scopes,
        public_jwk_url=jwk_url,
        redirect_uris=redirects,
        public_jwk=jwk,
        api_key=secrets.token_urlsafe(48),
        is_lti_key=bool(is_lti),
        # canvas-facts §3: require_scopes is forced on for keys with a public JWK or JWK URL
        require_scopes=bool(require) or bool(jwk or jwk_url),
    )
    platform.store.add_key(key)
    return a._json(key_json(key))


def _key(request: Request, platform: Any) -> DeveloperKey | None:
    key = platform.store.developer_key(request.path_params["key_id"])
    return key if key is not None and key.workflow_state != "deleted" else None


def set_scopes(platform: Any, key: DeveloperKey, scopes: list[str]) -> None:
    """Replace a key's scopes; a removal invalidates the tokens derived from the key (seed 004)."""
    removed = set(key.scopes) - set(scopes)
    key.scopes = list(scopes)
    if removed:
        if not platform.has("removed-scope-tokens-still-work"):
            platform.store.drop_user_tokens(key.id)
        if not platform.has("lti-tokens-survive-scope-removal"):
            key.scope_version += 1


@admin.admin_only(body=True)
async def update_key(request: Request, platform: Any, params: dict[str, Any]) -> Response:
    """PUT /api/v1/developer_keys/:id: ``event`` (activate | deactivate), ``scopes``, ``name``, ``require_scopes``, ``redirect_uris``."""
    a = _app()
    key = _key(request, platform)
    if key is None:
        return a.api_error(a.NOT_FOUND, 404)
    fields = params.get("developer_key")
    if not isinstance(fields, dict):
        return _invalid("developer_key is missing")
    event = fields.get("event")
    if event is not None and event not in ("activate", "deactivate"):
        return _invalid("event must be activate or deactivate")
    scopes = _as_list(fields["scopes"], "scopes") if "scopes" in fields else None
    redirects = _as_list(fields["redirect_uris"], "redirect_uris") if "redirect_uris" in fields else None
    require = _as_bool(fields.get("require_scopes"), "require_scopes", key.require_scopes)
    for problem in (scopes, redirects, require):
        if isinstance(problem, str):
            return _invalid(problem)
    if scopes is not None:
        unknown = _scope_problems(scopes)  # type: ignore[arg-type]
        if unknown:
            return _invalid(f"Requested scopes are invalid: {', '.join(unknown)}")
    name = fields.get("name")
    if name is not None and not isinstance(name, str):
        return _invalid("name must be a string")
    # all checks passed: apply together
    if event is not None:
        key.workflow_state = "active" if event == "activate" else "inactive"
    if scopes is not None:
        set_scopes(platform, key, scopes)  # type: ignore[arg-type]
    if redirects is not None:
        key.redirect_uris = redirects  # type: ignore[assignment]
    if name is not None:
        key.name = name
    key.require_scopes = bool(require) or bool(key.public_jwk or key.public_jwk_url)
    return a._json(key_json(key))


@admin.admin_only()
async def delete_key(request: Request, platform: Any) -> Response:
    """DELETE /api/v1/developer_keys/:id: the key becomes ``deleted`` and its tokens go."""
    a = _app()
    key = _key(request, platform)
    if key is None:
        return a.api_error(a.NOT_FOUND, 404)
    key.workflow_state = "deleted"
    platform.store.drop_user_tokens(key.id)
    return a._json(key_json(key, with_secret=False))


@admin.admin_only(account=True)
async def list_keys(request: Request, platform: Any) -> Response:
    """GET /api/v1/accounts/:account_id/developer_keys."""
    a = _app()
    keys = [k for k in platform.store.developer_keys() if k.workflow_state != "deleted"]
    return a._json([key_json(k) for k in keys])


@admin.admin_only(account=True, body=True)
async def set_binding(request: Request, platform: Any, params: dict[str, Any]) -> Response:
    """POST /api/v1/accounts/:account_id/developer_keys/:developer_key_id/developer_key_account_bindings."""
    a = _app()
    key = _key(request, platform)
    if key is None:
        return a.api_error(a.NOT_FOUND, 404)
    fields = params.get("developer_key_account_binding")
    state = fields.get("workflow_state") if isinstance(fields, dict) else None
    if state not in BINDING_STATES:
        return _invalid("developer_key_account_binding[workflow_state] must be one of on, off, allow")
    key.binding = state
    return a._json({**binding_json(key), "account_id": platform.config.account_id})


ROUTES = [
    Route("/api/v1/accounts/{account_id}/developer_keys", create_key, methods=["POST"]),
    Route("/api/v1/accounts/{account_id}/developer_keys", list_keys, methods=["GET"]),
    Route("/api/v1/developer_keys/{key_id}", update_key, methods=["PUT"]),
    Route("/api/v1/developer_keys/{key_id}", delete_key, methods=["DELETE"]),
    Route("/api/v1/accounts/{account_id}/developer_keys/{key_id}/developer_key_account_bindings", set_binding, methods=["POST"]),
]
