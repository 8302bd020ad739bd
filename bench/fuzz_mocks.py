"""Fuzz the served mocks with schemathesis: every operation of ``schemas/openapi/platform.json``
against a served mock platform and of ``schemas/openapi/tool.json`` against a served mock tool, in
positive and negative modes, with each credential a route may see (the admin token, an LTI access
token, the tool's API key, a wrong one, none) and with path ids that name real objects or are
generated. Counts every answer; a 5xx or a timeout is a finding. Exits 1 on any finding.

    python bench/fuzz_mocks.py [--examples 40] [--seed 1] [--json out.json]

The project's tests run the same fuzz with a few examples per operation (tests/test_mock_fuzz.py).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

import httpx
from hypothesis import HealthCheck, Phase, given, seed, settings
from hypothesis import strategies as st
from schemathesis.generation import GenerationMode

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from lti_harness.harness import dynreg, keys, openapi, servers  # noqa: E402

METHODS = ("get", "put", "post", "delete", "patch")
AGS = "https://purl.imsglobal.org/spec/lti-ags/scope/"
LTI_SCOPES = [AGS + "lineitem", AGS + "lineitem.readonly", AGS + "score", AGS + "result.readonly"]


@dataclass
class FuzzReport:
    """What one fuzz run saw: requests sent, statuses, and the findings (5xx, timeouts)."""

    target: str
    requests: int = 0
    statuses: Counter = field(default_factory=Counter)
    server_errors: list[str] = field(default_factory=list)
    timeouts: list[str] = field(default_factory=list)
    seconds: float = 0.0

    def findings(self) -> list[str]:
        return self.server_errors + self.timeouts

    def as_dict(self) -> dict[str, Any]:
        return {"target": self.target, "requests": self.requests, "seconds": round(self.seconds, 1),
                "statuses": {str(k): v for k, v in sorted(self.statuses.items(), key=lambda kv: str(kv[0]))},
                "server_errors": self.server_errors[:50], "timeouts": self.timeouts[:50]}


def _sendable(name: str, value: Any) -> bool:
    text = f"{name}{value}"
    return isinstance(value, str) and name.strip() != "" and all(32 <= ord(c) < 127 or c == "\t" for c in text)


def _send(client: httpx.Client, case: Any, base_url: str, auth: dict[str, str]) -> httpx.Response:
    kw = case.as_transport_kwargs(base_url=base_url)
    headers = {k: v.strip() for k, v in kw["headers"].items()
               if k.lower() not in ("accept-encoding", "connection", "user-agent", "authorization", "content-length") and _sendable(k, v)}
    headers.update(auth)
    body: dict[str, Any] = {}
    if "json" in kw:
        body["json"] = kw["json"]
    elif "data" in kw:
        data = kw["data"]
        body["content"] = data if isinstance(data, (str, bytes)) else dynreg.form_encode(data) if isinstance(data, dict) else str(data)
    elif "content" in kw:
        body["content"] = kw["content"]
    return client.request(kw["method"], kw["url"], headers=headers, params=kw.get("params") or None, **body)


def fuzz(base_url: str, document: str, credentials: Callable[[str], list[dict[str, str]]], known: Callable[[str], dict[str, str]],
         examples: int, run_seed: int = 1, timeout: float = 10.0) -> FuzzReport:
    """Every operation of ``document`` in both modes, ``examples`` generated cases each, against ``base_url``;
    ``credentials(path)`` are the header sets to draw from (the route's own first, drawn more often)."""
    schema = openapi.load(document)
    raw = openapi.document(document)
    report = FuzzReport(target=f"{document} at {base_url}")
    started = time.monotonic()
    with httpx.Client(timeout=timeout, follow_redirects=False) as client:
        for path, ops in raw["paths"].items():
            for method in (m for m in ops if m in METHODS):
                for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
                    _fuzz_operation(client, report, base_url, schema[path][method.upper()], path, mode, credentials(path), known(path), examples, run_seed)
    report.seconds = time.monotonic() - started
    return report


def _fuzz_operation(client: httpx.Client, report: FuzzReport, base_url: str, operation: Any, path: str, mode: GenerationMode,
                    credentials: list[dict[str, str]], known_ids: dict[str, str], examples: int, run_seed: int) -> None:
    label = f"{operation.method.upper()} {path} ({mode.value})"
    try:
        strategy = operation.as_strategy(mode)
    except Exception:  # noqa: BLE001 - an operation with nothing to negate has no negative mode
        return

    @seed(run_seed)
    @settings(max_examples=examples, database=None, deadline=None, phases=[Phase.explicit, Phase.generate],
              suppress_health_check=list(HealthCheck))
    @given(case=strategy, auth=st.sampled_from([credentials[0]] * len(credentials) + credentials[1:]), real_ids=st.booleans())
    def one(case: Any, auth: dict[str, str], real_ids: bool) -> None:
        if real_ids and known_ids and case.path_parameters is not None:
            case.path_parameters = {**case.path_parameters, **{k: v for k, v in known_ids.items() if k in case.path_parameters}}
        report.requests += 1
        try:
            response = _send(client, case, base_url, auth)
        except httpx.TimeoutException:
            report.timeouts.append(f"{label}: no answer in time to {case.formatted_path}")
            return
        except (httpx.HTTPError, UnicodeError, ValueError, TypeError):
            report.statuses["unsendable"] += 1
            return
        report.statuses[response.status_code] += 1
        if response.status_code >= 500:
            report.server_errors.append(f"{label}: {response.status_code} for {response.request.method} {response.request.url} "
                                        f"body {response.request.content[:300]!r}: {response.text[:200]!r}")

    try:
        one()
    except Exception as exc:  # noqa: BLE001 - a generator that cannot build a case is not a finding about the mock
        report.statuses[f"not generated ({type(exc).__name__})"] += 1


# --- the served mocks and what their routes need ----------------------------------------------------


@dataclass
class Served:
    url: str
    credentials: Callable[[str], list[dict[str, str]]]
    known: Callable[[str], dict[str, str]]
    server: servers.RunningServer


def serve_platform() -> Served:
    """A served mock platform with a registration, a course with a student, the tool installed, a line
    item, and an LTI token of that tool (the credentials rotate: admin, LTI token, a wrong one, none)."""
    from lti_harness import mock_platform

    config = mock_platform.PlatformConfig(admin_token="fuzz-admin")
    server = servers.start(mock_platform.create_app(config))
    base = server.url
    admin = {"Authorization": "Bearer fuzz-admin"}
    pair = keys.generate()
    with httpx.Client(base_url=base, timeout=10) as c:
        reg_token = c.get("/api/lti/accounts/1/registration_token", headers=admin).json()["token"]
        reg = c.post("/api/lti/registrations", json=dynreg.sample_registration(base, f"{base}/jwks"), headers={"Authorization": f"Bearer {reg_token}"}).json()
        key = c.post("/api/v1/accounts/1/developer_keys", headers=admin,
                     json={"developer_key": {"name": "fuzz", "is_lti_key": True, "public_jwk": pair.public_jwk, "scopes": LTI_SCOPES}}).json()["id"]
        course = c.post("/api/v1/accounts/1/courses", headers=admin, json={"course": {"name": "Fuzz"}}).json()["id"]
        c.post(f"/api/v1/courses/{course}/external_tools", headers=admin, json={"client_id": key})
        student = c.post("/api/v1/accounts/1/users", headers=admin, json={"user": {"name": "S"}}).json()["id"]
        c.post(f"/api/v1/courses/{course}/enrollments", headers=admin, json={"enrollment": {"user_id": student}})
        assertion = keys.client_assertion(pair, key, f"{base}/login/oauth2/token")
        token = c.post("/login/oauth2/token", data={"grant_type": "client_credentials", "client_assertion_type": "urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
                                                    "client_assertion": assertion, "scope": " ".join(LTI_SCOPES)}).json()["access_token"]
        lti = {"Authorization": f"Bearer {token}"}
        item = c.post(f"/api/lti/courses/{course}/line_items", headers=lti, json={"label": "L", "scoreMaximum": 10}).json()["id"].rsplit("/", 1)[1]
        # the admin routes may conclude or delete what they name: they get objects of their own
        spare_key = c.post("/api/v1/accounts/1/developer_keys", headers=admin, json={"developer_key": {"name": "spare", "scopes": []}}).json()["id"]
        spare_course = c.post("/api/v1/accounts/1/courses", headers=admin, json={"course": {"name": "Spare"}}).json()["id"]
    reg_id = reg["registration_client_uri"].rsplit("/", 1)[1] if isinstance(reg, dict) and reg.get("registration_client_uri") else "1"

    def known(path: str) -> dict[str, str]:
        if path.startswith("/api/lti/courses/"):
            return {"course_id": str(course), "id": item, "result_id": str(student)}
        if path.startswith("/api/v1/accounts/{account_id}/lti_registrations"):
            return {"account_id": "1", "id": reg_id}
        if path.startswith("/api/lti/registrations/"):
            return {"registration_id": reg_id}
        if path.startswith("/api/v1/developer_keys/") or "developer_key_id" in path:
            return {"account_id": "1", "id": str(spare_key), "developer_key_id": str(spare_key)}
        if path.startswith("/api/v1/users/"):
            return {"id": "self", "user_id": "self"}
        return {"account_id": "1", "id": str(spare_course), "course_id": str(spare_course), "feature": "lti_dr_registrations_update"}

    def credentials(path: str) -> list[dict[str, str]]:
        own = lti if path.startswith("/api/lti/courses/") else admin
        return [own, *(c for c in (admin, lti) if c is not own), {"Authorization": "Bearer wrong"}, {}]

    return Served(base, credentials, known, server)


def serve_tool() -> Served:
    """A served mock tool with one registration (credentials: the API key, a wrong one, none)."""
    from lti_harness import mock_tool

    server = servers.start(mock_tool.create_app(mock_tool.ToolConfig(api_key="tf_platform_fuzz")))
    key = {"Authorization": "Bearer tf_platform_fuzz"}
    made = httpx.post(f"{server.url}/v1/platform/lti/registrations", headers=key, timeout=10, json={
        "name": "n", "platformIssuer": "https://i.test", "platformAuthorizationEndpoint": "https://i.test/a",
        "platformTokenEndpoint": "https://i.test/t", "platformJwksUrl": "https://i.test/j", "clientId": "1"}).json()
    return Served(server.url, lambda path: [key, {"Authorization": "Bearer tf_platform_wrong"}, {}], lambda path: {"id": made["id"]}, server)


def fuzz_both(examples: int, run_seed: int = 1) -> list[FuzzReport]:
    """Fuzz a freshly served mock platform and mock tool; both are stopped afterwards."""
    reports = []
    for start, document in ((serve_platform, "platform"), (serve_tool, "tool")):
        served = start()
        try:
            reports.append(fuzz(served.url, document, served.credentials, served.known, examples, run_seed))
        finally:
            served.server.stop()
    return reports


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--examples", type=int, default=40, help="generated cases per operation and mode")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--json", metavar="FILE", help="write the reports here")
    ns = ap.parse_args(argv)
    reports = fuzz_both(ns.examples, ns.seed)
    for r in reports:
        print(f"{r.target}: {r.requests} requests in {r.seconds:.0f} s; statuses {dict(sorted((str(k), v) for k, v in r.statuses.items()))}; "
              f"{len(r.server_errors)} server errors, {len(r.timeouts)} timeouts")
        for finding in r.findings()[:20]:
            print(f"  {finding}")
    if ns.json:
        Path(ns.json).write_text(json.dumps([r.as_dict() for r in reports], indent=2), encoding="utf-8")
    return 1 if any(r.findings() for r in reports) else 0


if __name__ == "__main__":
    raise SystemExit(main())
