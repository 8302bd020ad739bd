"""Checks of the tool-side suite: the tool's half of dynamic registration, a launch the tool must
accept or refuse, and the tool's response to a deep-linking request. Levels follow the source's words:
MUST (or the certification suite's "must reject") → required; SHOULD or silence → recommended."""

from functools import partial

from lti_harness.harness import checks

S = "tool_side"
SEC = "ims-facts.md §3.4 (Security Framework §5.1.3, tool validation steps)"
CERT = "ims-facts.md §5.1 (certification suite, tool tests: 'The tool must reject each of these' known bad payloads)"
DR = "ims-facts.md §1 (Dynamic Registration)"
LAUNCH = ("tool_launch",)
DYNREG = ("tool_dynamic_registration",)
REFUSAL = ("Judged by acceptance only: the check passes when no launch is granted (refused at login, or any answer "
           "but a 2xx page or a redirect to another site), whatever the status; a 5xx refusal is reported by TOOL-017. "
           "A valid control launch comes first; when the tool does not accept it, the check ends error (the harness "
           "could not test the refusal), never failed.")

# A tool whose login is broken fails the valid launch (TOOL-010); the refusal checks, whose control launch
# cannot succeed, end error (never passed).
CONTROL = ("login-without-nonce",)

define = partial(checks.define, suite=S, side="tool")  # every check of this suite tests a tool

