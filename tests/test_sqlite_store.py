"""Served state survives restarts: ``lti-harness serve platform --db FILE`` and ``serve tool --db FILE``
keep their state in SQLite, so a server killed and started again with the same file still knows every
registration, key, course, score and signing key, and its ids continue instead of starting over."""

from __future__ import annotations

import os
import signal
import socket
import stat
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timezone
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from starlette.testclient import TestClient

from lti_harness import mock_platform
from lti_harness import mock_tool
from lti_harness.harness import dynreg, keys, servers
from lti_harness.harness.statedb import StateFileError
from lti_harness.mock_platform import sqlstore
from lti_harness.mock_platform.store import MemoryStore, User
from lti_harness.mock_tool.store import ToolState

from conftest import child_env, cli

ADMIN_TOKEN = "db-admin-token-0001"
ADMIN = {"Authorization": f"Bearer {ADMIN_TOKEN}"}
API_KEY = "tf_platform_dbtest"
TOOL_AUTH = {"Authorization": f"Bearer {API_KEY}"}
AGS = "https://purl.imsglobal.org/spec/lti-ags/scope/"
SCOPES = [f"{AGS}lineitem", f"{AGS}score", f"{AGS}result.readonly", dynreg.REG_SCOPE, dynreg.REG_READ_SCOPE]
ASSERTION_TYPE = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
START_TIMEOUT = 30  # a hang guard for a server process to come up, not a performance bound


# --- helpers ----------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_served(what: str, db: Path, port: int, log: Path) -> subprocess.Popen[bytes]:
    """``lti-harness serve WHAT --db DB`` on 127.0.0.1:PORT, once it answers."""
    extra = ["--admin-token", ADMIN_TOKEN] if what == "platform" else ["--api-key", API_KEY]
    with log.open("ab") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "lti_harness.harness.cli", "serve", what, "--db", str(db), "--port", str(port), "--log-level", "warning", *extra],
            stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT, env=child_env(),
        )
    probe = f"http://127.0.0.1:{port}" + ("/_mock/faults" if what == "platform" else "/health")
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise AssertionError(f"serve {what} exited {proc.returncode}: {log.read_text()}")
        try:
            if httpx.get(probe, timeout=1).status_code == 200:
                return proc
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    proc.kill()
    raise AssertionError(f"serve {what} did not answer within {START_TIMEOUT} s: {log.read_text()}")


def kill(proc: subprocess.Popen[bytes]) -> None:
    """SIGKILL: no shutdown code runs, so only what was already on disk survives."""
    proc.send_signal(signal.SIGKILL)
    proc.wait(10)


@pytest.fixture
def processes():
    started: list[subprocess.Popen[bytes]] = []
    yield started
    for proc in started:
        if proc.poll() is None:
            kill(proc)


def lti_token(client: httpx.Client, key: keys.KeyPair, client_id: str, scopes: list[str]) -> httpx.Response:
    token_url = f"{str(client.base_url).rstrip('/')}/login/oauth2/token"
    return client.post("/login/oauth2/token", data={
        "grant_type": "client_credentials", "client_assertion_type": ASSERTION_TYPE,
        "client_assertion": keys.client_assertion(key, client_id, token_url), "scope": " ".join(scopes)})


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def now_iso() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def score(user_lti_id: str, given: float) -> dict:
    return {"userId": user_lti_id, "scoreGiven": given, "scoreMaximum": 10, "activityProgress": "Completed",
            "gradingProgress": "FullyGraded", "timestamp": now_iso()}


# --- the acceptance: kill and restart the served mocks ---------------------------------


