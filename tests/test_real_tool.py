"""The tool-side suites against a real LTI tool library: PyLTI1p3 (from PyPI) in a small Flask app on
loopback, wired the way its documentation shows (OIDC login, then ``MessageLaunch.validate``), with the
harness configured in it beforehand as a platform ([tool.launch] in the profile).

PyLTI1p3 keeps the launch nonce in the session and never marks it used, so a replayed launch is accepted
(TOOL-014, recommended: replays SHOULD be rejected, fails); a variant whose session service consumes the
nonce shows the same check passing. It verifies the id_token with PyJWT, which checks exp and iat only when
they are present, so a token without exp (TOOL-018, required) or without iat (TOOL-019, recommended) is
accepted: the run fails. Three recommended checks fail because the library has no code for them: it never
reads ``azp`` (it takes the client id from ``aud``: TOOL-021), PyJWT refuses only an ``iat`` in the future,
not one an hour old (TOOL-023), and the id_token's ``target_link_uri`` is never compared with the login
initiation's (TOOL-024); the app-level checks of ``strict_app`` make all three pass. Every other case of the
certification list (unknown nonce, an unknown kid, another state, each missing required claim) is refused.
The library has no dynamic registration and no platform-registrations API: those checks are not applicable.

Deep linking: the basic app answers a deep-linking request like a resource link launch (a page, no response
to deep_link_return_url), so TOOL-033 … TOOL-043 are not applicable, never failed. With ``deep_linking`` the
app answers as PyLTI1p3's documentation shows (``get_deep_link().output_response_form([...])``, its JWKS
served from ``get_jwks()``): every deep-linking check passes, aud being a list holding the issuer. A resource
left without a title is sent with ``"title": null`` (and without a url, ``"url": null``), which TOOL-043
refuses: the content item schema allows a string, or no member.

Names and roles (TOOL-044): the library has no dynamic registration, so the check, which launches the tool from
the harness's counterpart platform the tool registered with, is not applicable to the basic app. ``dr_app`` adds
the few lines a PyLTI1p3 tool needs for it (fetch the OpenID configuration, post a registration asking for the
NRPS scope, keep the answer as the library's settings; any deployment of the registered client is taken, as the
answer names none) and reads its course's members at launch with the library's ``get_nrps().get_members()``,
which follows ``rel="next"``: TOOL-044 passes. An app that reads one page with ``get_members_page()`` fails it; one
that reads no members at launch is not judged."""

from __future__ import annotations

import re
import secrets
import time
from pathlib import Path
from typing import Any, Iterator

import pytest
import requests
from flask import Flask, request as http_request, session as flask_session
from markupsafe import escape
from pylti1p3.contrib.flask import FlaskMessageLaunch, FlaskOIDCLogin, FlaskRequest
from pylti1p3.contrib.flask.session import FlaskSessionService
from pylti1p3.deep_link_resource import DeepLinkResource
from pylti1p3.deployment import Deployment
from pylti1p3.exception import LtiException, OIDCException
from pylti1p3.lineitem import LineItem
from pylti1p3.tool_config import ToolConfDict

from lti_harness.harness import keys
from lti_harness.harness.checks import load_all
from test_reports import assert_no_secrets

ISSUER = "https://harness-platform.example"
CLIENT_ID = "pylti1p3-client"
DEPLOYMENT = "deployment-1"
LAUNCH_CHECKS = ["TOOL-010", "TOOL-011", "TOOL-012", "TOOL-013", "TOOL-014", "TOOL-015", "TOOL-016", "TOOL-017", "TOOL-020", "TOOL-022",
                 "TOOL-025", "TOOL-026", "TOOL-027", "TOOL-028", "TOOL-029", "TOOL-030", "TOOL-031", "TOOL-032"]
TIMESTAMP_CHECKS = ["TOOL-018", "TOOL-019"]  # a token without exp, without iat: PyLTI1p3 accepts both
DL_CHECKS = [f"TOOL-0{n}" for n in range(33, 44)]  # the deep-linking response
UNCHECKED = ["TOOL-021", "TOOL-023", "TOOL-024"]  # a wrong azp, an hour-old iat, another target_link_uri: PyLTI1p3 has no code for them
MAX_AGE = 600  # seconds: how old an id_token the strict app takes
NRPS_SCOPE = "https://purl.imsglobal.org/spec/lti-nrps/scope/contextmembership.readonly"
TOOL_CONFIG = "https://purl.imsglobal.org/spec/lti-tool-configuration"
CLOSE = '<script>(window.opener || window.parent).postMessage({subject: "org.imsglobal.lti.close"}, "*");</script>'


