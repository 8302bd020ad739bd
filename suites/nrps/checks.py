"""Checks of the nrps suite: a platform's Names and Role Provisioning Services 2.0, seen from a tool (the
harness). The fact sheet on NRPS (ims-facts.md §4) gives the claim, scope, media type, container, member
fields, query parameters and paging, but not the specification's wording: what it names, and what Canvas
documents for its route (its API documentation in ``Lti::IMS::NamesAndRolesController``), is ``required``;
what neither says a platform must do, or where real Canvas does otherwise, is ``recommended``."""

from functools import partial

from lti_harness.harness import checks

S = "nrps"
NRPS = "ims-facts.md §4 (Names and Role Provisioning Services 2.0)"
CANVAS = "Canvas's Lti::IMS::NamesAndRolesController (app/controllers/lti/ims/names_and_roles_controller.rb: its API documentation)"
PROVIDER = "Canvas's Lti::IMS::Providers::MembershipsProvider and CourseMembershipsProvider"
NEEDS = ("admin_developer_keys", "admin_courses", "lti_token_endpoint", "nrps")
LAUNCH = NEEDS + ("lti_launch",)
SETUP = ("The harness acts as a tool: it creates an LTI developer key holding contextmembership.readonly and lineitem.readonly, "
         "installs it in a course it creates with four students, a teacher and an assignment of the tool, and asks the token "
         "endpoint for a token for contextmembership.readonly. The memberships URL is the context_memberships_url of a "
         "launch's NRPS claim where the platform launches (capability lti_launch), else Canvas's "
         "/api/lti/courses/:course_id/names_and_roles. Members are told apart by name where every member carries one, else by "
         "user_id (the sub of the users' launches).")
SETUP_NOTE = " When the memberships URL does not answer 200 with a container, the check ends error (NRPS-002 judges that)."

define = partial(checks.define, suite=S, side="platform", needs=NEEDS)

