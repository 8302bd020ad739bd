"""Checks of the AGS suite: happy paths, media types, scopes, every documented error, throttling."""

from lti_harness.harness.checks import define

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


def ags(id: str, title: str, source: str, faults: list[str], level: str = "required", description: str = "", needs: tuple[str, ...] = ADMIN) -> None:
    define(id, title, source=source, level=level, faults=faults, suite=S, description=description, needs=needs)


# happy paths and protocol
ags("AGS-001", "Creating a line item answers 201 with its id, and the container lists it",
    f'{IMS} §2.4 "Create" ("The response MUST be the created item including its id"; "MUST NOT change resourceId or tag"); '
    f'{F4} "Routes and media types" (create → 201)', ["created-line-item-not-listed"], needs=LTI, description=HAND.strip())
ags("AGS-002", "A posted score answers 200 and the result reflects it; results filter by user_id",
    f'{IMS} §2.6 and §2.7; {F4} "Routes and media types" (scores → 200 {{"resultUrl"}}, results ?user_id=)', ["score-not-stored"])
ags("AGS-003", "Paging by limit: following the Link rel=\"next\" headers visits every line item exactly once",
    f'{IMS} §2.5 "Paging" ("the response MUST carry an RFC 8288 Link header with rel=\"next\""); {F4} "Pagination"',
    ["pagination-skips-items", "created-line-item-not-listed"], needs=LTI, description=HAND.strip())
ags("AGS-006", "A line item is updated with PUT (the answer is the item as applied) and deleted with DELETE (afterwards it is gone)",
    f'{IMS} §2.4 "Update" ("MUST return the line item as applied") and §2.4 "id" (addressable for GET, PUT and DELETE); '
    f'{F4} "Routes and media types" (update; destroy → 204)', ["line-item-delete-ignored"], needs=LTI, description=HAND.strip())
ags("AGS-004", "Answers carry the AGS media types (lineitem, lineitemcontainer, resultcontainer, score)",
    f'{IMS} §2.2; {F4} "Routes and media types" (Response Content-Type)', ["wrong-media-type"], needs=LTI,
    description="The score and result media types need a student to score (a course the harness creates); in a hand-registered "
    "context only the line item and container types are checked." + HAND)
ags("AGS-005", "Scopes per route: posting a score needs score (result.readonly is refused with 401 Insufficient permissions); results need result.readonly",
    f'{IMS} §2.3; {F4} "Routes and media types" (a missing scope gives 401 "Insufficient permissions")', ["readonly-scope-can-post"])
# the documented errors, one check each
ags("AGS-010", "A score without a required parameter: 400 \"<param> is missing\" in Canvas's generic body",
    f'{ERR} ("<parameter> is missing"); {F4} "The requested error strings" (400, generic)', ["missing-param-accepted"])
ags("AGS-011", "A score with an invalid timestamp: 400 \"Provided timestamp of … not a valid timestamp\"",
    f'{ERR}; {F4} "The requested error strings" (400, type bad_request)', ["invalid-timestamp-accepted"])
ags("AGS-012", "A score older than the result's last update: 400 \"Provided timestamp of … before last updated timestamp of …\"",
    f'{ERR}; {F4} "The requested error strings"; {IMS} §2.7 (timestamps strictly increase)', ["out-of-order-timestamps-accepted", "score-not-stored"])
ags("AGS-013", "A submitted_at in the future: 400 \"Provided submitted_at timestamp of … in the future\"",
    f'{ERR}; {F4} "The requested error strings" (more than 1 min ahead)', ["future-submitted-at-accepted"])
ags("AGS-014", "A key turned off in the account: 401 \"Invalid Developer Key\"",
    f'{ERR}; {F4} "Before-action chain" (verify_active_in_account); canvas-facts.md §3 bindings', ["ags-ignores-binding"])
