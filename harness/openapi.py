"""The OpenAPI documents in ``schemas/openapi/``, bundled into one self-contained dict for
schemathesis (the files ``$ref`` the JSON Schema files by relative path), and the presence of an
operation on a target (a contract run skips the operations a target does not have).

A document is ``schemas/openapi/<name>.json`` (info, shared components) plus, when the folder
``schemas/openapi/<name>/`` exists, one file per area there, each with its ``paths`` and the
``components`` only that area uses. Operations refer to shared parameters and responses with
``{"$ref": "#/components/parameters/…"}`` (references resolve in the merged document); a reference's
own ``description`` overrides the shared one, as OpenAPI 3.1 allows."""

from __future__ import annotations

import copy
import json
from functools import lru_cache
from pathlib import Path
from typing import Any, Callable

from . import schemas

SHARED = ("parameters", "responses")  # component kinds written out in each operation by source()


def _rewrite(node: Any, own: str | None) -> Any:
    """Point every ``$ref`` at ``#/components/schemas/<file stem>``; ``own`` is the file the node is in."""
    if isinstance(node, dict):
        out = {}
        for key, value in node.items():
            if key == "$ref" and isinstance(value, str):
                out[key] = _target(value, own)
            elif key in ("$id", "$schema") and own is not None:
                continue
            else:
                out[key] = _rewrite(value, own)
        return out
    if isinstance(node, list):
        return [_rewrite(v, own) for v in node]
    return node


def _target(ref: str, own: str | None) -> str:
    path, _, fragment = ref.partition("#")
    if not path:
        return f"#/components/schemas/{own}{fragment}" if own else ref
    stem = path.rsplit("/", 1)[-1].removesuffix(".json")
    return f"#/components/schemas/{stem}{fragment}"


def area_files(name: str = "platform") -> list[Path]:
    """The area files of document ``name``, in the order their paths are merged."""
    return sorted((schemas.schema_dir() / "openapi" / name).glob("*.json"))


def _merged(name: str) -> dict[str, Any]:
    """The root file with every area file's paths and components merged in; a name defined twice is an error."""
    doc = json.loads((schemas.schema_dir() / "openapi" / f"{name}.json").read_text(encoding="utf-8"))
    paths = doc.setdefault("paths", {})
    components = doc.setdefault("components", {})
    for area in area_files(name):
        part = json.loads(area.read_text(encoding="utf-8"))
        unknown = set(part) - {"paths", "components"}
        if unknown:
            raise ValueError(f"{area.name}: only paths and components belong in an area file, not {sorted(unknown)}")
        for path, item in part.get("paths", {}).items():
            if path in paths:
                raise ValueError(f"{area.name}: path {path} is already defined")
            paths[path] = item
        for kind, entries in part.get("components", {}).items():
            table = components.setdefault(kind, {})
            for key, value in entries.items():
                if key in table:
                    raise ValueError(f"{area.name}: components/{kind}/{key} is already defined")
                table[key] = value
    return doc


def _expand(node: Any, components: dict[str, Any], seen: tuple[str, ...] = ()) -> Any:
    """``node`` with each reference to a shared parameter or response replaced by a copy of it (its
    own description and summary kept over the shared ones)."""
    if isinstance(node, list):
        return [_expand(v, components, seen) for v in node]
    if not isinstance(node, dict):
        return node
    ref = node.get("$ref")
    if isinstance(ref, str) and ref.startswith(tuple(f"#/components/{kind}/" for kind in SHARED)):
        _, _, kind, key = ref.split("/", 3)
        if ref in seen or key not in components.get(kind, {}):
            raise ValueError(f"unresolvable or circular reference {ref}")
        target = _expand(components[kind][key], components, seen + (ref,))
        return {**target, **{k: v for k, v in node.items() if k in ("description", "summary")}}
    return {k: _expand(v, components, seen) for k, v in node.items()}


@lru_cache(maxsize=None)
def _source(name: str, expand: bool) -> str:
    doc = _merged(name)
    if expand:
        doc["paths"] = _expand(doc["paths"], doc.get("components", {}))
    return json.dumps(doc)


def source(name: str = "platform", expand: bool = True) -> dict[str, Any]:
    """The document as written, merged into one dict, schema ``$ref``s as in the files
    (``../<stem>.json`` under ``components/schemas``). With ``expand`` every operation is complete (the
    shared parameters and responses it refers to written out in it). A fresh copy each call."""
    return json.loads(_source(name, expand))


@lru_cache(maxsize=None)
def _bundled(name: str) -> str:
    doc = _rewrite(source(name), None)
    components = doc.setdefault("components", {}).setdefault("schemas", {})
    for stem in sorted(p.stem for p in schemas.schema_dir().glob("*.json") if p.stem != "profile"):  # profile: the harness's own configuration
        components.setdefault(stem, _rewrite(schemas.load(stem), stem))
    return json.dumps(doc)


def document(name: str = "platform") -> dict[str, Any]:
    """The bundled OpenAPI document (a fresh copy each call)."""
    return copy.deepcopy(json.loads(_bundled(name)))


def load(name: str = "platform") -> Any:
    """The document as a schemathesis schema."""
    import schemathesis

    return schemathesis.openapi.from_dict(document(name))


def body_strategy(path: str, method: str, media_type: str = "application/json", name: str = "platform") -> Any:
    """A hypothesis strategy of valid request bodies for one operation, generated by schemathesis."""
    operation = load(name)[path][method.upper()]
    return operation.as_strategy(media_type=media_type).map(lambda case: case.body)


def absent_reason(operation: str, response: Any) -> str | None:
    """Why ``operation`` is absent from the target, or None when it is there. An operation whose route
    answers 404 to a well-formed request (built by the check, not generated) is absent; any other
    answer, a refusal included, shows the route exists."""
    if getattr(response, "status_code", None) == 404:
        return f"{operation} answered 404 to a well-formed request: the target has no such route"
    return None


class Presence:
    """Which operations of a contract run the target has, each judged once per run by one well-formed
    request. A schemathesis run over an absent operation would only collect 404s, for minutes; the
    check skips it (not applicable, naming the operation) instead."""

    def __init__(self) -> None:
        self.reasons: dict[str, str | None] = {}

    def absent(self, operation: str, send: Callable[[], Any]) -> str | None:
        """The reason ``operation`` is absent (None when present); ``send`` makes its well-formed request
        the first time the operation is asked about."""
        if operation not in self.reasons:
            self.reasons[operation] = absent_reason(operation, send())
        return self.reasons[operation]

    def mark_absent(self, operation: str, reason: str) -> None:
        """Record ``operation`` as absent without a request (e.g. it needs an object an absent operation makes)."""
        self.reasons[operation] = reason