define(
    id="TOOL-010",
    title="A valid launch (login initiation, then a signed id_token with the tool's nonce) is accepted",
    source="ims-facts.md §3.3 (OIDC third-party login: the tool's authentication request carries nonce, REQUIRED) and §3.4 "
    "(Step 4: the tool validates the id_token, then shows the resource)",
    level="required",
    faults=["login-without-nonce"],
    needs=LAUNCH,
    description="The harness acts as the platform. With [tool.launch] in the profile it uses the registration configured "
    "in the tool beforehand (issuer, client id, deployment, the public half of the profile's private_key); otherwise it "
    "registers itself once per run through the tool's registrations API (seed 001), serves its JWKS on loopback (or at "
    "[harness] public_url) and launches. Login initiation (GET with iss, login_hint, target_link_uri, client_id, "
    "lti_deployment_id; redirects within the tool followed, at most 5) must lead to the platform's authorization endpoint "
    "with state, nonce and redirect_uri. A tool that answers the id_token's POST with a 301 (or a 302 to the same path "
    "with or without a trailing slash) loses the id_token in a browser: that is no accepted launch, and the message names "
    "the redirect.",
)
define(
    id="TOOL-011",
    title="An id_token signed by another key is refused",
    source=f"{SEC} step 1 (verify the signature with the platform's key)",
    level="required",
    faults=["accepts-forged-id-token"],
    needs=LAUNCH,
    error_faults=CONTROL,
    description=REFUSAL,
)
define(
    id="TOOL-012",
    title="An id_token for another client id (aud) is refused",
    source=f"{SEC} step 3 (aud MUST contain the tool's client_id)",
    level="required",
    faults=["aud-not-checked"],
    needs=LAUNCH,
    error_faults=CONTROL,
    description=REFUSAL,
)
define(
    id="TOOL-013",
    title="An expired id_token is refused",
    source=f"{SEC} step 7 (the current time MUST be before exp); {CERT}: Timestamps Incorrect",
    level="required",
    faults=["exp-not-checked"],
    needs=LAUNCH,
    error_faults=CONTROL,
    description=REFUSAL,
)
define(
    id="TOOL-014",
    title="A replayed launch (the same state, nonce and id_token posted again) is refused",
    source=f"{SEC} step 9 (nonce MUST be present; replays SHOULD be rejected)",
    level="recommended",
    faults=["nonce-reuse-accepted"],
    needs=LAUNCH,
    error_faults=CONTROL,
    description="Recommended: the Security Framework says replays SHOULD be rejected, within a window the tool chooses. "
    "The replay is posted by the same client with the same cookies, as an attacker holding the browser's form post and "
    "session would; a tool that keeps the nonce in the session and never marks it used accepts it. " + REFUSAL,
)
define(
    id="TOOL-015",
    title="An id_token for an unknown deployment is refused",
    source="ims-facts.md §3.4 (deployment_id claim: required, stable within the issuer); no source sentence says a tool MUST refuse an unknown one",
    level="recommended",
    faults=["deployment-not-checked"],
    needs=LAUNCH,
    error_faults=CONTROL,
    description="Recommended: the sources make the claim required but are silent on refusing an unknown value (the "
    "certification suite lists only a missing deployment_id). The deployment id tried is unique to the run, so a tool "
    "that stores unknown deployments is not changed for the next run. " + REFUSAL,
)
define(
    id="TOOL-016",
    title="An id_token whose LTI version is not 1.3.0 is refused",
    source=f"ims-facts.md §3.4 (version claim: required, \"1.3.0\"); {CERT}: Wrong LTI Version",
    level="required",
    faults=["version-not-checked"],
    needs=LAUNCH,
    error_faults=CONTROL,
    description=REFUSAL,
)
define(
    id="TOOL-017",
    title="Refusals are 4xx, never 5xx: every refusal case of TOOL-011 … TOOL-016 and TOOL-018 … TOOL-032 is answered without a server error",
    source=f"{SEC} step 3 (reject with HTTP 401); {CERT}",
    level="recommended",
    faults=["refuse-with-500"],
    needs=LAUNCH,
    error_faults=CONTROL,
    description="Recommended: the sources name a status only for a wrong aud (401). Runs every refusal case after a valid "
    "control launch and names each case the tool answered with a 5xx; cases the tool accepted are the security checks' "
    "concern, not this one's.",
)
define(
    id="TOOL-018",
    title="An id_token without exp is refused",
    source=f"{SEC} step 7 (the current time MUST be before exp: a token without exp has no end); ims-facts.md §3.4 (exp, a JSON "
    f"number, is an id_token claim of the Security Framework; OIDC Core §2: REQUIRED); {CERT}: Timestamps Incorrect",
    level="required",
    faults=["launch-without-exp-accepted"],
    needs=LAUNCH,
    error_faults=CONTROL,
    description="The id_token is valid in every other way (signature, iss, aud, nonce, iat, deployment, version). Required: "
    "step 7 is a MUST that a token without exp cannot meet, and a tool accepting it accepts that token forever. " + REFUSAL,
)
define(
    id="TOOL-019",
    title="An id_token without iat is refused",
    source="ims-facts.md §3.4 (iat is an id_token claim of the Security Framework; OIDC Core §2: REQUIRED; validation step 8: iat "
    "may be used to reject tokens issued too long ago)",
    level="recommended",
    faults=["launch-without-iat-accepted"],
    needs=LAUNCH,
    error_faults=CONTROL,
    description="The id_token is valid in every other way (exp 5 minutes ahead). Recommended: the claim is required in the "
    "token, but the validation steps only say iat MAY be used and no source sentence says a tool MUST refuse a token "
    "without it. " + REFUSAL,
)

define(
    id="TOOL-020",
    title="An id_token without kid in its header is refused",
    source=f"{CERT}: No KID Sent in JWT header; {SEC} step 1 (verify the signature with the platform's key, found "
    "in its JWKS by kid)",
    level="required",
    faults=["launch-without-kid-accepted"],
    needs=LAUNCH,
    error_faults=CONTROL,
    description="The id_token is valid in every other way and signed by the platform's key; only the kid is left out of "
    "its header. Required: the certification suite lists it among the payloads a tool must reject. " + REFUSAL,
)

OIDC = "OpenID Connect Core 1.0 §3.1.3.7 (ID Token validation), which the Security Framework's validation steps follow"


def missing_claim(cid: str, claim: str, case: str, fault: str, why: str = "") -> None:
    """A check that an id_token lacking ``claim`` is refused: the certification suite's ``case``."""
    define(
        id=cid,
        title=f"An id_token without the {claim} claim is refused",
        source=f"ims-facts.md §3.4 ({claim}: required); {CERT}: {case}",
        level="required",
        faults=[fault],
        needs=LAUNCH,
        error_faults=CONTROL,
        description=f"The id_token is valid in every other way; only {claim} is left out{why}. Required: the certification "
        "suite lists it among the payloads a tool must reject. " + REFUSAL,
    )


