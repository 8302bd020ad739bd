"""Checks of the dynamic registration suite."""

from functools import partial

from lti_harness.harness import checks

SEED = "002_dbbfc42e48a9805e.txt"
UPD = "000_a19bcb645fa47239.txt"
S = "registration"
NEEDS = ("dynamic_registration",)  # every check needs the platform's dynamic registration

define = partial(checks.define, suite=S, side="platform")  # every check of this suite tests a platform

define(
    id="DR-001",
    title="The registration token response has uuid, oidc_configuration_url and a JWT token",
    source=f'{SEED}, example "GET /api/lti/registration_token" (registration_token); canvas-facts.md §1a',
    level="required",
    faults=["token-response-missing-uuid"],
    needs=NEEDS,
)
define(
    id="DR-002",
    title="A registration token expires within one hour",
    source="canvas-facts.md §1a (REGISTRATION_TOKEN_EXPIRATION = 1.hour)",
    level="recommended",
    faults=["token-without-expiry", "token-response-missing-uuid"],
    needs=NEEDS,
    description="The seed shows a token with an 'exp' claim but states no lifetime; Canvas's code uses one hour. "
    "The harness decodes the token without verifying it and checks 'exp' lies in (now, now + 1 h].",
)
define(
    id="DR-003",
    title="The OpenID configuration conforms to its schema and names the registration, token, JWKS and authorization endpoints",
    source="ims-facts.md §1.2 (DR §3.4 Discovery and openid Configuration); canvas-facts.md §1b",
    level="required",
    faults=["openid-config-missing-jwks-uri", "token-response-missing-uuid"],
    needs=NEEDS,
)
define(
    id="DR-004",
    title="The OpenID configuration is refused (401) without a registration token",
    source="canvas-facts.md §1b (missing registration_token → 401)",
    level="recommended",
    faults=["openid-config-without-token", "token-response-missing-uuid"],
    needs=NEEDS,
    description="The seeds are silent; Canvas reads the token only from the registration_token query parameter "
    "and answers 401 without it. A platform serving its configuration to anyone leaks nothing secret, so this is recommended.",
)
define(
    id="DR-005",
    title="The platform JWKS holds RSA keys, each with a kid",
    source="ims-facts.md §3.2 (Keys and JWKS: every key in a key set MUST have a kid)",
    level="required",
    faults=["jwks-key-without-kid", "openid-config-missing-jwks-uri", "token-response-missing-uuid"],
    needs=NEEDS,
)
define(
    id="DR-006",
    title="A valid registration is accepted (200, or 201 per OIDC-Reg) with a body that conforms and a client_id",
    source=f'{SEED}, example "POST /api/lti/registrations" (create request and 200 response); ims-facts.md §1.4',
    level="required",
    faults=["no-client-id", "drop-claims-from-echo"],
    needs=NEEDS,
    kind="property",
)
define(
    id="DR-007",
    title="The registration response echoes what was sent: names, URIs, messages with placements, claims",
    source=f'{SEED}, example "POST /api/lti/registrations" (create response); canvas-facts.md §1c "Response 200"',
    level="required",
    faults=["drop-claims-from-echo"],
    needs=NEEDS,
    kind="property",
    description="Placements are compared after removing Canvas's 'https://canvas.instructure.com/lti/' prefix; extra "
    "fields the platform adds (e.g. registration_config_url) are allowed.",
)
define(
    id="DR-008",
    title="The granted scope is the requested known scopes plus openid",
    source=f'{SEED}, example create response; {UPD}, "Success Response"; canvas-facts.md §1c (openid is always added)',
    level="required",
    faults=["scope-without-openid", "drop-claims-from-echo", "no-client-id", "openid-config-missing-jwks-uri", "token-response-missing-uuid"],
    needs=NEEDS,
    description="Canvas's code grants the registration's scopes plus openid (canvas-facts.md §1c \"Response 200\"), as "
    "seed 000's example shows; OIDC-Reg lets a platform grant a subset (ims-facts.md §1.4), so a platform that is "
    "not Canvas may legitimately fail this check.",
)
define(
    id="DR-009",
    title="registration_client_uri is issued and the configuration is readable there with a registration-scoped LTI token",
    source=f'{UPD}, "API Reference Summary" (GET …/configuration) and "Success Response" (registration_client_uri); canvas-facts.md §2',
    level="required",
    faults=["no-registration-client-uri", "drop-claims-from-echo", "openid-config-missing-jwks-uri", "token-response-missing-uuid"],
    needs=(*NEEDS, "lti_token_endpoint"),
    error_faults=("no-client-id",),
    description="The harness registers with its own JWKS (served by the mock tool on loopback or at [harness] public_url), "
    "gets a client_credentials token for registration.readonly and GETs <registration_client_uri>/configuration. "
    "A registration refused, or without a client_id, or a token refused to the tool just registered, leaves nothing "
    "to read: the check ends error (DR-006 judges those).",
)
define(
    id="DR-010",
    title="An invalid registration body gets a 4xx with a documented error shape, never a 5xx",
    source=f'{UPD}, "Error Response (422 Unprocessable Entity)"; canvas-facts.md §1c step 4 (422 {{"errors":[...]}})',
    level="required",
    faults=["invalid-body-500", "accept-missing-redirect-uris", "ignore-unknown-scopes"],
    needs=NEEDS,
    kind="property",
    description="Targeted mutations of a valid body: a required field dropped, a wrong type, a non-http URI, an unknown "
    "message type or placement, a bad grant type.",
)
define(
    id="DR-011",
    title="A registration asking for an unknown scope is refused, not silently trimmed",
    source="canvas-facts.md §1c \"Scopes\" (invalid scopes → 422)",
    level="required",
    faults=["ignore-unknown-scopes", "invalid-body-500", "openid-config-missing-jwks-uri", "token-response-missing-uuid"],
    needs=NEEDS,
)
define(
    id="DR-012",
    title="An expired registration token is refused with 401",
    source="canvas-facts.md §1c step 1 (expired tokens get 401)",
    level="required",
    faults=["accept-expired-token", "token-without-expiry", "openid-config-missing-jwks-uri", "token-response-missing-uuid"],
    needs=NEEDS,
    description="Needs a token whose hour is over: [platform] expired_registration_token, or the mock's test-support route.",
)
define(
    id="DR-013",
    title="A missing, malformed or forged registration token is refused with 401",
    source="canvas-facts.md §1c steps 1–2; ims-facts.md §1.5 (RFC 6750: 401 invalid_token)",
    level="required",
    faults=["accept-forged-token", "openid-config-missing-jwks-uri", "token-response-missing-uuid"],
    needs=NEEDS,
)
define(
    id="DR-014",
    title="A registration token cannot register a second tool",
    source="ims-facts.md §1.2 (registration_endpoint \"may be one-time-use\"); canvas-facts.md §1c \"Reused registration token\"",
    level="recommended",
    faults=["accept-reused-token", "drop-claims-from-echo", "no-client-id", "openid-config-missing-jwks-uri", "token-response-missing-uuid"],
    needs=NEEDS,
    description="Real Canvas does not mark registration tokens as used: within its hour a token registers any number "
    "of tools. The DR spec allows one-time use and Moodle enforces it; the harness recommends it.",
)
define(
    id="DR-015",
    title="A form-encoded registration (Rails bracket notation) is accepted like the JSON one",
    source=f'{SEED}, example "POST /api/lti/registrations" (content_type application/x-www-form-urlencoded)',
    level="recommended",
    faults=["form-encoded-rejected", "drop-claims-from-echo", "no-client-id", "openid-config-missing-jwks-uri", "token-response-missing-uuid"],
    needs=NEEDS,
    description="The seed labels its request example form-encoded but does not say how nested objects are encoded; "
    "Canvas (Rails) reads bracket notation such as messages[][type]. Tools send JSON (ims-facts.md §1.3).",
)
define(
    id="DR-016",
    title="The registration API keeps its OpenAPI contract: no server errors, documented statuses, conforming bodies",
    source=f"schemas/openapi/platform.json, built from {SEED} and {UPD}",
    level="required",
    faults=[
    "invalid-body-500",
    "token-response-missing-uuid",
    "openid-config-missing-jwks-uri",
    "jwks-key-without-kid",
    "no-client-id",
    "drop-claims-from-echo",
    ],
    needs=NEEDS,
    kind="contract",
    description="A schemathesis run over the OpenAPI document, positive and negative bodies. It also notices any "
    "response that breaks its schema, so every fault that changes a response's shape makes it fail.",
)
define(
    id="DR-017",
    title="Two registrations get distinct client ids",
    source='ims-facts.md §1.4 (the platform answers with "the new client_id"); canvas-facts.md §1c '
    '(each POST creates another developer key; client_id is that key\'s global id)',
    level="required",
    faults=["same-client-id", "drop-claims-from-echo", "openid-config-missing-jwks-uri", "token-response-missing-uuid"],
    needs=NEEDS,
    error_faults=("no-client-id",),
    description="The harness registers its tool twice, each time with a fresh registration token, and compares the "
    "client ids. A registration refused or answered without a client_id ends the check in error (DR-006 judges that).",
)
