"""A platform's Deep Linking, the harness acting as the tool (DL-001 … DL-010)."""

from __future__ import annotations

import time
from typing import Any, Callable

from lti_harness.harness import keys, schemas
from lti_harness.harness.checks import check
from lti_harness.harness.plugin import not_applicable
from lti_harness.harness.results import precondition
from lti_harness.vocab import LTI_CLAIM

from .conftest import DL_CLAIM, POINTS, DeepLinking, DeepLinkRequest


def refused(deep_links: DeepLinking, rule: str, token_for: Callable[[DeepLinkRequest, str], str]) -> None:
    """A valid response (the control) creates its item; then a fresh request's response made by ``token_for``
    (the request and the item's label) must create nothing."""
    deep_links.control()
    req = deep_links.request()
    deep_links.usable(req)
    label = deep_links.label()
    answer = deep_links.send(req, token_for(req, label))
    made = deep_links.created(label)
    assert not made, f"{rule}; the platform answered {answer.status_code} and created {', '.join(made)}"


# --- the request ----------------------------------------------------------------------------------

@check("DL-001")
def test_request_claims(deep_links):
    req = deep_links.request()
    claims = req.claims
    problems = []
    kind = claims.get(LTI_CLAIM + "message_type")
    if kind != "LtiDeepLinkingRequest":
        problems.append(f"message_type is {kind!r}, not LtiDeepLinkingRequest")
    if claims.get(LTI_CLAIM + "version") != "1.3.0":
        problems.append(f"version is {claims.get(LTI_CLAIM + 'version')!r}, not 1.3.0")
    lacking = [c for c in ("iss", "aud", "sub", "exp", "iat", "nonce") if c not in claims]
    lacking += [c for c in ("deployment_id", "roles") if LTI_CLAIM + c not in claims]
    if lacking:
        problems.append(f"the id_token lacks {', '.join(lacking)}")
    settings = claims.get(DL_CLAIM + "deep_linking_settings")
    if not isinstance(settings, dict):
        problems.append("the id_token has no deep_linking_settings claim")
    else:
        problems += [f"deep_linking_settings: {e}" for e in schemas.errors("lti_deep_linking_settings", settings)[:8]]
    assert not problems, "the assignment_selection launch is no valid deep-linking request: " + "; ".join(problems)


# --- a valid response -----------------------------------------------------------------------------

@check("DL-002")
def test_valid_response_creates_assignment(deep_links):
    req = deep_links.request()
    deep_links.usable(req)
    label = deep_links.label()
    item = deep_links.item(label)
    answer = deep_links.send(req, deep_links.response(req, [item]))
    found = deep_links.line_items(label)
    assert len(found) == 1, (f"a valid response with one ltiResourceLink (lineItem label {label!r}) left {len(found)} line items of "
                             f"that label in the tool's AGS line items; the platform answered {answer.status_code}: {answer.text[:200]!r}")
    line = found[0]
    wanted: dict[str, Any] = {"scoreMaximum": POINTS, "resourceId": item["lineItem"]["resourceId"], "tag": item["lineItem"]["tag"]}
    wrong = [f"{name} {line.get(name)!r} (sent {value!r})" for name, value in wanted.items() if line.get(name) != value]
    assert not wrong, "the created line item does not carry the lineItem's values: " + "; ".join(wrong)
    made = deep_links.assignments(label)
    if getattr(deep_links.session.adapter, "assignments", None) is not None:
        assert len(made) == 1, f"the course has {len(made)} assignments named {label!r} after the response, not one"
        points = made[0].get("points_possible")
        assert points == POINTS, f"the created assignment is worth {points!r} points, not the lineItem's scoreMaximum {POINTS}"


# --- responses that must create nothing -----------------------------------------------------------

@check("DL-003")
def test_forged_signature(deep_links):
    forger = keys.generate(kid=deep_links.session.harness_tool.key.kid)
    refused(deep_links, "a response signed by another key must create nothing (ims-facts.md §3.4: verify the signature)",
            lambda req, label: deep_links.response(req, [deep_links.item(label)], signer=forger))


@check("DL-004")
def test_wrong_audience(deep_links):
    refused(deep_links, "a response addressed to another platform must create nothing (ims-facts.md §3.4: aud is the platform issuer)",
            lambda req, label: deep_links.response(req, [deep_links.item(label)], aud="https://another-platform.invalid"))


@check("DL-005")
def test_expired_or_without_exp(deep_links):
    now = int(time.time())
    refused(deep_links, "an expired response must create nothing (ims-facts.md §3.4: the current time MUST be before exp)",
            lambda req, label: deep_links.response(req, [deep_links.item(label)], exp=now - 120, iat=now - 180))
    refused(deep_links, "a response without exp must create nothing (ims-facts.md §3.4: exp is required)",
            lambda req, label: deep_links.response(req, [deep_links.item(label)], exp=None))


@check("DL-006")
def test_changed_data(deep_links):
    probe = deep_links.request()
    if not isinstance(probe.settings.get("data"), str):
        not_applicable("the platform's deep-linking request sends no data in its settings: there is none to change")
    refused(deep_links, "a response whose data is not the request's must create nothing (the tool returns data unchanged)",
            lambda req, label: deep_links.response(req, [deep_links.item(label)], **{DL_CLAIM + "data": str(req.settings.get("data")) + "x"}))


@check("DL-007")
def test_other_deployment(deep_links):
    other = deep_links.session.unique("harness-other-deployment")
    refused(deep_links, "a response naming another deployment must create nothing",
            lambda req, label: deep_links.response(req, [deep_links.item(label)], **{LTI_CLAIM + "deployment_id": other}))


@check("DL-008")
def test_wrong_message_type(deep_links):
    refused(deep_links, "a response whose message_type is LtiResourceLinkRequest must create nothing",
            lambda req, label: deep_links.response(req, [deep_links.item(label)], **{LTI_CLAIM + "message_type": "LtiResourceLinkRequest"}))


# --- accept_multiple and replays ------------------------------------------------------------------

@check("DL-009")
def test_accept_multiple_false(deep_links):
    deep_links.control()
    req = deep_links.request()
    deep_links.usable(req)
    if req.settings.get("accept_multiple") is not False:
        not_applicable(f"the platform's assignment_selection request has accept_multiple {req.settings.get('accept_multiple')!r}, not false")
    first, second = deep_links.label(), deep_links.label()
    answer = deep_links.send(req, deep_links.response(req, [deep_links.item(first), deep_links.item(second)]))
    made = {label: deep_links.created(label) for label in (first, second)}
    both = [label for label, what in made.items() if what]
    assert len(both) <= 1, (f"with accept_multiple false, a response with two items created both ({made}); the platform answered "
                            f"{answer.status_code} (refusing the response or taking one item both pass)")


@check("DL-010")
def test_replayed_response(deep_links):
    req = deep_links.request()
    deep_links.usable(req)
    label = deep_links.label()
    token = deep_links.response(req, [deep_links.item(label)])
    first = deep_links.send(req, token)
    precondition(len(deep_links.line_items(label)) == 1, f"the first post of a valid response created no line item labelled {label!r}; "
                                                          f"the platform answered {first.status_code}: {first.text[:200]!r} (DL-002 judges this)")
    second = deep_links.send(req, token)
    items, assignments = deep_links.line_items(label), deep_links.assignments(label)
    assert len(items) == 1 and len(assignments) <= 1, (
        f"the same response posted twice left {len(items)} line items and {len(assignments)} assignments labelled {label!r}; "
        f"the second post was answered {second.status_code} (replays SHOULD be rejected)")
