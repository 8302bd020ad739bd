"""Requests outside the OpenAPI document are refused before a route runs (judged in the input-limits
middleware, once the body is read).

The operation that matches a request (method and path template of the bundled document,
:func:`lti_harness.harness.openapi.document`) decides what is checked: its declared query parameters
(type, enum, minimum/maximum, pattern, length; undeclared parameters are ignored, as Rails ignores
them) and its JSON or form request body (against the operation's request-body schema). A request
outside them is answered with the operation's documented refusal (:func:`_refusals`: 400 for a query
parameter or a missing member, 422 for a member's value, each when the document lists it) in the
first error body shape that conforms to the documented response schema (Canvas's generic ``{"errors":[{"message"}]}``, the AGS shape, the OAuth error, …),
so nothing reaches the store. Everything is compiled once per app; requests are matched to
operations through a bounded cache.

Where Canvas reads a value more leniently than the document, or checks it itself in an order and
with words the suites rely on, the check is left to the route: :data:`LENIENT` and
:data:`LEFT_TO_ROUTE` say which, each with its reason.
"""

from __future__ import annotations

import json
import re
import secrets
import time
from dataclasses import dataclass, field
from typing import Any, Callable, Iterable, Mapping
from urllib.parse import parse_qsl, unquote_plus

import jwt
from jsonschema import Draft202012Validator
from jsonschema.exceptions import ValidationError
from starlette.responses import Response

from lti_harness.harness import openapi

try:  # a compiled validator answers "valid?" in microseconds; jsonschema words the errors (schemathesis installs it)
    import jsonschema_rs
except ImportError:  # pragma: no cover - the Python validator alone is slower, not different
    jsonschema_rs = None

Scope = dict[str, Any]
Reply = Callable[[int, Any], Response]
METHODS = ("get", "put", "post", "delete", "patch")
FORM = "application/x-www-form-urlencoded"
MATCHES_KEPT = 4096  # (method, path) -> operation, remembered; ids in paths make the set open-ended

# Query-parameter keywords not enforced, by parameter name. Canvas reads page sizes leniently: REST's
# per_page is clamped into 1…max (lib/api.rb ``Api.per_page_for``), NRPS's limit is used only when
# ``limit.to_i > 0`` and capped at the maximum page size (Canvas's MembershipsService
# ``pagination_args``), and AGS and NRPS both say the platform may return fewer than ``limit``
# (ims-facts.md "limit: Page size; the platform may return fewer"). A page past the last one is
# answered with an empty page (Canvas's api_spec "does not raise Folio::InvalidPage for pages past the
# end"), so ``page`` keeps its type and minimum (page 0 or "x" raises Folio::InvalidPage in Canvas)
# but not its maximum. The routes clamp these values themselves.
LENIENT: dict[str, frozenset[str]] = {
    "limit": frozenset({"type", "minimum", "maximum"}),
    "per_page": frozenset({"type", "minimum", "maximum"}),
    "page": frozenset({"maximum"}),
}

