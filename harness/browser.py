"""What a browser does with a tool's answers, done hop by hop so that the recording client records
every request: follow redirects (bounded, within one origin), and read the forms of an HTML page."""

from __future__ import annotations

import html
from dataclasses import dataclass, field
from html.parser import HTMLParser
from typing import Callable
from urllib.parse import urljoin, urlsplit

import httpx

from .client import Client

MAX_REDIRECTS = 5


def location(response: httpx.Response) -> str:
    """Where a redirect points, as an absolute URL ("" when it is no redirect)."""
    if not response.is_redirect:
        return ""
    return urljoin(str(response.request.url), response.headers.get("location", ""))


def origin(url: str) -> tuple[str, str]:
    """(scheme, host:port) of ``url``."""
    parts = urlsplit(url)
    return parts.scheme, parts.netloc


def path_of(url: str) -> str:
    parts = urlsplit(url)
    return (parts.path or "/") + (f"?{parts.query}" if parts.query else "")


def hop(response: httpx.Response) -> str:
    """A redirect in words: ``GET /lti/login answered 301 to /lti/login/``."""
    to = location(response)
    shown = path_of(to) if origin(to) == origin(str(response.request.url)) else to
    return f"{response.request.method} {urlsplit(str(response.request.url)).path or '/'} answered {response.status_code} to {shown[:160]}"


def slash_variant(a: str, b: str) -> bool:
    """The two URLs differ only by a trailing slash on the path (what APPEND_SLASH-style redirects do)."""
    pa, pb = urlsplit(a), urlsplit(b)
    return origin(a) == origin(b) and pa.path != pb.path and pa.path.rstrip("/") == pb.path.rstrip("/")


def same_resource(a: str, b: str) -> bool:
    """The two URLs name the same resource on the same host, up to the scheme and a trailing slash
    (what canonical-URL redirects such as APPEND_SLASH or an https upgrade point at)."""
    pa, pb = urlsplit(a), urlsplit(b)
    return pa.hostname == pb.hostname and pa.path.rstrip("/") == pb.path.rstrip("/")


def follow(client: Client, response: httpx.Response, *, stop: Callable[[str], bool] | None = None,
           headers: dict[str, str] | None = None) -> tuple[httpx.Response, list[str]]:
    """Follow ``response``'s redirects as a browser would, while they stay within its origin and
    ``stop(url)`` is false, at most ``MAX_REDIRECTS`` hops: GET for 301/302/303, the same method and
    body for 307/308. Returns the last answer and the redirects followed, in words."""
    hops: list[str] = []
    for _ in range(MAX_REDIRECTS):
        to = location(response)
        if not to or origin(to) != origin(str(response.request.url)) or (stop is not None and stop(to)):
            break
        hops.append(hop(response))
        request = response.request
        if response.status_code in (307, 308) and request.method != "GET":
            kept = {k: v for k, v in request.headers.items() if k.lower() in ("content-type", "accept")}
            response = client.request(request.method, to, content=request.content, headers=kept)
        else:
            response = client.get(to, headers=headers or {"Accept": "text/html"})
    return response, hops


@dataclass
class Form:
    """One HTML form: where it posts, how, its named fields (with values) and the input types it has."""

    action: str
    method: str
    fields: dict[str, str] = field(default_factory=dict)
    kinds: set[str] = field(default_factory=set)
    button: tuple[str, str] | None = None  # the first named submit button (a browser sends the one clicked)

    def submitted(self) -> dict[str, str]:
        """What a browser sends when the first submit button is clicked."""
        return {**self.fields, **dict([self.button] if self.button else [])}


class _Forms(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.forms: list[Form] = []
        self._open = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "form":
            self.forms.append(Form(html.unescape(a.get("action", "")), (a.get("method") or "get").upper()))
            self._open = True
        elif tag in ("input", "button", "select", "textarea") and self._open and self.forms:
            kind = (a.get("type") or ("submit" if tag == "button" else "text" if tag == "input" else tag)).lower()
            self.forms[-1].kinds.add(kind)
            if a.get("name") and kind not in ("submit", "button", "image", "reset"):
                self.forms[-1].fields[a["name"]] = a.get("value", "")
            elif a.get("name") and kind == "submit" and self.forms[-1].button is None:
                self.forms[-1].button = (a["name"], a.get("value", ""))

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self._open = False


def forms(page: httpx.Response) -> list[Form]:
    """The forms of an HTML page (an empty list for anything else, or a page the parser cannot read)."""
    if "html" not in page.headers.get("content-type", ""):
        return []
    parser = _Forms()
    try:
        parser.feed(page.text)
    except Exception:  # noqa: BLE001  (a page the parser cannot read has no usable form)
        return []
    return parser.forms
