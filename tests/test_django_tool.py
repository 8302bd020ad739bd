"""The tool-side suite against a small Django tool, written the way Django tools commonly are: APPEND_SLASH
on and trailing-slash URLs (``/lti/login/``, ``/lti/launch/``, ``/lti/register/``), CSRF protection, a
dynamic-registration page that asks the administrator to confirm (a "Register" form posting back to
itself) before it fetches the OpenID configuration and posts its registration, and a launch that verifies
the id_token with PyJWT (exp and iat required) against the one platform key it was configured with, never
looking at the header's kid — so it accepts an id_token without kid or with a kid the platform's JWKS does not
have, which the certification suite says a tool must reject (TOOL-020 and TOOL-031 fail, the run exits 1). Beyond
the signature, iss, aud, exp and iat it compares only the state, the nonce, the deployment id and the version, so
of the certification suite's missing claims it refuses a token without version or deployment_id (TOOL-026,
TOOL-028) but accepts one without message_type, roles, a resource link id or sub (TOOL-025, TOOL-027, TOOL-029,
TOOL-030: required, failed); it never reads azp, the age of iat or the target_link_uri (TOOL-021, TOOL-023,
TOOL-024: recommended, failed). It has no deep linking (its registration offers only LtiResourceLinkRequest) and
answers a deep-linking request like a resource link launch, so the deep-linking checks (TOOL-033 … TOOL-043) are
not applicable. The harness is configured in it beforehand as a platform ([tool.launch]).

A variant that lets the id_token's verification error escape (Django answers 500) shows refusal apart
from refusal quality: the security check passes, the 4xx-refusal check fails."""

from __future__ import annotations

import html
import secrets
import threading
from dataclasses import dataclass, field
from pathlib import Path
from socketserver import ThreadingMixIn
from typing import Any, Iterator
from urllib.parse import urlencode
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

import httpx
import jwt
import pytest

django = pytest.importorskip("django")  # the `test` extra installs it

from django.conf import settings  # noqa: E402

if not settings.configured:
    settings.configure(
        DEBUG=False, SECRET_KEY=secrets.token_hex(16), ALLOWED_HOSTS=["127.0.0.1", "localhost"], ROOT_URLCONF=__name__,
        APPEND_SLASH=True, MIDDLEWARE=["django.middleware.common.CommonMiddleware", "django.middleware.csrf.CsrfViewMiddleware"],
        INSTALLED_APPS=[], DATABASES={}, TEMPLATES=[], LOGGING_CONFIG=None, USE_TZ=True,
    )
    django.setup()

from django.core.handlers.wsgi import WSGIHandler  # noqa: E402
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect  # noqa: E402
from django.middleware.csrf import get_token  # noqa: E402
from django.urls import path  # noqa: E402
from django.views.decorators.csrf import csrf_exempt  # noqa: E402

from lti_harness.harness import keys  # noqa: E402

ISSUER = "https://harness-platform.example"
CLIENT_ID = "django-client"
DEPLOYMENT = "deployment-1"
LTI = "https://purl.imsglobal.org/spec/lti/claim/"
CLOSE = '<script>(window.opener || window.parent).postMessage({subject: "org.imsglobal.lti.close"}, "*");</script>'


@dataclass
class Tool:
    """One served tool's state: the platform key it trusts, its pending logins and what it registered."""

    platform_key: Any
    crash_on_bad_token: bool = False
    states: dict[str, str] = field(default_factory=dict)  # state → nonce
    registered: list[str] = field(default_factory=list)  # client ids the platforms gave it


def tool_of(request: HttpRequest) -> Tool:
    return request.META["lti.tool"]


def login(request: HttpRequest) -> HttpResponse:
    p = request.POST if request.method == "POST" else request.GET
    if p.get("iss") != ISSUER or p.get("client_id") != CLIENT_ID or not p.get("target_link_uri"):
        return HttpResponse("unknown platform or client", status=400)
    state, nonce = secrets.token_urlsafe(16), secrets.token_urlsafe(16)
    tool_of(request).states[state] = nonce
    query = {"scope": "openid", "response_type": "id_token", "response_mode": "form_post", "prompt": "none", "client_id": CLIENT_ID,
             "redirect_uri": p["target_link_uri"], "login_hint": p.get("login_hint", ""), "state": state, "nonce": nonce,
             "lti_message_hint": p.get("lti_message_hint", "")}
    response = HttpResponseRedirect(f"{ISSUER}/authorize?{urlencode(query)}")
    response.status_code = 302
    return response


