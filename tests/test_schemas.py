"""Tests for the JSON Schema files in ``schemas/`` and the platform's OpenAPI document (``schemas/openapi/platform.json``
with one file per area in ``schemas/openapi/platform/``, merged by ``harness.openapi``).

* Every schema is a valid draft 2020-12 schema and every ``$ref`` resolves inside the local registry.
* The documented examples (verbatim copies of the seed examples kept in ``tests/schema_examples/``) validate,
  and the copies are checked against the seed files themselves (shipped in ``sources/seeds/``).
* Targeted mutations of valid documents fail validation.
* The OpenAPI document is a valid OpenAPI 3.1 document, its relative file ``$ref``s resolve, its shared
  parameters and responses are written once, and schemathesis can generate requests from it and validate
  responses with it.

The seeds folder is the package's ``sources/seeds`` unless the ``LTI_HARNESS_SEEDS`` environment variable names another.
"""

from __future__ import annotations

import copy
import functools
import json
import os
from pathlib import Path
from typing import Any

import pytest

from lti_harness.harness import dynreg, openapi, sources
from jsonschema import Draft202012Validator
from referencing import Registry, Resource

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
SCHEMAS = REPO / "schemas"
OPENAPI = SCHEMAS / "openapi" / "platform.json"
EXAMPLES = HERE / "schema_examples"
ID_BASE = "https://lti-harness.example/schemas/"
DRAFT_2020_12 = "https://json-schema.org/draft/2020-12/schema"

TC = "https://purl.imsglobal.org/spec/lti-tool-configuration"
PC = "https://purl.imsglobal.org/spec/lti-platform-configuration"
CANVAS_PREFIX = "https://canvas.instructure.com/lti/"

SEED_002 = "002_dbbfc42e48a9805e.txt"
SEED_000 = "000_a19bcb645fa47239.txt"

# Example files (tests/schema_examples/) ------------------------------------------------------------------------
TOKEN = "002_dbbfc42e48a9805e.registration_token.response.json"
REQ = "002_dbbfc42e48a9805e.create.request.json"
RESP = "002_dbbfc42e48a9805e.create.response.json"
PUT_REQ = "000_a19bcb645fa47239.update.request.json"
PUT_RESP = "000_a19bcb645fa47239.update.response_200.json"
E401 = "000_a19bcb645fa47239.error_401.json"
E422 = "000_a19bcb645fa47239.error_422.json"
OIDC = "handmade.openid_configuration.json"
OIDC_MOCK = "handmade.openid_configuration.mock.json"
JWKS = "handmade.jwks.json"
REQ_FULL = "handmade.registration_request.full.json"
RESP_FULL = "handmade.registration_response.full.json"

# Which schemas each example file must satisfy.
EXAMPLE_SCHEMAS: dict[str, list[str]] = {
    TOKEN: ["registration_token_response.json"],
    REQ: ["registration_request.json"],
    RESP: ["registration_response.json"],
    PUT_REQ: ["registration_request.json"],
    PUT_RESP: ["registration_response.json", "registration_response_canvas.json"],
    E401: ["error_message.json", "canvas_error.json"],
    E422: ["error_list.json", "canvas_error.json"],
    OIDC: ["openid_configuration.json"],
    OIDC_MOCK: ["openid_configuration.json"],
    JWKS: ["jwks.json"],
    REQ_FULL: ["registration_request.json"],
    RESP_FULL: ["registration_response.json", "registration_response_canvas.json"],
}

# Seed 002 examples, keyed by (type, operation, summary), and the copy of each.
SEED_002_COPIES = {
    ("response", "GET /api/lti/registration_token", "registration_token"): TOKEN,
    ("request", "POST /api/lti/registrations", "create"): REQ,
    ("response", "POST /api/lti/registrations", "create"): RESP,
}
# Seed 000 examples: the text that precedes each JSON body, and the copy of each.
SEED_000_COPIES = {
    "-d '": PUT_REQ,
    "Success Response (200 OK):": PUT_RESP,
    "Error Response (401 Unauthorized):": E401,
    "Error Response (422 Unprocessable Entity):": E422,
}


# Loading ------------------------------------------------------------------------------------------------------
def _load_json(path: Path) -> Any:
    return json.loads(path.read_text(encoding="utf-8"))


SCHEMA_FILES = sorted(p.name for p in SCHEMAS.glob("*.json") if p.name != "profile.json")  # profile.json: the harness's own configuration (test_profile_schema.py)
ALL_SCHEMAS: dict[str, dict] = {name: _load_json(SCHEMAS / name) for name in SCHEMA_FILES}
REGISTRY: Registry = Registry().with_resources(
    (schema["$id"], Resource.from_contents(schema)) for schema in ALL_SCHEMAS.values()
)


@functools.cache
def validator(name: str) -> Draft202012Validator:
    return Draft202012Validator(
        ALL_SCHEMAS[name], registry=REGISTRY, format_checker=Draft202012Validator.FORMAT_CHECKER
    )


def example(name: str) -> Any:
    return copy.deepcopy(_cached_example(name))


@functools.cache
def _cached_example(name: str) -> Any:
    return _load_json(EXAMPLES / name)


def errors_of(schema: str, instance: Any) -> list:
    return list(validator(schema).iter_errors(instance))


def seeds_dir() -> Path:
    configured = os.environ.get("LTI_HARNESS_SEEDS")
    if configured:
        path = Path(configured)
        if not path.is_dir():
            pytest.fail(f"LTI_HARNESS_SEEDS names a folder that does not exist: {configured}")
        return path
    return sources.sources_dir() / "seeds"


def require_seed(name: str) -> Path:
    path = seeds_dir() / name
    assert path.is_file(), f"seed {name} is missing from {seeds_dir()}: the package ships every seed document"
    return path