def test_served_platform_keeps_its_state_across_a_kill(tmp_path, serve, processes):
    tool_key = keys.generate()
    tool_url = serve(mock_tool.create_app(mock_tool.ToolConfig(signing_keys=[tool_key])))
    db, port, log = tmp_path / "state.sqlite", free_port(), tmp_path / "platform.log"
    processes.append(start_served("platform", db, port, log))
    with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=10) as c:
        reg_token = c.get("/api/lti/accounts/1/registration_token", headers=ADMIN).json()["token"]
        sent = dynreg.sample_registration(tool_url, f"{tool_url}/.well-known/jwks.json", scopes=SCOPES)
        answer = c.post("/api/lti/registrations", json=sent, headers=bearer(reg_token))
        assert answer.status_code == 200, answer.text
        client_id = answer.json()["client_id"]
        course = c.post("/api/v1/accounts/1/courses", json={"course": {"name": "Kept"}}, headers=ADMIN).json()
        installed = c.post(f"/api/v1/courses/{course['id']}/external_tools", json={"client_id": client_id}, headers=ADMIN)
        assert installed.status_code == 200, installed.text
        student = c.post("/api/v1/accounts/1/users", json={"user": {"name": "Student"}}, headers=ADMIN).json()
        enrolled = c.post(f"/api/v1/courses/{course['id']}/enrollments",
                          json={"enrollment": {"user_id": student["id"], "type": "StudentEnrollment"}}, headers=ADMIN)
        assert enrolled.status_code == 200, enrolled.text
        before = lti_token(c, tool_key, client_id, SCOPES)
        assert before.status_code == 200, before.text
        access = before.json()["access_token"]
        item = c.post(f"/api/lti/courses/{course['id']}/line_items", json={"label": "Quiz", "scoreMaximum": 10}, headers=bearer(access))
        assert item.status_code == 201, item.text
        item_url = item.json()["id"]
        assert c.post(f"{item_url}/scores", json=score(student["lti_user_id"], 4), headers=bearer(access)).status_code == 200
        registrations = c.get("/api/v1/accounts/1/lti_registrations", headers=ADMIN).json()
        keys_before = {k["id"] for k in c.get("/api/v1/accounts/1/developer_keys", headers=ADMIN).json()}
        ids_before = {int(client_id), course["id"], student["id"], *(int(k) for k in keys_before)}

    # a second server on the same file is refused while the first holds it
    second = cli("serve", "platform", "--db", str(db), "--port", str(free_port()), timeout=60)
    assert second.returncode == 2 and "in use" in second.stderr, second.stderr

    kill(processes[-1])
    processes.append(start_served("platform", db, port, log))
    with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=10) as c:
        # the signing key persisted: a token issued before the restart still verifies
        assert c.get(item_url, headers=bearer(access)).json()["label"] == "Quiz"
        # the tool registered before the restart gets a new token with its client assertion, and posts scores
        after = lti_token(c, tool_key, client_id, SCOPES)
        assert after.status_code == 200, after.text
        fresh = after.json()["access_token"]
        assert c.post(f"{item_url}/scores", json=score(student["lti_user_id"], 7), headers=bearer(fresh)).status_code == 200
        results = c.get(f"{item_url}/results", headers=bearer(fresh)).json()
        assert [(r["userId"], r["resultScore"]) for r in results] == [(student["lti_user_id"], 7)]
        assert c.get("/api/v1/accounts/1/lti_registrations", headers=ADMIN).json() == registrations
        # the used registration token stays used
        reused = c.post("/api/lti/registrations", json=sent, headers=bearer(reg_token))
        assert reused.status_code == 401 and "already been used" in reused.json()["errorMessage"]
        # ids continue: a new developer key never takes a number an earlier one had
        made = c.post("/api/v1/accounts/1/developer_keys", json={"developer_key": {"name": "after", "scopes": []}}, headers=ADMIN)
        assert made.status_code == 200, made.text
        assert int(made.json()["id"]) > max(ids_before)
        assert {k["id"] for k in c.get("/api/v1/accounts/1/developer_keys", headers=ADMIN).json()} == keys_before | {made.json()["id"]}


