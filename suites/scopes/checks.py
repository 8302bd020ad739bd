"""Checks of the developer key and scope restriction suite."""

from harness.checks import define

DOC = "004_4338d3dce955dba8.txt"
F3 = "canvas-facts.md §3"
S = "scopes"
LTI = ("lti_token_endpoint",)
ASSERTION = (
    "Canvas answers 400 invalid_request for a bad assertion (canvas-facts.md §3); RFC 7523 §3.2 names invalid_client "
    "(401). Either refusal passes; a token must not be issued."
)


def key(id: str, title: str, source: str, faults: list[str], level: str = "required", description: str = "", needs: tuple[str, ...] = ()) -> None:
    define(id, title, source=source, level=level, faults=faults, suite=S, description=description, needs=needs)


key("KEY-001", "LTI client credentials: scopes beyond the key's are refused with 400 invalid_scope; a subset is granted",
    f'{DOC}, "How do developer key scopes function?" (requested scopes must be a subset); {F3} "Errors" (invalid_scope, 400)',
    ["superset-scopes-granted", "wrong-invalid-scope-status"], needs=LTI)
key("KEY-002", "User OAuth2 flow: scopes beyond the key's are refused with invalid_scope and no code",
    f'{DOC}, "How do developer key scopes function?"; Canvas oauth2_provider (authorize redirects with error=invalid_scope)',
    ["superset-scopes-granted"],
    description="Needs the authorize step without a browser (the mock accepts the admin token as the login); otherwise not applicable.")
key("KEY-003", "A user token reaches exactly the endpoints its scopes name (random subsets of the key's scopes)",
    f'{DOC}, "How do developer key scopes function?" (endpoint scope granted → allowed, else 401); {F3} "Scope check"',
    ["scope-check-ignores-verb", "scope-check-prefix-match", "scope-params-literal"],
    description="Hypothesis draws subsets of the key's scopes; every covered endpoint must answer non-401 and every uncovered one "
    '401 {"errors":[{"message":"Insufficient scopes on access token."}]}.')
key("KEY-004", "The verb matters: url:GET|… does not allow PUT on the same path",
    f'{DOC}, "What are developer key scopes in Canvas?" (url:<HTTP Verb>|<path>); {F3} "Scope check" (url_scopes_for_method)',
    ["scope-check-ignores-verb", "scope-params-literal"])
key("KEY-005", "Path parameters match by pattern: :course_id and :id accept any one segment (another course, self)",
    f'{DOC}, "What are developer key scopes in Canvas?" (url:GET|/api/v1/courses/:course_id/rubrics); {F3} "Scope check"',
    ["scope-params-literal"])
key("KEY-006", "No prefix match: a scope for /courses/:id does not reach /courses/:id/rubrics",
    f'{DOC}, "What are developer key scopes in Canvas?"; {F3} "Scope check" (the pattern is anchored at both ends)',
    ["scope-check-prefix-match", "scope-params-literal"])
key("KEY-007", "A key turned off in the account: its tokens get 401 on API calls and the authorize step answers unauthorized_client",
    f'{DOC}, "How do management features function?"; {F3} "Developer key state, and per-account bindings"',
    ["binding-off-ignored", "scope-params-literal"],
    description="The authorize half runs where the target completes the authorize step without a browser.")
key("KEY-008", "Removing a scope from a key invalidates its user tokens; a new token is refused the removed scope",
    f'{DOC}, "Who can grant or revoke scopes for a developer key?" (Note: all access tokens derived from that key will be invalidated); '
    f'{F3} "When a scope is removed from a developer key"',
    ["removed-scope-tokens-still-work", "scope-params-literal"])
key("KEY-009", "Removing a scope from a key also invalidates its LTI tokens issued before",
    f'{DOC}, "Note" (all access tokens derived from that key); {F3} "When a scope is removed from a developer key"',
    ["lti-tokens-survive-scope-removal"], level="recommended", needs=LTI,
    description="The document says all tokens derived from the key are invalidated. Real Canvas's LTI client-credentials tokens "
    "are stateless JWTs that keep the removed scope until they expire (at most an hour); so this check is recommended.")
key("KEY-010", "LTI Advantage scopes are enforced on AGS: a lineitem.readonly token cannot create a line item (401 Insufficient permissions)",
    f'003_7b3da58a284c44ed.txt (scopes per service); canvas-facts.md §4 "Routes and media types" (scope matchers; 401 "Insufficient permissions")',
    ["readonly-can-write"], needs=LTI)
key("KEY-011", "LTI Advantage scopes are enforced on the registration endpoint: a token without the registration scopes is refused",
    '000_a19bcb645fa47239.txt, "Access Tokens" and "Error Response (401 Unauthorized)"; canvas-facts.md §2 (order of the 401 checks)',
    ["registration-read-without-scope", "wrong-401-body"], needs=("dynamic_registration", "lti_token_endpoint"))
key("KEY-012", "Token endpoint errors as Canvas answers them: unknown or inactive client 401 invalid_client, bad grant_type 400 unsupported_grant_type",
    f'{F3} "POST /login/oauth2/token with LTI client_credentials" (Errors table); RFC 6749 §5.2',
    ["unknown-client-wrong-error", "wrong-grant-type-error"], needs=LTI)
key("KEY-013", "A client assertion with alg 'none' is refused", f'{F3} "Assertion claims" (signature checked, RS256); ims-facts.md (client credentials with a JWT assertion)',
    ["accept-alg-none"], needs=LTI, description=ASSERTION)
key("KEY-014", "A client assertion HMAC-signed (HS256) with the key's public key is refused", f'{F3} "Assertion claims" (RS256 against the key\'s public JWK)',
    ["accept-hs256-public-key"], needs=LTI, description=ASSERTION)
key("KEY-015", "A client assertion for another audience is refused", f'{F3} "Key dispatch" (accepted aud) and "Errors" ("the \'aud\' is invalid")',
    ["accept-wrong-aud"], needs=LTI, description=ASSERTION)
key("KEY-016", "An expired client assertion is refused", f'{F3} "Assertion claims" (exp in the future)',
    ["accept-expired-assertion"], needs=LTI, description=ASSERTION)
key("KEY-017", "A client assertion issued in the future is refused", f'{F3} "Assertion claims" (iat not more than 30 s in the future)',
    ["accept-future-iat"], needs=LTI, description=ASSERTION)
key("KEY-018", "A client assertion signed by another key is refused", f'{F3} "Assertion claims" (signature against the key\'s public JWK)',
    ["skip-assertion-signature"], needs=LTI, description=ASSERTION)
key("KEY-019", "A client assertion whose kid is not in the tool's JWKS is refused", f'{F3} "Assertion claims" (JWKS fetched from public_jwk_url)',
    ["accept-unknown-kid"], needs=LTI, description=ASSERTION)
key("KEY-020", "Property: for generated scope sets and endpoint paths, reachable ⇔ some granted scope matches verb and path",
    f'{DOC}, "How do developer key scopes function?"; {F3} "Scope check" (HEAD as GET, :param is one segment, anchored, optional format)',
    ["scope-check-ignores-verb", "scope-check-prefix-match", "scope-params-literal"],
    description="Hypothesis generates a scope subset and requests (verb, path with generated parameter values, HEAD, a format "
    "suffix, an extra segment); the target's 401 must agree with the harness's model of the rule for every case.")
