"""Example-based checks of the registration update workflow (UPD-001 … UPD-018)."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timezone
from typing import Any

import pytest

from lti_harness.harness import dynreg, schemas
from lti_harness.harness.checks import check
from lti_harness.harness.client import json_body
from lti_harness.harness.dynreg import RegisteredTool
from lti_harness.harness.plugin import not_applicable
from lti_harness.harness.results import precondition
from lti_harness.vocab import REG_READ_SCOPE, REG_SCOPE, SCORE_SCOPE

from .conftest import full_update, register


def current(tool: RegisteredTool) -> dict[str, Any]:
    """The configuration as the tool reads it now, with a token fetched now: a token from before an
    update, an ignore or a flag change may rightly have been invalidated (seed 004)."""
    response = tool.read_now()
    precondition(response.status_code == 200, f"reading the configuration (a set-up step of this check) with a fresh "
                 f"registration.readonly token: GET {tool.configuration_url} answered {response.status_code}: {response.text[:200]}")
    body = json_body(response)
    precondition(isinstance(body, dict), f"GET {tool.configuration_url} answered no JSON object")
    return body


def submit(tool: RegisteredTool, body: dict[str, Any], *, rule: bool = False) -> dict[str, Any]:
    """PUT ``body`` as an update with a fresh registration token. The 200 is the rule of UPD-001 and UPD-003
    (``rule``); for the other checks it is a set-up step, and a refusal ends the check in error."""
    response = tool.update_now(body)
    if rule:
        assert response.status_code == 200, f"a valid update PUT answered {response.status_code}, expected 200: {response.text[:300]}"
    else:
        precondition(response.status_code == 200, f"submitting an update (a set-up step of this check) answered "
                     f"{response.status_code}, expected 200: {response.text[:300]}")
    answer = json_body(response)
    return answer if isinstance(answer, dict) else {}


def pending(platform, tool: RegisteredTool, *, rule: bool = False) -> dict[str, Any]:
    """The pending request the admin sees (its existence is the rule of UPD-001 only)."""
    found = platform.adapter.pending_update(tool.registration_id)
    if rule:
        assert found is not None, "the admin sees no pending update request after the tool's PUT"
    else:
        precondition(found is not None, "the admin sees no pending update request after the tool's PUT (a set-up step of this check; UPD-001 judges it)")
    return found  # type: ignore[return-value]


def accept(platform, tool, request: dict[str, Any], **kwargs: Any):
    response = platform.adapter.apply_update(tool.registration_id, str(request["id"]), accepted=True, **kwargs)
    precondition(response.status_code == 200, f"accepting the update (a set-up step of this check) answered {response.status_code}: {response.text[:300]}")
    return response


def effective(platform, tool) -> dict[str, Any]:
    config = platform.adapter.registration(tool.registration_id).get("overlaid_configuration")
    if not isinstance(config, dict):
        not_applicable("the admin registration object has no overlaid_configuration; the adapter cannot show the effective configuration")
    return config


def assert_documented_401(response, what: str) -> None:
    assert response.status_code == 401, f"{what}: answered {response.status_code}, expected 401"
    body = json_body(response)
    assert not schemas.errors("error_message", body), f'{what}: the 401 body is not {{"errorMessage": ...}}: {body!r}'


@check("UPD-001")
def test_update_becomes_pending(platform, tool):
    body = full_update(tool)
    submit(tool, body, rule=True)
    request = pending(platform, tool, rule=True)
    proposed = request.get("lti_ims_registration")
    if isinstance(proposed, dict):
        assert proposed.get("client_name") == body["client_name"], (
            f"the pending request shows client_name {proposed.get('client_name')!r}, not the submitted {body['client_name']!r}")


@check("UPD-002")
def test_nothing_changes_before_acceptance(platform, tool):
    before = current(tool)
    submit(tool, full_update(tool))
    after = current(tool)
    assert after == before, "the configuration changed before an administrator accepted the update: " + "; ".join(
        dynreg.echo_differences(tool.sent, after) or ["(fields differ)"])


@check("UPD-003")
def test_put_answers_with_submitted_configuration(tool):
    body = full_update(tool)
    answer = submit(tool, body, rule=True)
    differences = dynreg.echo_differences(body, answer)
    assert not differences, "the PUT answer is not the submitted configuration: " + "; ".join(differences)


@check("UPD-004")
def test_acceptance_replaces_configuration(platform, tool):
    body = full_update(tool)
    submit(tool, body)
    accept(platform, tool, pending(platform, tool))
    problems = dynreg.replacement_differences(body, current(tool))
    assert not problems, "after acceptance the configuration is not the submitted one (replace, not merge): " + "; ".join(problems)


@check("UPD-005")
def test_ignoring_changes_nothing(platform, tool):
    before = current(tool)
    submit(tool, full_update(tool))
    request = pending(platform, tool)
    response = platform.adapter.apply_update(tool.registration_id, str(request["id"]), accepted=False)
    precondition(response.status_code == 200, f"ignoring the update (accepted=false) answered {response.status_code}: {response.text[:200]}")
    after = current(tool)
    assert after == before, "ignoring the update changed the configuration: " + "; ".join(
        dynreg.echo_differences(tool.sent, after) or ["(fields differ)"])
    assert platform.adapter.pending_update(tool.registration_id) is None, "the ignored request is still pending"


@check("UPD-006")
def test_overlay_disabled_scope_not_granted(platform, tool):
    score = SCORE_SCOPE
    submit(tool, full_update(tool))
    accept(platform, tool, pending(platform, tool), overlay={"disabled_scopes": [score]})
    response = tool.token_response([score])
    if response.status_code == 200:
        granted = str(json_body(response).get("scope", "")).split()
        assert score not in granted, f"a token requested after the overlay still grants the disabled scope {score}"
    kept = tool.token_response([REG_READ_SCOPE])
    assert kept.status_code == 200, (
        f"after the overlay disabled only {score}, the token endpoint refused the kept scope registration.readonly: {kept.status_code}")


@check("UPD-007")
def test_overlay_disabled_placement_is_off(platform, tool):
    submit(tool, full_update(tool))
    accept(platform, tool, pending(platform, tool), overlay={"disabled_placements": ["course_navigation"]})
    placements = {p.get("placement"): p for p in effective(platform, tool).get("placements", []) if isinstance(p, dict)}
    assert "course_navigation" in placements, "course_navigation is missing from the effective configuration"
    assert placements["course_navigation"].get("enabled") is False, "the disabled placement course_navigation is still enabled"
    assert placements.get("assignment_selection", {}).get("enabled", True) is True, "a placement the overlay kept was disabled"


@check("UPD-008")
def test_overlay_custom_names_are_shown(platform, tool):
    submit(tool, full_update(tool))
    overlay = {"title": "Harness Custom Title", "placements": {"assignment_selection": {"text": "Harness Custom Text"}}}
    accept(platform, tool, pending(platform, tool), overlay=overlay)
    config = effective(platform, tool)
    assert config.get("title") == "Harness Custom Title", f"the effective title is {config.get('title')!r}, not the overlay's"
    texts = {p.get("placement"): p.get("text") for p in config.get("placements", []) if isinstance(p, dict)}
    assert texts.get("assignment_selection") == "Harness Custom Text", f"assignment_selection text is {texts.get('assignment_selection')!r}"


@check("UPD-009")
def test_flag_off_hides_update_endpoint(platform, tool, flag_off):
    before = current(tool)
    response = tool.update_now(full_update(tool))
    assert response.status_code == 404, f"with the flag off the update PUT answered {response.status_code}, expected 404"
    assert current(tool) == before, "with the flag off, the refused update changed the configuration"


@check("UPD-010")
def test_flag_off_blocks_applying(platform, tool):
    submit(tool, full_update(tool))
    request = pending(platform, tool)
    before = current(tool)
    platform.adapter.set_feature_flag("lti_dr_registrations_update", False)
    try:
        response = platform.adapter.apply_update(tool.registration_id, str(request["id"]), accepted=True)
    finally:
        platform.adapter.set_feature_flag("lti_dr_registrations_update", True)
    after = current(tool)  # read once the flag is back on, with a token fetched after both changes
    assert after == before, "with the flag off, applying the pending request changed the configuration: " + "; ".join(
        dynreg.echo_differences(tool.sent, after) or ["(fields differ)"])
    assert not 200 <= response.status_code < 300, (
        f"with the flag off, applying the pending request answered {response.status_code} as if it had been applied")


@check("UPD-011")
def test_missing_token_401(tool):
    assert_documented_401(tool.update(None, full_update(tool)), "a PUT without a token")


@check("UPD-012")
def test_readonly_token_cannot_put(platform, tool, read_token):
    assert_documented_401(tool.update(read_token, full_update(tool)), "a PUT with a registration.readonly token")
    assert platform.adapter.pending_update(tool.registration_id) is None, "the refused PUT still created a pending request"


@check("UPD-013")
def test_inactive_key_401(platform, tool, write_token):
    # The token is fetched before the key is deactivated on purpose: its fate is the rule of this check.
    platform.adapter.set_developer_key_active(tool.client_id, False)
    try:
        response = tool.update(write_token, full_update(tool))
    finally:
        platform.adapter.set_developer_key_active(tool.client_id, True)
    assert_documented_401(response, "a PUT with a token of a deactivated key")


@check("UPD-014")
@pytest.mark.parametrize("field,value", [("client_name", ...), ("redirect_uris", ["not-a-valid-uri"]), ("grant_types", ["password"])])
def test_invalid_update_422(platform, tool, field, value):
    body = dynreg.mutated(full_update(tool), (field,), value)
    response = tool.update_now(body)
    assert response.status_code == 422, f"an update with bad {field} answered {response.status_code}, expected 422"
    errors = json_body(response)
    assert isinstance(errors, dict) and isinstance(errors.get("errors"), list) and errors["errors"], f"no errors list: {errors!r}"
    assert platform.adapter.pending_update(tool.registration_id) is None, "the invalid update became a pending request"


def _parse_time(value: Any) -> datetime | None:
    try:
        return datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        return None


@check("UPD-015")
def test_history_entry_per_applied_update(platform, tool):
    submit(tool, full_update(tool))
    request = pending(platform, tool)
    before = {str(e.get("id")) for e in platform.adapter.history(tool.registration_id)}  # a platform may log the request itself
    accept(platform, tool, request, comment="applied by the conformance harness")
    new = [e for e in platform.adapter.history(tool.registration_id) if str(e.get("id")) not in before]
    assert len(new) == 1, f"applying one update added {len(new)} history entries, expected 1"
    entry = new[0]
    problems = schemas.errors("history_entry", entry)
    assert not problems, f"the history entry does not conform: {problems[:3]}"
    assert entry.get("diff"), "the history entry does not say what changed (empty diff)"
    assert entry.get("created_by"), "the history entry does not say who applied the update"
    when = _parse_time(entry.get("created_at"))
    assert when is not None and abs((datetime.now(timezone.utc) - when).total_seconds()) < 600, f"created_at {entry.get('created_at')!r} is not now"
    assert entry.get("comment") == "applied by the conformance harness", "the admin's comment is missing from the entry"


@check("UPD-016")
def test_only_newest_pending_request_applies(platform, tool):
    submit(tool, full_update(tool, name="First update"))
    first = pending(platform, tool)
    submit(tool, full_update(tool, name="Second update"))
    second = pending(platform, tool)
    precondition(str(second["id"]) != str(first["id"]), "the second update did not become the pending request, so no request is superseded")
    before = current(tool)
    stale = platform.adapter.apply_update(tool.registration_id, str(first["id"]), accepted=True)
    assert current(tool) == before, "applying a superseded request changed the configuration"
    assert not 200 <= stale.status_code < 300, f"applying a superseded request answered {stale.status_code} as if it had been applied"
    accept(platform, tool, second)
    applied = current(tool)
    again = platform.adapter.apply_update(tool.registration_id, str(second["id"]), accepted=True)
    assert not 200 <= again.status_code < 300, f"applying an already accepted request again answered {again.status_code} as if it had been applied"
    assert current(tool) == applied, "applying an already accepted request again changed the configuration"
    assert applied.get("client_name") == "Second update", (
        f"after accepting the newest request the configuration's client_name is {applied.get('client_name')!r}, not 'Second update'")


@check("UPD-017")
def test_simultaneous_accepts_apply_once(platform, tool):
    submit(tool, full_update(tool))
    request = pending(platform, tool)
    before = len(platform.adapter.history(tool.registration_id))
    with ThreadPoolExecutor(max_workers=2) as pool:
        results = list(pool.map(lambda _: platform.adapter.apply_update(tool.registration_id, str(request["id"]), accepted=True), range(2)))
    statuses = sorted(r.status_code for r in results)
    precondition(200 in statuses, f"neither of two simultaneous accepts succeeded ({statuses}); nothing to count")
    added = len(platform.adapter.history(tool.registration_id)) - before
    assert added == 1, f"two simultaneous accepts added {added} history entries (statuses {statuses}); the update was applied {added} times"


@check("UPD-018")
def test_other_tools_token_cannot_update(platform, tool):
    other = register(platform)
    before = current(tool)
    response = tool.update(other.token([REG_SCOPE]), full_update(tool, name="Hijacked"))
    assert not 200 <= response.status_code < 300, f"another tool's token updated this registration ({response.status_code})"
    assert platform.adapter.pending_update(tool.registration_id) is None, "another tool's update became a pending request"
    assert current(tool) == before, "another tool's update changed the configuration"
