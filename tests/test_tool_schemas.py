"""The tool-side registrations API (seed 001, TutorFlow's "LTI Registrations"): the schemas tool_registration*.json and
tool_error.json are valid 2020-12 schemas; the seed's examples (kept verbatim below and, when the seeds folder is
present, compared with the seed) validate; targeted mutations are rejected at the mutated spot; the OpenAPI document
schemas/openapi/tool.json bundles through harness.openapi, loads in schemathesis, generates requests for every
operation and validates responses (including that an error body's status matches the HTTP status)."""

from __future__ import annotations

import copy
import functools
import json
import os
from pathlib import Path
from typing import Any

import pytest
import requests
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from jsonschema import Draft202012Validator
from schemathesis.core.failures import FailureGroup
from schemathesis.core.transport import Response

from lti_harness.harness import dynreg, openapi, schemas, sources

SEED = "001_f676ab90b81a9d23.txt"
STEMS = ["tool_registration_create", "tool_registration_update", "tool_registration", "tool_registration_summary",
         "tool_registration_list", "tool_registration_deleted", "tool_error"]
OPENAPI_FILE = schemas.schema_dir() / "openapi" / "tool.json"
REG, ONE = "/v1/platform/lti/registrations", "/v1/platform/lti/registrations/{id}"
RID = "a1b2c3d4-e5f6-7890-abcd-ef1234567890"
TS = "2026-03-25T12:00:00Z"
CI = "https://canvas.instructure.com"

# The seed's examples, in the order they appear in the seed ---------------------------------------------------------
CREATE_REQ = {"name": "Canvas Production", "platformIssuer": CI,
              "platformAuthorizationEndpoint": f"{CI}/api/lti/authorize_redirect",
              "platformTokenEndpoint": f"{CI}/login/oauth2/token", "platformJwksUrl": f"{CI}/api/lti/security/jwks",
              "clientId": "10000000000001", "deploymentId": "1"}
CREATE_RESP = {"id": RID, **CREATE_REQ, "toolLoginUrl": "https://api.tutorflow.io/v1/platform/lti/login",
               "toolLaunchUrl": "https://api.tutorflow.io/v1/platform/lti/launch",
               "toolJwksUrl": "https://api.tutorflow.io/v1/platform/lti/.well-known/jwks.json",
               "status": "active", "createdAt": TS, "updatedAt": TS}
LIST_RESP = {"data": [{k: CREATE_RESP[k] for k in ("id", "name", "platformIssuer", "clientId", "deploymentId", "status",
                                                   "createdAt", "updatedAt")}],
             "meta": {"page": 1, "take": 10, "itemCount": 1, "pageCount": 1, "hasPreviousPage": False, "hasNextPage": False}}
GET_RESP = CREATE_RESP
UPDATE_REQ = {"name": "Canvas Production (Updated)", "deploymentId": "2"}
UPDATE_RESP = {**CREATE_RESP, **UPDATE_REQ, "updatedAt": "2026-03-25T12:05:00Z"}
DELETE_RESP = {"success": True, "message": "Registration deleted successfully"}
ERROR = {"error": {"code": "platform_invalid_request", "message": "platformIssuer is required", "status": 400}}
SEED_ORDER = [CREATE_REQ, CREATE_RESP, LIST_RESP, GET_RESP, UPDATE_REQ, UPDATE_RESP, DELETE_RESP, ERROR]
PAIRS = {400: "platform_invalid_request", 401: "platform_unauthorized", 404: "platform_not_found", 409: "platform_conflict"}

