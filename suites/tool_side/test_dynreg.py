"""The tool's side of dynamic registration (TOOL-001 … TOOL-003), against a mock platform the harness
starts as the counterpart; the checks assert on what that platform recorded. One initiation per run
serves the three checks."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pytest

from lti_harness.harness import results, schemas, tool_dr
from lti_harness.harness.checks import check
from lti_harness.harness.client import Exchange, json_body
from lti_harness.harness.plugin import not_applicable
from lti_harness.harness.session import HarnessSession
from lti_harness.vocab import is_loopback

CACHE = "tool_side.dr_initiation"


@dataclass
class Initiated:
    token: str
    initiation: tool_dr.Initiation
    recorded: list[dict[str, Any]]
    exchanges: list[Exchange] = field(default_factory=list)

    def posted(self) -> dict[str, Any] | None:
        found = [r for r in self.recorded if r["route"] == "registrations"]
        return found[-1] if found else None


def _initiate(session: HarnessSession) -> Initiated:
    tool = session.profile.tool
    assert tool is not None and tool.dynamic_registration_url
    base, admin = session.counterpart_platform
    auth = {"Authorization": f"Bearer {admin}", "Accept": "application/json"}
    before = len(session.exchanges)
    issued = json_body(session.client.get(f"{base}/api/lti/accounts/1/registration_token", headers=auth))
    initiation = tool_dr.initiate(session.client, tool.dynamic_registration_url, issued["oidc_configuration_url"], issued["token"])
    recorded = json_body(session.client.get(f"{base}/_mock/recorded", headers=auth))
    done = Initiated(issued["token"], initiation, recorded, list(session.exchanges[before:]))
    if done.posted() is not None:
        session.note_created(f"a registration of the harness's counterpart platform ({base}), made by the tool's dynamic "
                             f"registration at {tool.dynamic_registration_url}")
    return done


@pytest.fixture
def initiated(tool_target: HarnessSession) -> Initiated:
    """The tool's initiation, done once per run (checks using it need ``tool_dynamic_registration``)."""
    tool = tool_target.profile.tool
    assert tool is not None
    if not is_loopback(tool.base_url) or not is_loopback(tool.dynamic_registration_url or ""):
        not_applicable("the counterpart platform runs on loopback, which a tool on another machine cannot reach")
    if CACHE not in tool_target.cache:
        tool_target.cache[CACHE] = _initiate(tool_target)
    else:  # the exchanges of the shared initiation belong to every check's report
        tool_target.exchanges.extend(tool_target.cache[CACHE].exchanges)
    done: Initiated = tool_target.cache[CACHE]
    if done.posted() is None and done.initiation.blocked:
        results.cannot_test(f"the harness could not complete the tool's dynamic registration as an administrator would: "
                            f"{done.initiation.blocked}; it answered {done.initiation.describe()}")
    return done


def posted(done: Initiated) -> dict[str, Any]:
    """The registration the tool posted; without one, TOOL-001 fails and the other checks cannot test."""
    found = done.posted()
    results.precondition(found is not None, f"the tool posted no registration (TOOL-001), so there is nothing to check; its page "
                         f"answered {done.initiation.describe()}")
    assert found is not None
    return found


@check("TOOL-001")
def test_tool_registers_with_a_valid_body(initiated):
    rule = "ims-facts.md §1.2–1.3: on initiation the tool fetches the OpenID configuration and posts its registration"
    assert any(r["route"] == "openid-configuration" for r in initiated.recorded), (
        f"{rule}: it never fetched the OpenID configuration; its page answered {initiated.initiation.describe()}")
    sent = initiated.posted()
    assert sent is not None, f"{rule}: it never posted a registration; its page answered {initiated.initiation.describe()}"
    problems = schemas.errors("registration_request", sent["body"])
    assert not problems, "ims-facts.md §1.3: the tool's registration request does not validate: " + "; ".join(problems[:4])


@check("TOOL-002")
def test_registration_token_as_bearer(initiated):
    got = posted(initiated)["authorization"] or ""
    assert got == f"Bearer {initiated.token}", ("ims-facts.md §1.1: the tool MUST use the registration_token as the bearer "
                                                 "access token when it posts its registration; it did not")


@check("TOOL-003")
def test_close_message(initiated):
    page = initiated.initiation
    if not page.closes():
        results.precondition(not page.blocked, f"the harness could not reach the tool's last page: {page.blocked}")
    assert page.closes(), ("ims-facts.md §1.6: when done, the tool's page posts {subject: 'org.imsglobal.lti.close'} to the "
                           f"window that opened it; its last page does not: {page.describe()}")
