"""Load the project's JSON Schemas and validate instances against them."""

from __future__ import annotations

import json
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

from jsonschema import Draft202012Validator
from referencing import Registry, Resource

BASE_URI = "https://lti-harness.example/schemas/"


def schema_dir() -> Path:
    """The folder holding the schema files."""
    return Path(str(resources.files("lti_harness.schemas")))


@lru_cache(maxsize=1)
def _all() -> dict[str, dict[str, Any]]:
    out: dict[str, dict[str, Any]] = {}
    for path in sorted(schema_dir().glob("*.json")):
        out[path.stem] = json.loads(path.read_text(encoding="utf-8"))
    return out


def load(name: str) -> dict[str, Any]:
    """The schema called ``name`` (file stem, e.g. ``registration_request``)."""
    try:
        return _all()[name]
    except KeyError:
        raise KeyError(f"no schema named {name!r} in {schema_dir()}") from None


@lru_cache(maxsize=1)
def registry() -> Registry:
    """A registry resolving every schema by its ``$id`` (relative refs work)."""
    resources_ = [
        (schema["$id"], Resource.from_contents(schema)) for schema in _all().values()
    ]
    return Registry().with_resources(resources_)


@lru_cache(maxsize=None)
def validator(name: str) -> Draft202012Validator:
    """A 2020-12 validator with format checking for the named schema."""
    return Draft202012Validator(
        load(name),
        registry=registry(),
        format_checker=Draft202012Validator.FORMAT_CHECKER,
    )


def errors(name: str, instance: Any) -> list[str]:
    """Human-readable validation errors (empty when ``instance`` conforms)."""
    out = []
    for err in sorted(validator(name).iter_errors(instance), key=lambda e: list(e.absolute_path)):
        where = "/".join(str(p) for p in err.absolute_path) or "(root)"
        out.append(f"{where}: {err.message}")
    return out


def is_valid(name: str, instance: Any) -> bool:
    return validator(name).is_valid(instance)


def known_lti_scopes() -> list[str]:
    """The LTI scopes the registration schema accepts (openid excluded)."""
    enum = load("lti_scope_string")["$defs"]["known_scope"]["enum"]
    return [s for s in enum if s != "openid"]