define(
    id="TOOL-021",
    title="An id_token whose azp is not the tool's client id is refused (aud is the client id)",
    source=f"{SEC} steps 4–5 (if azp is present, it must equal the client_id); {OIDC}: step 5, the client SHOULD verify that "
    "its client_id is the azp claim's value",
    level="recommended",
    faults=["azp-not-checked"],
    needs=LAUNCH,
    description="The id_token is valid in every other way and aud is the tool's client id; only azp names another client. "
    "Recommended: the fact sheet paraphrases step 5 as 'must', but the Security Framework takes steps 4–5 from OpenID "
    "Connect Core, whose words are SHOULD, and the certification suite does not list the case. " + REFUSAL,
    error_faults=CONTROL,
)
define(
    id="TOOL-022",
    title="An id_token carrying a nonce the tool never issued is refused",
    source="ims-facts.md §3.3 (Step 2: the tool's authentication request carries a nonce, REQUIRED; Step 4: the tool validates "
    f"the id_token) and {SEC} step 9 (nonce MUST be present); {OIDC}: step 11, the nonce claim's value MUST be checked to be "
    "the one sent in the authentication request",
    level="required",
    faults=["nonce-not-compared"],
    needs=LAUNCH,
    error_faults=CONTROL,
    description="The id_token is valid in every other way and posted with the tool's own state; its nonce is one the tool "
    "never put in an authentication request. Required: the nonce binds the id_token to the tool's request, and OpenID "
    "Connect Core says its value MUST be checked. " + REFUSAL,
)
define(
    id="TOOL-023",
    title="An id_token issued an hour ago is refused, though its exp is still ahead",
    source=f"{SEC} step 8 (iat may be used to reject tokens issued too long ago)",
    level="recommended",
    faults=["stale-iat-accepted"],
    needs=LAUNCH,
    error_faults=CONTROL,
    description="iat is an hour old, exp 5 minutes ahead; every other claim is valid. Recommended: the Security Framework "
    "says a tool MAY use iat this way and leaves the window to the tool; an hour is well beyond any clock skew or "
    "form post. " + REFUSAL,
)
define(
    id="TOOL-024",
    title="An id_token whose target_link_uri is not the one the login initiation named is refused",
    source="ims-facts.md §3.4 (target_link_uri claim: required; MUST equal the target_link_uri from login initiation) and §3.3 "
    "(Step 1: target_link_uri, required)",
    level="recommended",
    faults=["target-link-uri-not-checked"],
    needs=LAUNCH,
    error_faults=CONTROL,
    description="The login initiation names the launch URL; the id_token's target_link_uri is another URL of the same "
    "origin, and every other claim is valid. Recommended: the MUST binds what the platform sends; no source sentence "
    "says what a tool does with a mismatch, and the certification suite does not list the case. " + REFUSAL,
)
missing_claim("TOOL-025", "message_type", "messsage_type Claim Missing (sic)", "launch-without-message-type-accepted")
missing_claim("TOOL-026", "version", "No LTI Version", "launch-without-version-accepted")
missing_claim("TOOL-027", "roles", "role Claim Missing", "launch-without-roles-accepted",
              " (an empty roles array is valid: §3.4 allows it, and the certification suite's valid launches include 'no role')")
missing_claim("TOOL-028", "deployment_id", "deployment_id Claim Missing", "launch-without-deployment-id-accepted")
define(
    id="TOOL-029",
    title="A resource link launch whose resource_link claim has no id is refused",
    source=f"ims-facts.md §3.4 (resource_link: required for resource link launches, an object with id required); {CERT}: "
    "resource_link_id Claim Missing",
    level="required",
    faults=["launch-without-resource-link-id-accepted"],
    needs=LAUNCH,
    error_faults=CONTROL,
    description="An LtiResourceLinkRequest valid in every other way whose resource_link claim is {\"title\": …} without "
    "id (a tool that checks only that the claim is there accepts it). Required: the certification suite lists it among "
    "the payloads a tool must reject. " + REFUSAL,
)
missing_claim("TOOL-030", "sub", "user Claim Missing (sub)", "launch-without-sub-accepted",
              " (§3.4 lets an anonymous launch leave sub out, but this launch names a user in its login_hint)")
