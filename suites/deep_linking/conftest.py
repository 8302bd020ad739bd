"""Fixtures of the deep_linking suite: the launch suite's harness tool (:class:`LaunchSetup`, set up afresh
for this suite), its deep-linking launches, the responses it signs and what the platform created."""

from __future__ import annotations

import secrets
import time
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest

from lti_harness.harness import keys, redact
from lti_harness.harness.client import json_body
from lti_harness.harness.platform_launch import AuthAnswer, Initiation, initiate, post_deep_link_response
from lti_harness.harness.results import cannot_test, precondition
from lti_harness.harness.session import HarnessSession
from lti_harness.suites.common import LtiKey, lti_token, token_url
from lti_harness.suites.launch.conftest import GRANTED, LaunchSetup, new_setup
from lti_harness.vocab import CONTAINER_TYPE, LINEITEM_READONLY_SCOPE, LTI_CLAIM

DL_CLAIM = "https://purl.imsglobal.org/spec/lti-dl/claim/"
SETTINGS_CLAIM = DL_CLAIM + "deep_linking_settings"
AGS_CLAIM = "https://purl.imsglobal.org/spec/lti-ags/claim/endpoint"
PLACEMENT = "assignment_selection"
POINTS = 7
MAX_PAGES = 20


@dataclass
class DeepLinkRequest:
    """A deep-linking launch carried through: the id_token's header and claims and its settings claim."""

    initiation: Initiation
    answer: AuthAnswer
    header: dict[str, Any]
    claims: dict[str, Any]

    @property
    def settings(self) -> dict[str, Any]:
        found = self.claims.get(SETTINGS_CLAIM)
        return found if isinstance(found, dict) else {}


