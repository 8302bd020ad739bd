"""The shared plumbing of the contract checks (harness/contract.py): which operations an area holds,
which credential a case carries, which path parameters name the run's objects, and that a stateful
run follows the document's links only."""

from __future__ import annotations

import json

from lti_harness.harness import contract, openapi

AGS = contract.area_operations("ags")
LINE_ITEM = "/api/lti/courses/{course_id}/line_items/{id}"


def _case(schema, path: str, method: str, **path_parameters: str):
    return schema[path][method].Case(path_parameters=path_parameters)


def test_an_area_is_the_operations_of_its_file():
    for area in openapi.area_files("platform"):
        doc = json.loads(area.read_text(encoding="utf-8"))
        declared = {(p, m.upper()) for p, item in doc["paths"].items() for m in item if m in ("get", "put", "post", "delete", "patch")}
        assert set(contract.area_operations(area.stem)) == declared


def test_a_case_carries_the_credential_of_its_security_scheme():
    schema = contract.subset("platform", AGS + contract.area_operations("developer_keys"))
    area = contract.Area(client=None, base_url="http://x", schema=schema,
                         credentials={"ltiAccessToken": lambda: "lti-token", "adminBearer": lambda: "admin-token"})
    assert area.headers(_case(schema, LINE_ITEM, "GET", course_id="1", id="2")) == {"Authorization": "Bearer lti-token"}
    assert area.headers(_case(schema, "/api/v1/developer_keys/{id}", "DELETE", id="3")) == {"Authorization": "Bearer admin-token"}
    assert area.headers(_case(schema, "/login/oauth2/token", "POST")) == {}  # its credentials are in the form


def test_the_document_level_scheme_applies_where_an_operation_names_none():
    schema = contract.subset("tool", [("/v1/platform/lti/registrations/{id}", "GET")])
    area = contract.Area(client=None, base_url="http://x", schema=schema, credentials={"platformApiKey": lambda: "k"})
    assert area.headers(_case(schema, "/v1/platform/lti/registrations/{id}", "GET", id="a")) == {"Authorization": "Bearer k"}


def test_pinning_names_all_objects_then_the_parents_then_none():
    schema = contract.subset("platform", AGS)
    area = contract.Area(client=None, base_url="http://x", schema=schema, pinned={"course_id": "7"}, ids={"id": "42"})
    seen = []
    for turn in range(3):
        case = _case(schema, LINE_ITEM, "GET", course_id="gen", id="gen")
        area.pin(case, turn)
        seen.append(case.path_parameters)
    assert seen == [{"course_id": "7", "id": "42"}, {"course_id": "7", "id": "gen"}, {"course_id": "7", "id": "gen"}]
    linked = _case(schema, LINE_ITEM, "GET", course_id="from-link", id="gen")
    area.pin(linked, 0, keep=frozenset({"course_id"}))
    assert linked.path_parameters == {"course_id": "from-link", "id": "42"}


def _links(machine) -> set[tuple[str, str, str]]:
    return {(link.source.label, link.name, link.target.label) for op in machine._transitions.operations.values() for link in op.incoming}


def test_a_stateful_run_follows_the_documents_links_only():
    schema = contract.subset("platform", AGS)
    contract.only_document_links(schema)
    machine = schema.as_state_machine()
    doc = openapi.document("platform")
    by_id = {op["operationId"]: f"{m.upper()} {p}" for p, item in doc["paths"].items() for m, op in item.items() if m in ("get", "put", "post", "delete")}
    declared = {
        (f"{m.upper()} {p}", name, by_id[link["operationId"]])
        for p, item in doc["paths"].items() for m, op in item.items() if (p, m.upper()) in set(AGS)
        for response in op["responses"].values() for name, link in response.get("links", {}).items()
    }
    assert declared and _links(machine) == declared
    assert "RANDOM__POST_api_lti_courses_course_id_line_items" in machine.root_rules  # creating a line item starts scenarios


def test_a_create_whose_fields_look_like_references_still_starts_scenarios():
    schema = contract.subset("tool", [("/v1/platform/lti/registrations", "POST"), ("/v1/platform/lti/registrations/{id}", "GET")])
    contract.only_document_links(schema)
    assert "RANDOM__POST_v1_platform_lti_registrations" in schema.as_state_machine().root_rules  # clientId is no resource of the API
