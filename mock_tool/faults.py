"""Fault switches of the mock tool: each one a realistic bug a tool vendor could ship.

The registry in ``harness.checks`` pairs every conformance check with faults from this list and the
platform's; the self-tests prove each fault makes exactly its paired checks fail.
"""

FAULTS: dict[str, str] = {
    # the platform-registrations API (seed 001)
    "list-skips-last-page-item": "the last page of the registrations list leaves out its last item",
    "update-replaces-instead-of-patch": "PUT replaces the registration with the fields sent instead of changing only those",
    "duplicate-allowed": "a second registration with the same issuer and client ID is accepted",
    "wrong-error-envelope": "errors come as {\"message\", \"statusCode\"} instead of {\"error\": {\"code\", \"message\", \"status\"}}",
    "status-filter-ignored": "the list's status filter is ignored",
    "missing-field-not-named": "a 400 for a missing field does not name the field",
    "api-key-not-checked": "any bearer token is taken as the Platform API key",
    "updated-at-not-bumped": "an update leaves updatedAt unchanged",
    "unknown-id-500": "an unknown registration id gets a 500 instead of 404",
    "take-unbounded": "take above 100 is neither refused nor capped",
    "long-names-truncated": "names longer than 40 characters are cut to 40",
    # LTI launch (ims-facts §3.3, §3.4; seed 001 DELETE)
    "deleted-still-launches": "a deleted registration still launches",
    "login-without-nonce": "the login redirect to the platform carries no nonce",
    "accepts-forged-id-token": "the id_token's signature is not checked",
    "nonce-reuse-accepted": "the same login state and nonce can launch twice",
    "aud-not-checked": "an id_token for another client id is accepted",
    "exp-not-checked": "an expired id_token is accepted",
    "deployment-not-checked": "an id_token for another deployment is accepted",
    "version-not-checked": "an id_token whose LTI version is not 1.3.0 is accepted",
    "launch-without-exp-accepted": "an id_token without exp is accepted (it never expires)",
    "launch-without-iat-accepted": "an id_token without iat is accepted",
    "refuse-with-500": "an id_token whose signature, aud or exp does not verify is refused with a 500 (an unhandled error) instead of a 4xx",
    # dynamic registration, the tool's side (ims-facts §1; seed 002)
    "registration-missing-jwks-uri": "the tool's registration request leaves out jwks_uri",
    "no-close-message": "after registering, the tool's page does not post org.imsglobal.lti.close",
    "registration-token-not-sent": "the tool posts its registration without the registration token",
}


def check_names(names: list[str] | set[str] | tuple[str, ...]) -> set[str]:
    """The given fault names as a set; ``ValueError`` naming any unknown one."""
    unknown = sorted(set(names) - set(FAULTS))
    if unknown:
        raise ValueError(f"unknown tool fault(s): {', '.join(unknown)}; known: {', '.join(sorted(FAULTS))}")
    return set(names)