@dataclass
class DeepLinking:
    """The launch suite's harness tool, launched for deep linking as the course's teacher."""

    launches: LaunchSetup
    controlled: bool = False
    token: str = ""
    lineitems_url: str = ""
    cache: dict[str, Any] = field(default_factory=dict)

    @property
    def session(self) -> HarnessSession:
        return self.launches.session

    def request(self, placement: str = PLACEMENT) -> DeepLinkRequest:
        """A fresh launch of ``placement`` as the teacher: the id_token the platform posted (error when none)."""
        s = self.launches
        url = self.session.adapter.launch_url(s.course_id, s.teacher, tool_id=s.tool_id, placement=placement)
        if "verifier=" in url:  # a one-time login: kept out of the report
            redact.register_secret(url.split("verifier=", 1)[1].split("&", 1)[0])
        initiation = s.reached(initiate(self.session.client, url, s.urls))
        answer = s.authenticate(initiation)
        precondition(bool(answer.id_token), f"the {placement} launch got no id_token: {answer.describe()} (LAUNCH-006 judges this)")
        header, claims = s.verify(answer.id_token)
        return DeepLinkRequest(initiation, answer, header, claims)

    def usable(self, req: DeepLinkRequest) -> str:
        """The request's return URL; error when the launch is no deep-linking request with one (DL-001 judges this)."""
        url = req.settings.get("deep_link_return_url")
        kind = req.claims.get(LTI_CLAIM + "message_type")
        precondition(kind == "LtiDeepLinkingRequest" and isinstance(url, str) and url.startswith(("https://", "http://")),
                     f"the {PLACEMENT} launch is no deep-linking request with a return URL (message_type {kind!r}, "
                     f"deep_link_return_url {url!r}; DL-001 judges this)")
        if not self.lineitems_url:
            ags = req.claims.get(AGS_CLAIM)
            found = ags.get("lineitems") if isinstance(ags, dict) else None
            precondition(isinstance(found, str), "the deep-linking request carries no AGS claim with a lineitems URL to read the "
                                                 "tool's line items from")
            self.lineitems_url = str(found)
        return str(url)

    @staticmethod
    def label() -> str:
        return f"DL item {secrets.token_hex(5)}"

    def item(self, label: str) -> dict[str, Any]:
        """One ltiResourceLink titled ``label``, with a lineItem of that label."""
        return {"type": "ltiResourceLink", "title": label, "url": self.launches.urls.target,
                "lineItem": {"label": label, "scoreMaximum": POINTS, "resourceId": f"res-{label[-10:]}", "tag": "harness-dl"}}

    def response(self, req: DeepLinkRequest, items: list[dict[str, Any]], *, signer: keys.KeyPair | None = None,
                 **overrides: Any) -> str:
        """The tool's LtiDeepLinkingResponse for ``req`` (ims-facts.md §3.4), signed by the tool's key (or ``signer``);
        ``overrides`` replace claims by name (``None`` leaves one out)."""
        now = int(time.time())
        claims: dict[str, Any] = {
            "iss": self.launches.client_id, "aud": req.claims.get("iss"), "iat": now, "exp": now + 300,
            "nonce": secrets.token_urlsafe(16), LTI_CLAIM + "message_type": "LtiDeepLinkingResponse",
            LTI_CLAIM + "version": "1.3.0", LTI_CLAIM + "deployment_id": req.claims.get(LTI_CLAIM + "deployment_id"),
            DL_CLAIM + "content_items": items,
        }
        if "data" in req.settings:
            claims[DL_CLAIM + "data"] = req.settings["data"]
        for name, value in overrides.items():
            if value is None:
                claims.pop(name, None)
            else:
                claims[name] = value
        return (signer or self.session.harness_tool.key).sign(claims)

    def send(self, req: DeepLinkRequest, token: str) -> httpx.Response:
        return post_deep_link_response(self.session.client, self.usable(req), token)

    def _token(self) -> str:
        if not self.token:
            lti = LtiKey(id=self.launches.client_id, key=self.session.harness_tool.key, token_url=token_url(self.session), scopes=list(GRANTED))
            self.token = lti_token(self.session, lti, [LINEITEM_READONLY_SCOPE])
        return self.token

    def line_items(self, label: str) -> list[dict[str, Any]]:
        """The tool's line items labelled ``label`` (every page of the request's lineitems URL)."""
        found: list[dict[str, Any]] = []
        url: str | None = self.lineitems_url
        headers = {"Authorization": f"Bearer {self._token()}", "Accept": CONTAINER_TYPE}
        for _ in range(MAX_PAGES):
            if url is None:
                break
            response = self.session.client.get(url, headers=headers)
            body = json_body(response) if response.status_code == 200 else None
            precondition(isinstance(body, list), f"the tool's line items could not be read from {url}: {response.status_code} {response.text[:160]!r}")
            found += [i for i in body if isinstance(i, dict) and i.get("label") == label]  # type: ignore[union-attr]
            url = response.links.get("next", {}).get("url")
        for item in found:
            self._note(f"line item {item.get('id')} (created by a deep-linking response in course {self.launches.course_id})")
        return found

    def _note(self, what: str) -> None:
        """List what the platform created for the run once in the report (the course's deletion takes it along)."""
        noted = self.cache.setdefault("noted", set())
        if what not in noted:
            noted.add(what)
            self.session.note_created(what)

    def assignments(self, label: str) -> list[dict[str, Any]]:
        """The course's assignments named ``label``; none where the adapter cannot list assignments."""
        listing = getattr(self.session.adapter, "assignments", None)
        if listing is None:
            return []
        return [a for a in listing(self.launches.course_id) if a.get("name") == label]

    def created(self, label: str) -> list[str]:
        """What the platform created carrying ``label``, in words (empty when nothing)."""
        made = [f"line item {i.get('id')}" for i in self.line_items(label)]
        return made + [f"assignment {a.get('id')}" for a in self.assignments(label)]

    def control(self) -> None:
        """Once per run: a valid response to a fresh request creates its item; error otherwise."""
        if self.controlled:
            return
        req = self.request()
        label = self.label()
        answer = self.send(req, self.response(req, [self.item(label)]))
        if not self.line_items(label):
            cannot_test(f"a valid deep-linking response (one ltiResourceLink with a lineItem) created no line item labelled "
                        f"{label!r}; the platform answered {answer.status_code}: {answer.text[:200]!r} (DL-002 judges this)")
        self.controlled = True


@pytest.fixture
def deep_links(platform: HarnessSession) -> DeepLinking:
    """The harness's tool installed in a course of the platform, for deep linking (made once per run)."""
    if "deep_linking_setup" not in platform.cache:
        platform.cache["deep_linking_setup"] = DeepLinking(new_setup(platform))
    return platform.cache["deep_linking_setup"]