def iter_refs(node: Any):
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "$ref" and isinstance(value, str):
                yield value
            else:
                yield from iter_refs(value)
    elif isinstance(node, list):
        for item in node:
            yield from iter_refs(item)


def json_pointer(document: Any, pointer: str) -> Any:
    node = document
    for part in pointer.lstrip("/").split("/") if pointer not in ("", "/") else []:
        part = part.replace("~1", "/").replace("~0", "~")
        node = node[int(part)] if isinstance(node, list) else node[part]
    return node


# (1) The schema files themselves --------------------------------------------------------------------------------
EXPECTED_SCHEMA_FILES = {
    "registration_token_response.json",
    "lti_platform_configuration.json",
    "openid_configuration.json",
    "lti_scope_string.json",
    "lti_message.json",
    "lti_tool_configuration.json",
    "registration_request.json",
    "registration_response.json",
    "registration_response_canvas.json",
    "error_message.json",
    "error_list.json",
    "canvas_api_error.json",
    "oauth_error.json",
    "canvas_error.json",
    "jwks.json",
}


def test_expected_schema_files_exist():
    assert EXPECTED_SCHEMA_FILES <= set(SCHEMA_FILES)


@pytest.mark.parametrize("name", SCHEMA_FILES)
def test_schema_is_valid_draft_2020_12(name):
    schema = ALL_SCHEMAS[name]
    Draft202012Validator.check_schema(schema)
    assert schema["$schema"] == DRAFT_2020_12
    assert schema["$id"] == ID_BASE + name
    assert schema["title"].strip()
    assert "Source:" in schema["description"]
    sources = (SEED_000, "001_f676ab90b81a9d23.txt", SEED_002, "003_7b3da58a284c44ed.txt", "004_4338d3dce955dba8.txt", "canvas-facts.md", "ims-facts.md")
    assert any(src in schema["description"] for src in sources)
    assert "unevaluatedProperties" not in json.dumps(schema)


@pytest.mark.parametrize("name", SCHEMA_FILES)
def test_schema_refs_resolve(name):
    schema = ALL_SCHEMAS[name]
    resolver = REGISTRY.resolver(base_uri=schema["$id"])
    refs = list(iter_refs(schema))
    for ref in refs:
        resolved = resolver.lookup(ref)
        assert isinstance(resolved.contents, (dict, bool)), ref
        if not ref.startswith("#"):
            # Cross-file references are plain relative file names of files in this folder.
            assert (SCHEMAS / ref.split("#")[0]).is_file(), ref


def test_format_checker_is_active():
    uri = Draft202012Validator({"format": "uri"}, format_checker=Draft202012Validator.FORMAT_CHECKER)
    assert not uri.is_valid("not a uri")
    assert uri.is_valid("https://example.com/launch")
    email = Draft202012Validator({"format": "email"}, format_checker=Draft202012Validator.FORMAT_CHECKER)
    assert not email.is_valid("not-an-email")
    # And the format checker reaches into files loaded through $ref.
    assert not validator("registration_request.json").is_valid({**example(REQ), "jwks_uri": "not a uri"})


# (2) Documented examples ----------------------------------------------------------------------------------------
def test_every_example_file_is_mapped():
    assert {p.name for p in EXAMPLES.glob("*.json")} == set(EXAMPLE_SCHEMAS)


@pytest.mark.parametrize(
    ("example_name", "schema"),
    [pytest.param(ex, sc, id=f"{ex}->{sc}") for ex, schemas in EXAMPLE_SCHEMAS.items() for sc in schemas],
)
def test_example_is_valid(example_name, schema):
    errors = errors_of(schema, example(example_name))
    assert not errors, [f"{list(e.absolute_path)}: {e.message}" for e in errors]


def test_seed_002_copies_match_seed():
    seed = _load_json(require_seed(SEED_002))
    seen = set()
    for item in seed["examples"]:
        key = (item["type"], item["operation"], item["summary"])
        assert key in SEED_002_COPIES, f"seed example without a copy/schema mapping: {key}"
        seen.add(key)
        assert _cached_example(SEED_002_COPIES[key]) == item["example"], key
    assert seen == set(SEED_002_COPIES)


def test_seed_000_copies_match_seed():
    text = require_seed(SEED_000).read_text(encoding="utf-8")
    decoder = json.JSONDecoder()
    for marker, copy_name in SEED_000_COPIES.items():
        start = text.index("{", text.index(marker) + len(marker))
        body, _ = decoder.raw_decode(text, start)
        assert _cached_example(copy_name) == body, marker


def test_documented_create_response_lacks_openid_scope():
    """Canvas code always appends openid to scope; the documented 002 example does not. Keep both facts visible."""
    assert validator("registration_response.json").is_valid(example(RESP))
    assert not validator("registration_response_canvas.json").is_valid(example(RESP))


VALID_ERROR_BODIES = [
    ("error_message.json", {"errorMessage": "JWT did not include expected contents"}),
    ("error_list.json", {"errors": ["client_name is required"]}),
    ("canvas_api_error.json", {"errors": [{"message": "The specified resource does not exist."}]}),
    ("canvas_api_error.json", {"errors": [{"message": "timestamp is missing"}], "error_report_id": 12}),
    ("oauth_error.json", {"error": "invalid_client_metadata", "error_description": "bad redirect"}),
    ("oauth_error.json", {"error": "invalid_client", "error_description": "unknown client"}),
    ("canvas_error.json", {"errorMessage": "Insufficient permissions"}),
    ("canvas_error.json", {"errors": ["Invalid scopes: invalid_scope"]}),
    ("canvas_error.json", {"errors": [{"message": "Invalid access token."}]}),
    ("canvas_error.json", {"error": "invalid_redirect_uri"}),
    ("canvas_error.json", {"error": "Access token missing (You must include the registration_token parameter)."}),
    ("canvas_error.json", {"error": "Account 1 not found."}),
    ("canvas_error.json", {"errors": {"type": "unauthorized", "message": "Insufficient permissions"}}),
]


