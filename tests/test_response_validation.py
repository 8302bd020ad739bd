"""Every answer of a target is held to its OpenAPI document (harness.conformance): a check that receives
a body outside the document fails with the schema path in its message; an undocumented status, an
undocumented route and a server that is not the target are not judged; --no-response-validation turns
it off."""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from lti_harness.harness import conformance, openapi, schemas
from lti_harness.harness.profile import PlatformTarget, Profile, ToolTarget
from lti_harness.harness.session import open_session

PATH = "/v1/platform/lti/registrations"
API_KEY = "tf_platform_tiny-target-key"
GOOD_META = {"page": 1, "take": 100, "itemCount": 0, "pageCount": 0, "hasPreviousPage": False, "hasNextPage": False}


def registration(sent: dict[str, Any]) -> dict[str, Any]:
    """A registration as seed 001 documents it, made from a create body."""
    base = "https://tool.example"
    return {**sent, "id": str(uuid.uuid4()), "toolLoginUrl": f"{base}/login", "toolLaunchUrl": f"{base}/launch",
            "toolJwksUrl": f"{base}/jwks", "status": "active", "createdAt": "2026-01-01T00:00:00Z", "updatedAt": "2026-01-01T00:00:00Z"}


def tiny_tool(meta: dict[str, Any]) -> Starlette:
    """A tool with seed 001's registrations API, conforming except the list's ``meta`` (given); it also
    answers an undocumented status (418, ``?teapot=1``) and an undocumented route with garbage."""

    async def collection(request: Request) -> Response:
        if request.method == "POST":
            return JSONResponse(registration(await request.json()), status_code=201)
        if request.query_params.get("teapot"):
            return JSONResponse({"not": "the documented shape"}, status_code=418)
        return JSONResponse({"data": [], "meta": meta})

    async def one(request: Request) -> Response:
        return JSONResponse({"success": True, "message": "deleted"})

    async def elsewhere(request: Request) -> Response:
        return JSONResponse({"not": "documented"})

    return Starlette(routes=[Route(PATH, collection, methods=["GET", "POST"]), Route(PATH + "/{id}", one, methods=["GET", "PUT", "DELETE"]),
                             Route("/v1/platform/lti/elsewhere", elsewhere)])


def test_the_tiny_target_conforms_but_for_meta():
    """The tiny target's bodies are the document's, so the only violation below is the one it is given."""
    made = registration({"name": "n", "platformIssuer": "https://lms.example", "platformAuthorizationEndpoint": "https://lms.example/a",
                         "platformTokenEndpoint": "https://lms.example/t", "platformJwksUrl": "https://lms.example/j", "clientId": "1"})
    assert schemas.errors("tool_registration", made) == []
    assert schemas.errors("tool_registration_list", {"data": [made], "meta": GOOD_META}) == []
    assert schemas.errors("tool_registration_list", {"data": [], "meta": {"take": 100}}) != []


def profile_file(tmp_path: Path, base: str) -> Path:
    path = tmp_path / "tiny.toml"
    path.write_text(f'[tool]\nbase_url = "{base}"\napi_key = "{API_KEY}"\ntimeout = 5\n', encoding="utf-8")
    return path


def test_a_check_that_receives_a_body_outside_the_document_fails_with_the_schema_path(tmp_path, serve, run_harness):
    """TREG-003's own assertions hold (take capped, at most 100 items), but the list's meta lacks what the
    document requires: the check fails, naming the operation, status, body path and schema path. With
    --no-response-validation the same answers pass."""
    base = serve(tiny_tool({"take": 100}))
    profile = str(profile_file(tmp_path, base))
    result = run_harness("--profile", profile, "--suite", "tool_registrations", "--check", "TREG-003")
    assert result.outcomes() == {"TREG-003": "failed"}, result.stdout[-2000:]
    assert result.code == 1
    message = result.messages("TREG-003")
    assert f"GET {PATH} answered 200: /meta: 'page' is a required property" in message, message
    assert "[schema tool_registration_list.json#/properties/meta/required]" in message, message
    assert API_KEY not in (result.report_dir / "summary.json").read_text(encoding="utf-8")

    off = run_harness("--profile", profile, "--suite", "tool_registrations", "--check", "TREG-003", "--no-response-validation")
    assert off.outcomes() == {"TREG-003": "passed"}, off.stdout[-2000:]
    assert off.code == 0
    assert "--no-response-validation" in off.stdout  # the reproduce line keeps the switch


def test_a_conforming_target_passes(tmp_path, serve, run_harness):
    base = serve(tiny_tool(dict(GOOD_META)))
    result = run_harness("--profile", str(profile_file(tmp_path, base)), "--suite", "tool_registrations", "--check", "TREG-003")
    assert result.outcomes() == {"TREG-003": "passed"}, result.stdout[-2000:]


def test_only_documented_operations_and_statuses_of_the_target_are_judged(serve):
    """Through the session's client: the target's documented operation with a bad body is a violation (on
    the exchange and for the check); an undocumented status, an undocumented route, and a server that is
    not the target (same path, same body) are not judged."""
    target = serve(tiny_tool({"take": 100}))
    other = serve(tiny_tool({"take": 100}))
    session = open_session(Profile(name="tiny", platform=None, tool=ToolTarget(base_url=target, api_key=API_KEY, timeout=5)))
    seen = []
    session.client.recorder = seen.append
    try:
        headers = {"Authorization": f"Bearer {API_KEY}"}
        session.client.get(f"{target}{PATH}", headers=headers)
        assert [v.schema_path for v in session.violations] == ["tool_registration_list.json#/properties/meta/required"] * 5
        assert {v.body_path for v in session.violations} == {"/meta"} and {v.status for v in session.violations} == {200}
        assert seen[-1].violations and "not as documented" in seen[-1].describe()
        session.violations.clear()
        for url in (f"{target}{PATH}?teapot=1", f"{target}/v1/platform/lti/elsewhere", f"{other}{PATH}"):
            session.client.get(url, headers=headers)
            assert session.violations == [] and seen[-1].violations == [], url
    finally:
        session.close()


