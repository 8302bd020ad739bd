"""Tests for the schemas of the registration-update workflow and the OpenAPI operations that use them.

Schemas: overlay, update_request, history_entry, history_list, lti_registration, feature_flag, token_response,
developer_key_update (files in ``schemas/``). For each one:

* it is a valid draft 2020-12 schema;
* a hand-made document of the shape the platform answers with validates;
* targeted mutations of that document are rejected, at the mutated spot.

The seed 000 update example (copies in ``tests/schema_examples/``) must satisfy the PUT configuration operation,
and every new OpenAPI operation must load in schemathesis, generate requests and validate answers.
"""

from __future__ import annotations

import copy
import json
import os
from pathlib import Path
from typing import Any

import pytest

from lti_harness.harness import dynreg
from jsonschema import Draft202012Validator

from lti_harness.harness import openapi, schemas, sources

HERE = Path(__file__).resolve().parent
EXAMPLES = HERE / "schema_examples"
SEED_000 = "000_a19bcb645fa47239.txt"
PUT_REQ = "000_a19bcb645fa47239.update.request.json"
PUT_RESP = "000_a19bcb645fa47239.update.response_200.json"
E401 = "000_a19bcb645fa47239.error_401.json"
E422 = "000_a19bcb645fa47239.error_422.json"

NEW_SCHEMAS = [
    "overlay",
    "update_request",
    "history_entry",
    "history_list",
    "lti_registration",
    "feature_flag",
    "token_response",
    "developer_key_update",
]

AGS_LINEITEM = "https://purl.imsglobal.org/spec/lti-ags/scope/lineitem"
AGS_SCORE = "https://purl.imsglobal.org/spec/lti-ags/scope/score"
NRPS = "https://purl.imsglobal.org/spec/lti-nrps/scope/contextmembership.readonly"
REG_SCOPE = "https://purl.imsglobal.org/spec/lti-reg/scope/registration"


def load_example(name: str) -> Any:
    return json.loads((EXAMPLES / name).read_text(encoding="utf-8"))


# Hand-made documents --------------------------------------------------------------------------------------------
def internal_configuration(title: str = "Updated Tool Name") -> dict[str, Any]:
    return {
        "title": title,
        "description": None,
        "target_link_uri": "https://tool.example.com/lti/launch",
        "oidc_initiation_url": "https://tool.example.com/lti/login",
        "domain": "tool.example.com",
        "scopes": [NRPS, AGS_LINEITEM],
        "redirect_uris": ["https://tool.example.com/lti/launch"],
        "custom_fields": {"course": "$Canvas.course.id"},
        "privacy_level": "public",
        "placements": [
            {
                "placement": "course_navigation",
                "enabled": True,
                "message_type": "LtiResourceLinkRequest",
                "text": "Updated Tool",
                "target_link_uri": "https://tool.example.com/lti/launch",
                "icon_url": None,
            },
            {
                "placement": "assignment_selection",
                "enabled": False,
                "message_type": "LtiDeepLinkingRequest",
                "text": "Pick content",
                "target_link_uri": "https://tool.example.com/lti/deep",
                "icon_url": "https://tool.example.com/icon.png",
                "launch_height": 600,
                "launch_width": "800",
            },
        ],
    }


OVERLAY = {
    "title": "Campus Tool",
    "description": "Renamed by the administrator",
    "custom_fields": {"term": "$Canvas.term.name"},
    "target_link_uri": "https://tool.example.com/lti/launch?campus=1",
    "oidc_initiation_url": "https://tool.example.com/lti/login",
    "domain": "tool.example.com",
    "privacy_level": "name_only",
    "disabled_scopes": [AGS_LINEITEM],
    "disabled_placements": ["course_navigation"],
    "placements": {
        "assignment_selection": {
            "text": "Campus content",
            "target_link_uri": "https://tool.example.com/lti/deep",
            "message_type": "LtiDeepLinkingRequest",
            "launch_height": 500,
            "launch_width": "100%",
            "icon_url": "https://tool.example.com/campus.png",
            "default": "disabled",
        }
    },
}

ADMIN_USER = {"id": 1, "name": "Site Admin"}