VALID = [
    ("tool_registration_create", CREATE_REQ), ("tool_registration", CREATE_RESP), ("tool_registration_list", LIST_RESP),
    ("tool_registration", GET_RESP), ("tool_registration_update", UPDATE_REQ), ("tool_registration", UPDATE_RESP),
    ("tool_registration_deleted", DELETE_RESP), ("tool_error", ERROR),
    ("tool_registration_summary", LIST_RESP["data"][0]),
    # variants the seed allows
    ("tool_registration_create", {k: v for k, v in CREATE_REQ.items() if k != "deploymentId"}),
    ("tool_registration_create", {**CREATE_REQ, "extra": "allowed: the seed is silent"}),
    ("tool_registration", {**CREATE_RESP, "deploymentId": None}),
    ("tool_registration", {k: v for k, v in CREATE_RESP.items() if k != "deploymentId"}),
    ("tool_registration_update", {}), ("tool_registration_update", {"status": "inactive"}),
    ("tool_registration_list", {"data": [], "meta": {**LIST_RESP["meta"], "itemCount": 0, "pageCount": 0}}),
    *[("tool_error", {"error": {"code": c, "message": "x", "status": s}}) for s, c in PAIRS.items()],
]


def errors(stem: str, doc: Any) -> list:
    return list(schemas.validator(stem).iter_errors(doc))


@pytest.mark.parametrize("stem", STEMS)
def test_schema_is_valid_draft_2020_12(stem):
    schema = schemas.load(stem)
    Draft202012Validator.check_schema(schema)
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert schema["$id"] == f"{schemas.BASE_URI}{stem}.json" and schema["title"].strip()
    assert "Source:" in schema["description"] and SEED in schema["description"]
    assert "unevaluatedProperties" not in json.dumps(schema)
    assert schemas.validator(stem).format_checker is not None
    resolver = schemas.registry().resolver(base_uri=schema["$id"])
    for ref in _refs(schema):
        assert isinstance(resolver.lookup(ref).contents, (dict, bool)), ref


def _refs(node: Any):
    if isinstance(node, (dict, list)):
        for key, value in node.items() if isinstance(node, dict) else enumerate(node):
            yield from [value] if key == "$ref" else _refs(value)


@pytest.mark.parametrize(("stem", "doc"), [pytest.param(s, d, id=f"{s}-{i}") for i, (s, d) in enumerate(VALID)])
def test_valid_document(stem, doc):
    assert not errors(stem, doc), [e.message for e in errors(stem, doc)]


def test_examples_match_seed():
    folder = Path(os.environ.get("LTI_HARNESS_SEEDS") or sources.sources_dir() / "seeds")
    text, decoder, bodies, at = (folder / SEED).read_text(encoding="utf-8"), json.JSONDecoder(), [], 0
    while (at := text.find("{", at)) != -1:
        body, end = decoder.raw_decode(text, at) if text[at - 1] == "\n" or text[at - 4:at] == "-d '" else (None, at + 1)
        bodies, at = bodies + ([body] if body is not None else []), end
    assert bodies == SEED_ORDER


