"""The mock platform's Deep Linking on its own: the LtiDeepLinkingRequest launch, the return endpoint's checks
and refusals, what the content items create (assignments with line items visible through AGS, module items,
the editor's items on the answer page), and hypothesis properties over generated content items."""

from __future__ import annotations

import copy
import json
import re
import time
from typing import Any

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from jsonschema import Draft202012Validator, FormatChecker

from lti_harness import mock_platform
from lti_harness.harness import browser, keys, schemas
from lti_harness.vocab import CONTAINER_TYPE, LINEITEM_READONLY_SCOPE, LINEITEM_SCOPE, LTI_CLAIM, SCORE_SCOPE
from test_mock_platform_launch import TOKEN, TOOL, World

DL = "https://purl.imsglobal.org/spec/lti-dl/claim/"
SETTINGS = DL + "deep_linking_settings"


class DeepLinkWorld(World):
    """A mock platform with the tool's key (its private half kept) installed in a course."""

    def __init__(self, url: str) -> None:
        self.pair = keys.generate()
        super().__init__(url, scopes=[LINEITEM_SCOPE, LINEITEM_READONLY_SCOPE, SCORE_SCOPE], public_jwk=self.pair.public_jwk)

    def request(self, placement: str = "assignment_selection", user: int | None = None) -> dict[str, Any]:
        """A launch of ``placement`` as the teacher (or ``user``): the id_token's claims."""
        page = self.browser.get(f"/courses/{self.course}/external_tools/{self.tool['id']}/resource_selection",
                                params={"placement": placement, "as_user_id": user or self.teacher})
        [form] = browser.forms(page)
        assert form.action == f"{TOOL}/login", page.text[:300]
        return self.claims(self.authorize(form.fields))

    def response(self, request: dict[str, Any], items: list[Any], *, signer: keys.KeyPair | None = None, **overrides: Any) -> str:
        now = int(time.time())
        claims = {"iss": self.key["id"], "aud": request["iss"], "iat": now, "exp": now + 60, "nonce": f"n-{time.monotonic_ns()}",
                  LTI_CLAIM + "message_type": "LtiDeepLinkingResponse", LTI_CLAIM + "version": "1.3.0",
                  LTI_CLAIM + "deployment_id": request[LTI_CLAIM + "deployment_id"], DL + "content_items": items,
                  DL + "data": request[SETTINGS]["data"]}
        for name, value in overrides.items():
            if value is None:
                claims.pop(name, None)
            else:
                claims[name] = value
        return (signer or self.pair).sign(claims)

    def post(self, request: dict[str, Any], token: str, url: str | None = None) -> httpx.Response:
        return self.browser.post(url or request[SETTINGS]["deep_link_return_url"], data={"JWT": token})

    def assignments(self) -> list[dict[str, Any]]:
        return self.admin.get(f"/api/v1/courses/{self.course}/assignments").json()

    def modules(self) -> list[dict[str, Any]]:
        return self.admin.get(f"/api/v1/courses/{self.course}/modules", params={"include[]": "items"}).json()

    def line_items(self) -> list[dict[str, Any]]:
        assertion = keys.client_assertion(self.pair, self.key["id"], f"{self.url}/login/oauth2/token")
        token = self.browser.post("/login/oauth2/token", data={
            "grant_type": "client_credentials", "client_assertion_type": "urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
            "client_assertion": assertion, "scope": LINEITEM_READONLY_SCOPE}).json()["access_token"]
        answer = self.browser.get(f"/api/lti/courses/{self.course}/line_items", params={"limit": 100},
                                  headers={"Authorization": f"Bearer {token}", "Accept": CONTAINER_TYPE})
        assert answer.status_code == 200
        return answer.json()


def page_response(answer: httpx.Response) -> dict[str, Any]:
    """Canvas's deep_link_response object from the answer page."""
    found = re.search(r'<script type="application/json" id="deep_link_response">(.*?)</script>', answer.text, re.S)
    assert found, answer.text[:300]
    return json.loads(found.group(1).replace("<\\/", "</"))


def link(label: str, points: float | None = 7, **more: Any) -> dict[str, Any]:
    item: dict[str, Any] = {"type": "ltiResourceLink", "title": label, "url": f"{TOOL}/target/{label}", **more}
    if points is not None:
        item["lineItem"] = {"label": label, "scoreMaximum": points, "resourceId": f"r-{label}", "tag": "quiz"}
    return item


