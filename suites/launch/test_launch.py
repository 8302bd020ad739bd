"""A platform's launches of the harness's tool (LAUNCH-001 … LAUNCH-017)."""

from __future__ import annotations

from lti_harness.harness import schemas
from lti_harness.harness.checks import check
from lti_harness.harness.client import json_body
from lti_harness.harness.platform_launch import AuthAnswer
from lti_harness.harness.plugin import not_applicable
from lti_harness.harness.results import precondition
from lti_harness.suites.common import LtiKey, lti_token, token_url
from lti_harness.vocab import CONTAINER_TYPE, LINEITEM_TYPE, LTI_CLAIM

from .conftest import GRANTED, LaunchSetup

AGS_CLAIM = "https://purl.imsglobal.org/spec/lti-ags/claim/endpoint"
SKEW = 60
DAY = 86400


def refused(launches: LaunchSetup, rule: str, **overrides: str | None) -> None:
    """A valid launch (the control) gets an id_token; then a fresh launch's authentication request with
    ``overrides`` must get none posted anywhere."""
    launches.valid()
    initiation = launches.reached(launches.initiate())
    answer = launches.authenticate(initiation, **overrides)
    assert not answer.id_token, f"{rule}; the platform posted an id_token: {answer.describe()}"


# --- login initiation and the authorization endpoint --------------------------------------------------

@check("LAUNCH-001")
def test_login_initiation(launches):
    initiation = launches.initiate()
    assert initiation.method, (f"the launch URL never led to the tool's login initiation URL {launches.urls.login} "
                               f"(ims-facts.md §3.3 Step 1); the platform answered {initiation.page.status_code}: {initiation.page.text[:200]!r}")
    p = initiation.params
    lacking = [name for name in ("iss", "login_hint", "target_link_uri") if not p.get(name)]
    assert not lacking, f"the login initiation lacks {', '.join(lacking)} (ims-facts.md §3.3 Step 1: required); it carried {sorted(p)}"
    issuer = launches.session.platform.issuer if launches.session.platform else ""
    assert p["iss"] == issuer, f"the login initiation's iss is {p['iss']!r}, not the platform's issuer {issuer!r}"
    if p.get("client_id"):
        assert p["client_id"] == launches.client_id, f"the login initiation names client_id {p['client_id']!r}, not the tool's {launches.client_id!r}"
    if p.get("lti_deployment_id"):
        answer = launches.authenticate(initiation)
        if answer.id_token:
            claims = launches.verify(answer.id_token)[1]
            deployment = claims.get(LTI_CLAIM + "deployment_id")
            assert deployment in (None, p["lti_deployment_id"]), (f"the login initiation's lti_deployment_id {p['lti_deployment_id']!r} is not the "
                                                                  f"id_token's deployment_id {deployment!r} (it must equal it)")


@check("LAUNCH-002")
def test_unregistered_redirect_uri(launches):
    refused(launches, "an unregistered redirect_uri gets no id_token (ims-facts.md §3.3: redirect_uri is one of the registered URIs)",
            redirect_uri="https://unregistered.invalid/catch")


@check("LAUNCH-003")
def test_unknown_client_id(launches):
    refused(launches, "a client_id the platform never issued gets no id_token", client_id="9" + launches.client_id[-8:].rjust(8, "0") + "0000007")


@check("LAUNCH-004")
def test_missing_nonce(launches):
    refused(launches, "an authentication request without nonce gets no id_token (ims-facts.md §3.3: nonce is REQUIRED)", nonce=None)


@check("LAUNCH-005")
def test_wrong_response_type(launches):
    refused(launches, "an authentication request for response_type=code gets no id_token (ims-facts.md §3.3: response_type is id_token)",
            response_type="code")


@check("LAUNCH-016")
def test_launch_authorized_once(launches):
    initiation = launches.reached(launches.initiate())
    first = launches.authenticate(initiation)
    precondition(bool(first.id_token), f"the first authentication request got no id_token: {first.describe()} (LAUNCH-006 judges this)")
    second = launches.authenticate(initiation)
    assert not second.id_token, ("the same launch (its lti_message_hint) was authorized a second time, with a fresh state and nonce; "
                                 f"Canvas answers each launch once: {second.describe()}")


# --- the id_token ----------------------------------------------------------------------------------

@check("LAUNCH-006")
def test_id_token_posted_and_signed(launches):
    initiation = launches.reached(launches.initiate())
    answer: AuthAnswer = launches.authenticate(initiation)
    assert answer.id_token, f"a valid authentication request got no id_token posted to the redirect URI: {answer.describe()}"
    assert answer.sent is not None and answer.sent.method == "POST", (
        f"the id_token reached the redirect URI by {answer.sent.method if answer.sent else '?'}, not a form POST (response_mode form_post)")
    header, _ = launches.verify(answer.id_token)
    problem = launches.signature_problem(answer.id_token, header)
    assert problem is None, problem


@check("LAUNCH-007")
def test_required_claims(launches):
    claims = launches.valid().claims
    found = schemas.errors("lti_resource_link_id_token", claims)
    assert not found, "the id_token's claims do not conform to schemas/lti_resource_link_id_token.json: " + "; ".join(found[:8])
    assert claims.get("sub"), "the id_token of a course member's launch has no sub"


@check("LAUNCH-008")
def test_nonce_echoed(launches):
    made = []
    for _ in range(2):
        initiation = launches.reached(launches.initiate())
        answer = launches.authenticate(initiation)
        precondition(bool(answer.id_token), f"a valid authentication request got no id_token: {answer.describe()} (LAUNCH-006 judges this)")
        made.append((answer.request["nonce"], launches.verify(answer.id_token)[1].get("nonce")))
    wrong = [f"sent {sent!r}, got {got!r}" for sent, got in made if sent != got]
    assert not wrong, "the id_token's nonce is not the one the tool sent: " + "; ".join(wrong)


