"""Admin actions on a platform, behind one small interface, and the mock's test-support controls.

:class:`Adapter` is what a vendor implements for another platform: the admin actions. The built-in
``canvas`` adapter calls Canvas's own admin REST routes (the mock platform implements the same routes,
so one adapter drives both); a vendor writes a class with the same methods and names it in the profile
(``adapter = "pkg.module:Class"``) or registers it under the ``lti_harness.adapters`` entry-point group.
:class:`MockControls` are the controls only this project's mock platform has (its ``/_mock/`` routes);
the canvas adapter offers both, and checks reach the controls through :class:`AdapterControls`.
"""

from __future__ import annotations

import importlib
import secrets
from dataclasses import dataclass
from importlib.metadata import entry_points
from typing import Any, Callable, Protocol

import httpx

from . import schemas
from .cleanup import Ledger
from .client import Client, TargetBadResponse, json_body
from .profile import PlatformTarget
from .results import ERROR, NOT_APPLICABLE


class NotSupported(Exception):
    """The target cannot do this admin action; checks needing it are not applicable."""

    verdict = NOT_APPLICABLE


class AdminActionFailed(Exception):
    """An admin action was refused or answered unexpectedly; the message says how."""

    verdict = ERROR


@dataclass(frozen=True)
class RegistrationToken:
    uuid: str
    oidc_configuration_url: str
    token: str
    raw: dict[str, Any]


class Adapter(Protocol):
    """The admin actions a vendor implements for another platform (the ``canvas`` adapter does them
    through Canvas's admin REST routes)."""

    name: str

    def registration_token(self) -> RegistrationToken:
        """Issue a fresh registration token, as an admin starting dynamic registration would."""

    def registration(self, registration_id: str) -> dict[str, Any]:
        """The admin view of a registration: ``pending_update``, ``overlay``, ``overlaid_configuration``."""

    def pending_update(self, registration_id: str) -> dict[str, Any] | None:
        """The newest pending update request of a registration, or None."""

    def update_request(self, registration_id: str, update_request_id: str) -> dict[str, Any]:
        """One update request as the admin API shows it."""

    def apply_update(self, registration_id: str, update_request_id: str, *, accepted: bool, overlay: dict[str, Any] | None = None, comment: str | None = None) -> httpx.Response:
        """Accept (``accepted=True``, optionally with an overlay) or ignore an update request."""

    def history(self, registration_id: str) -> list[dict[str, Any]]:
        """The registration's history entries, newest first."""

    def feature_flag(self, feature: str) -> str:
        """A root-account feature flag's state as the platform names it (``on``, ``off``, ``allowed``, ``allowed_on``)."""

    def set_feature_flag(self, feature: str, on: bool | str) -> None:
        """Switch a root-account feature flag on or off (or to a named state, e.g. to restore it)."""

    def set_developer_key_active(self, key_id: str, active: bool) -> None:
        """Activate or deactivate a developer key."""

    def create_developer_key(self, fields: dict[str, Any]) -> dict[str, Any]:
        """Create a developer key in the account (``name``, ``scopes``, ``require_scopes``, ``redirect_uris``,
        ``public_jwk`` or ``public_jwk_url``, ``is_lti_key``); the key as the platform shows it, with ``api_key``."""

    def update_developer_key(self, key_id: str, fields: dict[str, Any]) -> dict[str, Any]:
        """Change a developer key (e.g. its ``scopes``)."""

    def delete_developer_key(self, key_id: str) -> None:
        """Delete a developer key."""

    def set_developer_key_binding(self, key_id: str, state: str) -> None:
        """Turn a key ``on``, ``off`` or ``allow`` in the account."""

    def authorize(self, params: dict[str, str]) -> httpx.Response:
        """``GET /login/oauth2/auth`` as the logged-in administrator, without following the redirect."""

    def create_course(self, name: str) -> dict[str, Any]:
        """Create a course in the account."""

    def install_tool(self, course_id: str, client_id: str) -> dict[str, Any]:
        """Deploy the LTI tool of developer key ``client_id`` in a course."""

    def create_user(self, name: str) -> dict[str, Any]:
        """Create a user in the account; the answer has ``id`` and, where the platform shows it, ``lti_user_id``."""

    def enroll(self, course_id: str, user_id: str, kind: str = "StudentEnrollment") -> None:
        """Enrol a user in a course (``StudentEnrollment`` or ``TeacherEnrollment``)."""

    def create_assignment(self, course_id: str, fields: dict[str, Any]) -> dict[str, Any]:
        """Create an assignment (``name``, ``points_possible``, ``submission_types``, ``allowed_attempts``,
        ``external_tool_tag_attributes``)."""

    def set_course_state(self, course_id: str, event: str) -> None:
        """``conclude`` or ``delete`` a course, or ``offer`` it again."""

    def install_legacy_tool(self, course_id: str, consumer_key: str, shared_secret: str) -> dict[str, Any]:
        """Install an LTI 1.1 tool (consumer key and shared secret) in a course."""

    def submission(self, course_id: str, assignment_id: str, user_id: str) -> dict[str, Any]:
        """A user's submission of an assignment (score, submitted_at, body, url, workflow_state)."""

    def grade_submission(self, course_id: str, assignment_id: str, user_id: str, grade: float) -> None:
        """Grade a submission as a teacher would."""

    def launch_url(self, course_id: str, user_id: str, *, tool_id: str | None = None, assignment_id: str | None = None,
                   placement: str | None = None) -> str:
        """A URL that, opened by a browser (a cookie-keeping HTTP client), launches as ``user_id`` the tool
        installed in the course as ``tool_id`` (course navigation, or the placement ``placement`` names, e.g.
        ``assignment_selection`` for a deep-linking request) or the external tool of ``assignment_id`` (a
        resource link): its answers lead to the tool's login initiation."""

    def assignments(self, course_id: str) -> list[dict[str, Any]]:
        """The course's assignments (``id``, ``name``, ``points_possible``, …)."""


