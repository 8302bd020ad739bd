"""Fault switches of the mock platform: each one a realistic bug a platform vendor could ship.

The registry in ``harness.checks`` pairs every conformance check with faults from this list; the
self-tests prove each fault makes exactly its paired checks fail.
"""

from __future__ import annotations

from collections.abc import Collection

from lti_harness.switches import Catalogue

CATALOGUE = Catalogue("platform")
fault = CATALOGUE.declare

# dynamic registration (seed 002, canvas-facts §1)
TOKEN_RESPONSE_MISSING_UUID = fault("token-response-missing-uuid", "the registration token response omits 'uuid'")
TOKEN_WITHOUT_EXPIRY = fault("token-without-expiry", "registration tokens carry no 'exp' and never expire")
OPENID_CONFIG_MISSING_JWKS_URI = fault("openid-config-missing-jwks-uri", "the OpenID configuration omits 'jwks_uri'")
OPENID_CONFIG_WITHOUT_TOKEN = fault("openid-config-without-token", "the OpenID configuration is served without a registration token")
JWKS_KEY_WITHOUT_KID = fault("jwks-key-without-kid", "the platform JWKS lists its key without a 'kid'")
NO_CLIENT_ID = fault("no-client-id", "the registration response omits 'client_id'")
DROP_CLAIMS_FROM_ECHO = fault("drop-claims-from-echo", "the registration response drops 'claims' from the tool configuration")
SCOPE_WITHOUT_OPENID = fault("scope-without-openid", "the granted 'scope' does not include 'openid'")
NO_REGISTRATION_CLIENT_URI = fault("no-registration-client-uri", "the registration response omits 'registration_client_uri'")
INVALID_BODY_500 = fault("invalid-body-500", "an invalid registration body is answered with a 500 and an HTML page")
ACCEPT_MISSING_REDIRECT_URIS = fault("accept-missing-redirect-uris", "a registration without 'redirect_uris' is accepted")
IGNORE_UNKNOWN_SCOPES = fault("ignore-unknown-scopes", "unknown scopes are silently dropped instead of refused")
ACCEPT_EXPIRED_TOKEN = fault("accept-expired-token", "an expired registration token is accepted")
ACCEPT_FORGED_TOKEN = fault("accept-forged-token", "the registration token's signature is not verified")
ACCEPT_REUSED_TOKEN = fault("accept-reused-token", "a registration token can register more than one tool")
FORM_ENCODED_REJECTED = fault("form-encoded-rejected", "form-encoded registration bodies are refused with 415")
SAME_CLIENT_ID = fault("same-client-id", "every registration gets the first one's client_id (one developer key for all tools)")

# registration updates (seed 000, canvas-facts §2)
APPLY_WITHOUT_APPROVAL = fault("apply-without-approval", "a tool's update takes effect at once (the request still waits for review, unaudited)")
PENDING_REQUEST_SHOWS_OLD_CONFIGURATION = fault("pending-request-shows-old-configuration", "the admin's view of a pending request shows the current configuration, not the proposed one")
PUT_ECHOES_OLD_CONFIGURATION = fault("put-echoes-old-configuration", "the PUT answers with the current (old) configuration, as real Canvas does")
MERGE_INSTEAD_OF_REPLACE = fault("merge-instead-of-replace", "an accepted update is merged into the old configuration instead of replacing it")
REJECT_APPLIES_ANYWAY = fault("reject-applies-anyway", "ignoring an update request applies it")
IGNORE_OVERLAY_DISABLED_SCOPES = fault("ignore-overlay-disabled-scopes", "scopes the admin disabled in the overlay are still granted")
IGNORE_OVERLAY_DISABLED_PLACEMENTS = fault("ignore-overlay-disabled-placements", "placements the admin disabled in the overlay stay on")
IGNORE_OVERLAY_NAMES = fault("ignore-overlay-names", "the overlay's custom title and placement texts are not shown")
FLAG_IGNORED = fault("flag-ignored", "the lti_dr_registrations_update flag is ignored: updates are taken and applied when it is off")
PUT_WITHOUT_SCOPE_ACCEPTED = fault("put-without-scope-accepted", "a token without the registration scope (e.g. registration.readonly) can PUT")
WRONG_401_BODY = fault("wrong-401-body", "401 answers carry {\"error\": ...} instead of the documented {\"errorMessage\": ...}")
INACTIVE_KEY_ACCEPTED = fault("inactive-key-accepted", "tokens of a deactivated developer key are still accepted")
INVALID_UPDATE_ACCEPTED = fault("invalid-update-accepted", "an invalid update body is taken as a pending request (200) instead of 422")
NO_HISTORY_ENTRY = fault("no-history-entry", "applying an update writes no history entry")
STALE_REQUEST_APPLIED = fault("stale-request-applied", "a request that is no longer pending, or not the newest, can still be applied")
DOUBLE_APPLY_RACE = fault("double-apply-race", "two simultaneous accepts of one request both apply it")
NO_OWNERSHIP_CHECK = fault("no-ownership-check", "a tool's token can update another tool's registration (real Canvas has no such check)")

