"""Checks of the deep_linking suite: a platform's Deep Linking 2.0 requests and its handling of the tool's
response, seen from the tool (the harness). Levels follow the source's words: MUST/REQUIRED or documented
Canvas behaviour → required; SHOULD, MAY or silence → recommended."""

from functools import partial

from lti_harness.harness import checks

S = "deep_linking"
TOOL_JWT = "ims-facts.md §3.4 (tool-originated JWTs such as the Deep Linking response: iss = client_id, aud = the platform issuer, exp, iat and nonce required, sent as the form field JWT; validated as the id_token is)"
CANVAS = "Canvas's Lti::IMS::DeepLinkingController and Concerns::DeepLinkingServices (app/controllers/lti/ims/)"
NEEDS = ("lti_launch", "admin_developer_keys", "admin_courses", "lti_token_endpoint", "ags")
SETUP = ("The harness acts as the tool: it creates an LTI developer key of its own (as the launch suite does), installs it in "
         "a course it creates with a teacher, and asks the adapter for a launch URL of the assignment_selection placement "
         "(Canvas's sessionless launch with launch_type). It opens that URL as the teacher's browser would, sends the tool's "
         "authentication request and reads the id_token the platform posts. Its response is an RS256 JWT signed by the "
         "key's private half, posted as the form field JWT to the request's deep_link_return_url with the browser's cookies, "
         "carrying one ltiResourceLink whose title and lineItem label are unique to the attempt. What the platform created "
         "is read back by that label: the course's assignments through the adapter, and the tool's line items through AGS "
         "(the request's AGS claim's lineitems URL, with a token for lineitem.readonly).")
REFUSAL = (" A valid response to another request must create its item first (the control); when it does not, the check ends "
           "error. Judged by acceptance only: the response passes when nothing carrying its label was created, whatever "
           "the platform answered.")

define = partial(checks.define, suite=S, side="platform", needs=NEEDS)