# Parts of an operation the route checks itself, in Canvas's order and words (the suites assert the
# messages and which error wins), keyed by "METHOD path template": "*" leaves the whole request to the
# route; "name" leaves that top-level body member (its presence and its value) to the route; "name?"
# leaves only its presence (missing, null or "") to the route, its value is judged by the schema.
LEFT_TO_ROUTE: dict[str, frozenset[str]] = {
    # Dynamic registration validates the body against the same schema (registration_request.json)
    # after the registration token, answering Canvas's 422 list of messages (mock_platform/registration.py).
    "POST /api/lti/registrations": frozenset({"*"}),
    "PUT /api/lti/registrations/{registration_id}/configuration": frozenset({"*"}),
    # ScoresController: a missing or unknown userId is "User not found in course or is not a student"
    # (422, before the required parameters); required parameters are "<name> is missing" (400);
    # timestamps are read loosely and refused as "Provided timestamp of … not a valid timestamp" (400);
    # scoreGiven/scoreMaximum and the submission extension have their own 422/400 messages
    # (canvas-facts.md §4 "Before-action chain", "The requested error strings"). activityProgress and
    # gradingProgress outside their enums are refused by Lti::Result's inclusion validations (422).
    "POST /api/lti/courses/{course_id}/line_items/{id}/scores": frozenset({
        "userId", "activityProgress?", "gradingProgress?", "timestamp", "scoreGiven", "scoreMaximum",
        "submission", "https://canvas.instructure.com/lti/submission", "resourceLinkId",
    }),
    # Line items: "label is missing"/"scoreMaximum is missing" (400), then 422 for their values and dates.
    "POST /api/lti/courses/{course_id}/line_items": frozenset({"label", "scoreMaximum", "startDateTime", "endDateTime", "resourceLinkId"}),
    "PUT /api/lti/courses/{course_id}/line_items/{id}": frozenset({"label", "scoreMaximum", "startDateTime", "endDateTime", "resourceLinkId"}),
    # The admin's review: "accepted" is read as Canvas's boolean words (400 otherwise) and the overlay is
    # validated by the route against overlay.json (422 with its messages).
    "PUT /api/v1/accounts/{account_id}/lti_registrations/{id}/update_requests/{update_request_id}/apply": frozenset({"accepted", "overlay"}),
    # Developer keys: the route reads scopes, booleans and the public JWK (also given as a JSON string) and
    # answers 400 naming what each must be; the schema judges the rest (name, …).
    "POST /api/v1/accounts/{account_id}/developer_keys": frozenset({
        "developer_key/scopes", "developer_key/require_scopes", "developer_key/public_jwk", "developer_key/is_lti_key",
        "developer_key/public_jwk_url"}),
    "PUT /api/v1/developer_keys/{id}": frozenset({
        "developer_key/scopes", "developer_key/require_scopes", "developer_key/public_jwk", "developer_key/is_lti_key",
        "developer_key/public_jwk_url"}),
    # Installing a tool takes a client_id (LTI 1.3) or consumer_key and shared_secret (an LTI 1.1 tool,
    # seed 003 "LTI 1.1 Grade Passback Tools"; Canvas's external_tools API); the route refuses a body with
    # neither (400), so the document's "client_id required" is not applied to LTI 1.1 installs.
    "POST /api/v1/courses/{course_id}/external_tools": frozenset({"client_id?"}),
    # The token endpoint answers each OAuth error in RFC 6749's order (unsupported_grant_type first,
    # then invalid_request / invalid_client / invalid_scope), which the scopes suite asserts.
    "POST /login/oauth2/token": frozenset({"*"}),
    # Launch endpoints: an OIDC authentication request's problems go back to the tool as the
    # documented errors of the launch (ims-facts.md, OIDC login); the launch suite asserts them.
    "GET /api/lti/authorize_redirect": frozenset({"*"}),
    "POST /api/lti/authorize_redirect": frozenset({"*"}),
    "GET /api/lti/authorize": frozenset({"*"}),
    "POST /api/lti/authorize": frozenset({"*"}),
    # The deep-linking return is a browser form post answered with Canvas's pages.
    "POST /courses/{course_id}/deep_linking_response": frozenset({"*"}),
}


def _canvas(status: int, message: str) -> Any:
    return {"errors": [{"message": message}]}


def _ags(status: int, message: str) -> Any:
    return {"errors": {"type": {400: "bad_request", 422: "unprocessable_entity"}.get(status, "bad_request"), "message": message}}


def _oauth(status: int, message: str) -> Any:
    return {"error": "invalid_request", "error_description": message}


def _messages(status: int, message: str) -> Any:
    return {"errors": [message]}


def _status(status: int, message: str) -> Any:
    return {"status": "bad_request" if status == 400 else "unprocessable_entity", "message": message}