@pytest.mark.parametrize(
    ("schema", "body"), [pytest.param(s, b, id=f"{s}-{i}") for i, (s, b) in enumerate(VALID_ERROR_BODIES)]
)
def test_documented_error_body_is_valid(schema, body):
    assert not errors_of(schema, body)


# Scope strings and placements, checked item by item against the lists kept in the schema files.
KNOWN_SCOPES = ALL_SCHEMAS["lti_scope_string.json"]["$defs"]["known_scope"]["enum"]


@pytest.mark.parametrize("value", [None, "", " ".join(KNOWN_SCOPES), *KNOWN_SCOPES])
def test_known_scope_strings_are_valid(value):
    assert validator("lti_scope_string.json").is_valid(value)


@pytest.mark.parametrize("value", [s + "x" for s in KNOWN_SCOPES] + [s[:-1] for s in KNOWN_SCOPES])
def test_near_miss_scope_strings_are_invalid(value):
    assert not validator("lti_scope_string.json").is_valid(value)


MESSAGE_DEFS = ALL_SCHEMAS["lti_message.json"]["$defs"]
RL_PLACEMENTS = MESSAGE_DEFS["resource_link_placement"]["enum"]
DL_PLACEMENTS = MESSAGE_DEFS["deep_linking_placement"]["enum"]
NEVER_PREFIXED = MESSAGE_DEFS["never_prefixed_placement"]["enum"]
ALIASES = MESSAGE_DEFS["placement_alias"]["const"]
assert MESSAGE_DEFS["placement_prefix"]["const"] == CANVAS_PREFIX


def _accepted_forms(placements: list[str]) -> set[str]:
    forms = set(placements)
    forms |= {CANVAS_PREFIX + p for p in placements if p not in NEVER_PREFIXED}
    forms |= {alias for alias, target in ALIASES.items() if target in placements}
    return forms


def _all_forms() -> set[str]:
    everything = set(RL_PLACEMENTS) | set(DL_PLACEMENTS)
    return everything | {CANVAS_PREFIX + p for p in everything} | set(ALIASES) | {"not_a_placement"}


PLACEMENT_CASES = [
    pytest.param(msg_type, form, form in _accepted_forms(placements), id=f"{msg_type}:{form}")
    for msg_type, placements in (("LtiResourceLinkRequest", RL_PLACEMENTS), ("LtiDeepLinkingRequest", DL_PLACEMENTS))
    for form in sorted(_all_forms())
]


@pytest.mark.parametrize(("message_type", "placement", "accepted"), PLACEMENT_CASES)
def test_placement_per_message_type(message_type, placement, accepted):
    message = {"type": message_type, "placements": [placement]}
    assert validator("lti_message.json").is_valid(message) is accepted


# (3) Invalid documents: targeted mutations of valid ones --------------------------------------------------------
DROP = object()


def mutated(base: str | None, path: tuple, value: Any) -> Any:
    if base is None:
        return copy.deepcopy(value)
    return dynreg.mutated(example(base), path, ... if value is DROP else copy.deepcopy(value))


def _case(case_id: str, schema: str, base: str | None, path: tuple, value: Any):
    return pytest.param(schema, base, path, value, id=case_id)


def _drop_required_cases():
    groups = [
        ("registration_request.json", REQ, (), "registration_request.json", ()),
        ("registration_request.json", REQ, (TC,), "lti_tool_configuration.json", ()),
        ("registration_request.json", REQ, (TC, "messages", 0), "lti_message.json", ()),
        ("registration_response.json", RESP, (), "registration_response.json", ()),
        ("openid_configuration.json", OIDC, (), "openid_configuration.json", ()),
        ("openid_configuration.json", OIDC, (PC,), "lti_platform_configuration.json", ()),
        ("registration_token_response.json", TOKEN, (), "registration_token_response.json", ()),
        ("jwks.json", JWKS, ("keys", 0), "jwks.json", ("$defs", "public_jwk")),
        ("error_message.json", E401, (), "error_message.json", ()),
        ("error_list.json", E422, (), "error_list.json", ()),
    ]
    for schema, base, prefix, source, pointer in groups:
        node = ALL_SCHEMAS[source]
        for part in pointer:
            node = node[part]
        for field in node["required"]:
            short = field.rsplit("/", 1)[-1]
            yield _case(f"{Path(source).stem}-missing-{short}", schema, base, (*prefix, field), DROP)


REQ_SCOPE = example(REQ)["scope"]
MSG = (TC, "messages", 0)
DL_MSG = (TC, "messages", 1)

