"""The platform's half of an LTI 1.3 launch, as the harness performs it against a tool: OIDC
third-party login initiation, then the id_token posted to the tool's redirect URI (ims-facts.md §3.3,
§3.4). ``tamper`` edits the claims before signing, to try what a tool must refuse. A deep-linking
request (``settings``) is the same launch with message type ``LtiDeepLinkingRequest``; the tool's answer
is read for what it aims at ``deep_link_return_url`` (:func:`deep_linking_return`), which nothing serves:
the harness reads the form or redirect as it reads the other hops."""

from __future__ import annotations

import html
import re
import time
import uuid
from dataclasses import dataclass, field
from typing import Any, Callable
from urllib.parse import parse_qsl, urlsplit

import httpx

from lti_harness.vocab import INSTRUCTOR, LEARNER, LTI_CLAIM

from . import browser, keys
from .client import Client


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
        self.authorization_endpoint = self.authorization_endpoint or f"{self.issuer.rstrip('/')}/authorize"


@dataclass
class Answer:
    """What the tool answered to a posted id_token, after the redirects a browser would follow."""

    response: httpx.Response
    hops: list[str] = field(default_factory=list)  # redirects followed within the tool, in words
    lost_post: str = ""  # a redirect that would turn the id_token's POST into a GET (the launch is lost)
    refused_text: str = ""  # the text of the tool's refusal page, for a tool that refuses with a 2xx ([tool] refused_text)

    @property
    def refusal_page(self) -> bool:
        """A 2xx page holding the profile's ``refused_text``: the tool's own page for a refused launch."""
        return bool(self.refused_text) and 200 <= self.response.status_code < 300 and self.refused_text in self.response.text

    @property
    def accepted(self) -> bool:
        """A launch was granted: a 2xx page (other than the refusal page the profile names), or a redirect
        that hands the user on to another site. A 4xx or 5xx, a redirect the harness stopped at within the
        tool, or a lost POST is no launch."""
        if self.lost_post:
            return False
        if self.response.is_redirect:
            return browser.origin(browser.location(self.response)) != browser.origin(str(self.response.request.url))
        return 200 <= self.response.status_code < 300 and not self.refusal_page

    @property
    def crashed(self) -> bool:
        return self.response.status_code >= 500

    def describe(self) -> str:
        """The answer in words, with the redirects that led to it."""
        if self.lost_post:
            return self.lost_post
        r = self.response
        where = f" to {browser.location(r)[:120]!r}" if r.is_redirect else ""
        after = f" (after {'; '.join(self.hops)})" if self.hops else ""
        page = f" (its refusal page: it holds the profile's refused_text {self.refused_text!r})" if self.refusal_page else ""
        return f"{r.status_code}{where}{after}{page}: {r.text[:200]!r}"


@dataclass
class Launch:
    login: httpx.Response
    answer: Answer | None  # None when no id_token was posted (the tool refused or broke at login)
    state: str = ""
    id_token: str = ""
    redirect_uri: str = ""
    authorization_endpoint: str = ""  # where the login was expected to redirect
    login_hops: list[str] = field(default_factory=list)  # redirects followed at login initiation
    login_problem: str = ""  # the login redirected to the platform, but its request lacks what OIDC requires

    @property
    def response(self) -> httpx.Response | None:
        """The tool's last answer to the id_token (None when none was posted)."""
        return self.answer.response if self.answer is not None else None

    @property
    def accepted(self) -> bool:
        return self.answer is not None and self.answer.accepted

    def login_refusal(self) -> str:
        """Why no id_token was posted: what the tool's login initiation answered instead of the redirect."""
        after = f" (after {'; '.join(self.login_hops)})" if self.login_hops else ""
        if self.login_problem:
            return self.login_problem + after
        where = browser.location(self.login)
        if self.login.is_redirect:
            return (f"the tool's login redirected to {where[:120]!r}{after}, not to the platform's authorization endpoint "
                    f"{self.authorization_endpoint}")
        why = f"the tool's login initiation answered {self.login.status_code}{after} instead of redirecting to {self.authorization_endpoint}"
        if self.login.status_code == 200:
            why += (" (a page that needs a browser, such as a cookie check? [tool.launch] login_params can add "
                    "what the page would add to the login URL)")
        return f"{why}: {self.login.text[:160]!r}"

    def outcome(self) -> str:
        """What happened, in words: the login's refusal, or the tool's answer to the id_token."""
        return self.login_refusal() if self.answer is None else f"the tool answered {self.answer.describe()}"


DL_CLAIM = "https://purl.imsglobal.org/spec/lti-dl/claim/"
DL_SETTINGS = DL_CLAIM + "deep_linking_settings"
CONTENT_ITEM_TYPES = ("ltiResourceLink", "link", "file", "html", "image")