Shape = Callable[[int, str], Any]
# Error body shapes, tried in this order against the operation's documented refusal schema.
SHAPES: tuple[Shape, ...] = (_canvas, _ags, _oauth, _messages, _status)


@dataclass(frozen=True)
class QueryParam:
    """One declared query parameter: its name, how its text is read and its compiled schema."""

    name: str
    kind: str  # "integer", "number", "boolean", "array" or "string"
    validator: Draft202012Validator
    valid: Callable[[Any], bool]  # the fast check; ``validator`` explains a failure


@dataclass
class Operation:
    """What the middleware checks for one operation of the document."""

    key: str
    pattern: re.Pattern[str]
    query: tuple[QueryParam, ...] = ()
    bodies: dict[str, tuple[Draft202012Validator, Callable[[Any], bool]]] = field(default_factory=dict)  # media type -> validator, fast check
    left: frozenset[str] = frozenset()
    refusals: dict[str, tuple[int, Shape]] = field(default_factory=dict)  # problem kind -> status, body shape
    schemes: frozenset[str] = frozenset()  # the security schemes that admit a request (empty: no credentials needed)

    @property
    def checks_anything(self) -> bool:
        return bool(self.query or self.bodies)


def _resolve(node: Any, doc: Mapping[str, Any]) -> Any:
    """``node`` with a local ``$ref`` (``#/components/…``) followed, else itself."""
    while isinstance(node, dict) and isinstance(node.get("$ref"), str) and node["$ref"].startswith("#/"):
        target: Any = doc
        for part in node["$ref"][2:].split("/"):
            target = target[part.replace("~1", "/").replace("~0", "~")]
        node = target
    return node


def _compile(schema: Any, components: Mapping[str, Any]) -> Draft202012Validator:
    """A 2020-12 validator for ``schema``, its ``#/components/…`` references resolved in the document."""
    root = {"allOf": [schema], "components": components}  # "#/components/..." resolves within the root
    return Draft202012Validator(root, format_checker=Draft202012Validator.FORMAT_CHECKER)


def _fast(validator: Draft202012Validator) -> Callable[[Any], bool]:
    """A quick "is it valid?" for ``validator``'s schema: compiled when jsonschema_rs is there."""
    if jsonschema_rs is not None:
        try:
            return jsonschema_rs.validator_for(validator.schema, validate_formats=True).is_valid
        except Exception:  # a schema the compiled validator does not take: the Python one answers
            pass
    return validator.is_valid


def _constrains(schema: Mapping[str, Any]) -> bool:
    """Whether a query parameter's schema limits anything a query string can carry (every value is text)."""
    return any(k not in ("description", "title", "default", "example", "examples", "deprecated") for k in schema) and schema != {"type": "string"}


def _kind(schema: Mapping[str, Any]) -> str:
    kind = schema.get("type")
    if isinstance(kind, list):
        kind = next((k for k in kind if k != "null"), "string")
    return kind if kind in ("integer", "number", "boolean", "array") else "string"


def _template_pattern(template: str) -> re.Pattern[str]:
    parts = re.split(r"(\{[^}/]+\})", template)
    return re.compile("^" + "".join("[^/]+" if p.startswith("{") else re.escape(p) for p in parts) + "$")


def _refusals(operation: Mapping[str, Any], doc: Mapping[str, Any], components: Mapping[str, Any]) -> dict[str, tuple[int, Shape]]:
    """The documented status and body shape for each kind of problem: a query parameter outside its
    schema and a missing body member (400 first: Rails's ParameterMissing and bad request), a body
    member's value outside its schema (422 first: Canvas's model validations, ActiveRecord::RecordInvalid)."""
    responses = operation.get("responses", {})

    def refusal(order: tuple[str, ...]) -> tuple[int, Shape]:
        status = next((s for s in order if s in responses), None)
        if status is None:
            return 400, _canvas
        schema = (_resolve(responses[status], doc).get("content", {}).get("application/json", {}) or {}).get("schema")
        if schema is None:
            return int(status), _canvas
        check = _compile(schema, components)
        return int(status), next((s for s in SHAPES if check.is_valid(s(int(status), "x"))), _canvas)

    return {"query": refusal(("400", "422")), "missing": refusal(("400", "422")), "value": refusal(("422", "400"))}


