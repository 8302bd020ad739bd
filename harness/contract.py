"""Schemathesis contract runs over one area of an OpenAPI document against a target, through the
harness's recording client: one operation at a time (positive or negative data), and a stateful run
that follows the document's ``links`` (create → read → update → delete chains).

What a run checks of every answer (:data:`CHECKS`): no 5xx, a status the operation documents, the
documented content type and a body that conforms to the documented schema, and an ``Allow`` header
on a 405. Credentials are not generated: each request carries the one the area gives for the
operation's security scheme (:class:`Area`). Path parameters naming the account or the course are
pinned to objects the target has; object ids name the target's objects on one example in three, their
parents' on another, so the found and the not-found answers are both exercised. An operation answered 404 or 405 to every request is one the
target does not have: the check ends not applicable, naming it.

Bounded: each operation gets :func:`examples` examples (the run's ``--examples``, at most
:data:`MAX_EXAMPLES`), each request has the client's deadline, shrinking has the run's budget, and a
stateful run :func:`scenarios` scenarios of at most :data:`MAX_STEPS` steps."""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from typing import Any, Callable

from hypothesis import example, given, note, reject, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import checks as sc
from schemathesis.core.transport import Response
from schemathesis.generation import GenerationMode

from . import openapi
from .client import TargetError
from .pbt import TargetGuard
from .results import CannotTest

MAX_EXAMPLES = 5  # per operation and mode: a contract run covers many operations
MAX_STEPS = 6  # per stateful scenario
ABSENT = (404, 405)
DROPPED_HEADERS = ("accept-encoding", "connection", "user-agent")


def allow_on_405(ctx: Any, response: Response, case: Any) -> bool | None:
    """A 405 names the methods the resource has (RFC 9110 §15.5.6: the origin server MUST generate an Allow header)."""
    if response.status_code == 405 and not response.headers.get("allow"):
        raise AssertionError(f"{case.operation.label} answered 405 without an Allow header")
    return None


CHECKS = [sc.not_a_server_error, sc.status_code_conformance, sc.content_type_conformance, sc.response_schema_conformance, allow_on_405]


def examples() -> int:
    """Examples per operation and mode: the run's ``--examples``, at most :data:`MAX_EXAMPLES`."""
    return max(1, min(settings.default.max_examples, MAX_EXAMPLES))


def scenarios() -> int:
    """Scenarios of a stateful run: the run's ``--examples``, at most :data:`MAX_EXAMPLES`."""
    return examples()


def area_operations(area: str, name: str = "platform") -> list[tuple[str, str]]:
    """(path, METHOD) of every operation in one area file of document ``name``."""
    import json

    for path in openapi.area_files(name):
        if path.stem == area:
            doc = json.loads(path.read_text(encoding="utf-8"))
            return [(p, m.upper()) for p, item in doc.get("paths", {}).items() for m in item if m in ("get", "put", "post", "delete", "patch")]
    raise ValueError(f"document {name} has no area {area}")


def label(path: str, method: str) -> str:
    return f"{method} {path}"


def sendable(name: str, value: Any) -> bool:
    """Header names/values HTTP can carry (generated ones may hold control or non-latin-1 characters)."""
    try:
        text = f"{name}{value}"
        text.encode("latin-1")
    except UnicodeEncodeError:
        return False
    return isinstance(value, str) and name.strip() != "" and all(32 <= ord(c) < 127 or c == "\t" for c in text)


def form(data: Any) -> str:
    """A generated form body, encoded as the harness encodes forms."""
    from .dynreg import form_encode

    return form_encode(data) if isinstance(data, dict) else str(data)


def send(client: Any, case: Any, base_url: str, headers: dict[str, str]) -> Any:
    """Send one schemathesis case through the harness client (recorded, redacted, with its deadline);
    ``headers`` (credentials) win over generated ones."""
    kw = case.as_transport_kwargs(base_url=base_url, headers=headers)
    send_headers = {k: v.strip() for k, v in kw["headers"].items() if k.lower() not in DROPPED_HEADERS and sendable(k, v)}
    body: dict[str, Any] = {}
    if "json" in kw:
        body["json"] = kw["json"]
    elif "data" in kw:
        data = kw["data"]
        body["content"] = data if isinstance(data, (str, bytes)) else form(data)
    elif "content" in kw:
        body["content"] = kw["content"]
    return client.request(kw["method"], kw["url"], headers=send_headers, params=kw.get("params") or None, **body)