@csrf_exempt  # the platform's form post comes from another site
def launch(request: HttpRequest) -> HttpResponse:
    tool = tool_of(request)
    if request.method != "POST":
        return HttpResponse("POST only", status=405)
    nonce = tool.states.pop(request.POST.get("state", ""), None)
    if nonce is None:
        return HttpResponse("unknown state", status=400)
    try:
        claims = jwt.decode(request.POST.get("id_token", ""), tool.platform_key, algorithms=["RS256"], audience=CLIENT_ID, issuer=ISSUER,
                            options={"require": ["exp", "iat"]})  # PyJWT checks exp and iat only when present
    except jwt.InvalidTokenError:
        if tool.crash_on_bad_token:
            raise
        return HttpResponse("invalid id_token", status=401)
    if claims.get("nonce") != nonce or claims.get(LTI + "deployment_id") != DEPLOYMENT or claims.get(LTI + "version") != "1.3.0":
        return HttpResponse("launch refused", status=401)
    return HttpResponse(f"launched for {html.escape(str(claims.get('sub')))}")


def register(request: HttpRequest) -> HttpResponse:
    """DR initiation: a confirm page; on confirmation, discovery, registration and the close page."""
    if request.method == "GET":
        hidden = "".join(f'<input type="hidden" name="{n}" value="{html.escape(request.GET.get(n, ""))}">'
                         for n in ("openid_configuration", "registration_token"))
        return HttpResponse(f'<form method="post" action="">{hidden}<input type="hidden" name="csrfmiddlewaretoken" '
                            f'value="{get_token(request)}"><button type="submit" name="confirm" value="yes">Register</button></form>')
    token = request.POST.get("registration_token", "")
    auth = {"Authorization": f"Bearer {token}", "Accept": "application/json"} if token else {"Accept": "application/json"}
    base = request.build_absolute_uri("/").rstrip("/")
    with httpx.Client(timeout=5) as client:
        platform = client.get(request.POST["openid_configuration"], headers=auth).json()
        answer = client.post(platform["registration_endpoint"], headers=auth, json={
            "application_type": "web", "client_name": "Django Tool", "grant_types": ["client_credentials", "implicit"],
            "response_types": ["id_token"], "initiate_login_uri": f"{base}/lti/login/", "redirect_uris": [f"{base}/lti/launch/"],
            "jwks_uri": f"{base}/lti/jwks/", "token_endpoint_auth_method": "private_key_jwt", "scope": "",
            "https://purl.imsglobal.org/spec/lti-tool-configuration": {
                "domain": request.get_host(), "target_link_uri": f"{base}/lti/launch/", "claims": ["iss", "sub"],
                "messages": [{"type": "LtiResourceLinkRequest", "label": "Django Tool"}]}}).json()
    tool_of(request).registered.append(str(answer.get("client_id")))
    return HttpResponse(f"<p>Registered.</p>{CLOSE}")


urlpatterns = [path("lti/login/", login), path("lti/launch/", launch), path("lti/register/", register)]


class _Server(ThreadingMixIn, WSGIServer):
    daemon_threads = True


