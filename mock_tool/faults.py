"""Fault switches of the mock tool: each one a realistic bug a tool vendor could ship.

The registry in ``harness.checks`` pairs every conformance check with faults from this list and the
platform's; the self-tests prove each fault makes exactly its paired checks fail.
"""

from __future__ import annotations

from lti_harness.switches import Catalogue

CATALOGUE = Catalogue("tool", noun="tool fault")
fault = CATALOGUE.declare

# the platform-registrations API (seed 001)
LIST_SKIPS_LAST_PAGE_ITEM = fault("list-skips-last-page-item", "the last page of the registrations list leaves out its last item")
UPDATE_REPLACES_INSTEAD_OF_PATCH = fault("update-replaces-instead-of-patch", "PUT replaces the registration with the fields sent instead of changing only those")
DUPLICATE_ALLOWED = fault("duplicate-allowed", "a second registration with the same issuer and client ID is accepted")
WRONG_ERROR_ENVELOPE = fault("wrong-error-envelope", "errors come as {\"message\", \"statusCode\"} instead of {\"error\": {\"code\", \"message\", \"status\"}}")
STATUS_FILTER_IGNORED = fault("status-filter-ignored", "the list's status filter is ignored")
MISSING_FIELD_NOT_NAMED = fault("missing-field-not-named", "a 400 for a missing field does not name the field")
API_KEY_NOT_CHECKED = fault("api-key-not-checked", "any bearer token is taken as the Platform API key")
UPDATED_AT_NOT_BUMPED = fault("updated-at-not-bumped", "an update leaves updatedAt unchanged")
UNKNOWN_ID_500 = fault("unknown-id-500", "an unknown registration id gets a 500 instead of 404")
JWKS_PRIVATE_MEMBERS = fault("jwks-private-members", "the tool's JWKS publishes its keys' private members (d, p, q, …) with the public ones")
TAKE_UNBOUNDED = fault("take-unbounded", "take above 100 is neither refused nor capped")
LONG_NAMES_TRUNCATED = fault("long-names-truncated", "names longer than 40 characters are cut to 40")

# LTI launch (ims-facts §3.3, §3.4; seed 001 DELETE)
DELETED_STILL_LAUNCHES = fault("deleted-still-launches", "a deleted registration still launches")
LOGIN_WITHOUT_NONCE = fault("login-without-nonce", "the login redirect to the platform carries no nonce")
ACCEPTS_FORGED_ID_TOKEN = fault("accepts-forged-id-token", "the id_token's signature is not checked")
NONCE_REUSE_ACCEPTED = fault("nonce-reuse-accepted", "the same login state and nonce can launch twice")
AUD_NOT_CHECKED = fault("aud-not-checked", "an id_token for another client id is accepted")
EXP_NOT_CHECKED = fault("exp-not-checked", "an expired id_token is accepted")
DEPLOYMENT_NOT_CHECKED = fault("deployment-not-checked", "an id_token for another deployment is accepted")
VERSION_NOT_CHECKED = fault("version-not-checked", "an id_token whose LTI version is not 1.3.0 is accepted")
LAUNCH_WITHOUT_EXP_ACCEPTED = fault("launch-without-exp-accepted", "an id_token without exp is accepted (it never expires)")
LAUNCH_WITHOUT_IAT_ACCEPTED = fault("launch-without-iat-accepted", "an id_token without iat is accepted")
LAUNCH_WITHOUT_KID_ACCEPTED = fault("launch-without-kid-accepted", "an id_token without kid in its header is verified with the first key of the platform's JWKS")
AZP_NOT_CHECKED = fault("azp-not-checked", "an id_token whose azp is not the tool's client id is accepted: the registration is found by aud and azp is ignored")
NONCE_NOT_COMPARED = fault("nonce-not-compared", "the id_token's nonce is not compared with the one the login put in the authentication request (only its presence is checked)")
STALE_IAT_ACCEPTED = fault("stale-iat-accepted", "an id_token issued an hour ago is accepted while its exp is still ahead (iat's age is not checked)")
TARGET_LINK_URI_NOT_CHECKED = fault("target-link-uri-not-checked", "an id_token whose target_link_uri differs from the login initiation's is accepted")
LAUNCH_WITHOUT_MESSAGE_TYPE_ACCEPTED = fault("launch-without-message-type-accepted", "an id_token without the message_type claim is taken as a resource link launch")
LAUNCH_WITHOUT_VERSION_ACCEPTED = fault("launch-without-version-accepted", "an id_token without the version claim is accepted (only a version that is present is compared with 1.3.0)")
LAUNCH_WITHOUT_ROLES_ACCEPTED = fault("launch-without-roles-accepted", "an id_token without the roles claim is accepted (taken as no roles)")
LAUNCH_WITHOUT_DEPLOYMENT_ID_ACCEPTED = fault("launch-without-deployment-id-accepted", "an id_token without the deployment_id claim is accepted (only a deployment id that is present is compared)")
LAUNCH_WITHOUT_RESOURCE_LINK_ID_ACCEPTED = fault("launch-without-resource-link-id-accepted", "a resource link launch whose resource_link claim has no id is accepted")
LAUNCH_WITHOUT_SUB_ACCEPTED = fault("launch-without-sub-accepted", "an id_token without sub is accepted (taken as an anonymous user)")
UNKNOWN_KID_ACCEPTED = fault("unknown-kid-accepted", "an id_token whose kid is not in the platform's JWKS is verified with the JWKS's first key")
STATE_NOT_CHECKED = fault("state-not-checked", "the launch's state is not compared with the login's: the login is found by the id_token's nonce")
REFUSE_WITH_500 = fault("refuse-with-500", "an id_token whose signature, aud or exp does not verify is refused with a 500 (an unhandled error) instead of a 4xx")