class SingleUseNonce(FlaskSessionService):
    """A session service that forgets a nonce once a launch has used it (PyLTI1p3's own keeps it)."""

    def check_nonce(self, nonce: str) -> bool:
        return flask_session.pop(self._get_key("nonce", nonce), None) is not None


def tool_app(platform_jwks: dict[str, Any], *, many_clients: bool = False, single_use_nonce: bool = False, check_cookies: bool = False,
             require_timestamps: bool = False, strict_app: bool = False, deep_linking: keys.KeyPair | None = None,
             untitled: bool = False) -> Flask:
    """A Flask tool built on PyLTI1p3 that trusts the harness as the platform ``ISSUER``. PyLTI1p3 takes
    an issuer's settings as one table (one client id per issuer) or as a list (many client ids).
    ``require_timestamps`` passes PyJWT's ``require`` option through ``set_jwt_verify_options``;
    ``strict_app`` adds, after the library's validation, the checks it lacks: azp (when present) is the
    client id, iat at most ``MAX_AGE`` seconds old, and target_link_uri the one the login was asked for
    (handed from login to launch with the library's ``pass_params_to_launch``). With ``deep_linking`` (the
    tool's key) a deep-linking request is answered with one resource link and a line item, picked without a
    user, its JWKS served at /jwks; ``untitled`` leaves the resource's title and url unset."""
    app = Flask("pylti1p3-tool")
    app.secret_key = secrets.token_hex(16)
    settings = {"default": True, "client_id": CLIENT_ID, "auth_login_url": f"{ISSUER}/authorize", "auth_token_url": f"{ISSUER}/token",
                "key_set_url": None, "key_set": platform_jwks, "deployment_ids": [DEPLOYMENT]}
    conf = ToolConfDict({ISSUER: [settings] if many_clients else settings})
    if deep_linking is not None:
        conf.set_private_key(ISSUER, deep_linking.private_pem.decode(), client_id=CLIENT_ID)
        conf.set_public_key(ISSUER, deep_linking.public_pem.decode(), client_id=CLIENT_ID)

    @app.route("/jwks")
    def jwks() -> Any:
        return conf.get_jwks(ISSUER, CLIENT_ID)

    @app.route("/login", methods=["GET", "POST"])
    def login() -> Any:
        request = FlaskRequest()
        try:
            login = FlaskOIDCLogin(request, conf)
            if check_cookies:  # PyLTI1p3's page that checks, in JavaScript, that the browser keeps cookies
                login = login.enable_check_cookies()
            if strict_app:
                login = login.pass_params_to_launch({"target_link_uri": request.get_param("target_link_uri")})
            return login.redirect(request.get_param("target_link_uri"))
        except (LtiException, OIDCException) as exc:
            return f"login refused: {escape(str(exc))}", 400

    @app.route("/launch", methods=["POST"])
    def launch() -> Any:
        request = FlaskRequest()
        service = SingleUseNonce(request) if single_use_nonce else None
        try:
            message_launch = FlaskMessageLaunch(request, conf, session_service=service)
            if require_timestamps:  # the library's default is {"verify_aud": False}: exp and iat checked only when present
                message_launch.set_jwt_verify_options({"verify_aud": False, "require": ["exp", "iat"]})  # type: ignore[dict-item]
            data = message_launch.validate().get_launch_data()
        except LtiException as exc:
            return f"launch refused: {escape(str(exc))}", 400
        if deep_linking is not None and message_launch.is_deep_link_launch():
            resource = DeepLinkResource().set_lineitem(LineItem().set_score_maximum(10).set_label("Quiz").set_tag("quiz"))
            if not untitled:
                resource = resource.set_url(data["https://purl.imsglobal.org/spec/lti/claim/target_link_uri"]).set_title("Quiz")
            return message_launch.get_deep_link().output_response_form([resource])
        if strict_app:
            asked = (message_launch.get_params_from_login() or {}).get("target_link_uri")
            if data.get("azp", CLIENT_ID) != CLIENT_ID or time.time() - data["iat"] > MAX_AGE \
                    or data.get("https://purl.imsglobal.org/spec/lti/claim/target_link_uri") != asked:
                return "launch refused: azp, iat or target_link_uri", 400
        return f"launched for {escape(data['sub'])}", 200

    return app


