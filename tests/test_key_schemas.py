"""The developer key, API scope and token schemas (api_scope_string, developer_key, developer_key_account_binding,
token_request, user_token_response): valid 2020-12 schemas; hand-made documents and the mock platform's own answers
validate; targeted mutations are rejected at the mutated spot. The new OpenAPI operations (developer keys, bindings,
the user OAuth2 flow, scoped REST routes, AGS line items) load in schemathesis and generate requests, and
schemathesis cases sent to an in-process mock platform get answers the document describes."""

from __future__ import annotations

import copy
import functools
import json
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from hypothesis import HealthCheck, Phase, given, settings
from jsonschema import Draft202012Validator
from schemathesis import checks as sc
from starlette.testclient import TestClient

from lti_harness import mock_platform
from lti_harness.harness import dynreg, keys, openapi, schemas
from lti_harness.mock_platform import apiscopes as mock_scopes

NEW_SCHEMAS = ["api_scope_string", "developer_key", "developer_key_account_binding", "token_request", "user_token_response"]
ADMIN_TOKEN, BASE, CB = "t", "http://127.0.0.1:8000", "http://127.0.0.1/cb"
ADMIN = {"Authorization": f"Bearer {ADMIN_TOKEN}"}
COURSE_SCOPE, RUBRICS_SCOPE = "url:GET|/api/v1/courses/:id", "url:GET|/api/v1/courses/:course_id/rubrics"
LINEITEM = "https://purl.imsglobal.org/spec/lti-ags/scope/lineitem"
JWT_BEARER, JWT = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer", "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiIxIn0.c2ln"
RSA_JWK = {"kty": "RSA", "n": "0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhM78LhWx4cbbfAAtVT86zwu1RK7aPFFxuhDR1L6tSoc_BJECP", "e": "AQAB",
           "kid": "k1", "alg": "RS256", "use": "sig"}


# Hand-made documents ----------------------------------------------------------------------------------------------
DEVELOPER_KEY = {
    "id": "10000000000003", "name": "Course reader", "scopes": [COURSE_SCOPE, RUBRICS_SCOPE], "require_scopes": True, "workflow_state": "active",
    "is_lti_key": False, "public_jwk": None, "public_jwk_url": None, "redirect_uris": [CB], "redirect_uri": CB, "api_key": "s3cr3t",
    "developer_key_account_binding": {"developer_key_id": "10000000000003", "workflow_state": "on", "account_owns_binding": True}}
LTI_KEY = {"id": 10000000000004, "name": None, "scopes": [LINEITEM, "https://purl.imsglobal.org/spec/lti-ags/scope/score"],
           "workflow_state": "inactive", "is_lti_key": True, "public_jwk": RSA_JWK, "public_jwk_url": "https://tool.example.com/jwks"}
BINDING = {"developer_key_id": "10000000000003", "account_id": "1", "workflow_state": "off", "account_owns_binding": True}
CLIENT_CREDENTIALS = {"grant_type": "client_credentials", "client_assertion_type": JWT_BEARER, "client_assertion": JWT,
                      "scope": f"{LINEITEM} https://purl.imsglobal.org/spec/lti-ags/scope/score"}
AUTH_CODE = {"grant_type": "authorization_code", "client_id": "10000000000003", "client_secret": "s3cr3t", "code": "abc", "redirect_uri": CB}
REFRESH = {"grant_type": "refresh_token", "client_id": "10000000000003", "client_secret": "s3cr3t", "refresh_token": "1~r"}
USER_TOKEN = {"access_token": "1~abc", "token_type": "Bearer", "user": {"id": 42, "name": "Jimi Hendrix"}, "refresh_token": "1~r", "expires_in": 3600}

VALID: dict[str, Any] = {"api_scope_string": RUBRICS_SCOPE, "developer_key": DEVELOPER_KEY, "developer_key_account_binding": BINDING,
                         "token_request": CLIENT_CREDENTIALS, "user_token_response": USER_TOKEN}