def operations(name: str = "platform") -> list[Operation]:
    """The checked operations of the named OpenAPI document, most specific templates first."""
    doc = openapi.document(name)
    components = doc.get("components", {})
    out: list[Operation] = []
    for template, item in doc.get("paths", {}).items():
        item = _resolve(item, doc)
        shared = [_resolve(p, doc) for p in item.get("parameters", [])]
        for method in METHODS:
            if method not in item:
                continue
            op = item[method]
            key = f"{method.upper()} {template}"
            left = LEFT_TO_ROUTE.get(key, frozenset())
            params = {(p["name"], p.get("in")): p for p in shared}
            params.update({(p["name"], p.get("in")): p for p in (_resolve(x, doc) for x in op.get("parameters", []))})
            query = []
            if "*" not in left:
                for (pname, where), param in params.items():
                    if where != "query" or "schema" not in param:
                        continue
                    schema = {k: v for k, v in _resolve(param["schema"], doc).items() if k not in LENIENT.get(pname, ())}
                    if _constrains(schema):
                        compiled = _compile(schema, components)
                        query.append(QueryParam(pname, _kind(_resolve(param["schema"], doc)), compiled, _fast(compiled)))
            bodies = {}
            if "*" not in left:
                for media, content in _resolve(op.get("requestBody", {}), doc).get("content", {}).items():
                    if "schema" in content and (media == FORM or media == "application/json" or media.endswith("+json")):
                        compiled = _compile(content["schema"], components)
                        bodies[media] = (compiled, _fast(compiled))
            schemes = frozenset(name for requirement in op.get("security", doc.get("security") or []) for name in requirement)
            out.append(Operation(key, _template_pattern(template), tuple(query), bodies, left, _refusals(op, doc, components), schemes))
    # a literal segment beats a parameter: "/line_items/{id}/results" before "/line_items/{id}"
    out.sort(key=lambda o: (-o.key.count("/"), o.key.count("{")))
    return out


def _read(kind: str, raw: str) -> tuple[bool, Any]:
    """A query value read as its declared type: (readable, value)."""
    if kind == "integer":
        text = raw.strip()
        digits = text[1:] if text[:1] in "+-" else text
        return (True, int(text)) if digits.isascii() and digits.isdigit() and len(digits) <= 18 else (False, raw)
    if kind == "number":
        try:
            value = float(raw)
        except ValueError:
            return False, raw
        return (value == value and value not in (float("inf"), float("-inf"))), value
    if kind == "boolean":
        lowered = raw.strip().lower()
        return (lowered in ("true", "false", "1", "0")), lowered in ("true", "1")
    return True, raw


def _first(errors: Iterable[ValidationError]) -> ValidationError | None:
    return min(errors, key=lambda e: (list(map(str, e.absolute_path)), e.validator != "required"), default=None)


def _where(err: ValidationError) -> str:
    return "/".join(str(p) for p in err.absolute_path)


def _missing_name(err: ValidationError) -> str:
    name = err.message.split("'")[1] if err.message.count("'") >= 2 else err.message
    where = _where(err)
    return f"{where}/{name}" if where else name


def _at(instance: Any, path: str) -> Any:
    """The member of ``instance`` at a "/"-joined path, or None."""
    for part in path.split("/"):
        instance = instance.get(part) if isinstance(instance, dict) else None
    return instance


def _covers(entry: str, path: str) -> bool:
    return path == entry or path.startswith(entry + "/")


