"""The platform's half of dynamic registration against a tool under test: open the tool's initiation
URL as an administrator's browser would (redirects within the tool, a confirm page submitted once), for
a counterpart platform that records what the tool fetched and posted (ims-facts.md §1.1, §1.6)."""

from __future__ import annotations

from dataclasses import dataclass, field
from urllib.parse import urljoin

import httpx

from . import browser
from .client import Client

CLOSE = "org.imsglobal.lti.close"
CONFIRM_KINDS = {"hidden", "submit", "button"}  # a form with only these needs no input: a confirm button
NEEDS_ACCESS = (401, 403, 404, 405)  # a login, or no initiation route: the harness cannot go on


@dataclass
class Initiation:
    """What the tool's initiation page did: its last answer, the steps taken and, when the harness could
    not go on as an administrator would, why."""

    page: httpx.Response
    steps: list[str] = field(default_factory=list)
    blocked: str = ""

    def closes(self) -> bool:
        """The page posts the close message (ims-facts.md §1.6)."""
        return "postMessage" in self.page.text and CLOSE in self.page.text

    def describe(self) -> str:
        after = f" (after {'; '.join(self.steps)})" if self.steps else ""
        return f"{self.page.status_code}{after}: {self.page.text[:200]!r}"


def _confirm_form(page: httpx.Response) -> tuple[browser.Form | None, str]:
    """The one form of ``page`` an administrator would just submit (posting back to the tool's origin,
    only hidden fields and buttons), or None and why the page needs more."""
    found = browser.forms(page)
    if not found:
        return None, ""
    if len(found) > 1:
        return None, f"the page has {len(found)} forms; the harness submits only a single confirm form"
    form = found[0]
    action = urljoin(str(page.request.url), form.action)
    if browser.origin(action) != browser.origin(str(page.request.url)):
        return None, f"its form posts to another site ({action[:120]}); the harness submits only forms that post back to the tool"
    if "password" in form.kinds:
        return None, "the page asks for a login (a password field)"
    extra = sorted(form.kinds - CONFIRM_KINDS)
    if extra:
        return None, f"the page's form asks for input ({', '.join(extra)} fields), not just a confirmation"
    return form, ""


def initiate(client: Client, url: str, openid_configuration: str, registration_token: str) -> Initiation:
    """GET the initiation URL (kept exactly as written) with ``openid_configuration`` and
    ``registration_token``; follow redirects within the tool; submit a confirm page once."""
    html_only = {"Accept": "text/html"}
    page = client.get(url, params={"openid_configuration": openid_configuration, "registration_token": registration_token}, headers=html_only)
    page, steps = browser.follow(client, page)
    result = Initiation(page, steps)
    if page.status_code in NEEDS_ACCESS:
        result.blocked = f"the tool's initiation page answered {page.status_code} (a login, or no such route?)"
        return result
    if result.closes():
        return result
    form, why = _confirm_form(page)
    if form is None:
        result.blocked = why
        return result
    action = urljoin(str(page.request.url), form.action)
    result.steps.append(f"submitted its confirm form ({form.method} {browser.path_of(action)[:120]})")
    if form.method == "POST":
        page = client.post(action, data=form.submitted(), headers=html_only)
    else:
        page = client.get(action, params=form.submitted(), headers=html_only)
    page, more = browser.follow(client, page)
    result.page, result.steps = page, result.steps + more
    if page.status_code in NEEDS_ACCESS:
        result.blocked = f"after the confirm form the tool answered {page.status_code}"
    return result