UPDATE_REQUEST = {
    "id": 10000000000007,
    "lti_registration_id": 10000000000001,
    "root_account_id": "1",
    "created_at": "2026-01-15T09:30:00.000Z",
    "accepted_at": None,
    "rejected_at": None,
    "comment": None,
    "lti_ims_registration": load_example(PUT_REQ),
    "created_by": None,
    "updated_by": None,
    "internal_lti_configuration": internal_configuration(),
    "status": "pending",
}


def snapshot(title: str, overlay: dict[str, Any]) -> dict[str, Any]:
    return {
        "internal_config": internal_configuration(title),
        "overlaid_internal_config": internal_configuration(overlay.get("title", title)),
        "registration": {"name": title, "workflow_state": "active"},
        "developer_key": {"name": title, "scopes": [NRPS]},
        "overlay": overlay,
    }


HISTORY_ENTRY = {
    "id": 10000000000009,
    "lti_registration_id": 10000000000001,
    "update_type": "registration_update",
    "diff": {
        "registration": {"name": ["Tool Name", "Updated Tool Name"]},
        "internal_lti_configuration": {"title": ["Tool Name", "Updated Tool Name"]},
        "developer_key": {"name": ["Tool Name", "Updated Tool Name"]},
        "overlay": {"title": [None, "Campus Tool"]},
    },
    "old_configuration": snapshot("Tool Name", {}),
    "new_configuration": snapshot("Updated Tool Name", {"title": "Campus Tool"}),
    "created_at": "2026-01-15T10:00:00Z",
    "created_by": ADMIN_USER,
    "comment": "Accepted after review",
}

LTI_REGISTRATION = {
    "id": 10000000000001,
    "name": "Updated Tool Name",
    "workflow_state": "active",
    "client_id": "10000000000002",
    "account_id": "1",
    "created_at": "2026-01-10T08:00:00Z",
    "pending_update": UPDATE_REQUEST,
    "configuration": internal_configuration(),
    "overlay": OVERLAY,
    "overlaid_configuration": internal_configuration("Campus Tool"),
}

FEATURE_FLAG = {
    "feature": "lti_dr_registrations_update",
    "context_type": "Account",
    "context_id": "1",
    "state": "on",
    "locked": False,
}

TOKEN_RESPONSE = {
    "access_token": "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiIxIn0.c2ln",
    "token_type": "Bearer",
    "expires_in": 3600,
    "scope": f"{REG_SCOPE} {AGS_SCORE}",
}

DEVELOPER_KEY_UPDATE = {"developer_key": {"event": "deactivate", "scopes": [AGS_SCORE], "name": "Updated Tool Name"}}

VALID: dict[str, Any] = {
    "overlay": OVERLAY,
    "update_request": UPDATE_REQUEST,
    "history_entry": HISTORY_ENTRY,
    "history_list": [HISTORY_ENTRY, {**HISTORY_ENTRY, "id": 10000000000008, "created_by": "Instructure", "comment": None}],
    "lti_registration": LTI_REGISTRATION,
    "feature_flag": FEATURE_FLAG,
    "token_response": TOKEN_RESPONSE,
    "developer_key_update": DEVELOPER_KEY_UPDATE,
}


def with_changes(doc: Any, **changes: Any) -> Any:
    out = copy.deepcopy(doc)
    out.update(copy.deepcopy(changes))
    return out