# developer keys and scopes (seed 004, canvas-facts §3)
SUPERSET_SCOPES_GRANTED = fault("superset-scopes-granted", "scopes the developer key does not have are granted when requested")
WRONG_INVALID_SCOPE_STATUS = fault("wrong-invalid-scope-status", "a scope outside the key is refused with 401 instead of 400 invalid_scope")
SCOPE_CHECK_IGNORES_VERB = fault("scope-check-ignores-verb", "a url:GET|… scope also allows PUT, POST and DELETE on that path")
SCOPE_CHECK_PREFIX_MATCH = fault("scope-check-prefix-match", "a scope's path matches every longer path that starts with it")
SCOPE_PARAMS_LITERAL = fault("scope-params-literal", "a scope's :params are compared literally, so no real path matches them")
BINDING_OFF_IGNORED = fault("binding-off-ignored", "a developer key turned off in the account still works")
REMOVED_SCOPE_TOKENS_STILL_WORK = fault("removed-scope-tokens-still-work", "removing a scope from a key leaves its stored user tokens working")
LTI_TOKENS_SURVIVE_SCOPE_REMOVAL = fault("lti-tokens-survive-scope-removal", "LTI tokens issued before a scope was removed keep working until they expire (as real Canvas does)")
READONLY_CAN_WRITE = fault("readonly-can-write", "a lineitem.readonly token can create line items")
REGISTRATION_READ_WITHOUT_SCOPE = fault("registration-read-without-scope", "any valid LTI token can read a registration's configuration, with or without the registration scopes")
UNKNOWN_CLIENT_WRONG_ERROR = fault("unknown-client-wrong-error", "an unknown client gets 400 invalid_request instead of 401 invalid_client")
WRONG_GRANT_TYPE_ERROR = fault("wrong-grant-type-error", "an unsupported grant_type gets invalid_request instead of unsupported_grant_type")
ACCEPT_ALG_NONE = fault("accept-alg-none", "a client assertion with alg 'none' (no signature) is accepted")
ACCEPT_HS256_PUBLIC_KEY = fault("accept-hs256-public-key", "a client assertion HMAC-signed with the key's public key (alg confusion) is accepted")
ACCEPT_WRONG_AUD = fault("accept-wrong-aud", "a client assertion for another audience is accepted")
ACCEPT_EXPIRED_ASSERTION = fault("accept-expired-assertion", "an expired client assertion is accepted")
ACCEPT_FUTURE_IAT = fault("accept-future-iat", "a client assertion issued in the future is accepted")
SKIP_ASSERTION_SIGNATURE = fault("skip-assertion-signature", "the client assertion's signature is not checked once its key is found")
ACCEPT_UNKNOWN_KID = fault("accept-unknown-kid", "a client assertion whose kid is not in the tool's JWKS is accepted unverified")
BAD_ASSERTION_500 = fault("bad-assertion-500", "a bad client assertion is refused with a 500 server error instead of 400 invalid_request")
ASSERTION_ISS_NOT_CHECKED = fault("assertion-iss-not-checked", "a client assertion whose iss is not the client id is accepted")
ASSERTION_JTI_REPLAY_ACCEPTED = fault("assertion-jti-replay-accepted", "the same client assertion (same jti) gets a token again, as real Canvas does")
ASSERTION_LONG_EXP_ACCEPTED = fault("assertion-long-exp-accepted", "a client assertion whose exp lies a year ahead is accepted, as real Canvas does")