@pytest.fixture
def world(serve) -> DeepLinkWorld:
    return DeepLinkWorld(serve(mock_platform.create_app(mock_platform.PlatformConfig(admin_token=TOKEN))))


# --- the request ------------------------------------------------------------------------------------

def test_assignment_selection_sends_a_deep_linking_request(world):
    claims = world.request()
    assert claims[LTI_CLAIM + "message_type"] == "LtiDeepLinkingRequest" and LTI_CLAIM + "resource_link" not in claims
    settings_claim = claims[SETTINGS]
    assert schemas.errors("lti_deep_linking_settings", settings_claim) == []
    assert settings_claim["accept_types"] == ["ltiResourceLink"] and settings_claim["accept_multiple"] is False
    assert settings_claim["accept_media_types"] == "application/vnd.ims.lti.v1.ltilink"
    assert settings_claim["deep_link_return_url"] == f"{world.url}/courses/{world.course}/deep_linking_response?data={settings_claim['data']}"
    assert claims["https://www.instructure.com/placement"] == "assignment_selection"


def test_editor_button_accepts_every_type_and_course_navigation_stays_a_resource_link(world):
    editor = world.request("editor_button")[SETTINGS]
    assert editor["accept_types"] == ["link", "file", "html", "ltiResourceLink", "image"] and editor["accept_multiple"] is True
    assert world.request("course_navigation")[LTI_CLAIM + "message_type"] == "LtiResourceLinkRequest"


def test_sessionless_launch_type_leads_to_the_placements_page(world):
    answer = world.admin.get(f"/api/v1/courses/{world.course}/external_tools/sessionless_launch",
                             params={"id": world.tool["id"], "as_user_id": world.teacher, "launch_type": "link_selection"})
    page = world.browser.get(answer.json()["url"])
    assert page.status_code == 302 and page.headers["location"].endswith("/resource_selection?placement=link_selection")


# --- what a valid response creates ----------------------------------------------------------------

def test_assignment_selection_creates_an_assignment_whose_line_item_ags_shows(world):
    request = world.request()
    answer = world.post(request, world.response(request, [link("Quiz 1")], **{DL + "msg": "Added <Quiz 1>"}))
    assert answer.status_code == 200, answer.text
    assert "Message from external tool: Added &lt;Quiz 1&gt;" in answer.text
    body = page_response(answer)
    assert body["placement"] == "assignment_selection" and body["msg"] == "Message from external tool: Added <Quiz 1>"
    made = [a for a in world.assignments() if a["name"] == "Quiz 1"]
    assert len(made) == 1 and made[0]["points_possible"] == 7 and body["content_items"][0]["assignment_id"] == made[0]["id"]
    line = [i for i in world.line_items() if i["label"] == "Quiz 1"]
    assert len(line) == 1 and (line[0]["scoreMaximum"], line[0]["resourceId"], line[0]["tag"]) == (7, "r-Quiz 1", "quiz")
    assert line[0]["resourceLinkId"] == made[0]["external_tool_tag_attributes"]["resource_link_id"]


def test_aud_may_be_a_list_and_accept_multiple_false_takes_the_first_item(world):
    request = world.request()
    answer = world.post(request, world.response(request, [link("First"), link("Second")], aud=["someone-else", request["iss"]]))
    assert answer.status_code == 200
    assert [a["name"] for a in world.assignments()] == ["First"]
    assert "accept_multiple" in json.dumps(page_response(answer)["content_items"][1]["errors"])


def test_module_placement_creates_a_module_with_tool_links_and_assignments(world):
    request = world.request("module_index_menu_modal")
    items = [link("Reading", points=None, window={"targetName": "_blank"}), link("Graded"), link("No points", points=None, lineItem={"label": "x"}),
             {"type": "link", "url": "https://elsewhere.example/"}]
    answer = world.post(request, world.response(request, items, **{DL + "errormsg": "one failed"}))
    body = page_response(answer)
    assert answer.status_code == 200 and body["moduleCreated"] is True and body["errormsg"] == "Error message from external tool: one failed"
    [module] = world.modules()
    assert module["name"] == "New Content From App" and module["workflow_state"] == "unpublished"
    assert [(i["type"], i["title"]) for i in module["items"]] == [("ExternalTool", "Reading"), ("Assignment", "Graded")]
    assert module["items"][0]["new_tab"] is True and module["items"][0]["external_url"] == f"{TOOL}/target/Reading"
    assert body["content_items"][2]["errors"] == {"lineItem.scoreMaximum": "lineItem.scoreMaximum is a required field"}
    assert "errors" in body["content_items"][3]  # a link is not taken from a module placement
    items_route = world.admin.get(f"/api/v1/courses/{world.course}/modules/{module['id']}/items").json()
    assert items_route == module["items"]