VALID_VARIANTS = [
    ("api_scope_string", "url:DELETE|/api/v1/courses/:course_id/assignments/:id"),
    ("api_scope_string", "url:PATCH|/"),
    ("developer_key", LTI_KEY),
    ("developer_key", {"id": "1", "scopes": [], "workflow_state": "deleted", "extra": {"any": "thing"}}),
    ("developer_key_account_binding", {"workflow_state": "allow"}),
    ("token_request", {**CLIENT_CREDENTIALS, "client_assertion": "eyJh.eyJz.", "scope": LINEITEM, "scopes": LINEITEM}),
    ("token_request", AUTH_CODE),
    ("token_request", {k: v for k, v in AUTH_CODE.items() if k != "redirect_uri"}),
    ("token_request", REFRESH),
    ("user_token_response", {k: v for k, v in USER_TOKEN.items() if k != "refresh_token"}),
    ("user_token_response", {**USER_TOKEN, "token_type": "bearer", "user": {"id": "42", "name": ""}, "canvas_region": "us-east-1"}),
]


@pytest.mark.parametrize("name", NEW_SCHEMAS)
def test_schema_is_valid_draft_2020_12(name):
    schema = schemas.load(name)
    Draft202012Validator.check_schema(schema)
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert schema["$id"] == f"{schemas.BASE_URI}{name}.json" and schema["title"].strip()
    assert "Source:" in schema["description"]
    if name == "developer_key":
        assert {"$ref": "api_scope_string.json"} in schema["$defs"]["scope"]["anyOf"]
        assert schema["properties"]["developer_key_account_binding"] == {"$ref": "developer_key_account_binding.json"}


@pytest.mark.parametrize(("name", "doc"), [pytest.param(n, VALID[n], id=n) for n in NEW_SCHEMAS]
                         + [pytest.param(n, d, id=f"{n}-{i}") for i, (n, d) in enumerate(VALID_VARIANTS)])
def test_valid_document(name, doc):
    assert schemas.errors(name, doc) == []


# Targeted mutations -----------------------------------------------------------------------------------------------
DROP = object()
INVALID_CASES = [
    ("scope-unknown-verb", "api_scope_string", (), "url:FETCH|/x"),
    ("scope-path-without-slash", "api_scope_string", (), "url:GET|no-slash"),
    ("scope-path-with-space", "api_scope_string", (), "url:GET|/a b"),
    ("scope-second-bar", "api_scope_string", (), "url:GET|/a|b"),
    ("scope-lowercase-verb", "api_scope_string", (), "url:get|/api/v1/courses"),
    ("scope-no-prefix", "api_scope_string", (), "GET|/api/v1/courses"),
    ("key-workflow_state-paused", "developer_key", ("workflow_state",), "paused"),
    ("key-missing-id", "developer_key", ("id",), DROP),
    ("key-missing-scopes", "developer_key", ("scopes",), DROP),
    ("key-bad-scope", "developer_key", ("scopes", 1), "url:FETCH|/x"),
    ("key-scope-not-uri", "developer_key", ("scopes", 0), "lineitem"),
    ("key-scopes-string", "developer_key", ("scopes",), COURSE_SCOPE),
    ("key-require_scopes-string", "developer_key", ("require_scopes",), "true"),
    ("key-public_jwk-private", "developer_key", ("public_jwk",), {**RSA_JWK, "d": "c2VjcmV0"}),
    ("key-public_jwk-oct", "developer_key", ("public_jwk",), {"kty": "oct", "k": "c2VjcmV0"}),
    ("key-public_jwk_url-not-uri", "developer_key", ("public_jwk_url",), "not a uri"),
    ("key-binding-maybe", "developer_key", ("developer_key_account_binding", "workflow_state"), "maybe"),
    ("binding-maybe", "developer_key_account_binding", ("workflow_state",), "maybe"),
    ("binding-missing-state", "developer_key_account_binding", ("workflow_state",), DROP),
    ("binding-owns-string", "developer_key_account_binding", ("account_owns_binding",), "yes"),
    ("token-missing-client_assertion", "token_request", ("client_assertion",), DROP),
    ("token-wrong-assertion-type", "token_request", ("client_assertion_type",), "urn:ietf:params:oauth:client-assertion-type:saml2-bearer"),
    ("token-grant-password", "token_request", ("grant_type",), "password"),
    ("token-assertion-not-jwt", "token_request", ("client_assertion",), "not-a-jwt"),
    ("token-missing-scope", "token_request", ("scope",), DROP),
    ("token-empty-scope", "token_request", ("scope",), ""),
    ("token-number-member", "token_request", ("expires",), 5),
    ("user-token-missing-user", "user_token_response", ("user",), DROP),
    ("user-token-user-without-name", "user_token_response", ("user",), {"id": 42}),
    ("user-token-mac", "user_token_response", ("token_type",), "mac"),
    ("user-token-expires_in-string", "user_token_response", ("expires_in",), "3600"),
    ("user-token-missing-expires_in", "user_token_response", ("expires_in",), DROP),
]