class RegisteredSettings(ToolConfDict):
    """PyLTI1p3's dict settings, filled in by the app's dynamic registration (the library has none). The
    platform's registration answer names no deployment, so any deployment of a registered client is taken."""

    def __init__(self, key: keys.KeyPair) -> None:
        super().__init__({})
        self.key = key

    def add(self, issuer: str, settings: dict[str, Any]) -> None:
        self._config[issuer] = settings  # type: ignore[index]
        self.set_iss_has_one_client(issuer)
        self.set_private_key(issuer, self.key.private_pem.decode(), client_id=settings["client_id"])
        self.set_public_key(issuer, self.key.public_pem.decode(), client_id=settings["client_id"])

    def _get_deployment(self, iss_conf: Any, deployment_id: str) -> Deployment:
        return Deployment().set_deployment_id(deployment_id)


def dr_app(*, roster: str = "all") -> Flask:
    """A PyLTI1p3 tool that registers through dynamic registration (GET /register) asking for the NRPS scope, and
    at launch reads its course's members with ``get_members()`` (``roster="all"``: every page), or
    ``get_members_page()`` once (``"first"``), or not at all (``"none"``)."""
    app = Flask("pylti1p3-dr-tool")
    app.secret_key = secrets.token_hex(16)
    conf = RegisteredSettings(keys.generate())

    @app.route("/register")
    def register() -> Any:
        base = http_request.host_url.rstrip("/")
        platform = requests.get(http_request.args["openid_configuration"], timeout=5).json()
        body = {"application_type": "web", "client_name": "PyLTI1p3 tool", "grant_types": ["client_credentials", "implicit"],
                "response_types": ["id_token"], "initiate_login_uri": f"{base}/login", "redirect_uris": [f"{base}/launch"],
                "jwks_uri": f"{base}/jwks", "token_endpoint_auth_method": "private_key_jwt", "scope": NRPS_SCOPE,
                TOOL_CONFIG: {"domain": http_request.host, "target_link_uri": f"{base}/launch", "claims": ["iss", "sub"],
                              "messages": [{"type": "LtiResourceLinkRequest", "placements": ["course_navigation"]}]}}
        answer = requests.post(platform["registration_endpoint"], json=body, timeout=5,
                               headers={"Authorization": f"Bearer {http_request.args['registration_token']}"}).json()
        conf.add(platform["issuer"], {"client_id": answer["client_id"], "auth_login_url": platform["authorization_endpoint"],
                                      "auth_token_url": platform["token_endpoint"], "key_set_url": platform["jwks_uri"], "deployment_ids": []})
        return f"<p>Registered as client {escape(answer['client_id'])}.</p>{CLOSE}"

    @app.route("/jwks")
    def jwks() -> Any:
        return conf.get_jwks()

    @app.route("/login", methods=["GET", "POST"])
    def login() -> Any:
        request = FlaskRequest()
        return FlaskOIDCLogin(request, conf).redirect(request.get_param("target_link_uri"))

    @app.route("/launch", methods=["POST"])
    def launch() -> Any:
        message_launch = FlaskMessageLaunch(FlaskRequest(), conf)
        message_launch.validate()
        if not message_launch.has_nrps() or roster == "none":
            return "launched; no roster read", 200
        service = message_launch.get_nrps()
        members = service.get_members_page()[0] if roster == "first" else service.get_members()
        return f"launched: {len(members)} members", 200

    return app


def dr_profile(tmp_path: Path, base: str) -> Path:
    path = tmp_path / "pylti1p3-dr.toml"
    path.write_text(f'[tool]\nbase_url = "{base}"\ntimeout = 5\ndynamic_registration_url = "{base}/register"\n', encoding="utf-8")
    return path


DR_SELECTION = [arg for cid in ("TOOL-001", "TOOL-002", "TOOL-003", "TOOL-044") for arg in ("--check", cid)]