INVALID_CASES = [
    *_drop_required_cases(),
    # registration request: OIDC client metadata
    _case("request-application_type-native", "registration_request.json", REQ, ("application_type",), "native"),
    _case("request-grant_types-missing-implicit", "registration_request.json", REQ, ("grant_types",), ["client_credentials"]),
    _case("request-grant_types-missing-client_credentials", "registration_request.json", REQ, ("grant_types",), ["implicit"]),
    _case("request-grant_types-extra-authorization_code", "registration_request.json", REQ, ("grant_types",),
          ["client_credentials", "implicit", "authorization_code"]),
    _case("request-grant_types-as-string", "registration_request.json", REQ, ("grant_types",), "client_credentials implicit"),
    _case("request-response_types-empty", "registration_request.json", REQ, ("response_types",), []),
    _case("request-response_types-code", "registration_request.json", REQ, ("response_types",), ["code"]),
    _case("request-redirect_uris-empty", "registration_request.json", REQ, ("redirect_uris",), []),
    _case("request-redirect_uris-ftp", "registration_request.json", REQ, ("redirect_uris",), ["ftp://x"]),
    _case("request-redirect_uris-not-a-uri", "registration_request.json", REQ, ("redirect_uris",), ["not a uri"]),
    _case("request-initiate_login_uri-not-a-uri", "registration_request.json", REQ, ("initiate_login_uri",), "not a uri"),
    _case("request-initiate_login_uri-ftp", "registration_request.json", REQ, ("initiate_login_uri",), "ftp://example.com/login"),
    _case("request-jwks_uri-javascript", "registration_request.json", REQ, ("jwks_uri",), "javascript:alert(1)"),
    _case("request-client_name-empty", "registration_request.json", REQ, ("client_name",), ""),
    _case("request-client_name-number", "registration_request.json", REQ, ("client_name",), 42),
    _case("request-token_endpoint_auth_method-client_secret_basic", "registration_request.json", REQ,
          ("token_endpoint_auth_method",), "client_secret_basic"),
    _case("request-scope-as-array", "registration_request.json", REQ, ("scope",), REQ_SCOPE.split(" ")),
    _case("request-scope-unknown", "registration_request.json", REQ, ("scope",), "invalid_scope"),
    _case("request-scope-unknown-among-known", "registration_request.json", REQ, ("scope",),
          REQ_SCOPE + " https://purl.imsglobal.org/spec/lti-gs/scope/contextgroup.readonly"),
    _case("request-scope-comma-separated", "registration_request.json", REQ, ("scope",), REQ_SCOPE.replace(" ", ",")),
    _case("request-scope-double-space", "registration_request.json", REQ, ("scope",), REQ_SCOPE.replace(" ", "  ", 1)),
    _case("request-contacts-not-email", "registration_request.json", REQ_FULL, ("contacts",), ["not-an-email"]),
    _case("request-logo_uri-ftp", "registration_request.json", REQ_FULL, ("logo_uri",), "ftp://tool.example.org/logo.png"),
    _case("request-client_uri-not-a-uri", "registration_request.json", REQ_FULL, ("client_uri",), "not a uri"),
    _case("request-tool-configuration-not-object", "registration_request.json", REQ, (TC,), "example.com"),
    _case("update-request-grant_types-missing-implicit", "registration_request.json", PUT_REQ, ("grant_types",),
          ["client_credentials"]),
    _case("update-request-redirect_uris-not-a-uri", "registration_request.json", PUT_REQ, ("redirect_uris",),
          ["not-a-valid-uri"]),
    # tool configuration
    _case("tool-domain-with-scheme", "registration_request.json", REQ, (TC, "domain"), "https://example.com"),
    _case("tool-domain-with-path", "registration_request.json", REQ, (TC, "domain"), "example.com/lti"),
    _case("tool-domain-empty", "registration_request.json", REQ, (TC, "domain"), ""),
    _case("tool-secondary_domains-with-scheme", "registration_request.json", REQ_FULL, (TC, "secondary_domains"),
          ["https://a.example.org"]),
    _case("tool-target_link_uri-null", "registration_request.json", REQ, (TC, "target_link_uri"), None),
    _case("tool-target_link_uri-ftp", "registration_request.json", REQ, (TC, "target_link_uri"), "ftp://example.com/launch"),
    _case("tool-custom_parameters-non-string", "registration_request.json", REQ_FULL, (TC, "custom_parameters"), {"foo": 1}),
    _case("tool-claims-non-string", "registration_request.json", REQ, (TC, "claims"), [1]),
    _case("tool-messages-not-array", "registration_request.json", REQ, (TC, "messages"), {"type": "LtiResourceLinkRequest"}),
    _case("tool-privacy_level-unknown", "registration_request.json", REQ_FULL,
          (TC, CANVAS_PREFIX + "privacy_level"), "everyone"),
    # messages
    _case("message-type-unknown", "registration_request.json", REQ, (*MSG, "type"), "LtiSubmissionReviewRequest"),
    _case("message-placement-unknown", "registration_request.json", REQ, (*MSG, "placements"), ["not_a_placement"]),
    _case("message-placement-deep-linking-only-on-resource-link", "registration_request.json", REQ,
          (*MSG, "placements"), ["editor_button"]),
    _case("message-placement-RichTextEditor-on-resource-link", "registration_request.json", REQ,
          (*MSG, "placements"), ["RichTextEditor"]),
    _case("message-placement-resource-link-only-on-deep-linking", "registration_request.json", REQ_FULL,
          (*DL_MSG, "placements"), ["account_navigation"]),
    _case("message-placement-ActivityAssetProcessor-prefixed", "registration_request.json", REQ_FULL,
          (*DL_MSG, "placements"), [CANVAS_PREFIX + "ActivityAssetProcessor"]),
    _case("message-placement-wrong-prefix", "registration_request.json", REQ, (*MSG, "placements"),
          ["https://canvas.instructure.com/course_navigation"]),
    _case("message-placements-as-string", "registration_request.json", REQ, (*MSG, "placements"), "course_navigation"),
    _case("message-custom_parameters-non-string", "registration_request.json", REQ, (*MSG, "custom_parameters"),
          {"foo": True}),
    _case("message-icon_uri-not-a-uri", "registration_request.json", REQ, (*MSG, "icon_uri"), "not a uri"),
    _case("message-roles-not-array", "registration_request.json", REQ, (*MSG, "roles"), "Instructor"),
    _case("message-visibility-unknown", "registration_request.json", REQ_FULL, (*MSG, CANVAS_PREFIX + "visibility"),
          "everyone"),
    _case("message-default_enabled-string", "registration_request.json", REQ_FULL,
          (*MSG, CANVAS_PREFIX + "course_navigation/default_enabled"), "true"),
    _case("message-launch_width-float", "registration_request.json", REQ_FULL, (*MSG, CANVAS_PREFIX + "launch_width"), 1.5),
    # registration response
    _case("response-client_id-number", "registration_response.json", RESP, ("client_id",), 941),
    _case("response-scope-null", "registration_response.json", RESP, ("scope",), None),
    _case("response-scope-as-array", "registration_response.json", RESP, ("scope",), ["openid"]),
    _case("response-scope-unknown", "registration_response.json", PUT_RESP, ("scope",), "openid invalid_scope"),
    _case("response-grant_types-missing-implicit", "registration_response.json", RESP, ("grant_types",),
          ["client_credentials"]),
    _case("response-registration_client_uri-not-a-uri", "registration_response.json", PUT_RESP,
          ("registration_client_uri",), "not a uri"),
    _case("response-tool-domain-with-scheme", "registration_response.json", RESP, (TC, "domain"), "https://example.com"),
    _case("response-canvas-scope-without-openid", "registration_response_canvas.json", PUT_RESP, ("scope",),
          "https://purl.imsglobal.org/spec/lti-ags/scope/lineitem"),
    _case("response-canvas-scope-empty", "registration_response_canvas.json", RESP_FULL, ("scope",), ""),
    _case("response-canvas-missing-client_id", "registration_response_canvas.json", PUT_RESP, ("client_id",), DROP),
    # OpenID configuration
    _case("openid-auth-methods-without-private_key_jwt", "openid_configuration.json", OIDC,
          ("token_endpoint_auth_methods_supported",), ["client_secret_basic"]),
    _case("openid-auth-signing-algs-without-RS256", "openid_configuration.json", OIDC,
          ("token_endpoint_auth_signing_alg_values_supported",), ["HS256"]),
    _case("openid-scopes-not-a-list", "openid_configuration.json", OIDC, ("scopes_supported",),
          "openid https://purl.imsglobal.org/spec/lti-ags/scope/score"),
    _case("openid-response-types-without-id_token", "openid_configuration.json", OIDC, ("response_types_supported",),
          ["code"]),
    _case("openid-id-token-algs-without-RS256", "openid_configuration.json", OIDC,
          ("id_token_signing_alg_values_supported",), ["ES256"]),
    _case("openid-issuer-with-query", "openid_configuration.json", OIDC, ("issuer",), "https://canvas.instructure.com/?a=1"),
    _case("openid-issuer-with-fragment", "openid_configuration.json", OIDC, ("issuer",), "https://canvas.instructure.com#x"),
    _case("openid-issuer-ftp", "openid_configuration.json", OIDC, ("issuer",), "ftp://canvas.instructure.com"),
    _case("openid-jwks_uri-not-a-uri", "openid_configuration.json", OIDC, ("jwks_uri",), "not a uri"),
    _case("openid-claims_supported-not-array", "openid_configuration.json", OIDC, ("claims_supported",), "sub"),
    _case("openid-platform-configuration-not-object", "openid_configuration.json", OIDC, (PC,), "canvas"),
    _case("platform-messages_supported-strings", "openid_configuration.json", OIDC, (PC, "messages_supported"),
          ["LtiResourceLinkRequest"]),
    _case("platform-message-missing-type", "openid_configuration.json", OIDC, (PC, "messages_supported"),
          [{"placements": []}]),
    _case("platform-variables-not-strings", "openid_configuration.json", OIDC, (PC, "variables"), [1]),
    # registration token response
    _case("token-not-jwt", "registration_token_response.json", TOKEN, ("token",), "abc"),
    _case("token-two-segments", "registration_token_response.json", TOKEN, ("token",), "eyJhbGciOiJIUzI1NiJ9.e30"),
    _case("token-uuid-malformed", "registration_token_response.json", TOKEN, ("uuid",), "0d3f7978-8635"),
    _case("token-oidc_configuration_url-ftp", "registration_token_response.json", TOKEN, ("oidc_configuration_url",),
          "ftp://canvas.instructure.com/api/lti/security/openid-configuration"),
    # JWKS
    _case("jwks-no-keys", "jwks.json", JWKS, ("keys",), []),
    _case("jwks-rsa-missing-n", "jwks.json", JWKS, ("keys", 0, "n"), DROP),
    _case("jwks-rsa-missing-e", "jwks.json", JWKS, ("keys", 0, "e"), DROP),
    _case("jwks-private-key-member-d", "jwks.json", JWKS, ("keys", 0, "d"), "c2VjcmV0"),
    _case("jwks-n-not-base64url", "jwks.json", JWKS, ("keys", 0, "n"), "a+b/c="),
    # error bodies (whole documents)
    _case("error_message-not-string", "error_message.json", None, (), {"errorMessage": 5}),
    _case("error_list-empty", "error_list.json", None, (), {"errors": []}),
    _case("error_list-objects", "error_list.json", None, (), {"errors": [{"message": "x"}]}),
    _case("canvas_api_error-strings", "canvas_api_error.json", None, (), {"errors": ["x"]}),
    _case("canvas_api_error-missing-message", "canvas_api_error.json", None, (), {"errors": [{"msg": "x"}]}),
    _case("oauth_error-missing-error", "oauth_error.json", None, (), {"error_description": "x"}),
    _case("oauth_error-empty-code", "oauth_error.json", None, (), {"error": ""}),
    _case("canvas_error-empty-object", "canvas_error.json", None, (), {}),
    _case("canvas_error-unrelated-object", "canvas_error.json", None, (), {"message": "x"}),
    _case("canvas_error-errors-string", "canvas_error.json", None, (), {"errors": "bad"}),
    _case("canvas_error-ags-missing-type", "canvas_error.json", None, (), {"errors": {"message": "x"}}),
    _case("canvas_error-plain-text", "canvas_error.json", None, (), "403 Forbidden (Rate Limit Exceeded)"),
]