def claims_for(ident: PlatformIdentity, client_id: str, deployment_id: str, nonce: str, target: str,
               settings: dict[str, Any] | None = None) -> dict[str, Any]:
    """The id_token's claims: a learner's resource link launch, or with ``settings`` an instructor's
    deep-linking request (the deep_linking_settings claim, no resource_link)."""
    now = int(time.time())
    claims = {
        "iss": ident.issuer, "aud": client_id, "azp": client_id, "sub": f"user-{uuid.uuid4().hex[:8]}",
        "iat": now, "exp": now + 300, "nonce": nonce,
        LTI_CLAIM + "message_type": "LtiResourceLinkRequest", LTI_CLAIM + "version": "1.3.0",
        LTI_CLAIM + "deployment_id": deployment_id, LTI_CLAIM + "target_link_uri": target,
        LTI_CLAIM + "resource_link": {"id": uuid.uuid4().hex}, LTI_CLAIM + "roles": [LEARNER],
    }
    if settings is not None:
        del claims[LTI_CLAIM + "resource_link"]
        claims.update({LTI_CLAIM + "message_type": "LtiDeepLinkingRequest", LTI_CLAIM + "roles": [INSTRUCTOR], DL_SETTINGS: settings})
    return claims


def deep_linking_settings(ident: PlatformIdentity) -> dict[str, Any]:
    """The deep_linking_settings of a request: a return URL of the harness's platform identity, unique to the
    request (nothing is served there), every content item type, several items, and a fresh opaque ``data``."""
    return {"deep_link_return_url": f"{ident.issuer.rstrip('/')}/deep_linking/return/{uuid.uuid4().hex}",
            "accept_types": list(CONTENT_ITEM_TYPES), "accept_presentation_document_targets": ["iframe", "window"],
            "accept_multiple": True, "accept_lineitem": True, "data": f"harness-{uuid.uuid4().hex}"}


@dataclass
class DeepLinkReturn:
    """What a tool's answer aims at ``deep_link_return_url``: a form (its method and fields), or a
    redirect or script (a GET, with the query as its fields)."""

    how: str  # "form", "redirect" or "script"
    method: str
    url: str
    fields: dict[str, str] = field(default_factory=dict)

    @property
    def jwt(self) -> str:
        """The ``JWT`` field's value ("" when the answer has none)."""
        return self.fields.get("JWT", "")

    def describe(self) -> str:
        names = ", ".join(sorted(self.fields)) or "none"
        return f"a {self.how} sending {self.method} {self.url[:120]!r} (fields: {names})"


def deep_linking_return(response: httpx.Response, return_url: str) -> DeepLinkReturn | None:
    """What ``response`` sends to ``return_url``: a redirect there, a form posting there (an auto-submitting
    one is read without running its script), or a script that sets the location there with a ``JWT``
    parameter; None when nothing."""
    if response.is_redirect:
        where = browser.location(response)
        return DeepLinkReturn("redirect", "GET", where, dict(parse_qsl(urlsplit(where).query))) if where.startswith(return_url) else None
    for form in browser.forms(response):
        if form.action.startswith(return_url):
            return DeepLinkReturn("form", form.method, form.action, dict(form.fields))
    if "html" not in response.headers.get("content-type", ""):
        return None
    for found in re.finditer(re.escape(return_url) + r"""[^"'\s<>]*""", html.unescape(response.text).replace("\\/", "/")):
        query = dict(parse_qsl(urlsplit(found.group(0)).query))
        if "JWT" in query:  # a URL merely shown on the page is no answer
            return DeepLinkReturn("script", "GET", found.group(0), query)
    return None


def authentication_request(login: httpx.Response, endpoint: str) -> dict[str, str] | None:
    """The parameters of the tool's authentication request to ``endpoint``: from a redirect, an
    auto-submitting form, or a script that sets the location (ims-facts.md §3.3 allows GET or POST)."""
    if login.is_redirect:
        where = browser.location(login)
        return dict(parse_qsl(urlsplit(where).query)) if where.startswith(endpoint) else None
    if login.status_code != 200 or "html" not in login.headers.get("content-type", ""):
        return None
    for form in browser.forms(login):
        if form.action.startswith(endpoint):
            return {**dict(parse_qsl(urlsplit(form.action).query)), **form.fields}
    found = re.search(re.escape(endpoint) + r"""[^"'\s<>]*""", html.unescape(login.text).replace("\\/", "/"))
    return dict(parse_qsl(urlsplit(found.group(0)).query)) if found else None