def test_pylti1p3_reads_every_nrps_page_from_the_counterpart_platform(tmp_path, serve_wsgi, run_harness):
    """Registered through the app's dynamic registration, launched from the counterpart platform: the library's
    get_members() follows rel="next" through the three pages of the course (TOOL-044 passes)."""
    base = serve_wsgi(dr_app())
    result = run_harness("--profile", str(dr_profile(tmp_path, base)), *DR_SELECTION)
    assert result.outcomes() == dict.fromkeys(["TOOL-001", "TOOL-002", "TOOL-003", "TOOL-044"], "passed"), result.stdout[-3000:]
    assert result.code == 0
    assert_no_secrets(result.report_dir)


def test_pylti1p3_app_reading_one_nrps_page_fails(tmp_path, serve_wsgi, run_harness):
    base = serve_wsgi(dr_app(roster="first"))
    result = run_harness("--profile", str(dr_profile(tmp_path, base)), *DR_SELECTION)
    assert result.outcomes() == {"TOOL-001": "passed", "TOOL-002": "passed", "TOOL-003": "passed", "TOOL-044": "failed"}, result.stdout[-3000:]
    assert "3 pages of 3: page(s) 2, 3 never requested" in result.messages("TOOL-044"), result.messages("TOOL-044")
    assert result.code == 0  # TOOL-044 is recommended


def test_pylti1p3_app_reading_no_members_is_not_judged(tmp_path, serve_wsgi, run_harness):
    """A tool that makes no memberships request at launch may call NRPS later or never: not applicable, never passed."""
    base = serve_wsgi(dr_app(roster="none"))
    result = run_harness("--profile", str(dr_profile(tmp_path, base)), "--check", "TOOL-044")
    assert result.outcomes() == {"TOOL-044": "not_applicable"}, result.stdout[-3000:]
    assert "made no memberships (NRPS) request within 5 s" in result.messages("TOOL-044"), result.messages("TOOL-044")
    assert "launched; no roster read" in result.messages("TOOL-044")


def profile_for(tmp_path: Path, base: str, pair: keys.KeyPair, extra: str = "") -> Path:
    """A profile naming the tool and the registration configured in it; the key lies next to it."""
    (tmp_path / "platform.pem").write_bytes(pair.private_pem)
    path = tmp_path / "pylti1p3.toml"
    path.write_text(f"""[tool]
base_url = "{base}"
timeout = 5

[tool.launch]
login_url = "{base}/login"
launch_url = "{base}/launch"
issuer = "{ISSUER}"
client_id = "{CLIENT_ID}"
deployment_id = "{DEPLOYMENT}"
private_key = "platform.pem"
kid = "{pair.kid}"
{extra}""", encoding="utf-8")
    return path


def test_pylti1p3_verdicts(tmp_path, serve_wsgi, run_harness):
    pair = keys.generate()
    base = serve_wsgi(tool_app(keys.jwks(pair)))
    result = run_harness("--profile", str(profile_for(tmp_path, base, pair)), "--suite", "tool_side", "--suite", "tool_registrations")
    outcomes = result.outcomes()
    assert result.code == 1, result.stdout[-2000:] + result.stderr[-2000:]  # TOOL-018 (required) failed; nothing crashed

    assert {cid: outcomes[cid] for cid in LAUNCH_CHECKS} == {cid: "failed" if cid == "TOOL-014" else "passed" for cid in LAUNCH_CHECKS}
    assert {cid: outcomes[cid] for cid in UNCHECKED} == dict.fromkeys(UNCHECKED, "failed")  # all three recommended
    assert "whose azp names another client (aud is the tool's client id) was accepted — the tool answered 200" in result.messages("TOOL-021")
    assert "issued an hour ago (exp still 5 minutes ahead) was accepted — the tool answered 200" in result.messages("TOOL-023")
    assert "target_link_uri is another URL than the login initiation's was accepted" in result.messages("TOOL-024")
    assert "posted a second time was accepted — the tool answered 200" in result.messages("TOOL-014"), result.messages("TOOL-014")
    assert {cid: outcomes[cid] for cid in TIMESTAMP_CHECKS} == dict.fromkeys(TIMESTAMP_CHECKS, "failed")
    assert "an id_token without exp was accepted — the tool answered 200" in result.messages("TOOL-018"), result.messages("TOOL-018")
    assert "an id_token without iat was accepted — the tool answered 200" in result.messages("TOOL-019"), result.messages("TOOL-019")
    assert "FAILED TOOL-018 [required]" in result.stdout
    for cid in DL_CHECKS:  # the app answers a deep-linking request like a resource link launch: not judged
        assert outcomes[cid] == "not_applicable", (cid, result.messages(cid))
        assert "with 200: 'launched for" in result.messages(cid) and "sends nothing to deep_link_return_url" in result.messages(cid), result.messages(cid)
    for cid in ("TOOL-001", "TOOL-002", "TOOL-003", "TOOL-044"):  # no dynamic registration (see dr_app for TOOL-044)
        assert outcomes[cid] == "not_applicable" and "dynamic_registration_url" in result.messages(cid), (cid, result.messages(cid))
    treg = [cid for cid in outcomes if cid.startswith("TREG-")]
    assert set(treg) == {c.id for c in load_all(["tool_registrations"])}  # every one of them, each not applicable
    for cid in treg:
        assert outcomes[cid] == "not_applicable" and "api_key" in result.messages(cid), (cid, result.messages(cid))
    assert "error" not in set(outcomes.values())
    assert_no_secrets(result.report_dir)  # the id_tokens posted are redacted …
    report = (result.report_dir / "report.html").read_text(encoding="utf-8")
    assert "session=[REDACTED]" in report and not re.search(r"session=(?!\[REDACTED\])", report)  # … and the tool's session cookie


