"""Example-based checks of the tool registrations API (TREG-001 … TREG-009, TREG-013, TREG-014)."""

from __future__ import annotations

import uuid

import pytest

from lti_harness.harness import results
from lti_harness.harness.checks import check
from lti_harness.harness.client import json_body
from lti_harness.suites.toolapi import assert_refused, control, register_as_platform

from .conftest import FIELDS, body, expect_error

REQUIRED = ("name", "platformIssuer", "platformAuthorizationEndpoint", "platformTokenEndpoint", "platformJwksUrl", "clientId")
TOOL_URLS = ("toolLoginUrl", "toolLaunchUrl", "toolJwksUrl")


def same_fields(sent: dict, got: dict) -> list[str]:
    return [f"{k}: sent {sent[k]!r}, got {got.get(k)!r}" for k in FIELDS if k in sent and got.get(k) != sent[k]]


@check("TREG-001")
def test_crud_round_trip(api):
    sent = body()
    made = api.create(sent)
    assert not same_fields(sent, made), "the create answer differs: " + "; ".join(same_fields(sent, made))
    assert made.get("status") in ("active", "inactive"), f"a new registration has status {made.get('status')!r}, not active or inactive"
    assert all(str(made.get(k, "")).startswith(("http://", "https://")) for k in TOOL_URLS), "the answer lacks the tool's login, launch and JWKS URLs"
    read = api.get(made["id"])
    assert read.status_code == 200 and json_body(read) == made, "GET by id does not answer the created registration"
    gone = api.request("DELETE", f"/{made['id']}")
    assert gone.status_code == 200 and json_body(gone).get("success") is True, f"DELETE answered {gone.status_code}: {gone.text[:200]}"
    expect_error(api.get(made["id"]), 404)