# AGS (seed 003, canvas-facts §4)
LINE_ITEM_DELETE_IGNORED = fault("line-item-delete-ignored", "DELETE on a line item answers 204 but the line item stays")
CREATED_LINE_ITEM_NOT_LISTED = fault("created-line-item-not-listed", "line items the tool created are answered 201 but never show in the container")
SCORE_NOT_STORED = fault("score-not-stored", "a score is answered 200 but the result does not change")
PAGINATION_SKIPS_ITEMS = fault("pagination-skips-items", "each page after the first skips one item (off by one)")
WRONG_MEDIA_TYPE = fault("wrong-media-type", "AGS answers are sent as application/json instead of the AGS media types")
READONLY_SCOPE_CAN_POST = fault("readonly-scope-can-post", "a result.readonly token can post scores")
MISSING_PARAM_ACCEPTED = fault("missing-param-accepted", "a score without activityProgress, gradingProgress or timestamp is accepted")
INVALID_TIMESTAMP_ACCEPTED = fault("invalid-timestamp-accepted", "a score whose timestamp is not a valid timestamp is accepted")
OUT_OF_ORDER_TIMESTAMPS_ACCEPTED = fault("out-of-order-timestamps-accepted", "a score older than the last accepted one overwrites it")
FUTURE_SUBMITTED_AT_ACCEPTED = fault("future-submitted-at-accepted", "a submitted_at far in the future is accepted")
AGS_IGNORES_BINDING = fault("ags-ignores-binding", "AGS answers for a key that is turned off in the account")
UNLINKED_TOOL_ACCEPTED = fault("unlinked-tool-accepted", "a token of a tool not installed in the course can use the course's AGS")
MISSING_LINE_ITEM_500 = fault("missing-line-item-500", "an unknown line item gets a 500 instead of 404")
CONTEXT_ERROR_WRONG_SHAPE = fault("context-error-wrong-shape", "a deleted course's error uses the generic body instead of {\"errors\":{\"type\",\"message\"}}")
FOREIGN_LINE_ITEM_VISIBLE = fault("foreign-line-item-visible", "a tool can read another tool's line item")
RESOURCE_LINK_MISMATCH_ACCEPTED = fault("resource-link-mismatch-accepted", "a resourceLinkId that is not the line item's is ignored")
CONCLUDED_COURSE_ACCEPTED = fault("concluded-course-accepted", "a concluded course still takes AGS requests")
NON_STUDENT_SCORE_ACCEPTED = fault("non-student-score-accepted", "a score for a user who is not a student of the course is accepted")
NEGATIVE_SCORE_MAXIMUM_ACCEPTED = fault("negative-score-maximum-accepted", "a negative scoreMaximum is accepted")
MISSING_SCORE_MAXIMUM_500 = fault("missing-score-maximum-500", "scoreGiven without scoreMaximum gets a 500 instead of 422")
CONTENT_ITEMS_ACCEPTED = fault("content-items-accepted", "content items are accepted in a score whose submission type is not online_upload")
ATTEMPTS_NOT_ENFORCED = fault("attempts-not-enforced", "scores keep creating submissions after the allowed attempts are used")
NO_THROTTLE_HEADERS = fault("no-throttle-headers", "AGS answers carry no X-Request-Cost / X-Rate-Limit-Remaining headers")
THROTTLE_WRONG_STATUS = fault("throttle-wrong-status", "a full throttle bucket answers 429 JSON instead of Canvas's 403 plain text")
MESSAGES_WITH_TRAILING_PERIOD = fault("messages-with-trailing-period", "two AGS messages end with a period, as real Canvas's code has them")

# LTI 1.1 outcomes (seed 003, canvas-facts §5)
OUTCOMES_FAILURE_200 = fault("outcomes-failure-200", "a failed or unsupported outcomes request answers 200, as Canvas once did")
OUTCOMES_SIGNATURE_NOT_CHECKED = fault("outcomes-signature-not-checked", "outcomes requests are taken without checking their OAuth 1.0a signature")
OUTCOMES_EXTENSIONS_IGNORED = fault("outcomes-extensions-ignored", "resultTotalScore, resultData and submissionDetails are ignored")
OUTCOMES_REPLACE_IGNORED = fault("outcomes-replace-ignored", "replaceResult answers success but the score is not stored")


FAULTS: dict[str, str] = CATALOGUE.faults  # name -> what the bug does
check_names = CATALOGUE.check


def on(active: Collection[str], name: str) -> bool:
    """Whether the fault ``name`` (one of this module's constants) is among ``active``."""
    return CATALOGUE.on(active, name)
