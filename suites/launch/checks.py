"""Checks of the launch suite: a platform's LTI 1.3 launches of a tool, seen from the tool (the harness).
Levels follow the source's words: MUST/REQUIRED or documented Canvas behaviour → required; SHOULD,
MAY or silence → recommended."""

from functools import partial

from lti_harness.harness import checks

S = "launch"
OIDC = "ims-facts.md §3.3 (OIDC third-party-initiated launch)"
TOKEN = "ims-facts.md §3.4 (ID token: claims and validation)"
CANVAS = "Canvas's Lti::IMS::AuthenticationController (app/controllers/lti/ims/authentication_controller.rb)"
NEEDS = ("lti_launch", "admin_developer_keys", "admin_courses")
SETUP = ("The harness acts as the tool: it creates an LTI developer key whose login initiation URL, redirect URI and "
         "target link URI are its own (on loopback or at [harness] public_url; nothing is ever sent to them), installs it in "
         "a course it creates with a student and a teacher, and asks the adapter for a launch URL (Canvas's sessionless "
         "launch). It opens that URL as a browser would (cookies kept, redirects and auto-submitting forms followed within "
         "the platform) until the platform sends the browser to the tool's login URL, then sends the tool's authentication "
         "request to the platform's authorization endpoint ([platform] authorization_endpoint) and reads what the platform "
         "posts to the redirect URI.")
REFUSAL = (" A valid authentication request for another launch must get an id_token first (the control); when it does not, "
           "the check ends error. Judged by acceptance only: any answer but an id_token posted to a redirect URI passes "
           "(an error page, a 4xx, an OIDC error posted to the registered redirect URI).")

define = partial(checks.define, suite=S, side="platform", needs=NEEDS)

