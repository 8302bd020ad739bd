"""A platform's launch of the harness's tool, as a browser lives it (ims-facts.md §3.3): open the launch
URL the adapter gives, read the third-party login initiation the platform sends toward the tool's login
URL, send the tool's authentication request to the platform's authorization endpoint, and read what the
platform posts to the redirect URI (``id_token`` and ``state``, or an OIDC error).

Nothing here is sent to the tool's own URLs: where the platform's pages point at them, the harness reads
the redirect or the auto-submitting form instead of following it (the tool is the harness itself)."""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl, urlencode, urljoin, urlsplit

import httpx

from . import browser
from .client import Client

MAX_HOPS = 8


@dataclass
class Hop:
    """Where a platform's answer sends the browser next: a redirect (GET with a query) or an
    auto-submitting form (its method and fields); ``fields`` holds the parameters either way."""

    url: str
    method: str
    fields: dict[str, str]
    response: httpx.Response


def _under(url: str, prefix: str) -> bool:
    return url.split("?", 1)[0].rstrip("/") == prefix.split("?", 1)[0].rstrip("/")


def _next_hop(response: httpx.Response) -> Hop | None:
    """The redirect or the first form with an action (a page posting itself onward), or None."""
    if response.is_redirect:
        to = browser.location(response)
        return Hop(to, "GET", dict(parse_qsl(urlsplit(to).query, keep_blank_values=True)), response)
    if 200 <= response.status_code < 300:
        for form in browser.forms(response):
            if form.action:
                action = urljoin(str(response.request.url), form.action)
                query = dict(parse_qsl(urlsplit(action).query, keep_blank_values=True)) if form.method == "GET" else {}
                return Hop(action, form.method, {**query, **form.fields}, response)
    return None


def browse_to(client: Client, url: str, target: str, *, method: str = "GET", data: dict[str, str] | None = None) -> tuple[Hop | None, httpx.Response, list[str]]:
    """Open ``url`` and follow the platform's redirects and auto-submitting forms (at most ``MAX_HOPS``),
    stopping at the first hop toward ``target`` (a URL without its query). Returns that hop (None when
    the pages never point there), the last answer and the hops taken, in words."""
    response = client.request(method, url, data=data, headers={"Accept": "text/html"}) if data is not None else \
        client.request(method, url, headers={"Accept": "text/html"})
    taken: list[str] = []
    for _ in range(MAX_HOPS):
        hop = _next_hop(response)
        if hop is None:
            return None, response, taken
        if _under(hop.url, target):
            return hop, response, taken
        if browser.origin(hop.url) != browser.origin(str(response.request.url)):
            return None, response, taken + [f"sent to {hop.url[:120]} (another site)"]
        taken.append(f"{response.request.method} {browser.path_of(str(response.request.url))[:80]} → {hop.method} {browser.path_of(hop.url)[:80]}")
        if hop.method == "POST":
            response = client.post(hop.url, data=hop.fields, headers={"Accept": "text/html"})
        else:
            response = client.get(hop.url, headers={"Accept": "text/html"})
    return None, response, taken


@dataclass
class HarnessToolUrls:
    """The harness's tool as the platform knows it: where it logs in, is launched and what it targets."""

    login: str
    redirect: str
    target: str


@dataclass
class Initiation:
    """The login initiation the platform sent toward the tool: its parameters and how it was sent."""

    params: dict[str, str]
    method: str
    page: httpx.Response
    hops: list[str] = field(default_factory=list)


@dataclass
class AuthAnswer:
    """What the authorization endpoint did with an authentication request: the hop toward the redirect
    URI it posted (None when it posted nothing there) and its last answer."""

    sent: Hop | None
    response: httpx.Response
    request: dict[str, str]
    hops: list[str] = field(default_factory=list)

    @property
    def id_token(self) -> str:
        return self.sent.fields.get("id_token", "") if self.sent is not None else ""

    @property
    def error(self) -> str:
        return self.sent.fields.get("error", "") if self.sent is not None else ""

    def describe(self) -> str:
        if self.sent is None:
            return f"no post to the redirect URI; the platform answered {self.response.status_code}: {self.response.text[:160]!r}"
        what = "an id_token" if self.id_token else f"error {self.error!r} ({self.sent.fields.get('error_description', '')[:120]})" if self.error else "neither an id_token nor an error"
        return f"a {self.sent.method} to {self.sent.url[:120]} with {what}"


def initiate(client: Client, launch_url: str, tool: HarnessToolUrls) -> Initiation:
    """Open the platform's launch URL; the login initiation toward ``tool.login`` (``method`` is empty
    when the platform never sends the browser there: ``page`` is where it stopped)."""
    hop, page, hops = browse_to(client, launch_url, tool.login)
    return Initiation(hop.fields, hop.method, page, hops) if hop is not None else Initiation({}, "", page, hops)


def authentication_request(initiation: dict[str, str], tool: HarnessToolUrls, **overrides: str | None) -> dict[str, str]:
    """The tool's authentication request for a login initiation (ims-facts.md §3.3, step 2), with a
    fresh state and nonce; ``overrides`` change a parameter, or leave it out when None."""
    params: dict[str, Any] = {
        "scope": "openid", "response_type": "id_token", "response_mode": "form_post", "prompt": "none",
        "client_id": initiation.get("client_id", ""), "redirect_uri": tool.redirect, "login_hint": initiation.get("login_hint", ""),
        "state": secrets.token_urlsafe(16), "nonce": secrets.token_urlsafe(16),
    }
    if initiation.get("lti_message_hint") is not None:
        params["lti_message_hint"] = initiation["lti_message_hint"]
    params.update(overrides)
    return {k: str(v) for k, v in params.items() if v is not None}


def authenticate(client: Client, endpoint: str, request: dict[str, str], redirect_uri: str) -> AuthAnswer:
    """Send the authentication request to ``endpoint`` (GET) and follow the platform until it posts
    toward ``redirect_uri`` (the one the request named) or stops."""
    sep = "&" if "?" in endpoint else "?"
    hop, page, hops = browse_to(client, f"{endpoint}{sep}{urlencode(request)}", redirect_uri)
    return AuthAnswer(hop, page, request, hops)


def post_deep_link_response(client: Client, return_url: str, token: str) -> httpx.Response:
    """The tool's answer to a deep-linking request as its page sends it through the browser: a form POST of
    the response JWT, field ``JWT``, to the request's ``deep_link_return_url`` (ims-facts.md §3.4), with the
    browser's cookies; the platform's answer is returned as it is."""
    return client.post(return_url, data={"JWT": token}, headers={"Accept": "text/html"})