def _left(err: ValidationError, left: frozenset[str], instance: Any) -> bool:
    """Whether a body error concerns what the route checks itself (see :data:`LEFT_TO_ROUTE`)."""
    if not left:
        return False
    if err.validator == "required":
        name = _missing_name(err)
        return any(_covers(e.rstrip("?"), name) for e in left)
    path = _where(err)
    if path:
        for entry in left:
            if entry.endswith("?"):
                # only the presence is the route's: a null or empty value is "missing" there (Rails's params.require)
                if _covers(entry[:-1], path) and _at(instance, entry[:-1]) in (None, ""):
                    return True
            elif _covers(entry, path):
                return True
        return False
    # an error at the root from oneOf/anyOf/dependentRequired…: left when every cause is left
    causes = list(err.context or ())
    return bool(causes) and all(_left(c, left, instance) for c in causes)


@dataclass(frozen=True)
class Problem:
    """Why a request is outside its operation: the message and whether a required member is missing."""

    message: str
    kind: str = "value"  # "query", "missing" or "value"


def query_problem(op: Operation, query_string: bytes) -> Problem | None:
    """The first declared query parameter whose value is outside its schema, or None."""
    if not op.query or not query_string:
        return None
    pairs = parse_qsl(query_string.decode("latin-1"), keep_blank_values=True)
    if not pairs:
        return None
    values: dict[str, list[str]] = {}
    for key, value in pairs:
        values.setdefault(key, []).append(value)
    for param in op.query:
        got = values.get(param.name)
        if got is None:
            continue
        if param.kind == "array":
            candidates = [got]
        else:
            candidates = []
            for raw in got:
                readable, value = _read(param.kind, raw)
                if not readable:
                    return Problem(f"{param.name} must be {'an' if param.kind == 'integer' else 'a'} {param.kind}", "query")
                candidates.append(value)
        for value in candidates:
            if param.valid(value):
                continue
            err = _first(param.validator.iter_errors(value))
            if err is not None:
                return Problem(f"{param.name} is invalid: {err.message}", "query")
    return None


JSON_KEY = "mock_platform.json_body"  # where a request's scope keeps its JSON body once parsed (the route reuses it)


def body_problem(op: Operation, content_type: str, body: bytes, scope: Scope | None = None) -> Problem | None:
    """The first error of a JSON or form body against the operation's schema for its media type, or
    None (also when the body does not parse: the route answers that in its own words). With ``scope``,
    a parsed JSON body is kept there for the route (:data:`JSON_KEY`)."""
    if not op.bodies or "*" in op.left:
        return None
    media = content_type.split(";")[0].strip().lower()
    found = op.bodies.get(media)
    if found is None:
        if media in ("", "application/json") or media.endswith("+json"):
            # Canvas reads a JSON body whatever JSON media type it is sent with (canvas-facts.md §4:
            # no code rejects a wrong Content-Type); judge it by the operation's JSON schema
            found = next((v for m, v in op.bodies.items() if m != FORM), None)
            media = "application/json"
        if found is None:
            return None
    validator, valid = found
    if not body.strip():
        instance: Any = {}
    elif media == FORM:
        from . import forms

        try:
            instance = forms.decode(body.decode("utf-8"))
        except (forms.FormError, UnicodeDecodeError):
            return None
    else:
        try:
            instance = json.loads(body.decode("utf-8"))
        except (UnicodeDecodeError, ValueError, RecursionError):
            return None
        if scope is not None:
            scope[JSON_KEY] = (body, instance)
        if not isinstance(instance, dict):
            return None  # the routes answer "must be an object" themselves
    if valid(instance):
        return None
    errors = [e for e in validator.iter_errors(instance) if not _left(e, op.left, instance)]
    err = _first(errors)
    if err is None:
        return None
    if err.validator == "required":
        return Problem(f"{_missing_name(err)} is missing", "missing")
    where = _where(err)
    return Problem(f"{where or 'the body'} is invalid: {err.message}"[:500])