def _error_paths(errors) -> list[tuple]:
    paths = []
    for error in errors:
        paths.append(tuple(error.absolute_path))
        paths.extend(_error_paths(error.context or []))
    return paths


def _exists(base: str | None, path: tuple) -> bool:
    if base is None:
        return True
    node = example(base)
    try:
        for key in path:
            node = node[key]
    except (KeyError, IndexError):
        return False
    return True


@pytest.mark.parametrize(("schema", "base", "path", "value"), INVALID_CASES)
def test_mutation_is_invalid(schema, base, path, value):
    if base is not None:
        assert not errors_of(schema, example(base)), "the unmutated document must be valid"
    errors = errors_of(schema, mutated(base, path, value))
    assert errors, "mutation was accepted"
    # The failure must be about the mutated spot, or, for a removed or added member, its parent object.
    anchor = path if value is not DROP and _exists(base, path) else path[:-1]
    assert any(p[: len(anchor)] == anchor for p in _error_paths(errors)), _error_paths(errors)


def test_enough_targeted_invalid_cases():
    assert len(INVALID_CASES) >= 15


# (4) The OpenAPI document ---------------------------------------------------------------------------------------
EXPECTED_OPERATIONS = {
    ("/api/lti/authorize_redirect", "get"),
    ("/api/lti/authorize_redirect", "post"),
    ("/api/lti/authorize", "get"),
    ("/api/lti/authorize", "post"),
    ("/api/v1/courses/{course_id}/external_tools/sessionless_launch", "get"),
    ("/api/lti/accounts/{account_id}/registration_token", "get"),
    ("/api/lti/security/openid-configuration", "get"),
    ("/api/lti/registrations", "post"),
    ("/api/lti/registrations/{registration_id}/configuration", "get"),
    ("/api/lti/security/jwks", "get"),
    ("/api/lti/registrations/{registration_id}/configuration", "put"),
    ("/api/v1/accounts/{account_id}/lti_registrations", "get"),
    ("/api/v1/accounts/{account_id}/lti_registrations/{id}", "get"),
    ("/api/v1/accounts/{account_id}/lti_registrations/{id}/update_requests/{update_request_id}", "get"),
    ("/api/v1/accounts/{account_id}/lti_registrations/{id}/update_requests/{update_request_id}/apply", "put"),
    ("/api/v1/accounts/{account_id}/lti_registrations/{id}/history", "get"),
    ("/api/v1/accounts/{account_id}/features/flags/{feature}", "get"),
    ("/api/v1/accounts/{account_id}/features/flags/{feature}", "put"),
    ("/api/v1/developer_keys/{id}", "put"),
    ("/login/oauth2/token", "post"),
    # developer keys, the user OAuth2 flow, scoped REST routes, AGS line items (tests/test_key_schemas.py)
    ("/api/v1/accounts/{account_id}/developer_keys", "get"),
    ("/api/v1/accounts/{account_id}/developer_keys", "post"),
    ("/api/v1/developer_keys/{id}", "delete"),
    ("/api/v1/accounts/{account_id}/developer_keys/{developer_key_id}/developer_key_account_bindings", "post"),
    ("/login/oauth2/auth", "get"),
    ("/api/v1/courses/{id}", "get"),
    ("/api/v1/courses/{id}", "put"),
    ("/api/v1/courses/{course_id}/rubrics", "get"),
    ("/api/v1/courses/{course_id}/assignments", "get"),
    ("/api/v1/courses/{course_id}/assignments", "post"),
    ("/api/v1/users/{id}", "get"),
    ("/api/v1/users/{user_id}/profile", "get"),
    ("/api/v1/accounts/{account_id}/courses", "post"),
    ("/api/v1/courses/{course_id}/external_tools", "post"),
    ("/api/lti/courses/{course_id}/line_items", "get"),
    ("/api/lti/courses/{course_id}/line_items", "post"),
    ("/api/lti/courses/{course_id}/line_items/{id}", "get"),
    # AGS line item update/delete, scores and results (tests/test_ags_schemas.py)
    ("/api/lti/courses/{course_id}/line_items/{id}", "put"),
    ("/api/lti/courses/{course_id}/line_items/{id}", "delete"),
    ("/api/lti/courses/{course_id}/line_items/{id}/scores", "post"),
    ("/api/lti/courses/{course_id}/line_items/{id}/results", "get"),
    ("/api/lti/courses/{course_id}/line_items/{id}/results/{result_id}", "get"),
    # Deep Linking: the return endpoint, and the modules its items become (tests/test_mock_deep_linking.py)
    ("/courses/{course_id}/deep_linking_response", "post"),
    ("/api/v1/courses/{course_id}/modules", "get"),
    ("/api/v1/courses/{course_id}/modules/{module_id}/items", "get"),
    # Names and Role Provisioning Services (tests/test_mock_nrps.py)
    ("/api/lti/courses/{course_id}/names_and_roles", "get"),
    # routes the mock served without a description (tests/test_openapi_drift.py): the admin surface, the
    # REST reads the suites use, LTI 1.1 outcomes and the submissions they grade
    ("/api/v1/accounts/{account_id}/users", "post"),
    ("/api/v1/courses/{course_id}/enrollments", "get"),
    ("/api/v1/courses/{course_id}/enrollments", "post"),
    ("/api/v1/courses/{course_id}/external_tools", "get"),
    ("/api/v1/courses/{id}", "delete"),
    ("/api/lti/v1/tools/{tool_id}/grade_passback", "post"),
    ("/api/v1/courses/{course_id}/assignments/{assignment_id}/submissions/{user_id}", "get"),
    ("/api/v1/courses/{course_id}/assignments/{assignment_id}/submissions/{user_id}", "put"),
}
HTTP_METHODS = {"get", "put", "post", "delete", "patch", "head", "options", "trace"}