ags("AGS-015", "A tool not installed in the course: 401 \"Access Token not linked to a Tool associated with this Context\"",
    f'{ERR}; {F4} "Before-action chain" (verify_tool)', ["unlinked-tool-accepted"])
ags("AGS-016", "An unknown line item: 404 \"The specified resource does not exist.\" in the generic body",
    f'{ERR}; {F4} "The requested error strings" (RecordNotFound, generic body) and "Before-action chain" (the line item is '
    'looked up before the user)', ["missing-line-item-500"], needs=LTI, description=HAND.strip() + " On a platform not taken to follow "
    "Canvas's conventions (capability canvas_conventions) only the 404 is judged, not Canvas's body.")
ags("AGS-017", "A deleted course: 404 \"Context not found\" / \"Context is deleted or not found\" in the AGS body",
    f'{ERR} ("Context not found"); {F4} "The requested error strings" (renamed in newer code)', ["context-error-wrong-shape"],
    description="The document says \"Context not found\"; newer Canvas code says \"Context is deleted or not found\". Either passes.")
ags("AGS-018", "Another tool's line item: 412 \"Tool does not have permission to view line_item\"",
    f'{ERR}; {F4} "Before-action chain" (verify_line_item_client_id_connection)', ["foreign-line-item-visible"])
ags("AGS-019", "A resourceLinkId not associated with the line item: 412 \"The specified LTI link ID is not associated with the line item\"",
    f'{ERR}; {F4} "The requested error strings" (trailing period in code)', ["resource-link-mismatch-accepted"],
    description="Needs an assignment bound to the harness's tool, made through POST /api/v1/courses/:course_id/assignments (outside "
    "DESIGN.md's admin surface); a refused set-up ends the check as error. " "Canvas's code ends the message with a period, the document does not; either passes (AGS-030 checks the documented wording).")
ags("AGS-020", "A concluded course refuses AGS requests: 422 \"This course has concluded. AGS requests will no longer be accepted for this course.\" (or Canvas's 404)",
    f'{ERR}; {F4} "Before-action chain" (verify_course_not_concluded; with the flag off a concluded course gives 404 generic)', ["concluded-course-accepted"],
    description="The document gives the 422 and its message; real Canvas gives it only with the Site Admin flag "
    "ags_improved_course_concluded_response_codes on, otherwise a generic 404. Either refusal passes; accepting the score fails.")
ags("AGS-021", "A score for a user who is not a student: 422 \"User not found in course or is not a student\"",
    f'{ERR}; {F4} "Before-action chain" (verify_user_in_context runs before the parameter check)', ["non-student-score-accepted"])
ags("AGS-022", "A negative scoreMaximum: 422 \"ScoreMaximum must be greater than or equal to 0\"",
    f'{ERR}; {F4} "The requested error strings"', ["negative-score-maximum-accepted"])
ags("AGS-023", "scoreGiven without scoreMaximum: refused with \"ScoreMaximum not supplied when ScoreGiven present\", never a 5xx",
    f'{ERR}; {F4} "The requested error strings" (the code gives 422; a method comment says 412)', ["missing-score-maximum-500"],
    description="422 (Canvas's code) or 412 (its method comment) pass; the message may end with a period.")
ags("AGS-024", "Content items in a score whose submission type is not online_upload: 422 \"Content items must be provided with submission type 'online_upload'\"",
    f'{ERR} ("Ensure you specify the correct submission type when providing submission files"); {F4} "The requested error strings" '
    '(verify_valid_content_item_submission_type)', ["content-items-accepted"],
    description="The rule is about the score's own submission_type (the Canvas submission extension), as the message and its "
    "advice say; no source ties it to the assignment's submission types, so the check does not.")
ags("AGS-025", "A new submission beyond the allowed attempts: 422 \"The maximum number of allowed attempts has been reached for this submission\"",
    f'{ERR}; {F4} "Score logic details" (verify_attempts_for_online_upload applies to every new submission)', ["attempts-not-enforced"],
    description="Needs an assignment limited to one attempt, made through POST /api/v1/courses/:course_id/assignments (outside "
    "DESIGN.md's admin surface); a refused set-up ends the check as error.")