@pytest.mark.parametrize(("name", "path", "value"), [pytest.param(*c[1:], id=c[0]) for c in INVALID_CASES])
def test_mutation_is_invalid(name, path, value):
    base = VALID[name]
    doc = copy.deepcopy(value) if path == () else dynreg.mutated(base, path, ... if value is DROP else copy.deepcopy(value))
    problems = schemas.errors(name, doc)
    assert problems, "the mutation was accepted"
    if name != "token_request":  # a oneOf names no single spot
        anchor = path[:-1] if value is DROP else path
        where = "/".join(str(p) for p in anchor) or "(root)"
        assert any(p.startswith(where) for p in problems), problems


def test_auth_code_request_without_code_or_secret_is_invalid():
    for member in ("code", "client_secret", "client_id"):
        assert schemas.errors("token_request", {k: v for k, v in AUTH_CODE.items() if k != member})
    assert schemas.errors("token_request", {k: v for k, v in REFRESH.items() if k != "refresh_token"})
    assert schemas.errors("token_request", {**AUTH_CODE, "client_assertion_type": JWT_BEARER, "grant_type": "client_credentials"})


# The mock platform's answers --------------------------------------------------------------------------------------
def make_mock() -> TestClient:
    app = mock_platform.create_app(mock_platform.PlatformConfig(admin_token=ADMIN_TOKEN))
    return TestClient(app, base_url=BASE)


def post_key(c: TestClient, **fields: Any):
    body = {"name": "k", "scopes": [COURSE_SCOPE], "require_scopes": True, "redirect_uris": [CB], **fields}
    return c.post("/api/v1/accounts/1/developer_keys", json={"developer_key": body}, headers=ADMIN)


def test_mock_developer_key_is_valid():
    c = make_mock()
    r = post_key(c)
    assert r.status_code == 200, r.text
    assert schemas.errors("developer_key", r.json()) == []
    assert r.json()["api_key"] and r.json()["scopes"] == [COURSE_SCOPE]


def test_mock_key_lifecycle_answers_are_valid():
    c = make_mock()
    pair = keys.generate()
    lti = post_key(c, is_lti_key=True, public_jwk=pair.public_jwk, scopes=[LINEITEM], redirect_uris=[]).json()
    assert schemas.errors("developer_key", lti) == [] and "api_key" not in lti
    api = post_key(c).json()
    listed = c.get("/api/v1/accounts/1/developer_keys", headers=ADMIN).json()
    assert {k["id"] for k in listed} >= {lti["id"], api["id"]}
    assert all(schemas.errors("developer_key", k) == [] for k in listed)
    binding = c.post(f"/api/v1/accounts/1/developer_keys/{api['id']}/developer_key_account_bindings",
                     json={"developer_key_account_binding": {"workflow_state": "allow"}}, headers=ADMIN)
    assert binding.status_code == 200 and schemas.errors("developer_key_account_binding", binding.json()) == []
    updated = c.put(f"/api/v1/developer_keys/{api['id']}", json={"developer_key": {"event": "deactivate"}}, headers=ADMIN)
    assert updated.json()["workflow_state"] == "inactive" and schemas.errors("developer_key", updated.json()) == []
    deleted = c.delete(f"/api/v1/developer_keys/{api['id']}", headers=ADMIN)
    assert deleted.json()["workflow_state"] == "deleted" and schemas.errors("developer_key", deleted.json()) == []


