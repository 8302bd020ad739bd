"""The mock platform's admin pages over plain HTTP: sign in and out, the session cookie, CSRF on every
form, no admin token in any page or URL, every page reachable from the index, and decisions taken
through a page equal to the same decisions taken through the admin API."""

from __future__ import annotations

import html
import json
import os
import re
import select
import socket
import subprocess
import sys
import time
from html.parser import HTMLParser
from typing import Any, Iterator
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from admin_pages_world import (
    ADDED_SCOPES, ADMIN, ADMIN_TOKEN, FIRST_SCOPES, NEW_NAME, OLD_NAME, World, csrf_of, make_world, register, sign_in,
)
from conftest import child_env
from lti_harness.mock_platform import admin_sessions
from lti_harness.vocab import LINEITEM_SCOPE, SCORE_SCOPE

MINUS = "\u2212"


class _Links(HTMLParser):
    """The links and forms of a page."""

    def __init__(self) -> None:
        super().__init__()
        self.links: list[str] = []
        self.forms: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        if tag == "a" and found.get("href"):
            self.links.append(str(found["href"]))
        if tag == "form":
            self.forms.append(str(found.get("action")))


def _parse(page: str) -> _Links:
    parser = _Links()
    parser.feed(page)
    return parser


def _browser(world: World) -> httpx.Client:
    return httpx.Client(base_url=world.url, timeout=10)


def _signed_in(world: World) -> httpx.Client:
    client = _browser(world)
    answer = sign_in(client)
    assert answer.status_code == 303 and answer.headers["location"] == "/admin"
    return client


def _cookie_header(answer: httpx.Response) -> str:
    found = [c for c in answer.headers.get_list("set-cookie") if c.startswith(admin_sessions.COOKIE + "=")]
    assert len(found) == 1, answer.headers.get_list("set-cookie")
    return found[0]


def _state(world: World) -> dict[str, Any]:
    """Everything a decision or a key switch could change, read through the admin API."""
    reg = world.client.get(world.admin(), headers=ADMIN).json()
    keys = world.client.get("/api/v1/accounts/1/developer_keys", headers=ADMIN).json()
    return {"registration": reg, "history": world.history(), "keys": keys}


def _crawl(client: httpx.Client, start: str = "/admin") -> dict[str, httpx.Response]:
    """Every /admin page reachable by links from ``start`` (bounded)."""
    seen: dict[str, httpx.Response] = {}
    todo = [start]
    while todo and len(seen) < 50:
        path = todo.pop()
        if path in seen:
            continue
        answer = client.get(path)
        seen[path] = answer
        for link in _parse(answer.text).links:
            target = link.split("?", 1)[0]
            if target.startswith("/admin") and target not in seen:
                todo.append(target)
    return seen


# ---- sign in, the cookie, sign out ----------------------------------------------------------------


def test_pages_need_sign_in_and_the_cookie_is_strict_and_opaque(serve):
    world = make_world(serve)
    client = _browser(world)
    for path in ("/admin", "/admin/registrations", f"/admin/registrations/{world.reg_id}", "/admin/developer_keys", "/admin/registration_token"):
        answer = client.get(path)
        assert answer.status_code == 303 and answer.headers["location"] == "/admin/login", path
    form = client.get("/admin/login")
    assert form.status_code == 200 and 'type="password"' in form.text and '<label for="admin_token">' in form.text
    before = _cookie_header(form)
    answer = client.post("/admin/login", data={"csrf_token": csrf_of(form.text), "admin_token": ADMIN_TOKEN})
    assert answer.status_code == 303
    cookie = _cookie_header(answer)
    attributes = {part.strip().split("=", 1)[0].lower(): part.strip() for part in cookie.split(";")[1:]}
    assert "httponly" in attributes and attributes["samesite"].lower() == "samesite=strict" and attributes["path"] == "Path=/admin"
    value = cookie.split(";", 1)[0].split("=", 1)[1]
    assert ADMIN_TOKEN not in cookie and len(value) >= 32
    assert value != before.split(";", 1)[0].split("=", 1)[1], "signing in must start a new session id"
    index = client.get("/admin")
    assert index.status_code == 200 and "<h1>Mock Canvas admin</h1>" in index.text
    assert client.get("/admin/login").headers.get("location") == "/admin"