class MockControls(Protocol):
    """Test-support controls only this project's mock platform has (its ``/_mock/`` routes; capability
    ``mock_controls``). A vendor's adapter need not implement them: the checks that need them are not
    applicable on another platform."""

    def is_mock(self) -> bool:
        """Whether the target offers these controls (declared in the profile, or probed once)."""

    def expired_registration_token(self) -> str:
        """A registration token whose lifetime is over, minted by the mock."""

    def fill_throttle(self, high_water_mark: int) -> None:
        """Make the mock's throttle bucket hold ``high_water_mark`` requests."""

    def lti11_sourcedid(self, tool_id: str, course_id: str, assignment_id: str, user_id: str) -> str:
        """The ``lis_result_sourcedid`` a launch of that assignment by that user would carry, minted by the
        mock (another platform issues it only in a launch)."""


class AdapterControls:
    """The mock controls of an adapter: each one the adapter lacks raises ``NotSupported`` when called,
    so the check needing it is not applicable; ``is_mock`` is False when the adapter cannot tell."""

    def __init__(self, adapter: object) -> None:
        self.adapter = adapter

    def _control(self, action: str) -> Callable[..., Any]:
        found = getattr(self.adapter, action, None)
        if not callable(found):
            name = getattr(self.adapter, "name", type(self.adapter).__name__)
            raise NotSupported(f"the adapter {name!r} cannot {action.replace('_', ' ')} (a test-support control of this project's mock platform)")
        return found

    def is_mock(self) -> bool:
        found = getattr(self.adapter, "is_mock", None)
        return bool(found()) if callable(found) else False

    def expired_registration_token(self) -> str:
        return self._control("expired_registration_token")()

    def fill_throttle(self, high_water_mark: int) -> None:
        self._control("fill_throttle")(high_water_mark)

    def lti11_sourcedid(self, tool_id: str, course_id: str, assignment_id: str, user_id: str) -> str:
        return self._control("lti11_sourcedid")(tool_id, course_id, assignment_id, user_id)