define(
    id="DL-001",
    title="A deep-linking launch sends an LtiDeepLinkingRequest with the required claims and a deep_linking_settings claim (deep_link_return_url, accept_types, accept_presentation_document_targets)",
    source="ims-facts.md §5.1 (certification, Deep Linking: the launch checks apply to the DL request), §3.4 (required claims); "
    "Deep Linking 2.0 deep_linking_settings (deep_link_return_url, accept_types, accept_presentation_document_targets REQUIRED); "
    "Canvas's lib/lti/messages/deep_linking_request.rb",
    level="required",
    faults=["dl-settings-without-accept-types"],
    description=SETUP + " The settings claim is validated against schemas/lti_deep_linking_settings.json (each violation "
    "named with its schema path); message_type must be LtiDeepLinkingRequest, version 1.3.0, and iss, aud, sub, exp, iat, "
    "nonce, deployment_id and roles present.",
)
define(
    id="DL-002",
    title="A valid response from assignment_selection creates an assignment whose line item carries the lineItem's label, scoreMaximum, resourceId and tag",
    source="003_7b3da58a284c44ed.txt (tools create gradebook columns using deep linking and the assignment_selection placement; "
    "Line Item Extension: creating deep linked assignments); Canvas's Concerns::DeepLinkingModules (create_update_assignment!: "
    "title from lineItem.label, points_possible from scoreMaximum, the line item's resource_id and tag)",
    level="required",
    faults=["dl-line-item-ignored"],
    description="The item's lineItem has scoreMaximum 7, a resourceId and a tag. Exactly one line item with the label must "
    "appear in the tool's AGS line items with those values, and, where the adapter lists assignments, one assignment of "
    "that name worth 7 points.",
)
define(
    id="DL-003",
    title="A response whose signature does not verify with the tool's key creates nothing",
    source=f"{TOOL_JWT}; validation step 1 (verify the signature with the sender's key); {CANVAS} (\"JWT verification failure\", 400)",
    level="required",
    faults=["dl-signature-not-checked"],
    description="The response is signed by another RSA key under the tool key's kid." + REFUSAL,
)
define(
    id="DL-004",
    title="A response addressed to another platform (aud) creates nothing",
    source=f"{TOOL_JWT} (aud = the platform issuer; step 3: reject a token whose aud does not contain the receiver); {CANVAS} (\"the 'aud' is invalid\", 400)",
    level="required",
    faults=["dl-aud-not-checked"],
    description="aud is https://another-platform.invalid instead of the issuer of the request's id_token." + REFUSAL,
)
define(
    id="DL-005",
    title="A response that has expired, or has no exp, creates nothing",
    source=f"{TOOL_JWT} (exp required; step 7: the current time MUST be before exp); {CANVAS} (\"the JWT has expired\", missing assertions)",
    level="required",
    faults=["dl-exp-not-checked"],
    description="Two responses, each to its own request: one whose exp passed two minutes ago (iat three minutes ago), one "
    "without exp. Each must create nothing." + REFUSAL,
)
define(
    id="DL-006",
    title="A response whose data claim is not the request's data creates nothing",
    source="Deep Linking 2.0 deep_linking_settings.data (an opaque value the tool must return unchanged); Canvas's "
    "lib/lti/deep_linking_data.rb (its own data, carried in the return URL, is verified: \"Do not modify the deep_link_return_url in any way.\")",
    level="recommended",
    faults=["dl-data-not-compared"],
    description="Recommended: the documents oblige the tool to echo data, but say nothing of what the platform does with a "
    "changed one; Canvas sends its data inside the return URL and verifies that. The response carries the request's data "
    "with one character appended. A platform whose request sends no data is not applicable." + REFUSAL,
)
define(
    id="DL-007",
    title="A response naming another deployment creates nothing",
    source=f"{TOOL_JWT} (deployment_id: required, the deployment the request named); {CANVAS} (checks no deployment_id)",
    level="recommended",
    faults=["dl-deployment-not-checked"],
    description="Recommended: no source sentence asks the platform to compare it, and real Canvas does not. The "
    "deployment_id is one unique to the run." + REFUSAL,
)
define(
    id="DL-008",
    title="A response whose message_type is not LtiDeepLinkingResponse creates nothing",
    source=f"ims-facts.md §3.4 (message_type: required); {CANVAS} (checks no message_type)",
    level="recommended",
    faults=["dl-message-type-not-checked"],
    description="Recommended: the documents say which value the tool sends, not that the platform must refuse another, and "
    "real Canvas does not look. The response says LtiResourceLinkRequest." + REFUSAL,
)
define(
    id="DL-009",
    title="With accept_multiple false, a response with two items creates at most one",
    source="Deep Linking 2.0 deep_linking_settings.accept_multiple (whether the platform takes more than one item); Canvas's "
    "DeepLinkingRequest (assignment_selection: accept_multiple false; its assignment holds one link)",
    level="recommended",
    faults=["dl-accept-multiple-ignored"],
    description="Recommended: the specification says what the platform accepts, not what it does with more; refusing the "
    "response or taking the first item both pass. A platform whose assignment_selection request allows several items is "
    "not applicable." + REFUSAL,
)
define(
    id="DL-010",
    title="The same response posted twice creates its item once",
    source="ims-facts.md §3.4 (validation step 9: nonce required, replays SHOULD be rejected); Canvas's lib/lti/deep_linking_data.rb "
    "(\"Do not attempt to submit content items multiple times.\")",
    level="recommended",
    faults=["dl-response-replayable"],
    description="Recommended: the documents' word is SHOULD. The first post must create the item (else error); after the "
    "second, one line item (and at most one assignment) carries the label.",
)
define(
    id="DL-011",
    title="The deep-linking return keeps its OpenAPI contract: no server errors to generated form bodies, documented statuses and media types",
    source=f"schemas/openapi/platform/deep_linking.json (the deep_link_return_url, built from {TOOL_JWT} and {CANVAS})",
    level="required",
    faults=["dl-return-without-jwt-500"],
    kind="contract",
    description="A schemathesis run over POST /courses/{course_id}/deep_linking_response in the harness's course, with "
    "generated data parameters and form bodies (positive: a JWT field that is no valid response; negative: bodies "
    "without it or of other shapes). Every answer: no 5xx, a status the document lists (200/400/401/404), its media type "
    "and a conforming JSON body. Required: Canvas's DeepLinkingController answers a refused response with 400 and its "
    "errors. No valid response JWT is generated, so nothing is created.",
)