ags("AGS-030", "Error messages use the documented wording exactly (no trailing period)",
    f'{ERR}', ["messages-with-trailing-period", "resource-link-mismatch-accepted", "missing-score-maximum-500"], level="recommended",
    description="Real Canvas's code ends \"ScoreMaximum not supplied when ScoreGiven present.\" and \"The specified LTI link ID is not "
    "associated with the line item.\" with a period; the document does not. Recommended. " "Needs an assignment bound to the harness's tool, made through POST /api/v1/courses/:course_id/assignments (outside "
    "DESIGN.md's admin surface); a refused set-up ends the check as error. ")
# properties
ags("AGS-040", "Property: for generated sequences of score timestamps, older ones are refused (400, documented message) and the result always equals the newest accepted score",
    f'{ERR}; {IMS} §2.7 (timestamp)', ["out-of-order-timestamps-accepted", "score-not-stored"])
ags("AGS-041", "Property: generated score bodies: scoreGiven without scoreMaximum → 422, negative scoreMaximum → 422, valid → 200, never a 5xx",
    f'{ERR}; {IMS} §2.7 (score fields)', ["missing-score-maximum-500", "negative-score-maximum-accepted", "score-not-stored"])
# throttling
ags("AGS-050", "AGS answers carry X-Request-Cost and X-Rate-Limit-Remaining",
    f'{DOC}, "Request Throttling" ("pay attention to the request throttling headers"); {F4} "Throttling"', ["no-throttle-headers"], level="recommended",
    needs=LTI + ("canvas_conventions",), description="Canvas documents these headers for API requests not made with a session; recommended." + HAND)
ags("AGS-051", "A client whose bucket is full gets 403 \"403 Forbidden (Rate Limit Exceeded)\" as plain text",
    f'{F4} "Throttling"', ["throttle-wrong-status"], level="recommended", needs=ADMIN + ("mock_controls",),
    description="Needs a target whose bucket the harness can fill: the mock's test-support route makes it small; elsewhere "
    "the check is not applicable.")
# LTI 1.1 outcomes (canvas-facts.md §5)
OUT = f'{DOC}, "LTI 1.1 Grade Passback Tools"; canvas-facts.md §5'
ags("AGS-060", "LTI 1.1 replaceResult answers 200 with imsx_codeMajor success, and readResult returns the score",
    OUT, ["outcomes-replace-ignored"], needs=OUTCOMES,
    description="Needs an lis_result_sourcedid: the mock mints one; on another platform (which issues it in a launch) the "
    "outcomes checks are not applicable.")
ags("AGS-061", "LTI 1.1: a request that fails (score outside 0…1) answers 422 with the POX body and imsx_codeMajor failure",
    f'{OUT} (imsx_codeMajor not success → 422; Canvas once answered 200)', ["outcomes-failure-200"], needs=OUTCOMES)
ags("AGS-062", "LTI 1.1: an unsupported operation answers 422 with imsx_codeMajor unsupported", OUT, ["outcomes-failure-200"], needs=OUTCOMES)
ags("AGS-063", "LTI 1.1: a request signed with the wrong secret is refused with 401", f'{OUT} (OAuth failures → 401 "Invalid authorization header")',
    ["outcomes-signature-not-checked"], needs=OUTCOMES)
ags("AGS-064", "LTI 1.1 extensions are honoured: resultTotalScore, resultData text, submittedAt, needsAdditionalReview, prioritizeNonToolGrade",
    f'{DOC}, "Data Return Extension", "Total Score Return Extension", "Submission Details Return Extension"', ["outcomes-extensions-ignored", "outcomes-replace-ignored"], needs=OUTCOMES)