def post_id_token(client: Client, redirect_uri: str, id_token: str, state: str, *, stop: Callable[[str], bool] | None = None,
                  refused_text: str = "") -> Answer:
    """Post the id_token (form_post) and follow the tool's redirects within its own origin, hop by hop,
    as a browser would. A 301 within the tool's host, or a 302 to the same path (up to a trailing slash
    or an https upgrade), makes a browser re-send the POST as a GET without the id_token: the harness
    stops there and says so. Redirects to a URL for which ``stop`` is true are not followed. A 2xx page
    holding ``refused_text`` is a refusal."""
    response = client.post(redirect_uri, data={"id_token": id_token, "state": state}, headers={"Accept": "text/html"})
    to = browser.location(response)
    same_host = urlsplit(to).hostname == urlsplit(redirect_uri).hostname
    if to and same_host and (response.status_code == 301 or (response.status_code == 302 and browser.same_resource(redirect_uri, to))):
        slash = browser.slash_variant(redirect_uri, to)
        hint = ("give the URL with the trailing slash" if slash and urlsplit(to).path.endswith("/")
                else "give the URL without the trailing slash" if slash else "give the URL it redirects to")
        return Answer(response, lost_post=(f"{browser.hop(response)} — a tool that redirects POSTs loses the id_token "
                                           f"(a browser re-sends it as a GET); {hint} ([tool.launch] launch_url, or the redirect_uri the tool names)"),
                      refused_text=refused_text)
    response, hops = browser.follow(client, response, stop=stop)
    return Answer(response, hops, refused_text=refused_text)


def _initiate(client: Client, login_url: str, initiation: dict[str, str], endpoint: str) -> tuple[httpx.Response, list[str]]:
    """The login initiation as a browser sends it: a GET (a form POST when the GET answers 405), following
    the tool's redirects within its origin until one points at the platform's authorization endpoint."""
    stop = lambda url: url.startswith(endpoint)  # noqa: E731
    login = client.get(login_url, params=initiation, headers={"Accept": "text/html"})
    login, hops = browser.follow(client, login, stop=stop)
    if login.status_code == 405:
        login = client.post(login_url, data=initiation, headers={"Accept": "text/html"})
        login, more = browser.follow(client, login, stop=stop)
        hops += more
    return login, hops


def launch(client: Client, ident: PlatformIdentity, login_url: str, target: str, client_id: str, deployment_id: str, *,
           tamper: Callable[[dict[str, Any]], None] | None = None, signer: keys.KeyPair | None = None,
           login_params: dict[str, str] | None = None, kid: bool | str = True, state: str | None = None,
           settings: dict[str, Any] | None = None, refused_text: str = "") -> Launch:
    """Initiate login at ``login_url`` for ``target`` (the target_link_uri), then post a signed id_token
    with the tool's state and nonce to the redirect_uri the tool named. A login that answers 405 to the
    GET is initiated again with a form POST. ``login_params`` are added to the initiation; ``kid=False``
    leaves the key id out of the id_token's header, a string puts that key id there instead of the key's;
    ``state`` is posted in place of the state the tool set; with ``settings`` the id_token is a deep-linking
    request carrying them, and the tool's redirects stop at their ``deep_link_return_url``; a 2xx page
    holding ``refused_text`` is the tool's refusal."""
    initiation = {"iss": ident.issuer, "login_hint": "harness-user", "target_link_uri": target, "client_id": client_id,
                  "lti_deployment_id": deployment_id, "lti_message_hint": uuid.uuid4().hex, **(login_params or {})}
    login, hops = _initiate(client, login_url, initiation, ident.authorization_endpoint)
    params = authentication_request(login, ident.authorization_endpoint)
    if params is None:
        return Launch(login=login, answer=None, authorization_endpoint=ident.authorization_endpoint, login_hops=hops)
    lacking = [name for name in ("state", "nonce", "redirect_uri") if not params.get(name)]
    if lacking:
        return Launch(login=login, answer=None, authorization_endpoint=ident.authorization_endpoint, login_hops=hops,
                      login_problem=f"the tool's authentication request lacks {', '.join(lacking)} (ims-facts.md §3.3: "
                                    f"nonce is REQUIRED; state and redirect_uri carry the launch back)")
    claims = claims_for(ident, client_id, deployment_id, params["nonce"], target, settings)
    if tamper is not None:
        tamper(claims)
    token = (signer or ident.key).sign(claims, {"kid": kid} if isinstance(kid, str) else None, kid=kid is not False)
    posted = params["state"] if state is None else state
    back = settings.get("deep_link_return_url") if settings else None
    answer = post_id_token(client, params["redirect_uri"], token, posted,
                           stop=(lambda url: url.startswith(back)) if isinstance(back, str) and back else None, refused_text=refused_text)
    return Launch(login=login, answer=answer, state=posted, id_token=token, redirect_uri=params["redirect_uri"],
                  authorization_endpoint=ident.authorization_endpoint, login_hops=hops)
