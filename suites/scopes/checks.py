"""Checks of the developer key and scope restriction suite."""

from functools import partial

from lti_harness.harness import checks

DOC = "004_4338d3dce955dba8.txt"
F3 = "canvas-facts.md §3"
SEC = "ims-facts.md §3.1 (Security Framework: client credentials with a JWT client assertion)"
S = "scopes"
LTI = ("lti_token_endpoint",)
KEYS = ("admin_developer_keys",)
USER = ("admin_developer_keys", "user_oauth")
COURSE = ("admin_courses",)
ASSERTION = (
    "Passes when no token is issued, whatever the answer's status: the rule is that the platform does not accept the "
    "assertion. How the refusal is answered (4xx with an OAuth error body, never 5xx) is KEY-021. Runs with a developer "
    "key the harness creates, or with the profile's hand-registered tool ([platform.registration])."
)
PROBES = (
    "Probes GET and PUT /api/v1/courses/:id, GET /api/v1/courses/:course_id/rubrics (seed 004's example scope), and GET "
    "/api/v1/courses/:course_id/enrollments and …/external_tools (paths DESIGN.md's admin surface names): routes every "
    "Canvas has, named by a source. Before a refusal is expected from a route, the admin token must reach it; a route "
    "absent on the target (404/405) is left out, and when none remains the check is not applicable. User tokens come from "
    "the OAuth2 flow, or from the profile's pre-issued tokens ([[platform.user_tokens]])."
)

define = partial(checks.define, suite=S, side="platform")  # every check of this suite tests a platform

