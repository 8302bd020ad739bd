"""Every answer of a target held to its OpenAPI document: the body a documented operation answers with
a documented status must conform to that response's schema.

A :class:`Conformance` knows the targets of a run (the platform's base URL with the ``platform``
document, the tool's with the ``tool`` document; nothing else: not the harness's own servers, not its
counterpart mock, not other sites). For one answer it finds the operation (the path under the
target's base path matched against the document's path templates, and the method), the response
object for the status (exact, then ``2XX``-style, then ``default``) and, where that response gives a
JSON media type (``application/json`` or ``…+json``), validates the body against its schema. An
operation or a status the document does not have gets no verdict here (the contract checks judge
statuses); a body that is not JSON where the document says JSON is a violation.

Schemas are compiled once per response and media type; an answer costs a dictionary look-up, a JSON
parse and a compiled validity check (the Python validator only words the errors of a body that fails).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Iterable, Mapping
from urllib.parse import urlsplit

from jsonschema import Draft202012Validator
from jsonschema.exceptions import ValidationError, best_match, relevance

from . import openapi, redact

try:  # a compiled validator answers "valid?" in microseconds; jsonschema words the errors
    import jsonschema_rs
except ImportError:  # pragma: no cover - the Python validator alone is slower, not different
    jsonschema_rs = None

METHODS = ("get", "put", "post", "delete", "patch")
MATCHES_KEPT = 4096  # (method, path) -> operation, remembered; ids in paths make the set open-ended
SHOWN = 3  # violations described per answer
EXCERPT_CHARS = 120
MESSAGE_CHARS = 200
DEFAULT_PORTS = {"http": 80, "https": 443}


@dataclass(frozen=True)
class Violation:
    """One way an answer's body breaks its document (every string already redacted)."""

    operation: str  # "GET /api/lti/courses/{course_id}/line_items" (the document's template)
    status: int
    body_path: str  # JSON pointer into the body ("" for the whole body)
    schema_path: str  # where the broken rule is written: "ags_lineitem.json#/properties/label/type"
    message: str
    excerpt: str = ""  # the offending value, short

    def describe(self) -> str:
        """One line: operation, status, where in the body, which rule, what came."""
        where = self.body_path or "(the whole body)"
        tail = f"; got {self.excerpt}" if self.excerpt else ""
        return f"{self.operation} answered {self.status}: {where}: {self.message} [schema {self.schema_path}]{tail}"


def describe(violations: list[Violation], limit: int = SHOWN) -> str:
    """The violations of one or more answers as one sentence for a check's message (the same violation
    seen in several answers once, with how many)."""
    counts: dict[str, int] = {}
    for v in violations:
        text = v.describe()
        counts[text] = counts.get(text, 0) + 1
    shown = "; ".join(text + (f" ({n} answers)" if n > 1 else "") for text, n in list(counts.items())[:limit])
    more = f"; and {len(counts) - limit} more" if len(counts) > limit else ""
    return f"the target's answer does not conform to its OpenAPI document: {shown}{more}"


def is_json_media(media: str) -> bool:
    """``application/json`` or a structured ``…+json`` media type (parameters ignored)."""
    media = media.split(";")[0].strip().lower()
    return media == "application/json" or media.endswith("+json")


def _pointer_token(part: Any) -> str:
    return str(part).replace("~", "~0").replace("/", "~1")


def _pointer(parts: Iterable[Any]) -> str:
    return "".join("/" + _pointer_token(p) for p in parts)


def _template_pattern(template: str) -> re.Pattern[str]:
    parts = re.split(r"(\{[^}/]+\})", template)
    return re.compile("^" + "".join("[^/]+" if p.startswith("{") else re.escape(p) for p in parts) + "$")


@dataclass
class _Schema:
    """One documented response body: its schema compiled, and where it is written."""

    validator: Draft202012Validator
    valid: Any  # fast "is it valid?"
    location: str  # e.g. "platform#/paths/~1api~1…/get/responses/200/content/application~1json/schema"


@dataclass
class _Response:
    """A documented response of one operation: its JSON bodies by media type, and whether it documents any other."""

    json: dict[str, Any]  # media type -> the response's schema node (compiled on first use)
    other_media: bool  # a non-JSON media type (text/html, application/xml …) is documented too
    locations: dict[str, str]


@dataclass
class _Operation:
    key: str  # "GET /path/{template}"
    pattern: re.Pattern[str]
    responses: dict[str, _Response]  # "200", "4XX", "default"