DROP = ...  # targeted mutations: (id, schema, base document, path, value); DROP removes the member
MUTATIONS = [
    *[(f"create-missing-{f}", "tool_registration_create", CREATE_REQ, (f,), DROP)
      for f in schemas.load("tool_registration_create")["required"]],
    ("create-platformJwksUrl-not-a-url", "tool_registration_create", CREATE_REQ, ("platformJwksUrl",), "not a url"),
    ("create-platformIssuer-ftp", "tool_registration_create", CREATE_REQ, ("platformIssuer",), "ftp://canvas.example"),
    ("create-platformTokenEndpoint-relative", "tool_registration_create", CREATE_REQ, ("platformTokenEndpoint",), "/token"),
    ("create-name-empty", "tool_registration_create", CREATE_REQ, ("name",), ""),
    ("create-clientId-number", "tool_registration_create", CREATE_REQ, ("clientId",), 10000000000001),
    ("create-deploymentId-number", "tool_registration_create", CREATE_REQ, ("deploymentId",), 1),
    ("update-status-paused", "tool_registration_update", UPDATE_REQ, ("status",), "paused"),
    ("update-platformJwksUrl-not-a-url", "tool_registration_update", UPDATE_REQ, ("platformJwksUrl",), "jwks"),
    ("update-name-empty", "tool_registration_update", UPDATE_REQ, ("name",), ""),
    ("update-deploymentId-null", "tool_registration_update", UPDATE_REQ, ("deploymentId",), None),
    *[(f"full-missing-{f}", "tool_registration", CREATE_RESP, (f,), DROP)
      for f in schemas.load("tool_registration")["required"]],
    ("full-status-paused", "tool_registration", CREATE_RESP, ("status",), "paused"),
    ("full-id-not-uuid", "tool_registration", CREATE_RESP, ("id",), "reg-1"),
    ("full-createdAt-not-date-time", "tool_registration", CREATE_RESP, ("createdAt",), "25/03/2026"),
    ("full-toolLoginUrl-not-a-url", "tool_registration", CREATE_RESP, ("toolLoginUrl",), "login"),
    ("full-platformJwksUrl-not-a-url", "tool_registration", UPDATE_RESP, ("platformJwksUrl",), "not a url"),
    ("summary-status-paused", "tool_registration_summary", LIST_RESP["data"][0], ("status",), "paused"),
    ("summary-missing-clientId", "tool_registration_summary", LIST_RESP["data"][0], ("clientId",), DROP),
    ("list-item-status-paused", "tool_registration_list", LIST_RESP, ("data", 0, "status"), "paused"),
    ("list-data-object", "tool_registration_list", LIST_RESP, ("data",), LIST_RESP["data"][0]),
    ("list-missing-meta", "tool_registration_list", LIST_RESP, ("meta",), DROP),
    ("list-take-string", "tool_registration_list", LIST_RESP, ("meta", "take"), "10"),
    ("list-take-zero", "tool_registration_list", LIST_RESP, ("meta", "take"), 0),
    ("list-take-over-100", "tool_registration_list", LIST_RESP, ("meta", "take"), 101),
    ("list-page-float", "tool_registration_list", LIST_RESP, ("meta", "page"), 1.5),
    ("list-itemCount-negative", "tool_registration_list", LIST_RESP, ("meta", "itemCount"), -1),
    ("list-hasNextPage-string", "tool_registration_list", LIST_RESP, ("meta", "hasNextPage"), "false"),
    ("list-missing-pageCount", "tool_registration_list", LIST_RESP, ("meta", "pageCount"), DROP),
    ("deleted-success-false", "tool_registration_deleted", DELETE_RESP, ("success",), False),
    ("deleted-missing-message", "tool_registration_deleted", DELETE_RESP, ("message",), DROP),
    ("error-not-found-with-400", "tool_error", ERROR, ("error", "code"), "platform_not_found"),
    ("error-400-with-status-409", "tool_error", ERROR, ("error", "status"), 409),
    ("error-code-unknown", "tool_error", ERROR, ("error", "code"), "not_found"),
    ("error-status-string", "tool_error", ERROR, ("error", "status"), "400"),
    ("error-status-500", "tool_error", ERROR, ("error", "status"), 500),
    ("error-missing-message", "tool_error", ERROR, ("error", "message"), DROP),
]


def _paths(errs) -> list[tuple]:
    return [p for e in errs for p in [tuple(e.absolute_path), *_paths(e.context or [])]]


@pytest.mark.parametrize(("stem", "base", "path", "value"), [pytest.param(*m[1:], id=m[0]) for m in MUTATIONS])
def test_mutation_is_rejected(stem, base, path, value):
    assert not errors(stem, base), "the unmutated document must be valid"
    found = errors(stem, dynreg.mutated(copy.deepcopy(base), path, value))
    assert found, "mutation was accepted"
    anchor = path[:-1] if value is DROP or stem == "tool_error" else path  # a code/status clash is the pair's fault
    assert any(p[: len(anchor)] == anchor for p in _paths(found)), _paths(found)


@pytest.mark.parametrize("doc", [{"message": "platformIssuer is required"}, {"code": "platform_invalid_request",
                                 "message": "x", "status": 400}, {"message": "x", "statusCode": 400}, {}, "Bad Request"])
def test_error_without_envelope_is_rejected(doc):
    assert errors("tool_error", doc)


# The OpenAPI document ------------------------------------------------------------------------------------------------
STATUSES = {(REG, "post"): "200 201 400 401 409", (REG, "get"): "200 400 401", (ONE, "get"): "200 401 404",
            (ONE, "put"): "200 400 401 404 409", (ONE, "delete"): "200 401 404",
            ("/v1/platform/lti/.well-known/jwks.json", "get"): "200", ("/.well-known/jwks.json", "get"): "200"}  # the tool's JWKS
