"""The mock tool as a Names and Role Provisioning Services client (ims-facts.md §4): a resource link launch
carrying the NRPS claim makes the tool read its course's members before it answers, as a roster page would.

It asks the platform's token endpoint (the registration's ``platformTokenEndpoint``) for an access token with
the ``contextmembership.readonly`` scope by a client assertion signed with its first signing key (ims-facts.md
§3.1), then GETs the claim's ``context_memberships_url`` with the membership container media type and follows
the ``Link`` header's ``rel="next"`` URL unchanged (ims-facts.md §2.5 says so of AGS paging; NRPS pages the same
way), page after page, at most ``MAX_PAGES``, only on the memberships URL's origin (the token goes nowhere
else). Every fetch goes through :mod:`harness.outbound`; the whole read has one deadline. Under the fault
``nrps-next-not-followed`` only the first page is read."""

from __future__ import annotations

import asyncio
import re
from dataclasses import dataclass
from typing import Any

from lti_harness.harness import keys, outbound
from lti_harness.vocab import NRPS_SCOPE

from . import faults
from .config import ToolConfig

NRPS_CLAIM = "https://purl.imsglobal.org/spec/lti-nrps/claim/namesroleservice"
MEMBERSHIP_TYPE = "application/vnd.ims.lti-nrps.v2.membershipcontainer+json"
ASSERTION_TYPE = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
MAX_PAGES = 20  # pages read at most per launch
MAX_PAGE_BYTES = 512 * 1024
DEADLINE = 15.0  # seconds for the token and every page together
LINK = re.compile(r'<([^>]*)>\s*;([^,]*)')


@dataclass
class Roster:
    """What one launch read: the pages and members, or why it stopped."""

    pages: int = 0
    members: int = 0
    error: str = ""

    def as_dict(self) -> dict[str, Any]:
        return {"pages": self.pages, "members": self.members, "error": self.error}


def memberships_url(claims: dict[str, Any]) -> str | None:
    """The claim's ``context_memberships_url`` when it is an http(s) URL, else None."""
    claim = claims.get(NRPS_CLAIM)
    url = claim.get("context_memberships_url") if isinstance(claim, dict) else None
    return url if isinstance(url, str) and url.startswith(("http://", "https://")) else None


def next_link(header: str) -> str | None:
    """The ``rel="next"`` target of a ``Link`` header (RFC 8288), or None."""
    for target, params in LINK.findall(header):
        rels = re.search(r'rel\s*=\s*"?([^";]*)"?', params)
        if rels and "next" in rels.group(1).split():
            return target
    return None


async def _token(fetcher: outbound.Fetcher, reg: dict[str, Any], config: ToolConfig) -> str:
    endpoint = str(reg.get("platformTokenEndpoint") or "")
    if not endpoint.startswith(("http://", "https://")):
        raise ValueError("the registration has no token endpoint")
    assertion = keys.client_assertion(config.signing_keys[0], str(reg["clientId"]), endpoint)
    got = await fetcher.fetch(endpoint, method="POST", headers={"Accept": "application/json"}, loopback_only=config.loopback_only,
                              form={"grant_type": "client_credentials", "client_assertion_type": ASSERTION_TYPE,
                                    "client_assertion": assertion, "scope": NRPS_SCOPE})
    body = got.json() if got.status == 200 else None
    token = body.get("access_token") if isinstance(body, dict) else None
    if not isinstance(token, str) or not token:
        raise ValueError(f"the token endpoint answered {got.status}")
    return token


async def _read(fetcher: outbound.Fetcher, reg: dict[str, Any], url: str, config: ToolConfig, roster: Roster) -> None:
    token = await _token(fetcher, reg, config)
    headers = {"Accept": MEMBERSHIP_TYPE, "Authorization": f"Bearer {token}"}
    page: str | None = url
    while page is not None and roster.pages < MAX_PAGES:
        got = await fetcher.fetch(page, headers=headers, loopback_only=config.loopback_only, max_bytes=MAX_PAGE_BYTES)
        if got.status != 200:
            raise ValueError(f"page {roster.pages + 1} answered {got.status}")
        body = got.json()
        members = body.get("members") if isinstance(body, dict) else None
        roster.pages += 1
        roster.members += len(members) if isinstance(members, list) else 0
        page = None if config.has(faults.NRPS_NEXT_NOT_FOLLOWED) else next_link(got.headers.get("link", ""))
        if page is not None and not outbound.same_origin(page, url):
            raise ValueError("the next page is on another origin than the memberships URL; the token is not sent there")


async def read_members(fetcher: outbound.Fetcher, reg: dict[str, Any], url: str, config: ToolConfig) -> Roster:
    """Every member of the course behind ``url`` (all pages, bounded); a failure is kept in ``error``."""
    roster = Roster()
    try:
        await asyncio.wait_for(_read(fetcher, reg, url, config, roster), DEADLINE)
    except asyncio.TimeoutError:
        roster.error = f"no complete read within {DEADLINE:g} s"
    except (outbound.FetchRefused, ValueError, KeyError, IndexError) as exc:
        roster.error = str(exc)[:300]
    return roster