class Document:
    """The operations of one OpenAPI document, ready to judge answers."""

    def __init__(self, name: str) -> None:
        self.name = name
        doc = openapi.document(name)
        self.components = doc.get("components", {})
        self.operations: list[_Operation] = []
        for template, item in doc.get("paths", {}).items():
            for method in METHODS:
                op = item.get(method)
                if not isinstance(op, dict):
                    continue
                responses = {}
                for status, response in (op.get("responses") or {}).items():
                    content = (response or {}).get("content") or {}
                    schemas = {m.lower(): c["schema"] for m, c in content.items() if is_json_media(m) and isinstance(c, dict) and "schema" in c}
                    where = f"{name}#{_pointer(('paths', template, method, 'responses', status, 'content'))}"
                    responses[str(status).upper()] = _Response(
                        json=schemas,
                        other_media=any(not is_json_media(m) for m in content),
                        locations={m: f"{where}/{_pointer_token(m)}/schema" for m in schemas},
                    )
                self.operations.append(_Operation(f"{method.upper()} {template}", _template_pattern(template), responses))
        # a literal segment beats a parameter: "/line_items/{id}/results" before "/line_items/{id}"
        self.operations.sort(key=lambda o: (-o.key.count("/"), o.key.count("{")))
        self._matched: dict[tuple[str, str], _Operation | None] = {}
        self._compiled: dict[tuple[str, str, str], _Schema] = {}

    def operation(self, method: str, path: str) -> _Operation | None:
        """The documented operation for ``method`` and a path relative to the target's base, or None."""
        slot = (method, path)
        if slot in self._matched:
            return self._matched[slot]
        prefix = method + " "
        found = next((o for o in self.operations if o.key.startswith(prefix) and o.pattern.match(path)), None)
        if len(self._matched) >= MATCHES_KEPT:
            self._matched.clear()
        self._matched[slot] = found
        return found

    def schema(self, op: _Operation, status: str, media: str) -> _Schema:
        """The compiled schema of one documented response body (compiled on first use)."""
        key = (op.key, status, media)
        found = self._compiled.get(key)
        if found is None:
            node = op.responses[status].json[media]
            root = {"allOf": [node], "components": self.components}  # "#/components/…" resolves within the root
            validator = Draft202012Validator(root, format_checker=Draft202012Validator.FORMAT_CHECKER)
            valid = validator.is_valid
            if jsonschema_rs is not None:
                try:
                    valid = jsonschema_rs.validator_for(root, validate_formats=True).is_valid
                except Exception:  # noqa: BLE001 - a schema the compiled validator does not take: the Python one answers
                    pass
            found = self._compiled[key] = _Schema(validator, valid, op.responses[status].locations[media])
        return found


@lru_cache(maxsize=None)
def document(name: str) -> Document:
    """The named document, read and indexed once per process."""
    return Document(name)


def _response_for(op: _Operation, status: int) -> str | None:
    """The key of the response object documenting ``status``: exact, then ``NXX``, then ``default``."""
    for key in (str(status), f"{str(status)[0]}XX", "DEFAULT"):
        if key in op.responses:
            return key
    return None


def _origin(scheme: str, host: str, port: int | None) -> tuple[str, str, int | None]:
    scheme = scheme.lower()
    return scheme, host.lower(), port if port is not None else DEFAULT_PORTS.get(scheme)


@dataclass(frozen=True)
class Target:
    """A target's base URL and the document its routes follow."""

    base_url: str
    document: str  # "platform" or "tool"
    judge_errors: bool = True  # judge the bodies of 4xx/5xx answers (a platform not taken to be Canvas: no)

    def relative(self, scheme: str, host: str, port: int | None, path: str) -> str | None:
        """``path`` relative to the base URL when the URL is under it, else None."""
        base = urlsplit(self.base_url)
        if _origin(scheme, host, port) != _origin(base.scheme, base.hostname or "", base.port):
            return None
        prefix = base.path.rstrip("/")
        if not prefix:
            return path or "/"
        if path == prefix:
            return "/"
        return path[len(prefix):] if path.startswith(prefix + "/") else None


def _follow(root: Mapping[str, Any], ref: str) -> tuple[Any, str]:
    """The node a local ``$ref`` names, and where it is written (``<file>.json#/…`` for the project's schema files)."""
    node: Any = root
    for token in ref[2:].split("/"):
        token = token.replace("~1", "/").replace("~0", "~")
        node = node.get(token) if isinstance(node, dict) else None
    match = re.match(r"^#/components/schemas/([^/]+)(.*)$", ref)
    if match and match.group(1) in _schema_files():
        return node, f"{match.group(1)}.json#{match.group(2)}"
    return node, ref


@lru_cache(maxsize=1)
def _schema_files() -> frozenset[str]:
    from . import schemas

    return frozenset(p.stem for p in schemas.schema_dir().glob("*.json"))