def test_served_tool_keeps_its_registrations_across_a_kill(tmp_path, processes):
    db, port, log = tmp_path / "tool.sqlite", free_port(), tmp_path / "tool.log"
    processes.append(start_served("tool", db, port, log))
    base = f"http://127.0.0.1:{port}"
    body = {"name": "Kept", "platformIssuer": "https://canvas.example.edu", "platformAuthorizationEndpoint": "https://canvas.example.edu/auth",
            "platformTokenEndpoint": "https://canvas.example.edu/token", "platformJwksUrl": "https://canvas.example.edu/jwks",
            "clientId": "10000000000042", "deploymentId": "1:abc"}
    with httpx.Client(base_url=base, timeout=10, headers=TOOL_AUTH) as c:
        made = [c.post("/v1/platform/lti/registrations", json=dict(body, clientId=str(n), name=f"Kept {n}")) for n in range(3)]
        assert [m.status_code for m in made] == [201, 201, 201]
        first, gone, renamed = (m.json()["id"] for m in made)
        assert c.delete(f"/v1/platform/lti/registrations/{gone}").status_code == 200
        updated = c.put(f"/v1/platform/lti/registrations/{renamed}", json={"name": "Renamed"}).json()
        listing = c.get("/v1/platform/lti/registrations").json()
        jwks = c.get("/.well-known/jwks.json").json()

    kill(processes[-1])
    processes.append(start_served("tool", db, port, log))
    with httpx.Client(base_url=base, timeout=10, headers=TOOL_AUTH) as c:
        assert c.get("/v1/platform/lti/registrations").json() == listing  # same items, same order
        assert c.get(f"/v1/platform/lti/registrations/{renamed}").json() == updated
        assert c.get(f"/v1/platform/lti/registrations/{gone}").status_code == 404
        assert c.get("/.well-known/jwks.json").json() == jwks  # the signing keys persisted
        assert c.post("/v1/platform/lti/registrations", json=dict(body, clientId="0")).status_code == 409  # still a duplicate
        again = c.put(f"/v1/platform/lti/registrations/{first}", json={"name": "Later"}).json()
        assert again["updatedAt"] > updated["updatedAt"]


# --- in-process: every piece of state round-trips, concurrency holds, the file is guarded ---------


def test_every_memory_store_attribute_is_saved_or_named():
    """A new piece of state added to the in-memory store must be saved by the SQLite store (or named as not state)."""
    assert set(vars(MemoryStore())) == set(sqlstore.SAVED) | set(sqlstore.NOT_SAVED)


def _platform_client(db: Path) -> TestClient:
    return TestClient(mock_platform.create_app(mock_platform.PlatformConfig(admin_token=ADMIN_TOKEN, db=str(db))), base_url="http://127.0.0.1:8000")


def _close(client: TestClient) -> None:
    client.close()
    client.app.state.platform.store.close()