@functools.cache
def openapi_raw() -> dict:
    """The document as written (area files merged), each operation complete."""
    return openapi.source("platform")


@functools.cache
def openapi_schema():
    """The bundled document as schemathesis sees it."""
    return openapi.load("platform")


def test_openapi_refs_resolve():
    doc = openapi_raw()
    refs = set(iter_refs(doc))
    assert refs
    for ref in refs:
        target, _, fragment = ref.partition("#")
        if target:
            assert target.startswith("../") and target.endswith(".json"), ref
            path = (OPENAPI.parent / target).resolve()
            assert path.is_file(), ref
            assert path.parent == SCHEMAS.resolve(), ref
            json_pointer(_load_json(path), fragment)
        else:
            json_pointer(doc, fragment)


def test_openapi_components_point_at_schema_files():
    """The platform document's components name every schema file except the tool API's (tool.json's)."""
    components = openapi_raw()["components"]["schemas"]
    referenced = {c["$ref"].removeprefix("../") for c in components.values()}
    assert referenced == {f for f in SCHEMA_FILES if not f.startswith("tool_")}
    for component in components.values():
        assert set(component) == {"$ref"}
    tool_doc = json.dumps(_load_json(OPENAPI.parent / "tool.json"))
    assert all(f in tool_doc for f in SCHEMA_FILES if f.startswith("tool_")), "tool.json must reference every tool_* schema"