define(
    id="TOOL-031",
    title="An id_token whose header kid is not in the platform's JWKS is refused (signed by the platform's key)",
    source=f"{CERT}: Incorrect KID in JWT header; {SEC} step 1 (verify the signature with the platform's key, found in its "
    "JWKS by kid); ims-facts.md §3.2 (every key in a key set has a kid)",
    level="required",
    faults=["unknown-kid-accepted", "accepts-forged-id-token"],
    needs=LAUNCH,
    error_faults=CONTROL,
    description="The id_token is valid in every other way and signed by the platform's real key, but its header names a "
    "kid the platform's JWKS does not have. A tool that does not check signatures at all accepts it too. Required: "
    "the certification suite lists it among the payloads a tool must reject. " + REFUSAL,
)
define(
    id="TOOL-032",
    title="A valid id_token posted with a state the tool did not set is refused",
    source="ims-facts.md §3.3 (Step 2: state, RECOMMENDED, is the CSRF token bound to the browser session; Step 4: the tool "
    "checks that state matches its session)",
    level="recommended",
    faults=["state-not-checked"],
    needs=LAUNCH,
    error_faults=CONTROL,
    description="The login goes as usual and the id_token is valid (the tool's nonce, every claim), but it is posted with a "
    "random state instead of the one the tool set. Recommended: the sources call state RECOMMENDED and describe the "
    "check without a MUST. " + REFUSAL,
)

define(
    id="TOOL-001",
    title="On dynamic-registration initiation the tool fetches the OpenID configuration and posts a registration that validates against the registration schema",
    source=f"{DR} §1.1–1.3 (Step 2 discovery, Step 3 client registration: initiate_login_uri, redirect_uris, client_name, jwks_uri "
    "required); 002_dbbfc42e48a9805e.txt (the registration body)",
    level="required",
    faults=["registration-missing-jwks-uri"],
    needs=DYNREG,
    description="The harness starts a mock platform of its own as the counterpart, issues a registration token and opens "
    "the tool's initiation URL ([tool] dynamic_registration_url, exactly as written, with openid_configuration and "
    "registration_token) as an administrator's browser would: redirects within the tool are followed (at most 5), and a "
    "confirm page (one form posting back to the tool, with only hidden fields and buttons) is submitted once. A page that "
    "needs more (a login, a form to fill in) or answers 401/403/404/405 ends the DR checks error. One initiation per run "
    "serves TOOL-001 … TOOL-003; the registration the tool makes is listed in the report.",
)
define(
    id="TOOL-002",
    title="The tool sends the registration token as bearer when it posts its registration",
    source=f"{DR} §1.1 (registration_token: if present, the tool MUST use it as the bearer access token)",
    level="required",
    faults=["registration-token-not-sent"],
    needs=DYNREG,
)
define(
    id="TOOL-003",
    title="The tool's page ends the flow by posting {subject: \"org.imsglobal.lti.close\"} to the window that opened it",
    source=f"{DR} §1.6 (Step 4: when done, the tool's page posts the close message)",
    level="recommended",
    faults=["no-close-message"],
    needs=DYNREG,
    description="Recommended: the sources describe the close message but state no MUST for it.",
)

# Deep Linking: the tool's response to a deep-linking request (TOOL-033 … TOOL-043)
TOOL_JWT = "ims-facts.md §3.4 (tool-originated JWTs such as the Deep Linking response: iss = the tool's client_id, aud = the platform issuer, exp, iat and nonce required, azp optional and equal to aud; sent as a form POST field named JWT)"
DL_CERT = "ims-facts.md §5.1 (certification, tool tests: 'Deep Linking. The suite sends a request; it checks the response's format, timestamps, signature and required claims')"
DL_SPEC = ("LTI Deep Linking 2.0 (1EdTech), deep linking response message, as platform guides and tool libraries document it "
           "(Anthology's 'Building the JWT token with the content': deployment_id the one of the request, message_type "
           "LtiDeepLinkingResponse, version 1.3.0; ltix's DeepLinkingSettings: data is an opaque value the tool must echo back)")
