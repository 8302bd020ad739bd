"""Checks of the tool registrations API suite (seed 001, "LTI Registrations"). The document's stated
behaviour is required; what only its examples show (the message wording) is recommended."""

from functools import partial

from lti_harness.harness import checks

DOC = "001_f676ab90b81a9d23.txt"
S = "tool_registrations"
API = ("tool_registrations_api",)

define = partial(checks.define, suite=S, side="tool")  # every check of this suite tests a tool

define(
    id="TREG-001",
    title="CRUD round-trip: a created registration reads back equal, and after DELETE it is gone (404)",
    source=f'{DOC}, "POST", "GET /v1/platform/lti/registrations/:id", "DELETE"',
    level="required",
    faults=["unknown-id-500", "wrong-error-envelope"],
    needs=API,
    description="The create answer may be 200 or 201 (the document shows the body only); status is active or inactive "
    "(Response Fields).",
)
define(
    id="TREG-002",
    title="List paging: across pages every registration appears exactly once and meta agrees (itemCount, pageCount, hasPreviousPage, hasNextPage)",
    source=f'{DOC}, "GET /v1/platform/lti/registrations" (page, take; meta)',
    level="required",
    faults=["list-skips-last-page-item"],
    needs=API,
)
define(
    id="TREG-003",
    title="take over 100 is refused (400) or capped at 100, as documented (max 100)",
    source=f'{DOC}, "GET /v1/platform/lti/registrations" (take: max 100)',
    level="required",
    faults=["take-unbounded", "wrong-error-envelope"],
    needs=API,
)
define(
    id="TREG-004",
    title="The status filter lists only registrations with that status",
    source=f'{DOC}, "GET /v1/platform/lti/registrations" (status: active or inactive)',
    level="required",
    faults=["status-filter-ignored", "update-replaces-instead-of-patch"],
    needs=API,
)
define(
    id="TREG-005",
    title="PUT changes only the fields sent (partial update) and moves updatedAt",
    source=f'{DOC}, "PUT /v1/platform/lti/registrations/:id" (All fields are optional; only the fields you include will be updated)',
    level="required",
    faults=["update-replaces-instead-of-patch", "updated-at-not-bumped"],
    needs=API,
)
define(
    id="TREG-006",
    title="A create without a required field: 400 platform_invalid_request in the error envelope",
    source=f'{DOC}, "POST" (Request Body: Required Yes); "Error Responses" (400 platform_invalid_request: Missing or invalid fields)',
    level="required",
    faults=["wrong-error-envelope"],
    needs=API,
)
define(
    id="TREG-007",
    title="Without an API key, or with a wrong one: 401 platform_unauthorized",
    source=f'{DOC}, "All endpoints in this section require a Platform API key"; "Error Responses" (401)',
    level="required",
    faults=["api-key-not-checked", "wrong-error-envelope"],
    needs=API,
)
define(
    id="TREG-008",
    title="An unknown registration id: 404 platform_not_found on GET, PUT and DELETE",
    source=f'{DOC}, "Error Responses" (404 platform_not_found)',
    level="required",
    faults=["unknown-id-500", "wrong-error-envelope"],
    needs=API,
)
define(
    id="TREG-009",
    title="A second registration with the same issuer and client ID: 409 platform_conflict (on create and on update)",
    source=f'{DOC}, "Error Responses" (409 platform_conflict)',
    level="required",
    faults=["duplicate-allowed", "wrong-error-envelope"],
    needs=API,
)
define(
    id="TREG-010",
    title="Property: create bodies generated from the schema are accepted and read back equal",
    source=f'{DOC}, "POST" (Request Body; Response)',
    level="required",
    faults=["long-names-truncated"],
    needs=API,
    kind="property",
    description="Bodies come from the OpenAPI document through schemathesis; each gets a unique issuer and client ID and is "
    "deleted once read back.",
)
define(
    id="TREG-011",
    title="Property: random sequences of create / update / delete / list keep the tool equal to a model",
    source=f'{DOC}, "LTI Registrations" (whole API)',
    level="required",
    faults=["update-replaces-instead-of-patch", "duplicate-allowed", "list-skips-last-page-item"],
    needs=API,
    kind="property",
    description="A hypothesis RuleBasedStateMachine keeps the registrations the tool must hold; a create reusing an issuer and "
    "client ID must get 409; after every step the registration it created or updated must read back as the model holds it, "
    "and the paged list must equal the model at the start of every run and every 4 steps; each run deletes what it created.",
)
define(
    id="TREG-012",
    title="schemathesis over the OpenAPI document: no server errors, documented statuses and conforming bodies",
    source=f'{DOC}, "LTI Registrations" (all routes)',
    level="required",
    faults=["unknown-id-500", "wrong-error-envelope"],
    needs=API,
    kind="contract",
)
define(
    id="TREG-013",
    title="A deleted registration no longer launches (the same launch worked before the DELETE)",
    source=f'{DOC}, "DELETE /v1/platform/lti/registrations/:id" (This immediately invalidates all LTI launches associated with this registration)',
    level="required",
    faults=["deleted-still-launches"],
    needs=(*API, "tool_launch"),
    description="The harness acts as the platform: it serves a JWKS on loopback (or at [harness] public_url), registers "
    "itself, initiates the login and posts a signed id_token; after the DELETE either the login or the launch must be "
    "refused (any refusal counts). When the launch before the DELETE is not accepted, or the DELETE is refused, the "
    "check ends error: the harness could not arrange what it checks.",
)
define(
    id="TREG-014",
    title="The 400 for a missing field names the field in its message",
    source=f'{DOC}, "Error Responses" (example message "platformIssuer is required")',
    level="recommended",
    faults=["missing-field-not-named", "wrong-error-envelope"],
    needs=API,
    description="Recommended: only the document's example shows the field named; the status and code are TREG-006.",
)
define(
    id="TREG-015",
    title="Stateful: registrations create → read → update → delete, following the document's links, keep the contract",
    source=f'schemas/openapi/tool.json, links of createToolRegistration and listToolRegistrations ({DOC}, "LTI Registrations")',
    level="required",
    faults=["unknown-id-500", "wrong-error-envelope"],
    needs=API,
    kind="contract",
    description="schemathesis's state machine built from the document's links, with the Platform API key: a scenario "
    "creates a registration (an issuer and client ID of its own) and uses the id the answer gives to read, update and "
    "delete it, every answer checked for no 5xx, a documented status, content type and a conforming body. Bounded: the "
    "run's --examples scenarios (at most 5) of at most 6 steps each; what it created is deleted afterwards.",
)
define(
    id="TREG-016",
    title="The tool's JWKS routes keep their OpenAPI contract: 200 with a public key set (no private members)",
    source="schemas/openapi/tool.json (getToolJwks, getToolJwksWellKnown); ims-facts.md §3.2 (the tool's public keys at its JWKS URL)",
    level="required",
    faults=["jwks-private-members"],
    needs=API,
    kind="contract",
    description="A schemathesis run over both JWKS routes of the tool (no credentials): each answer must be 200, JSON and "
    "conform to schemas/jwks.json (every key with kty and kid; the private members d, p, q, dp, dq, qi forbidden).",
)