def test_the_switch_leaves_the_client_without_an_inspector(serve):
    """--lti-no-response-validation is applied by unsetting the session client's inspector: nothing is judged."""
    target = serve(tiny_tool({"take": 100}))
    session = open_session(Profile(name="tiny", platform=None, tool=ToolTarget(base_url=target, api_key=API_KEY, timeout=5)))
    try:
        session.client.inspector = None
        session.client.get(f"{target}{PATH}")
        assert session.violations == []
    finally:
        session.close()


# --- the judge alone --------------------------------------------------------------------------------

TINY_DOC = {
    "openapi": "3.1.0",
    "info": {"title": "t", "version": "1"},
    "paths": {
        "/things/{id}": {"get": {"responses": {
            "200": {"content": {"application/json": {"schema": {"$ref": "#/components/schemas/Thing"}}}},
            "4XX": {"content": {"application/json": {"schema": {"type": "object", "required": ["errors"]}}}},
            "default": {"content": {"application/json": {"schema": {"type": "object", "required": ["fault"]}}}},
        }}},
        "/things/{id}/page": {"get": {"responses": {
            "200": {"content": {"text/html": {}, "application/json": {"schema": {"type": "object"}}}},
            "204": {"description": "no body"},
        }}},
    },
    "components": {"schemas": {"Thing": {"type": "object", "required": ["id"], "properties": {"id": {"type": "string"}}}}},
}


@pytest.fixture
def tiny_doc(monkeypatch):
    monkeypatch.setattr(openapi, "document", lambda name="platform": TINY_DOC)
    conformance.document.cache_clear()
    yield conformance.Conformance([conformance.Target("https://lms.example/base", "tiny")])
    conformance.document.cache_clear()


def judge(conf: conformance.Conformance, url: str, status: int, body: bytes, ctype: str = "application/json") -> list[str]:
    return [f"{v.body_path}|{v.schema_path}" for v in conf.judge("GET", url, status, ctype, body)]


def test_status_ranges_and_default(tiny_doc):
    url = "https://lms.example/base/things/7"
    assert judge(tiny_doc, url, 200, b'{"id": 7}') == ["/id|tiny#/components/schemas/Thing/properties/id/type"]
    assert judge(tiny_doc, url, 200, b'{"id": "7"}') == []
    assert judge(tiny_doc, url, 404, b'{}') == ["|tiny#/paths/~1things~1{id}/get/responses/4XX/content/application~1json/schema/required"]
    assert judge(tiny_doc, url, 503, b'{}') == ["|tiny#/paths/~1things~1{id}/get/responses/default/content/application~1json/schema/required"]


def test_media_types_and_unparsable_bodies(tiny_doc):
    url = "https://lms.example/base/things/7"
    assert "not JSON" in tiny_doc.judge("GET", url, 200, "application/json", b"<html>")[0].message
    assert "empty" in tiny_doc.judge("GET", url, 200, "application/json", b"")[0].message
    assert "text/html" in tiny_doc.judge("GET", url, 200, "text/html", b"<html>")[0].message
    page = "https://lms.example/base/things/7/page"
    assert judge(tiny_doc, page, 200, b"<html>", "text/html") == []  # the document allows HTML here
    assert judge(tiny_doc, page, 200, b"[]") == ["|tiny#/paths/~1things~1{id}~1page/get/responses/200/content/application~1json/schema/type"]
    assert judge(tiny_doc, page, 204, b"") == []  # no body documented


def test_outside_the_base_path_or_origin_nothing_is_judged(tiny_doc):
    for url in ("https://lms.example/things/7", "https://lms.example:8443/base/things/7", "http://lms.example/base/things/7",
                "https://other.example/base/things/7", "https://lms.example/basement/things/7"):
        assert judge(tiny_doc, url, 200, b"[]") == [], url
    assert judge(tiny_doc, "https://LMS.example:443/base/things/7", 200, b"[]") != []  # the same origin, written otherwise


def test_a_platform_not_taken_to_be_canvas_has_its_refusals_judged_by_status_alone():
    """With adapter = "none" (no canvas_conventions) a platform's 4xx bodies are its own; its 2xx bodies still follow the document."""
    def target(adapter: str) -> conformance.Conformance:
        platform = PlatformTarget(base_url="https://lms.example", account_id="1", admin_token="t" * 8, adapter=adapter)
        return conformance.for_profile(Profile(name="p", platform=platform), judge_platform_errors=adapter != "none")

    url = "https://lms.example/api/lti/courses/1/line_items/2"
    assert target("canvas").judge("GET", url, 404, "text/html", b"<h1>Not Found</h1>")
    assert target("none").judge("GET", url, 404, "text/html", b"<h1>Not Found</h1>") == []
    assert target("none").judge("GET", url, 200, "application/vnd.ims.lis.v2.lineitem+json", b'{"id": 5}')