DL_HOW = ("The harness acts as the platform and sends a deep-linking request: the launch of TOOL-010 with message type "
          "LtiDeepLinkingRequest, no resource_link, and deep_linking_settings (a deep_link_return_url of the harness's platform "
          "identity unique to the request, every content item type, accept_multiple, accept_lineitem and a fresh opaque data), to "
          "[tool.launch] deep_linking_url (default launch_url) or the toolLaunchUrl of the registration made through the tool's API. "
          "Nothing is served at the return URL: the tool's answer is read, without running its scripts, for what it sends there (a "
          "form, a redirect, or a script setting the location with a JWT parameter). A tool whose answer sends nothing there (a "
          "refusal, or a page like a resource link launch's) is not judged: Deep Linking is an optional service (a tool declares the "
          "message types it supports, ims-facts.md §1; the certification suite tests it as an area of its own, §5.1), so the check is "
          "not applicable, with what the tool answered; it ends error instead when the profile names deep_linking_url (the tool was "
          "said to answer there: a selection page that needs a user cannot be driven), when the tool answers with a 5xx, or when the "
          "login does not lead to the id_token.")
DL_CLAIMS = " The claims are read from the JWT's payload whatever its signature (TOOL-034 judges that)."


def deep_linking(cid: str, title: str, source: str, level: str, faults: list[str], description: str = "",
                 error_faults: tuple[str, ...] = ()) -> None:
    """A check of the tool's deep-linking response."""
    define(id=cid, title=title, source=source, level=level, faults=faults, needs=LAUNCH, error_faults=CONTROL + error_faults,
           description=(description + " " if description else "") + DL_HOW)


deep_linking("TOOL-033", "The tool answers a deep-linking request by posting a JWT, as the form field JWT, to deep_link_return_url",
             f"{TOOL_JWT}; {DL_CERT} (format)", "required", ["dl-response-by-redirect"],
             "Required: the fact sheet states the form POST and the field name. A redirect or a script carrying the JWT in the "
             "URL (a GET, which also puts the token in logs and browser history) fails, as does a form without a JWT field or "
             "whose JWT field is not a JWS.")
deep_linking("TOOL-034", "The deep-linking response is signed with RS256 by a key of the tool's JWKS, named by the kid in its header",
             "ims-facts.md §3.2 (key sets MUST identify keys by kid; receivers pick the key from the kid header) and §3.1 (RSA keys "
             f"MUST use at least RS256; the certification suite allows only RS256); {DL_CERT} (signature)", "required",
             ["dl-response-without-kid", "dl-response-foreign-key"],
             "The tool's JWKS is the toolJwksUrl of the registration the harness made through the tool's API, or [tool.launch] "
             "jwks_url; without one the check is not applicable (the harness cannot verify), and a JWKS that cannot be fetched "
             "or read ends it error.")
deep_linking("TOOL-035", "The deep-linking response's iss is the tool's client id", f"{TOOL_JWT}; {DL_CERT} (required claims)",
             "required", ["dl-iss-not-client-id"], DL_CLAIMS.strip())
deep_linking("TOOL-036", "The deep-linking response's aud is the platform's issuer (a string, or an array holding it), and azp, if present, is the issuer too",
             f"{TOOL_JWT}; {DL_CERT} (required claims)", "required", ["dl-aud-client-id"], DL_CLAIMS.strip())
deep_linking("TOOL-037", "The deep-linking response has iat and exp (JSON numbers): iat not in the future, exp after iat and not yet passed",
             f"{TOOL_JWT}; {DL_CERT} (timestamps)", "required", ["dl-response-without-exp"],
             "A minute of clock skew is allowed for iat." + DL_CLAIMS)
