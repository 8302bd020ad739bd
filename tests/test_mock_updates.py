"""The mock platform's registration-update routes and admin API on their own."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest

from lti_harness import mock_platform
from lti_harness import mock_tool
from lti_harness.harness import dynreg, keys
from lti_harness.mock_platform import updates

ADMIN = {"Authorization": "Bearer upd-admin-token-0001"}


def _world(serve, **config):
    """A mock platform, a tool registered on it, a registration-scoped token, and a way to fetch another."""
    key = keys.generate()
    tool_url = serve(mock_tool.create_app(mock_tool.ToolConfig(signing_keys=[key])))
    url = serve(mock_platform.create_app(mock_platform.PlatformConfig(admin_token="upd-admin-token-0001", **config)))
    client = httpx.Client(base_url=url, timeout=10)
    token = client.get("/api/lti/accounts/1/registration_token", headers=ADMIN).json()["token"]
    body = dynreg.sample_registration(tool_url, f"{tool_url}/.well-known/jwks.json", scopes=[dynreg.REG_SCOPE, dynreg.REG_READ_SCOPE])
    answer = client.post("/api/lti/registrations", json=body, headers={"Authorization": f"Bearer {token}"}).json()
    reg_id = answer["registration_client_uri"].rsplit("/", 1)[1]

    def auth() -> dict[str, str]:
        assertion = keys.client_assertion(key, answer["client_id"], f"{url}/login/oauth2/token")
        access = client.post("/login/oauth2/token", data={
            "grant_type": "client_credentials", "client_assertion_type": "urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
            "client_assertion": assertion, "scope": dynreg.REG_SCOPE}).json()["access_token"]
        return {"Authorization": f"Bearer {access}"}

    return client, reg_id, auth, body


@pytest.fixture
def world(serve):
    """A mock platform, a tool registered on it, and a registration-scoped token."""
    client, reg_id, auth, body = _world(serve)
    yield client, reg_id, auth(), body
    client.close()


@pytest.mark.parametrize("invalidate", [False, True], ids=["tokens-kept", "invalidate-tokens-on-update"])
def test_invalidate_tokens_on_update_option(serve, invalidate):
    """With the option, each accepted or ignored update invalidates the tool's tokens (seed 004 allows it);
    without it they keep working. A token fetched afterwards works either way."""
    client, reg_id, auth, body = _world(serve, invalidate_tokens_on_update=invalidate)
    config = f"/api/lti/registrations/{reg_id}/configuration"
    for accepted in (True, False):
        old = auth()
        assert client.put(config, json=dict(body, client_name=f"Renamed {accepted}"), headers=old).status_code == 200
        pending = client.get(admin_path(reg_id), headers=ADMIN).json()["pending_update"]
        decided = client.put(admin_path(reg_id, f"/update_requests/{pending['id']}/apply"), json={"accepted": accepted}, headers=ADMIN)
        assert decided.status_code == 200
        assert client.get(config, headers=old).status_code == (401 if invalidate else 200)
        assert client.get(config, headers=auth()).json()["client_name"] == "Renamed True"
    client.close()


def admin_path(reg_id: str, rest: str = "") -> str:
    return f"/api/v1/accounts/1/lti_registrations/{reg_id}{rest}"


def test_put_creates_pending_request_and_apply_replaces(world):
    client, reg_id, auth, body = world
    new = dict(body, client_name="Renamed")
    new.pop("logo_uri")
    assert client.put(f"/api/lti/registrations/{reg_id}/configuration", json=new, headers=auth).status_code == 200
    pending = client.get(admin_path(reg_id), headers=ADMIN).json()["pending_update"]
    assert pending["lti_ims_registration"]["client_name"] == "Renamed" and pending["status"] == "pending"
    assert client.get(f"/api/lti/registrations/{reg_id}/configuration", headers=auth).json()["client_name"] == body["client_name"]
    applied = client.put(admin_path(reg_id, f"/update_requests/{pending['id']}/apply"), json={"accepted": True, "comment": "ok"}, headers=ADMIN)
    assert applied.status_code == 200 and applied.json()["accepted_at"]
    config = client.get(f"/api/lti/registrations/{reg_id}/configuration", headers=auth).json()
    assert config["client_name"] == "Renamed" and "logo_uri" not in config
    history = client.get(admin_path(reg_id, "/history"), headers=ADMIN).json()
    assert len(history) == 1 and history[0]["comment"] == "ok" and history[0]["created_by"]["id"] == 1
    again = client.put(admin_path(reg_id, f"/update_requests/{pending['id']}/apply"), json={"accepted": True}, headers=ADMIN)
    assert again.status_code == 422 and "no longer pending" in again.json()["errors"][0]["message"]


def test_apply_parameter_errors(world):
    client, reg_id, auth, body = world
    client.put(f"/api/lti/registrations/{reg_id}/configuration", json=body, headers=auth)
    ur = client.get(admin_path(reg_id), headers=ADMIN).json()["pending_update"]["id"]
    path = admin_path(reg_id, f"/update_requests/{ur}/apply")
    assert client.put(path, json={}, headers=ADMIN).json() == {"errors": [{"message": "accepted is missing"}]}
    assert client.put(path, json={"accepted": "maybe"}, headers=ADMIN).status_code == 400
    assert client.put(path, json={"accepted": True, "overlay": {"bogus": 1}}, headers=ADMIN).status_code == 422
    assert client.put(path, json={"accepted": True}).status_code == 401
    assert client.put(admin_path(reg_id, "/update_requests/999/apply"), json={"accepted": True}, headers=ADMIN).status_code == 404


def test_flag_off_hides_put_and_blocks_apply(world):
    client, reg_id, auth, body = world
    client.put(f"/api/lti/registrations/{reg_id}/configuration", json=body, headers=auth)
    ur = client.get(admin_path(reg_id), headers=ADMIN).json()["pending_update"]["id"]
    flag = "/api/v1/accounts/1/features/flags/lti_dr_registrations_update"
    assert client.put(flag, json={"state": "off"}, headers=ADMIN).json()["state"] == "off"
    assert client.put(f"/api/lti/registrations/{reg_id}/configuration", json=body, headers=auth).status_code == 404
    assert client.put(admin_path(reg_id, f"/update_requests/{ur}/apply"), json={"accepted": True}, headers=ADMIN).status_code == 404
    assert client.put(flag, json={"state": "sideways"}, headers=ADMIN).status_code == 400
    assert client.get("/api/v1/accounts/1/features/flags/no_such_flag", headers=ADMIN).status_code == 404


def test_put_401_order_and_bodies(world):
    client, reg_id, auth, body = world
    path = f"/api/lti/registrations/{reg_id}/configuration"
    assert client.put(path, json=body).json() == {"errorMessage": "Missing access token"}
    assert client.put(path, json=body, headers={"Authorization": "Basic abc"}).status_code == 401
    assert client.put(path, json=body, headers={"Authorization": "Bearer junk"}).json()["errorMessage"]
    assert client.put("/api/lti/registrations/424242/configuration", json=body, headers=auth).status_code == 404
    bad = client.put(path, json=dict(body, redirect_uris=["not-a-valid-uri"]), headers=auth)
    assert bad.status_code == 422 and isinstance(bad.json()["errors"], list)


def test_deactivated_key(world):
    client, reg_id, auth, body = world
    client_id = client.get(admin_path(reg_id), headers=ADMIN).json()["client_id"]
    assert client.put(f"/api/v1/developer_keys/{client_id}", json={"developer_key": {"event": "deactivate"}}, headers=ADMIN).json()["workflow_state"] == "inactive"
    assert client.put(f"/api/lti/registrations/{reg_id}/configuration", json=body, headers=auth).json() == {"errorMessage": "Unknown or inactive Developer Key"}
    assert client.put(f"/api/v1/developer_keys/{client_id}", json={"developer_key": {"event": "explode"}}, headers=ADMIN).status_code == 400


def test_concurrent_accepts_apply_once(world):
    client, reg_id, auth, body = world
    client.put(f"/api/lti/registrations/{reg_id}/configuration", json=dict(body, client_name="Once"), headers=auth)
    ur = client.get(admin_path(reg_id), headers=ADMIN).json()["pending_update"]["id"]
    with ThreadPoolExecutor(4) as pool:
        statuses = sorted(pool.map(lambda _: client.put(admin_path(reg_id, f"/update_requests/{ur}/apply"), json={"accepted": True}, headers=ADMIN).status_code, range(4)))
    assert statuses == [200, 422, 422, 422]
    assert len(client.get(admin_path(reg_id, "/history"), headers=ADMIN).json()) == 1


def test_overlay_application():
    config = {"title": "T", "scopes": ["a", "b"], "placements": [{"placement": "course_navigation", "enabled": True, "text": "x"}]}
    out = updates.apply_overlay(config, {"title": "N", "disabled_scopes": ["a"], "disabled_placements": ["course_navigation"],
                                         "placements": {"course_navigation": {"text": "y"}, "editor_button": {"text": "z"}}}, set())
    assert out["title"] == "N" and out["scopes"] == ["b"]
    assert out["placements"][0] == {"placement": "course_navigation", "enabled": False, "text": "y"}
    assert out["placements"][1]["placement"] == "editor_button"
    assert config["scopes"] == ["a", "b"], "the overlay must not change its input"