# The OpenAPI operations -------------------------------------------------------------------------------------------
DK = "/api/v1/accounts/{account_id}/developer_keys"
KEY = "/api/v1/developer_keys/{id}"
BIND = DK + "/{developer_key_id}/developer_key_account_bindings"
AUTH, TOKEN = "/login/oauth2/auth", "/login/oauth2/token"
COURSE, RUBRICS, ASSIGNMENTS = "/api/v1/courses/{id}", "/api/v1/courses/{course_id}/rubrics", "/api/v1/courses/{course_id}/assignments"
USER, PROFILE = "/api/v1/users/{id}", "/api/v1/users/{user_id}/profile"
COURSES, TOOLS = "/api/v1/accounts/{account_id}/courses", "/api/v1/courses/{course_id}/external_tools"
ITEMS, ITEM = "/api/lti/courses/{course_id}/line_items", "/api/lti/courses/{course_id}/line_items/{id}"
ADMIN_OPS = [(DK, "POST"), (DK, "GET"), (KEY, "PUT"), (KEY, "DELETE"), (BIND, "POST"), (COURSES, "POST"), (TOOLS, "POST")]
API_OPS = [(COURSE, "GET"), (COURSE, "PUT"), (RUBRICS, "GET"), (ASSIGNMENTS, "GET"), (ASSIGNMENTS, "POST"), (USER, "GET"), (PROFILE, "GET")]
LTI_OPS = [(ITEMS, "GET"), (ITEMS, "POST"), (ITEM, "GET")]
NEW_OPERATIONS = ADMIN_OPS + API_OPS + LTI_OPS + [(AUTH, "GET"), (TOKEN, "POST")]
SECURITY = {**{op: "adminBearer" for op in ADMIN_OPS}, **{op: "apiAccessToken" for op in API_OPS}, **{op: "ltiAccessToken" for op in LTI_OPS}}
COMPONENTS = {"ApiScopeString": "api_scope_string", "DeveloperKey": "developer_key", "DeveloperKeyAccountBinding": "developer_key_account_binding",
              "TokenRequest": "token_request", "UserTokenResponse": "user_token_response"}


@functools.cache
def platform_schema() -> Any:
    return openapi.load("platform")


def raw_document() -> dict[str, Any]:
    return openapi.source("platform")  # the document as written, area files merged, each operation complete


def test_components_point_at_the_new_files():
    components = raw_document()["components"]["schemas"]
    for name, stem in COMPONENTS.items():
        assert components[name] == {"$ref": f"../{stem}.json"}


@pytest.mark.parametrize(("path", "method"), NEW_OPERATIONS)
def test_new_operation_is_documented(path, method):
    raw = raw_document()
    op = raw["paths"][path][method.lower()]
    assert op["operationId"] and op["description"]
    assert op["security"] == ([{SECURITY[(path, method)]: []}] if (path, method) in SECURITY else [])
    assert {"401", "404"} & set(op["responses"]) or path in (AUTH, TOKEN)
    for status, response in op["responses"].items():
        assert response["description"]
        if status.startswith("4"):
            assert next(iter(response["content"].values()))["schema"]
    key_answers = {(DK, "POST"), (KEY, "PUT"), (KEY, "DELETE")}
    if (path, method) in key_answers:
        assert op["responses"]["200"]["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/DeveloperKey"}
    if path == TOKEN:
        assert op["requestBody"]["content"]["application/x-www-form-urlencoded"]["schema"] == {"$ref": "#/components/schemas/TokenRequest"}


def _cases(path: str, method: str, n: int = 3, **kwargs: Any) -> list[Any]:
    operation = platform_schema()[path][method]
    found: list[Any] = []

    @settings(max_examples=n, phases=[Phase.generate], derandomize=True, database=None, deadline=None,
              suppress_health_check=list(HealthCheck))
    @given(operation.as_strategy(**kwargs))
    def draw(generated):
        found.append(generated)

    draw()
    return found