def test_reopened_file_holds_the_same_state(tmp_path, serve):
    """Registrations with an applied update and its history, flags, API and LTI keys, user tokens and
    codes, courses with deployments, LTI 1.1 tools, users, enrolments, line items and results: all read
    back equal after the file is closed and opened again."""
    tool_key = keys.generate()
    tool_url = serve(mock_tool.create_app(mock_tool.ToolConfig(signing_keys=[tool_key])))
    db = tmp_path / "state.sqlite"
    c = _platform_client(db)
    reg_token = c.get("/api/lti/accounts/1/registration_token", headers=ADMIN).json()["token"]
    sent = dynreg.sample_registration(tool_url, f"{tool_url}/.well-known/jwks.json", scopes=SCOPES)
    client_id = c.post("/api/lti/registrations", json=sent, headers=bearer(reg_token)).json()["client_id"]
    access = lti_token(c, tool_key, client_id, SCOPES).json()["access_token"]
    reg_id = c.get("/api/v1/accounts/1/lti_registrations", headers=ADMIN).json()[0]["id"]
    assert c.put(f"/api/lti/registrations/{reg_id}/configuration", json=dict(sent, client_name="Renamed"), headers=bearer(access)).status_code == 200
    pending = c.get(f"/api/v1/accounts/1/lti_registrations/{reg_id}", headers=ADMIN).json()["pending_update"]["id"]
    applied = c.put(f"/api/v1/accounts/1/lti_registrations/{reg_id}/update_requests/{pending}/apply", json={"accepted": True, "comment": "ok"}, headers=ADMIN)
    assert applied.status_code == 200
    assert c.put("/api/v1/accounts/1/features/flags/lti_dr_registrations_update", json={"state": "off"}, headers=ADMIN).status_code == 200
    api_key = c.post("/api/v1/accounts/1/developer_keys", json={"developer_key": {
        "name": "api", "scopes": ["url:GET|/api/v1/courses/:id"], "redirect_uris": ["https://app.example/cb"]}}, headers=ADMIN).json()
    for _ in range(2):  # the first code is exchanged for a user token, the second stays stored
        got = c.get("/login/oauth2/auth", params={"client_id": api_key["id"], "response_type": "code", "redirect_uri": "https://app.example/cb",
                                                 "scope": "url:GET|/api/v1/courses/:id"}, headers=ADMIN, follow_redirects=False)
        code = parse_qs(urlsplit(got.headers["location"]).query)["code"][0]
    user_token = c.post("/login/oauth2/token", data={"grant_type": "authorization_code", "client_id": api_key["id"],
                                                      "client_secret": api_key["api_key"], "code": code})
    assert user_token.status_code == 200, user_token.text
    course = c.post("/api/v1/accounts/1/courses", json={"course": {"name": "C"}}, headers=ADMIN).json()["id"]
    c.post(f"/api/v1/courses/{course}/external_tools", json={"client_id": client_id}, headers=ADMIN)
    legacy = c.post(f"/api/v1/courses/{course}/external_tools", json={"consumer_key": "ck", "shared_secret": "ss"}, headers=ADMIN).json()["id"]
    student = c.post("/api/v1/accounts/1/users", json={"user": {"name": "S"}}, headers=ADMIN).json()
    c.post(f"/api/v1/courses/{course}/enrollments", json={"enrollment": {"user_id": student["id"]}}, headers=ADMIN)
    assignment = c.post(f"/api/v1/courses/{course}/assignments", json={"assignment": {"name": "A", "points_possible": 10,
                        "external_tool_tag_attributes": {"content_id": client_id}}}, headers=ADMIN).json()
    scored = c.post(f"/api/lti/courses/{course}/line_items/{assignment['id']}/scores", json=score(student["lti_user_id"], 9), headers=bearer(access))
    assert scored.status_code == 200, scored.text
    before = c.app.state.platform.store._rows()
    secret, kid = c.app.state.platform.secret, c.app.state.platform.signing_key.kid
    _close(c)

    c = _platform_client(db)
    try:
        assert c.app.state.platform.store._rows() == before
        assert (c.app.state.platform.secret, c.app.state.platform.signing_key.kid) == (secret, kid)
        assert c.app.state.legacy_tools == {str(legacy): course}
        assert c.get(f"/api/v1/courses/{course}", headers=bearer(user_token.json()["access_token"])).status_code == 200
        history = c.get(f"/api/v1/accounts/1/lti_registrations/{reg_id}/history", headers=ADMIN).json()
        assert [h["comment"] for h in history] == ["ok"]
    finally:
        _close(c)


def test_concurrent_requests_keep_one_winner_with_the_database(tmp_path, serve):
    """One registration token used by four concurrent registrations, four concurrent accepts of one
    update: exactly one succeeds, and the file holds exactly that."""
    tool_key = keys.generate()
    tool_url = serve(mock_tool.create_app(mock_tool.ToolConfig(signing_keys=[tool_key])))
    db = tmp_path / "state.sqlite"
    app = mock_platform.create_app(mock_platform.PlatformConfig(admin_token=ADMIN_TOKEN, db=str(db)))
    server = servers.start(app)
    try:
        with httpx.Client(base_url=server.url, timeout=10) as c:
            reg_token = c.get("/api/lti/accounts/1/registration_token", headers=ADMIN).json()["token"]
            sent = dynreg.sample_registration(tool_url, f"{tool_url}/.well-known/jwks.json", scopes=SCOPES)
            with ThreadPoolExecutor(4) as pool:
                answers = list(pool.map(lambda _: c.post("/api/lti/registrations", json=sent, headers=bearer(reg_token)), range(4)))
            assert sorted(a.status_code for a in answers) == [200, 401, 401, 401]
            client_id = next(a.json()["client_id"] for a in answers if a.status_code == 200)
            access = lti_token(c, tool_key, client_id, SCOPES).json()["access_token"]
            reg_id = c.get("/api/v1/accounts/1/lti_registrations", headers=ADMIN).json()[0]["id"]
            c.put(f"/api/lti/registrations/{reg_id}/configuration", json=dict(sent, client_name="Once"), headers=bearer(access))
            pending = c.get(f"/api/v1/accounts/1/lti_registrations/{reg_id}", headers=ADMIN).json()["pending_update"]["id"]
            apply = f"/api/v1/accounts/1/lti_registrations/{reg_id}/update_requests/{pending}/apply"
            with ThreadPoolExecutor(4) as pool:
                statuses = sorted(pool.map(lambda _: c.put(apply, json={"accepted": True}, headers=ADMIN).status_code, range(4)))
            assert statuses == [200, 422, 422, 422]
    finally:
        server.stop()
        app.state.platform.store.close()
    reopened = sqlstore.SqliteStore(db)
    try:
        [reg] = reopened.registrations()
        assert reg.client_id == client_id and len(reg.history) == 1 and reg.configuration["client_name"] == "Once"
    finally:
        reopened.close()


