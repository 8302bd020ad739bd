"""Checks of the registration update approval suite."""

from functools import partial

from lti_harness.harness import checks

DOC = "000_a19bcb645fa47239.txt"
S = "update_approval"
# Every check registers the harness's tool and submits or reviews updates; most act with the tool's LTI token.
BASE = ("dynamic_registration", "registration_updates")
TOKEN = (*BASE, "lti_token_endpoint")
FLAG = (*TOKEN, "admin_feature_flags")

define = partial(checks.define, suite=S, side="platform")  # every check of this suite tests a platform

define(
    id="UPD-001",
    title="A valid update is accepted (200) and becomes a pending request the admin can read",
    source=f'{DOC}, "Step 1: Tool Requests an Update" and "Step 2"; canvas-facts.md §2 (PUT success → 200; admin API)',
    level="required",
    faults=["pending-request-shows-old-configuration"],
    needs=TOKEN,
    description="The admin finds the request through the adapter: the canvas adapter reads pending_update from "
    "GET /api/v1/accounts/:account_id/lti_registrations/:id (our reading of canvas-facts.md §2; Canvas's route for this is unconfirmed).",
)
define(
    id="UPD-002",
    title="The current configuration is unchanged until an administrator accepts the update",
    source=f'{DOC}, "Step 2" (Note: the update does not take effect until an administrator explicitly accepts it)',
    level="required",
    faults=["apply-without-approval"],
    needs=TOKEN,
)
define(
    id="UPD-003",
    title="The PUT answers with the submitted configuration",
    source=f'{DOC}, "Success Response (200 OK)"; canvas-facts.md §2 "Response"',
    level="recommended",
    faults=["put-echoes-old-configuration"],
    needs=TOKEN,
    description="The document's example answers with the updated values; real Canvas's code answers with the current (old) "
    "configuration. The harness follows the document and marks the check recommended.",
)
define(
    id="UPD-004",
    title="After acceptance the configuration equals the submitted one exactly: omitted fields are gone (replace, not merge)",
    source=f'{DOC}, "Configuration Replacement"; canvas-facts.md §2 "Applying an update"',
    level="required",
    faults=["merge-instead-of-replace"],
    needs=TOKEN,
)
define(
    id="UPD-005",
    title="Ignoring an update leaves the configuration unchanged and the request no longer pending",
    source=f'{DOC}, "Step 2" (accept the update, or ignore it); canvas-facts.md §2 Admin API (accepted=false)',
    level="required",
    faults=["reject-applies-anyway", "apply-without-approval"],
    needs=TOKEN,
)
define(
    id="UPD-006",
    title="A scope the admin disabled in the overlay is not granted in a token requested afterwards",
    source=f'{DOC}, "Step 2" (restricted scopes) and "Scenario 2"; canvas-facts.md §2 "Overlays" (disabled_scopes)',
    level="required",
    faults=["ignore-overlay-disabled-scopes", "superset-scopes-granted"],
    needs=TOKEN,
    description="Shared with the scopes suite: the disabled scope leaves the developer key, so the token endpoint must refuse it "
    "as it refuses any scope beyond the key's (KEY-001).",
)
define(
    id="UPD-007",
    title="A placement the admin disabled in the overlay is off in the effective configuration",
    source=f'{DOC}, "Step 2" (disabled placements); canvas-facts.md §2 "Overlays" (disabled_placements)',
    level="required",
    faults=["ignore-overlay-disabled-placements"],
    needs=TOKEN,
    description="Read from the admin registration's overlaid_configuration; a target whose adapter cannot show the "
    "effective configuration makes this check not applicable.",
)
define(
    id="UPD-008",
    title="The overlay's custom names (title, placement text) are shown in the effective configuration",
    source=f'{DOC}, "Step 2" (custom display names); canvas-facts.md §2 "Overlays" (title, placements.text)',
    level="required",
    faults=["ignore-overlay-names"],
    needs=TOKEN,
    description="Read from the admin registration's overlaid_configuration, like UPD-007.",
)
define(
    id="UPD-009",
    title="With lti_dr_registrations_update off, the update endpoint answers 404",
    source=f'{DOC}, "Feature Flag"; canvas-facts.md §2 (flag off → 404)',
    level="required",
    faults=["flag-ignored"],
    needs=FLAG,
)
define(
    id="UPD-010",
    title="With lti_dr_registrations_update off, a pending update request cannot be applied",
    source=f'{DOC}, "Feature Flag" (existing update requests cannot be applied)',
    level="required",
    faults=["flag-ignored"],
    needs=FLAG,
    description="Judged by the effect: the configuration stays as it was, and the apply call does not answer 2xx as if it "
    "had applied the request (the document names no status for the refusal).",
)
define(
    id="UPD-011",
    title="A PUT without an access token gets 401 with the documented {\"errorMessage\": …} body",
    source=f'{DOC}, "Error Response (401 Unauthorized)"; canvas-facts.md §2 (order of the 401 checks)',
    level="required",
    faults=["wrong-401-body"],
    needs=BASE,
)
define(
    id="UPD-012",
    title="A token without the registration scope (only registration.readonly) cannot PUT: 401 with the documented body",
    source=f'{DOC}, "Access Tokens" and "Error Response (401 Unauthorized)"; canvas-facts.md §2 ("Insufficient permissions")',
    level="required",
    faults=["put-without-scope-accepted", "wrong-401-body"],
    needs=TOKEN,
)
define(
    id="UPD-013",
    title="A token of a deactivated developer key gets 401 with the documented body",
    source=f'{DOC}, "Error Response (401 Unauthorized)"; canvas-facts.md §2 ("Unknown or inactive Developer Key")',
    level="required",
    faults=["inactive-key-accepted", "wrong-401-body"],
    needs=(*TOKEN, "admin_developer_keys"),
)
define(
    id="UPD-014",
    title="An invalid update body gets 422 with an errors list, and no pending request",
    source=f'{DOC}, "Error Response (422 Unprocessable Entity)"; canvas-facts.md §2 "Body validation"',
    level="required",
    faults=["invalid-update-accepted", "update-invalid-body-500"],
    needs=TOKEN,
)
define(
    id="UPD-015",
    title="Each applied update adds exactly one history entry saying what changed, who applied it, when, and the comment",
    source=f'{DOC}, "Audit Trail"; canvas-facts.md §2 "Lti::RegistrationHistoryEntry"',
    level="required",
    faults=["no-history-entry", "apply-without-approval"],
    needs=TOKEN,
)
define(
    id="UPD-016",
    title="Only the newest pending request can be applied; a superseded or already decided request is refused",
    source="canvas-facts.md §2 Model (most_recent?: only the newest request per registration is pending or applicable)",
    level="required",
    faults=["stale-request-applied"],
    needs=TOKEN,
    description="Judged by the effect (the configuration does not change) and by the answer: applying such a request "
    "must not answer 2xx as if it had been applied.",
)
define(
    id="UPD-017",
    title="Two simultaneous accepts of one request apply it once",
    source="the documents are silent; issue of this harness",
    level="recommended",
    faults=["double-apply-race", "stale-request-applied", "no-history-entry"],
    needs=TOKEN,
    description="The documents say nothing about concurrent admin actions. A careful platform applies a request once: "
    "two accepts sent together must leave exactly one history entry.",
)
define(
    id="UPD-018",
    title="A tool's token cannot update another tool's registration",
    source=f'{DOC}, "Step 1" (an access token for the current registration); canvas-facts.md §2 "Ownership"',
    level="recommended",
    faults=["no-ownership-check"],
    needs=TOKEN,
    description="The document asks for a token of the current registration; real Canvas's code has no ownership check, "
    "so any active key with the registration scope passes. Recommended.",
)
define(
    id="UPD-019",
    title="Random sequences of submit / accept (with overlay) / ignore / read / flag off-on keep the platform equal to the model",
    source=f'{DOC} (whole workflow); canvas-facts.md §2',
    level="required",
    faults=["apply-without-approval", "merge-instead-of-replace", "reject-applies-anyway", "no-history-entry", "flag-ignored"],
    needs=FLAG,
    kind="property",
    description="A hypothesis RuleBasedStateMachine keeps the expected configuration, pending request and history length "
    "and compares them with the target after every step; failures shrink to a short sequence of steps.",
)
define(
    id="UPD-020",
    title="The admin's review routes keep their OpenAPI contract: no server errors, documented statuses and bodies",
    source="schemas/openapi/platform/update_approval.json (registrations, update requests, apply, history and the feature "
    f"flag, built from {DOC} \"Step 2\"/\"Step 3\" and canvas-facts.md §2)",
    level="required",
    faults=["update-request-id-500"],
    needs=FLAG,
    kind="contract",
    description="A schemathesis run over every operation of the update-approval area with the admin's token, positive data "
    "for each and negative data for the PUTs; ids name a registration of the harness's with a pending update request on "
    "one example in three, their parents on another (each apply gets a fresh pending request). Required: the statuses and bodies the document lists "
    "are Canvas's documented ones. The flag is switched on again after the run. An operation answered 404 or 405 to "
    "every request is not applicable.",
)
define(
    id="UPD-021",
    title="Stateful: registrations → update request → apply → history, following the document's links, keep the contract",
    source="schemas/openapi/platform/update_approval.json, links of listLtiRegistrations, getLtiRegistration, "
    f"getRegistrationUpdateRequest and applyRegistrationUpdateRequest ({DOC} \"Step 2\"/\"Step 3\")",
    level="required",
    faults=["update-request-id-500"],
    needs=FLAG,
    kind="contract",
    description="schemathesis's state machine built from the document's links, with the admin's token: a scenario reads "
    "the account's registrations, follows one to its pending update request, applies it and reads the history, every "
    "answer checked as UPD-020 does. Bounded: the run's --examples scenarios (at most 5) of at most 6 steps each.",
)
define(
    id="UPD-022",
    title="The tool's update request (PUT of its configuration) keeps its OpenAPI contract: no server errors, documented statuses and bodies",
    source=f'schemas/openapi/platform/registration.json (updateRegistrationConfiguration, built from {DOC} "Step 1: Tool Requests '
    'an Update" and canvas-facts.md §2)',
    level="required",
    faults=["update-invalid-body-500"],
    needs=FLAG,
    kind="contract",
    description="A schemathesis run over PUT /api/lti/registrations/{registration_id}/configuration, positive and negative "
    "bodies, with an LTI token of the registration scope of a tool the harness registered (named on one example in "
    "three). Every answer: no 5xx, a status the document lists (200, or 400/422 for a refused update), its media type and "
    "a conforming body. Required: Canvas documents the update's answers. Each accepted body leaves a pending update "
    "request of the harness's registration, which the run never applies.",
)
