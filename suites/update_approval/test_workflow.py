"""UPD-019: the update workflow as a hypothesis state machine, run against the target.

A step may rightly invalidate the tool's tokens (an accepted or ignored update, a flag change): the
machine then fetches a new one, as a tool does, instead of reporting the 401. The model holds what the target must show: the current configuration (as the tool last had one
accepted), the pending request (newest wins), the number of history entries and the flag. After
every step the target is compared with it in what the step could change (a step that read a value
itself has compared it already). Failures shrink to a short sequence of steps.
"""

from __future__ import annotations

from typing import Any, Callable

import httpx

from hypothesis import note, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule, run_state_machine_as_test

from lti_harness.harness import dynreg
from lti_harness.harness.checks import check
from lti_harness.harness.client import TargetError, json_body
from lti_harness.harness import results
from lti_harness.suites.bodies import registration_bodies
from lti_harness.vocab import REG_READ_SCOPE, REG_SCOPE, TOOL_CONFIG

from .conftest import ORIGINAL_SCOPES, register

FLAG = "lti_dr_registrations_update"
CONFIGURATION, PENDING = "configuration", "pending request and history"  # what a step may change on the target
REQUIRED = ("application_type", "grant_types", "response_types", "redirect_uris", "initiate_login_uri", "client_name",
            "jwks_uri", "token_endpoint_auth_method", "scope", TOOL_CONFIG)


def _minimal(body: dict[str, Any]) -> dict[str, Any]:
    """Only the required fields: anything an older configuration had beyond them must disappear."""
    return {k: v for k, v in body.items() if k in REQUIRED}


_GENERATED = registration_bodies()  # the update body is the registration schema (seed 000)
UPDATE_BODIES = st.one_of(_GENERATED, _GENERATED.map(_minimal))
KNOWN_SCOPES = st.sampled_from(ORIGINAL_SCOPES[2:])
OVERLAYS = st.one_of(
    st.none(),
    st.fixed_dictionaries({}, optional={
        "title": st.text(min_size=1, max_size=20),
        "disabled_scopes": st.lists(KNOWN_SCOPES, max_size=1, unique=True),
        "disabled_placements": st.lists(st.sampled_from(["course_navigation", "link_selection"]), max_size=1, unique=True),
    }),
)


def _keep_identity(body: dict[str, Any], tool) -> dict[str, Any]:
    """A generated update that keeps the tool's JWKS and registration scopes, so the tool can still act."""
    out = dict(body)
    out["jwks_uri"] = tool.sent["jwks_uri"]
    scopes = [s for s in str(out.get("scope") or "").split() if s not in ("openid",)]
    out["scope"] = " ".join(dict.fromkeys([REG_SCOPE, REG_READ_SCOPE, *scopes]))
    return out