deep_linking("TOOL-038", "The deep-linking response has a nonce", f"{TOOL_JWT}; {DL_CERT} (required claims)", "required",
             ["dl-response-without-nonce"], DL_CLAIMS.strip())
deep_linking("TOOL-039", "Two deep-linking responses carry different nonces",
             f"{TOOL_JWT}; {SEC} step 9 (the receiver SHOULD reject replays within a window it chooses)", "recommended",
             ["dl-nonce-reused"],
             "Recommended: no source sentence says the tool's nonce must be unique, but a platform that rejects replays, as the "
             "Security Framework recommends, refuses the second response of a tool that repeats its nonce. Two requests are sent."
             + DL_CLAIMS, error_faults=("dl-response-without-nonce",))
deep_linking("TOOL-040", "The deep-linking response's message_type is LtiDeepLinkingResponse and its version 1.3.0",
             f"ims-facts.md §3.4 (message_type and version: required claims of an LTI message, version \"1.3.0\"); {DL_SPEC}; {DL_CERT}",
             "required", ["dl-wrong-message-type"], DL_CLAIMS.strip())
deep_linking("TOOL-041", "The deep-linking response's deployment_id is the request's",
             f"ims-facts.md §3.4 (deployment_id: required, stable within the issuer); {DL_SPEC}; {DL_CERT} (required claims)",
             "required", ["dl-deployment-id-missing"], DL_CLAIMS.strip())
deep_linking("TOOL-042", "The deep-linking response echoes the data of the request's deep_linking_settings unchanged",
             f"{DL_SPEC}; {DL_CERT} (required claims)", "required", ["dl-data-not-echoed"],
             "The request carries a fresh opaque data value; the response's https://purl.imsglobal.org/spec/lti-dl/claim/data must "
             "be that string." + DL_CLAIMS)
deep_linking("TOOL-043", "The deep-linking response's content items conform to their schema (schemas/lti_dl_content_items.json)",
             "schemas/lti_dl_content_items.json (LTI Deep Linking 2.0 content item types: link, file and image need url, html needs "
             f"html, an ltiResourceLink's lineItem needs scoreMaximum above 0); {DL_CERT} (format)", "required",
             ["dl-line-item-without-score-maximum"],
             "content_items, when present, must be an array; each item is validated by its type (items of other types need only "
             "a type). A response without the claim returns no items and has nothing to judge." + DL_CLAIMS)

# Names and Role Provisioning: the tool as a client of the platform's memberships service (TOOL-044)
define(
    id="TOOL-044",
    title="A tool that reads its course's members through NRPS at launch follows Link rel=\"next\" to the last page",
    source="ims-facts.md §4 (NRPS 2.0: paging by a Link header with rel=\"next\"); §2.5 (AGS paging, as NRPS pages: the tool uses "
    "the next URL unchanged)",
    level="recommended",
    faults=["nrps-next-not-followed"],
    needs=DYNREG,
    error_faults=CONTROL + ("registration-missing-jwks-uri", "registration-token-not-sent"),
    description="Recommended: the sources describe NRPS paging by rel=\"next\" but state no MUST for the tool (only AGS's paging "
    "section says the tool uses the next URL). The tool is launched from the harness's counterpart platform, which it "
    "registered with in TOOL-001 (one initiation per run); the registration must hold the NRPS scope the tool asked for "
    "in its registration request, else the check is not applicable. The counterpart serves memberships three to a page; "
    "the harness installs the tool in a course of one teacher and seven students (three pages) and, playing the browser, "
    "launches it as the teacher: the launch page, the login initiation posted to the tool's initiate_login_uri, the tool's "
    "authentication request to the counterpart's authorization endpoint, the id_token posted to the tool. The counterpart "
    "records every memberships request (client, course, query, page); the check reads that record for up to 5 seconds "
    "after the tool answered and passes when, for one set of filters, the tool requested every page from the first to "
    "the last. A tool that made no memberships request in that time is not judged (not applicable): a tool may call NRPS "
    "later, in the background, or never. A launch the tool does not accept, or memberships requests that were all "
    "refused, end error (TOOL-010 and the token endpoint's checks judge those).",
)
