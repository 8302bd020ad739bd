"""The tool's response to a deep-linking request (TOOL-033 … TOOL-043). Each check sends its own request
(a fresh return URL and data) and reads what the tool's answer sends to the return URL. A tool whose answer
sends nothing there is not judged (not applicable, or error when the profile says it answers there)."""

from __future__ import annotations

import time
from typing import Any

import jwt

from lti_harness.harness import keys, results, schemas
from lti_harness.harness.checks import check
from lti_harness.harness.launch import DL_CLAIM
from lti_harness.harness.plugin import not_applicable
from lti_harness.suites.toolapi import DeepLinked
from lti_harness.vocab import LTI_CLAIM

from .conftest import Registered

TOOL_JWT = "ims-facts.md §3.4 (tool-originated JWTs)"
SKEW = 60  # seconds of clock difference allowed for iat


def answered(registered: Registered) -> DeepLinked:
    """A deep-linking request and the tool's response to it; a tool that sends nothing to the return URL is
    not judged (see the checks' description)."""
    sent = registered.deep_link()
    if sent.launch.answer is None:
        results.cannot_test(f"the deep-linking request could not be sent: {sent.launch.login_refusal()}")
    if sent.answer is None:
        answer = sent.launch.answer
        assert answer is not None
        said = (f"the tool answered the deep-linking request (target_link_uri {sent.target}) with {answer.describe()[:300]}, "
                "which sends nothing to deep_link_return_url")
        if answer.crashed or answer.lost_post:
            results.cannot_test(said)
        if registered.deep_linking_declared:
            results.cannot_test(said + " — yet [tool.launch] deep_linking_url says the tool answers deep-linking requests there "
                                "(a selection page that needs a user's choice cannot be driven by the harness)")
        not_applicable(said + ": a tool without Deep Linking (an optional service) is not judged; give [tool.launch] "
                       "deep_linking_url where the tool answers deep-linking requests without a user's choice")
    return sent


def claims_of(sent: DeepLinked) -> dict[str, Any]:
    """The response JWT's payload, unverified (TOOL-034 judges the signature)."""
    results.precondition(sent.jwt, f"the tool's answer carries no JWT field ({sent.answer.describe() if sent.answer else ''}; TOOL-033)")
    try:
        claims = jwt.decode(sent.jwt, options={"verify_signature": False})
    except jwt.PyJWTError as exc:
        results.cannot_test(f"the JWT field of the tool's answer is not a JWT ({exc}; TOOL-033)")
        raise AssertionError("unreachable") from exc
    results.precondition(isinstance(claims, dict), "the response JWT's payload is not a JSON object (TOOL-033)")
    return claims


def response(registered: Registered) -> tuple[DeepLinked, dict[str, Any]]:
    sent = answered(registered)
    return sent, claims_of(sent)


@check("TOOL-033")
def test_response_is_a_jwt_posted_as_form_field(registered):
    sent = answered(registered)
    found = sent.answer
    assert found is not None
    rule = f"{TOOL_JWT}: the response JWT is sent as a form POST field named JWT to deep_link_return_url"
    assert found.how == "form" and found.method == "POST", f"{rule}; the tool sent {found.describe()}"
    assert found.jwt, f"{rule}; the form has no JWT field: {found.describe()}"
    try:
        jwt.get_unverified_header(found.jwt)
    except jwt.PyJWTError as exc:
        raise AssertionError(f"{rule}; the JWT field is not a JWT ({exc}): {found.jwt[:60]!r}") from None


@check("TOOL-034")
def test_response_signed_by_a_key_of_the_tools_jwks(registered):
    sent = answered(registered)
    claims_of(sent)
    if not registered.tool_jwks_url:
        not_applicable("the harness knows no JWKS of the tool to verify its response: give [tool.launch] jwks_url (a tool registered "
                       "through its registrations API names it as toolJwksUrl)")
    header = jwt.get_unverified_header(sent.jwt)
    rule = "ims-facts.md §3.2: receivers pick the key from the kid header, and every key of a key set has a kid"
    assert header.get("alg") == "RS256", f"ims-facts.md §3.1: the response must be signed with RS256; its header says alg {header.get('alg')!r}"
    assert isinstance(header.get("kid"), str) and header["kid"], f"{rule}; the response's header has no kid: {header}"
    fetched = registered.session.client.get(registered.tool_jwks_url, headers={"Accept": "application/json"})
    results.precondition(fetched.status_code == 200, f"the tool's JWKS {registered.tool_jwks_url} answered {fetched.status_code}: "
                         f"{fetched.text[:200]!r}")
    try:
        document = fetched.json()
    except ValueError:
        results.cannot_test(f"the tool's JWKS {registered.tool_jwks_url} is not JSON: {fetched.text[:200]!r}")
        raise
    try:
        key = keys.public_key_from_jwks(document, header["kid"])
    except KeyError:
        kids = [k.get("kid") for k in document.get("keys", []) if isinstance(k, dict)] if isinstance(document, dict) else []
        raise AssertionError(f"{rule}; the response names kid {header['kid']!r}, which the tool's JWKS does not hold (its kids: {kids})") from None
    try:
        jwt.decode(sent.jwt, key, algorithms=["RS256"], options={"verify_aud": False, "verify_exp": False, "verify_iat": False,
                                                                 "verify_nbf": False, "verify_iss": False})
    except jwt.InvalidSignatureError:
        raise AssertionError(f"ims-facts.md §5.1 (the response's signature is checked): the response does not verify with the key "
                             f"{header['kid']!r} of the tool's JWKS") from None


