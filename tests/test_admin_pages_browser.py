"""The admin pages in a real browser: headless Chromium (Debian's ``chromium``), driven by Playwright
through the installed browser (no browser download), against a mock platform served on loopback.

A tool registered on the platform submits an update; the browser signs in, opens the pending update,
reads the diff, unticks a scope and accepts (or ignores), and the tool's next token and the history are
then checked through the API. A form posted without its CSRF token is refused. When Chromium or
Playwright is missing the tests fail saying what to install; they never pass without a browser."""

from __future__ import annotations

import os
import shutil
import tempfile
from typing import Any, Iterator

import pytest

from admin_pages_world import ADDED_SCOPES, ADMIN, ADMIN_TOKEN, FIRST_SCOPES, NEW_NAME, OLD_NAME, World, make_world
from lti_harness.vocab import LINEITEM_SCOPE, SCORE_SCOPE

CHROMIUM = os.environ.get("LTI_HARNESS_CHROMIUM", "/usr/bin/chromium")
FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
         "--disable-component-update", "--disable-sync"]
WAIT_MS = 15_000  # every wait of the browser is bounded by this
LAUNCH_MS = 60_000
MINUS = "\u2212"
INSTALL = ("install Debian's chromium and chromium-driver (apt-get install -y --no-install-recommends chromium chromium-driver; "
           ".ci/run does) and the test extra (pip install -e '.[test]', which brings playwright)")


@pytest.fixture(scope="module")
def chromium() -> Iterator[Any]:
    """Headless Chromium started by Playwright from the installed executable, with a fresh profile."""
    try:
        from playwright.sync_api import Error, sync_playwright
    except ImportError as exc:
        pytest.fail(f"Playwright for Python is not installed ({exc}): {INSTALL}", pytrace=False)
    if not (os.path.isfile(CHROMIUM) and os.access(CHROMIUM, os.X_OK)):
        pytest.fail(f"Chromium is not installed at {CHROMIUM}: {INSTALL}", pytrace=False)
    profile = tempfile.mkdtemp(prefix="admin-pages-chromium-")
    try:
        with sync_playwright() as playwright:
            try:
                browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=FLAGS, timeout=LAUNCH_MS,
                                                     env={**os.environ, "HOME": profile})
            except Error as exc:
                pytest.fail(f"Chromium at {CHROMIUM} did not start: {exc}", pytrace=False)
            yield browser
            browser.close()
    finally:
        shutil.rmtree(profile, ignore_errors=True)


@pytest.fixture
def page(chromium: Any) -> Iterator[Any]:
    """A fresh browser context (no cookies) whose requests may only go to loopback."""
    context = chromium.new_context()
    context.set_default_timeout(WAIT_MS)
    context.set_default_navigation_timeout(WAIT_MS)
    outside: list[str] = []

    def loopback_only(route: Any) -> None:
        url = route.request.url
        if url.startswith(("http://127.0.0.1:", "about:", "data:")):
            route.continue_()
        else:
            outside.append(url)
            route.abort()

    context.route("**/*", loopback_only)
    tab = context.new_page()
    yield tab
    context.close()
    assert not outside, f"the pages made the browser ask for something outside loopback: {outside}"


def _sign_in(page: Any, world: World) -> None:
    page.goto(f"{world.url}/admin")
    assert page.url == f"{world.url}/admin/login"
    page.get_by_label("Admin token").fill(ADMIN_TOKEN)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{world.url}/admin")
    assert page.get_by_role("heading", level=1).inner_text() == "Mock Canvas admin"
    assert ADMIN_TOKEN not in page.content() and ADMIN_TOKEN not in page.url
    cookies = page.context.cookies()
    session = [c for c in cookies if c["name"] == "mock_canvas_admin"]
    assert session and session[0]["httpOnly"] and session[0]["sameSite"] == "Strict" and session[0]["path"] == "/admin"
    assert all(ADMIN_TOKEN not in c["value"] for c in cookies)


def _open_pending_update(page: Any, world: World, update_id: int) -> None:
    """From the index, follow the link of the pending update request and read its diff."""
    page.get_by_role("link", name=f"Update request {update_id} of {OLD_NAME}").click()
    page.wait_for_url(f"{world.url}/admin/registrations/{world.reg_id}/update_requests/{update_id}")
    name = page.locator("table.diff tr", has=page.locator("th", has_text="Name")).first
    assert name.locator("td.side-current").inner_text().strip() == f"{MINUS} {OLD_NAME}"
    assert name.locator("td.side-requested").inner_text().strip() == f"+ {NEW_NAME}"
    for scope in ADDED_SCOPES:
        row = page.locator("table.diff tr.added", has=page.locator("td.side-requested", has_text=scope)).first
        assert row.locator("td.side-requested").inner_text().strip() == f"+ {scope}"
        assert "added" in row.inner_text()
        colour = row.locator("td.side-requested").evaluate("cell => getComputedStyle(cell).backgroundColor")
        assert colour not in ("rgba(0, 0, 0, 0)", "transparent", "rgb(255, 255, 255)"), "an added row is coloured"