def dl_profile(tmp_path: Path, base: str, pair: keys.KeyPair) -> Path:
    return profile_for(tmp_path, base, pair, f'deep_linking_url = "{base}/launch"\njwks_url = "{base}/jwks"\n')


def test_pylti1p3_deep_linking_response_passes_every_deep_linking_check(tmp_path, serve_wsgi, run_harness):
    pair = keys.generate()
    base = serve_wsgi(tool_app(keys.jwks(pair), deep_linking=keys.generate()))
    selection = [arg for cid in ["TOOL-010", *DL_CHECKS] for arg in ("--check", cid)]
    result = run_harness("--profile", str(dl_profile(tmp_path, base, pair)), *selection)
    assert result.outcomes() == dict.fromkeys(["TOOL-010", *DL_CHECKS], "passed"), result.stdout[-3000:]
    assert result.code == 0
    assert_no_secrets(result.report_dir)  # the response JWTs in the tool's forms are redacted


def test_pylti1p3_untitled_resource_is_sent_with_null_title_and_url(tmp_path, serve_wsgi, run_harness):
    """PyLTI1p3 writes every resource's title and url, null when the app set none: the content items fail
    their schema (TOOL-043, required); the rest of the response is right."""
    pair = keys.generate()
    base = serve_wsgi(tool_app(keys.jwks(pair), deep_linking=keys.generate(), untitled=True))
    result = run_harness("--profile", str(dl_profile(tmp_path, base, pair)), "--check", "TOOL-042", "--check", "TOOL-043")
    assert result.outcomes() == {"TOOL-042": "passed", "TOOL-043": "failed"}, result.stdout[-3000:]
    why = result.messages("TOOL-043")
    assert "item 0 (ltiResourceLink)" in why and "title: None is not of type 'string'" in why and "url: None" in why, why
    assert result.code == 1


def test_a_deep_linking_url_the_tool_does_not_answer_there_ends_error(tmp_path, serve_wsgi, run_harness):
    """The profile says the tool answers deep-linking requests at its launch URL, but it answers them like a
    resource link launch: the harness could not get a response (error), which is no verdict on the tool."""
    pair = keys.generate()
    base = serve_wsgi(tool_app(keys.jwks(pair)))
    result = run_harness("--profile", str(dl_profile(tmp_path, base, pair)), "--check", "TOOL-033", "--check", "TOOL-038")
    assert result.outcomes() == {"TOOL-033": "error", "TOOL-038": "error"}, result.stdout[-3000:]
    assert "deep_linking_url says the tool answers deep-linking requests there" in result.messages("TOOL-033")
    assert result.code == 3


