"""Properties of the tool registrations API: generated create bodies read back equal (TREG-010), a
state machine against a model (TREG-011), and a schemathesis contract run (TREG-012)."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from hypothesis import example, given, note, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, precondition, rule, run_state_machine_as_test
from schemathesis import checks as sc

from lti_harness.harness import openapi
from lti_harness.harness.checks import check
from lti_harness.harness.client import TargetError, json_body
from lti_harness.harness.pbt import TargetGuard
from lti_harness.harness.plugin import not_applicable

from .conftest import FIELDS, PATH, ToolApi, body

CREATE_BODIES = openapi.body_strategy(PATH, "POST", name="tool")
SCHEMA = openapi.load("tool")
CHECKS = [sc.not_a_server_error, sc.status_code_conformance, sc.content_type_conformance, sc.response_schema_conformance]


def unique(generated: dict[str, Any]) -> dict[str, Any]:
    """A generated body with its own issuer and client ID, so no two examples collide (409)."""
    tag = uuid.uuid4().hex[:10]
    return {**generated, "platformIssuer": f"https://gen-{tag}.harness.invalid", "clientId": f"gen-{tag}"}


@check("TREG-010")
def test_generated_bodies_read_back_equal(api):
    guard = TargetGuard()

    @given(generated=CREATE_BODIES)
    @example(generated=body(name="A registration whose descriptive name runs past forty characters"))
    def run(generated: dict[str, Any]) -> None:
        with guard.example() as live:
            if not live:
                return
            sent = unique(generated)
            made = api.create(sent)
            try:
                read = json_body(api.get(made["id"]))
                differs = [k for k in FIELDS if k in sent and read.get(k) != sent[k]]
                assert not differs, f"read back differs in {differs}: sent {[sent[k] for k in differs]!r}, got {[read.get(k) for k in differs]!r}"
            finally:
                api.delete(made["id"])  # the tool's list stays short, so later listings cost what they list

    run()
    guard.raise_if_failed()


ISSUERS = [f"https://lms-{n}.model.invalid" for n in range(3)]
UPDATABLE = st.fixed_dictionaries({}, optional={
    "name": st.text(st.characters(codec="ascii", categories=["L", "N"]), min_size=1, max_size=20),
    "deploymentId": st.sampled_from(["1", "2", "deploy-x"]),
    "status": st.sampled_from(["active", "inactive"]),
    "platformTokenEndpoint": st.sampled_from(["https://a.model.invalid/token", "https://b.model.invalid/token"]),
})


LIST_EVERY = 4  # steps between two comparisons of the whole paged list with the model


def machine_for(api: ToolApi) -> type[RuleBasedStateMachine]:
    class Registrations(RuleBasedStateMachine):
        """The model: registration id → the fields the tool must hold. After every step the registration
        the step touched reads back as the model holds it; the whole paged list is compared with the model
        at the opening and every ``LIST_EVERY`` steps. Each run deletes what it created when it ends, so
        the list stays short however many runs there are."""

        def __init__(self) -> None:
            super().__init__()
            self.model: dict[str, dict[str, Any]] = {}  # in creation order
            self.tag = uuid.uuid4().hex[:8]  # this run's registrations only (earlier runs' stay apart)
            self.touched: str | None = None
            self.steps = 0

        @initialize()
        def opening(self) -> None:
            """Every run meets each rule once: three creates, a partial update, a duplicate."""
            for issuer, client in ((ISSUERS[0], "A"), (ISSUERS[1], "A"), (ISSUERS[0], "B")):
                self.create(issuer, client)
                self.touched_equals_model()
            self.update_one(next(iter(self.model)), {"name": "Opened"})
            self.touched_equals_model()
            self.create(ISSUERS[0], "A")
            self.list_equals_model()

        def teardown(self) -> None:
            for reg_id in self.model:
                try:
                    api.delete(reg_id)
                except TargetError:
                    pass  # still in api.created: the check's cleanup tries again and reports it

        def _pair_taken(self, issuer: str, client: str, but: str | None = None) -> bool:
            return any(r["platformIssuer"] == issuer and r["clientId"] == client and i != but for i, r in self.model.items())

        @rule(issuer=st.sampled_from(ISSUERS), client=st.sampled_from(["A", "B"]))
        def create(self, issuer: str, client: str) -> None:
            sent = body(platformIssuer=issuer, clientId=f"{self.tag}-{client}")
            response = api.request("POST", json=sent)
            note(f"create {issuer} {client} -> {response.status_code}")
            if self._pair_taken(issuer, sent["clientId"]):
                if response.status_code in (200, 201):
                    api.created.append(json_body(response)["id"])
                assert response.status_code == 409, f"a second registration for {issuer} / {client} answered {response.status_code}, expected 409"
                return
            assert response.status_code in (200, 201), f"a create answered {response.status_code}: {response.text[:200]}"
            made = json_body(response)
            api.created.append(made["id"])
            self.model[made["id"]] = {k: sent.get(k) for k in FIELDS} | {"status": "active"}
            self.touched = made["id"]

        @precondition(lambda self: self.model)
        @rule(data=st.data(), changes=UPDATABLE)
        def update(self, data: st.DataObject, changes: dict[str, Any]) -> None:
            self.update_one(data.draw(st.sampled_from(list(self.model))), changes)

        def update_one(self, reg_id: str, changes: dict[str, Any]) -> None:
            response = api.request("PUT", f"/{reg_id}", json=changes)
            note(f"update {reg_id[:8]} {changes} -> {response.status_code}")
            assert response.status_code == 200, f"a partial update answered {response.status_code}: {response.text[:200]}"
            self.model[reg_id].update(changes)
            self.touched = reg_id

        @precondition(lambda self: self.model)
        @rule(data=st.data())
        def delete(self, data: st.DataObject) -> None:
            reg_id = data.draw(st.sampled_from(list(self.model)))
            response = api.delete(reg_id)
            note(f"delete {reg_id[:8]} -> {response.status_code}")
            assert response.status_code == 200, f"DELETE answered {response.status_code}"
            del self.model[reg_id]

        def touched_equals_model(self) -> None:
            reg_id, self.touched = self.touched, None
            if reg_id is None:
                return
            got = json_body(api.get(reg_id))
            differs = {k: (v, got.get(k)) for k, v in self.model[reg_id].items() if got.get(k) != v}
            assert not differs, f"registration {reg_id[:8]} differs from the model: {differs}"

        def list_equals_model(self) -> None:
            listed = {r["id"] for r in api.list_all(take=2) if str(r.get("clientId", "")).startswith(self.tag)}
            assert listed == set(self.model), f"the list holds {len(listed)} of this run's registrations, the model {len(self.model)}"

        @invariant()
        def tool_equals_model(self) -> None:
            self.steps += 1
            self.touched_equals_model()
            if self.steps % LIST_EVERY == 0:
                self.list_equals_model()

    return Registrations


@check("TREG-011")
def test_registrations_state_machine(api):
    runs = max(settings.default.max_examples, 8)
    run_state_machine_as_test(machine_for(api), settings=settings(settings.default, max_examples=runs, stateful_step_count=8))


OPERATIONS = [(PATH, "POST"), (PATH, "GET"), (f"{PATH}/{{id}}", "GET"), (f"{PATH}/{{id}}", "PUT"), (f"{PATH}/{{id}}", "DELETE")]


def _presence(api: ToolApi) -> openapi.Presence:
    """Each operation probed once per run with one well-formed request of the harness's own: an absent
    route (404) makes its contract run not applicable instead of minutes of 404s."""
    cache = api.session.cache
    if "TREG-012 presence" in cache:
        return cache["TREG-012 presence"]
    presence = openapi.Presence()
    made: dict[str, Any] = {}

    def create() -> Any:
        response = api.request("POST", json=body())
        answer = json_body(response) if response.status_code in (200, 201) else None
        if isinstance(answer, dict) and isinstance(answer.get("id"), str) and answer["id"]:
            made["id"] = answer["id"]
            api.created.append(answer["id"])
        return response

    absent_post = presence.absent(f"POST {PATH}", create)
    presence.absent(f"GET {PATH}", lambda: api.request("GET", params={"page": 1, "take": 1}))
    for method in ("GET", "PUT", "DELETE"):
        operation = f"{method} {PATH}/{{id}}"
        if "id" not in made:
            why = f"POST {PATH} is absent" if absent_post else f"POST {PATH} made no registration to address"
            presence.mark_absent(operation, f"{operation} cannot be probed: {why}")
        elif method == "GET":
            presence.absent(operation, lambda: api.get(made["id"]))
        elif method == "PUT":
            presence.absent(operation, lambda: api.request("PUT", f"/{made['id']}", json={"status": "inactive"}))
        else:
            presence.absent(operation, lambda: api.request("DELETE", f"/{made['id']}"))
    cache["TREG-012 presence"] = presence
    return presence


@check("TREG-012")
@pytest.mark.parametrize("path,method", OPERATIONS, ids=[f"{m} {p}" for p, m in OPERATIONS])
def test_openapi_contract(api, path, method):
    reason = _presence(api).reasons.get(f"{method} {path}")
    if reason:
        not_applicable(reason)
    guard = TargetGuard()
    existing = api.create(body())["id"] if "{id}" in path else None

    @given(case=SCHEMA[path][method].as_strategy())
    def run(case: Any) -> None:
        with guard.example() as live:
            if not live:
                return
            if existing and case.path_parameters and case.path_parameters.get("id") and hash(case.path_parameters["id"]) % 2:
                case.path_parameters["id"] = existing  # half the cases hit a registration that exists
            if method == "POST" and isinstance(case.body, dict):
                case.body = unique(case.body)
            kw = case.as_transport_kwargs(base_url=api.base_url, headers={"Authorization": f"Bearer {api.api_key}"})
            headers = {k: v for k, v in kw["headers"].items() if k.lower() in ("authorization", "content-type", "accept")}
            response = api.session.client.request(kw["method"], kw["url"], headers=headers, params=kw.get("params") or None, json=kw.get("json"))
            if method == "POST" and response.status_code in (200, 201):
                api.created.append(json_body(response).get("id", ""))
            note(f"{case.method} {case.formatted_path} -> {response.status_code}")
            case.validate_response(response, checks=CHECKS)

    run()
    guard.raise_if_failed()