def test_openapi_operations():
    doc = openapi_raw()
    assert doc["openapi"] == "3.1.0"
    found = {(path, m) for path, item in doc["paths"].items() for m in item if m in HTTP_METHODS}
    assert found == EXPECTED_OPERATIONS
    ids = [doc["paths"][p][m]["operationId"] for p, m in found]
    assert len(set(ids)) == len(ids) and all(ids)
    for path, method in found:
        for ref in iter_refs(doc["paths"][path][method]):
            assert ref.startswith("#/components/"), (path, method, ref)


def _written_operations(doc: dict) -> list[tuple[str, str, dict]]:
    return [(path, m, op) for path, item in doc["paths"].items() for m, op in item.items() if m in HTTP_METHODS]


def test_openapi_area_files_hold_every_path_once():
    """Each path is in exactly one area file; the root file holds info and the shared components only."""
    root = _load_json(OPENAPI)
    assert not root.get("paths")
    areas = openapi.area_files("platform")
    assert areas and all(a.parent == OPENAPI.parent / "platform" for a in areas)
    seen: dict[str, str] = {}
    for area in areas:
        part = _load_json(area)
        assert set(part) <= {"paths", "components"}, area.name
        for path in part.get("paths", {}):
            assert path not in seen, (path, area.name, seen.get(path))
            seen[path] = area.name
    assert set(seen) == set(openapi_raw()["paths"])


def test_openapi_shared_parameters_and_responses_are_written_once():
    """No parameter or response is written out in an operation with the shape (descriptions aside) of a
    shared one or of another operation's: a repeated one belongs in components, referred to from each
    operation. Shared ones differ (in shape or meaning), every one is used, and every reference resolves."""
    doc = openapi.source("platform", expand=False)
    components = doc["components"]
    shapes: dict[str, dict[str, str]] = {kind: {} for kind in ("parameters", "responses")}
    for kind in shapes:
        written = [json.dumps(shared, sort_keys=True) for shared in components.get(kind, {}).values()]
        assert len(set(written)) == len(written), f"two components/{kind} are the same"
        for name, shared in components.get(kind, {}).items():
            shape = json.dumps({k: v for k, v in shared.items() if k != "description"}, sort_keys=True)
            shapes[kind].setdefault(shape, f"components/{kind}/{name}")
    used: set[str] = set()
    for path, method, op in _written_operations(doc):
        written = [("parameters", p) for p in op.get("parameters", [])] + [("responses", r) for r in op["responses"].values()]
        for kind, node in written:
            if "$ref" in node:
                assert set(node) <= {"$ref", "description", "summary"}, (path, method, node)
                _, _, ref_kind, name = node["$ref"].split("/", 3)
                assert ref_kind == kind and name in components.get(kind, {}), (path, method, node)
                used.add(f"components/{kind}/{name}")
                continue
            if "links" in node:
                continue  # a reference cannot carry links: a response with links is written out
            shape = json.dumps({k: v for k, v in node.items() if k != "description"}, sort_keys=True)
            assert shape not in shapes[kind], f"{method.upper()} {path}: {kind[:-1]} written out again; refer to {shapes[kind].get(shape)}"
            shapes[kind][shape] = f"{method.upper()} {path}"
    assert used == {f"components/{kind}/{name}" for kind in shapes for name in components.get(kind, {})}


def test_openapi_expansion_keeps_each_operation_whole():
    """A reference's own description overrides the shared one; everything else comes from the component."""
    doc = openapi.source("platform", expand=False)
    expanded = openapi_raw()
    checked = 0
    for path, method, op in _written_operations(doc):
        for index, node in enumerate(op.get("parameters", [])):
            if "$ref" in node:
                shared = doc["components"]["parameters"][node["$ref"].rsplit("/", 1)[1]]
                assert expanded["paths"][path][method]["parameters"][index] == {**shared, **{k: v for k, v in node.items() if k != "$ref"}}
                checked += 1
        for status, node in op["responses"].items():
            if "$ref" in node:
                shared = doc["components"]["responses"][node["$ref"].rsplit("/", 1)[1]]
                assert expanded["paths"][path][method]["responses"][status] == {**shared, **{k: v for k, v in node.items() if k != "$ref"}}
                checked += 1
    assert checked > 100
    left = json.dumps(expanded["paths"]).replace('"$ref": "#/components/schemas/', "").replace('"$ref": "#/components/headers/', "")
    assert "$ref" not in left