def machine_for(platform) -> type[RuleBasedStateMachine]:
    adapter = platform.adapter

    class UpdateWorkflow(RuleBasedStateMachine):
        def ensure(self) -> None:
            """Register lazily: generated steps that hypothesis discards (filtered draws) cost no registration."""
            if not hasattr(self, "tool"):
                self.start()

        def as_tool(self, scope: str, send: Callable[[str], httpx.Response]) -> httpx.Response:
            """Send a request with the tool's token for ``scope``, as a tool does: when the platform answers 401,
            an earlier step may have invalidated the token (an applied or ignored update, a flag change; seed 004
            allows it), so fetch a new one and send once more. A token costs a signed assertion and a JWKS fetch,
            so the machine does not fetch one per request."""
            token = self.tokens.get(scope)
            response = send(token) if token else None
            if response is None or response.status_code == 401:
                self.tokens[scope] = self.tool.token([scope])
                response = send(self.tokens[scope])
            return response

        def start(self) -> None:
            self.tool = register(platform)
            self.tokens: dict[str, str] = {}
            response = self.as_tool(REG_READ_SCOPE, self.tool.read)
            results.precondition(response.status_code == 200, f"reading the new registration's configuration (set-up) answered {response.status_code}")
            self.current = self.tool.sent
            self.pending: tuple[str, dict[str, Any]] | None = None
            self.history = len(adapter.history(self.tool.registration_id))
            self.flag = True
            self.stale: set[str] = set()  # what the last steps may have changed and no check has read since
            # Every run opens with the plain workflow, so each documented rule is met at least once:
            # a minimal update accepted as sent (replace), the full one ignored, the flag off and on.
            self.tool_submits_update(_minimal(self.tool.sent))
            self.admin_accepts(None)
            self.configuration_is_the_accepted_one()
            self.pending_and_history_match()
            self.tool_submits_update(self.tool.sent)
            self.admin_ignores()
            self.configuration_is_the_accepted_one()
            self.flag_off_then_on(_minimal(self.tool.sent))
            self.pending_and_history_match()

        def teardown(self) -> None:
            if getattr(self, "flag", True) is False:
                try:
                    adapter.set_feature_flag(FLAG, True)
                except TargetError:
                    pass

        @rule(body=UPDATE_BODIES)
        def tool_submits_update(self, body: dict[str, Any]) -> None:
            self.ensure()
            body = _keep_identity(body, self.tool)
            response = self.as_tool(REG_SCOPE, lambda token: self.tool.update(token, body))
            note(f"PUT update -> {response.status_code}")
            assert response.status_code == 200, f"a schema-valid update answered {response.status_code}: {response.text[:200]}"
            found = adapter.pending_update(self.tool.registration_id)
            assert found is not None, "the submitted update is not pending"
            self.pending = (str(found["id"]), body)
            self.history = len(adapter.history(self.tool.registration_id))  # logging the request itself is allowed
            self.stale.add(CONFIGURATION)  # an update applied without approval shows there

        @precondition(lambda self: getattr(self, "pending", None) is not None)
        @rule(overlay=OVERLAYS)
        def admin_accepts(self, overlay: dict[str, Any] | None) -> None:
            self.ensure()
            request_id, body = self.pending  # type: ignore[misc]
            response = adapter.apply_update(self.tool.registration_id, request_id, accepted=True, overlay=overlay)
            note(f"accept {request_id} with overlay {overlay!r} -> {response.status_code}")
            assert response.status_code == 200, f"accepting the pending update answered {response.status_code}"
            self.current, self.pending, self.history = body, None, self.history + 1
            self.stale |= {CONFIGURATION, PENDING}

        @precondition(lambda self: getattr(self, "pending", None) is not None)
        @rule()
        def admin_ignores(self) -> None:
            self.ensure()
            request_id, _ = self.pending  # type: ignore[misc]
            response = adapter.apply_update(self.tool.registration_id, request_id, accepted=False)
            note(f"ignore {request_id} -> {response.status_code}")
            assert response.status_code == 200, f"ignoring the pending update answered {response.status_code}"
            self.pending = None
            self.stale |= {CONFIGURATION, PENDING}

        @rule()
        def tool_reads_configuration(self) -> None:
            self.ensure()
            self.stale.add(CONFIGURATION)
            self.configuration_is_the_accepted_one()

        @rule(body=UPDATE_BODIES)
        def flag_off_then_on(self, body: dict[str, Any]) -> None:
            """With the flag off, a new update is refused (404) and the pending one cannot be applied."""
            self.ensure()
            adapter.set_feature_flag(FLAG, False)
            self.flag = False
            update = _keep_identity(body, self.tool)
            response = self.as_tool(REG_SCOPE, lambda token: self.tool.update(token, update))
            note(f"flag off; PUT update -> {response.status_code}")
            assert response.status_code == 404, f"with the flag off the update PUT answered {response.status_code}"
            if self.pending is not None:
                applied = adapter.apply_update(self.tool.registration_id, self.pending[0], accepted=True)
                note(f"flag off; accept {self.pending[0]} -> {applied.status_code}")
                assert 400 <= applied.status_code < 500, f"with the flag off, accepting answered {applied.status_code}"
            adapter.set_feature_flag(FLAG, True)
            self.flag = True
            self.stale |= {CONFIGURATION, PENDING}

        @invariant()
        def configuration_is_the_accepted_one(self) -> None:
            if CONFIGURATION not in getattr(self, "stale", ()):
                return
            self.stale.discard(CONFIGURATION)
            response = self.as_tool(REG_READ_SCOPE, self.tool.read)
            results.precondition(response.status_code == 200, f"reading the configuration with a fresh registration.readonly token answered {response.status_code}")
            problems = dynreg.replacement_differences(self.current, json_body(response))
            assert not problems, "the configuration is not the last accepted one: " + "; ".join(problems[:4])

        @invariant()
        def pending_and_history_match(self) -> None:
            if PENDING not in getattr(self, "stale", ()):
                return
            self.stale.discard(PENDING)
            found = adapter.pending_update(self.tool.registration_id)
            want = self.pending[0] if self.pending else None
            got = str(found["id"]) if found else None
            assert got == want, f"pending request is {got}, expected {want}"
            history = len(adapter.history(self.tool.registration_id))
            assert history == self.history, f"{history} history entries, expected {self.history}"

    return UpdateWorkflow


@check("UPD-019")
def test_update_workflow_state_machine(platform):
    machine = machine_for(platform)
    runs = max(settings.default.max_examples, 6)  # fewer runs rarely reach submit → ignore → read
    run_state_machine_as_test(machine, settings=settings(settings.default, max_examples=runs, stateful_step_count=12))
