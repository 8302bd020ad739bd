"""Checks of the developer key and scope restriction suite."""

from lti_harness.harness.checks import define

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


def key(id: str, title: str, source: str, faults: list[str], level: str = "required", description: str = "", needs: tuple[str, ...] = ()) -> None:
    define(id, title, source=source, level=level, faults=faults, suite=S, description=description, needs=needs)


key("KEY-001", "LTI client credentials: scopes beyond the key's are refused with 400 invalid_scope; a subset is granted",
    f'{DOC}, "How do developer key scopes function?" ("The requested scopes must be a subset of the scopes set for the developer key"); '
    f'{F3} "Errors" (invalid_scope, 400); {SEC} ("a scope not requested MUST NOT be granted")',
    ["superset-scopes-granted", "wrong-invalid-scope-status"], needs=LTI,
    description="With a hand-registered tool, the scope beyond it is the first AGS or NRPS scope the profile does not list "
    "among the registration's scopes.")
key("KEY-002", "User OAuth2 flow: scopes beyond the key's are refused with invalid_scope and no code",
    f'{DOC}, "How do developer key scopes function?" ("The requested scopes must be a subset"); RFC 6749 §4.1.2.1 (error=invalid_scope)',
    ["superset-scopes-granted"], needs=USER,
    description="Needs the authorize step without a browser (the mock accepts the admin token as the login); otherwise not applicable.")
key("KEY-003", "A user token reaches exactly the endpoints its scopes name (random subsets of the key's scopes)",
    f'{DOC}, "How do developer key scopes function?" ("If the requested endpoint\'s scope has not been granted Canvas will respond '
    f'with 401 Unauthorized"); {F3} "Scope check" (the 401 body)',
    ["scope-check-ignores-verb", "scope-check-prefix-match", "scope-params-literal"], needs=COURSE,
    description="Hypothesis draws subsets of the key's scopes; every covered endpoint must answer non-401 and every uncovered one "
    '401 {"errors":[{"message":"Insufficient scopes on access token."}]}. ' + PROBES)
key("KEY-004", "The verb matters: url:GET|… does not allow PUT on the same path",
    f'{DOC}, "What are developer key scopes in Canvas?" (url:<HTTP Verb>|<path>); {F3} "Scope check" (url_scopes_for_method)',
    ["scope-check-ignores-verb", "scope-params-literal"], needs=COURSE, description=PROBES)
key("KEY-005", "Path parameters match by pattern: :course_id and :id accept any one segment (the harness's course, another course)",
    f'{DOC}, "What are developer key scopes in Canvas?" (url:GET|/api/v1/courses/:course_id/rubrics); {F3} "Scope check"',
    ["scope-params-literal"], needs=COURSE, description=PROBES)
key("KEY-006", "No prefix match: a scope for /courses/:id does not reach /courses/:id/rubrics or other longer paths",
    f'{DOC}, "What are developer key scopes in Canvas?"; {F3} "Scope check" (the pattern is anchored at both ends)',
    ["scope-check-prefix-match", "scope-params-literal"], needs=COURSE, description=PROBES)
key("KEY-007", "A key turned off in the account: its tokens get 401 on API calls and the authorize step answers unauthorized_client",
    f'{DOC}, "How do management features function?" ("Canvas will respond with unauthorized_client"; "respond with 401 Unauthorized"); '
    f'{F3} "Developer key state, and per-account bindings"',
    ["binding-off-ignored"], needs=USER + COURSE,
    description="The authorize half runs where the target completes the authorize step without a browser.")
key("KEY-008", "Removing a scope from a key invalidates its user tokens; a new token is refused the removed scope",
    f'{DOC}, "Who can grant or revoke scopes for a developer key?" (Note: all access tokens derived from that key will be invalidated); '
    f'{F3} "When a scope is removed from a developer key"',
    ["removed-scope-tokens-still-work", "superset-scopes-granted"], needs=USER + COURSE)