# The routes the canvas adapter calls, in one place so a vendor can override them: Canvas's admin routes, then the mock's.
# "registration" (and its pending_update field) is our best reading of canvas-facts.md §2: Canvas
# documents the update-request, apply and history routes, but not how an admin finds the newest
# pending request; we read it from the registration object (Canvas preloads it when the flag is on).
CANVAS_ROUTES: dict[str, str] = {
    "registration_token": "/api/lti/accounts/{account_id}/registration_token",
    "registration": "/api/v1/accounts/{account_id}/lti_registrations/{registration_id}",  # unconfirmed shape
    "update_request": "/api/v1/accounts/{account_id}/lti_registrations/{registration_id}/update_requests/{update_request_id}",
    "apply_update": "/api/v1/accounts/{account_id}/lti_registrations/{registration_id}/update_requests/{update_request_id}/apply",
    "history": "/api/v1/accounts/{account_id}/lti_registrations/{registration_id}/history",
    "feature_flag": "/api/v1/accounts/{account_id}/features/flags/{feature}",
    "developer_key": "/api/v1/developer_keys/{key_id}",
    "developer_keys": "/api/v1/accounts/{account_id}/developer_keys",
    "developer_key_binding": "/api/v1/accounts/{account_id}/developer_keys/{key_id}/developer_key_account_bindings",
    "courses": "/api/v1/accounts/{account_id}/courses",
    "external_tools": "/api/v1/courses/{course_id}/external_tools",
    # Canvas's authorize step wants a browser session; the adapter sends the admin token in its place
    # (the mock platform accepts that; a real Canvas answers with its login page, and the user-token
    # checks are then not applicable).
    "authorize": "/login/oauth2/auth",
    "users": "/api/v1/accounts/{account_id}/users",
    "enrollments": "/api/v1/courses/{course_id}/enrollments",
    "assignments": "/api/v1/courses/{course_id}/assignments",
    "course": "/api/v1/courses/{course_id}",
    "submission": "/api/v1/courses/{course_id}/assignments/{assignment_id}/submissions/{user_id}",
    # Canvas's one-time launch URL (an admin token acting as the user with as_user_id)
    "sessionless_launch": "/api/v1/courses/{course_id}/external_tools/sessionless_launch",
    # Test-support routes of this project's mock platform only (MockControls; capability ``mock_controls``).
    "mock_throttle": "/_mock/throttle",
    "mock_sourcedid": "/_mock/lti11/sourcedid",
    "mock_expired_registration_token": "/_mock/accounts/{account_id}/expired_registration_token",
    "mock_faults": "/_mock/faults",
}


# What each creating route makes, for harness.cleanup: keys are deleted, courses get the delete event
# (which takes their assignments and installed tools along), users are left.
CREATED_KINDS = {"developer_keys": "developer_key", "courses": "course", "users": "user", "assignments": "assignment", "external_tools": "tool"}