def test_a_wrong_token_or_a_missing_csrf_token_does_not_sign_in(serve):
    world = make_world(serve)
    client = _browser(world)
    wrong = sign_in(client, "not-the-token")
    assert wrong.status_code == 401 and "not the admin token" in wrong.text and "not-the-token" not in wrong.text
    assert client.get("/admin").status_code == 303
    client.get("/admin/login")
    no_csrf = client.post("/admin/login", data={"admin_token": ADMIN_TOKEN})
    assert no_csrf.status_code == 403 and client.get("/admin").status_code == 303
    fresh = _browser(world)  # no session cookie at all: a cross-site sign-in attempt
    assert fresh.post("/admin/login", data={"admin_token": ADMIN_TOKEN, "csrf_token": "x" * 43}).status_code == 403


def test_sign_out_ends_the_session_and_its_old_cookie_stays_dead(serve):
    world = make_world(serve)
    client = _signed_in(world)
    old = client.cookies.get(admin_sessions.COOKIE)
    page = client.get("/admin")
    assert client.post("/admin/logout", data={}).status_code == 403  # without the CSRF token nothing happens
    assert client.get("/admin").status_code == 200
    out = client.post("/admin/logout", data={"csrf_token": csrf_of(page.text)})
    assert out.status_code == 303 and out.headers["location"] == "/admin/login"
    assert 'max-age=0' in _cookie_header(out).lower() or "expires=" in _cookie_header(out).lower()
    replay = _browser(world)
    replay.cookies.set(admin_sessions.COOKIE, old)
    assert replay.get("/admin").status_code == 303


# ---- CSRF on every state change -------------------------------------------------------------------


def _posts(world: World, update_id: int) -> list[tuple[str, dict[str, Any]]]:
    """Every state-changing form of the pages, with the fields its page sends (CSRF token aside)."""
    return [
        (f"/admin/registrations/{world.reg_id}/update_requests/{update_id}", {"decision": "accept", "scope": FIRST_SCOPES}),
        (f"/admin/registrations/{world.reg_id}/update_requests/{update_id}", {"decision": "ignore", "comment": "no"}),
        (f"/admin/developer_keys/{world.client_id}/state", {"event": "deactivate"}),
        (f"/admin/developer_keys/{world.client_id}/binding", {"workflow_state": "off"}),
        ("/admin/registration_token", {}),
    ]


def test_every_form_post_without_the_sessions_csrf_token_is_refused_and_changes_nothing(serve):
    world = make_world(serve)
    update_id = world.submit_update()
    client = _signed_in(world)
    other = _signed_in(world)  # another browser's session: its token is not this session's
    other_token = csrf_of(other.get("/admin").text)
    before = _state(world)
    for path, fields in _posts(world, update_id):
        for csrf in (None, "", "forged-token", other_token):
            data = dict(fields, **({} if csrf is None else {"csrf_token": csrf}))
            answer = client.post(path, data=data)
            assert answer.status_code == 403, (path, csrf, answer.status_code)
            assert "Nothing was changed" in answer.text and "registration_token=" not in answer.text
        as_json = client.post(path, json=dict(fields, csrf_token=csrf_of(client.get("/admin").text)))
        assert as_json.status_code == 403, path  # only the pages' own url-encoded forms
    assert _state(world) == before
    assert other.post("/admin/logout", data={"csrf_token": other_token}).status_code == 303


