"""Checks of the tool registrations API suite (seed 001, "LTI Registrations"). The document's stated
behaviour is required; what only its examples show (the message wording) is recommended."""

from lti_harness.harness.checks import define

DOC = "001_f676ab90b81a9d23.txt"
S = "tool_registrations"


API = ("tool_registrations_api",)


def treg(id: str, title: str, source: str, faults: list[str], level: str = "required", description: str = "",
         needs: tuple[str, ...] = API) -> None:
    define(id, title, source=f"{DOC}, {source}", level=level, faults=faults, suite=S, description=description, needs=needs)


treg("TREG-001", "CRUD round-trip: a created registration reads back equal, and after DELETE it is gone (404)",
     '"POST", "GET /v1/platform/lti/registrations/:id", "DELETE"', ["unknown-id-500", "wrong-error-envelope"],
     description="The create answer may be 200 or 201 (the document shows the body only); status is active or inactive "
     "(Response Fields).")
treg("TREG-002", "List paging: across pages every registration appears exactly once and meta agrees (itemCount, pageCount, hasPreviousPage, hasNextPage)",
     '"GET /v1/platform/lti/registrations" (page, take; meta)', ["list-skips-last-page-item"])
treg("TREG-003", "take over 100 is refused (400) or capped at 100, as documented (max 100)",
     '"GET /v1/platform/lti/registrations" (take: max 100)', ["take-unbounded", "wrong-error-envelope"])
treg("TREG-004", "The status filter lists only registrations with that status",
     '"GET /v1/platform/lti/registrations" (status: active or inactive)', ["status-filter-ignored"])
treg("TREG-005", "PUT changes only the fields sent (partial update) and moves updatedAt",
     '"PUT /v1/platform/lti/registrations/:id" (All fields are optional; only the fields you include will be updated)',
     ["update-replaces-instead-of-patch", "updated-at-not-bumped"])
treg("TREG-006", "A create without a required field: 400 platform_invalid_request in the error envelope",
     '"POST" (Request Body: Required Yes); "Error Responses" (400 platform_invalid_request: Missing or invalid fields)',
     ["wrong-error-envelope"])
treg("TREG-007", "Without an API key, or with a wrong one: 401 platform_unauthorized",
     '"All endpoints in this section require a Platform API key"; "Error Responses" (401)', ["api-key-not-checked", "wrong-error-envelope"])
treg("TREG-008", "An unknown registration id: 404 platform_not_found on GET, PUT and DELETE",
     '"Error Responses" (404 platform_not_found)', ["unknown-id-500", "wrong-error-envelope"])
treg("TREG-009", "A second registration with the same issuer and client ID: 409 platform_conflict (on create and on update)",
     '"Error Responses" (409 platform_conflict)', ["duplicate-allowed", "wrong-error-envelope"])
treg("TREG-010", "Property: create bodies generated from the schema are accepted and read back equal",
     '"POST" (Request Body; Response)', ["long-names-truncated"],
     description="Bodies come from the OpenAPI document through schemathesis; each gets a unique issuer and client ID.")
treg("TREG-011", "Property: random sequences of create / update / delete / list keep the tool equal to a model",
     '"LTI Registrations" (whole API)', ["update-replaces-instead-of-patch", "duplicate-allowed", "list-skips-last-page-item"],
     description="A hypothesis RuleBasedStateMachine keeps the registrations the tool must hold; a create reusing an issuer and "
     "client ID must get 409; after every step the paged list must equal the model.")
treg("TREG-012", "schemathesis over the OpenAPI document: no server errors, documented statuses and conforming bodies",
     '"LTI Registrations" (all routes)', ["unknown-id-500", "wrong-error-envelope"])
treg("TREG-013", "A deleted registration no longer launches (the same launch worked before the DELETE)",
     '"DELETE /v1/platform/lti/registrations/:id" (This immediately invalidates all LTI launches associated with this registration)',
     ["deleted-still-launches"], needs=(*API, "tool_launch"),
     description="The harness acts as the platform: it serves a JWKS on loopback (or at [harness] public_url), registers "
     "itself, initiates the login and posts a signed id_token; after the DELETE either the login or the launch must be "
     "refused (any refusal counts). When the launch before the DELETE is not accepted, or the DELETE is refused, the "
     "check ends error: the harness could not arrange what it checks.")
treg("TREG-014", "The 400 for a missing field names the field in its message",
     '"Error Responses" (example message "platformIssuer is required")', ["missing-field-not-named"], level="recommended",
     description="Recommended: only the document's example shows the field named; the status and code are TREG-006.")