def test_a_public_jwk_url_key_is_found_by_kid(serve):
    pair = keys.generate()
    from starlette.applications import Starlette
    from starlette.responses import JSONResponse
    from starlette.routing import Route

    jwks = serve(Starlette(routes=[Route("/jwks", lambda request: JSONResponse(keys.jwks(keys.generate(), pair)))]))
    world = DeepLinkWorld.__new__(DeepLinkWorld)
    world.pair = pair
    World.__init__(world, serve(mock_platform.create_app(mock_platform.PlatformConfig(admin_token=TOKEN))),
                   scopes=[LINEITEM_SCOPE], public_jwk=None, public_jwk_url=f"{jwks}/jwks")
    request = world.request()
    assert world.post(request, world.response(request, [link("By kid")])).status_code == 200
    request = world.request()
    stranger = keys.generate(kid="not-in-the-jwks")
    assert world.post(request, world.response(request, [link("Unknown kid")], signer=stranger)).json() == {"jwt": ["JWT verification failure"]}


# --- refusals ---------------------------------------------------------------------------------------

FORGER = keys.generate()
NOW = int(time.time())


@pytest.mark.parametrize(("change", "status", "body"), [
    ({"signer": "forger"}, 400, {"jwt": ["JWT verification failure"]}),
    ({"iss": "99999999999"}, 400, {"jwt": ["Client not found"]}),
    ({"aud": "https://another.example"}, 400, {"base": ["the 'aud' is invalid"]}),
    ({"exp": 1_000}, 400, {"base": ["the JWT has expired"]}),
    ({"exp": None}, 400, {"base": ["the following assertions are missing: exp"]}),
    ({"nonce": None}, 400, {"base": ["the following assertions are missing: nonce"]}),
    ({"iat": 1_000}, 400, {"base": ["the 'iat' must be less than 300 seconds old"]}),
    ({LTI_CLAIM + "message_type": "LtiResourceLinkRequest"}, 400, {"message_type": ["the message_type must be LtiDeepLinkingResponse"]}),
    ({LTI_CLAIM + "version": "1.1"}, 400, {"version": ["the version must be 1.3.0"]}),
    ({LTI_CLAIM + "deployment_id": "other"}, 400, {"deployment_id": ["the deployment_id is not the tool's deployment in this course"]}),
    ({DL + "data": "changed"}, 400, {"data": ["the data claim must be the deep-linking request's data, unchanged"]}),
    ({DL + "content_items": "all"}, 400, {"content_items": ["content_items must be an array"]}),
    ({DL + "content_items": [{"type": "link"}]}, 400, {"content_items": ["item 0 (link): url must be an http(s) URL"]}),
], ids=lambda v: json.dumps(v)[:40] if isinstance(v, dict) else str(v))
def test_a_bad_response_is_refused_and_creates_nothing(world, change, status, body):
    request = world.request()
    change = dict(change)
    signer = FORGER if change.pop("signer", None) else None
    answer = world.post(request, world.response(request, [link("Never")], signer=signer, **change))
    assert (answer.status_code, answer.json()) == (status, body)
    assert world.assignments() == [] and world.modules() == []


def test_the_return_urls_data_is_the_platforms_and_used_once(world):
    request = world.request()
    token = world.response(request, [link("Once")])
    bare = request[SETTINGS]["deep_link_return_url"].split("?")[0]
    missing = world.post(request, token, url=bare).json()
    assert missing["errors"]["data_jwt"][0]["type"] == "presence_required"
    tampered = world.post(request, token, url=bare + "?data=" + request[SETTINGS]["data"][:-2] + "xx").json()
    assert tampered["errors"]["data_jwt"][0]["message"] == "Do not modify the deep_link_return_url in any way."
    assert world.post(request, token).status_code == 200
    again = world.post(request, world.response(request, [link("Twice")]))
    assert again.json()["errors"]["data_jwt"][0] == {"attribute": "?data=JWT", "type": "already_used",
                                                     "message": "Do not attempt to submit content items multiple times."}
    assert [a["name"] for a in world.assignments()] == ["Once"]


def test_a_students_browser_cannot_add_content(world):
    request = world.request(user=world.student)
    answer = world.post(request, world.response(request, [link("Student")]))
    assert answer.status_code == 401 and world.assignments() == []


# --- properties over generated content items -----------------------------------------------------