def test_openapi_is_valid_openapi_3_1():
    import schemathesis

    openapi_schema().validate()
    # The meta-schema check is real: a response without its required "description" is rejected.
    broken = copy.deepcopy(openapi_raw())
    del broken["paths"]["/api/lti/security/jwks"]["get"]["responses"]["200"]["description"]
    with pytest.raises(Exception, match="description"):
        schemathesis.openapi.from_dict(broken).validate()


@pytest.mark.parametrize(("path", "method"), sorted(EXPECTED_OPERATIONS))
def test_openapi_operation_generates_requests(path, method):
    from hypothesis import HealthCheck, Phase, given, settings
    from schemathesis.core import NOT_SET

    operation = openapi_schema()[path][method.upper()]
    cases = []

    @settings(
        max_examples=3,
        phases=[Phase.generate],
        derandomize=True,
        database=None,
        deadline=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(operation.as_strategy())
    def draw(case):
        cases.append(case)

    draw()
    assert cases
    for case in cases:
        if (path, method) == ("/api/lti/registrations", "post"):
            assert case.body is not NOT_SET
            assert validator("registration_request.json").is_valid(case.body), case.body
        if path == "/api/lti/security/openid-configuration":
            assert isinstance(case.query["registration_token"], str)


def _response(status: int, body: Any):
    import requests
    from schemathesis.core.transport import Response

    request = requests.Request("GET", "http://platform.test/").prepare()
    return Response(
        status, {"content-type": ["application/json"]}, json.dumps(body).encode(), request=request,
        elapsed=0.0, verify=True,
    )


REG = "/api/lti/registrations"
CONF = "/api/lti/registrations/{registration_id}/configuration"
OIDC_PATH = "/api/lti/security/openid-configuration"
TOKEN_PATH = "/api/lti/accounts/{account_id}/registration_token"
JWKS_PATH = "/api/lti/security/jwks"


def _with(name: str, path: tuple, value: Any) -> Any:
    return mutated(name, path, value)


RESPONSE_CASES = [
    pytest.param(TOKEN_PATH, "GET", 200, example(TOKEN), True, id="token-200"),
    pytest.param(TOKEN_PATH, "GET", 200, _with(TOKEN, ("token",), "abc"), False, id="token-200-bad-token"),
    pytest.param(OIDC_PATH, "GET", 200, example(OIDC), True, id="openid-200"),
    pytest.param(OIDC_PATH, "GET", 200, _with(OIDC, (PC,), DROP), False, id="openid-200-no-platform-config"),
    pytest.param(OIDC_PATH, "GET", 401, {"error": "Access token missing (You must include the registration_token parameter)."},
                 True, id="openid-401"),
    pytest.param(OIDC_PATH, "GET", 401, {"detail": "nope"}, False, id="openid-401-undocumented"),
    pytest.param(REG, "POST", 200, example(RESP), True, id="create-200"),
    pytest.param(REG, "POST", 201, example(PUT_RESP), True, id="create-201"),
    pytest.param(REG, "POST", 200, _with(RESP, ("client_id",), DROP), False, id="create-200-no-client_id"),
    pytest.param(REG, "POST", 200, _with(RESP, (TC, "messages", 0, "placements"), ["editor_button"]), False,
                 id="create-200-placement-for-wrong-message-type"),
    pytest.param(REG, "POST", 422, example(E422), True, id="create-422"),
    pytest.param(REG, "POST", 422, {"errors": []}, False, id="create-422-empty"),
    pytest.param(REG, "POST", 400, {"error": "invalid_client_metadata"}, True, id="create-400"),
    pytest.param(CONF, "GET", 200, example(RESP_FULL), True, id="configuration-200"),
    pytest.param(CONF, "GET", 401, example(E401), True, id="configuration-401"),
    pytest.param(CONF, "GET", 401, {"message": "x"}, False, id="configuration-401-wrong-shape"),
    pytest.param(CONF, "GET", 401, {"errors": [{"message": "Invalid access token."}]}, True, id="configuration-401-generic-shape"),
    pytest.param(CONF, "GET", 404, {"errors": [{"message": "The specified resource does not exist."}]}, True,
                 id="configuration-404"),
    pytest.param(JWKS_PATH, "GET", 200, example(JWKS), True, id="jwks-200"),
    pytest.param(JWKS_PATH, "GET", 200, _with(JWKS, ("keys", 0, "d"), "c2VjcmV0"), False, id="jwks-200-private-key"),
]


@pytest.mark.parametrize(("path", "method", "status", "body", "valid"), RESPONSE_CASES)
def test_openapi_response_validation_through_schemathesis(path, method, status, body, valid):
    operation = openapi_schema()[path][method]
    if valid:
        operation.validate_response(_response(status, body))
    else:
        with pytest.raises(AssertionError):
            operation.validate_response(_response(status, body))


@pytest.mark.parametrize(
    "body,valid",
    [
        ({"errors": {"scopes": [{"attribute": "scopes", "type": "invalid_scope", "message": "Invalid scopes: x"}]}}, True),
        ({"errors": {"type": "unprocessable_entity", "message": "ScoreMaximum must be greater than or equal to 0"}}, True),
        ({"errors": {}}, False),
        ({"message": "no envelope"}, False),
    ],
    ids=["record-invalid-hash", "ags-shape", "empty-errors-object", "bare-message"],
)
def test_documented_error_shapes(body, valid):
    from lti_harness.harness import schemas as harness_schemas

    assert harness_schemas.is_valid("canvas_error", body) is valid