key("KEY-009", "Removing a scope from a key also invalidates its LTI tokens issued before",
    f'{DOC}, "Note" (all access tokens derived from that key); {F3} "When a scope is removed from a developer key"',
    ["lti-tokens-survive-scope-removal"], level="recommended", needs=LTI + KEYS + COURSE + ("ags",),
    description="The document says all tokens derived from the key are invalidated. Real Canvas's LTI client-credentials tokens "
    "are stateless JWTs that keep the removed scope until they expire (at most an hour); so this check is recommended.")
key("KEY-010", "LTI Advantage scopes are enforced on AGS: a lineitem.readonly token cannot create a line item (401 Insufficient permissions)",
    f'ims-facts.md §2.3 (what each AGS scope allows); canvas-facts.md §4 "Routes and media types" (scope matchers; "A missing scope gives 401")',
    ["readonly-can-write"], needs=LTI + KEYS + COURSE + ("ags",))
key("KEY-011", "LTI Advantage scopes are enforced on the registration endpoint: a token without the registration scopes is refused",
    '000_a19bcb645fa47239.txt, "Access Tokens" and "Error Response (401 Unauthorized)"; canvas-facts.md §2 (order of the 401 checks)',
    ["registration-read-without-scope", "wrong-401-body"], needs=("dynamic_registration", "lti_token_endpoint"))
key("KEY-012", "Token endpoint errors: an unknown or deactivated client is refused with invalid_client, a bad grant_type with 400 unsupported_grant_type",
    f'{F3} "POST /login/oauth2/token with LTI client_credentials" (Errors table: 401 invalid_client, 400 unsupported_grant_type); '
    f'{SEC} "Errors" (RFC 6749 §5.2 codes, HTTP 400)',
    ["unknown-client-wrong-error", "wrong-grant-type-error"], needs=LTI,
    description="Canvas answers 401 for an unknown client, the Security Framework 400; either status passes with error "
    "invalid_client. The deactivated-key half needs the admin API (admin_developer_keys) and is not applicable without it.")
key("KEY-013", "A client assertion with alg 'none' is refused",
    f'{SEC} ("Message JWTs MUST NOT use alg: none"; the server MUST validate the signature); {F3} "Assertion claims" (RS256)',
    ["accept-alg-none"], needs=LTI, description=ASSERTION)
key("KEY-014", "A client assertion HMAC-signed (HS256) with the key's public key is refused",
    f'{F3} "Assertion claims" (the signature is checked against the key\'s public JWK, RS256); {SEC} (symmetric algorithms forbidden)',
    ["accept-hs256-public-key"], needs=LTI, description=ASSERTION)
key("KEY-015", "A client assertion for another audience is refused",
    f'{SEC} ("The server MUST reject an assertion without its own identity in aud"); {F3} "Key dispatch" (accepted aud)',
    ["accept-wrong-aud"], needs=LTI, description=ASSERTION)
key("KEY-016", "An expired client assertion is refused", f'{F3} "Assertion claims" ("exp must be numeric and in the future"); {SEC} (the server MUST validate exp)',
    ["accept-expired-assertion"], needs=LTI, description=ASSERTION)
key("KEY-017", "A client assertion issued in the future is refused", f'{F3} "Assertion claims" ("iat … not more than 30 s in the future")',
    ["accept-future-iat"], needs=LTI, description=ASSERTION)
key("KEY-018", "A client assertion signed by another key is refused",
    f'{F3} "Assertion claims" ("The signature is checked against the key\'s public_jwk"); {SEC} (the server MUST validate the signature)',
    ["skip-assertion-signature"], needs=LTI, description=ASSERTION)
key("KEY-019", "A client assertion whose kid is not in the tool's JWKS is refused",
    f'{F3} "Assertion claims" (JWKS fetched from public_jwk_url); ims-facts.md §3.1 (receivers pick the key from the kid header)',
    ["accept-unknown-kid"], needs=LTI, description=ASSERTION)