def test_pylti1p3_many_clients_settings_answer_500_for_another_client(tmp_path, serve_wsgi, run_harness):
    """With the list form, PyLTI1p3 looks the client id up with a plain ``Exception`` (not ``LtiException``)
    when it is unknown, so an app handling the library's documented exceptions answers 500: the launch for
    another client id is still refused (TOOL-012 passes), but by a crash, which TOOL-017 reports by case."""
    pair = keys.generate()
    base = serve_wsgi(tool_app(keys.jwks(pair), many_clients=True))
    result = run_harness("--profile", str(profile_for(tmp_path, base, pair)), "--check", "TOOL-010", "--check", "TOOL-012", "--check", "TOOL-017")
    assert result.outcomes() == {"TOOL-010": "passed", "TOOL-012": "passed", "TOOL-017": "failed"}, result.stdout[-2000:]
    why = result.messages("TOOL-017")
    assert "TOOL-012" in why and "500" in why and "never a 5xx" in why, why
    assert "TOOL-011" not in why  # the other refusals are 4xx


def test_pylti1p3_with_single_use_nonce_passes_replay(tmp_path, serve_wsgi, run_harness):
    pair = keys.generate()
    base = serve_wsgi(tool_app(keys.jwks(pair), single_use_nonce=True))
    result = run_harness("--profile", str(profile_for(tmp_path, base, pair)), "--suite", "tool_side")
    assert {cid: result.outcomes()[cid] for cid in LAUNCH_CHECKS} == dict.fromkeys(LAUNCH_CHECKS, "passed"), result.stdout[-2000:]
    assert result.failed() == set(TIMESTAMP_CHECKS + UNCHECKED) and result.code == 1  # the nonce fix leaves the rest as it was


def test_pylti1p3_requiring_exp_and_iat_with_the_app_checks_passes_every_launch_check(tmp_path, serve_wsgi, run_harness):
    """With a single-use nonce and ``set_jwt_verify_options({"verify_aud": False, "require": ["exp", "iat"]})``
    the library refuses a token without exp or iat too; with the app's own azp, iat-age and target_link_uri
    checks (``strict_app``) every launch check passes."""
    pair = keys.generate()
    base = serve_wsgi(tool_app(keys.jwks(pair), single_use_nonce=True, require_timestamps=True, strict_app=True))
    result = run_harness("--profile", str(profile_for(tmp_path, base, pair)), "--suite", "tool_side")
    checks = LAUNCH_CHECKS + TIMESTAMP_CHECKS + UNCHECKED
    assert {cid: result.outcomes()[cid] for cid in checks} == dict.fromkeys(checks, "passed"), result.stdout[-2000:]
    assert result.code == 0


def test_a_tool_that_does_not_trust_the_key_fails_the_valid_launch(tmp_path, serve_wsgi, run_harness):
    """The profile's key is not the one configured in the tool: the valid launch fails with the tool's
    reason (TOOL-010), and every refusal check ends error on its control launch (the harness could not
    test the refusal) instead of passing by accident."""
    base = serve_wsgi(tool_app(keys.jwks(keys.generate())))
    result = run_harness("--profile", str(profile_for(tmp_path, base, keys.generate())), "--suite", "tool_side")
    outcomes = result.outcomes()
    checks = LAUNCH_CHECKS + TIMESTAMP_CHECKS + UNCHECKED
    assert {cid: outcomes[cid] for cid in checks} == {cid: "failed" if cid == "TOOL-010" else "error" for cid in checks}
    assert "answered 400" in result.messages("TOOL-010")
    for cid in checks[1:]:
        assert "control launch" in result.messages(cid) and "answered 400" in result.messages(cid), (cid, result.messages(cid))
    assert result.code == 1


def test_pylti1p3_cookie_check_page_is_explained_and_login_params_pass_it(tmp_path, serve_wsgi, run_harness):
    """With ``enable_check_cookies()`` the login first answers a page whose script reloads it with
    ``lti1p3_new_window=1``; the harness runs no script, says so, and ``login_params`` adds the parameter."""
    pair = keys.generate()
    base = serve_wsgi(tool_app(keys.jwks(pair), check_cookies=True))
    blocked = run_harness("--profile", str(profile_for(tmp_path, base, pair)), "--check", "TOOL-010")
    assert blocked.outcomes()["TOOL-010"] == "failed"
    assert "answered 200" in blocked.messages("TOOL-010") and "login_params" in blocked.messages("TOOL-010")
    passed = run_harness("--profile", str(profile_for(tmp_path, base, pair, 'login_params = { lti1p3_new_window = "1" }\n')),
                         "--check", "TOOL-010", "--check", "TOOL-011")
    assert passed.outcomes() == {"TOOL-010": "passed", "TOOL-011": "passed"}, passed.stdout[-2000:]