@pytest.mark.parametrize(("path", "method"), NEW_OPERATIONS)
def test_new_operation_generates_requests(path, method):
    cases = _cases(path, method, n=20 if path == TOKEN else 3)
    assert cases
    for generated in cases:
        assert "{" not in generated.formatted_path
        if path == TOKEN:
            assert schemas.errors("token_request", generated.body) == []
        elif (path, method) == (DK, "POST"):
            assert schemas.is_valid("developer_key", {"id": "1", "workflow_state": "active", "scopes": [], **generated.body["developer_key"]})
        elif path == BIND:
            assert generated.body["developer_key_account_binding"]["workflow_state"] in ("on", "off", "allow")


# schemathesis cases against the mock -------------------------------------------------------------------------------
CHECKS = [sc.not_a_server_error, sc.status_code_conformance, sc.content_type_conformance, sc.response_schema_conformance]


@pytest.fixture(scope="module")
def world() -> dict[str, Any]:
    """A mock with an API key (scoped user token), an LTI key deployed in a course (LTI token), and ids to aim at;
    ``seen`` keeps the successful answers of the set-up, each under its operation."""
    c = make_mock()
    seen: list[tuple[str, str, Any]] = []

    def call(path: str, method: str, url: str, **kw: Any):
        response = c.request(method, url, follow_redirects=False, **kw)
        seen.append((path, method, response))
        return response

    scopes = [f"url:{verb}|{path}" for verb, path in mock_scopes.API_ROUTES]
    api = post_key(c, scopes=scopes).json()
    pair = keys.generate()
    lti = post_key(c, is_lti_key=True, public_jwk=pair.public_jwk, scopes=[LINEITEM], redirect_uris=[]).json()
    course_id = str(call(COURSES, "POST", "/api/v1/accounts/1/courses", json={"course": {"name": "C"}}, headers=ADMIN).json()["id"])
    call(TOOLS, "POST", f"/api/v1/courses/{course_id}/external_tools", json={"client_id": lti["id"]}, headers=ADMIN)
    form = {**CLIENT_CREDENTIALS, "client_assertion": keys.client_assertion(pair, lti["id"], f"{BASE}/login/oauth2/token"), "scope": LINEITEM}
    lti_token = call(TOKEN, "POST", "/login/oauth2/token", data=form).json()["access_token"]
    lti_auth = {"Authorization": f"Bearer {lti_token}"}
    item = call(ITEMS, "POST", f"/api/lti/courses/{course_id}/line_items", json={"label": "L", "scoreMaximum": 5}, headers=lti_auth)
    item_id = item.json()["id"].rsplit("/", 1)[1]
    call(ITEMS, "GET", f"/api/lti/courses/{course_id}/line_items", headers=lti_auth)
    call(ITEM, "GET", f"/api/lti/courses/{course_id}/line_items/{item_id}", headers=lti_auth)
    query = {"client_id": api["id"], "response_type": "code", "redirect_uri": CB, "scope": " ".join(scopes), "state": "s1"}
    code = parse_qs(urlsplit(call(AUTH, "GET", "/login/oauth2/auth", params=query, headers=ADMIN).headers["location"]).query)["code"][0]
    form = {"grant_type": "authorization_code", "client_id": api["id"], "client_secret": api["api_key"], "code": code}
    user_token = call(TOKEN, "POST", "/login/oauth2/token", data=form).json()
    form = {"grant_type": "refresh_token", "client_id": api["id"], "client_secret": api["api_key"], "refresh_token": user_token["refresh_token"]}
    assert [schemas.errors("token_request", f) for f in (form, {**form, "grant_type": "authorization_code", "code": code})] == [[], []]
    call(TOKEN, "POST", "/login/oauth2/token", data=form)
    victim, bound = post_key(c).json()["id"], post_key(c).json()["id"]  # targets of PUT/DELETE and of the binding
    return {"client": c, "seen": seen, "account_id": "1", "course_id": course_id, "developer_key_id": bound, "key_id": victim,
            "item": item_id, "tokens": {"adminBearer": ADMIN_TOKEN, "apiAccessToken": user_token["access_token"], "ltiAccessToken": lti_token}}