def test_state_changes_are_post_only(serve):
    world = make_world(serve)
    update_id = world.submit_update()
    client = _signed_in(world)
    before = _state(world)
    path = f"/admin/registrations/{world.reg_id}/update_requests/{update_id}"
    assert client.get(path, params={"decision": "accept", "csrf_token": csrf_of(client.get("/admin").text)}).status_code == 200
    for method, target in (("PUT", path), ("DELETE", path), ("GET", "/admin/logout"), ("GET", f"/admin/developer_keys/{world.client_id}/state")):
        assert client.request(method, target).status_code == 405, (method, target)
    assert _state(world) == before


# ---- no secret in pages, every page linked ---------------------------------------------------------


def test_every_page_is_linked_from_the_index_and_none_shows_the_admin_token(serve):
    world = make_world(serve)
    update_id = world.submit_update()
    client = _signed_in(world)
    pages = _crawl(client)
    expected = {"/admin", "/admin/registrations", f"/admin/registrations/{world.reg_id}",
                f"/admin/registrations/{world.reg_id}/update_requests/{update_id}", "/admin/developer_keys", "/admin/registration_token"}
    assert expected <= set(pages), sorted(expected - set(pages))
    for path, answer in pages.items():
        assert answer.status_code == 200, path
        assert answer.headers["content-type"].startswith("text/html") and answer.headers["cache-control"] == "no-store"
        assert "frame-ancestors 'none'" in answer.headers["content-security-policy"]
        assert ADMIN_TOKEN not in answer.text and ADMIN_TOKEN not in str(answer.url), path
        assert re.search(r"<h1>[^<]+</h1>", answer.text), path
        forms = _parse(answer.text).forms
        assert answer.text.count('name="csrf_token"') == len(forms) >= 1, path  # every form carries it (sign-out at least)
        assert all(f"<label for=\"{i}\"" in answer.text for i in re.findall(r'<input type="text" id="([^"]+)"', answer.text)), path
    token_page = client.post("/admin/registration_token", data={"csrf_token": csrf_of(pages["/admin"].text)})
    assert ADMIN_TOKEN not in token_page.text
    for answer in (sign_in(_browser(world)), client.get("/admin/login")):
        assert ADMIN_TOKEN not in answer.text and ADMIN_TOKEN not in answer.headers.get("location", "")
        assert all(ADMIN_TOKEN not in c for c in answer.headers.get_list("set-cookie"))


def test_the_update_page_shows_the_diff_marked_with_plus_and_minus(serve):
    world = make_world(serve)
    update_id = world.submit_update()
    page = _signed_in(world).get(f"/admin/registrations/{world.reg_id}/update_requests/{update_id}").text
    rows = {re.sub(r"<[^>]+>", "", m.group(1)): m.group(0) for m in re.finditer(r'<tr class="[a-z]+"><th scope="row" class="what">(.*?)</th>.*?</tr>', page)}
    name = rows["Name"]
    assert 'class="changed"' in name
    assert re.search(rf'side-current"><span class="mark">{MINUS}</span> <code>{OLD_NAME}</code>', name)
    assert re.search(rf'side-requested"><span class="mark">\+</span> <code>{NEW_NAME}</code>', name)
    for scope in ADDED_SCOPES:
        row = rows[scope.rsplit("/scope/", 1)[1]]
        assert 'class="added"' in row and re.search(rf'side-requested"><span class="mark">\+</span> <code>{re.escape(scope)}</code>', row)
    assert 'class="added"' in rows["account_navigation"] and 'class="changed"' in rows["harness"] and 'class="added"' in rows["course"]
    assert "Scopes: 2 added" in page


# ---- a decision through the page is the API's --------------------------------------------------------


def _normal(value: Any, world: World) -> Any:
    """``value`` with the world's own URLs and every timestamp blanked, to compare two worlds."""
    text = json.dumps(value, sort_keys=True)
    tool = world.body["initiate_login_uri"].split("://", 1)[1].split("/", 1)[0]  # host:port, in URLs and the domain
    text = text.replace(tool, "TOOL").replace(world.url.split("://", 1)[1], "PLATFORM")
    text = re.sub(r'"(created_at|accepted_at|rejected_at|updated_at)": "[^"]+"', r'"\1": "T"', text)
    return json.loads(text)