# Further valid variants: the other states and the nullable and minimal forms.
VALID_VARIANTS = [
    ("overlay", {}),
    ("overlay", {"disabled_placements": ["link_selection"], "placements": {"link_selection": {}}}),
    ("update_request", with_changes(UPDATE_REQUEST, accepted_at="2026-01-15T10:00:00.000Z", updated_by=ADMIN_USER,
                                    comment="ok", status="applied")),
    ("update_request", with_changes(UPDATE_REQUEST, rejected_at="2026-01-15T10:00:00+01:00", status="rejected",
                                    root_account_id=1)),
    ("update_request", {k: v for k, v in UPDATE_REQUEST.items() if k not in ("internal_lti_configuration", "status")}),
    ("history_entry", with_changes(HISTORY_ENTRY, created_by=None, comment=None, diff={}, update_type="manual_edit")),
    ("history_entry", with_changes(HISTORY_ENTRY, created_by="Instructure", update_type="control_edit",
                                   old_configuration={}, new_configuration={"developer_key": None, "overlay": None})),
    ("history_entry", with_changes(HISTORY_ENTRY, comment="x" * 2000, update_type="bulk_control_create")),
    ("history_list", []),
    ("lti_registration", with_changes(LTI_REGISTRATION, pending_update=None, overlay=None, workflow_state="inactive")),
    ("feature_flag", {"feature": "lti_dr_registrations_update", "state": "allowed_on"}),
    ("feature_flag", with_changes(FEATURE_FLAG, state="allowed", context_id=1, locked=True)),
    ("token_response", with_changes(TOKEN_RESPONSE, token_type="bearer")),
    ("token_response", with_changes(TOKEN_RESPONSE, token_type="BEARER", scope="")),
    ("developer_key_update", {"developer_key": {"event": "activate"}}),
    ("developer_key_update", {"developer_key": {}}),
]


# (1) The schema files -------------------------------------------------------------------------------------------
@pytest.mark.parametrize("name", NEW_SCHEMAS)
def test_schema_is_valid_draft_2020_12(name):
    schema = schemas.load(name)
    Draft202012Validator.check_schema(schema)
    assert schema["$id"] == f"{schemas.BASE_URI}{name}.json"
    assert "Source:" in schema["description"]


def test_lti_registration_says_its_shape_is_unconfirmed():
    assert "not confirmed" in schemas.load("lti_registration")["description"].lower()


def test_internal_configuration_is_shared():
    target = "lti_registration.json#/$defs/internal_configuration"
    assert schemas.load("update_request")["properties"]["internal_lti_configuration"]["$ref"] == target
    snapshot_props = schemas.load("history_entry")["$defs"]["snapshot"]["properties"]
    assert snapshot_props["internal_config"]["$ref"] == target


# (2) Valid documents --------------------------------------------------------------------------------------------
@pytest.mark.parametrize("name", NEW_SCHEMAS)
def test_hand_made_example_is_valid(name):
    assert schemas.errors(name, VALID[name]) == []


@pytest.mark.parametrize(("name", "doc"), [pytest.param(n, d, id=f"{n}-{i}") for i, (n, d) in enumerate(VALID_VARIANTS)])
def test_valid_variant(name, doc):
    assert schemas.errors(name, doc) == []


# (3) Targeted mutations -----------------------------------------------------------------------------------------
DROP = object()


def mutate(doc: Any, path: tuple, value: Any) -> Any:
    """A copy of ``doc`` with ``path`` set to ``value`` (removed for DROP)."""
    return dynreg.mutated(doc, path, ... if value is DROP else copy.deepcopy(value))


def _exists(doc: Any, path: tuple) -> bool:
    try:
        for key in path:
            doc = doc[key]
    except (KeyError, IndexError, TypeError):
        return False
    return True


def case(case_id: str, name: str, path: tuple, value: Any):
    return pytest.param(name, path, value, id=case_id)


