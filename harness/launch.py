"""The platform's half of an LTI 1.3 launch, as the harness performs it against a tool: OIDC
third-party login initiation, then the id_token posted to the tool's redirect URI (ims-facts.md §3.3,
§3.4). ``tamper`` edits the claims before signing, to try what a tool must refuse."""

from __future__ import annotations

import html
import re
import time
import uuid
from dataclasses import dataclass
from typing import Any, Callable
from html.parser import HTMLParser
from urllib.parse import parse_qsl, urljoin, urlsplit

import httpx

from . import keys
from .client import Client

LTI = "https://purl.imsglobal.org/spec/lti/claim/"


@dataclass
class PlatformIdentity:
    """The harness acting as a platform: its signing key, issuer and where its JWKS is published."""

    key: keys.KeyPair
    issuer: str
    jwks_url: str  # "" when the tool holds the public key itself ([tool.launch] in the profile)
    reachable: bool = True
    why_unreachable: str = ""
    authorization_endpoint: str = ""  # where the tool's login must redirect; default {issuer}/authorize

    def __post_init__(self) -> None:
        self.authorization_endpoint = self.authorization_endpoint or f"{self.issuer}/authorize"


@dataclass
class Launch:
    login: httpx.Response
    response: httpx.Response | None  # None when the tool refused at login
    state: str = ""
    id_token: str = ""
    redirect_uri: str = ""
    authorization_endpoint: str = ""  # where the login was expected to redirect

    def login_refusal(self) -> str:
        """Why no id_token was posted: what the tool's login initiation answered instead of the redirect."""
        where = self.login.headers.get("location", "")
        if self.login.is_redirect:
            return f"the tool's login redirected to {where[:120]!r}, not to the platform's authorization endpoint {self.authorization_endpoint}"
        why = (f"the tool's login initiation answered {self.login.status_code} instead of redirecting to "
               f"{self.authorization_endpoint}: {self.login.text[:160]!r}")
        if self.login.status_code == 200:
            why += (" (a page that needs a browser, such as a cookie check? [tool.launch] login_params can add "
                    "what the page would add to the login URL)")
        return why


def claims_for(ident: PlatformIdentity, client_id: str, deployment_id: str, nonce: str, target: str) -> dict[str, Any]:
    now = int(time.time())
    return {
        "iss": ident.issuer, "aud": client_id, "azp": client_id, "sub": f"user-{uuid.uuid4().hex[:8]}",
        "iat": now, "exp": now + 300, "nonce": nonce,
        LTI + "message_type": "LtiResourceLinkRequest", LTI + "version": "1.3.0",
        LTI + "deployment_id": deployment_id, LTI + "target_link_uri": target,
        LTI + "resource_link": {"id": uuid.uuid4().hex}, LTI + "roles": ["http://purl.imsglobal.org/vocab/lis/v2/membership#Learner"],
    }


MAX_REDIRECTS = 5


class _Form(HTMLParser):
    """The forms of an HTML page: (action, {input name: value}) each."""

    def __init__(self) -> None:
        super().__init__()
        self.forms: list[tuple[str, dict[str, str]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "form":
            self.forms.append((a.get("action", ""), {}))
        elif tag == "input" and self.forms and a.get("name"):
            self.forms[-1][1][a["name"]] = a.get("value", "")


def authentication_request(login: httpx.Response, endpoint: str) -> dict[str, str] | None:
    """The parameters of the tool's authentication request to ``endpoint``: from a redirect, an
    auto-submitting form, or a script that sets the location (ims-facts.md §3.3 allows GET or POST)."""
    location = login.headers.get("location", "")
    if login.is_redirect:
        return dict(parse_qsl(urlsplit(location).query)) if location.startswith(endpoint) else None
    if login.status_code != 200 or "html" not in login.headers.get("content-type", ""):
        return None
    parser = _Form()
    try:
        parser.feed(login.text)
    except Exception:  # noqa: BLE001  (a page the parser cannot read has no usable form)
        parser.forms = []
    for action, fields in parser.forms:
        if html.unescape(action).startswith(endpoint):
            return {**dict(parse_qsl(urlsplit(html.unescape(action)).query)), **fields}
    found = re.search(re.escape(endpoint) + r"""[^"'\s<>]*""", html.unescape(login.text).replace("\\/", "/"))
    return dict(parse_qsl(urlsplit(found.group(0)).query)) if found else None


def post_id_token(client: Client, redirect_uri: str, id_token: str, state: str) -> httpx.Response:
    """Post the id_token (form_post) and follow the tool's redirects within its own origin."""
    response = client.post(redirect_uri, data={"id_token": id_token, "state": state}, headers={"Accept": "text/html"})
    origin = urlsplit(redirect_uri)[:2]
    for _ in range(MAX_REDIRECTS):
        if not response.is_redirect:
            break
        nxt = urljoin(str(response.request.url), response.headers.get("location", ""))
        if urlsplit(nxt)[:2] != origin:
            break  # the tool handed the user on to another site: judged by this redirect
        response = client.get(nxt, headers={"Accept": "text/html"})
    return response


def launch(client: Client, ident: PlatformIdentity, login_url: str, target: str, client_id: str, deployment_id: str, *,
           tamper: Callable[[dict[str, Any]], None] | None = None, signer: keys.KeyPair | None = None,
           login_params: dict[str, str] | None = None) -> Launch:
    """Initiate login at ``login_url`` for ``target`` (the target_link_uri), then post a signed id_token
    with the tool's state and nonce to the redirect_uri the tool named. A login that answers 405 to the
    GET is initiated again with a form POST. ``login_params`` are added to the initiation."""
    initiation = {"iss": ident.issuer, "login_hint": "harness-user", "target_link_uri": target, "client_id": client_id,
                  "lti_deployment_id": deployment_id, "lti_message_hint": uuid.uuid4().hex, **(login_params or {})}
    login = client.get(login_url, params=initiation, headers={"Accept": "text/html"})
    if login.status_code == 405:
        login = client.post(login_url, data=initiation, headers={"Accept": "text/html"})
    params = authentication_request(login, ident.authorization_endpoint)
    if params is None:
        return Launch(login=login, response=None, authorization_endpoint=ident.authorization_endpoint)
    assert params.get("state") and params.get("nonce") and params.get("redirect_uri"), (
        f"the tool's authentication request lacks state, nonce or redirect_uri: {sorted(params)}")
    claims = claims_for(ident, client_id, deployment_id, params["nonce"], target)
    if tamper is not None:
        tamper(claims)
    token = (signer or ident.key).sign(claims)
    response = post_id_token(client, params["redirect_uri"], token, params["state"])
    return Launch(login=login, response=response, state=params["state"], id_token=token, redirect_uri=params["redirect_uri"],
                  authorization_endpoint=ident.authorization_endpoint)