def _decision_outcome(world: World, update_id: int) -> dict[str, Any]:
    granted = world.token([*FIRST_SCOPES, *ADDED_SCOPES])
    request = world.client.get(world.admin(f"/update_requests/{update_id}"), headers=ADMIN).json()
    return _normal({**_state(world), "request": request, "all_scopes": [granted.status_code, granted.json().get("error")]}, world)


PAGE_CHOICES = {
    "scope": [*FIRST_SCOPES, LINEITEM_SCOPE],  # SCORE unticked
    "disabled_placement": ["account_navigation"],
    "placement_text.course_navigation": "Grades",
    "title": "Helper (approved)",
    "comment": "score withheld for now",
}
API_OVERLAY = {
    "disabled_scopes": [SCORE_SCOPE],
    "disabled_placements": ["account_navigation"],
    "placements": {"course_navigation": {"text": "Grades"}},
    "title": "Helper (approved)",
}


@pytest.mark.parametrize("decision", ["accept", "ignore"])
@pytest.mark.parametrize("faults", [(), ("ignore-overlay-disabled-scopes",), ("reject-applies-anyway",)], ids=["no-fault", "overlay-fault", "reject-fault"])
def test_a_decision_through_the_page_equals_the_same_decision_through_the_api(serve, decision, faults):
    by_page, by_api = make_world(serve, faults=set(faults)), make_world(serve, faults=set(faults))
    page_id, api_id = by_page.submit_update(), by_api.submit_update()
    assert page_id == api_id
    client = _signed_in(by_page)
    path = f"/admin/registrations/{by_page.reg_id}/update_requests/{page_id}"
    form = dict(PAGE_CHOICES, decision=decision, csrf_token=csrf_of(client.get(path).text))
    answer = client.post(path, data=form)
    assert answer.status_code == 303 and answer.headers["location"] == f"/admin/registrations/{by_page.reg_id}?decided={page_id}"
    assert f"was {'applied' if decision == 'accept' else 'ignored'}" in client.get(answer.headers["location"]).text  # the request's stored state
    body: dict[str, Any] = {"accepted": decision == "accept", "comment": PAGE_CHOICES["comment"]}
    if decision == "accept":
        body["overlay"] = API_OVERLAY
    assert by_api.client.put(by_api.admin(f"/update_requests/{api_id}/apply"), json=body, headers=ADMIN).status_code == 200
    assert _decision_outcome(by_page, page_id) == _decision_outcome(by_api, api_id)
    if decision == "accept" and not faults:
        assert by_page.token([SCORE_SCOPE]).json()["error"] == "invalid_scope"
        assert SCORE_SCOPE not in by_page.key_scopes() and LINEITEM_SCOPE in by_page.key_scopes()
        entry = by_page.history()[0]
        assert entry["comment"] == PAGE_CHOICES["comment"] and entry["created_by"]["id"] == 1
        assert entry["new_configuration"]["overlay"] == API_OVERLAY


@pytest.mark.parametrize("situation", ["flag-off", "already-decided"])
def test_a_refused_decision_is_refused_on_the_page_as_by_the_api(serve, situation):
    world = make_world(serve)
    update_id = world.submit_update()
    client = _signed_in(world)
    path = f"/admin/registrations/{world.reg_id}/update_requests/{update_id}"
    if situation == "flag-off":
        flag = "/api/v1/accounts/1/features/flags/lti_dr_registrations_update"
        assert world.client.put(flag, json={"state": "off"}, headers=ADMIN).status_code == 200
        assert "applying will be refused" in client.get(path).text
    else:
        assert world.client.put(world.admin(f"/update_requests/{update_id}/apply"), json={"accepted": False}, headers=ADMIN).status_code == 200
        assert "can no longer be accepted or ignored" in client.get(path).text
    before = _state(world)
    api = world.client.put(world.admin(f"/update_requests/{update_id}/apply"), json={"accepted": True}, headers=ADMIN)
    page = client.post(path, data={"decision": "accept", "scope": FIRST_SCOPES, "csrf_token": csrf_of(client.get("/admin").text)})
    assert page.status_code == api.status_code in (404, 422)
    assert api.json()["errors"][0]["message"] in page.text.replace("&#x27;", "'")
    assert _state(world) == before


