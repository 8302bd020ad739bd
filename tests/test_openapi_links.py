"""The OpenAPI ``links`` of the platform and tool documents: the create → read → update → delete chains
(line items → scores → results, developer keys → binding and the user OAuth2 flow, registrations →
configuration → update requests → apply → history, courses and users, the tool's registrations).
Each link names an operation of its document and parameters that operation has, its runtime
expressions parse and read parameters the source operation has, and schemathesis builds a state
machine whose transitions are exactly these links."""

from __future__ import annotations

import re
from typing import Any, Iterator

import pytest
from schemathesis.specs.openapi.expressions import nodes, parser

from lti_harness.harness import openapi

METHODS = {"get", "put", "post", "delete", "patch"}
DOCUMENTS = ["platform", "tool"]

# The chains the documents must declare: (document, source operationId, status, target operationId).
CHAINS = {
    ("platform", "createLineItem", "201", "getLineItem"), ("platform", "createLineItem", "201", "updateLineItem"),
    ("platform", "createLineItem", "201", "deleteLineItem"), ("platform", "createLineItem", "201", "postScore"),
    ("platform", "createLineItem", "201", "listResults"), ("platform", "postScore", "200", "getResult"),
    ("platform", "postScore", "200", "listResults"), ("platform", "listResults", "200", "getResult"),
    ("platform", "createDeveloperKey", "200", "updateDeveloperKey"), ("platform", "createDeveloperKey", "200", "deleteDeveloperKey"),
    ("platform", "createDeveloperKey", "200", "setDeveloperKeyAccountBinding"), ("platform", "createDeveloperKey", "200", "authorizeUser"),
    ("platform", "createRegistration", "200", "getRegistrationConfiguration"), ("platform", "createRegistration", "200", "submitRegistrationUpdate"),
    ("platform", "getLtiRegistration", "200", "getRegistrationUpdateRequest"), ("platform", "getLtiRegistration", "200", "applyRegistrationUpdateRequest"),
    ("platform", "getRegistrationUpdateRequest", "200", "applyRegistrationUpdateRequest"),
    ("platform", "applyRegistrationUpdateRequest", "200", "listRegistrationHistory"),
    ("tool", "createToolRegistration", "201", "getToolRegistration"), ("tool", "createToolRegistration", "201", "updateToolRegistration"),
    ("tool", "createToolRegistration", "201", "deleteToolRegistration"),
}


def operations(doc: dict[str, Any]) -> dict[str, tuple[str, str, dict[str, Any]]]:
    """operationId -> (path, method, operation)."""
    return {op["operationId"]: (path, m, op) for path, item in doc["paths"].items() for m, op in item.items() if m in METHODS}


def parameters(doc: dict[str, Any], path: str, operation: dict[str, Any]) -> set[tuple[str, str]]:
    """(location, name) of an operation's parameters, path-level ones included."""
    found = [*doc["paths"][path].get("parameters", []), *operation.get("parameters", [])]
    out = set()
    for p in found:
        if "$ref" in p:
            p = doc["components"]["parameters"][p["$ref"].rsplit("/", 1)[1]]
        out.add((p["in"], p["name"]))
    return out


def links(name: str) -> Iterator[tuple[str, str, str, dict[str, Any]]]:
    """(source operationId, status, link name, link) of every link of a document."""
    doc = openapi.document(name)
    for op_id, (_, _, op) in operations(doc).items():
        for status, response in op["responses"].items():
            for link_name, link in response.get("links", {}).items():
                yield op_id, status, link_name, link


def test_the_chains_are_declared():
    declared = {(name, source, status, link["operationId"]) for name in DOCUMENTS for source, status, _, link in links(name)}
    assert CHAINS <= declared, sorted(CHAINS - declared)


@pytest.mark.parametrize("name", DOCUMENTS)
def test_each_link_names_an_operation_and_its_parameters(name):
    doc = openapi.document(name)
    ops = operations(doc)
    seen = 0
    for source, status, link_name, link in links(name):
        where = f"{name}: {source} {status} {link_name}"
        assert set(link) <= {"operationId", "parameters", "requestBody", "description"}, where
        assert link.get("description"), where
        assert link["operationId"] in ops, f"{where}: no operation {link['operationId']}"
        target_path, _, target = ops[link["operationId"]]
        target_params = parameters(doc, target_path, target)
        source_path, _, source_op = ops[source]
        source_params = parameters(doc, source_path, source_op)
        assert link["parameters"], where
        for param, expression in link["parameters"].items():
            location, _, bare = param.rpartition(".")
            assert any(n == bare and (not location or loc == location) for loc, n in target_params), f"{where}: {link['operationId']} has no parameter {param}"
            for node in parser.parse(expression):  # raises on an expression that does not parse
                if isinstance(node, nodes.NonBodyRequest):
                    assert (node.location, node.parameter) in source_params, f"{where}: {expression} reads a parameter {source} lacks"
                if isinstance(node, nodes.BodyRequest):
                    assert "requestBody" in source_op, f"{where}: {expression} reads the body of {source}, which takes none"
                if isinstance(node, nodes.BodyResponse):
                    assert "content" in source_op["responses"][status], f"{where}: the {status} answer has no body to read"
        # every required path parameter of the target is given, so the chain addresses the object just made
        required_path = {p for loc, p in target_params if loc == "path"}
        given = {p.rpartition(".")[2] for p in link["parameters"]}
        assert required_path <= given, f"{where}: {sorted(required_path - given)} of {link['operationId']} not given"
        seen += 1
    assert seen >= 5


@pytest.mark.parametrize(("expression", "body", "expected"), [
    ("{$response.body#/id#regex:/line_items/([^/?#]+)$}", {"id": "http://p.test/api/lti/courses/1/line_items/42"}, "42"),
    ("{$response.body#/resultUrl#regex:/results/([^/?#]+)$}", {"resultUrl": "http://p.test/api/lti/courses/1/line_items/4/results/7"}, "7"),
    ("{$response.body#/registration_client_uri#regex:/registrations/([^/?#]+)$}", {"registration_client_uri": "http://p.test/api/lti/registrations/9"}, "9"),
])
def test_url_extractors_take_the_last_segment(expression, body, expected):
    """The extractors the links use, applied the way schemathesis applies them (search, first group)."""
    (node,) = list(parser.parse(expression))
    value = body
    for part in node.pointer.removeprefix("#/").split("/"):
        value = value[part]
    assert node.extractor.extract(value) == expected
    assert node.extractor.extract("http://p.test/elsewhere") is None
    assert re.search(node.extractor.value, value)


@pytest.mark.parametrize("name", DOCUMENTS)
def test_schemathesis_sees_the_links(name):
    """schemathesis loads the bundled document and turns each declared link into a transition of its
    state machine (the ones it infers by itself aside)."""
    machine = openapi.load(name).as_state_machine()
    labels = {op_id: f"{m.upper()} {path}" for op_id, (path, m, _) in operations(openapi.document(name)).items()}
    declared = {(labels[source], status, link_name, labels[link["operationId"]]) for source, status, link_name, link in links(name)}
    seen = {(link.source.label, link.status_code, link.name, link.target.label)
            for transitions in machine._transitions.operations.values() for link in transitions.outgoing if not link.is_inferred}
    assert declared and seen == declared