class CanvasAdapter:
    """Drives Canvas (or the mock platform) through Canvas's admin REST API with an admin token."""

    name = "canvas"
    routes = CANVAS_ROUTES

    def __init__(self, target: PlatformTarget, client: Client) -> None:
        self.target = target
        self.client = client
        self._is_mock: bool | None = target.declared("mock_controls")
        self._run = secrets.token_hex(3)  # keeps invented logins unique per run
        self.ledger = Ledger()  # what the run created and changed, for the report and harness.cleanup

    def _url(self, route: str, **params: str) -> str:
        return self.target.base_url + self.routes[route].format(account_id=self.target.account_id, **params)

    def _admin_headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.target.admin_token}", "Accept": "application/json"}

    def registration_token(self) -> RegistrationToken:
        response = self.client.get(self._url("registration_token"), headers=self._admin_headers())
        if response.status_code != 200:
            raise AdminActionFailed(
                f"issuing a registration token failed: {response.status_code} from "
                f"GET {self.routes['registration_token']} (check [platform] admin_token and account_id)"
            )
        body = json_body(response)
        problems = schemas.errors("registration_token_response", body)
        if not isinstance(body, dict) or not isinstance(body.get("token"), str):
            raise TargetBadResponse(f"registration token response has no token: {problems}")
        return RegistrationToken(
            uuid=str(body.get("uuid", "")),
            oidc_configuration_url=str(body.get("oidc_configuration_url", "")),
            token=body["token"],
            raw=body,
        )

    # --- registration updates (canvas-facts.md §2) -------------------------------------------

    def _admin_json(self, method: str, route: str, what: str, json: Any = None, **params: str) -> Any:
        response = self.client.request(method, self._url(route, **params), headers=self._admin_headers(), json=json)
        if response.status_code != 200:
            raise AdminActionFailed(f"{what} failed: {response.status_code} from {method} {self.routes[route]}: {response.text[:200]}")
        return json_body(response)

    def registration(self, registration_id: str) -> dict[str, Any]:
        body = self._admin_json("GET", "registration", "reading the registration", registration_id=registration_id)
        if not isinstance(body, dict):
            raise TargetBadResponse("the admin registration answer is not a JSON object")
        return body

    def pending_update(self, registration_id: str) -> dict[str, Any] | None:
        pending = self.registration(registration_id).get("pending_update")
        return pending if isinstance(pending, dict) else None

    def update_request(self, registration_id: str, update_request_id: str) -> dict[str, Any]:
        return self._admin_json("GET", "update_request", "reading the update request", registration_id=registration_id, update_request_id=update_request_id)

    def apply_update(self, registration_id: str, update_request_id: str, *, accepted: bool, overlay: dict[str, Any] | None = None, comment: str | None = None) -> httpx.Response:
        body: dict[str, Any] = {"accepted": accepted}
        if overlay is not None:
            body["overlay"] = overlay
        if comment is not None:
            body["comment"] = comment
        url = self._url("apply_update", registration_id=registration_id, update_request_id=update_request_id)
        return self.client.put(url, headers=self._admin_headers(), json=body)

    def history(self, registration_id: str) -> list[dict[str, Any]]:
        url = self._url("history", registration_id=registration_id)
        response = self.client.get(url, headers=self._admin_headers(), params={"per_page": "100"})
        if response.status_code != 200:
            raise AdminActionFailed(f"reading the history failed: {response.status_code} from GET {self.routes['history']}")
        body = json_body(response)
        if not isinstance(body, list):
            raise TargetBadResponse("the history answer is not a JSON list")
        return body

    def feature_flag(self, feature: str) -> str:
        body = self._admin_json("GET", "feature_flag", f"reading the feature flag {feature}", feature=feature)
        state = body.get("state") if isinstance(body, dict) else None
        if not isinstance(state, str) or not state:
            raise TargetBadResponse(f"the feature flag answer has no state: {str(body)[:200]}")
        return state

    def set_feature_flag(self, feature: str, on: bool | str) -> None:
        state = on if isinstance(on, str) else "on" if on else "off"
        if feature not in self.ledger.flags_before:  # read once, before the run first switches it, to restore it at the end
            try:
                self.ledger.flag_read(feature, self.feature_flag(feature))
            except (AdminActionFailed, TargetBadResponse) as exc:
                self.ledger.flag_read(feature, None, str(exc)[:200])
        self._admin_json("PUT", "feature_flag", f"switching {feature} to {state}", json={"state": state}, feature=feature)
        self.ledger.flag_set(feature, state)

    def set_developer_key_active(self, key_id: str, active: bool) -> None:
        event = "activate" if active else "deactivate"
        self._admin_json("PUT", "developer_key", f"{event} developer key", json={"developer_key": {"event": event}}, key_id=key_id)
        self.ledger.key_active(key_id, active)

    # --- developer keys, courses, tools (canvas-facts.md §3; DESIGN.md "The admin surface") -----

    def _admin_object(self, method: str, route: str, what: str, json: Any = None, **params: str) -> dict[str, Any]:
        body = self._admin_json(method, route, what, json=json, **params)
        if not isinstance(body, dict):
            raise AdminActionFailed(f"{what}: the answer is not a JSON object")
        if method == "POST":
            described = f"{what.removeprefix('creating ').removeprefix('installing ')} (id {body.get('id')}) via {self.routes[route].format(account_id=self.target.account_id, **params)}"
            self.client.note_created(described)
            if body.get("id") is not None:
                self.ledger.created(described, CREATED_KINDS.get(route, route), body["id"], params.get("course_id"))
        return body

    def create_developer_key(self, fields: dict[str, Any]) -> dict[str, Any]:
        body = self._admin_object("POST", "developer_keys", "creating a developer key", json={"developer_key": fields})
        if body.get("id") is None:
            raise TargetBadResponse("the created developer key has no id")
        if body.get("api_key"):
            from . import redact

            redact.register_secret(str(body["api_key"]))
        return body

    def update_developer_key(self, key_id: str, fields: dict[str, Any]) -> dict[str, Any]:
        return self._admin_object("PUT", "developer_key", "updating the developer key", json={"developer_key": fields}, key_id=key_id)

    def delete_developer_key(self, key_id: str) -> None:
        self._admin_json("DELETE", "developer_key", "deleting the developer key", key_id=key_id)
        self.ledger.removed.add(("developer_key", str(key_id)))

    def set_developer_key_binding(self, key_id: str, state: str) -> None:
        self._admin_json(
            "POST", "developer_key_binding", f"turning the developer key {state}",
            json={"developer_key_account_binding": {"workflow_state": state}}, key_id=key_id,
        )

    def authorize(self, params: dict[str, str]) -> httpx.Response:
        return self.client.get(self._url("authorize"), params=params, headers=self._admin_headers())

    def create_course(self, name: str) -> dict[str, Any]:
        return self._admin_object("POST", "courses", "creating a course", json={"course": {"name": name}})

    def install_tool(self, course_id: str, client_id: str) -> dict[str, Any]:
        return self._admin_object("POST", "external_tools", "installing the tool in the course", json={"client_id": client_id}, course_id=course_id)

    def create_user(self, name: str) -> dict[str, Any]:
        return self._admin_object("POST", "users", "creating a user", json={"user": {"name": name}, "pseudonym": {"unique_id": f"{name.replace(' ', '.').lower()}.{self._run}@harness.invalid"}})

    def enroll(self, course_id: str, user_id: str, kind: str = "StudentEnrollment") -> None:
        self._admin_json("POST", "enrollments", "enrolling a user", json={"enrollment": {"user_id": user_id, "type": kind, "enrollment_state": "active"}}, course_id=course_id)

    def create_assignment(self, course_id: str, fields: dict[str, Any]) -> dict[str, Any]:
        return self._admin_object("POST", "assignments", "creating an assignment", json={"assignment": fields}, course_id=course_id)

    def set_course_state(self, course_id: str, event: str) -> None:
        if event == "delete":
            url = self._url("course", course_id=course_id)
            response = self.client.delete(url, headers=self._admin_headers(), params={"event": "delete"})
            if response.status_code != 200:
                raise AdminActionFailed(f"deleting the course failed: {response.status_code} from DELETE {self.routes['course']}")
            self.ledger.removed.add(("course", str(course_id)))
            return
        self._admin_json("PUT", "course", f"{event} the course", json={"course": {"event": event}}, course_id=course_id)

    def install_legacy_tool(self, course_id: str, consumer_key: str, shared_secret: str) -> dict[str, Any]:
        from . import redact

        redact.register_secret(shared_secret)
        body = {"name": "LTI Harness 1.1 tool", "consumer_key": consumer_key, "shared_secret": shared_secret,
                "url": "https://harness.invalid/lti11", "privacy_level": "anonymous"}
        return self._admin_object("POST", "external_tools", "installing an LTI 1.1 tool", json=body, course_id=course_id)

    def submission(self, course_id: str, assignment_id: str, user_id: str) -> dict[str, Any]:
        return self._admin_object("GET", "submission", "reading the submission", course_id=course_id, assignment_id=assignment_id, user_id=user_id)

    def grade_submission(self, course_id: str, assignment_id: str, user_id: str, grade: float) -> None:
        self._admin_json("PUT", "submission", "grading the submission", json={"submission": {"posted_grade": grade}},
                         course_id=course_id, assignment_id=assignment_id, user_id=user_id)

    def launch_url(self, course_id: str, user_id: str, *, tool_id: str | None = None, assignment_id: str | None = None,
                   placement: str | None = None) -> str:
        query = {"as_user_id": user_id, **({"assignment_id": assignment_id} if assignment_id else {"id": str(tool_id)})}
        if placement and not assignment_id:
            query["launch_type"] = placement  # Canvas's sessionless launch of one placement
        response = self.client.get(self._url("sessionless_launch", course_id=course_id), params=query, headers=self._admin_headers())
        found = json_body(response) if response.status_code == 200 else None
        if not isinstance(found, dict) or not isinstance(found.get("url"), str):
            raise AdminActionFailed(f"asking for a sessionless launch URL failed: {response.status_code} from GET "
                                    f"{self.routes['sessionless_launch']}: {response.text[:200]}")
        return found["url"]

    def assignments(self, course_id: str) -> list[dict[str, Any]]:
        response = self.client.get(self._url("assignments", course_id=course_id), params={"per_page": "100"}, headers=self._admin_headers())
        found = json_body(response) if response.status_code == 200 else None
        if not isinstance(found, list):
            raise AdminActionFailed(f"listing the course's assignments failed: {response.status_code} from GET {self.routes['assignments']}: {response.text[:200]}")
        return [a for a in found if isinstance(a, dict)]

    # --- the mock's test-support controls (MockControls; capability mock_controls) -------------

    def is_mock(self) -> bool:
        """Whether the target offers the mock's test-support routes (declared, or probed once)."""
        if self._is_mock is None:
            response = self.client.get(self.target.base_url + self.routes["mock_faults"], headers={"Accept": "application/json"})
            try:
                body = response.json() if response.status_code == 200 else None
            except ValueError:
                body = None
            self._is_mock = isinstance(body, dict) and isinstance(body.get("faults"), list)
        return self._is_mock

    def expired_registration_token(self) -> str:
        if not self.is_mock():
            raise NotSupported(
                "no expired registration token: set [platform] expired_registration_token to a token "
                "issued more than an hour ago"
            )
        response = self.client.get(self._url("mock_expired_registration_token"), headers=self._admin_headers())
        if response.status_code != 200:
            raise AdminActionFailed(f"mock test-support route answered {response.status_code}")
        return str(json_body(response)["token"])

    def fill_throttle(self, high_water_mark: int) -> None:
        if not self.is_mock():
            raise NotSupported("the harness cannot shrink this platform's throttle bucket; the check needs the mock's test-support route")
        self._admin_json("PUT", "mock_throttle", "shrinking the throttle bucket", json={"high_water_mark": high_water_mark})

    def lti11_sourcedid(self, tool_id: str, course_id: str, assignment_id: str, user_id: str) -> str:
        if not self.is_mock():
            raise NotSupported("an lis_result_sourcedid comes from a launch; the harness can mint one only on the mock")
        response = self.client.get(self._url("mock_sourcedid"), headers=self._admin_headers(),
                                   params={"tool_id": tool_id, "course_id": course_id, "assignment_id": assignment_id, "user_id": user_id})
        if response.status_code != 200:
            raise AdminActionFailed(f"minting a sourcedid failed: {response.status_code}")
        return str(json_body(response)["lis_result_sourcedid"])