def _outcome_common(world: World) -> None:
    assert world.client.get(world.admin(), headers=ADMIN).json()["pending_update"] is None


def test_an_admin_accepts_an_update_in_the_browser_withholding_one_scope(serve, page):
    world = make_world(serve)
    update_id = world.submit_update()
    _sign_in(page, world)
    _open_pending_update(page, world, update_id)
    score = page.get_by_role("checkbox", name=SCORE_SCOPE)
    assert score.is_checked()
    score.uncheck()
    page.get_by_label("disable account_navigation").check()
    page.get_by_label("Custom name").fill("Helper (approved)")
    page.get_by_label("Comment (kept in the history)").fill("score later")
    page.get_by_role("button", name="Accept update").click()
    page.wait_for_url(f"{world.url}/admin/registrations/{world.reg_id}?decided={update_id}")
    assert f"Update request {update_id} was applied." in page.get_by_role("status").inner_text()
    _outcome_common(world)
    refused = world.token([SCORE_SCOPE])
    assert refused.status_code == 400 and refused.json()["error"] == "invalid_scope"
    granted = world.token([*FIRST_SCOPES, LINEITEM_SCOPE])
    assert granted.status_code == 200 and SCORE_SCOPE not in granted.json()["scope"].split()
    assert SCORE_SCOPE not in world.key_scopes()
    history = world.history()
    assert len(history) == 1 and history[0]["comment"] == "score later" and history[0]["created_by"]["id"] == 1
    assert history[0]["new_configuration"]["overlay"]["disabled_scopes"] == [SCORE_SCOPE]
    assert history[0]["diff"]["registration"]["name"] == [OLD_NAME, NEW_NAME]
    assert page.get_by_role("heading", name=f"Registration: {NEW_NAME}").is_visible()
    in_effect = world.client.get(world.admin(), headers=ADMIN).json()["overlaid_configuration"]
    assert in_effect["title"] == "Helper (approved)"
    assert [p["enabled"] for p in in_effect["placements"] if p["placement"] == "account_navigation"] == [False]


def test_an_admin_ignores_an_update_in_the_browser(serve, page):
    world = make_world(serve)
    update_id = world.submit_update()
    _sign_in(page, world)
    _open_pending_update(page, world, update_id)
    page.get_by_label("Comment (kept in the history)").fill("not this term")
    page.get_by_role("button", name="Ignore update").click()
    page.wait_for_url(f"{world.url}/admin/registrations/{world.reg_id}?decided={update_id}")
    assert f"Update request {update_id} was ignored." in page.get_by_role("status").inner_text()
    _outcome_common(world)
    request = world.client.get(world.admin(f"/update_requests/{update_id}"), headers=ADMIN).json()
    assert request["status"] == "rejected" and request["comment"] == "not this term" and request["updated_by"]["id"] == 1
    for scope in ADDED_SCOPES:
        assert world.token([scope]).json()["error"] == "invalid_scope"
    assert world.token(FIRST_SCOPES).status_code == 200
    assert world.client.get(world.admin(), headers=ADMIN).json()["name"] == OLD_NAME
    assert world.history() == []


def test_a_form_posted_without_its_csrf_token_is_refused_in_the_browser(serve, page):
    world = make_world(serve)
    update_id = world.submit_update()
    _sign_in(page, world)
    _open_pending_update(page, world, update_id)
    page.locator('form[aria-label="Accept or ignore the update"] input[name="csrf_token"]').evaluate("input => input.remove()")
    with page.expect_response(lambda r: r.request.method == "POST") as posted:
        page.get_by_role("button", name="Accept update").click()
    assert posted.value.status == 403
    assert page.get_by_role("heading", level=1).inner_text() == "Refused (403)"
    pending = world.client.get(world.admin(), headers=ADMIN).json()["pending_update"]
    assert pending is not None and pending["id"] == update_id and pending["status"] == "pending"
    assert world.history() == [] and SCORE_SCOPE not in world.key_scopes()
    page.goto(f"{world.url}/admin/registrations/{world.reg_id}/update_requests/{update_id}")  # the session still stands
    page.get_by_role("button", name="Accept update").click()
    page.wait_for_url(f"{world.url}/admin/registrations/{world.reg_id}?decided={update_id}")
    assert SCORE_SCOPE in world.key_scopes()
