"""The platform suites against a minimal LTI 1.3 platform that is not Canvas: only an LTI token endpoint
(client_credentials with a JWT client assertion, verified against the public key of one tool registered
by hand), a JWKS and AGS line items of one context. The profile names that registration
([platform.registration]) with ``adapter = "none"``: the token-endpoint checks and the AGS checks that
need no admin action run and pass; everything else is not applicable (never failed, never error for
lack of Canvas's admin API). The platform does what the Security Framework says the server MUST (it
validates iss and keeps used jti values until they expire) but accepts any exp in the future, as RFC 7523
allows: KEY-024 (recommended) fails and the run still passes. A test switch that accepts an assertion for
another audience makes KEY-015 fail."""

from __future__ import annotations

import secrets
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlencode

import jwt
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from lti_harness.harness import keys

CLIENT_ID = "minimal-tool"
KID = "minimal-tool-key-1"
AGS = "https://purl.imsglobal.org/spec/lti-ags/scope/"
GRANTED = [AGS + "lineitem", AGS + "lineitem.readonly", AGS + "score"]
ASSERTION_TYPE = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
LINEITEM_TYPE = "application/vnd.ims.lis.v2.lineitem+json"
CONTAINER_TYPE = "application/vnd.ims.lis.v2.lineitemcontainer+json"
NOT_FOUND = {"error": "no such line item"}  # not Canvas's body: only the 404 is judged on a platform that is not Canvas
RAN = {"KEY-001", "KEY-012", "KEY-013", "KEY-014", "KEY-015", "KEY-016", "KEY-017", "KEY-018", "KEY-019", "KEY-021",
       "KEY-022", "KEY-023", "AGS-001", "AGS-003", "AGS-004", "AGS-006", "AGS-016"}
RECOMMENDED_FAILED = {"KEY-024"}  # an exp a year ahead is accepted: RFC 7523 only says the server may refuse it


@dataclass
class Minimal:
    """The platform's state: the hand-registered tool's public key, issued tokens, line items."""

    tool_key: Any  # the registered tool's RSA public key
    accept_wrong_aud: bool = False  # the test switch: any aud is accepted
    signing: keys.KeyPair = field(default_factory=keys.generate)
    tokens: dict[str, set[str]] = field(default_factory=dict)
    items: dict[str, dict[str, Any]] = field(default_factory=dict)
    used_jtis: dict[str, float] = field(default_factory=dict)  # jti → the exp of its assertion


def _oauth_error(error: str, description: str) -> JSONResponse:
    return JSONResponse({"error": error, "error_description": description}, 400)  # the Security Framework: 400 for every error


async def token(request: Request) -> Response:
    state: Minimal = request.app.state.minimal
    form = dict(parse_qsl((await request.body()).decode()))
    if form.get("grant_type") != "client_credentials":
        return _oauth_error("unsupported_grant_type", "only client_credentials")
    assertion = form.get("client_assertion", "")
    if form.get("client_assertion_type") != ASSERTION_TYPE or not assertion:
        return _oauth_error("invalid_request", "a JWT client assertion is required")
    try:
        header = jwt.get_unverified_header(assertion)
        unverified = jwt.decode(assertion, options={"verify_signature": False})
    except jwt.PyJWTError:
        return _oauth_error("invalid_request", "the assertion is not a JWT")
    if unverified.get("sub") != CLIENT_ID:
        return _oauth_error("invalid_client", "unknown client")
    if header.get("alg") != "RS256" or header.get("kid") != KID:
        return _oauth_error("invalid_request", "the assertion must be RS256 with the registered kid")
    url = str(request.url.replace(query=""))
    try:
        jwt.decode(assertion, state.tool_key, algorithms=["RS256"], audience=None if state.accept_wrong_aud else url, issuer=CLIENT_ID,
                   options={"require": ["iss", "sub", "aud", "exp", "iat", "jti"], "verify_aud": not state.accept_wrong_aud})
    except jwt.PyJWTError as exc:
        return _oauth_error("invalid_request", str(exc))
    now = time.time()
    state.used_jtis = {jti: exp for jti, exp in state.used_jtis.items() if exp > now}
    if unverified["jti"] in state.used_jtis:
        return _oauth_error("invalid_request", "the assertion's jti was used before")
    state.used_jtis[str(unverified["jti"])] = float(unverified["exp"])
    requested = set(form.get("scope", "").split())
    if not requested or not requested <= set(GRANTED):
        return _oauth_error("invalid_scope", "a requested scope was not granted to the client")
    issued = secrets.token_urlsafe(24)
    state.tokens[issued] = requested
    return JSONResponse({"access_token": issued, "token_type": "bearer", "expires_in": 3600, "scope": " ".join(sorted(requested))},
                        headers={"Cache-Control": "no-store"})