define(
    id="KEY-001",
    title="LTI client credentials: scopes beyond the key's are refused with 400 invalid_scope; a subset is granted",
    source=f'{DOC}, "How do developer key scopes function?" ("The requested scopes must be a subset of the scopes set for the developer key"); '
    f'{F3} "Errors" (invalid_scope, 400); {SEC} ("a scope not requested MUST NOT be granted")',
    level="required",
    faults=["superset-scopes-granted", "wrong-invalid-scope-status"],
    needs=LTI,
    description="With a hand-registered tool, the scope beyond it is the first AGS or NRPS scope the profile does not list "
    "among the registration's scopes.",
)
define(
    id="KEY-002",
    title="User OAuth2 flow: scopes beyond the key's are refused with invalid_scope and no code",
    source=f'{DOC}, "How do developer key scopes function?" ("The requested scopes must be a subset"); RFC 6749 §4.1.2.1 (error=invalid_scope)',
    level="required",
    faults=["superset-scopes-granted"],
    needs=USER,
    description="Needs the authorize step without a browser (the mock accepts the admin token as the login); otherwise not applicable.",
)
define(
    id="KEY-003",
    title="A user token reaches exactly the endpoints its scopes name (random subsets of the key's scopes)",
    source=f'{DOC}, "How do developer key scopes function?" ("If the requested endpoint\'s scope has not been granted Canvas will respond '
    f'with 401 Unauthorized"); {F3} "Scope check" (the 401 body)',
    level="required",
    faults=["scope-check-ignores-verb", "scope-check-prefix-match", "scope-params-literal"],
    needs=COURSE,
    kind="property",
    description="Hypothesis draws subsets of the key's scopes; every covered endpoint must answer non-401 and every uncovered one "
    '401 {"errors":[{"message":"Insufficient scopes on access token."}]}. ' + PROBES,
)
define(
    id="KEY-004",
    title="The verb matters: url:GET|… does not allow PUT on the same path",
    source=f'{DOC}, "What are developer key scopes in Canvas?" (url:<HTTP Verb>|<path>); {F3} "Scope check" (url_scopes_for_method)',
    level="required",
    faults=["scope-check-ignores-verb", "scope-params-literal"],
    needs=COURSE,
    description=PROBES,
)
define(
    id="KEY-005",
    title="Path parameters match by pattern: :course_id and :id accept any one segment (the harness's course, another course)",
    source=f'{DOC}, "What are developer key scopes in Canvas?" (url:GET|/api/v1/courses/:course_id/rubrics); {F3} "Scope check"',
    level="required",
    faults=["scope-params-literal"],
    needs=COURSE,
    description=PROBES,
)
define(
    id="KEY-006",
    title="No prefix match: a scope for /courses/:id does not reach /courses/:id/rubrics or other longer paths",
    source=f'{DOC}, "What are developer key scopes in Canvas?"; {F3} "Scope check" (the pattern is anchored at both ends)',
    level="required",
    faults=["scope-check-prefix-match", "scope-params-literal"],
    needs=COURSE,
    description=PROBES,
)
define(
    id="KEY-007",
    title="A key turned off in the account: its tokens get 401 on API calls and the authorize step answers unauthorized_client",
    source=f'{DOC}, "How do management features function?" ("Canvas will respond with unauthorized_client"; "respond with 401 Unauthorized"); '
    f'{F3} "Developer key state, and per-account bindings"',
    level="required",
    faults=["binding-off-ignored"],
    needs=USER + COURSE,
    error_faults=("scope-params-literal",),
    description="The authorize half runs where the target completes the authorize step without a browser.",
)
define(
    id="KEY-008",
    title="Removing a scope from a key invalidates its user tokens; a new token is refused the removed scope",
    source=f'{DOC}, "Who can grant or revoke scopes for a developer key?" (Note: all access tokens derived from that key will be invalidated); '
    f'{F3} "When a scope is removed from a developer key"',
    level="required",
    faults=["removed-scope-tokens-still-work", "superset-scopes-granted"],
    needs=USER + COURSE,
    error_faults=("scope-params-literal",),
)
define(
    id="KEY-009",
    title="Removing a scope from a key also invalidates its LTI tokens issued before",
    source=f'{DOC}, "Note" (all access tokens derived from that key); {F3} "When a scope is removed from a developer key"',
    level="recommended",
    faults=["lti-tokens-survive-scope-removal"],
    needs=LTI + KEYS + COURSE + ("ags",),
    description="The document says all tokens derived from the key are invalidated. Real Canvas's LTI client-credentials tokens "
    "are stateless JWTs that keep the removed scope until they expire (at most an hour); so this check is recommended.",
)
define(
    id="KEY-010",
    title="LTI Advantage scopes are enforced on AGS: a lineitem.readonly token cannot create a line item (401 Insufficient permissions)",
    source=f'ims-facts.md §2.3 (what each AGS scope allows); canvas-facts.md §4 "Routes and media types" (scope matchers; "A missing scope gives 401")',
    level="required",
    faults=["readonly-can-write"],
    needs=LTI + KEYS + COURSE + ("ags",),
)
define(
    id="KEY-011",
    title="LTI Advantage scopes are enforced on the registration endpoint: a token without the registration scopes is refused",
    source='000_a19bcb645fa47239.txt, "Access Tokens" and "Error Response (401 Unauthorized)"; canvas-facts.md §2 (order of the 401 checks)',
    level="required",
    faults=["registration-read-without-scope", "wrong-401-body"],
    needs=("dynamic_registration", "lti_token_endpoint"),
)
define(
    id="KEY-012",
    title="Token endpoint errors: an unknown or deactivated client is refused with invalid_client, a bad grant_type with 400 unsupported_grant_type",
    source=f'{F3} "POST /login/oauth2/token with LTI client_credentials" (Errors table: 401 invalid_client, 400 unsupported_grant_type); '
    f'{SEC} "Errors" (RFC 6749 §5.2 codes, HTTP 400)',
    level="required",
    faults=["unknown-client-wrong-error", "wrong-grant-type-error"],
    needs=LTI,
    description="Canvas answers 401 for an unknown client, the Security Framework 400; either status passes with error "
    "invalid_client. The deactivated-key half needs the admin API (admin_developer_keys) and is not applicable without it.",
)
define(
    id="KEY-013",
    title="A client assertion with alg 'none' is refused",
    source=f'{SEC} ("Message JWTs MUST NOT use alg: none"; the server MUST validate the signature); {F3} "Assertion claims" (RS256)',
    level="required",
    faults=["accept-alg-none"],
    needs=LTI,
    description=ASSERTION,
)
define(
    id="KEY-014",
    title="A client assertion HMAC-signed (HS256) with the key's public key is refused",
    source=f'{F3} "Assertion claims" (the signature is checked against the key\'s public JWK, RS256); {SEC} (symmetric algorithms forbidden)',
    level="required",
    faults=["accept-hs256-public-key"],
    needs=LTI,
    description=ASSERTION,
)
define(
    id="KEY-015",
    title="A client assertion for another audience is refused",
    source=f'{SEC} ("The server MUST reject an assertion without its own identity in aud"); {F3} "Key dispatch" (accepted aud)',
    level="required",
    faults=["accept-wrong-aud"],
    needs=LTI,
    description=ASSERTION,
)
define(
    id="KEY-016",
    title="An expired client assertion is refused",
    source=f'{F3} "Assertion claims" ("exp must be numeric and in the future"); {SEC} (the server MUST validate exp)',
    level="required",
    faults=["accept-expired-assertion"],
    needs=LTI,
    description=ASSERTION,
)
define(
    id="KEY-017",
    title="A client assertion issued in the future is refused",
    source=f'{F3} "Assertion claims" ("iat … not more than 30 s in the future")',
    level="required",
    faults=["accept-future-iat"],
    needs=LTI,
    description=ASSERTION,
)
define(
    id="KEY-018",
    title="A client assertion signed by another key is refused",
    source=f'{F3} "Assertion claims" ("The signature is checked against the key\'s public_jwk"); {SEC} (the server MUST validate the signature)',
    level="required",
    faults=["skip-assertion-signature"],
    needs=LTI,
    description=ASSERTION,
)
define(
    id="KEY-019",
    title="A client assertion whose kid is not in the tool's JWKS is refused",
    source=f'{F3} "Assertion claims" (JWKS fetched from public_jwk_url); ims-facts.md §3.1 (receivers pick the key from the kid header)',
    level="required",
    faults=["accept-unknown-kid"],
    needs=LTI,
    description=ASSERTION,
)
define(
    id="KEY-020",
    title="Property: for generated scope sets and endpoint paths, reachable ⇔ some granted scope matches verb and path",
    source=f'{DOC}, "How do developer key scopes function?"; {F3} "Scope check" (HEAD as GET, :param is one segment, anchored, optional format)',
    level="required",
    faults=["scope-check-ignores-verb", "scope-check-prefix-match", "scope-params-literal"],
    needs=USER + COURSE,
    kind="property",
    description="Hypothesis generates a scope subset and requests (verb, path with generated parameter values, HEAD, a format "
    "suffix, an extra segment); the target's 401 must agree with the harness's model of the rule for every case. " + PROBES,
)
define(
    id="KEY-021",
    title="Refusals of bad client assertions are 4xx with an OAuth error body, never 5xx",
    source=f'{SEC} "Errors" (RFC 6749 §5.2 error JSON with HTTP 400); {F3} "Errors" (400 invalid_request, 401 invalid_client)',
    level="recommended",
    faults=["bad-assertion-500"],
    needs=LTI,
    description="Sends each assertion attack of KEY-013 … KEY-019 and KEY-022 … KEY-024; every refusal must be 400 or 401 with "
    '{"error": "invalid_request" | "invalid_client", …}. Names every case that answered otherwise (a crash is a refusal, '
    "so the attack checks pass; this check reports its quality). Recommended: the rule on the refusal's form is the "
    "Security Framework's general error rule, not a security requirement.",
)
define(
    id="KEY-022",
    title="A client assertion whose iss is not the client id is refused",
    source=f'{SEC} ("The server MUST validate iss, sub, exp, aud and jti"; iss and sub are both the tool\'s client_id); RFC 7523 §3 '
    '(the JWT MUST contain iss, compared by simple string comparison) with RFC 7521 §5.2 (a self-issued assertion\'s issuer is '
    f'the client_id); {F3} "Assertion claims" (iss required: require_iss)',
    level="required",
    faults=["assertion-iss-not-checked"],
    needs=LTI,
    description="The assertion is signed by the client's own key with sub = the client id and iss = another client id. "
    "Required: the Security Framework says the server MUST validate iss, and for client authentication the issuer is the "
    "client itself; canvas-facts.md records that Canvas requires iss and names no leniency. " + ASSERTION,
)
define(
    id="KEY-023",
    title="A replayed client assertion (the same jti posted again) gets no second token",
    source=f'{SEC} ("The server MUST validate … jti"; jti is unique, "potentially reusable" only after exp); RFC 7523 §3 (the server '
    f'MAY keep the used jti values until exp); {F3} "Assertion claims" ("jti is not checked for LTI, so replay is allowed")',
    level="recommended",
    faults=["assertion-jti-replay-accepted"],
    needs=LTI,
    description="A valid assertion is posted and granted, then the very same assertion is posted again. Recommended: the "
    "Security Framework says the server MUST validate jti, but real Canvas skips the jti check for LTI assertions "
    "(skip_jti_check) and grants a replay (canvas-facts.md, DESIGN \"Levels and real Canvas\"). " + ASSERTION,
)
define(
    id="KEY-024",
    title="A client assertion whose exp lies a year ahead is refused",
    source='RFC 7523 §3 (exp "limits the time window during which the JWT can be used"; the server may reject an exp "unreasonably '
    f'far in the future"); {SEC} (exp is typically iat + 5 minutes, and marks when the jti may be reused); {F3} "Assertion '
    'claims" (Canvas only checks that exp is numeric and in the future)',
    level="recommended",
    faults=["assertion-long-exp-accepted"],
    needs=LTI,
    description="The assertion is valid (iat now, right audience, signed by the client's key) except that exp is 365 days "
    "ahead: stolen, it would open a year-long window, and a server keeping used jti values until exp would keep them a year. "
    "Recommended: RFC 7523 lets the server reject it (\"may\") and the Security Framework only says typically 5 minutes; "
    "real Canvas accepts it. " + ASSERTION,
)
define(
    id="KEY-025",
    title="The developer-key routes and the token endpoint keep their OpenAPI contract: no server errors, documented statuses and bodies",
    source="schemas/openapi/platform/developer_keys.json (developer keys, account bindings, the user's authorize step and "
    f"the token endpoint, built from {DOC}, {F3} and {SEC})",
    level="required",
    faults=["bad-assertion-500", "developer-key-id-500"],
    needs=(*KEYS, *LTI),
    kind="contract",
    description="A schemathesis run over every operation of the developer-keys area, the admin's token on the admin routes "
    "and none on the token endpoint and the authorize step (their credentials are in the form or the query); positive "
    "data for each, negative data for the POSTs and PUTs; ids name a key the harness made on one example in three (their parents on another). "
    "Required: the statuses and bodies the document lists are Canvas's documented ones and RFC 6749 §5.2's. An "
    "operation answered 404 or 405 to every request is not applicable.",
)
define(
    id="KEY-026",
    title="Stateful: developer keys → update / delete / binding / authorize, following the document's links, keep the contract",
    source="schemas/openapi/platform/developer_keys.json, links of createDeveloperKey and listDeveloperKeys "
    f"({DOC}; {F3})",
    level="required",
    faults=["developer-key-id-500"],
    needs=(*KEYS, *LTI),
    kind="contract",
    description="schemathesis's state machine built from the document's links, with the admin's token: a scenario creates "
    "or lists keys and uses the id an answer gives to change, bind, delete or authorize with the key, every answer "
    "checked as KEY-025 does. Bounded: the run's --examples scenarios (at most 5) of at most 6 steps each.",
)
define(
    id="KEY-027",
    title="The REST routes of courses and users keep their OpenAPI contract: no server errors, documented statuses and bodies",
    source="schemas/openapi/platform/courses.json (courses, users, enrolments, assignments, tools, modules, rubrics, built "
    f"from {DOC} and {F3})",
    level="recommended",
    faults=["course-id-500"],
    needs=(*KEYS, *COURSE),
    kind="contract",
    description="A schemathesis run over every operation of the courses area with the admin's token (an unscoped API "
    "token), positive data for each and negative data for the POSTs and PUTs, in a course and with a user the run makes. "
    "Recommended: these routes are the Canvas REST API the scoped keys reach, which the sources describe only by example "
    "(their statuses and bodies are the document's reading of Canvas's API pages). An operation answered 404 or 405 to "
    "every request is not applicable.",
)