@dataclass
class Area:
    """How a contract run reaches one area of a target.

    ``credentials`` maps a security scheme of the document to a function giving its bearer token (or a
    whole ``Authorization`` value, when it has a space); an operation with no scheme is sent without one.
    ``pinned`` path parameters always name the target's objects (account, course); ``ids`` name objects
    on one example in three (their parents on another). ``prepare`` may edit a case before it is sent
    (a fresh token, a real user), ``after`` sees each answer (to note what was created)."""

    client: Any
    base_url: str
    schema: Any
    credentials: dict[str, Callable[[], str]] = field(default_factory=dict)
    pinned: dict[str, str] = field(default_factory=dict)
    ids: dict[str, str] = field(default_factory=dict)
    prepare: Callable[[Any], None] | None = None
    after: Callable[[Any, Any], None] | None = None
    followed: list[str] = field(default_factory=list)
    """The links a stateful run followed (with a value taken from an earlier answer), in order."""

    def headers(self, case: Any) -> dict[str, str]:
        """The Authorization header of ``case``'s operation, from its first security scheme the area knows
        (the document's own ``security`` when the operation names none)."""
        raw = case.operation.definition.raw
        security = raw["security"] if "security" in raw else case.operation.schema.raw_schema.get("security")
        for requirement in security or []:
            for scheme in requirement:
                if scheme in self.credentials:
                    value = self.credentials[scheme]()
                    return {"Authorization": value if " " in value else f"Bearer {value}"}
        return {}

    def pin(self, case: Any, turn: int, keep: frozenset[str] = frozenset()) -> None:
        """Set the pinned path parameters the operation has, except those in ``keep`` (set by a link), and
        by ``turn``: 0 every object id too, 1 those of the parents (all but the path's last parameter: a
        generated id under an object that exists), 2 none (generated ids)."""
        order = [name[1:-1] for name in case.operation.path.split("/") if name.startswith("{") and name.endswith("}")]
        objects = {0: order, 1: order[:-1]}.get(turn % 3, [])
        values = {**self.pinned, **{k: v for k, v in self.ids.items() if k in objects}}
        chosen = {k: v for k, v in values.items() if k in order and k not in keep}
        if chosen:
            case.path_parameters = {**(case.path_parameters or {}), **chosen}

    def exchange(self, case: Any) -> Any:
        """Send ``case`` with its credentials; the answer as the client gives it."""
        if self.prepare is not None:
            self.prepare(case)
        response = send(self.client, case, self.base_url, self.headers(case))
        if self.after is not None:
            self.after(case, response)
        note(f"{case.method} {case.formatted_path} -> {response.status_code}")
        return response


class NotThere(Exception):
    """Every request to the operation was answered 404 or 405: the target does not have it."""


def run_operation(area: Area, path: str, method: str, mode: GenerationMode = GenerationMode.POSITIVE) -> None:
    """Run schemathesis over one operation; raises :class:`NotThere` (with the reason) when the target
    answered 404/405 to every request, the first contract failure otherwise."""
    operation = area.schema[path][method]
    guard = TargetGuard()
    statuses: list[int] = []
    deferred: list[AssertionError] = []
    turn = itertools.count()

    def one(case: Any) -> None:
        with guard.example() as live:
            if not live:
                return
            area.pin(case, next(turn))
            response = area.exchange(case)
            statuses.append(response.status_code)
            if response.status_code in ABSENT:
                try:  # judged after the run: a route the target lacks is not applicable, not failed
                    case.validate_response(response, checks=CHECKS)
                except AssertionError as exc:
                    deferred.append(exc)
                return
            case.validate_response(response, checks=CHECKS)

    runner = given(case=operation.as_strategy(mode))(one)
    json_bodies = [b.media_type for b in operation.body if b.media_type == "application/json" or b.media_type.endswith("+json")]
    if mode == GenerationMode.NEGATIVE and json_bodies:
        # negative generation may spend every example on headers or path parameters: one body that is
        # surely outside an object schema (a JSON array) is always tried as well
        runner = example(case=operation.Case(body=[], media_type=json_bodies[0]))(runner)
    run = settings(max_examples=examples())(runner)
    run()
    guard.raise_if_failed()
    if statuses and all(s in ABSENT for s in statuses):
        raise NotThere(f"{label(path, method)} answered {'/'.join(map(str, sorted(set(statuses))))} to each of its {len(statuses)} "
                       "requests (a third of them naming objects the target has): the target does not have this operation")
    if deferred:
        raise deferred[0]


