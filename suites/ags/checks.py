"""Checks of the AGS suite: happy paths, media types, scopes, every documented error, throttling."""

from functools import partial

from lti_harness.harness import checks

DOC = "003_7b3da58a284c44ed.txt"
ERR = f'{DOC}, "Common Error Codes"'
F4 = "canvas-facts.md §4"
IMS = "ims-facts.md §2 (AGS 2.0)"
S = "ags"
LTI = ("lti_token_endpoint", "ags")
ADMIN = LTI + ("admin_developer_keys", "admin_courses")  # a course, its students and the tool's key, made by the harness
OUTCOMES = ("lti11_outcomes", "mock_controls", "admin_developer_keys", "admin_courses")
HAND = (" Runs in a course the harness creates, or, without the admin API, in the context of the profile's hand-registered "
        "tool ([platform.registration] lineitems_url).")

define = partial(checks.define, suite=S, side="platform")  # every check of this suite tests a platform

# happy paths and protocol
define(
    id="AGS-001",
    title="Creating a line item answers 201 with its id, and the container lists it",
    source=f'{IMS} §2.4 "Create" ("The response MUST be the created item including its id"; "MUST NOT change resourceId or tag"); '
    f'{F4} "Routes and media types" (create → 201)',
    level="required",
    faults=["created-line-item-not-listed"],
    needs=LTI,
    description=HAND.strip(),
)
define(
    id="AGS-002",
    title="A posted score answers 200 and the result reflects it; results filter by user_id",
    source=f'{IMS} §2.6 and §2.7; {F4} "Routes and media types" (scores → 200 {{"resultUrl"}}, results ?user_id=)',
    level="required",
    faults=["score-not-stored", "result-score-as-string"],
    needs=ADMIN,
)
define(
    id="AGS-003",
    title="Paging by limit: following the Link rel=\"next\" headers visits every line item exactly once",
    source=f'{IMS} §2.5 "Paging" ("the response MUST carry an RFC 8288 Link header with rel=\"next\""); {F4} "Pagination"',
    level="required",
    faults=["pagination-skips-items", "created-line-item-not-listed"],
    needs=LTI,
    description=HAND.strip(),
)
define(
    id="AGS-006",
    title="A line item is updated with PUT (the answer is the item as applied) and deleted with DELETE (afterwards it is gone)",
    source=f'{IMS} §2.4 "Update" ("MUST return the line item as applied") and §2.4 "id" (addressable for GET, PUT and DELETE); '
    f'{F4} "Routes and media types" (update; destroy → 204)',
    level="required",
    faults=["line-item-delete-ignored"],
    needs=LTI,
    description=HAND.strip(),
)
define(
    id="AGS-004",
    title="Answers carry the AGS media types (lineitem, lineitemcontainer, resultcontainer, score)",
    source=f'{IMS} §2.2; {F4} "Routes and media types" (Response Content-Type)',
    level="required",
    faults=["wrong-media-type", "result-score-as-string"],
    needs=LTI,
    description="The score and result media types need a student to score (a course the harness creates); in a hand-registered "
    "context only the line item and container types are checked." + HAND,
)
define(
    id="AGS-005",
    title="Scopes per route: posting a score needs score (result.readonly is refused with 401 Insufficient permissions); results need result.readonly",
    source=f'{IMS} §2.3; {F4} "Routes and media types" (a missing scope gives 401 "Insufficient permissions")',
    level="required",
    faults=["readonly-scope-can-post"],
    needs=ADMIN,
)
# the documented errors, one check each
define(
    id="AGS-010",
    title="A score without a required parameter: 400 \"<param> is missing\" in Canvas's generic body",
    source=f'{ERR} ("<parameter> is missing"); {F4} "The requested error strings" (400, generic)',
    level="required",
    faults=["missing-param-accepted"],
    needs=ADMIN,
)
define(
    id="AGS-011",
    title="A score with an invalid timestamp: 400 \"Provided timestamp of … not a valid timestamp\"",
    source=f'{ERR}; {F4} "The requested error strings" (400, type bad_request)',
    level="required",
    faults=["invalid-timestamp-accepted"],
    needs=ADMIN,
)
define(
    id="AGS-012",
    title="A score older than the result's last update: 400 \"Provided timestamp of … before last updated timestamp of …\"",
    source=f'{ERR}; {F4} "The requested error strings"; {IMS} §2.7 (timestamps strictly increase)',
    level="required",
    faults=["out-of-order-timestamps-accepted", "score-not-stored", "result-score-as-string"],
    needs=ADMIN,
)
define(
    id="AGS-013",
    title="A submitted_at in the future: 400 \"Provided submitted_at timestamp of … in the future\"",
    source=f'{ERR}; {F4} "The requested error strings" (more than 1 min ahead)',
    level="required",
    faults=["future-submitted-at-accepted"],
    needs=ADMIN,
)
define(
    id="AGS-014",
    title="A key turned off in the account: 401 \"Invalid Developer Key\"",
    source=f'{ERR}; {F4} "Before-action chain" (verify_active_in_account); canvas-facts.md §3 bindings',
    level="required",
    faults=["ags-ignores-binding"],
    needs=ADMIN,
)
define(
    id="AGS-015",
    title="A tool not installed in the course: 401 \"Access Token not linked to a Tool associated with this Context\"",
    source=f'{ERR}; {F4} "Before-action chain" (verify_tool)',
    level="required",
    faults=["unlinked-tool-accepted"],
    needs=ADMIN,
)
define(
    id="AGS-016",
    title="An unknown line item: 404 \"The specified resource does not exist.\" in the generic body",
    source=f'{ERR}; {F4} "The requested error strings" (RecordNotFound, generic body) and "Before-action chain" (the line item is '
    'looked up before the user)',
    level="required",
    faults=["missing-line-item-500"],
    needs=LTI,
    description=HAND.strip() + " On a platform not taken to follow "
    "Canvas's conventions (capability canvas_conventions) only the 404 is judged, not Canvas's body.",
)
define(
    id="AGS-017",
    title="A deleted course: 404 \"Context not found\" / \"Context is deleted or not found\" in the AGS body",
    source=f'{ERR} ("Context not found"); {F4} "The requested error strings" (renamed in newer code)',
    level="required",
    faults=["context-error-wrong-shape"],
    needs=ADMIN,
    description="The document says \"Context not found\"; newer Canvas code says \"Context is deleted or not found\". Either passes.",
)
define(
    id="AGS-018",
    title="Another tool's line item: 412 \"Tool does not have permission to view line_item\"",
    source=f'{ERR}; {F4} "Before-action chain" (verify_line_item_client_id_connection)',
    level="required",
    faults=["foreign-line-item-visible"],
    needs=ADMIN,
)
define(
    id="AGS-019",
    title="A resourceLinkId not associated with the line item: 412 \"The specified LTI link ID is not associated with the line item\"",
    source=f'{ERR}; {F4} "The requested error strings" (trailing period in code)',
    level="required",
    faults=["resource-link-mismatch-accepted"],
    needs=ADMIN,
    description="Needs an assignment bound to the harness's tool, made through POST /api/v1/courses/:course_id/assignments (outside "
    "DESIGN.md's admin surface); a refused set-up ends the check as error. "
    "Canvas's code ends the message with a period, the document does not; either passes (AGS-030 checks the documented wording).",
)
define(
    id="AGS-020",
    title="A concluded course refuses AGS requests: 422 \"This course has concluded. AGS requests will no longer be accepted for this course.\" (or Canvas's 404)",
    source=f'{ERR}; {F4} "Before-action chain" (verify_course_not_concluded; with the flag off a concluded course gives 404 generic)',
    level="required",
    faults=["concluded-course-accepted"],
    needs=ADMIN,
    description="The document gives the 422 and its message; real Canvas gives it only with the Site Admin flag "
    "ags_improved_course_concluded_response_codes on, otherwise a generic 404. Either refusal passes; accepting the score fails.",
)
define(
    id="AGS-021",
    title="A score for a user who is not a student: 422 \"User not found in course or is not a student\"",
    source=f'{ERR}; {F4} "Before-action chain" (verify_user_in_context runs before the parameter check)',
    level="required",
    faults=["non-student-score-accepted"],
    needs=ADMIN,
)
define(
    id="AGS-022",
    title="A negative scoreMaximum: 422 \"ScoreMaximum must be greater than or equal to 0\"",
    source=f'{ERR}; {F4} "The requested error strings"',
    level="required",
    faults=["negative-score-maximum-accepted"],
    needs=ADMIN,
)
define(
    id="AGS-023",
    title="scoreGiven without scoreMaximum: refused with \"ScoreMaximum not supplied when ScoreGiven present\", never a 5xx",
    source=f'{ERR}; {F4} "The requested error strings" (the code gives 422; a method comment says 412)',
    level="required",
    faults=["missing-score-maximum-500"],
    needs=ADMIN,
    description="422 (Canvas's code) or 412 (its method comment) pass; the message may end with a period.",
)
define(
    id="AGS-024",
    title="Content items in a score whose submission type is not online_upload: 422 \"Content items must be provided with submission type 'online_upload'\"",
    source=f'{ERR} ("Ensure you specify the correct submission type when providing submission files"); {F4} "The requested error strings" '
    '(verify_valid_content_item_submission_type)',
    level="required",
    faults=["content-items-accepted"],
    needs=ADMIN,
    description="The rule is about the score's own submission_type (the Canvas submission extension), as the message and its "
    "advice say; no source ties it to the assignment's submission types, so the check does not.",
)
define(
    id="AGS-025",
    title="A new submission beyond the allowed attempts: 422 \"The maximum number of allowed attempts has been reached for this submission\"",
    source=f'{ERR}; {F4} "Score logic details" (verify_attempts_for_online_upload applies to every new submission)',
    level="required",
    faults=["attempts-not-enforced"],
    needs=ADMIN,
    description="Needs an assignment limited to one attempt, made through POST /api/v1/courses/:course_id/assignments (outside "
    "DESIGN.md's admin surface); a refused set-up ends the check as error.",
)
define(
    id="AGS-030",
    title="Error messages use the documented wording exactly (no trailing period)",
    source=f'{ERR}',
    level="recommended",
    faults=["messages-with-trailing-period", "resource-link-mismatch-accepted", "missing-score-maximum-500"],
    needs=ADMIN,
    description="Real Canvas's code ends \"ScoreMaximum not supplied when ScoreGiven present.\" and \"The specified LTI link ID is not "
    "associated with the line item.\" with a period; the document does not. Recommended. "
    "Needs an assignment bound to the harness's tool, made through POST /api/v1/courses/:course_id/assignments (outside "
    "DESIGN.md's admin surface); a refused set-up ends the check as error. ",
)
# properties
define(
    id="AGS-040",
    title="Property: for generated sequences of score timestamps, older ones are refused (400, documented message) and the result always equals the newest accepted score",
    source=f'{ERR}; {IMS} §2.7 (timestamp)',
    level="required",
    faults=["out-of-order-timestamps-accepted", "score-not-stored", "result-score-as-string"],
    needs=ADMIN,
    kind="property",
)
define(
    id="AGS-041",
    title="Property: generated score bodies: scoreGiven without scoreMaximum → 422, negative scoreMaximum → 422, valid → 200, never a 5xx",
    source=f'{ERR}; {IMS} §2.7 (score fields)',
    level="required",
    faults=["missing-score-maximum-500", "negative-score-maximum-accepted", "score-not-stored", "result-score-as-string"],
    needs=ADMIN,
    kind="property",
)
# throttling
define(
    id="AGS-050",
    title="AGS answers carry X-Request-Cost and X-Rate-Limit-Remaining",
    source=f'{DOC}, "Request Throttling" ("pay attention to the request throttling headers"); {F4} "Throttling"',
    level="recommended",
    faults=["no-throttle-headers"],
    needs=LTI + ("canvas_conventions",),
    description="Canvas documents these headers for API requests not made with a session; recommended." + HAND,
)
define(
    id="AGS-051",
    title="A client whose bucket is full gets 403 \"403 Forbidden (Rate Limit Exceeded)\" as plain text",
    source=f'{F4} "Throttling"',
    level="recommended",
    faults=["throttle-wrong-status"],
    needs=ADMIN + ("mock_controls",),
    description="Needs a target whose bucket the harness can fill: the mock's test-support route makes it small; elsewhere "
    "the check is not applicable.",
)
# LTI 1.1 outcomes (canvas-facts.md §5)
OUT = f'{DOC}, "LTI 1.1 Grade Passback Tools"; canvas-facts.md §5'
define(
    id="AGS-060",
    title="LTI 1.1 replaceResult answers 200 with imsx_codeMajor success, and readResult returns the score",
    source=OUT,
    level="required",
    faults=["outcomes-replace-ignored"],
    needs=OUTCOMES,
    description="Needs an lis_result_sourcedid: the mock mints one; on another platform (which issues it in a launch) the "
    "outcomes checks are not applicable.",
)
define(
    id="AGS-061",
    title="LTI 1.1: a request that fails (score outside 0…1) answers 422 with the POX body and imsx_codeMajor failure",
    source=f'{OUT} (imsx_codeMajor not success → 422; Canvas once answered 200)',
    level="required",
    faults=["outcomes-failure-200"],
    needs=OUTCOMES,
)
define(
    id="AGS-062",
    title="LTI 1.1: an unsupported operation answers 422 with imsx_codeMajor unsupported",
    source=OUT,
    level="required",
    faults=["outcomes-failure-200"],
    needs=OUTCOMES,
)
define(
    id="AGS-063",
    title="LTI 1.1: a request signed with the wrong secret is refused with 401",
    source=f'{OUT} (OAuth failures → 401 "Invalid authorization header")',
    level="required",
    faults=["outcomes-signature-not-checked"],
    needs=OUTCOMES,
)
define(
    id="AGS-064",
    title="LTI 1.1 extensions are honoured: resultTotalScore, resultData text, submittedAt, needsAdditionalReview, prioritizeNonToolGrade",
    source=f'{DOC}, "Data Return Extension", "Total Score Return Extension", "Submission Details Return Extension"',
    level="required",
    faults=["outcomes-extensions-ignored", "outcomes-replace-ignored"],
    needs=OUTCOMES,
)
define(
    id="AGS-065",
    title="The line-item list shows only the calling tool's line items",
    source=f'{F4} "Before-action chain" (verify_line_item_client_id_connection: a tool reaches only its own line items); Canvas\'s '
    "line-item list is filtered by the calling developer key's client id",
    level="recommended",
    faults=["line-items-of-all-tools"],
    needs=ADMIN,
    description="Recommended: the AGS text the fact sheets quote does not say whose line items the container lists; Canvas lists "
    "only the calling tool's, and refuses another tool's line item (AGS-018). Another tool installed in the same course "
    "creates a line item; the harness's tool then lists the container (following its pages) and must not see it.",
)
define(
    id="AGS-066",
    title="The AGS routes keep their OpenAPI contract: no server errors, documented statuses, media types and bodies",
    source="schemas/openapi/platform/ags.json (the AGS operations, built from "
    f"{IMS} §2.4–§2.7 and {F4} \"Routes and media types\")",
    level="required",
    faults=["missing-line-item-500", "wrong-media-type"],
    needs=ADMIN,
    kind="contract",
    description="A schemathesis run over every operation of the AGS area (line items, scores, results), positive data for "
    "each and negative data for the writes, with an LTI token of every AGS scope, in a course the harness creates; ids "
    "name the harness's own line item and result on one example in three (their parents on another). Required: each status, media type and body "
    "the document lists is one the sources state. An operation answered 404 or 405 to every request is not applicable.",
)
define(
    id="AGS-067",
    title="Stateful: line items → scores → results, following the document's links, keep the contract at every step",
    source="schemas/openapi/platform/ags.json, links of createLineItem, postScore and listResults (the line item's id, "
    f"the score's resultUrl: {IMS} §2.6 and §2.7)",
    level="required",
    faults=["missing-line-item-500", "wrong-media-type"],
    needs=ADMIN,
    kind="contract",
    description="schemathesis's state machine built from the document's links: a scenario creates a line item and uses "
    "the ids its answers give to read, update, delete, score it and read its results, every answer checked as AGS-066 "
    "does. Bounded: the run's --examples scenarios (at most 5) of at most 6 steps each.",
)
define(
    id="AGS-068",
    title="The outcomes routes keep their OpenAPI contract: grade passback and submissions, no server errors, documented statuses, media types and bodies",
    source=f"schemas/openapi/platform/outcomes.json (built from {OUT})",
    level="required",
    faults=["submission-grade-500"],
    needs=("admin_developer_keys", "admin_courses", "lti11_outcomes"),
    kind="contract",
    description="A schemathesis run over the outcomes area in a course the harness creates, with an LTI 1.1 tool and an "
    "assignment of its own: the submissions GET and PUT (the admin's token; positive and negative data for the PUT; the "
    "assignment and a student named on one example in three), and the grade passback with generated XML bodies. The "
    "generated POX bodies carry no OAuth 1.0a signature (schemathesis cannot sign the bytes it serializes), so the "
    "passback's contract here is its refusal: a documented status (401, 415, 422), an XML answer, never 5xx; its signed "
    "behaviour is AGS-060 … AGS-064's.",
)