def _schema_location(start: str, root: Mapping[str, Any], schema_path: Iterable[Any]) -> str:
    """Where the rule an error names is written: the response's schema location, or after a ``$ref``
    the referenced schema, plus the keywords below it. (jsonschema leaves ``$ref`` out of an error's
    schema path: a keyword the node does not have is looked for where its ``$ref`` points.)"""
    parts = list(schema_path)
    if parts[:2] == ["allOf", 0]:
        parts = parts[2:]
    location, rest, node = start, [], root["allOf"][0]
    prefix = start.split("#", 1)[0]
    for part in parts:
        for _ in range(32):  # a chain of references, bounded
            if not (isinstance(node, dict) and part not in node and isinstance(node.get("$ref"), str) and node["$ref"].startswith("#/")):
                break
            node, location = _follow(root, node["$ref"])
            if location.startswith("#"):
                location = f"{prefix}{location}"
            rest = []
        rest.append(part)
        if isinstance(node, dict):
            node = node.get(part)
        elif isinstance(node, list) and isinstance(part, int) and part < len(node):
            node = node[part]
        else:
            node = None
    return f"{location}{_pointer(rest)}"


def _excerpt(value: Any) -> str:
    try:
        text = json.dumps(redact.data(value), ensure_ascii=False)
    except (TypeError, ValueError, RecursionError):
        text = repr(value)
    text = redact.text(text)
    return text if len(text) <= EXCERPT_CHARS else text[:EXCERPT_CHARS] + "…"


def _message(err: ValidationError) -> str:
    text = redact.text(err.message.replace("\n", " "))
    return text if len(text) <= MESSAGE_CHARS else text[:MESSAGE_CHARS] + "…"


def _violations(op: _Operation, status: int, compiled: _Schema, instance: Any) -> list[Violation]:
    errors = sorted(compiled.validator.iter_errors(instance), key=relevance, reverse=True)
    out = []
    for err in errors:
        deep = best_match([err]) or err  # inside oneOf/anyOf: the most relevant cause
        out.append(Violation(op.key, status, _pointer(deep.absolute_path),
                             _schema_location(compiled.location, compiled.validator.schema, deep.absolute_schema_path),
                             _message(deep), _excerpt(deep.instance)))
    return out


class Conformance:
    """Judges the answers of a run's targets against their documents."""

    def __init__(self, targets: list[Target]) -> None:
        self.targets = targets

    def judge(self, method: str, url: str, status: int, content_type: str, body: bytes) -> list[Violation]:
        """The violations of one answer (empty when it conforms or is not this module's to judge)."""
        if method.upper() in ("HEAD", "OPTIONS"):
            return []
        parts = urlsplit(url)
        try:
            port = parts.port
        except ValueError:
            return []
        for target in self.targets:
            path = target.relative(parts.scheme, parts.hostname or "", port, parts.path)
            if path is None:
                continue
            if status >= 400 and not target.judge_errors:
                continue
            doc = document(target.document)
            op = doc.operation(method.upper(), path)
            if op is None:
                continue
            return _judge(doc, op, status, content_type, body)
        return []


def _judge(doc: Document, op: _Operation, status: int, content_type: str, body: bytes) -> list[Violation]:
    key = _response_for(op, status)
    if key is None:
        return []
    response = op.responses[key]
    if not response.json:
        return []
    media = content_type.split(";")[0].strip().lower()
    if media and not is_json_media(media):
        if response.other_media:
            return []  # the document allows a non-JSON answer for this status
        documented = ", ".join(response.json)
        return [Violation(op.key, status, "", response.locations[next(iter(response.json))],
                          f"the answer is {media}, where the document gives only JSON ({documented})", _text_excerpt(body))]
    chosen = media if media in response.json else next(iter(response.json))
    compiled = doc.schema(op, key, chosen)
    try:
        instance = json.loads(body.decode("utf-8")) if body.strip() else _EMPTY
    except (UnicodeDecodeError, ValueError, RecursionError):
        instance = _UNPARSABLE
    if instance is _EMPTY or instance is _UNPARSABLE:
        if not media and response.other_media:
            return []
        what = "empty" if instance is _EMPTY else "not JSON"
        return [Violation(op.key, status, "", compiled.location, f"the body is {what}, where the document gives a JSON body "
                          f"({chosen})", _text_excerpt(body))]
    if compiled.valid(instance):
        return []
    return _violations(op, status, compiled, instance)


_EMPTY, _UNPARSABLE = object(), object()


def _text_excerpt(body: bytes) -> str:
    text = redact.text(body[: EXCERPT_CHARS * 2].decode("utf-8", errors="replace")).replace("\n", " ").strip()
    return repr(text[:EXCERPT_CHARS] + ("…" if len(text) > EXCERPT_CHARS or len(body) > EXCERPT_CHARS * 2 else "")) if text else ""


def for_profile(profile: Any, judge_platform_errors: bool = True) -> Conformance:
    """The targets a profile names: its platform (``platform`` document) and its tool (``tool`` document).
    ``judge_platform_errors`` False: the platform's refusals are judged by their status alone (a platform
    not taken to follow Canvas's conventions answers errors in its own shape)."""
    targets = []
    if getattr(profile, "platform", None) is not None:
        targets.append(Target(profile.platform.base_url, "platform", judge_platform_errors))
    if getattr(profile, "tool", None) is not None:
        targets.append(Target(profile.tool.base_url, "tool"))
    return Conformance(targets)