# ---- developer keys and the registration token ------------------------------------------------------


def test_developer_keys_are_switched_off_and_on_through_their_forms(serve):
    world = make_world(serve)
    client = _signed_in(world)
    page = client.get("/admin/developer_keys")
    assert world.client_id in page.text and "api_key" not in page.text
    csrf = csrf_of(page.text)
    assert client.post(f"/admin/developer_keys/{world.client_id}/state", data={"csrf_token": csrf, "event": "deactivate"}).status_code == 303
    key = next(k for k in _state(world)["keys"] if k["id"] == world.client_id)
    assert key["workflow_state"] == "inactive"
    assert world.token(FIRST_SCOPES).status_code in (400, 401)
    assert client.post(f"/admin/developer_keys/{world.client_id}/state", data={"csrf_token": csrf, "event": "activate"}).status_code == 303
    assert world.token(FIRST_SCOPES).status_code == 200
    assert client.post(f"/admin/developer_keys/{world.client_id}/binding", data={"csrf_token": csrf, "workflow_state": "off"}).status_code == 303
    key = next(k for k in _state(world)["keys"] if k["id"] == world.client_id)
    assert key["developer_key_account_binding"]["workflow_state"] == "off"
    assert client.post(f"/admin/developer_keys/{world.client_id}/binding", data={"csrf_token": csrf, "workflow_state": "sideways"}).status_code == 400
    assert client.post("/admin/developer_keys/424242/state", data={"csrf_token": csrf, "event": "activate"}).status_code == 404


def test_the_registration_token_button_issues_a_working_openid_configuration_url(serve):
    world = make_world(serve)
    client = _signed_in(world)
    page = client.get("/admin/registration_token")
    assert "registration_token=" not in page.text  # a GET issues nothing
    issued = client.post("/admin/registration_token", data={"csrf_token": csrf_of(page.text)})
    assert issued.status_code == 200 and issued.headers["cache-control"] == "no-store"
    url = re.search(r'id="oidc_configuration_url" readonly size="100" value="([^"]+)"', issued.text).group(1).replace("&amp;", "&")
    assert url.startswith(f"{world.url}/api/lti/security/openid-configuration?registration_token=")
    config = httpx.get(url, timeout=10)
    assert config.status_code == 200 and config.json()["registration_endpoint"] == f"{world.url}/api/lti/registrations"
    assert "shown only here and now" in issued.text


def test_unknown_things_are_404_pages(serve):
    world = make_world(serve)
    client = _signed_in(world)
    for path in ("/admin/registrations/424242", f"/admin/registrations/{world.reg_id}/update_requests/424242", "/admin/registrations/%C2%B2"):
        answer = client.get(path)
        assert answer.status_code == 404 and answer.headers["content-type"].startswith("text/html"), path


# ---- the README's walkthrough against `lti-harness serve platform` ------------------------------------