ASSIGN = ("placements", "assignment_selection")
INVALID_CASES = [
    # overlay
    case("overlay-unknown-member", "overlay", ("disabled_tools",), ["x"]),
    case("overlay-privacy-unknown", "overlay", ("privacy_level",), "everyone"),
    case("overlay-disabled-scope-unknown", "overlay", ("disabled_scopes",), ["https://example.com/scope/anything"]),
    case("overlay-disabled-scopes-string", "overlay", ("disabled_scopes",), AGS_LINEITEM),
    case("overlay-custom-field-number", "overlay", ("custom_fields",), {"term": 5}),
    case("overlay-target_link_uri-not-uri", "overlay", ("target_link_uri",), "not a uri"),
    case("overlay-placement-unknown-member", "overlay", (*ASSIGN, "label"), "x"),
    case("overlay-placement-default-on", "overlay", (*ASSIGN, "default"), "on"),
    case("overlay-placement-message-type-unknown", "overlay", (*ASSIGN, "message_type"), "LtiSubmissionReviewRequest"),
    case("overlay-placement-launch_height-float", "overlay", (*ASSIGN, "launch_height"), 1.5),
    case("overlay-placement-not-object", "overlay", ASSIGN, "Campus content"),
    # update request
    case("update_request-missing-id", "update_request", ("id",), DROP),
    case("update_request-id-string", "update_request", ("id",), "10000000000007"),
    case("update_request-missing-accepted_at", "update_request", ("accepted_at",), DROP),
    case("update_request-created_at-not-date-time", "update_request", ("created_at",), "yesterday"),
    case("update_request-accepted_at-number", "update_request", ("accepted_at",), 1736933400),
    case("update_request-status-accepted", "update_request", ("status",), "accepted"),
    case("update_request-proposal-missing-client_name", "update_request", ("lti_ims_registration", "client_name"), DROP),
    case("update_request-proposal-bad-redirect", "update_request", ("lti_ims_registration", "redirect_uris"),
         ["not-a-valid-uri"]),
    case("update_request-created_by-string", "update_request", ("created_by",), "tool"),
    case("update_request-internal-placement-missing-enabled", "update_request",
         ("internal_lti_configuration", "placements", 0, "enabled"), DROP),
    # history entry
    case("history_entry-update_type-unknown", "history_entry", ("update_type",), "overlay_edit"),
    case("history_entry-diff-unknown-part", "history_entry", ("diff", "tool"), {"x": [1, 2]}),
    case("history_entry-diff-array", "history_entry", ("diff",), []),
    case("history_entry-comment-too-long", "history_entry", ("comment",), "x" * 2001),
    case("history_entry-created_by-other-string", "history_entry", ("created_by",), "Canvas"),
    case("history_entry-created_by-without-name", "history_entry", ("created_by",), {"id": 1}),
    case("history_entry-missing-new_configuration", "history_entry", ("new_configuration",), DROP),
    case("history_entry-missing-comment", "history_entry", ("comment",), DROP),
    case("history_entry-snapshot-internal-missing-title", "history_entry", ("old_configuration", "internal_config", "title"),
         DROP),
    case("history_entry-snapshot-registration-string", "history_entry", ("new_configuration", "registration"), "active"),
    # history list
    case("history_list-entry-missing-diff", "history_list", (0, "diff"), DROP),
    case("history_list-entry-not-object", "history_list", (1,), "entry"),
    # LTI registration
    case("lti_registration-workflow_state-unknown", "lti_registration", ("workflow_state",), "archived"),
    case("lti_registration-client_id-number", "lti_registration", ("client_id",), 10000000000002),
    case("lti_registration-missing-overlaid_configuration", "lti_registration", ("overlaid_configuration",), DROP),
    case("lti_registration-missing-pending_update", "lti_registration", ("pending_update",), DROP),
    case("lti_registration-pending_update-empty", "lti_registration", ("pending_update",), {}),
    case("lti_registration-overlay-unknown-member", "lti_registration", ("overlay", "bogus"), 1),
    case("lti_registration-placement-enabled-string", "lti_registration", ("configuration", "placements", 0, "enabled"),
         "yes"),
    case("lti_registration-placements-object", "lti_registration", ("overlaid_configuration", "placements"),
         {"course_navigation": {"enabled": True}}),
    case("lti_registration-scopes-string", "lti_registration", ("configuration", "scopes"), AGS_LINEITEM),
    # feature flag
    case("feature_flag-state-enabled", "feature_flag", ("state",), "enabled"),
    case("feature_flag-state-boolean", "feature_flag", ("state",), True),
    case("feature_flag-missing-feature", "feature_flag", ("feature",), DROP),
    case("feature_flag-locked-string", "feature_flag", ("locked",), "no"),
    # token response
    case("token_response-token_type-mac", "token_response", ("token_type",), "mac"),
    case("token_response-token_type-bearer-with-space", "token_response", ("token_type",), "Bearer "),
    case("token_response-expires_in-string", "token_response", ("expires_in",), "3600"),
    case("token_response-missing-scope", "token_response", ("scope",), DROP),
    case("token_response-scope-array", "token_response", ("scope",), [REG_SCOPE]),
    case("token_response-access_token-empty", "token_response", ("access_token",), ""),
    # developer key update
    case("developer_key_update-event-delete", "developer_key_update", ("developer_key", "event"), "delete"),
    case("developer_key_update-scopes-string", "developer_key_update", ("developer_key", "scopes"), AGS_SCORE),
    case("developer_key_update-missing-developer_key", "developer_key_update", ("developer_key",), DROP),
    case("developer_key_update-developer_key-string", "developer_key_update", ("developer_key",), "deactivate"),
]


