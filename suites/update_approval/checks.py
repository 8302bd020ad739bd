"""Checks of the registration update approval suite."""

from lti_harness.harness.checks import define

DOC = "000_a19bcb645fa47239.txt"
S = "update_approval"
# Every check registers the harness's tool and submits or reviews updates; most act with the tool's LTI token.
BASE = ("dynamic_registration", "registration_updates")
TOKEN = (*BASE, "lti_token_endpoint")
FLAG = (*TOKEN, "admin_feature_flags")


def upd(id: str, title: str, source: str, faults: list[str], level: str = "required", description: str = "",
        needs: tuple[str, ...] = TOKEN) -> None:
    define(id, title, source=source, level=level, faults=faults, suite=S, description=description, needs=needs)


upd("UPD-001", "A valid update is accepted (200) and becomes a pending request the admin can read",
    f'{DOC}, "Step 1: Tool Requests an Update" and "Step 2"; canvas-facts.md §2 (PUT success → 200; admin API)',
    ["pending-request-shows-old-configuration"],
    description="The admin finds the request through the adapter: the canvas adapter reads pending_update from "
    "GET /api/v1/accounts/:account_id/lti_registrations/:id (our reading of canvas-facts.md §2; Canvas's route for this is unconfirmed).")
upd("UPD-002", "The current configuration is unchanged until an administrator accepts the update",
    f'{DOC}, "Step 2" (Note: the update does not take effect until an administrator explicitly accepts it)',
    ["apply-without-approval"])
upd("UPD-003", "The PUT answers with the submitted configuration",
    f'{DOC}, "Success Response (200 OK)"; canvas-facts.md §2 "Response"', ["put-echoes-old-configuration"],
    level="recommended",
    description="The document's example answers with the updated values; real Canvas's code answers with the current (old) "
    "configuration. The harness follows the document and marks the check recommended.")
upd("UPD-004", "After acceptance the configuration equals the submitted one exactly: omitted fields are gone (replace, not merge)",
    f'{DOC}, "Configuration Replacement"; canvas-facts.md §2 "Applying an update"', ["merge-instead-of-replace"])
upd("UPD-005", "Ignoring an update leaves the configuration unchanged and the request no longer pending",
    f'{DOC}, "Step 2" (accept the update, or ignore it); canvas-facts.md §2 Admin API (accepted=false)',
    ["reject-applies-anyway", "apply-without-approval"])
upd("UPD-006", "A scope the admin disabled in the overlay is not granted in a token requested afterwards",
    f'{DOC}, "Step 2" (restricted scopes) and "Scenario 2"; canvas-facts.md §2 "Overlays" (disabled_scopes)',
    ["ignore-overlay-disabled-scopes", "superset-scopes-granted"],
    description="Shared with the scopes suite: the disabled scope leaves the developer key, so the token endpoint must refuse it "
    "as it refuses any scope beyond the key's (KEY-001).")
upd("UPD-007", "A placement the admin disabled in the overlay is off in the effective configuration",
    f'{DOC}, "Step 2" (disabled placements); canvas-facts.md §2 "Overlays" (disabled_placements)',
    ["ignore-overlay-disabled-placements"],
    description="Read from the admin registration's overlaid_configuration; a target whose adapter cannot show the "
    "effective configuration makes this check not applicable.")
upd("UPD-008", "The overlay's custom names (title, placement text) are shown in the effective configuration",
    f'{DOC}, "Step 2" (custom display names); canvas-facts.md §2 "Overlays" (title, placements.text)',
    ["ignore-overlay-names"],
    description="Read from the admin registration's overlaid_configuration, like UPD-007.")
upd("UPD-009", "With lti_dr_registrations_update off, the update endpoint answers 404",
    f'{DOC}, "Feature Flag"; canvas-facts.md §2 (flag off → 404)', ["flag-ignored"], needs=FLAG)
upd("UPD-010", "With lti_dr_registrations_update off, a pending update request cannot be applied",
    f'{DOC}, "Feature Flag" (existing update requests cannot be applied)', ["flag-ignored"], needs=FLAG,
    description="Judged by the effect: the configuration stays as it was, and the apply call does not answer 2xx as if it "
    "had applied the request (the document names no status for the refusal).")
upd("UPD-011", "A PUT without an access token gets 401 with the documented {\"errorMessage\": …} body",
    f'{DOC}, "Error Response (401 Unauthorized)"; canvas-facts.md §2 (order of the 401 checks)', ["wrong-401-body"],
    needs=BASE)
upd("UPD-012", "A token without the registration scope (only registration.readonly) cannot PUT: 401 with the documented body",
    f'{DOC}, "Access Tokens" and "Error Response (401 Unauthorized)"; canvas-facts.md §2 ("Insufficient permissions")',
    ["put-without-scope-accepted", "wrong-401-body"])
upd("UPD-013", "A token of a deactivated developer key gets 401 with the documented body",
    f'{DOC}, "Error Response (401 Unauthorized)"; canvas-facts.md §2 ("Unknown or inactive Developer Key")',
    ["inactive-key-accepted", "wrong-401-body"], needs=(*TOKEN, "admin_developer_keys"))
upd("UPD-014", "An invalid update body gets 422 with an errors list, and no pending request",
    f'{DOC}, "Error Response (422 Unprocessable Entity)"; canvas-facts.md §2 "Body validation"', ["invalid-update-accepted"])
upd("UPD-015", "Each applied update adds exactly one history entry saying what changed, who applied it, when, and the comment",
    f'{DOC}, "Audit Trail"; canvas-facts.md §2 "Lti::RegistrationHistoryEntry"', ["no-history-entry", "apply-without-approval"])
upd("UPD-016", "Only the newest pending request can be applied; a superseded or already decided request is refused",
    "canvas-facts.md §2 Model (most_recent?: only the newest request per registration is pending or applicable)",
    ["stale-request-applied"],
    description="Judged by the effect (the configuration does not change) and by the answer: applying such a request "
    "must not answer 2xx as if it had been applied.")
upd("UPD-017", "Two simultaneous accepts of one request apply it once", "the documents are silent; issue of this harness",
    ["double-apply-race", "stale-request-applied", "no-history-entry"], level="recommended",
    description="The documents say nothing about concurrent admin actions. A careful platform applies a request once: "
    "two accepts sent together must leave exactly one history entry.")
upd("UPD-018", "A tool's token cannot update another tool's registration",
    f'{DOC}, "Step 1" (an access token for the current registration); canvas-facts.md §2 "Ownership"',
    ["no-ownership-check"], level="recommended",
    description="The document asks for a token of the current registration; real Canvas's code has no ownership check, "
    "so any active key with the registration scope passes. Recommended.")
upd("UPD-019", "Random sequences of submit / accept (with overlay) / ignore / read / flag off-on keep the platform equal to the model",
    f'{DOC} (whole workflow); canvas-facts.md §2',
    ["apply-without-approval", "merge-instead-of-replace", "reject-applies-anyway", "no-history-entry", "flag-ignored"],
    needs=FLAG,
    description="A hypothesis RuleBasedStateMachine keeps the expected configuration, pending request and history length "
    "and compares them with the target after every step; failures shrink to a short sequence of steps.")
