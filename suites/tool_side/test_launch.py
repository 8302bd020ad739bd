"""Launch validation by the tool (TOOL-010 … TOOL-032). Each refusal check first makes a valid launch
(the control): a tool that accepts nothing proves nothing, so a failed control ends the check ``error``.
A refusal is judged by acceptance only (no launch granted, whatever the status); how it was refused
(4xx, never 5xx) is TOOL-017."""

from __future__ import annotations

import time
import uuid
from typing import Any, Callable
from urllib.parse import urljoin

from lti_harness.harness import keys
from lti_harness.harness.checks import check
from lti_harness.harness.launch import Answer, post_id_token
from lti_harness.vocab import LTI_CLAIM

from .conftest import Registered, assert_accepted, assert_refused, control

SEC = "ims-facts.md §3.4 (SEC §5.1.3, tool validation)"
CERT = "ims-facts.md §5.1 (certification suite, known bad payloads)"


def replayed(registered: Registered) -> Answer:
    """A valid launch (the control), then the same state and id_token posted again by the same client."""
    first = control(registered)
    return post_id_token(registered.session.client, first.redirect_uri, first.id_token, first.state, refused_text=registered.refused_text)


def forged(registered: Registered) -> Answer | None:
    return registered.launch(signer=keys.generate(kid=registered.ident.key.kid)).answer


def expired(registered: Registered) -> Answer | None:
    now = int(time.time())
    return registered.launch(tamper=lambda c: c.update(iat=now - 600, exp=now - 300)).answer


def unknown_deployment(registered: Registered) -> Answer | None:
    dep = registered.session.unique(f"not-a-deployment-{uuid.uuid4().hex[:6]}")
    return registered.launch(tamper=lambda c: c.update({LTI_CLAIM + "deployment_id": dep})).answer


def without(claim: str) -> Callable[[Registered], Answer | None]:
    """A valid launch whose id_token lacks ``claim``."""
    return lambda r: r.launch(tamper=lambda c: c.pop(claim, None)).answer


def tampered(**changes: Any) -> Callable[[Registered], Answer | None]:
    """A valid launch whose id_token's claims are updated with ``changes`` (LTI claims by their short name)."""
    named = {(name if name in ("azp", "nonce", "iat", "exp") else LTI_CLAIM + name): value for name, value in changes.items()}
    return lambda r: r.launch(tamper=lambda c: c.update(named)).answer


def stale(registered: Registered) -> Answer | None:
    now = int(time.time())
    return registered.launch(tamper=lambda c: c.update(iat=now - 3600, exp=now + 300)).answer


def other_target(registered: Registered) -> Answer | None:
    def tamper(claims: dict[str, Any]) -> None:
        claims[LTI_CLAIM + "target_link_uri"] = urljoin(claims[LTI_CLAIM + "target_link_uri"], "/harness-other-resource")
    return registered.launch(tamper=tamper).answer


CLAIM_MISSING = "ims-facts.md §5.1 (certification: the tool must reject '{case}'; §3.4: the {claim} claim is required)"


# check id → (what is tried, the rule in words, how to try it)
REFUSALS: dict[str, tuple[str, str, Callable[[Registered], Answer | None]]] = {
    "TOOL-011": ("an id_token signed by another key under the platform's kid",
                 f"{SEC} step 1: the tool verifies the signature with the platform's key", forged),
    "TOOL-012": ("an id_token for another client id (aud)", f"{SEC} step 3: aud MUST contain the tool's client_id",
                 lambda r: r.launch(tamper=lambda c: c.update(aud="another-client-id")).answer),
    "TOOL-013": ("an id_token that expired 5 minutes ago", f"{SEC} step 7: the current time MUST be before exp", expired),
    "TOOL-014": ("the same launch (state and id_token) posted a second time",
                 f"{SEC} step 9: replays SHOULD be rejected (the nonce is used once)", replayed),
    "TOOL-015": ("an id_token for a deployment the tool does not know",
                 "the deployment_id claim identifies the platform-tool integration; a tool should not launch an unknown one", unknown_deployment),
    "TOOL-016": ("an id_token whose LTI version is 1.1",
                 "ims-facts.md §5.1 (certification: the tool must reject 'Wrong LTI Version'; the version claim is 1.3.0)",
                 lambda r: r.launch(tamper=lambda c: c.update({LTI_CLAIM + "version": "1.1"})).answer),
    "TOOL-018": ("an id_token without exp", f"{SEC} step 7: the current time MUST be before exp, so a token without exp "
                 "(valid forever) is refused", without("exp")),
    "TOOL-019": ("an id_token without iat", "ims-facts.md §3.4: iat is a claim of the id_token (OIDC Core §2: REQUIRED); a "
                 "token without it should be refused", without("iat")),
    "TOOL-020": ("an id_token without kid in its header", f"{CERT}: the tool must reject 'No KID Sent in JWT header'",
                 lambda r: r.launch(kid=False).answer),
    "TOOL-021": ("an id_token whose azp names another client (aud is the tool's client id)",
                 f"{SEC} step 5: if azp is present, it must equal the client_id", tampered(azp="another-client-id")),
    "TOOL-022": ("an id_token carrying a nonce the tool never issued",
                 "OIDC Core §3.1.3.7: the nonce claim MUST be the one the tool sent in its authentication request",
                 lambda r: tampered(nonce=f"harness-{uuid.uuid4().hex}")(r)),
    "TOOL-023": ("an id_token issued an hour ago (exp still 5 minutes ahead)",
                 f"{SEC} step 8: iat may be used to reject tokens issued too long ago", stale),
    "TOOL-024": ("an id_token whose target_link_uri is another URL than the login initiation's",
                 "ims-facts.md §3.4: the target_link_uri claim MUST equal the one of the login initiation", other_target),
    "TOOL-025": ("an id_token without message_type", CLAIM_MISSING.format(case="messsage_type Claim Missing", claim="message_type"),
                 without(LTI_CLAIM + "message_type")),
    "TOOL-026": ("an id_token without version", CLAIM_MISSING.format(case="No LTI Version", claim="version"),
                 without(LTI_CLAIM + "version")),
    "TOOL-027": ("an id_token without roles", CLAIM_MISSING.format(case="role Claim Missing", claim="roles"),
                 without(LTI_CLAIM + "roles")),
    "TOOL-028": ("an id_token without deployment_id", CLAIM_MISSING.format(case="deployment_id Claim Missing", claim="deployment_id"),
                 without(LTI_CLAIM + "deployment_id")),
    "TOOL-029": ("a resource link launch whose resource_link claim has no id",
                 CLAIM_MISSING.format(case="resource_link_id Claim Missing", claim="resource_link (with its id)"),
                 tampered(resource_link={"title": "A resource link without id"})),
    "TOOL-030": ("an id_token without sub", CLAIM_MISSING.format(case="user Claim Missing", claim="sub"), without("sub")),
    "TOOL-031": ("an id_token signed by the platform's key whose header kid is not in the platform's JWKS",
                 f"{CERT}: the tool must reject 'Incorrect KID in JWT header'",
                 lambda r: r.launch(kid=f"harness-unknown-{uuid.uuid4().hex[:8]}").answer),
    "TOOL-032": ("a valid id_token posted with a state the tool did not set",
                 "ims-facts.md §3.3 Step 4: the tool checks that state matches its session",
                 lambda r: r.launch(state=f"harness-{uuid.uuid4().hex}").answer),
}


