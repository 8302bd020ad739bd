"""Fault switches of the mock platform: each one a realistic bug a platform vendor could ship.

The registry in ``harness.checks`` pairs every conformance check with faults from this list; the
self-tests prove each fault makes exactly its paired checks fail.
"""

FAULTS: dict[str, str] = {
    # dynamic registration (seed 002, canvas-facts §1)
    "token-response-missing-uuid": "the registration token response omits 'uuid'",
    "token-without-expiry": "registration tokens carry no 'exp' and never expire",
    "openid-config-missing-jwks-uri": "the OpenID configuration omits 'jwks_uri'",
    "openid-config-without-token": "the OpenID configuration is served without a registration token",
    "jwks-key-without-kid": "the platform JWKS lists its key without a 'kid'",
    "no-client-id": "the registration response omits 'client_id'",
    "drop-claims-from-echo": "the registration response drops 'claims' from the tool configuration",
    "scope-without-openid": "the granted 'scope' does not include 'openid'",
    "no-registration-client-uri": "the registration response omits 'registration_client_uri'",
    "invalid-body-500": "an invalid registration body is answered with a 500 and an HTML page",
    "accept-missing-redirect-uris": "a registration without 'redirect_uris' is accepted",
    "ignore-unknown-scopes": "unknown scopes are silently dropped instead of refused",
    "accept-expired-token": "an expired registration token is accepted",
    "accept-forged-token": "the registration token's signature is not verified",
    "accept-reused-token": "a registration token can register more than one tool",
    "form-encoded-rejected": "form-encoded registration bodies are refused with 415",
    "same-client-id": "every registration gets the first one's client_id (one developer key for all tools)",
    # registration updates (seed 000, canvas-facts §2)
    "apply-without-approval": "a tool's update takes effect at once (the request still waits for review, unaudited)",
    "pending-request-shows-old-configuration": "the admin's view of a pending request shows the current configuration, not the proposed one",
    "put-echoes-old-configuration": "the PUT answers with the current (old) configuration, as real Canvas does",
    "merge-instead-of-replace": "an accepted update is merged into the old configuration instead of replacing it",
    "reject-applies-anyway": "ignoring an update request applies it",
    "ignore-overlay-disabled-scopes": "scopes the admin disabled in the overlay are still granted",
    "ignore-overlay-disabled-placements": "placements the admin disabled in the overlay stay on",
    "ignore-overlay-names": "the overlay's custom title and placement texts are not shown",
    "flag-ignored": "the lti_dr_registrations_update flag is ignored: updates are taken and applied when it is off",
    "put-without-scope-accepted": "a token without the registration scope (e.g. registration.readonly) can PUT",
    "wrong-401-body": "401 answers carry {\"error\": ...} instead of the documented {\"errorMessage\": ...}",
    "inactive-key-accepted": "tokens of a deactivated developer key are still accepted",
    "invalid-update-accepted": "an invalid update body is taken as a pending request (200) instead of 422",
    "no-history-entry": "applying an update writes no history entry",
    "stale-request-applied": "a request that is no longer pending, or not the newest, can still be applied",
    "double-apply-race": "two simultaneous accepts of one request both apply it",
    "no-ownership-check": "a tool's token can update another tool's registration (real Canvas has no such check)",
    # developer keys and scopes (seed 004, canvas-facts §3)
    "superset-scopes-granted": "scopes the developer key does not have are granted when requested",
    "wrong-invalid-scope-status": "a scope outside the key is refused with 401 instead of 400 invalid_scope",
    "scope-check-ignores-verb": "a url:GET|… scope also allows PUT, POST and DELETE on that path",
    "scope-check-prefix-match": "a scope's path matches every longer path that starts with it",
    "scope-params-literal": "a scope's :params are compared literally, so no real path matches them",
    "binding-off-ignored": "a developer key turned off in the account still works",
    "removed-scope-tokens-still-work": "removing a scope from a key leaves its stored user tokens working",
    "lti-tokens-survive-scope-removal": "LTI tokens issued before a scope was removed keep working until they expire (as real Canvas does)",
    "readonly-can-write": "a lineitem.readonly token can create line items",
    "registration-read-without-scope": "any valid LTI token can read a registration's configuration, with or without the registration scopes",
    "unknown-client-wrong-error": "an unknown client gets 400 invalid_request instead of 401 invalid_client",
    "wrong-grant-type-error": "an unsupported grant_type gets invalid_request instead of unsupported_grant_type",
    "accept-alg-none": "a client assertion with alg 'none' (no signature) is accepted",
    "accept-hs256-public-key": "a client assertion HMAC-signed with the key's public key (alg confusion) is accepted",
    "accept-wrong-aud": "a client assertion for another audience is accepted",
    "accept-expired-assertion": "an expired client assertion is accepted",
    "accept-future-iat": "a client assertion issued in the future is accepted",
    "skip-assertion-signature": "the client assertion's signature is not checked once its key is found",
    "accept-unknown-kid": "a client assertion whose kid is not in the tool's JWKS is accepted unverified",
    "bad-assertion-500": "a bad client assertion is refused with a 500 server error instead of 400 invalid_request",
    "assertion-iss-not-checked": "a client assertion whose iss is not the client id is accepted",
    "assertion-jti-replay-accepted": "the same client assertion (same jti) gets a token again, as real Canvas does",
    "assertion-long-exp-accepted": "a client assertion whose exp lies a year ahead is accepted, as real Canvas does",
    # AGS (seed 003, canvas-facts §4)
    "line-item-delete-ignored": "DELETE on a line item answers 204 but the line item stays",
    "created-line-item-not-listed": "line items the tool created are answered 201 but never show in the container",
    "score-not-stored": "a score is answered 200 but the result does not change",
    "pagination-skips-items": "each page after the first skips one item (off by one)",
    "wrong-media-type": "AGS answers are sent as application/json instead of the AGS media types",
    "readonly-scope-can-post": "a result.readonly token can post scores",
    "missing-param-accepted": "a score without activityProgress, gradingProgress or timestamp is accepted",
    "invalid-timestamp-accepted": "a score whose timestamp is not a valid timestamp is accepted",
    "out-of-order-timestamps-accepted": "a score older than the last accepted one overwrites it",
    "future-submitted-at-accepted": "a submitted_at far in the future is accepted",
    "ags-ignores-binding": "AGS answers for a key that is turned off in the account",
    "unlinked-tool-accepted": "a token of a tool not installed in the course can use the course's AGS",
    "missing-line-item-500": "an unknown line item gets a 500 instead of 404",
    "context-error-wrong-shape": "a deleted course's error uses the generic body instead of {\"errors\":{\"type\",\"message\"}}",
    "foreign-line-item-visible": "a tool can read another tool's line item",
    "resource-link-mismatch-accepted": "a resourceLinkId that is not the line item's is ignored",
    "concluded-course-accepted": "a concluded course still takes AGS requests",
    "non-student-score-accepted": "a score for a user who is not a student of the course is accepted",
    "negative-score-maximum-accepted": "a negative scoreMaximum is accepted",
    "missing-score-maximum-500": "scoreGiven without scoreMaximum gets a 500 instead of 422",
    "content-items-accepted": "content items are accepted in a score whose submission type is not online_upload",
    "attempts-not-enforced": "scores keep creating submissions after the allowed attempts are used",
    "no-throttle-headers": "AGS answers carry no X-Request-Cost / X-Rate-Limit-Remaining headers",
    "throttle-wrong-status": "a full throttle bucket answers 429 JSON instead of Canvas's 403 plain text",
    "messages-with-trailing-period": "two AGS messages end with a period, as real Canvas's code has them",
    # LTI 1.1 outcomes (seed 003, canvas-facts §5)
    "outcomes-failure-200": "a failed or unsupported outcomes request answers 200, as Canvas once did",
    "outcomes-signature-not-checked": "outcomes requests are taken without checking their OAuth 1.0a signature",
    "outcomes-extensions-ignored": "resultTotalScore, resultData and submissionDetails are ignored",
    "outcomes-replace-ignored": "replaceResult answers success but the score is not stored",
}


def check_names(names: list[str] | set[str] | tuple[str, ...]) -> set[str]:
    """The given fault names as a set; ``ValueError`` naming any unknown one."""
    unknown = sorted(set(names) - set(FAULTS))
    if unknown:
        raise ValueError(f"unknown fault(s): {', '.join(unknown)}; known: {', '.join(sorted(FAULTS))}")
    return set(names)