class NoAdapter:
    """``adapter = "none"``: a platform without an admin API the harness can drive (a tool registered by
    hand). Every admin action raises ``NotSupported``, so the checks needing one are not applicable."""

    name = "none"

    def __init__(self, target: PlatformTarget, client: Client) -> None:
        self.target = target

    def is_mock(self) -> bool:
        return False

    def __getattr__(self, action: str) -> Any:
        if action.startswith("_"):
            raise AttributeError(action)

        def refuse(*args: Any, **kwargs: Any) -> Any:
            raise NotSupported(f"the profile's adapter is 'none' (no admin API): the harness cannot {action.replace('_', ' ')}")

        return refuse


def load_adapter(target: PlatformTarget, client: Client) -> Adapter:
    """The adapter the profile names: ``canvas``, ``none``, an entry point, or ``module:Class``."""
    name = target.adapter
    if name == "canvas":
        return CanvasAdapter(target, client)
    if name == "none":
        return NoAdapter(target, client)
    found = [ep for ep in entry_points(group="lti_harness.adapters") if ep.name == name]
    if found:
        cls = found[0].load()
    elif ":" in name:
        module, _, attr = name.partition(":")
        try:
            cls = getattr(importlib.import_module(module), attr)
        except (ImportError, AttributeError) as exc:
            raise ValueError(f"[platform] adapter {name!r} cannot be loaded: {exc}") from None
    else:
        raise ValueError(f"[platform] adapter {name!r} is unknown (use 'canvas' or 'module:Class')")
    return VendorAdapter(cls(target, client), name)


ADMIN_ACTIONS = frozenset(n for n, v in vars(Adapter).items() if callable(v) and not n.startswith("_"))


class VendorAdapter:
    """A vendor's adapter as the suites see it: an admin action the class does not implement raises
    ``NotSupported`` when called, so the check needing it is not applicable (the target broke no rule)."""

    def __init__(self, inner: object, name: str) -> None:
        self.inner = inner
        self.name = getattr(inner, "name", name)

    def __getattr__(self, action: str) -> Any:
        if action.startswith("_"):
            raise AttributeError(action)
        found = getattr(self.inner, action, None)
        if found is not None:
            return found
        if action not in ADMIN_ACTIONS:
            raise AttributeError(action)

        def refuse(*args: Any, **kwargs: Any) -> Any:
            raise NotSupported(f"the adapter {self.name!r} has no {action}(): the harness cannot {action.replace('_', ' ')}")

        return refuse