def test_mock_set_up_answers_conform_to_the_document(world):
    seen = world["seen"]
    assert [r.status_code for _, _, r in seen] == [200, 200, 200, 201, 200, 200, 302, 200, 200]
    for path, method, response in seen:
        assert str(response.status_code) in raw_document()["paths"][path][method.lower()]["responses"]
        platform_schema()[path][method].validate_response(response)
    code_grant, refresh_grant = seen[-2][2].json(), seen[-1][2].json()
    assert schemas.errors("user_token_response", code_grant) == [] and code_grant["refresh_token"]
    assert schemas.errors("user_token_response", refresh_grant) == [] and "refresh_token" not in refresh_grant
    assert schemas.errors("token_response", seen[2][2].json()) == [] and "user" not in seen[2][2].json()


def _path_parameters(world: dict[str, Any], path: str, method: str) -> dict[str, str]:
    names = {"account_id": world["account_id"], "course_id": world["course_id"], "developer_key_id": world["developer_key_id"],
             "user_id": "self"}
    out = {k: v for k, v in names.items() if "{" + k + "}" in path}
    if "{id}" in path:
        out["id"] = {KEY: world["key_id"], COURSE: world["course_id"], USER: "self", ITEM: world["item"]}[path]
    return out


def _send(c: TestClient, generated: Any, headers: dict[str, str]):
    kw = generated.as_transport_kwargs(base_url=BASE, headers=headers)
    send = {k: v for k, v in kw["headers"].items() if k.lower() not in ("accept-encoding", "connection", "user-agent")}
    body: dict[str, Any] = {}
    if "json" in kw:
        body["content"] = json.dumps(kw["json"]).encode()
        send.setdefault("Content-Type", generated.media_type or "application/json")
    elif "data" in kw:
        data = kw["data"]
        body["content"] = data if isinstance(data, (str, bytes)) else dynreg.form_encode(data)
    return c.request(kw["method"], kw["url"], headers=send, params=kw.get("params") or None, follow_redirects=False, **body)


@pytest.mark.parametrize(("path", "method"), NEW_OPERATIONS)
def test_mock_answers_conform_to_the_document(world, path, method):
    c = world["client"]
    scheme = SECURITY.get((path, method))
    headers = {"Authorization": f"Bearer {world['tokens'][scheme]}"} if scheme else {}
    statuses = []
    for generated in _cases(path, method, n=6, path_parameters=_path_parameters(world, path, method)):
        response = _send(c, generated, headers)
        statuses.append(response.status_code)
        generated.validate_response(response, checks=CHECKS)
        if scheme:  # the same request without a token: a documented 401
            anonymous = _send(c, generated, {})
            assert anonymous.status_code == 401, (sorted(anonymous.request.headers), anonymous.text[:300])
            generated.validate_response(anonymous, checks=CHECKS)
    assert statuses


def test_conformance_checks_are_not_vacuous(world):
    """The same checks reject a bad key, an undocumented status and an undocumented error shape."""
    import requests
    from schemathesis.core.failures import FailureGroup
    from schemathesis.core.transport import Response

    generated = _cases(DK, "POST", n=1, path_parameters=_path_parameters(world, DK, "POST"))[0]
    request = requests.Request("POST", BASE + generated.formatted_path).prepare()
    for status, body in ((200, {**DEVELOPER_KEY, "scopes": ["url:FETCH|/x"]}), (418, {"errors": [{"message": "x"}]}), (401, {"error": "x"})):
        response = Response(status, {"content-type": ["application/json"]}, json.dumps(body).encode(), request=request, elapsed=0.0, verify=True)
        with pytest.raises(FailureGroup):
            generated.validate_response(response, checks=CHECKS)