MAX_SIGNED = 4096
_SIGNED: dict[str, tuple[Any, float]] = {}  # token -> (the platform that signed it, its exp): tokens whose signature passed


def _bearer(scope: Scope) -> str:
    """The request's bearer token (the Authorization header, else Canvas's access_token parameter), or ""."""
    for k, v in scope["headers"]:
        if k == b"authorization":
            kind, _, token = v.decode("latin-1").partition(" ")
            return token.strip() if kind.lower() == "bearer" else ""
    for pair in scope.get("query_string", b"").split(b"&"):
        if pair.startswith(b"access_token="):
            return unquote_plus(pair[len(b"access_token="):].decode("latin-1"))
    return ""


def _authenticated(scope: Scope, schemes: frozenset[str]) -> bool:
    """Whether the request's credentials pass one of ``schemes`` (signature and expiry only; the route
    judges scopes, bindings and contexts). Canvas authenticates before it reads parameters, so a request
    that would be refused 401 is left to the route."""
    if "oauth1Signature" in schemes:
        return True  # the outcomes route verifies the OAuth 1.0a signature of its XML body itself
    token, platform = _bearer(scope), getattr(scope.get("app"), "state", None)
    platform = getattr(platform, "platform", None)
    if not token or platform is None:
        return False
    if {"adminBearer", "apiAccessToken"} & schemes and secrets.compare_digest(token, platform.config.admin_token):
        return True
    if "apiAccessToken" in schemes and platform.store.user_token(token) is not None:
        return True
    if not {"ltiAccessToken", "registrationToken"} & schemes:
        return False
    now = time.time()
    seen = _SIGNED.get(token)
    if seen is not None and seen[0] is platform and seen[1] > now:
        return True  # verified before and not expired: a signature check costs more than the whole validation
    try:
        if "ltiAccessToken" in schemes:
            claims = jwt.decode(token, platform.signing_key.public_key, algorithms=["RS256"], options={"verify_aud": False})
        else:
            claims = jwt.decode(token, platform.secret, algorithms=["HS256"], options={"verify_aud": False})
    except jwt.PyJWTError:
        return False
    if len(_SIGNED) >= MAX_SIGNED:
        _SIGNED.clear()
    _SIGNED[token] = (platform, float(claims.get("exp", now + 60)))
    return True


class RequestValidation:
    """Judges each request against its operation of the document ``name`` once the input limits have
    read its body (:class:`lti_harness.harness.inbound.InputLimits`'s ``judge``): the documented
    refusal answered by ``reply(status, body)``, or None for a request the app should answer."""

    def __init__(self, name: str, reply: Reply) -> None:
        self.reply = reply
        self.operations = operations(name)
        self.matched: dict[tuple[str, str], Operation | None] = {}

    def operation(self, method: str, path: str) -> Operation | None:
        """The operation for ``method`` and ``path`` (None when the document has none)."""
        slot = (method, path)
        try:
            return self.matched[slot]
        except KeyError:
            pass
        prefix = method + " "
        found = next((o for o in self.operations if o.key.startswith(prefix) and o.pattern.match(path)), None)
        found = found if found is not None and found.checks_anything else None
        if len(self.matched) >= MATCHES_KEPT:
            self.matched.clear()
        self.matched[slot] = found
        return found

    def __call__(self, scope: Scope, body: bytes, content_type: str = "") -> Response | None:
        query = scope.get("query_string", b"")
        if not (query or body):  # nothing to judge (no parameter is required here)
            return None
        op = self.operation(scope["method"], scope["path"])
        if op is None:
            return None
        problem = query_problem(op, query)
        if problem is None and body:
            problem = body_problem(op, content_type, body, scope)
        if problem is None:
            return None
        if op.schemes and not _authenticated(scope, op.schemes):
            return None  # Canvas authenticates before it reads parameters: the route answers its 401
        status, shape = op.refusals[problem.kind]
        return self.reply(status, shape(status, problem.message))