# dynamic registration, the tool's side (ims-facts §1; seed 002)
REGISTRATION_MISSING_JWKS_URI = fault("registration-missing-jwks-uri", "the tool's registration request leaves out jwks_uri")
NO_CLOSE_MESSAGE = fault("no-close-message", "after registering, the tool's page does not post org.imsglobal.lti.close")
REGISTRATION_TOKEN_NOT_SENT = fault("registration-token-not-sent", "the tool posts its registration without the registration token")

# the deep-linking response (ims-facts §3.4 tool-originated JWTs; LTI Deep Linking 2.0)
DL_RESPONSE_BY_REDIRECT = fault("dl-response-by-redirect", "the deep-linking response is sent by a redirect to deep_link_return_url with the JWT in its query, not by a form POST")
DL_RESPONSE_WITHOUT_KID = fault("dl-response-without-kid", "the deep-linking response's header has no kid")
DL_RESPONSE_FOREIGN_KEY = fault("dl-response-foreign-key", "the deep-linking response is signed by a key the tool's JWKS does not publish (under the kid of one it does)")
DL_ISS_NOT_CLIENT_ID = fault("dl-iss-not-client-id", "the deep-linking response's iss is the tool's URL instead of its client id")
DL_AUD_CLIENT_ID = fault("dl-aud-client-id", "the deep-linking response's aud is the tool's client id instead of the platform's issuer")
DL_RESPONSE_WITHOUT_EXP = fault("dl-response-without-exp", "the deep-linking response has no exp")
DL_RESPONSE_WITHOUT_NONCE = fault("dl-response-without-nonce", "the deep-linking response has no nonce")
DL_NONCE_REUSED = fault("dl-nonce-reused", "every deep-linking response carries the same nonce")
DL_WRONG_MESSAGE_TYPE = fault("dl-wrong-message-type", "the deep-linking response's message_type is the request's (LtiDeepLinkingRequest)")
DL_DEPLOYMENT_ID_MISSING = fault("dl-deployment-id-missing", "the deep-linking response has no deployment_id")
DL_DATA_NOT_ECHOED = fault("dl-data-not-echoed", "the deep-linking response leaves out the data claim the request's settings carried")
DL_LINE_ITEM_WITHOUT_SCORE_MAXIMUM = fault("dl-line-item-without-score-maximum", "the ltiResourceLink's lineItem has no scoreMaximum")

# the tool as an NRPS client (ims-facts §4: paging by Link rel="next")
NRPS_NEXT_NOT_FOLLOWED = fault("nrps-next-not-followed", "at launch the tool reads only the first page of its course's memberships: the Link header's rel=\"next\" is not followed")


FAULTS: dict[str, str] = CATALOGUE.faults  # name -> what the bug does
check_names = CATALOGUE.check
on = CATALOGUE.on  # on(active, NAME): whether the fault NAME (one of this module's constants) is among active