OPERATIONS = set(STATUSES)


_schema = functools.cache(lambda: schemathesis.openapi.from_dict(openapi.document("tool")))  # bundled file refs


def test_openapi_document_shape_and_file_refs():
    raw = json.loads(OPENAPI_FILE.read_text(encoding="utf-8"))
    assert raw["openapi"] == "3.1.0" and "servers" not in raw
    assert raw["components"]["securitySchemes"]["platformApiKey"]["scheme"] == "bearer"
    assert "tf_platform_" in raw["components"]["securitySchemes"]["platformApiKey"]["description"]
    found = {(p, m) for p, item in raw["paths"].items() for m in item if m != "parameters"}
    assert found == OPERATIONS
    assert len({raw["paths"][p][m]["operationId"] for p, m in found}) == len(found)
    targets = {c["$ref"].partition("#")[0] for c in raw["components"]["schemas"].values()}
    assert targets == {f"../{stem}.json" for stem in STEMS} | {"../jwks.json"} and all((OPENAPI_FILE.parent / t).is_file() for t in targets)
    for (path, method), statuses in STATUSES.items():
        assert set(raw["paths"][path][method]["responses"]) == set(statuses.split()), (path, method)


def test_openapi_bundles_and_validates():
    _schema().validate()
    assert openapi.load("tool")[REG]["POST"] is not None


@pytest.mark.parametrize(("path", "method"), sorted(OPERATIONS))
def test_openapi_operation_generates_requests(path, method):
    cases = []

    @settings(max_examples=5, phases=[Phase.generate], derandomize=True, database=None, deadline=None,
              suppress_health_check=list(HealthCheck))
    @given(_schema()[path][method.upper()].as_strategy())
    def draw(case):
        cases.append(case)
    draw()
    assert cases
    for case in cases:
        if method in ("post", "put"):
            stem = "tool_registration_create" if method == "post" else "tool_registration_update"
            assert not errors(stem, case.body), case.body
        if path == ONE:
            assert Draft202012Validator.FORMAT_CHECKER.conforms(case.path_parameters["id"], "uuid")
        if (path, method) == (REG, "get"):
            query = case.query or {}
            assert 1 <= query.get("take", 1) <= 100 and query.get("page", 1) >= 1
            assert query.get("status", "active") in ("active", "inactive")


def _response(status: int, body: Any):
    request = requests.Request("GET", "http://tool.test/").prepare()
    return Response(status, {"content-type": ["application/json"]}, json.dumps(body).encode(), request=request,
                    elapsed=0.0, verify=True)


def _err(status: int, code: str | None = None) -> dict:
    return {"error": {"code": code or PAIRS[status], "message": "x", "status": status}}


@pytest.mark.parametrize(("path", "method", "status", "body", "valid"), [
    (REG, "POST", 201, CREATE_RESP, True), (REG, "POST", 200, CREATE_RESP, True), (REG, "POST", 400, ERROR, True),
    (REG, "POST", 409, _err(409), True), (REG, "POST", 409, _err(400), False),
    (REG, "POST", 201, {**CREATE_RESP, "status": "paused"}, False), (REG, "GET", 200, LIST_RESP, True),
    (REG, "GET", 200, {"data": LIST_RESP["data"]}, False), (ONE, "GET", 200, GET_RESP, True), (ONE, "GET", 404, _err(404), True),
    (ONE, "GET", 404, _err(400), False), (ONE, "GET", 401, {"message": "unauthorized"}, False),
    (ONE, "PUT", 200, UPDATE_RESP, True), (ONE, "DELETE", 200, DELETE_RESP, True), (ONE, "DELETE", 401, _err(401), True),
    (ONE, "DELETE", 200, {"success": "true", "message": "x"}, False),
])
def test_openapi_response_validation(path, method, status, body, valid):
    operation = _schema()[path][method]
    if valid:
        operation.validate_response(_response(status, body))
    else:
        with pytest.raises((AssertionError, FailureGroup)):  # one failure, or several grouped
            operation.validate_response(_response(status, body))