@check("TREG-002")
def test_paging_lists_everything_once(api):
    tag = uuid.uuid4().hex[:6]
    mine = {api.create(body(name=f"Paged {tag} {n}"))["id"] for n in range(5)}
    listed = api.list_all(take=2)
    ids = [r["id"] for r in listed]
    doubles = sorted({i for i in ids if ids.count(i) > 1})
    assert not doubles, f"registrations listed more than once: {doubles}"
    assert mine <= set(ids), f"{len(mine - set(ids))} of the 5 new registrations never appeared across the pages"
    first = json_body(api.request("GET", params={"page": 1, "take": 2}))
    meta = first["meta"]
    total = meta["itemCount"]
    assert total == len(ids), f"meta.itemCount is {total} but the pages held {len(ids)} registrations"
    assert meta["pageCount"] == -(-total // 2), f"meta.pageCount is {meta['pageCount']} for {total} items in pages of 2"
    assert meta["page"] == 1 and meta["take"] == 2 and meta["hasPreviousPage"] is False and meta["hasNextPage"] is (total > 2), f"meta of page 1 is inconsistent: {meta}"
    last = json_body(api.request("GET", params={"page": meta["pageCount"], "take": 2}))["meta"]
    assert last["hasNextPage"] is False and last["hasPreviousPage"] is (meta["pageCount"] > 1), f"meta of the last page is inconsistent: {last}"


@check("TREG-003")
def test_take_over_100(api):
    for _ in range(3):
        api.create(body())
    response = api.request("GET", params={"take": 150})
    if response.status_code == 400:
        expect_error(response, 400)
        return
    assert response.status_code == 200, f"take=150 answered {response.status_code}"
    answer = json_body(response)
    assert answer["meta"]["take"] <= 100 and len(answer["data"]) <= 100, f"take=150 was neither refused nor capped: meta.take={answer['meta']['take']}"


@check("TREG-004")
def test_status_filter(api):
    active = api.create(body())
    paused = api.create(body())
    changed = api.request("PUT", f"/{paused['id']}", json={"status": "inactive"})
    assert changed.status_code == 200, f"setting status inactive answered {changed.status_code}"
    inactive_ids = {r["id"] for r in api.list_all(take=100, status="inactive")}
    active_ids = {r["id"] for r in api.list_all(take=100, status="active")}
    assert paused["id"] in inactive_ids and active["id"] not in inactive_ids, "status=inactive does not list exactly the inactive registrations"
    assert active["id"] in active_ids and paused["id"] not in active_ids, "status=active lists an inactive registration"


@check("TREG-005")
def test_partial_update(api):
    made = api.create(body())
    response = api.request("PUT", f"/{made['id']}", json={"name": "Renamed by the harness", "deploymentId": "2"})
    assert response.status_code == 200, f"PUT answered {response.status_code}: {response.text[:200]}"
    updated = json_body(response)
    expected = {**made, "name": "Renamed by the harness", "deploymentId": "2"}
    changed = [f"{k}: {made.get(k)!r} → {updated.get(k)!r}" for k in (*REQUIRED, "status", "createdAt", *TOOL_URLS) if updated.get(k) != expected.get(k)]
    assert not changed, "fields the PUT did not send changed: " + "; ".join(changed)
    assert updated.get("name") == "Renamed by the harness" and updated.get("deploymentId") == "2", "the sent fields were not applied"
    assert str(updated.get("updatedAt")) > str(made.get("updatedAt")), f"updatedAt did not move: {made.get('updatedAt')} → {updated.get('updatedAt')}"
    assert json_body(api.get(made["id"])) == updated, "GET after PUT does not answer the updated registration"


@check("TREG-006")
@pytest.mark.parametrize("missing", REQUIRED)
def test_missing_field_is_refused(api, missing):
    sent = body()
    del sent[missing]
    response = api.request("POST", json=sent)
    if response.status_code in (200, 201):
        api.created.append(json_body(response).get("id", ""))
    expect_error(response, 400)


@check("TREG-014")
@pytest.mark.parametrize("missing", REQUIRED)
def test_missing_field_is_named(api, missing):
    sent = body()
    del sent[missing]
    response = api.request("POST", json=sent)
    if response.status_code in (200, 201):
        api.created.append(json_body(response).get("id", ""))
    results.precondition(response.status_code == 400, f"a create without {missing} answered {response.status_code}, not 400 (TREG-006)")
    found = json_body(response)
    inner = found.get("error") if isinstance(found, dict) else None
    message = inner.get("message") if isinstance(inner, dict) else found.get("message") if isinstance(found, dict) else None
    assert isinstance(message, str) and missing in message, (
        f'seed 001 "Error Responses" (e.g. "platformIssuer is required"): the 400 for a missing {missing} does not name it: {response.text[:200]}')


@check("TREG-007")
def test_api_key_required(api):
    expect_error(api.request("GET", key=None), 401)
    expect_error(api.request("GET", key="tf_platform_not-the-key"), 401)
    expect_error(api.request("POST", json=body(), key="tf_platform_not-the-key"), 401)


@check("TREG-008")
def test_unknown_id(api):
    unknown = f"/{uuid.uuid4()}"
    expect_error(api.request("GET", unknown), 404)
    expect_error(api.request("PUT", unknown, json={"name": "x"}), 404)
    expect_error(api.request("DELETE", unknown), 404)


@check("TREG-009")
def test_duplicate_issuer_and_client(api):
    first = api.create(body())
    twin = body(platformIssuer=first["platformIssuer"], clientId=first["clientId"])
    response = api.request("POST", json=twin)
    if response.status_code in (200, 201):
        api.created.append(json_body(response).get("id", ""))
    expect_error(response, 409)
    other = api.create(body())
    expect_error(api.request("PUT", f"/{other['id']}", json={"platformIssuer": first["platformIssuer"], "clientId": first["clientId"]}), 409)


@check("TREG-013")
def test_deleted_registration_no_longer_launches(tool_target, api):
    registered = register_as_platform(tool_target, api)
    control(registered)
    gone = api.request("DELETE", f"/{registered.reg['id']}")
    results.precondition(200 <= gone.status_code < 300, f"the harness could not delete its registration (DELETE answered {gone.status_code}; TREG-001)")
    assert_refused(registered.launch(), 'seed 001 DELETE: "This immediately invalidates all LTI launches associated with this registration"',
                   "a launch through the deleted registration")