define(
    id="NRPS-001",
    title="A launch of a tool granted contextmembership.readonly carries the NRPS claim: a context_memberships_url and service_versions, an array holding \"2.0\"",
    source=f"{NRPS} (launch claim namesroleservice: context_memberships_url required; service_versions an array such as [\"2.0\"], "
    "a string before the reference implementation's change of November 2018)",
    level="required",
    faults=["nrps-claim-version-string"],
    needs=LAUNCH,
    description=SETUP + " The claim of a student's course-navigation launch is read.",
)
define(
    id="NRPS-002",
    title="The memberships URL answers 200 in the membership container media type (application/vnd.ims.lti-nrps.v2.membershipcontainer+json)",
    source=f"{NRPS} (media type); {CANVAS} (\"Response Content-Type is application/vnd.ims.lti-nrps.v2.membershipcontainer+json\")",
    level="required",
    faults=["nrps-old-media-type", "nrps-context-in-members"],
    description=SETUP + " The request asks for the media type in Accept. Canvas's first NRPS release answered "
    "application/vnd.ims.lis.v2.membershipcontainer+json; that fails.",
)
define(
    id="NRPS-003",
    title="The membership container conforms to its schema: context (with id) at the top level, members each with user_id and roles",
    source=f"{NRPS} (body: id, context {{id, label?, title?}} at the top level, members; each member has user_id and roles); "
    f"{CANVAS} (models NamesAndRoleMemberships, NamesAndRoleContext, NamesAndRoleMembership)",
    level="required",
    faults=["nrps-context-in-members"],
    description="The first page is validated against schemas/nrps_membership_container.json (members: schemas/nrps_member.json); "
    "each violation is named with its schema path." + SETUP_NOTE,
)
define(
    id="NRPS-004",
    title="Every enrolled user is listed exactly once across the pages (limit=2, following Link rel=\"next\"), and nobody else",
    source=f"{NRPS} (limit; paging by Link rel=\"next\"); {CANVAS} (\"Return active NamesAndRoleMemberships in the given course\"; "
    "limit: \"May be used to limit the number of NamesAndRoleMemberships returned in a page\")",
    level="required",
    faults=["nrps-page-repeats-member", "nrps-page-drops-member", "nrps-context-in-members"],
    error_faults=("nrps-no-next-link",),
    description="The five members are read two a page, following each next link (at most ten pages). A user_id listed twice, "
    "a course member missing or a member the course does not have fails. A first page that holds fewer members than the "
    "course and carries no next link leaves the later pages out of reach: the check ends error (NRPS-005 judges that)."
    + SETUP_NOTE,
)
define(
    id="NRPS-005",
    title="A page that holds limit members while more remain carries Link rel=\"next\", and the next links end",
    source=f"{NRPS} (paging: Link with rel=\"next\"); ims-facts.md §2.5 (RFC 8288 Link headers, as AGS pages)",
    level="required",
    faults=["nrps-no-next-link", "nrps-context-in-members"],
    description="With limit=2: a full page (two members or more) read before every course member has been seen must carry a "
    "Link header with rel=\"next\"; following next must end within ten pages. A platform that ignores the limit and "
    "answers every member at once passes (NRPS-006 judges the limit)." + SETUP_NOTE,
)
define(
    id="NRPS-006",
    title="The limit parameter is honoured: a page holds at most limit members",
    source=f"{NRPS} (limit); {CANVAS} (limit); {PROVIDER} (limit is the page size, capped at 50)",
    level="recommended",
    faults=["nrps-limit-ignored", "nrps-context-in-members"],
    description="Recommended: the fact sheet names limit but not whether a platform must honour it. With limit=2 the first "
    "page must hold two members or fewer." + SETUP_NOTE,
)
define(
    id="NRPS-007",
    title="The role filter (a full LIS role URI) lists exactly the members with that role: membership#Learner the students, membership#Instructor the teacher",
    source=f"{NRPS} (role: a full URI or a short name); {CANVAS} (role: \"only NamesAndRoleMemberships having this role in the "
    "given Course will be included. Value must be a fully-qualified LTI/LIS role URN\")",
    level="required",
    faults=["nrps-role-filter-ignored", "nrps-context-in-members"],
    description="Both filters are read whole (following next links); the members are compared with the course's students and "
    "teacher." + SETUP_NOTE,
)
define(
    id="NRPS-008",
    title="The role filter takes a context role's short name: role=Learner lists the same members as the full membership#Learner URI",
    source=f"{NRPS} (role: \"a full URI or a short name such as Learner\"); {PROVIDER} (real Canvas maps only full URIs: a short "
    "name selects nobody)",
    level="recommended",
    faults=["nrps-short-role-filter-empty", "nrps-context-in-members"],
    description="Recommended: real Canvas answers a short name with no members (it maps only full URIs to enrolments); the fact "
    "sheet allows both forms." + SETUP_NOTE,
)
define(
    id="NRPS-009",
    title="A token of the tool without contextmembership.readonly gets no members",
    source=f"{NRPS} (scope contextmembership.readonly); canvas-facts.md §4 \"Before-action chain\" (LtiServices, which Canvas's "
    "NRPS route shares with AGS: a scope not granted → 401 \"Insufficient permissions\")",
    level="required",
    faults=["nrps-scope-not-enforced"],
    description="The same tool asks for a token for lineitem.readonly only and reads the memberships URL with it. Judged by "
    "acceptance: any answer that lists no member passes (NRPS-010 judges its form).",
)
define(
    id="NRPS-010",
    title="A token without contextmembership.readonly is refused with 401 and Canvas's error body {\"errors\":{\"type\",\"message\"}}",
    source="canvas-facts.md §4 \"Before-action chain\" (LtiServices: 401 \"Insufficient permissions\" in the "
    "{\"errors\":{\"type\",\"message\"}} body); ims-facts.md §2.8 (the services' specifications name no status for a wrong scope)",
    level="recommended",
    faults=["nrps-scope-refusal-403"],
    error_faults=("nrps-scope-not-enforced",),
    needs=NEEDS + ("canvas_conventions",),
    description="Recommended: refusal quality, apart from acceptance (NRPS-009), and the specifications name no status. The body is validated against "
    "schemas/ags_error.json. When the token is not refused at all the check ends error (NRPS-009 fails).",
)
define(
    id="NRPS-011",
    title="A member's user_id is the sub of that user's launches",
    source=f"{NRPS} (member user_id); {CANVAS} (user_id: \"Member's unique LTI identifier\"); ims-facts.md §3.4 (sub: the user's "
    "LTI id)",
    level="required",
    faults=["nrps-user-id-not-sub", "nrps-context-in-members"],
    needs=LAUNCH,
    description="A student and the teacher are launched (course navigation); each launch's sub must be the user_id of that "
    "user's member (found by name where members carry names; else the sub must be among the user_ids)." + SETUP_NOTE,
)
define(
    id="NRPS-012",
    title="A member's lti11_legacy_user_id, when present, is the one that user's launches send",
    source=f"{NRPS} (optional member field lti11_legacy_user_id); Canvas's NamesAndRolesSerializer and launches (both "
    "Lti::Asset.opaque_identifier_for the user)",
    level="recommended",
    faults=["nrps-legacy-id-differs", "nrps-context-in-members"],
    needs=LAUNCH,
    description="Recommended: the fact sheet lists the field without saying what it must equal. A member without the field, or "
    "a launch without the claim, leaves nothing to compare: the check is not applicable." + SETUP_NOTE,
)
define(
    id="NRPS-013",
    title="Members' roles are LIS role URIs",
    source=f"{CANVAS} (roles: \"Member's roles in the current Context, expressed as LTI/LIS URNs\"); ims-facts.md §3.4 (roles: "
    "role URIs)",
    level="required",
    faults=["nrps-short-role-names", "nrps-context-in-members"],
    description=SETUP_NOTE.strip(),
)
define(
    id="NRPS-014",
    title="Members' roles follow their enrolment: each student has membership#Learner (not Instructor), the teacher membership#Instructor",
    source=f"{CANVAS} (roles: the member's roles in the context); ims-facts.md §5.1 (certification: correct roles)",
    level="required",
    faults=["nrps-roles-ignore-enrollment", "nrps-context-in-members"],
    description="Membership roles are matched by their name (membership#Learner, membership#Instructor), so a short role name "
    "does not fail this check (NRPS-013 judges the form). Users are told apart by name, else by their launches' sub; "
    "without either the check ends error." + SETUP_NOTE,
)
define(
    id="NRPS-015",
    title="With rlid (the assignment's resource link), every member listed carries message: the claims of a launch of that link",
    source=f"{NRPS} (rlid; message: per-member launch claims, returned when rlid is used); {CANVAS} (rlid \"causes the member "
    "array to be included\"; model NamesAndRoleMessage)",
    level="recommended",
    faults=["nrps-rlid-ignored", "nrps-context-in-members"],
    needs=LAUNCH,
    description="Recommended: the fact sheet says what rlid returns, not that a platform must support it. The rlid is the "
    "resource_link id of a student's launch of the assignment; the answer must list course members only, at least one, each "
    "with a non-empty message array of objects (a message_type there must be LtiResourceLinkRequest)." + SETUP_NOTE,
)
define(
    id="NRPS-016",
    title="The memberships route keeps its OpenAPI contract: no server errors, documented statuses, media type and body",
    source=f"schemas/openapi/platform/nrps.json (the memberships route, built from {NRPS} and {CANVAS})",
    level="required",
    faults=["nrps-old-media-type"],
    kind="contract",
    description="A schemathesis run over the memberships route with an LTI token holding contextmembership.readonly, in "
    "the course the suite sets up, positive and negative query parameters (limit, role, rlid): every answer must be a "
    "status the document lists, with its media type and a conforming body. Required: the container's media type and "
    "shape are the specification's MUSTs. A route answered 404 or 405 to every request is not applicable.",
)