async def jwks(request: Request) -> Response:
    return JSONResponse(keys.jwks(request.app.state.minimal.signing))


def _allowed(request: Request, *scopes: str) -> Response | None:
    state: Minimal = request.app.state.minimal
    bearer = request.headers.get("authorization", "").removeprefix("Bearer ").strip()
    if not set(scopes) & state.tokens.get(bearer, set()):
        return JSONResponse({"errors": [{"message": "unauthorized"}]}, 401)
    return None


def _json(body: Any, media_type: str, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    import json

    return Response(json.dumps(body), status, media_type=media_type,
                    headers={"X-Request-Cost": "0.01", "X-Rate-Limit-Remaining": "600.0", **(headers or {})})


async def line_items(request: Request) -> Response:
    """GET (filters resource_id, tag, resource_link_id; ``limit`` pages with Link rel=next) and POST."""
    state: Minimal = request.app.state.minimal
    base = str(request.url.replace(query=""))
    if request.method == "POST":
        refused = _allowed(request, AGS + "lineitem")
        if refused:
            return refused
        body = await request.json()
        if not isinstance(body, dict) or not body.get("label") or not isinstance(body.get("scoreMaximum"), (int, float)):
            return JSONResponse({"errors": [{"message": "label and scoreMaximum are required"}]}, 400)
        item_id = f"{base}/{secrets.token_hex(4)}"
        state.items[item_id] = {**body, "id": item_id}
        return _json(state.items[item_id], LINEITEM_TYPE, 201)
    refused = _allowed(request, AGS + "lineitem", AGS + "lineitem.readonly")
    if refused:
        return refused
    q = request.query_params
    found = [i for i in state.items.values()
             if all(q.get(p) is None or i.get(f) == q.get(p) for p, f in (("resource_id", "resourceId"), ("tag", "tag"), ("resource_link_id", "resourceLinkId")))]
    limit, page = int(q.get("limit", "10")), int(q.get("page", "1"))
    chunk = found[(page - 1) * limit: page * limit]
    headers = {}
    if page * limit < len(found):
        headers["Link"] = f'<{base}?{urlencode({**dict(q), "page": str(page + 1)})}>; rel="next"'
    return _json(chunk, CONTAINER_TYPE, headers=headers)


async def line_item(request: Request) -> Response:
    """GET, PUT (replaces the item, id kept) and DELETE (204)."""
    state: Minimal = request.app.state.minimal
    item_id = str(request.url.replace(query=""))
    refused = _allowed(request, AGS + "lineitem", *([AGS + "lineitem.readonly"] if request.method == "GET" else []))
    if refused:
        return refused
    if item_id not in state.items:
        return JSONResponse(NOT_FOUND, 404)
    if request.method == "DELETE":
        del state.items[item_id]
        return Response(status_code=204)
    if request.method == "PUT":
        state.items[item_id] = {**(await request.json()), "id": item_id}
    return _json(state.items[item_id], LINEITEM_TYPE)


async def scores(request: Request) -> Response:
    refused = _allowed(request, AGS + "score")
    if refused:
        return refused
    item_id = str(request.url.replace(query="")).rsplit("/scores", 1)[0]
    if item_id not in request.app.state.minimal.items:
        return JSONResponse(NOT_FOUND, 404)
    return JSONResponse({"errors": [{"message": "this platform keeps no scores"}]}, 422)


def minimal_platform(tool_key: Any, *, accept_wrong_aud: bool = False) -> Starlette:
    """The minimal platform: token endpoint, JWKS, line items of context 7."""
    app = Starlette(routes=[
        Route("/token", token, methods=["POST"]),
        Route("/jwks", jwks, methods=["GET"]),
        Route("/contexts/7/lineitems", line_items, methods=["GET", "POST"]),
        Route("/contexts/7/lineitems/{n}", line_item, methods=["GET", "PUT", "DELETE"]),
        Route("/contexts/7/lineitems/{n}/scores", scores, methods=["POST"]),
    ])
    app.state.minimal = Minimal(tool_key=tool_key, accept_wrong_aud=accept_wrong_aud)
    return app


def hand_registered_profile(tmp_path: Path, base: str, tool: keys.KeyPair) -> Path:
    """A profile for a tool registered on the platform by hand (the platform holds the tool's public key)."""
    pem = tmp_path / "tool.pem"
    pem.write_bytes(tool.private_pem)
    pem.chmod(0o600)
    profile = tmp_path / "minimal.toml"
    profile.write_text(
        f'[platform]\nbase_url = "{base}"\nadapter = "none"\ntimeout = 5\n\n'
        f'[platform.registration]\nclient_id = "{CLIENT_ID}"\nprivate_key = "tool.pem"\nkid = "{KID}"\ndeployment_id = "1"\n'
        f'token_url = "{base}/token"\nscopes = {GRANTED!r}\nlineitems_url = "{base}/contexts/7/lineitems"\n'.replace("'", '"'),
        encoding="utf-8",
    )
    return profile


def test_hand_registered_tool_on_a_minimal_platform(serve, run_harness, tmp_path):
    tool = keys.generate(kid=KID)
    base = serve(minimal_platform(tool.private_key.public_key()))
    result = run_harness("--profile", str(hand_registered_profile(tmp_path, base, tool)), "--suite", "scopes", "--suite", "ags",
                         "--examples", "3", "--seed", "7")
    outcomes = result.outcomes()
    assert result.code == 0, result.stdout[-3000:]
    assert {cid for cid, o in outcomes.items() if o == "passed"} == RAN, outcomes
    assert result.failed() == RECOMMENDED_FAILED and "error" not in outcomes.values(), outcomes
    assert all(o == "not_applicable" for cid, o in outcomes.items() if cid not in RAN | RECOMMENDED_FAILED)
    reasons = {c["id"]: " ".join(c.get("messages", [])) for c in result.summary["checks"]}
    assert "adapter is 'none'" in reasons["KEY-003"] and "adapter is 'none'" in reasons["AGS-002"], reasons
    assert result.summary["created_on_target"], "the line items the run made in the hand-registered context are not listed"
    assert tool.private_pem.decode().splitlines()[1] not in (result.report_dir / "report.html").read_text()


def test_a_platform_accepting_another_audience_fails_key_015(serve, run_harness, tmp_path):
    tool = keys.generate(kid=KID)
    base = serve(minimal_platform(tool.private_key.public_key(), accept_wrong_aud=True))
    result = run_harness("--profile", str(hand_registered_profile(tmp_path, base, tool)), "--suite", "scopes",
                         "--check", "KEY-015", "--check", "KEY-021", "--check", "KEY-001")
    assert result.code == 1, result.stdout[-3000:]
    assert result.failed() == {"KEY-015"}, result.outcomes()
    messages = " ".join(m for c in result.summary["checks"] if c["id"] == "KEY-015" for m in c.get("messages", []))
    assert "another audience was accepted" in messages


def test_registration_table_of_a_profile(tmp_path, monkeypatch):
    from lti_harness.harness import profile

    tool = keys.generate(kid=KID)
    monkeypatch.setenv("MINIMAL_TOOL_PEM", tool.private_pem.decode())
    data = {"platform": {"base_url": "https://lms.example", "adapter": "none", "registration": {
        "client_id": CLIENT_ID, "private_key": "env:MINIMAL_TOOL_PEM", "scopes": GRANTED}}}
    reg = profile.parse(data, "p.toml", tmp_path).platform.registration
    assert reg.token_url == "https://lms.example/login/oauth2/token" and reg.lineitems_url is None
    assert reg.key.kid != KID and reg.key.public_jwk["n"] == tool.public_jwk["n"]  # kid: the key's thumbprint by default
    for broken, field_name in (({"client_id": ""}, "client_id"), ({"scopes": []}, "scopes"), ({"private_key": "missing.pem"}, "private_key"),
                               ({"lineitems_url": "not a url"}, "lineitems_url"), ({"secret": "x"}, "unknown field")):
        bad = {"platform": {**data["platform"], "registration": {**data["platform"]["registration"], **broken}}}
        try:
            profile.parse(bad, "p.toml", tmp_path)
        except profile.ProfileError as exc:
            assert field_name in str(exc) and "[platform.registration]" in str(exc), exc
        else:
            raise AssertionError(f"{broken} was accepted")