@pytest.mark.parametrize(("name", "path", "value"), INVALID_CASES)
def test_mutation_is_invalid(name, path, value):
    base = VALID[name]
    problems = schemas.errors(name, mutate(base, path, value))
    assert problems, "the mutation was accepted"
    # The complaint is about the mutated spot (or, for a removed or added member, its parent).
    anchor = path if value is not DROP and _exists(base, path) else path[:-1]
    where = "/".join(str(p) for p in anchor) or "(root)"
    assert any(p.startswith(where) for p in problems), problems


def test_every_new_schema_has_two_targeted_mutations():
    counts = {name: sum(1 for p in INVALID_CASES if p.values[0] == name) for name in NEW_SCHEMAS}
    assert all(n >= 2 for n in counts.values()), counts


@pytest.mark.parametrize("name", ["update_request", "history_entry", "lti_registration", "feature_flag", "token_response"])
def test_not_an_object(name):
    assert schemas.errors(name, [VALID[name]])
    assert schemas.errors(name, None)


# (4) Seed 000 examples against the PUT configuration operation -------------------------------------------------
def seeds_dir() -> Path:
    """The seed documents: the package's ``sources/seeds`` unless ``LTI_HARNESS_SEEDS`` names another folder."""
    return Path(os.environ.get("LTI_HARNESS_SEEDS") or sources.sources_dir() / "seeds")


CONF = "/api/lti/registrations/{registration_id}/configuration"


def put_body_validator() -> Draft202012Validator:
    """A validator for the PUT configuration request body, read through the bundled OpenAPI document."""
    from referencing import Registry, Resource
    from referencing.jsonschema import DRAFT202012

    doc = openapi.document("platform")
    uri = "urn:lti-harness:openapi:platform"
    registry = Registry().with_resource(uri, Resource.from_contents(doc, default_specification=DRAFT202012))
    pointer = "/paths/" + CONF.replace("~", "~0").replace("/", "~1") + "/put/requestBody/content/application~1json/schema"
    return Draft202012Validator({"$ref": uri + "#" + pointer}, registry=registry,
                                format_checker=Draft202012Validator.FORMAT_CHECKER)


def test_seed_000_update_request_is_a_registration_request():
    body = load_example(PUT_REQ)
    assert schemas.errors("registration_request", body) == []
    raw = openapi.source("platform")  # the document as written, area files merged, each operation complete
    put_schema = raw["paths"][CONF]["put"]["requestBody"]["content"]["application/json"]["schema"]
    assert put_schema == {"$ref": "#/components/schemas/RegistrationRequest"}
    assert raw["components"]["schemas"]["RegistrationRequest"] == {"$ref": "../registration_request.json"}
    validator = put_body_validator()
    assert list(validator.iter_errors(body)) == []
    # The same path catches a broken body, so the check above is not vacuous.
    assert list(validator.iter_errors({**body, "redirect_uris": ["not-a-valid-uri"]}))
    assert list(validator.iter_errors({k: v for k, v in body.items() if k != "client_name"}))


def test_seed_000_bodies_straight_from_the_seed():
    text = (seeds_dir() / SEED_000).read_text(encoding="utf-8")
    start = text.index("{", text.index("-d '"))
    body, _ = json.JSONDecoder().raw_decode(text, start)
    assert schemas.errors("registration_request", body) == []
    start = text.index("{", text.index("Success Response (200 OK):"))
    answer, _ = json.JSONDecoder().raw_decode(text, start)
    assert schemas.errors("registration_response", answer) == []