ITEM_SCHEMA = Draft202012Validator(schemas.load("lti_dl_content_items"), format_checker=FormatChecker())
texts = st.text(st.characters(blacklist_categories=("Cs", "Cc")), max_size=30)
urls = st.builds(lambda host, path: f"https://{host}.example/{path}", st.text("abcdefgh", min_size=1, max_size=8), st.text("abc123", max_size=8))
line_items = st.fixed_dictionaries({"scoreMaximum": st.integers(1, 1000) | st.floats(0.5, 1000, allow_nan=False)},
                                   optional={"label": texts.filter(bool), "resourceId": texts, "tag": texts})
lti_links = st.fixed_dictionaries({"type": st.just("ltiResourceLink")}, optional={
    "url": urls, "title": texts, "text": texts, "custom": st.dictionaries(st.text("abcxyz", min_size=1, max_size=6), texts, max_size=3),
    "lineItem": line_items})
others = st.one_of(
    st.fixed_dictionaries({"type": st.just("link"), "url": urls}, optional={"title": texts, "text": texts}),
    st.fixed_dictionaries({"type": st.just("file"), "url": urls}, optional={"title": texts, "expiresAt": st.just("2030-01-01T00:00:00Z")}),
    st.fixed_dictionaries({"type": st.just("html"), "html": texts}, optional={"title": texts}),
    st.fixed_dictionaries({"type": st.just("image"), "url": urls}, optional={"title": texts, "width": st.integers(1, 900)}),
)
MUTATIONS = [("type", None), ("type", 5), ("title", 12), ("url", "ftp://files.example/x"), ("url", "not a url"),
             ("custom", {"n": 1}), ("lineItem", {"scoreMaximum": -1}), ("lineItem", {"scoreMaximum": "ten"}), ("lineItem", [])]
PROPERTY = settings(max_examples=15, deadline=None, suppress_health_check=list(HealthCheck), database=None)


def valid(items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    for item in items:  # a generator bug must never pass as the mock's
        assert ITEM_SCHEMA.is_valid(item), item
    return items


def test_valid_items_from_module_placements_create_exactly_what_they_describe(world):
    @PROPERTY
    @given(st.lists(lti_links, min_size=1, max_size=4))
    def run(items):
        valid(items)
        before_assignments, before_modules = len(world.assignments()), len(world.modules())
        request = world.request("link_selection")
        answer = world.post(request, world.response(request, copy.deepcopy(items)))
        assert answer.status_code == 200, answer.text
        graded = [i for i in items if "lineItem" in i]
        made = world.assignments()[before_assignments:]
        names = [(i["lineItem"].get("label") or i.get("title") or "Untitled", float(i["lineItem"]["scoreMaximum"])) for i in graded]
        assert [(a["name"], a["points_possible"]) for a in made] == names
        modules = world.modules()[before_modules:]
        assert len(modules) == 1
        kinds = ["Assignment" if "lineItem" in i else "ExternalTool" for i in items]
        assert [m["type"] for m in modules[0]["items"]] == kinds

    run()


def test_valid_editor_items_are_handed_back_unchanged_and_create_nothing(world):
    @PROPERTY
    @given(st.lists(st.one_of(lti_links, others), max_size=5))
    def run(items):
        valid(items)
        request = world.request("editor_button")
        answer = world.post(request, world.response(request, copy.deepcopy(items)))
        assert answer.status_code == 200, answer.text
        returned = page_response(answer)["content_items"]
        assert [{k: r[k] for k in i} for r, i in zip(returned, items)] == items and len(returned) == len(items)
        assert not any("errors" in r for r in returned)
        assert world.assignments() == [] and world.modules() == []

    run()


def test_invalid_items_are_refused_and_create_nothing(world):
    @PROPERTY
    @given(st.lists(st.one_of(lti_links, others), min_size=1, max_size=3), st.data())
    def run(items, data):
        index = data.draw(st.integers(0, len(items) - 1))
        name, value = data.draw(st.sampled_from(MUTATIONS))
        broken = copy.deepcopy(items)
        if value is None:
            broken[index].pop(name, None)
        else:
            broken[index][name] = value
        if ITEM_SCHEMA.is_valid(broken[index]):
            return  # the mutation kept it valid (e.g. a url on an html item): nothing to refuse
        request = world.request("editor_button")
        answer = world.post(request, world.response(request, broken))
        assert answer.status_code == 400 and "content_items" in answer.json(), answer.text
        assert world.assignments() == [] and world.modules() == []

    run()