def run_stateful(area: Area, steps: int = MAX_STEPS) -> None:
    """Schemathesis's state machine over ``area.schema`` (filter it to the area's operations): scenarios
    that follow the document's links, positive data, each answer checked as :func:`run_operation` does."""
    only_document_links(area.schema)
    area.schema.config.generation.update(modes=[GenerationMode.POSITIVE])
    guard = TargetGuard()
    base = area.schema.as_state_machine()

    class Machine(base):  # type: ignore[misc, valid-type]
        def step(self, input: Any) -> Any:  # noqa: A002 - schemathesis's name
            if guard.error is not None:
                reject()
            keep = frozenset(name for _, name in input.applied_parameters if name)
            if input.transition is not None and input.applied_parameters:
                area.followed.append(input.transition.id)
            area.pin(input.case, 1, keep=keep)  # parents named, ids from links or generated
            try:
                return super().step(input)
            except (TargetError, CannotTest) as exc:
                guard.error = exc
                reject()

        def call(self, case: Any, **kwargs: Any) -> Any:
            return Response.from_any(area.exchange(case))

        def validate_response(self, response: Any, case: Any, additional_checks: Any = None, **kwargs: Any) -> None:
            case.validate_response(response, checks=CHECKS)

    try:
        Machine.run(settings=settings(max_examples=scenarios(), stateful_step_count=steps))
    except Unsatisfiable:
        if guard.error is None:
            raise
    guard.raise_if_failed()


def only_document_links(schema: Any) -> None:
    """Make ``schema``'s state machine follow the document's links only, starting from any operation
    schemathesis would start from without guessing resources: no inferred links (its dependency analysis
    reads fields such as ``clientId`` as references to resources no operation makes, and would then never
    start a scenario with the POST that creates a registration)."""
    from schemathesis.config._phases import InferenceConfig
    from schemathesis.specs.openapi.stateful.dependencies.models import DependencyGraph

    schema.config.phases.stateful.inference = InferenceConfig(algorithms=[])
    schema.analysis._dependency_graph = DependencyGraph(operations={}, resources={})


def subset(name: str, operations: list[tuple[str, str]]) -> Any:
    """Document ``name`` as a schemathesis schema holding only ``operations`` (and their links among them)."""
    wanted = {(p, m.upper()) for p, m in operations}
    return openapi.load(name).include(lambda ctx: (ctx.operation.path, ctx.operation.method.upper()) in wanted)


def check_operation(area: Area, path: str, method: str, mode: GenerationMode = GenerationMode.POSITIVE) -> None:
    """:func:`run_operation` for a check: an operation the target does not have ends it not applicable."""
    from .plugin import not_applicable

    try:
        run_operation(area, path, method, mode)
    except NotThere as exc:
        not_applicable(str(exc))


def cases(operations: list[tuple[str, str]], negative: tuple[str, ...] = ("POST", "PUT")) -> list[tuple[str, str, GenerationMode]]:
    """(path, method, mode) for a parametrized contract check: positive data for every operation, negative
    data for those whose method is in ``negative`` (where the target validates input)."""
    return [(p, m, GenerationMode.POSITIVE) for p, m in operations] + [(p, m, GenerationMode.NEGATIVE) for p, m in operations if m in negative]


def case_ids(chosen: list[tuple[str, str, GenerationMode]]) -> list[str]:
    return [f"{m} {p} {g.value}" for p, m, g in chosen]


def noting(session: Any, what: str) -> Callable[[Any, Any], None]:
    """An ``after`` hook listing each object a generated POST created (its id) among what the run created on the target."""

    def after(case: Any, response: Any) -> None:
        if case.method == "POST" and response.status_code in (200, 201):
            try:
                body = response.json()
            except ValueError:
                return
            if isinstance(body, dict) and body.get("id") is not None:
                session.note_created(f"{what} {body['id']} (contract run)")

    return after


COVERED: dict[str, dict[tuple[str, str], list[str]]] = {}
"""What the contract checks exercise: document name → (path, METHOD) → the ids of the checks that run it
(filled by :func:`declare` when a suite's contract tests are imported; read by the coverage test)."""


def declare(check_id: str, name: str, operations: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """Record that contract check ``check_id`` exercises ``operations`` of document ``name``; gives them back."""
    for path, method in operations:
        COVERED.setdefault(name, {}).setdefault((path, method.upper()), []).append(check_id)
    return operations