# (5) The OpenAPI operations ------------------------------------------------------------------------------------
REGS = "/api/v1/accounts/{account_id}/lti_registrations"
REG = REGS + "/{id}"
UPD = REG + "/update_requests/{update_request_id}"
APPLY = UPD + "/apply"
HISTORY = REG + "/history"
FLAG = "/api/v1/accounts/{account_id}/features/flags/{feature}"
DEVKEY = "/api/v1/developer_keys/{id}"
TOKEN = "/login/oauth2/token"

NEW_OPERATIONS = [
    (CONF, "PUT"),
    (REGS, "GET"),
    (REG, "GET"),
    (UPD, "GET"),
    (APPLY, "PUT"),
    (HISTORY, "GET"),
    (FLAG, "GET"),
    (FLAG, "PUT"),
    (DEVKEY, "PUT"),
    (TOKEN, "POST"),
]
ADMIN_OPERATIONS = [op for op in NEW_OPERATIONS if op[0].startswith("/api/v1/")]

_LOADED: list[Any] = []


def platform_schema() -> Any:
    if not _LOADED:
        _LOADED.append(openapi.load("platform"))
    return _LOADED[0]


def test_openapi_loads_and_validates():
    platform_schema().validate()


@pytest.mark.parametrize(("path", "method"), NEW_OPERATIONS)
def test_new_operation_is_documented(path, method):
    raw = openapi.source("platform")  # the document as written, area files merged, each operation complete
    op = raw["paths"][path][method.lower()]
    assert op["operationId"]
    responses = op["responses"]
    assert "200" in responses
    assert responses["200"]["content"]["application/json"]["schema"]
    error_schema = "OAuthError" if path == TOKEN else "CanvasError"
    for status, response in responses.items():
        if status.startswith("4") and status != "413":
            assert response["content"]["application/json"]["schema"] == {"$ref": f"#/components/schemas/{error_schema}"}
    security = op["security"]
    if (path, method) in ADMIN_OPERATIONS:
        assert security == [{"adminBearer": []}]
    elif path == CONF:
        assert security == [{"ltiAccessToken": []}]
    else:
        assert security == []


def _cases(path: str, method: str, n: int = 2) -> list[Any]:
    from hypothesis import HealthCheck, Phase, given, settings

    operation = platform_schema()[path][method]
    found: list[Any] = []

    @settings(max_examples=n, phases=[Phase.generate], derandomize=True, database=None, deadline=None,
              suppress_health_check=list(HealthCheck))
    @given(operation.as_strategy())
    def draw(case):
        found.append(case)

    draw()
    return found


@pytest.mark.parametrize(("path", "method"), NEW_OPERATIONS)
def test_new_operation_generates_requests(path, method):
    cases = _cases(path, method)
    assert cases
    for generated in cases:
        assert "{" not in generated.formatted_path
        body = generated.body
        if (path, method) == (CONF, "PUT"):
            assert schemas.errors("registration_request", body) == []
        elif (path, method) == (APPLY, "PUT"):
            assert isinstance(body["accepted"], bool)
        elif (path, method) == (FLAG, "PUT"):
            assert body["state"] in ("on", "off", "allowed", "allowed_on")
        elif (path, method) == (DEVKEY, "PUT"):
            assert schemas.errors("developer_key_update", body) == []
        elif path == TOKEN:
            assert schemas.errors("token_request", body) == []
            if body["grant_type"] == "client_credentials":
                assert body["client_assertion_type"] == "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
            assert generated.media_type == "application/x-www-form-urlencoded"
            assert all(isinstance(v, str) for v in body.values()), "a form body holds strings only"
        elif path == HISTORY:
            per_page = (generated.query or {}).get("per_page")
            assert per_page is None or 1 <= per_page <= 100


def _response(status: int, body: Any):
    import requests
    from schemathesis.core.transport import Response

    request = requests.Request("GET", "http://platform.test/").prepare()
    return Response(status, {"content-type": ["application/json"]}, json.dumps(body).encode(), request=request,
                    elapsed=0.0, verify=True)


NOT_FOUND = {"errors": [{"message": "The specified resource does not exist."}]}
DEVELOPER_KEY = {"id": "10000000000002", "name": "Tool", "scopes": [AGS_SCORE], "workflow_state": "inactive"}