class _Quiet(WSGIRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture
def serve_django() -> Iterator[Any]:
    """Serve a Django tool on a free loopback port per call; all are shut down afterwards."""
    running = []
    handler = WSGIHandler()

    def _serve(tool: Tool) -> str:
        def app(environ: dict[str, Any], start_response: Any) -> Any:
            environ["lti.tool"] = tool
            return handler(environ, start_response)

        server = make_server("127.0.0.1", 0, app, server_class=_Server, handler_class=_Quiet)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        running.append(server)
        return f"http://127.0.0.1:{server.server_port}"

    yield _serve
    for server in running:
        server.shutdown()
        server.server_close()


def profile_for(tmp_path: Path, base: str, pair: keys.KeyPair, slash: str = "/") -> Path:
    """A profile naming the Django tool; ``slash`` ends its endpoint URLs (as written, never altered)."""
    (tmp_path / "platform.pem").write_bytes(pair.private_pem)
    path_ = tmp_path / f"django{len(slash)}.toml"
    path_.write_text(f"""[tool]
base_url = "{base}/"
timeout = 5
dynamic_registration_url = "{base}/lti/register{slash}"

[tool.launch]
login_url = "{base}/lti/login{slash}"
launch_url = "{base}/lti/launch{slash}"
issuer = "{ISSUER}"
client_id = "{CLIENT_ID}"
deployment_id = "{DEPLOYMENT}"
private_key = "platform.pem"
kid = "{pair.kid}"
""", encoding="utf-8")
    return path_


def test_django_tool_passes_dynamic_registration_and_launch(tmp_path, serve_django, run_harness):
    pair = keys.generate()
    tool = Tool(pair.public_pem)
    base = serve_django(tool)
    result = run_harness("--profile", str(profile_for(tmp_path, base, pair)), "--suite", "tool_side")
    outcomes = result.outcomes()
    accepted = (20, 21, 23, 24, 25, 27, 29, 30, 31)  # what this tool never looks at (see the module's docstring)
    expected = {f"TOOL-0{n:02d}": "failed" if n in accepted else "passed" for n in (*range(1, 4), *range(10, 33))}
    expected.update({f"TOOL-0{n}": "not_applicable" for n in range(33, 44)})  # no deep linking: its request is launched like a resource link
    expected["TOOL-044"] = "not_applicable"  # its registration asks for no NRPS scope, so it cannot read memberships
    assert outcomes == expected, result.stdout[-3000:]
    assert "does not hold the NRPS scope" in result.messages("TOOL-044"), result.messages("TOOL-044")
    assert "with 200: 'launched for" in result.messages("TOOL-033") and "sends nothing to deep_link_return_url" in result.messages("TOOL-033")
    assert "an id_token without kid in its header was accepted" in result.messages("TOOL-020"), result.messages("TOOL-020")
    assert "whose header kid is not in the platform's JWKS was accepted" in result.messages("TOOL-031"), result.messages("TOOL-031")
    for cid, claim in (("TOOL-025", "message_type"), ("TOOL-027", "roles"), ("TOOL-030", "sub")):
        assert f"an id_token without {claim} was accepted — the tool answered 200" in result.messages(cid), result.messages(cid)
    assert "resource_link claim has no id was accepted" in result.messages("TOOL-029"), result.messages("TOOL-029")
    assert result.code == 1
    assert len(tool.registered) == 1  # one confirmed registration per run
    assert any("dynamic registration" in c for c in result.summary["created_on_target"])


def test_django_tool_crashing_on_a_forged_token_is_refused_but_not_well(tmp_path, serve_django, run_harness):
    pair = keys.generate()
    base = serve_django(Tool(pair.public_pem, crash_on_bad_token=True))
    result = run_harness("--profile", str(profile_for(tmp_path, base, pair)), "--check", "TOOL-011", "--check", "TOOL-017")
    assert result.outcomes() == {"TOOL-011": "passed", "TOOL-017": "failed"}, result.stdout[-3000:]
    assert "TOOL-011" in result.messages("TOOL-017") and "500" in result.messages("TOOL-017")
    assert result.code == 0  # TOOL-017 is recommended


def test_django_urls_without_the_slash_name_the_redirect(tmp_path, serve_django, run_harness):
    """Without the trailing slash the GET steps are redirected (followed, like a browser), but the id_token's POST is
    answered 301 — a browser would lose the id_token: the valid launch fails, naming the redirect, and the refusal
    check cannot be tested (error), never passed."""
    pair = keys.generate()
    base = serve_django(Tool(pair.public_pem))
    result = run_harness("--profile", str(profile_for(tmp_path, base, pair, slash="")), "--check", "TOOL-001", "--check", "TOOL-010",
                         "--check", "TOOL-011")
    assert result.outcomes() == {"TOOL-001": "passed", "TOOL-010": "failed", "TOOL-011": "error"}, result.stdout[-3000:]
    why = result.messages("TOOL-010")
    assert "POST /lti/launch answered 301 to /lti/launch/" in why and "trailing slash" in why, why
    assert "301" in result.messages("TOOL-011")