key("KEY-020", "Property: for generated scope sets and endpoint paths, reachable ⇔ some granted scope matches verb and path",
    f'{DOC}, "How do developer key scopes function?"; {F3} "Scope check" (HEAD as GET, :param is one segment, anchored, optional format)',
    ["scope-check-ignores-verb", "scope-check-prefix-match", "scope-params-literal"], needs=USER + COURSE,
    description="Hypothesis generates a scope subset and requests (verb, path with generated parameter values, HEAD, a format "
    "suffix, an extra segment); the target's 401 must agree with the harness's model of the rule for every case. " + PROBES)
key("KEY-021", "Refusals of bad client assertions are 4xx with an OAuth error body, never 5xx",
    f'{SEC} "Errors" (RFC 6749 §5.2 error JSON with HTTP 400); {F3} "Errors" (400 invalid_request, 401 invalid_client)',
    ["bad-assertion-500"], level="recommended", needs=LTI,
    description="Sends each assertion attack of KEY-013 … KEY-019 and KEY-022 … KEY-024; every refusal must be 400 or 401 with "
    '{"error": "invalid_request" | "invalid_client", …}. Names every case that answered otherwise (a crash is a refusal, '
    "so the attack checks pass; this check reports its quality). Recommended: the rule on the refusal's form is the "
    "Security Framework's general error rule, not a security requirement.")
key("KEY-022", "A client assertion whose iss is not the client id is refused",
    f'{SEC} ("The server MUST validate iss, sub, exp, aud and jti"; iss and sub are both the tool\'s client_id); RFC 7523 §3 '
    '(the JWT MUST contain iss, compared by simple string comparison) with RFC 7521 §5.2 (a self-issued assertion\'s issuer is '
    f'the client_id); {F3} "Assertion claims" (iss required: require_iss)',
    ["assertion-iss-not-checked"], needs=LTI,
    description="The assertion is signed by the client's own key with sub = the client id and iss = another client id. "
    "Required: the Security Framework says the server MUST validate iss, and for client authentication the issuer is the "
    "client itself; canvas-facts.md records that Canvas requires iss and names no leniency. " + ASSERTION)
key("KEY-023", "A replayed client assertion (the same jti posted again) gets no second token",
    f'{SEC} ("The server MUST validate … jti"; jti is unique, "potentially reusable" only after exp); RFC 7523 §3 (the server '
    f'MAY keep the used jti values until exp); {F3} "Assertion claims" ("jti is not checked for LTI, so replay is allowed")',
    ["assertion-jti-replay-accepted"], level="recommended", needs=LTI,
    description="A valid assertion is posted and granted, then the very same assertion is posted again. Recommended: the "
    "Security Framework says the server MUST validate jti, but real Canvas skips the jti check for LTI assertions "
    "(skip_jti_check) and grants a replay (canvas-facts.md, DESIGN \"Levels and real Canvas\"). " + ASSERTION)
key("KEY-024", "A client assertion whose exp lies a year ahead is refused",
    'RFC 7523 §3 (exp "limits the time window during which the JWT can be used"; the server may reject an exp "unreasonably '
    f'far in the future"); {SEC} (exp is typically iat + 5 minutes, and marks when the jti may be reused); {F3} "Assertion '
    'claims" (Canvas only checks that exp is numeric and in the future)',
    ["assertion-long-exp-accepted"], level="recommended", needs=LTI,
    description="The assertion is valid (iat now, right audience, signed by the client's key) except that exp is 365 days "
    "ahead: stolen, it would open a year-long window, and a server keeping used jti values until exp would keep them a year. "
    "Recommended: RFC 7523 lets the server reject it (\"may\") and the Security Framework only says typically 5 minutes; "
    "real Canvas accepts it. " + ASSERTION)