@check("LAUNCH-009")
def test_state_echoed(launches):
    launched = launches.valid()
    sent, posted = launched.answer.request["state"], launched.answer.sent.fields.get("state") if launched.answer.sent else None
    assert posted == sent, f"the form post to the tool carries state {posted!r}, not the {sent!r} the tool sent (ims-facts.md §3.3 Step 3)"


@check("LAUNCH-010")
def test_audience(launches):
    claims = launches.valid().claims
    aud, azp = claims.get("aud"), claims.get("azp")
    audiences = aud if isinstance(aud, list) else [aud]
    assert launches.client_id in audiences, f"the id_token's aud {aud!r} does not contain the tool's client id {launches.client_id!r}"
    if azp is not None:
        assert azp == launches.client_id, f"the id_token's azp {azp!r} is not the tool's client id {launches.client_id!r}"
    elif len(audiences) > 1:
        raise AssertionError(f"the id_token has several audiences {aud!r} and no azp (validation steps 3–4: the tool expects azp then)")


@check("LAUNCH-011")
def test_valid_on_arrival(launches):
    launched = launches.valid()
    iat, exp = launched.claims.get("iat"), launched.claims.get("exp")
    precondition(isinstance(iat, (int, float)) and isinstance(exp, (int, float)), f"the id_token's iat {iat!r} or exp {exp!r} is not a number (LAUNCH-007 judges this)")
    assert iat <= launched.at + SKEW, f"the id_token's iat is {iat - launched.at:.0f} s in the future"
    assert exp > iat, f"the id_token's exp ({exp}) is not after its iat ({iat})"
    assert exp > launched.at - SKEW, f"the id_token had expired {launched.at - exp:.0f} s before it arrived (exp {exp}, iat {iat})"


@check("LAUNCH-012")
def test_lifetime(launches):
    claims = launches.valid().claims
    iat, exp = claims.get("iat"), claims.get("exp")
    precondition(isinstance(iat, (int, float)) and isinstance(exp, (int, float)), f"the id_token's iat {iat!r} or exp {exp!r} is not a number (LAUNCH-007 judges this)")
    assert exp - iat <= DAY, f"the id_token is valid for {(exp - iat) / 3600:.0f} hours (exp - iat), more than a day"


@check("LAUNCH-013")
def test_roles_are_uris(launches):
    roles = launches.valid().claims.get(LTI_CLAIM + "roles")
    precondition(isinstance(roles, list), f"the id_token has no roles array ({roles!r}; LAUNCH-007 judges this)")
    short = [r for r in roles if not (isinstance(r, str) and r.startswith(("http://", "https://")) and len(r) > 10)]
    assert not short, f"roles must be role URIs (ims-facts.md §3.4); these are not: {short}"


def _membership(roles: object) -> set[str]:
    names = set()
    for role in roles if isinstance(roles, list) else []:
        if isinstance(role, str) and ("/membership#" in role or "#" not in role and "/" not in role):
            names.add(role.rsplit("#", 1)[-1])
    return names


@check("LAUNCH-014")
def test_roles_follow_enrolment(launches):
    student = _membership(launches.valid().claims.get(LTI_CLAIM + "roles"))
    teacher = _membership(launches.valid(teacher=True).claims.get(LTI_CLAIM + "roles"))
    assert "Learner" in student and "Instructor" not in student, f"a student's launch has the membership roles {sorted(student)}, not Learner"
    assert "Instructor" in teacher, f"a teacher's launch has the membership roles {sorted(teacher)}, without Instructor"


@check("LAUNCH-015")
def test_ags_claim(launches):
    claims = launches.valid(assignment=True).claims
    ags = claims.get(AGS_CLAIM)
    if not isinstance(ags, dict):
        not_applicable("the assignment launch carries no AGS endpoint claim")
    scopes = ags.get("scope") if isinstance(ags.get("scope"), list) else []
    ungranted = [s for s in scopes if s not in GRANTED]
    assert not ungranted, f"the AGS claim lists scopes the tool was never granted: {ungranted} (granted: {GRANTED})"
    precondition(bool(scopes), "the AGS claim lists no scope to ask a token for")
    session = launches.session
    lti = LtiKey(id=launches.client_id, key=session.harness_tool.key, token_url=token_url(session), scopes=list(GRANTED))
    token = lti_token(session, lti, [str(s) for s in scopes])
    headers = {"Authorization": f"Bearer {token}"}
    problems = []
    for name, media in (("lineitems", CONTAINER_TYPE), ("lineitem", LINEITEM_TYPE)):
        url = ags.get(name)
        if not isinstance(url, str):
            if name == "lineitems":
                problems.append("the claim has no lineitems URL")
            continue
        response = session.client.get(url, headers={**headers, "Accept": media})
        body = json_body(response) if response.status_code == 200 else None
        if response.status_code != 200 or body is None:
            problems.append(f"{name} {url} answered {response.status_code}: {response.text[:160]!r}")
    assert not problems, "the AGS claim's URLs do not work with a token for its scopes: " + "; ".join(problems)


@check("LAUNCH-017")
def test_target_link_uri(launches):
    launched = launches.valid()
    named = launched.initiation.params.get("target_link_uri")
    precondition(bool(named), "the login initiation named no target_link_uri to compare with (LAUNCH-001 judges this)")
    claim = launched.claims.get(LTI_CLAIM + "target_link_uri")
    assert claim == named, f"the id_token's target_link_uri {claim!r} is not the {named!r} the login initiation named"