def refused(registered: Registered, cid: str) -> None:
    what, rule, attempt = REFUSALS[cid]
    if cid != "TOOL-014":  # the replay makes its own control
        control(registered)
    answer = attempt(registered)
    if answer is not None:
        assert_refused(answer, rule, what)


@check("TOOL-010")
def test_valid_launch_accepted(registered):
    assert_accepted(registered.launch(), "ims-facts.md §3.3–3.4: a valid launch is accepted")


@check("TOOL-011")
def test_forged_signature_refused(registered):
    refused(registered, "TOOL-011")


@check("TOOL-012")
def test_wrong_audience_refused(registered):
    refused(registered, "TOOL-012")


@check("TOOL-013")
def test_expired_refused(registered):
    refused(registered, "TOOL-013")


@check("TOOL-014")
def test_replay_refused(registered):
    refused(registered, "TOOL-014")


@check("TOOL-015")
def test_unknown_deployment_refused(registered):
    refused(registered, "TOOL-015")


@check("TOOL-016")
def test_wrong_version_refused(registered):
    refused(registered, "TOOL-016")


@check("TOOL-018")
def test_without_exp_refused(registered):
    refused(registered, "TOOL-018")


@check("TOOL-019")
def test_without_iat_refused(registered):
    refused(registered, "TOOL-019")


@check("TOOL-020")
def test_without_kid_refused(registered):
    refused(registered, "TOOL-020")


@check("TOOL-021")
def test_wrong_azp_refused(registered):
    refused(registered, "TOOL-021")


@check("TOOL-022")
def test_unknown_nonce_refused(registered):
    refused(registered, "TOOL-022")


@check("TOOL-023")
def test_stale_iat_refused(registered):
    refused(registered, "TOOL-023")


@check("TOOL-024")
def test_other_target_link_uri_refused(registered):
    refused(registered, "TOOL-024")


@check("TOOL-025")
def test_without_message_type_refused(registered):
    refused(registered, "TOOL-025")


@check("TOOL-026")
def test_without_version_refused(registered):
    refused(registered, "TOOL-026")


@check("TOOL-027")
def test_without_roles_refused(registered):
    refused(registered, "TOOL-027")


@check("TOOL-028")
def test_without_deployment_id_refused(registered):
    refused(registered, "TOOL-028")


@check("TOOL-029")
def test_without_resource_link_id_refused(registered):
    refused(registered, "TOOL-029")


@check("TOOL-030")
def test_without_sub_refused(registered):
    refused(registered, "TOOL-030")


@check("TOOL-031")
def test_unknown_kid_refused(registered):
    refused(registered, "TOOL-031")


@check("TOOL-032")
def test_other_state_refused(registered):
    refused(registered, "TOOL-032")


@check("TOOL-017")
def test_refusals_are_4xx(registered):
    control(registered)
    crashed = []
    for cid, (what, _rule, attempt) in REFUSALS.items():
        answer = attempt(registered)
        if answer is not None and answer.response.status_code >= 500:
            crashed.append(f"{cid} ({what}): {answer.describe()[:160]}")
    assert not crashed, ("a refusal is a 4xx the platform and the user can act on (SEC §5.1.3 names 401 for a wrong aud), "
                         "never a 5xx; the tool crashed on " + "; ".join(crashed))