define(
    id="LAUNCH-001",
    title="A launch sends the browser to the tool's login initiation URL with iss, login_hint and target_link_uri",
    source=f"{OIDC} Step 1 (iss, login_hint and target_link_uri required; lti_deployment_id, if present, equals the launch's "
    "deployment_id claim; client_id names the registration)",
    level="required",
    faults=["login-without-target-link-uri"],
    description=SETUP + " The initiation may be a redirect (GET) or an auto-submitting form (POST); iss must be the "
    "platform's issuer, client_id (when sent) the key's, and lti_deployment_id (when sent) the id_token's deployment_id.",
)
define(
    id="LAUNCH-002",
    title="An authentication request naming an unregistered redirect_uri gets no id_token",
    source=f"{OIDC} Step 2 (redirect_uri: one of the registered URIs); {CANVAS} (\"Invalid redirect_uri\", 400, nothing posted)",
    level="required",
    faults=["id-token-to-any-redirect-uri"],
    description="The request names https://unregistered.invalid/catch as its redirect_uri, for the tool's own launch. A "
    "platform that posts the id_token there hands the user's launch to whoever named the URL." + REFUSAL,
)
define(
    id="LAUNCH-003",
    title="An authentication request with a client_id the platform never issued gets no id_token",
    source=f"{OIDC} Step 2 (client_id: the tool's client id); {CANVAS} (the client's key must exist and be on in the context)",
    level="required",
    faults=["authorize-ignores-client-id"],
    description="The request carries a client_id no key has (digits, like Canvas's ids), with the launch's own "
    "lti_message_hint and the registered redirect_uri." + REFUSAL,
)
define(
    id="LAUNCH-004",
    title="An authentication request without nonce gets no id_token",
    source=f"{OIDC} Step 2 (nonce: REQUIRED); {CANVAS} (\"The following parameters are missing: nonce\")",
    level="required",
    faults=["authorize-without-nonce"],
    description=REFUSAL.strip(),
)
define(
    id="LAUNCH-005",
    title="An authentication request whose response_type is not id_token gets no id_token",
    source=f"{OIDC} Step 2 (response_type: id_token)",
    level="recommended",
    faults=["response-type-not-checked"],
    description="Recommended: the fact sheet gives the value the tool sends but no sentence says the platform MUST refuse "
    "another, and Canvas checks only that the parameter is present. The request asks for response_type=code." + REFUSAL,
)
define(
    id="LAUNCH-006",
    title="A valid authentication request gets an id_token, posted to the redirect URI, signed RS256 by a key of the platform's JWKS (by kid)",
    source=f"{OIDC} Step 3 (a form POST with state and id_token); ims-facts.md §3.1 (RS256, kid in the header) and §3.2 "
    "(every key of the JWKS has a kid; receivers pick the key by kid)",
    level="required",
    faults=["id-token-unpublished-key"],
    description=SETUP + " The JWKS is read from [platform] jwks_url (default Canvas's /api/lti/security/jwks); a JWKS "
    "that cannot be read ends the check error.",
)
define(
    id="LAUNCH-007",
    title="The id_token has every required claim with its type (iss, aud, sub, exp, iat, nonce, message_type, version 1.3.0, deployment_id, target_link_uri, resource_link.id, roles)",
    source=f"{TOKEN} (Security Framework claims; LTI Core message claims)",
    level="required",
    faults=["id-token-without-deployment-id"],
    description="The claims are validated against schemas/lti_resource_link_id_token.json; each violation is named with "
    "its schema path. sub is required here: the launch is made for a named course member, not an anonymous one.",
)
define(
    id="LAUNCH-008",
    title="The id_token's nonce is the one the tool sent in its authentication request",
    source=f"{OIDC} Step 2 (nonce REQUIRED: the tool binds the id_token to its request); {TOKEN} (nonce)",
    level="required",
    faults=["id-token-own-nonce"],
    description="Two launches are made with different nonces; each id_token must carry its own request's nonce.",
)
define(
    id="LAUNCH-009",
    title="The form post to the tool carries the state the tool sent",
    source=f"{OIDC} Step 3 (the platform posts state and id_token) and Step 4 (the tool checks that state matches its session)",
    level="required",
    faults=["state-not-echoed"],
)
define(
    id="LAUNCH-010",
    title="The id_token's aud is (or contains) the tool's client id, and azp, when present, is the client id",
    source=f"{TOKEN} (aud MUST contain the tool's client_id; azp, if present, must be the client_id)",
    level="required",
    faults=["id-token-azp-wrong"],
    description="An aud that is a list with other audiences and no azp is named in the message as well (validation steps 3–4: "
    "the tool expects azp then), and fails too.",
)
define(
    id="LAUNCH-011",
    title="The id_token is valid when it arrives: iat is not in the future and exp is after both iat and the time of arrival",
    source=f"{TOKEN} (exp and iat; validation step 7: the current time MUST be before exp)",
    level="required",
    faults=["id-token-already-expired"],
    description="A minute of clock skew is allowed either way.",
)
define(
    id="LAUNCH-012",
    title="The id_token lives no longer than a day",
    source=f"{TOKEN} (exp; validation step 8: iat may be used to reject tokens issued too long ago); Canvas issues id_tokens for an hour",
    level="recommended",
    faults=["id-token-long-lived"],
    description="Recommended: the sources set no upper bound on exp - iat. A launch token is used once, within seconds; one "
    "that stays valid for more than a day widens the window for replay far beyond any tool's nonce memory.",
)
define(
    id="LAUNCH-013",
    title="The roles claim is an array of role URIs",
    source=f"{TOKEN} (roles: required; an array of role URIs, possibly empty)",
    level="required",
    faults=["roles-short-names"],
)
define(
    id="LAUNCH-014",
    title="Roles follow the user's enrolment: a student's launch has the Learner role, a teacher's the Instructor role",
    source="ims-facts.md §5.1 (certification, platform core tests: student and instructor payloads are checked for correct roles)",
    level="required",
    faults=["roles-ignore-enrollment"],
    description="Membership roles are matched by their name (membership#Learner, membership#Instructor), so a short role "
    "name does not fail this check (LAUNCH-013 judges the form).",
)
define(
    id="LAUNCH-015",
    title="The AGS claim lists only scopes the tool was granted, and its URLs answer with a token for those scopes",
    source="ims-facts.md §2.1 (AGS endpoint claim: scope, lineitems, lineitem) and §2.3 (scopes); ims-facts.md §3.1 (a scope "
    "not requested MUST NOT be granted)",
    level="required",
    faults=["ags-claim-ungranted-scope"],
    description="The key is granted lineitem, lineitem.readonly and score. An assignment launch's claim is read: its scope "
    "list must be within the granted scopes, its lineitems URL must answer 200 with a line-item container and its "
    "lineitem URL 200 with the assignment's line item, using a token asked for the claim's scopes. A launch without the "
    "claim (a platform that offers AGS only on other launches) ends not applicable.",
    needs=NEEDS + ("lti_token_endpoint", "ags"),
)
define(
    id="LAUNCH-016",
    title="A launch is authorized once: a second authentication request with the same lti_message_hint gets no id_token",
    source=f"{CANVAS} (\"The launch has either expired or already been consumed\"); ims-facts.md §3.4 (validation step 9: replays "
    "SHOULD be rejected)",
    level="recommended",
    faults=["launch-hint-reusable"],
    description="Recommended: the specification asks tools, not platforms, to reject replays; Canvas answers each launch once. "
    "The second request carries a fresh state and nonce.",
)
define(
    id="LAUNCH-017",
    title="The id_token's target_link_uri is the one the login initiation named",
    source=f"{TOKEN} (target_link_uri: MUST equal the target_link_uri from login initiation)",
    level="required",
    faults=["target-link-uri-changed"],
    error_faults=("login-without-target-link-uri",),
    description="A login initiation without target_link_uri leaves nothing to compare: the check ends error (LAUNCH-001 fails).",
)
define(
    id="LAUNCH-018",
    title="The launch routes keep their OpenAPI contract: the authorization endpoint never answers 5xx, documented statuses and media types",
    source=f"schemas/openapi/platform/launch.json (the authorization endpoint and Canvas's sessionless launch, built from {OIDC} "
    f"Step 2 and {CANVAS})",
    level="required",
    faults=["authorize-bad-hint-500"],
    kind="contract",
    description="A schemathesis run over every operation of the launch area: /api/lti/authorize_redirect and "
    "/api/lti/authorize (GET with generated query parameters, POST with generated form bodies, negative data for the "
    "authorization endpoint's form) and the sessionless launch with the admin's token in the harness's course (the installed tool and a student "
    "named on one example in three). Every answer: no 5xx, a status the document lists (302/400; 200/400/404), its media "
    "type (an HTML page, a JSON error) and a conforming JSON body. Required: the statuses are Canvas's "
    "AuthenticationController's. No browser session is sent, so no generated request can get an id_token.",
)