@pytest.fixture
def served_platform() -> Iterator[tuple[str, str]]:
    """``lti-harness serve platform`` on a free loopback port: (its URL, the admin-pages line it printed)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    proc = subprocess.Popen(
        [sys.executable, "-m", "lti_harness.harness.cli", "serve", "platform", "--port", str(port), "--admin-token", ADMIN_TOKEN,
         "--log-level", "warning"],
        stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, stdin=subprocess.DEVNULL, env=child_env(),
    )
    try:
        assert proc.stdout is not None
        printed, deadline = b"", time.monotonic() + 60
        while not re.search(rb"admin pages[^\n]*\n", printed):
            ready, _, _ = select.select([proc.stdout], [], [], max(0.0, deadline - time.monotonic()))
            chunk = os.read(proc.stdout.fileno(), 4096) if ready else b""
            if not chunk:
                pytest.fail(f"lti-harness serve platform printed no admin-pages line: {printed.decode(errors='replace')}")
            printed += chunk
        line = next(x for x in printed.decode().splitlines() if "admin pages" in x)
        url = f"http://127.0.0.1:{port}"
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"{url}/admin/login", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.1)
        else:
            pytest.fail("lti-harness serve platform did not come up")
        yield url, line
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def test_the_readme_walkthrough_against_the_served_platform(serve, served_platform):
    """Sign in at the printed URL, issue a registration token, a tool registers with the pasted URL and
    submits an update, the admin withholds a scope and accepts: the tool's next token lacks it."""
    url, line = served_platform
    assert f"{url}/admin" in line and ADMIN_TOKEN not in line
    browser = httpx.Client(base_url=url, timeout=10)
    assert sign_in(browser).status_code == 303
    issued = browser.post("/admin/registration_token", data={"csrf_token": csrf_of(browser.get("/admin/registration_token").text)})
    pasted = html.unescape(re.search(r'id="oidc_configuration_url" readonly size="100" value="([^"]+)"', issued.text).group(1))
    openid = httpx.get(pasted, timeout=10).json()  # what the tool does with the pasted URL
    token = parse_qs(urlsplit(pasted).query)["registration_token"][0]
    world = register(serve, httpx.Client(base_url=url, timeout=10), openid["registration_endpoint"], token)
    update_id = world.submit_update()
    index = browser.get("/admin").text
    path = f"/admin/registrations/{world.reg_id}/update_requests/{update_id}"
    assert f'href="{path}"' in index
    page = browser.get(path).text
    assert "Scopes: 2 added" in page
    form = {"csrf_token": csrf_of(page), "decision": "accept", "scope": [*FIRST_SCOPES, LINEITEM_SCOPE], "comment": "via the README"}
    assert browser.post(path, data=form).status_code == 303
    assert world.token([SCORE_SCOPE]).json()["error"] == "invalid_scope"
    assert world.token([LINEITEM_SCOPE]).status_code == 200
    assert world.history()[0]["comment"] == "via the README"


def test_what_the_pages_change_is_saved_in_the_state_file(serve, tmp_path):
    """Served with ``--db``: a decision and a key switch made on the pages are in the file before the answer."""
    from lti_harness import mock_platform
    from lti_harness.mock_platform.sqlstore import SqliteStore

    db = tmp_path / "platform.sqlite"
    app = mock_platform.create_app(mock_platform.PlatformConfig(admin_token=ADMIN_TOKEN), store=(store := SqliteStore(db)))
    url = serve(app)
    client = httpx.Client(base_url=url, timeout=10)
    token = client.get("/api/lti/accounts/1/registration_token", headers=ADMIN).json()["token"]
    world = register(serve, client, f"{url}/api/lti/registrations", token)
    update_id = world.submit_update()
    browser = _signed_in(world)
    path = f"/admin/registrations/{world.reg_id}/update_requests/{update_id}"
    csrf = csrf_of(browser.get(path).text)
    assert browser.post(path, data={"csrf_token": csrf, "decision": "accept", "scope": FIRST_SCOPES, "comment": "saved"}).status_code == 303
    assert browser.post(f"/admin/developer_keys/{world.client_id}/binding", data={"csrf_token": csrf, "workflow_state": "off"}).status_code == 303
    saved = {kind: dict(store.file.rows(kind)) for kind in ("registration", "key")}
    reg = saved["registration"][world.reg_id]
    assert [entry["comment"] for entry in reg["history"]] == ["saved"] and reg["overlay"]["disabled_scopes"] == ADDED_SCOPES
    assert saved["key"][world.client_id]["binding"] == "off"