def test_concurrent_duplicate_tool_registrations_keep_one_winner(tmp_path):
    db = tmp_path / "tool.sqlite"
    app = mock_tool.create_app(mock_tool.ToolConfig(api_key=API_KEY, db=str(db)))
    server = servers.start(app)
    body = {"name": "Dup", "platformIssuer": "https://canvas.example.edu", "platformAuthorizationEndpoint": "https://canvas.example.edu/auth",
            "platformTokenEndpoint": "https://canvas.example.edu/token", "platformJwksUrl": "https://canvas.example.edu/jwks", "clientId": "7"}
    try:
        with httpx.Client(base_url=server.url, timeout=10, headers=TOOL_AUTH) as c, ThreadPoolExecutor(4) as pool:
            statuses = sorted(pool.map(lambda _: c.post("/v1/platform/lti/registrations", json=body).status_code, range(4)))
        assert statuses == [201, 409, 409, 409]
    finally:
        server.stop()
    state = _reopen_tool(app, db)
    try:
        assert [r["clientId"] for r in state.registrations.items.values()] == ["7"]
    finally:
        state.close()


def _reopen_tool(app, db: Path) -> ToolState:
    """Close the tool app's state file and open it again."""
    app.state.state_file.close()
    return ToolState(db)


def test_state_file_is_private_exclusive_and_typed(tmp_path):
    db = tmp_path / "state.sqlite"
    store = sqlstore.SqliteStore(db)
    try:
        store.add_user(User(id=store.next_id(), name="u", lti_id="x"))
        store.flush()
        for made in (db, db.with_name(db.name + "-wal")):  # it holds private keys
            assert not made.exists() or stat.S_IMODE(os.stat(made).st_mode) == 0o600, made
        with pytest.raises(StateFileError, match="in use"):
            sqlstore.SqliteStore(db)
    finally:
        store.close()
    with pytest.raises(StateFileError, match="mock platform"):
        ToolState(db)  # a platform's file is no tool's
    junk = tmp_path / "junk.sqlite"
    junk.write_bytes(b"not a database at all" * 100)
    with pytest.raises(StateFileError, match="not a usable state file"):
        sqlstore.SqliteStore(junk)


def test_a_change_that_cannot_be_saved_is_not_answered_as_done(tmp_path, monkeypatch):
    db = tmp_path / "state.sqlite"
    c = _platform_client(db)
    store = c.app.state.platform.store
    real_sync = store.file.sync

    def broken(rows):
        raise StateFileError("cannot write: disk full")

    monkeypatch.setattr(store.file, "sync", broken)
    refused = c.post("/api/v1/accounts/1/courses", json={"course": {"name": "Lost?"}}, headers=ADMIN)
    assert refused.status_code == 503 and refused.json() == {"errors": [{"message": "The state could not be saved."}]}
    monkeypatch.setattr(store.file, "sync", real_sync)
    assert c.get("/_mock/faults").status_code == 200  # the next answer saves what is pending
    _close(c)
    reopened = sqlstore.SqliteStore(db)
    try:
        assert [course.name for course in reopened.courses()] == ["Lost?"]
    finally:
        reopened.close()