@check("TOOL-035")
def test_response_iss_is_client_id(registered):
    _, claims = response(registered)
    assert claims.get("iss") == registered.client_id, (f"{TOOL_JWT}: iss is the tool's client_id ({registered.client_id!r}); the "
                                                       f"response's iss is {claims.get('iss')!r}")


@check("TOOL-036")
def test_response_aud_is_platform_issuer(registered):
    _, claims = response(registered)
    issuer, aud = registered.ident.issuer, claims.get("aud")
    rule = f"{TOOL_JWT}: aud is the platform issuer ({issuer!r})"
    assert aud == issuer or (isinstance(aud, list) and issuer in aud), f"{rule}; the response's aud is {aud!r}"
    if "azp" in claims:
        assert claims["azp"] == issuer, f"{TOOL_JWT}: azp, if present, equals aud (the platform issuer); the response's azp is {claims['azp']!r}"


@check("TOOL-037")
def test_response_timestamps(registered):
    _, claims = response(registered)
    now = time.time()
    rule = f"{TOOL_JWT}: exp and iat are required"
    for name in ("iat", "exp"):
        value = claims.get(name)
        assert isinstance(value, (int, float)) and not isinstance(value, bool), f"{rule}; the response's {name} is {value!r}"
    assert claims["iat"] <= now + SKEW, f"{rule}; iat {claims['iat']} is {claims['iat'] - now:.0f} s in the future"
    assert claims["exp"] > claims["iat"], f"{rule}; exp {claims['exp']} is not after iat {claims['iat']}"
    assert claims["exp"] > now, f"{rule}; the response had expired when it arrived (exp {claims['exp']}, {now - claims['exp']:.0f} s ago)"


@check("TOOL-038")
def test_response_has_nonce(registered):
    _, claims = response(registered)
    nonce = claims.get("nonce")
    assert isinstance(nonce, str) and nonce, f"{TOOL_JWT}: nonce is required; the response's nonce is {nonce!r}"


@check("TOOL-039")
def test_responses_carry_fresh_nonces(registered):
    nonces = []
    for _ in range(2):
        _, claims = response(registered)
        results.precondition(isinstance(claims.get("nonce"), str) and claims["nonce"], "a response has no nonce to compare (TOOL-038)")
        nonces.append(claims["nonce"])
    assert nonces[0] != nonces[1], (f"SEC step 9: a platform SHOULD reject replays; two responses carry the same nonce "
                                    f"{nonces[0]!r}, so such a platform refuses the second")


@check("TOOL-040")
def test_response_message_type_and_version(registered):
    _, claims = response(registered)
    kind, version = claims.get(LTI_CLAIM + "message_type"), claims.get(LTI_CLAIM + "version")
    assert kind == "LtiDeepLinkingResponse", f"LTI Deep Linking 2.0: the response's message_type is LtiDeepLinkingResponse, not {kind!r}"
    assert version == "1.3.0", f"ims-facts.md §3.4: the version claim is \"1.3.0\", not {version!r}"


@check("TOOL-041")
def test_response_deployment_id_is_the_requests(registered):
    _, claims = response(registered)
    found = claims.get(LTI_CLAIM + "deployment_id")
    assert found == registered.deployment_id, (f"LTI Deep Linking 2.0 (ims-facts.md §3.4: deployment_id is required): the response's "
                                               f"deployment_id is the request's ({registered.deployment_id!r}), not {found!r}")


@check("TOOL-042")
def test_response_echoes_data(registered):
    sent, claims = response(registered)
    sent_data = sent.settings["data"]
    if DL_CLAIM + "data" not in claims:
        raise AssertionError(f"LTI Deep Linking 2.0: the tool echoes the settings' data; the response has no data claim (sent {sent_data!r})")
    assert claims[DL_CLAIM + "data"] == sent_data, (f"LTI Deep Linking 2.0: data is echoed unchanged; sent {sent_data!r}, the response "
                                                    f"has {claims[DL_CLAIM + 'data']!r}")


@check("TOOL-043")
def test_content_items_conform(registered):
    _, claims = response(registered)
    items = claims.get(DL_CLAIM + "content_items", [])
    assert isinstance(items, list), f"LTI Deep Linking 2.0: content_items is an array; the response's is {type(items).__name__}: {str(items)[:200]}"
    problems = [f"item {i} ({item.get('type') if isinstance(item, dict) else type(item).__name__}): {'; '.join(errors)}"
                for i, item in enumerate(items) if (errors := schemas.errors("lti_dl_content_items", item))]
    assert not problems, "schemas/lti_dl_content_items.json (LTI Deep Linking 2.0 content items): " + " | ".join(problems)