RESPONSE_CASES = [
    pytest.param(CONF, "PUT", 200, load_example(PUT_RESP), True, id="put-configuration-200-seed"),
    pytest.param(CONF, "PUT", 401, load_example(E401), True, id="put-configuration-401-seed"),
    pytest.param(CONF, "PUT", 422, load_example(E422), True, id="put-configuration-422-seed"),
    pytest.param(CONF, "PUT", 404, NOT_FOUND, True, id="put-configuration-404"),
    pytest.param(CONF, "PUT", 401, {"message": "x"}, False, id="put-configuration-401-undocumented-shape"),
    pytest.param(CONF, "PUT", 200, {**load_example(PUT_RESP), "client_id": 1}, False, id="put-configuration-200-bad"),
    pytest.param(REGS, "GET", 200, [LTI_REGISTRATION], True, id="list-registrations-200"),
    pytest.param(REGS, "GET", 200, LTI_REGISTRATION, False, id="list-registrations-200-not-array"),
    pytest.param(REG, "GET", 200, LTI_REGISTRATION, True, id="registration-200"),
    pytest.param(REG, "GET", 200, with_changes(LTI_REGISTRATION, overlay={"bogus": 1}), False, id="registration-200-bad-overlay"),
    pytest.param(REG, "GET", 401, {"errors": [{"message": "Invalid access token."}]}, True, id="registration-401"),
    pytest.param(UPD, "GET", 200, UPDATE_REQUEST, True, id="update-request-200"),
    pytest.param(UPD, "GET", 404, NOT_FOUND, True, id="update-request-404"),
    pytest.param(UPD, "GET", 200, with_changes(UPDATE_REQUEST, status="accepted"), False, id="update-request-200-bad-status"),
    pytest.param(APPLY, "PUT", 200, VALID_VARIANTS[2][1], True, id="apply-200"),
    pytest.param(APPLY, "PUT", 400, {"errors": [{"message": "accepted is missing"}]}, True, id="apply-400"),
    pytest.param(APPLY, "PUT", 422, {"errors": ["overlay (root): bad"]}, True, id="apply-422"),
    pytest.param(HISTORY, "GET", 200, VALID["history_list"], True, id="history-200"),
    pytest.param(HISTORY, "GET", 200, [with_changes(HISTORY_ENTRY, update_type="x")], False, id="history-200-bad-entry"),
    pytest.param(FLAG, "GET", 200, FEATURE_FLAG, True, id="flag-get-200"),
    pytest.param(FLAG, "PUT", 200, with_changes(FEATURE_FLAG, state="off"), True, id="flag-put-200"),
    pytest.param(FLAG, "PUT", 200, with_changes(FEATURE_FLAG, state=False), False, id="flag-put-200-bad-state"),
    pytest.param(FLAG, "PUT", 400, {"errors": [{"message": "state must be one of on, off, allowed, allowed_on"}]}, True,
                 id="flag-put-400"),
    pytest.param(DEVKEY, "PUT", 200, DEVELOPER_KEY, True, id="developer-key-200"),
    pytest.param(DEVKEY, "PUT", 200, {**DEVELOPER_KEY, "workflow_state": "off"}, False, id="developer-key-200-bad-state"),
    pytest.param(TOKEN, "POST", 200, TOKEN_RESPONSE, True, id="token-200"),
    pytest.param(TOKEN, "POST", 200, with_changes(TOKEN_RESPONSE, token_type="mac"), False, id="token-200-mac"),
    pytest.param(TOKEN, "POST", 400, {"error": "invalid_scope", "error_description": "not granted"}, True, id="token-400"),
    pytest.param(TOKEN, "POST", 401, {"error": "invalid_client", "error_description": "unknown client"}, True, id="token-401"),
    pytest.param(TOKEN, "POST", 401, {"errorMessage": "unknown client"}, False, id="token-401-not-oauth"),
]


@pytest.mark.parametrize(("path", "method", "status", "body", "valid"), RESPONSE_CASES)
def test_response_validation(path, method, status, body, valid):
    operation = platform_schema()[path][method]
    if valid:
        operation.validate_response(_response(status, body))
    else:
        with pytest.raises(AssertionError):
            operation.validate_response(_response(status, body))
