"""Good manners on a target: flags restored to the state they had, changes listed, and ``--cleanup``
removing what a run created (developer keys, registrations, courses), against embedded and served mocks."""

from __future__ import annotations

import secrets
from pathlib import Path

import httpx
import pytest

from lti_harness import mock_platform
from conftest import cli, write_profile
from lti_harness.harness import cleanup
from lti_harness.harness.session import open_session

FLAG = "lti_dr_registrations_update"
# a registration per check, a flag switched off and on (UPD-009), a key deactivated and activated again (UPD-013)
CHECKS = ["--check", "UPD-001", "--check", "UPD-009", "--check", "UPD-013"]


def _admin(base_url: str, token: str) -> httpx.Client:
    return httpx.Client(base_url=base_url, headers={"Authorization": f"Bearer {token}"}, timeout=10)


def _flag(admin: httpx.Client) -> str:
    return admin.get(f"/api/v1/accounts/1/features/flags/{FLAG}").json()["state"]


def _live_keys(admin: httpx.Client) -> set[str]:
    return {str(k["id"]) for k in admin.get("/api/v1/accounts/1/developer_keys").json()}


@pytest.fixture
def served(serve, tmp_path: Path):
    """A mock platform served on loopback, an admin client for it, and a profile pointing at it."""
    token = secrets.token_urlsafe(16)
    base = serve(mock_platform.create_app(mock_platform.PlatformConfig(admin_token=token)))
    profile = write_profile(tmp_path / "target.toml", base)
    with _admin(base, token) as admin:
        yield admin, profile, {"LTI_TEST_ADMIN_TOKEN": token}


def _run(tmp_path: Path, profile: Path, env: dict[str, str], *extra: str):
    out = tmp_path / f"out-{len(list(tmp_path.iterdir()))}"
    proc = cli("run", "--profile", str(profile), "--suite", "update_approval", *CHECKS, "--examples", "2",
               "--report-dir", str(out), *extra, env=env, cwd=tmp_path)
    import json

    return proc, json.loads((out / "summary.json").read_text(encoding="utf-8"))


def test_cleanup_run_removes_its_keys_and_restores_a_flag_that_was_off(served, tmp_path):
    admin, profile, env = served
    assert admin.put(f"/api/v1/accounts/1/features/flags/{FLAG}", json={"state": "off"}).status_code == 200
    before = _live_keys(admin)
    proc, summary = _run(tmp_path, profile, env, "--cleanup")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    outcomes = {c["id"]: c["outcome"] for c in summary["checks"]}
    assert outcomes == dict.fromkeys(["UPD-001", "UPD-009", "UPD-013"], "passed"), outcomes  # the suite switched it on for itself
    assert _flag(admin) == "off", "the flag was off before the run and is not off after it"
    assert _live_keys(admin) == before, "developer keys the run created are still live after --cleanup"
    registrations = [c for c in summary["created_on_target"] if c.startswith("an LTI registration")]
    assert registrations and all("deleted" in c for c in registrations), summary["created_on_target"]
    assert summary["cleanup"] == {"undone": len(summary["created_on_target"]), "left": []}
    changed = " | ".join(summary["changed_on_target"])
    assert f"feature flag {FLAG}" in changed and "restored to 'off'" in changed, changed
    assert "deactivated during the run" in changed, changed  # UPD-013's key, listed
    assert "cleanup:" in proc.stdout and "changed on the target" in proc.stdout


def test_without_cleanup_the_keys_remain_and_the_flag_is_as_before(served, tmp_path):
    admin, profile, env = served
    before = _live_keys(admin)
    assert _flag(admin) == "on"
    proc, summary = _run(tmp_path, profile, env)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    made = _live_keys(admin) - before
    listed = {c.split("client_id ", 1)[1].split(")", 1)[0] for c in summary["created_on_target"] if c.startswith("an LTI registration")}
    assert listed and listed <= made, f"the registrations' keys {listed} are not all live: {made}"
    assert _flag(admin) == "on" and "cleanup" not in summary
    assert any("it is 'on' again, as before the run" in c for c in summary["changed_on_target"]), summary["changed_on_target"]


def test_embedded_session_cleanup_and_what_is_left():
    """In process, against the embedded mocks: what finish() removes, restores, keeps and lists."""
    session = open_session(None)
    try:
        adapter, platform = session.adapter, session.platform
        assert platform is not None
        admin = _admin(platform.base_url, platform.admin_token)
        key = str(adapter.create_developer_key({"name": "k", "scopes": [], "require_scopes": False})["id"])
        kept = str(adapter.create_developer_key({"name": "k2", "scopes": [], "require_scopes": False})["id"])
        course = str(adapter.create_course("c")["id"])
        gone_course = str(adapter.create_course("c2")["id"])
        adapter.set_course_state(gone_course, "delete")  # deleted by the run itself: not deleted twice
        adapter.create_user("Harness Student")
        adapter.set_feature_flag(FLAG, False)
        adapter.set_developer_key_active(kept, False)
        outcome = cleanup.finish(session, undo=True)
        assert _flag(admin) == "on", "the flag was on before and is not restored"
        assert not {key, kept} & _live_keys(admin)
        assert admin.get(f"/api/v1/courses/{course}").status_code == 404
        assert outcome.undone == 4 and len(outcome.left) == 1 and "a user" in outcome.left[0] and "left" in outcome.left[0]
        assert any("restored to 'on'" in line for line in session.changed) and any(kept in line for line in session.changed)
        assert session.cleanup == {"undone": 4, "left": outcome.left}
        assert all(" — " in line for line in session.created)  # every created object says what became of it
        admin.close()
    finally:
        session.close()


def test_embedded_session_without_undo_keeps_objects_and_names_a_key_left_off():
    session = open_session(None)
    try:
        adapter, platform = session.adapter, session.platform
        assert platform is not None
        admin = _admin(platform.base_url, platform.admin_token)
        key = str(adapter.create_developer_key({"name": "k", "scopes": [], "require_scopes": False})["id"])
        adapter.set_developer_key_active(key, False)
        adapter.set_feature_flag(FLAG, "off")
        created = list(session.created)
        cleanup.finish(session, undo=False)
        assert key in _live_keys(admin) and session.created == created and session.cleanup is None
        assert _flag(admin) == "on"  # flags are restored with or without --cleanup
        assert f"developer key {key}: deactivated by the run and left deactivated" in session.changed
        admin.close()
    finally:
        session.close()


def test_cleanup_without_an_adapter_lists_everything_as_left():
    session = open_session(None)
    try:
        session.note_created("a thing")
        out = cleanup.finish(session, undo=True)
        assert out.left == ["a thing — not undone: no admin adapter was used in this run"] and out.undone == 0
    finally:
        session.close()
